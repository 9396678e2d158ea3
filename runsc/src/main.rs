//! `runsc`: the rvisor binary. This milestone provides `runsc do`, which runs one command
//! in a sandbox whose root is the host's root, read-only.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::{Parser, Subcommand};

mod sandbox;

#[derive(Parser, Debug)]
#[command(name = "runsc", version, about = "rvisor: an application kernel for running untrusted programs")]
struct Cli {
    /// Platform that runs application code.
    #[arg(long, global = true, default_value = "ptrace", value_parser = ["ptrace"])]
    platform: String,
    /// Print every system call of the sandboxed program, with arguments and result, to stderr.
    #[arg(long, global = true)]
    strace: bool,
    /// Log debug messages (to stderr, or to --debug-log).
    #[arg(long, global = true)]
    debug: bool,
    /// File to write the debug log to instead of stderr.
    #[arg(long = "debug-log", global = true, value_name = "FILE")]
    debug_log: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a command in a new sandbox whose root is the host's root (read-only).
    Do {
        /// The program and its arguments.
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        cmd: Vec<std::ffi::OsString>,
    },
}

/// Minimal `log` backend: one line per record to stderr or a file.
struct Logger {
    level: log::LevelFilter,
    out: Mutex<Box<dyn Write + Send>>,
}

impl log::Log for Logger {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= self.level
    }
    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            let mut o = self.out.lock().unwrap_or_else(|e| e.into_inner());
            let _ = writeln!(o, "runsc [{}] {}: {}", r.level(), r.target(), r.args());
        }
    }
    fn flush(&self) {
        let _ = self.out.lock().unwrap_or_else(|e| e.into_inner()).flush();
    }
}

fn init_logging(cli: &Cli) -> anyhow::Result<()> {
    let out: Box<dyn Write + Send> = match &cli.debug_log {
        Some(p) => Box::new(std::fs::OpenOptions::new().create(true).append(true).open(p)?),
        None => Box::new(std::io::stderr()),
    };
    let level = if cli.debug || cli.debug_log.is_some() { log::LevelFilter::Debug } else { log::LevelFilter::Error };
    log::set_boxed_logger(Box::new(Logger { level, out: Mutex::new(out) }))?;
    log::set_max_level(level);
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = init_logging(&cli) {
        eprintln!("runsc: cannot set up logging: {e}");
        return ExitCode::from(125);
    }
    match &cli.command {
        Command::Do { cmd } => match sandbox::run_do(cmd, cli.strace) {
            Ok(code) => ExitCode::from(code as u8),
            Err(e) => {
                eprintln!("runsc: {e:#}");
                ExitCode::from(e.exit_code())
            }
        },
    }
}
