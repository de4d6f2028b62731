//! Speed of one hardening, measured (never asserted in tests): `cargo bench --bench harden`.
//!
//! Generates compose files of growing size (services with privileged, a secret, a socket mount
//! and comments), hardens each in memory (load, passes, patch, verify) several times, and prints
//! the best time and the throughput. Nothing is written to disk, so file-system speed (secret
//! files) is not part of the figure.

use std::time::{Duration, Instant};

use compose_harden::harden::harden;
use compose_harden::knowledge::Knowledge;
use compose_harden::load;
use compose_harden::options::Options;

fn stack(services: usize) -> String {
    let mut s = String::from("# generated benchmark stack\nservices:\n");
    for i in 0..services {
        s.push_str(&format!(
            "  svc{i}:\n    image: nginx:1.{}\n    privileged: true\n    environment:\n      DB_PASSWORD: pw-{i}-abcdefgh\n      LOG: info # comment {i}\n    volumes:\n      - ./data:/data\n      - /var/run/docker.sock:/var/run/docker.sock\n",
            i % 30
        ));
    }
    s
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this as a quick smoke test.
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if full {
        &[10, 100, 1_000, 5_000, 20_000]
    } else {
        &[10]
    };
    let knowledge = Knowledge::builtin();
    let options = Options::default();
    println!(
        "{:>9} {:>10} {:>12} {:>10}",
        "services", "bytes", "best", "MB/s"
    );
    for &services in sizes {
        let text = stack(services);
        let runs = if services >= 5_000 { 2 } else { 5 };
        let mut best = Duration::MAX;
        for _ in 0..runs {
            let start = Instant::now();
            let doc = load::load_text("bench.yaml", None, text.clone(), false).expect("load");
            let h = harden(doc, &options, &knowledge).expect("harden");
            std::hint::black_box(&h.text);
            best = best.min(start.elapsed());
        }
        let mb = text.len() as f64 / 1e6;
        println!(
            "{services:>9} {:>10} {:>10.1}ms {:>10.2}",
            text.len(),
            best.as_secs_f64() * 1e3,
            mb / best.as_secs_f64()
        );
    }
}
