//! The command line: argument parsing, and the one place that prints and writes files.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, exit};
use crate::harden::{Hardened, harden};
use crate::knowledge::Knowledge;
use crate::load;
use crate::options::{Options, Overrides, SocketStrategy};
use crate::report::{self, FileReport, Format};
use crate::rules::RuleId;
use crate::secrets;

#[derive(Parser, Debug)]
#[command(
    name = "compose-harden",
    version,
    about = "Harden a Docker Compose file and report what changed and what is left to do"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write the hardened compose file (stdout by default) and a report (stderr by default).
    Harden(HardenArgs),
    /// Report findings only; write nothing. Exit 1 when there is any.
    Check(CheckArgs),
    /// Write a hardened starter stack.
    Init(InitArgs),
    /// List the rules, or explain one.
    Rules(RulesArgs),
    /// Compare a running project's containers with the hardened intent
    Verify(VerifyArgs),
}

#[derive(Args, Debug)]
pub struct HardenArgs {
    /// The compose file (`-` for stdin). Default: Compose's own discovery order.
    pub file: Option<PathBuf>,
    /// Write the hardened file here.
    #[arg(short = 'o', long = "output", conflicts_with = "in_place")]
    pub output: Option<PathBuf>,
    /// Replace FILE atomically, keeping the original as FILE.orig.
    #[arg(long)]
    pub in_place: bool,
    /// With --in-place: keep no FILE.orig.
    #[arg(long, requires = "in_place")]
    pub no_backup: bool,
    /// Folder for secret files (default `.secrets` beside the output).
    #[arg(long, value_name = "DIR")]
    pub secrets_dir: Option<PathBuf>,
    /// Write the report to this file instead of stderr.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Report format.
    #[arg(long, default_value = "text", value_parser = parse_format)]
    pub format: Format,
    /// Write nothing; exit 1 if hardening would change anything.
    #[arg(long)]
    pub check: bool,
    /// Print a unified diff (secret values masked) instead of the file; write nothing.
    #[arg(long, conflicts_with = "check")]
    pub diff: bool,
    /// Re-emit the whole file in a fixed key order (drops comments and anchors).
    #[arg(long)]
    pub canonical: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug)]
pub struct CommonArgs {
    /// What to do with engine-socket access.
    #[arg(long, value_name = "STRATEGY", value_parser = parse_socket)]
    pub docker_socket: Option<SocketStrategy>,
    /// `user:` for images the tool knows nothing about.
    #[arg(long, value_name = "UID:GID")]
    pub default_user: Option<String>,
    /// Extra image knowledge (YAML, same shape as the built-in file); its entries win.
    #[arg(long, value_name = "FILE")]
    pub knowledge: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Compose files (default: Compose's discovery order).
    pub files: Vec<PathBuf>,
    #[arg(long, default_value = "text", value_parser = parse_format)]
    pub format: Format,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The template to start from.
    pub template: Option<String>,
    /// Where to write it (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// List the templates.
    #[arg(long)]
    pub list: bool,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// A rule id, to print its documentation.
    pub rule: Option<String>,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The compose file the project was started from (default: Compose's discovery order;
    /// without one, exceptions and the intended cap_add are not known).
    pub file: Option<PathBuf>,
    /// The project name (default: COMPOSE_PROJECT_NAME, the file's `name:`, its folder's name).
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// Output format.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

fn parse_socket(s: &str) -> Result<SocketStrategy, String> {
    s.parse()
}

/// Runs the command line; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::BAD_INPUT
            } else {
                exit::OK
            };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("compose-harden: {e}");
            e.exit_code()
        }
    }
}

pub fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Harden(a) => cmd_harden(a),
        Command::Check(a) => cmd_check(a),
        Command::Init(a) => cmd_init(a),
        Command::Rules(a) => cmd_rules(a),
        Command::Verify(a) => {
            crate::engine::verify::run(a.file.as_deref(), a.project_name.as_deref(), &a.format)
        }
    }
}

fn knowledge(common: &CommonArgs) -> Result<Knowledge, Error> {
    let mut k = Knowledge::builtin();
    if let Some(path) = &common.knowledge {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
        k.extend_from(&path.display().to_string(), &text)?;
    }
    Ok(k)
}

fn overrides(common: &CommonArgs, secrets_dir: Option<PathBuf>) -> Overrides {
    Overrides {
        default_user: common.default_user.clone(),
        socket: common.docker_socket,
        secrets_dir,
    }
}

fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn cmd_harden(a: HardenArgs) -> Result<i32, Error> {
    let path = load::discover(a.file.as_deref())?;
    let stdin = path == Path::new("-");
    if a.in_place && stdin {
        return Err(Error::Usage("--in-place needs a file, not stdin".into()));
    }
    let doc = load::load_path(&path)?;
    let out_path: Option<PathBuf> = if a.in_place {
        Some(path.clone())
    } else {
        a.output.clone()
    };
    let output_dir = out_path.as_deref().map_or_else(|| doc.base_dir(), dir_of);
    if out_path.is_some() && !output_dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: the output folder does not exist",
            output_dir.display()
        )));
    }
    let options = Options::resolve(
        &doc,
        &overrides(&a.common, a.secrets_dir.clone()),
        output_dir.clone(),
        a.in_place,
    )?;
    let knowledge = knowledge(&a.common)?;
    let hardened = harden(doc, &options, &knowledge)?;
    let mut text = hardened.text.clone();
    if a.canonical {
        text = crate::edit::canonical::emit(&hardened)?;
    }
    let input_name = hardened.input.name.clone();
    let output_name = out_path.as_ref().map(|p| p.display().to_string());
    let write = !a.check && !a.diff;
    let file_report = FileReport {
        input: input_name,
        output: output_name
            .clone()
            .or_else(|| Some("<stdout>".into()))
            .filter(|_| write),
        hardened: &hardened,
        applied: write,
    };
    let files = [file_report];
    if a.check {
        emit_report(&files, a.format, a.report.as_deref())?;
        return Ok(if hardened.changed() {
            exit::FOUND
        } else {
            exit::OK
        });
    }
    if a.diff {
        let diff = masked_diff(&hardened, &text);
        print_stdout(&diff)?;
        emit_report(&files, a.format, a.report.as_deref())?;
        return Ok(exit::OK);
    }
    // Nothing is written until everything has been computed and checked.
    secrets::write_all(&output_dir, hardened.outcome.secrets.as_slice())?;
    for side in &hardened.outcome.side_files {
        if side.backup {
            backup(&side.path)?;
        }
        if let Some(dir) = side.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        }
        secrets::write_atomic(&side.path, side.contents.as_bytes(), 0o644)?;
    }
    match &out_path {
        None => print_stdout(&text)?,
        Some(p) => {
            let unchanged = std::fs::read(p).is_ok_and(|b| b == text.as_bytes());
            if !unchanged {
                if a.in_place && !a.no_backup {
                    backup(p)?;
                }
                let mode = existing_mode(p).unwrap_or(0o644);
                secrets::write_atomic(p, text.as_bytes(), mode)?;
            }
        }
    }
    emit_report(&files, a.format, a.report.as_deref())?;
    Ok(exit::OK)
}

/// Keeps a copy of `path` as `path.orig` (or `.orig.N` when an earlier backup is there).
fn backup(path: &Path) -> Result<(), Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    let mut target = PathBuf::from(format!("{}.orig", path.display()));
    let mut n = 1;
    while let Ok(existing) = std::fs::read(&target) {
        if existing == bytes {
            return Ok(());
        }
        target = PathBuf::from(format!("{}.orig.{n}", path.display()));
        n += 1;
    }
    let mode = existing_mode(path).unwrap_or(0o644);
    secrets::write_atomic(&target, &bytes, mode)
}

#[cfg(unix)]
fn existing_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn existing_mode(_path: &Path) -> Option<u32> {
    None
}

fn print_stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Error::io("<stdout>", &e))
}

fn emit_report(files: &[FileReport], format: Format, to: Option<&Path>) -> Result<(), Error> {
    let text = report::render(files, format);
    match to {
        Some(p) => {
            secrets::write_atomic(p, text.as_bytes(), 0o644)?;
            eprintln!("{}", report::summary_line(files));
        }
        None => eprint!("{text}"),
    }
    Ok(())
}

/// A unified diff with every secret value masked.
fn masked_diff(h: &Hardened, new: &str) -> String {
    let old_name = h.input.name.clone();
    let diff =
        similar::TextDiff::from_lines(h.input.text.as_str(), new.trim_start_matches('\u{feff}'));
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &format!("{old_name} (hardened)"))
        .to_string();
    report::mask(&text, &report::secret_values(std::slice::from_ref(h)))
}

fn cmd_check(a: CheckArgs) -> Result<i32, Error> {
    let paths: Vec<PathBuf> = if a.files.is_empty() {
        vec![load::discover(None)?]
    } else {
        a.files.clone()
    };
    let knowledge = knowledge(&a.common)?;
    let mut results = Vec::new();
    for path in &paths {
        let doc = load::load_path(path)?;
        let dir = doc.base_dir();
        let options = Options::resolve(&doc, &overrides(&a.common, None), dir, false)?;
        results.push(harden(doc, &options, &knowledge)?);
    }
    let files: Vec<FileReport> = results
        .iter()
        .map(|h| FileReport {
            input: h.input.name.clone(),
            output: None,
            hardened: h,
            applied: false,
        })
        .collect();
    let found = files.iter().any(|f| {
        f.findings()
            .iter()
            .any(|x| !matches!(x.status, crate::passes::Status::Accepted(_)))
    });
    print_stdout(&report::render(&files, a.format))?;
    Ok(if found { exit::FOUND } else { exit::OK })
}

fn cmd_rules(a: RulesArgs) -> Result<i32, Error> {
    match a.rule {
        None => {
            let mut out = String::new();
            for r in RuleId::ALL {
                out.push_str(&format!(
                    "{:20} {:9} {}\n",
                    r.as_str(),
                    r.severity().as_str(),
                    r.summary()
                ));
            }
            print_stdout(&out)?;
        }
        Some(id) => {
            let rule: RuleId = id.parse().map_err(Error::Usage)?;
            print_stdout(crate::rules::doc(rule))?;
        }
    }
    Ok(exit::OK)
}

fn cmd_init(a: InitArgs) -> Result<i32, Error> {
    crate::templates::init(a.template.as_deref(), a.dir.as_deref(), a.list)
}
