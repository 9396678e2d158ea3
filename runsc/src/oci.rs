//! runsc as an OCI runtime: the runc-compatible lifecycle commands (create, start, state,
//! kill, delete, run, list, ps, wait, spec) over bundles, with each container's state
//! kept under `--root` so that separate invocations find it.
//!
//! # Processes
//!
//! `create` starts the *sandbox process* (`runsc boot`, hidden), which builds the
//! Sentry for the bundle, loads the container's program and reports readiness on a
//! pipe; `create` then records the state and exits, leaving the sandbox process to its
//! caller's subreaper (containerd's shim) like runc's init. The sandbox process serves a
//! control socket (`control.sock` in the container's state directory): `start` tells it
//! to run the program; `kill` asks it to signal the sandbox's processes; `ps` lists them.
//! When the program ends, the sandbox process records the exit status and exits with
//! it, so the shim that reaps it sees the container's status.
//!
//! A container's status is derived, never trusted from the file alone: a sandbox
//! process that is gone (or was replaced by another process with the same pid, told by
//! its start time) means "stopped", so a crashed sandbox never shows as running.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use anyhow::{anyhow, bail, Context, Result};
use oci_spec::runtime::Spec;
use serde::{Deserialize, Serialize};

use crate::sandbox::{self, Config, Mount};

/// The OCI runtime-spec version reported by `state`.
const OCI_VERSION: &str = "1.0.2";

/// Options shared by the lifecycle commands.
pub struct Global {
    /// Where container state directories live.
    pub root: PathBuf,
    /// Print every system call of the sandboxed programs.
    pub strace: bool,
    /// The global flags to pass on to the sandbox process.
    pub passthrough: Vec<String>,
}

/// What the state directory records about a container.
#[derive(Serialize, Deserialize, Debug, Clone)]
struct Saved {
    id: String,
    bundle: PathBuf,
    rootfs: PathBuf,
    /// The sandbox process.
    pid: i32,
    /// Its start time (clock ticks after boot, /proc/PID/stat field 22).
    start_time: u64,
    /// Whether `start` was done.
    started: bool,
    created: String,
    annotations: HashMap<String, String>,
    owner: String,
}

/// Container status as the OCI runtime spec names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Created,
    Running,
    Stopped,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Stopped => "stopped",
        }
    }
}

fn state_dir(g: &Global, id: &str) -> PathBuf {
    g.root.join(id)
}

fn check_id(id: &str) -> Result<()> {
    if id.is_empty() || id == "." || id == ".." || id.contains('/') || id.contains('\0') {
        bail!("invalid container id format: {id:?}");
    }
    Ok(())
}

fn load(g: &Global, id: &str) -> Result<Saved> {
    check_id(id)?;
    let path = state_dir(g, id).join("state.json");
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!("container does not exist"),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    serde_json::from_slice(&text).with_context(|| format!("{}: corrupt state", path.display()))
}

fn save(g: &Global, s: &Saved) -> Result<()> {
    let dir = state_dir(g, &s.id);
    let tmp = dir.join("state.json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(s)?)?;
    std::fs::rename(&tmp, dir.join("state.json"))?;
    Ok(())
}

/// Field 22 of /proc/PID/stat and whether the process is a zombie; `None` if gone.
fn proc_start(pid: i32) -> Option<(u64, bool)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: split after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let state = fields.first()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((start, *state == "Z" || *state == "X"))
}

fn status(s: &Saved) -> Status {
    match proc_start(s.pid) {
        Some((start, false)) if start == s.start_time => {
            if s.started {
                Status::Running
            } else {
                Status::Created
            }
        }
        _ => Status::Stopped,
    }
}

/// The current time as RFC 3339 (UTC).
pub fn now() -> String {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_nanos()
    )
}

/// Load and check a bundle's config.json: a malformed one is one line naming the field.
fn load_spec(bundle: &Path) -> Result<Spec> {
    let path = bundle.join("config.json");
    let text = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_spec(&text, bundle).map_err(|e| match e.downcast::<serde_json::Error>() {
        Ok(json) => anyhow!("{}: {json}", path.display()),
        Err(e) => e,
    })
}

