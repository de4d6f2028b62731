fn main() {
    std::process::exit(compose_harden::cli::main());
}
