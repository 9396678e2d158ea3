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
    let rest = text.get(text.rfind(')')? + 2..)?;
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

/// A terminal for the container: its master is sent to `sock`; returns the slave.
fn console_pty(sock: &Path, spec: &Spec) -> Result<OwnedFd> {
    let size = spec.process().as_ref().and_then(|p| p.console_size()).map(|b| nix::pty::Winsize {
        ws_row: b.height() as u16,
        ws_col: b.width() as u16,
        ws_xpixel: 0,
        ws_ypixel: 0,
    });
    let pty = nix::pty::openpty(size.as_ref(), None).context("openpty")?;
    let to = UnixStream::connect(sock).with_context(|| format!("console socket {}", sock.display()))?;
    send_with_fds(&to, b"/dev/ptmx", &[pty.master.as_raw_fd()])?;
    Ok(pty.slave)
}

/// Requests on the control socket, one JSON line each way.
#[derive(Serialize, Deserialize, Debug)]
#[serde(tag = "cmd", rename_all = "lowercase")]
enum Request {
    Start,
    Signal {
        sig: i32,
        all: bool,
    },
    Ps,
    /// Start a process; its stdin, stdout and stderr come with the request (SCM_RIGHTS).
    /// The reply names its pid; a second reply line gives its exit status.
    Exec {
        args: Vec<String>,
        env: Vec<String>,
        cwd: String,
        uid: u32,
        gid: u32,
    },
}

#[derive(Serialize, Deserialize, Debug, Default)]
struct Reply {
    ok: bool,
    #[serde(default)]
    error: String,
    #[serde(default)]
    pids: Vec<i32>,
    #[serde(default)]
    exit: Option<i32>,
}

impl Reply {
    fn ok() -> Reply {
        Reply { ok: true, ..Default::default() }
    }

    fn err(error: String) -> Reply {
        Reply { ok: false, error, ..Default::default() }
    }
}

/// Send one request line with descriptors attached (SCM_RIGHTS).
fn send_with_fds(sock: &UnixStream, line: &[u8], fds: &[std::os::fd::RawFd]) -> Result<()> {
    use nix::sys::socket::{sendmsg, ControlMessage, MsgFlags};
    let iov = [std::io::IoSlice::new(line)];
    let cmsg = [ControlMessage::ScmRights(fds)];
    let n = sendmsg::<()>(sock.as_raw_fd(), &iov, &cmsg, MsgFlags::empty(), None)?;
    if n != line.len() {
        bail!("short send on the control socket");
    }
    Ok(())
}

/// Take ownership of a descriptor the kernel just gave us.
fn adopt_fd(fd: std::os::fd::RawFd) -> OwnedFd {
    // SAFETY: `fd` came in an SCM_RIGHTS message just received: it is new and ours.
    #[allow(unsafe_code)]
    unsafe {
        OwnedFd::from_raw_fd(fd)
    }
}