/// Parse and check the text of a bundle's config.json (`bundle` is where a relative
/// root path starts). Any input is an error or a spec that [`sandbox_config`] accepts.
pub fn parse_spec(text: &[u8], bundle: &Path) -> Result<Spec> {
    let spec: Spec = serde_json::from_slice(text)?;
    let process = spec.process().as_ref().ok_or_else(|| anyhow!("config.json: process: missing"))?;
    if process.args().as_ref().is_none_or(|a| a.is_empty()) {
        bail!("config.json: process.args: must name a program");
    }
    if !process.cwd().is_absolute() {
        bail!("config.json: process.cwd: must be an absolute path");
    }
    let root = spec.root().as_ref().ok_or_else(|| anyhow!("config.json: root: missing"))?;
    let rootfs = if root.path().is_absolute() { root.path().clone() } else { bundle.join(root.path()) };
    if !rootfs.is_dir() {
        bail!("config.json: root.path: {} is not a directory", rootfs.display());
    }
    for (i, m) in spec.mounts().iter().flatten().enumerate() {
        if !m.destination().is_absolute() {
            bail!("config.json: mounts[{i}].destination: must be an absolute path");
        }
    }
    Ok(spec)
}

fn rootfs_of(spec: &Spec, bundle: &Path) -> PathBuf {
    let p = spec.root().as_ref().map(|r| r.path().clone()).unwrap_or_else(|| "rootfs".into());
    if p.is_absolute() {
        p
    } else {
        bundle.join(p)
    }
}

/// The sandbox configuration a spec describes.
pub fn sandbox_config(spec: &Spec, bundle: &Path, strace: bool) -> Result<Config> {
    let process = spec.process().as_ref().ok_or_else(|| anyhow!("config.json: process: missing"))?;
    let mut mounts = Vec::new();
    for m in spec.mounts().iter().flatten() {
        let dest = m.destination().as_os_str().as_encoded_bytes().to_vec();
        let options = m.options().clone().unwrap_or_default();
        let typ = m.typ().clone().unwrap_or_default();
        let is_bind = typ == "bind" || options.iter().any(|o| o == "bind" || o == "rbind");
        match typ.as_str() {
            // The Sentry's own /proc, /sys and /dev (with /dev/shm) are always there.
            "proc" | "sysfs" | "devpts" | "mqueue" | "cgroup" | "cgroup2" => {
                log::debug!("mount of {typ} at {}: provided by the Sentry", m.destination().display());
            }
            "tmpfs" if matches!(dest.as_slice(), b"/dev" | b"/dev/shm") => {}
            "tmpfs" => mounts.push(Mount::Tmpfs(dest)),
            _ if is_bind => {
                let source = m
                    .source()
                    .clone()
                    .ok_or_else(|| anyhow!("config.json: mount at {}: no source", m.destination().display()))?;
                let source = if source.is_absolute() { source } else { bundle.join(source) };
                if source.is_dir() {
                    let read_only = options.iter().any(|o| o == "ro");
                    mounts.push(Mount::Bind { dest, source, read_only });
                } else {
                    // Files cannot be mount points yet: the image's own file stays.
                    log::warn!(
                        "bind mount of the file {} at {}: not supported, skipped",
                        source.display(),
                        m.destination().display()
                    );
                }
            }
            other => log::warn!("mount of type {other:?} at {}: not supported, skipped", m.destination().display()),
        }
    }
    let user = process.user();
    let hostname = spec.hostname().clone().unwrap_or_else(|| "runsc".into());
    Ok(Config {
        rootfs: rootfs_of(spec, bundle),
        read_only_root: spec.root().as_ref().and_then(|r| r.readonly()).unwrap_or(false),
        tmp_over: false,
        mounts,
        argv: process.args().iter().flatten().map(|a| a.as_bytes().to_vec()).collect(),
        envp: process.env().iter().flatten().map(|e| e.as_bytes().to_vec()).collect(),
        cwd: process.cwd().as_os_str().as_encoded_bytes().to_vec(),
        ids: (user.uid(), user.gid()),
        hostname,
        strace,
        stdio: [0, 1, 2],
    })
}

/// Requests on the control socket, one JSON line each way.
#[derive(Serialize, Deserialize, Debug)]
#[serde(tag = "cmd", rename_all = "lowercase")]
enum Request {
    Start,
    Signal { sig: i32, all: bool },
    Ps,
}

#[derive(Serialize, Deserialize, Debug)]
struct Reply {
    ok: bool,
    #[serde(default)]
    error: String,
    #[serde(default)]
    pids: Vec<i32>,
}

fn control(g: &Global, id: &str, req: &Request) -> Result<Reply> {
    let path = state_dir(g, id).join("control.sock");
    let mut s = UnixStream::connect(&path).with_context(|| "the sandbox does not answer")?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    writeln!(s, "{}", serde_json::to_string(req)?)?;
    let mut line = String::new();
    BufReader::new(&s).read_line(&mut line)?;
    let r: Reply = serde_json::from_str(&line).context("bad reply from the sandbox")?;
    if !r.ok {
        bail!("{}", r.error);
    }
    Ok(r)
}

