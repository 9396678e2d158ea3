//! `runsc`: the rvisor binary: `runsc do`, which runs one command in a sandbox over the
//! host's root, and the runc-compatible OCI lifecycle commands (see [`oci`]).

use std::io::Write;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::{Parser, Subcommand};

use runsc::{oci, sandbox};

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
    /// Directory holding the state of containers.
    #[arg(long, global = true, default_value = "/var/run/runsc")]
    root: std::path::PathBuf,
    /// File to which errors are logged (as runc does, for the caller to read).
    #[arg(long, global = true, value_name = "FILE")]
    log: Option<std::path::PathBuf>,
    /// Format of --log: text or json.
    #[arg(long = "log-format", global = true, default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    /// Networking: only "none" (loopback inside the sandbox) exists yet.
    #[arg(long, global = true, default_value = "none", value_parser = ["none", "sandbox", "host"])]
    network: String,
    /// Accepted for compatibility with runc's callers; cgroups are not managed yet.
    #[arg(long = "systemd-cgroup", global = true, hide = true)]
    systemd_cgroup: bool,
    /// Accepted for compatibility: runsc runs as the calling user.
    #[arg(long, global = true, hide = true, num_args = 0..=1, default_missing_value = "true")]
    rootless: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a command in a new sandbox over the host's root (changes stay in the sandbox).
    Do {
        /// The program and its arguments.
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        cmd: Vec<std::ffi::OsString>,
    },
    /// Create a container from a bundle; its program runs on `start`.
    Create {
        /// The bundle directory (holding config.json).
        #[arg(long, short = 'b', default_value = ".")]
        bundle: std::path::PathBuf,
        /// File to write the sandbox process's pid to.
        #[arg(long = "pid-file")]
        pid_file: Option<std::path::PathBuf>,
        /// Unix socket to send a terminal's master to (not supported yet).
        #[arg(long = "console-socket")]
        console_socket: Option<std::path::PathBuf>,
        /// Accepted for compatibility.
        #[arg(long = "no-pivot", hide = true)]
        no_pivot: bool,
        /// Accepted for compatibility.
        #[arg(long = "no-new-keyring", hide = true)]
        no_new_keyring: bool,
        /// The container id.
        id: String,
    },
    /// Run the program of a created container.
    Start { id: String },
    /// Print a container's state as JSON.
    State { id: String },
    /// Send a signal (name or number; TERM by default) to a container's first process.
    Kill {
        /// Signal every process of the container.
        #[arg(long, short = 'a')]
        all: bool,
        id: String,
        #[arg(default_value = "TERM")]
        signal: String,
    },
    /// Remove a stopped container (any container with --force).
    Delete {
        #[arg(long, short = 'f')]
        force: bool,
        id: String,
    },
    /// Create and start a container, and wait for it unless --detach.
    Run {
        #[arg(long, short = 'b', default_value = ".")]
        bundle: std::path::PathBuf,
        #[arg(long = "pid-file")]
        pid_file: Option<std::path::PathBuf>,
        #[arg(long, short = 'd')]
        detach: bool,
        #[arg(long = "console-socket")]
        console_socket: Option<std::path::PathBuf>,
        id: String,
    },
    /// List containers.
    List {
        /// text or json.
        #[arg(long, short = 'f', default_value = "table", value_parser = ["table", "json"])]
        format: String,
        /// Only the ids.
        #[arg(long, short = 'q')]
        quiet: bool,
    },
    /// List the processes of a container (pids inside the sandbox).
    Ps {
        #[arg(long, short = 'f', default_value = "table", value_parser = ["table", "json"])]
        format: String,
        id: String,
    },
    /// Wait for a container to stop and print its exit status.
    Wait { id: String },
    /// Run another process in a running container.
    Exec {
        /// A process.json (the OCI process object) to run.
        #[arg(long, short = 'p')]
        process: Option<std::path::PathBuf>,
        /// Working directory.
        #[arg(long)]
        cwd: Option<String>,
        /// Extra environment variables (KEY=VALUE).
        #[arg(long, short = 'e')]
        env: Vec<String>,
        /// uid[:gid].
        #[arg(long, short = 'u')]
        user: Option<String>,
        /// Allocate a terminal (its master goes to --console-socket).
        #[arg(long, short = 't')]
        tty: bool,
        /// Return once the process started.
        #[arg(long, short = 'd')]
        detach: bool,
        #[arg(long = "pid-file")]
        pid_file: Option<std::path::PathBuf>,
        #[arg(long = "console-socket")]
        console_socket: Option<std::path::PathBuf>,
        #[arg(long = "ready-fd", hide = true)]
        ready_fd: Option<i32>,
        id: String,
        /// The command and its arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Register runsc as a runtime in Docker's daemon.json.
    Install {
        /// Docker's daemon configuration.
        #[arg(long = "config-file", default_value = "/etc/docker/daemon.json")]
        config_file: std::path::PathBuf,
        /// The runtime's name (docker run --runtime=NAME).
        #[arg(long, default_value = "runsc")]
        runtime: String,
        /// Flags for every call of runsc by Docker (e.g. --debug-log=/tmp/runsc.log).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        runtime_args: Vec<String>,
    },
    /// Write a starting config.json into the bundle.
    Spec {
        #[arg(long, short = 'b', default_value = ".")]
        bundle: std::path::PathBuf,
    },
    /// The sandbox process of a container (started by create).
    #[command(hide = true)]
    Boot {
        #[arg(long)]
        bundle: std::path::PathBuf,
        #[arg(long = "ready-fd")]
        ready_fd: i32,
        #[arg(long = "console-socket")]
        console_socket: Option<std::path::PathBuf>,
        id: String,
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

/// Report a failed command as runc does: on stderr, and in --log in its format.
fn report(cli: &Cli, e: &anyhow::Error) {
    let msg = format!("{e:#}");
    eprintln!("runsc: {msg}");
    if let Some(path) = &cli.log {
        let line = if cli.log_format == "json" {
            serde_json::json!({ "level": "error", "msg": msg, "time": oci::now() }).to_string()
        } else {
            format!("time=\"{}\" level=error msg={:?}", oci::now(), msg)
        };
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(f, "{line}");
        }
    }
}

fn global(cli: &Cli) -> oci::Global {
    let mut passthrough = vec!["--root".to_string(), cli.root.display().to_string()];
    if cli.strace {
        passthrough.push("--strace".into());
    }
    if cli.debug {
        passthrough.push("--debug".into());
    }
    if let Some(p) = &cli.debug_log {
        passthrough.push("--debug-log".into());
        passthrough.push(p.display().to_string());
    }
    oci::Global { root: cli.root.clone(), strace: cli.strace, passthrough }
}

fn lifecycle(cli: &Cli) -> anyhow::Result<u8> {
    let g = global(cli);
    let code = match &cli.command {
        Command::Do { .. } => unreachable!("handled by main"),
        Command::Create { bundle, pid_file, console_socket, id, .. } => {
            oci::create(&g, id, bundle, pid_file.as_deref(), console_socket.as_deref(), true)?;
            0
        }
        Command::Start { id } => oci::start(&g, id).map(|_| 0)?,
        Command::State { id } => oci::state(&g, id).map(|_| 0)?,
        Command::Kill { all, id, signal } => oci::kill(&g, id, oci::parse_signal(signal)?, *all).map(|_| 0)?,
        Command::Delete { force, id } => oci::delete(&g, id, *force).map(|_| 0)?,
        Command::Run { bundle, pid_file, detach, console_socket, id } => {
            oci::run(&g, id, bundle, pid_file.as_deref(), console_socket.as_deref(), *detach)? as u8
        }
        Command::Exec { process, cwd, env, user, tty, detach, pid_file, console_socket, ready_fd, id, args } => {
            let o = oci::ExecOpts {
                process: process.clone(),
                args: args.clone(),
                cwd: cwd.clone(),
                env: env.clone(),
                user: user.clone(),
                tty: *tty,
                detach: *detach,
                pid_file: pid_file.clone(),
                console_socket: console_socket.clone(),
                ready_fd: *ready_fd,
            };
            let self_args: Vec<String> = std::env::args().skip(1).collect();
            oci::exec(&g, id, &o, &self_args)? as u8
        }
        Command::List { format, quiet } => oci::list(&g, format == "json", *quiet).map(|_| 0)?,
        Command::Ps { format, id } => oci::ps(&g, id, format == "json").map(|_| 0)?,
        Command::Wait { id } => oci::wait(&g, id).map(|_| 0)?,
        Command::Spec { bundle } => oci::spec(bundle).map(|_| 0)?,
        Command::Install { config_file, runtime, runtime_args } => {
            oci::install(config_file, runtime, runtime_args).map(|_| 0)?
        }
        Command::Boot { bundle, ready_fd, console_socket, id } => {
            oci::boot(&g, id, bundle, *ready_fd, console_socket.as_deref())? as u8
        }
    };
    Ok(code)
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
        _ => match lifecycle(&cli) {
            Ok(code) => ExitCode::from(code),
            // The sandbox process's stderr is the container's: create reports its errors.
            Err(e) if matches!(cli.command, Command::Boot { .. }) => {
                log::debug!("{e:#}");
                ExitCode::from(1)
            }
            Err(e) => {
                report(&cli, &e);
                ExitCode::from(1)
            }
        },
    }
}