/// Read one request line and any descriptors sent with it.
fn recv_request(sock: &UnixStream) -> Result<(String, Vec<OwnedFd>)> {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
    let mut buf = vec![0u8; 1 << 16];
    let mut fds = Vec::new();
    let n = {
        let mut iov = [std::io::IoSliceMut::new(&mut buf)];
        let mut space = nix::cmsg_space!([std::os::fd::RawFd; 3]);
        let msg = recvmsg::<()>(sock.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC)?;
        for c in msg.cmsgs()? {
            if let ControlMessageOwned::ScmRights(v) = c {
                fds.extend(v.into_iter().map(adopt_fd));
            }
        }
        msg.bytes
    };
    let mut line = buf[..n].to_vec();
    // The rest of a long line, should it come in pieces.
    let mut r = sock;
    while !line.ends_with(b"\n") {
        let mut more = [0u8; 4096];
        let m = r.read(&mut more)?;
        if m == 0 {
            break;
        }
        line.extend_from_slice(&more[..m]);
    }
    Ok((String::from_utf8_lossy(&line).into_owned(), fds))
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

fn spawn_boot(g: &Global, bundle: &Path, id: &str, console: Option<&Path>) -> Result<(std::process::Child, OwnedFd)> {
    let mut args = g.passthrough.clone();
    args.extend(["boot".into(), "--bundle".into(), bundle.display().to_string(), "--ready-fd".into(), "3".into()]);
    if let Some(c) = console {
        args.extend(["--console-socket".into(), c.display().to_string()]);
    }
    args.push(id.into());
    spawn_self(&args)
}

/// Start runsc again with `args`, in its own session, with the write end of a pipe as
/// fd 3; returns the child and the read end.
fn spawn_self(args: &[String]) -> Result<(std::process::Child, OwnedFd)> {
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
    cmd.args(args);
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
pub fn create(
    g: &Global,
    id: &str,
    bundle: &Path,
    pid_file: Option<&Path>,
    console: Option<&Path>,
    detached: bool,
) -> Result<std::process::Child> {
    check_id(id)?;
    let bundle = std::fs::canonicalize(bundle).with_context(|| format!("bundle {}", bundle.display()))?;
    let spec = load_spec(&bundle)?;
    let terminal = spec.process().as_ref().and_then(|p| p.terminal()).unwrap_or(false);
    match (terminal, console) {
        (true, None) if detached => bail!("cannot allocate tty if runc will detach without setting console socket"),
        (false, Some(_)) => bail!("cannot use console socket if runc will not detach or allocate tty"),
        _ => {}
    }
    let console = console.map(|c| std::path::absolute(c).unwrap_or_else(|_| c.to_path_buf()));
    std::fs::create_dir_all(&g.root).with_context(|| format!("creating {}", g.root.display()))?;
    let dir = state_dir(g, id);
    match std::fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!("container with id exists: {id}"),
        Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
    }
    let made = (|| -> Result<std::process::Child> {
        let (mut child, rd) = spawn_boot(g, &bundle, id, console.as_deref())?;
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
pub fn run(
    g: &Global,
    id: &str,
    bundle: &Path,
    pid_file: Option<&Path>,
    console: Option<&Path>,
    detach: bool,
) -> Result<i32> {
    let mut child = create(g, id, bundle, pid_file, console, detach)?;
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
pub fn boot(g: &Global, id: &str, bundle: &Path, ready_fd: i32, console: Option<&Path>) -> Result<i32> {
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
    let mut cfg = match sandbox_config(&spec, bundle, g.strace) {
        Ok(c) => c,
        Err(e) => return fail(&mut ready, format!("{e:#}")),
    };
    // With a console socket, the program's stdio is a new terminal whose master goes
    // to the caller (as runc does).
    let _slave = match console {
        Some(sock) => match console_pty(sock, &spec) {
            Ok(slave) => {
                cfg.stdio = [slave.as_raw_fd(); 3];
                Some(slave)
            }
            Err(e) => return fail(&mut ready, format!("{e:#}")),
        },
        None => None,
    };
    let prepared = match sandbox::prepare(cfg) {
        Ok(p) => p,
        Err(e) => return fail(&mut ready, runc_message(&e)),
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

fn reply(mut conn: &UnixStream, r: &Reply) {
    let _ = writeln!(conn, "{}", serde_json::to_string(r).unwrap_or_default());
}

fn serve(listener: UnixListener, start: mpsc::Sender<()>, kernel: std::sync::Arc<kernel_task::Kernel>) {
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let Ok((line, fds)) = recv_request(&conn) else { continue };
        let r = match serde_json::from_str::<Request>(&line) {
            Ok(Request::Start) => {
                let _ = start.send(());
                Reply::ok()
            }
            Ok(Request::Signal { sig, all }) => {
                if !(1..=64).contains(&sig) {
                    Reply::err(format!("invalid signal {sig}"))
                } else {
                    let targets = if all { kernel.pids() } else { vec![1] };
                    for p in targets {
                        kernel.host_signal(p, sig as u32);
                    }
                    Reply::ok()
                }
            }
            Ok(Request::Ps) => Reply { pids: kernel.pids(), ..Reply::ok() },
            Ok(Request::Exec { args, env, cwd, uid, gid }) => {
                let Ok::<[OwnedFd; 3], _>(stdio) = fds.try_into() else {
                    reply(&conn, &Reply::err("exec needs three descriptors".into()));
                    continue;
                };
                let spec = sandbox::ExecSpec {
                    argv: args.into_iter().map(String::into_bytes).collect(),
                    envp: env.into_iter().map(String::into_bytes).collect(),
                    cwd: cwd.into_bytes(),
                    ids: (uid, gid),
                };
                match sandbox::spawn_process(&kernel, spec, stdio) {
                    Ok((pid, runner)) => {
                        reply(&conn, &Reply { pids: vec![pid], ..Reply::ok() });
                        // The exit status follows on the same connection.
                        let _ = std::thread::Builder::new().name("exec-wait".into()).spawn(move || {
                            let code = runner.join().unwrap_or(255);
                            reply(&conn, &Reply { exit: Some(code), ..Reply::ok() });
                        });
                        continue;
                    }
                    Err(e) => Reply::err(runc_message(&e)),
                }
            }
            Err(e) => Reply::err(format!("bad request: {e}")),
        };
        reply(&conn, &r);
    }
}

/// A start-up failure in the words runc uses, which callers match (Docker maps "executable
/// file not found" to exit status 127).
fn runc_message(e: &sandbox::DoError) -> String {
    match e {
        sandbox::DoError::NotFound(name) => format!("exec: \"{name}\": executable file not found in $PATH"),
        e => format!("{e:#}"),
    }
}

/// What `runsc exec` runs.
pub struct ExecOpts {
    /// A process.json (the OCI process object) to run.
    pub process: Option<PathBuf>,
    /// Or the arguments.
    pub args: Vec<String>,
    /// Working directory (default: the container's).
    pub cwd: Option<String>,
    /// Extra environment (KEY=VALUE).
    pub env: Vec<String>,
    /// uid[:gid] (default: the container's user).
    pub user: Option<String>,
    /// Allocate a terminal.
    pub tty: bool,
    /// Return once the process started, leaving a waiter process whose exit status is
    /// the process's (its pid goes to --pid-file).
    pub detach: bool,
    /// Where to write the waiter's pid.
    pub pid_file: Option<PathBuf>,
    /// Where to send a terminal's master.
    pub console_socket: Option<PathBuf>,
    /// (Internal) a descriptor to report "started" on.
    pub ready_fd: Option<i32>,
}

fn exec_request(s: &Saved, o: &ExecOpts) -> Result<(Request, bool)> {
    if let Some(p) = &o.process {
        let text = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        let proc_: oci_spec::runtime::Process =
            serde_json::from_slice(&text).map_err(|e| anyhow!("{}: {e}", p.display()))?;
        let args: Vec<String> = proc_.args().clone().unwrap_or_default();
        if args.is_empty() {
            bail!("{}: args: must name a program", p.display());
        }
        let req = Request::Exec {
            args,
            env: proc_.env().clone().unwrap_or_default(),
            cwd: proc_.cwd().display().to_string(),
            uid: proc_.user().uid(),
            gid: proc_.user().gid(),
        };
        return Ok((req, proc_.terminal().unwrap_or(false)));
    }
    if o.args.is_empty() {
        bail!("exec: a command is required (or --process)");
    }
    let spec = load_spec(&s.bundle)?;
    let base = spec.process().clone().ok_or_else(|| anyhow!("config.json: process: missing"))?;
    let mut env: Vec<String> = base.env().clone().unwrap_or_default();
    for e in &o.env {
        let key = e.split('=').next().unwrap_or(e);
        env.retain(|old| old.split('=').next() != Some(key));
        env.push(e.clone());
    }
    let (mut uid, mut gid) = (base.user().uid(), base.user().gid());
    if let Some(u) = &o.user {
        let mut parts = u.splitn(2, ':');
        uid = parts.next().unwrap_or("").parse().map_err(|_| anyhow!("--user {u}: expected uid[:gid]"))?;
        if let Some(g) = parts.next() {
            gid = g.parse().map_err(|_| anyhow!("--user {u}: expected uid[:gid]"))?;
        }
    }
    let cwd = o.cwd.clone().unwrap_or_else(|| base.cwd().display().to_string());
    Ok((Request::Exec { args: o.args.clone(), env, cwd, uid, gid }, o.tty))
}

/// `exec`: run another process in a running container; returns its exit status.
pub fn exec(g: &Global, id: &str, o: &ExecOpts, self_args: &[String]) -> Result<i32> {
    let s = load(g, id)?;
    if status(&s) != Status::Running {
        bail!("cannot exec in a container that is not running");
    }
    let (req, terminal) = exec_request(&s, o)?;
    if o.detach {
        return exec_detached(o, self_args);
    }
    // The process's stdio: ours, or a new terminal whose master goes to the caller.
    let mut keep = Vec::new();
    let stdio: [std::os::fd::RawFd; 3] = if terminal {
        let sock = o.console_socket.as_ref().ok_or_else(|| anyhow!("--tty needs --console-socket"))?;
        let pty = nix::pty::openpty(None, None).context("openpty")?;
        let to = UnixStream::connect(sock).with_context(|| format!("console socket {}", sock.display()))?;
        send_with_fds(&to, b"/dev/ptmx", &[pty.master.as_raw_fd()])?;
        let slave = pty.slave.as_raw_fd();
        keep.push(pty.slave);
        [slave; 3]
    } else {
        [0, 1, 2]
    };
    let conn = UnixStream::connect(state_dir(g, id).join("control.sock")).context("the sandbox does not answer")?;
    let mut line = serde_json::to_vec(&req)?;
    line.push(b'\n');
    send_with_fds(&conn, &line, &stdio)?;
    drop(keep);
    let mut replies = BufReader::new(&conn);
    let mut first = String::new();
    replies.read_line(&mut first)?;
    let r: Reply = serde_json::from_str(&first).context("bad reply from the sandbox")?;
    if !r.ok {
        bail!("{}", r.error);
    }
    if let Some(fd) = o.ready_fd {
        // SAFETY: the descriptor was set up for us by the detaching exec and is ours.
        #[allow(unsafe_code)]
        let mut ready = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
        writeln!(ready, "ok")?;
    }
    let mut second = String::new();
    replies.read_line(&mut second)?;
    let r: Reply = serde_json::from_str(&second).context("the sandbox ended before the process")?;
    Ok(r.exit.unwrap_or(255))
}

/// `exec --detach`: a waiter (this command again, without --detach) runs the process and
/// exits with its status; we return once it started, with the waiter's pid in --pid-file.
fn exec_detached(o: &ExecOpts, self_args: &[String]) -> Result<i32> {
    let mut args: Vec<String> = Vec::new();
    let mut skip = false;
    for a in self_args {
        if skip {
            skip = false;
            continue;
        }
        match a.as_str() {
            "-d" | "--detach" => {}
            "--pid-file" => skip = true,
            _ if a.starts_with("--pid-file=") || a.starts_with("--detach=") => {}
            _ => args.push(a.clone()),
        }
    }
    // The subcommand's own flags come after "exec": put --ready-fd there.
    let at = args.iter().position(|a| a == "exec").ok_or_else(|| anyhow!("exec: cannot find the subcommand"))?;
    args.insert(at + 1, "--ready-fd=3".into());
    let (child, rd) = spawn_self(&args)?;
    let mut answer = String::new();
    std::fs::File::from(rd).read_to_string(&mut answer)?;
    if answer.trim() != "ok" {
        bail!("exec failed");
    }
    if let Some(p) = &o.pid_file {
        std::fs::write(p, child.id().to_string()).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(0)
}

/// `install`: register runsc as a Docker runtime in Docker's daemon.json (kept otherwise
/// as it is), under `name`, with `runtime_args` for every call.
pub fn install(config: &Path, name: &str, runtime_args: &[String]) -> Result<()> {
    let mut doc: serde_json::Value = match std::fs::read(config) {
        Ok(t) if !t.iter().all(u8::is_ascii_whitespace) => {
            serde_json::from_slice(&t).map_err(|e| anyhow!("{}: {e}", config.display()))?
        }
        Ok(_) => serde_json::json!({}),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => serde_json::json!({}),
        Err(e) => return Err(e).with_context(|| format!("reading {}", config.display())),
    };
    let exe = std::env::current_exe().context("finding runsc's own binary")?;
    let obj = doc.as_object_mut().ok_or_else(|| anyhow!("{}: not a JSON object", config.display()))?;
    let runtimes = obj.entry("runtimes").or_insert_with(|| serde_json::json!({}));
    let runtimes = runtimes.as_object_mut().ok_or_else(|| anyhow!("{}: runtimes: not an object", config.display()))?;
    let mut entry = serde_json::json!({ "path": exe });
    if !runtime_args.is_empty() {
        entry["runtimeArgs"] = serde_json::json!(runtime_args);
    }
    runtimes.insert(name.to_string(), entry);
    if let Some(dir) = config.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = config.with_extension("json.runsc-tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(&doc)? + "\n")?;
    std::fs::rename(&tmp, config).with_context(|| format!("writing {}", config.display()))?;
    println!("runtime {name} registered in {}; restart dockerd to use it", config.display());
    Ok(())
}