fn spawn_boot(g: &Global, bundle: &Path, id: &str) -> Result<(std::process::Child, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    #[allow(unsafe_code)]
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        bail!("pipe: {}", std::io::Error::last_os_error());
    }
    // SAFETY: both descriptors are fresh and owned here.
    #[allow(unsafe_code)]
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let exe = std::env::current_exe().context("finding runsc's own binary")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(&g.passthrough).arg("boot").arg("--bundle").arg(bundle).arg("--ready-fd").arg("3").arg(id);
    let wr_raw = wr.as_raw_fd();
    // SAFETY: between fork and exec only async-signal-safe calls: dup2 onto fd 3 (which
    // clears close-on-exec) and setsid.
    #[allow(unsafe_code)]
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(move || {
            if libc::dup2(wr_raw, 3) < 0 || libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().context("starting the sandbox process")?;
    drop(wr);
    Ok((child, rd))
}

/// `create`: make the sandbox and load the program; `start` runs it.
pub fn create(g: &Global, id: &str, bundle: &Path, pid_file: Option<&Path>) -> Result<std::process::Child> {
    check_id(id)?;
    let bundle = std::fs::canonicalize(bundle).with_context(|| format!("bundle {}", bundle.display()))?;
    let spec = load_spec(&bundle)?;
    std::fs::create_dir_all(&g.root).with_context(|| format!("creating {}", g.root.display()))?;
    let dir = state_dir(g, id);
    match std::fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!("container with id exists: {id}"),
        Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
    }
    let made = (|| -> Result<std::process::Child> {
        let (mut child, rd) = spawn_boot(g, &bundle, id)?;
        let mut answer = String::new();
        std::fs::File::from(rd).read_to_string(&mut answer)?;
        if answer.trim() != "ok" {
            let _ = child.kill();
            let _ = child.wait();
            let msg = answer.trim();
            bail!("{}", if msg.is_empty() { "the sandbox process failed to start" } else { msg });
        }
        let pid = child.id() as i32;
        let (start_time, _) = proc_start(pid).ok_or_else(|| anyhow!("the sandbox process died"))?;
        let saved = Saved {
            id: id.to_string(),
            bundle: bundle.clone(),
            rootfs: rootfs_of(&spec, &bundle),
            pid,
            start_time,
            started: false,
            created: now(),
            annotations: spec.annotations().clone().unwrap_or_default(),
            // SAFETY: getuid has no preconditions.
            #[allow(unsafe_code)]
            owner: unsafe { libc::getuid() }.to_string(),
        };
        save(g, &saved)?;
        if let Some(p) = pid_file {
            std::fs::write(p, pid.to_string()).with_context(|| format!("writing {}", p.display()))?;
        }
        Ok(child)
    })();
    if made.is_err() {
        // Nothing is left half-created.
        let _ = std::fs::remove_dir_all(&dir);
    }
    made
}

/// `start`: run a created container's program.
pub fn start(g: &Global, id: &str) -> Result<()> {
    let mut s = load(g, id)?;
    match status(&s) {
        Status::Created => {}
        Status::Running => bail!("cannot start an already running container"),
        Status::Stopped => bail!("cannot start a container that has stopped"),
    }
    control(g, id, &Request::Start)?;
    s.started = true;
    save(g, &s)
}

#[derive(Serialize)]
struct StateOut<'a> {
    #[serde(rename = "ociVersion")]
    oci_version: &'a str,
    id: &'a str,
    pid: i32,
    status: &'a str,
    bundle: &'a Path,
    rootfs: &'a Path,
    created: &'a str,
    owner: &'a str,
    #[serde(skip_serializing_if = "HashMap::is_empty")]
    annotations: &'a HashMap<String, String>,
}

fn state_out(s: &Saved) -> StateOut<'_> {
    let st = status(s);
    StateOut {
        oci_version: OCI_VERSION,
        id: &s.id,
        pid: if st == Status::Stopped { 0 } else { s.pid },
        status: st.name(),
        bundle: &s.bundle,
        rootfs: &s.rootfs,
        created: &s.created,
        owner: &s.owner,
        annotations: &s.annotations,
    }
}

/// `state`: the container's state as JSON.
pub fn state(g: &Global, id: &str) -> Result<()> {
    let s = load(g, id)?;
    println!("{}", serde_json::to_string_pretty(&state_out(&s))?);
    Ok(())
}

/// A signal by name (`TERM`, `SIGTERM`) or number.
pub fn parse_signal(s: &str) -> Result<i32> {
    if let Ok(n) = s.parse::<i32>() {
        if (1..=64).contains(&n) {
            return Ok(n);
        }
        bail!("invalid signal: {s}");
    }
    let name = s.trim_start_matches("SIG");
    const NAMES: [(&str, i32); 31] = [
        ("HUP", 1),
        ("INT", 2),
        ("QUIT", 3),
        ("ILL", 4),
        ("TRAP", 5),
        ("ABRT", 6),
        ("BUS", 7),
        ("FPE", 8),
        ("KILL", 9),
        ("USR1", 10),
        ("SEGV", 11),
        ("USR2", 12),
        ("PIPE", 13),
        ("ALRM", 14),
        ("TERM", 15),
        ("STKFLT", 16),
        ("CHLD", 17),
        ("CONT", 18),
        ("STOP", 19),
        ("TSTP", 20),
        ("TTIN", 21),
        ("TTOU", 22),
        ("URG", 23),
        ("XCPU", 24),
        ("XFSZ", 25),
        ("VTALRM", 26),
        ("PROF", 27),
        ("WINCH", 28),
        ("IO", 29),
        ("PWR", 30),
        ("SYS", 31),
    ];
    NAMES.iter().find(|(n, _)| *n == name).map(|&(_, v)| v).ok_or_else(|| anyhow!("invalid signal: {s}"))
}

/// `kill`: signal the container's first process (all its processes with `all`).
pub fn kill(g: &Global, id: &str, sig: i32, all: bool) -> Result<()> {
    let s = load(g, id)?;
    if status(&s) == Status::Stopped {
        bail!("container not running");
    }
    if sig == libc::SIGKILL {
        // Nothing in the sandbox can catch it: end the sandbox.
        return kill_sandbox(&s);
    }
    control(g, id, &Request::Signal { sig, all }).map(|_| ())
}

fn kill_sandbox(s: &Saved) -> Result<()> {
    if matches!(proc_start(s.pid), Some((t, false)) if t == s.start_time) {
        // SAFETY: kill of the sandbox process this container's state names (checked by
        // its start time just now).
        #[allow(unsafe_code)]
        unsafe {
            libc::kill(s.pid, libc::SIGKILL)
        };
    }
    Ok(())
}

/// `delete`: forget a stopped container (any container with `force`).
pub fn delete(g: &Global, id: &str, force: bool) -> Result<()> {
    let s = match load(g, id) {
        Ok(s) => s,
        Err(_) if force => {
            check_id(id)?;
            let _ = std::fs::remove_dir_all(state_dir(g, id));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    match status(&s) {
        Status::Running if !force => bail!("cannot delete container {id} that is not stopped: running"),
        Status::Stopped => {}
        _ => {
            kill_sandbox(&s)?;
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while status(&s) != Status::Stopped && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
    }
    std::fs::remove_dir_all(state_dir(g, id)).with_context(|| format!("removing the state of {id}"))
}

/// `ps`: the sandbox's processes (their pids inside the sandbox).
pub fn ps(g: &Global, id: &str, json: bool) -> Result<()> {
    let s = load(g, id)?;
    if status(&s) == Status::Stopped {
        if json {
            println!("[]");
        }
        return Ok(());
    }
    let r = control(g, id, &Request::Ps)?;
    if json {
        println!("{}", serde_json::to_string(&r.pids)?);
    } else {
        println!("PID");
        for p in r.pids {
            println!("{p}");
        }
    }
    Ok(())
}

/// `list`: every container under `--root`.
pub fn list(g: &Global, json: bool, quiet: bool) -> Result<()> {
    let mut all = Vec::new();
    if let Ok(rd) = std::fs::read_dir(&g.root) {
        for e in rd.flatten() {
            if let Some(id) = e.file_name().to_str() {
                if let Ok(s) = load(g, id) {
                    all.push(s);
                }
            }
        }
    }
    all.sort_by(|a, b| a.id.cmp(&b.id));
    if json {
        let out: Vec<StateOut<'_>> = all.iter().map(state_out).collect();
        println!("{}", serde_json::to_string(&out)?);
    } else if quiet {
        for s in &all {
            println!("{}", s.id);
        }
    } else {
        println!("{:<12} {:<8} {:<10} {:<40} {:<32} OWNER", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
        for s in &all {
            let o = state_out(s);
            println!(
                "{:<12} {:<8} {:<10} {:<40} {:<32} {}",
                o.id,
                o.pid,
                o.status,
                o.bundle.display(),
                o.created,
                o.owner
            );
        }
    }
    Ok(())
}

/// `wait`: block until the container stops; print its exit status.
pub fn wait(g: &Global, id: &str) -> Result<i32> {
    let s = load(g, id)?;
    while status(&s) != Status::Stopped {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let code = exit_status(g, id);
    println!("{}", serde_json::json!({ "id": id, "exitStatus": code }));
    Ok(code)
}

fn exit_status(g: &Global, id: &str) -> i32 {
    std::fs::read_to_string(state_dir(g, id).join("exit-status")).ok().and_then(|t| t.trim().parse().ok()).unwrap_or(-1)
}

/// `spec`: write a starting config.json (runs `sh` in ./rootfs with a terminal).
pub fn spec(bundle: &Path) -> Result<()> {
    let path = bundle.join("config.json");
    if path.exists() {
        bail!("File {} exists. Remove it first", path.display());
    }
    let spec = Spec::default();
    let text = serde_json::to_string_pretty(&spec)?;
    std::fs::write(&path, text + "\n").with_context(|| format!("writing {}", path.display()))
}

/// `run`: create, start, and wait for the container (unless `detach`); returns its
/// exit status.
pub fn run(g: &Global, id: &str, bundle: &Path, pid_file: Option<&Path>, detach: bool) -> Result<i32> {
    let mut child = create(g, id, bundle, pid_file)?;
    if let Err(e) = start(g, id) {
        let _ = delete(g, id, true);
        return Err(e);
    }
    if detach {
        return Ok(0);
    }
    let st = child.wait()?;
    use std::os::unix::process::ExitStatusExt;
    let code = st.code().or_else(|| st.signal().map(|s| 128 + s)).unwrap_or(255);
    let _ = delete(g, id, true);
    Ok(code)
}

/// The hidden `boot` command: the sandbox process of one container.
pub fn boot(g: &Global, id: &str, bundle: &Path, ready_fd: i32) -> Result<i32> {
    // SAFETY: the descriptor was set up for us by `create` and is ours alone.
    #[allow(unsafe_code)]
    let mut ready = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(ready_fd) });
    let fail = |ready: &mut std::fs::File, msg: String| -> Result<i32> {
        let _ = writeln!(ready, "{msg}");
        bail!("{msg}")
    };
    let spec = match load_spec(bundle) {
        Ok(s) => s,
        Err(e) => return fail(&mut ready, format!("{e:#}")),
    };
    let cfg = match sandbox_config(&spec, bundle, g.strace) {
        Ok(c) => c,
        Err(e) => return fail(&mut ready, format!("{e:#}")),
    };
    let prepared = match sandbox::prepare(cfg) {
        Ok(p) => p,
        Err(e) => return fail(&mut ready, format!("{e:#}")),
    };
    let sock = state_dir(g, id).join("control.sock");
    let _ = std::fs::remove_file(&sock);
    let listener = match UnixListener::bind(&sock) {
        Ok(l) => l,
        Err(e) => return fail(&mut ready, format!("control socket {}: {e}", sock.display())),
    };
    let (start_tx, start_rx) = mpsc::channel::<()>();
    let kernel = prepared.kernel().clone();
    std::thread::Builder::new().name("control".into()).spawn(move || serve(listener, start_tx, kernel))?;
    writeln!(ready, "ok")?;
    drop(ready);
    if start_rx.recv().is_err() {
        bail!("the control socket closed before start");
    }
    let code = prepared.run();
    let _ = std::fs::write(state_dir(g, id).join("exit-status"), code.to_string());
    let _ = std::fs::remove_file(&sock);
    Ok(code)
}

fn serve(listener: UnixListener, start: mpsc::Sender<()>, kernel: std::sync::Arc<kernel_task::Kernel>) {
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let mut line = String::new();
        if BufReader::new(&conn).read_line(&mut line).is_err() {
            continue;
        }
        let reply = match serde_json::from_str::<Request>(&line) {
            Ok(Request::Start) => {
                let _ = start.send(());
                Reply { ok: true, error: String::new(), pids: Vec::new() }
            }
            Ok(Request::Signal { sig, all }) => {
                if !(1..=64).contains(&sig) {
                    Reply { ok: false, error: format!("invalid signal {sig}"), pids: Vec::new() }
                } else {
                    let targets = if all { kernel.pids() } else { vec![1] };
                    for p in targets {
                        kernel.host_signal(p, sig as u32);
                    }
                    Reply { ok: true, error: String::new(), pids: Vec::new() }
                }
            }
            Ok(Request::Ps) => Reply { ok: true, error: String::new(), pids: kernel.pids() },
            Err(e) => Reply { ok: false, error: format!("bad request: {e}"), pids: Vec::new() },
        };
        let mut conn = conn;
        let _ = writeln!(conn, "{}", serde_json::to_string(&reply).unwrap_or_default());
    }
}
