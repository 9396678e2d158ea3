//! `runsc do`: build a kernel over the host root and run one command in it.

use std::ffi::OsString;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::sync::Arc;

use kernel_abi::Errno;
use kernel_fs::dev::{mount_synthetic, Device, DeviceFile};
use kernel_fs::hostfd::HostFdFile;
use kernel_fs::{host, path, File};
use kernel_mm::MemoryFile;
use kernel_task::{Kernel, KernelConfig, Task};
use platform::ptrace::PtracePlatform;

/// Size of the (sparse) memory file: the most application memory one sandbox can use.
const MEMORY_FILE_SIZE: u64 = 64 << 30;

/// Why `runsc do` could not run the command.
#[derive(Debug, thiserror::Error)]
pub enum DoError {
    /// Setting up the sandbox failed.
    #[error("setting up the sandbox: {0}")]
    Setup(String),
    /// The command could not be found in the sandbox.
    #[error("{0}: command not found")]
    NotFound(String),
    /// The command exists but could not be executed.
    #[error("{0}: cannot execute: {1}")]
    Exec(String, Errno),
}

impl DoError {
    /// The shell's convention: 127 not found, 126 not executable, 125 runtime failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            DoError::Setup(_) => 125,
            DoError::NotFound(_) => 127,
            DoError::Exec(..) => 126,
        }
    }
}

#[allow(unsafe_code)]
fn dup_host_fd(fd: i32) -> Option<(OwnedFd, u32)> {
    // SAFETY: F_DUPFD_CLOEXEC on one of our own descriptors; a closed fd gives -1.
    let d = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if d < 0 {
        return None;
    }
    // SAFETY: `d` is a fresh descriptor.
    let flags = unsafe { libc::fcntl(d, libc::F_GETFL) };
    // SAFETY: fresh descriptor owned by nobody else.
    Some((unsafe { OwnedFd::from_raw_fd(d) }, flags.max(0) as u32))
}

fn stdio_file(fd: i32) -> Arc<File> {
    match dup_host_fd(fd) {
        Some((owned, flags)) => File::new(Box::new(HostFdFile::new(owned)), flags, None, format!("host:[fd {fd}]")),
        None => File::new(Box::new(DeviceFile::new(Device::Null)), libc::O_RDWR as u32, None, "/dev/null".into()),
    }
}

fn hostname() -> String {
    let mut buf = [0u8; 65];
    // SAFETY: `buf` is writable for its length minus the NUL kept at the end.
    #[allow(unsafe_code)]
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) };
    if r != 0 {
        return "rvisor".into();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// The Sentry holds host fds for open files, cached directories and mapped files; give it
/// the hard limit rather than the usual soft 1024.
#[allow(unsafe_code)]
fn raise_fd_limit() {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: get/setrlimit with a valid struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 && r.rlim_cur < r.rlim_max {
            r.rlim_cur = r.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &r);
        }
    }
}

/// The host signals runsc passes on to the sandbox, as runc and gVisor do: to the first
/// process, or, for the terminal's signals, to the foreground group of the sandbox's
/// terminal.
const FORWARDED: [i32; 7] =
    [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGUSR1, libc::SIGUSR2, libc::SIGWINCH];

/// Block the forwarded signals; on a terminal ^Z's SIGTSTP too (it is the sandbox's
/// foreground job that stops, not runsc).
#[allow(unsafe_code)]
fn block_forwarded_signals(on_tty: bool) -> libc::sigset_t {
    // SAFETY: sigset_t is plain data; the calls only edit it and our own thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in FORWARDED {
            libc::sigaddset(&mut set, s);
        }
        if on_tty {
            libc::sigaddset(&mut set, libc::SIGTSTP);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    }
}

/// A thread that takes forwarded host signals and posts them to the sandbox's init.
fn forward_signals(set: libc::sigset_t, kernel: Arc<Kernel>) {
    let spawned = std::thread::Builder::new().name("signal-forward".into()).spawn(move || loop {
        let mut sig = 0;
        // SAFETY: sigwait on a valid set with a valid out-pointer.
        #[allow(unsafe_code)]
        let r = unsafe { libc::sigwait(&set, &mut sig) };
        if r == 0 {
            log::debug!("forwarding host signal {sig} to the sandbox");
            // Sent from outside the sandbox: si_pid 0, as the kernel reports for signals
            // from another PID namespace.
            kernel.forward_host_signal(sig as u32);
        }
    });
    if let Err(e) = spawned {
        log::error!("cannot start the signal forwarder: {e}");
    }
}

/// A tmpfs may hold half the host's memory, Linux's default size for tmpfs.
#[allow(unsafe_code)]
fn tmpfs_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let (pages, page) = unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), libc::sysconf(libc::_SC_PAGESIZE)) };
    let host = (pages.max(0) as u64).saturating_mul(page.max(0) as u64);
    (host / 2).clamp(64 << 20, MEMORY_FILE_SIZE / 2)
}

/// A mount the caller asks for, beyond the Sentry's own (/proc, /dev, /dev/shm).
pub enum Mount {
    /// A fresh tmpfs at this path.
    Tmpfs(Vec<u8>),
    /// A host directory at this path: read-only, or (writable) under a private overlay.
    Bind { dest: Vec<u8>, source: std::path::PathBuf, read_only: bool },
}

/// What a sandbox runs and how its file tree is made.
pub struct Config {
    /// The host directory that is the sandbox's root.
    pub rootfs: std::path::PathBuf,
    /// Whether the root is read-only (else a private overlay: changes stay inside).
    pub read_only_root: bool,
    /// Whether /tmp is a private tmpfs over the root's /tmp.
    pub tmp_over: bool,
    /// Further mounts, in order.
    pub mounts: Vec<Mount>,
    /// The program's arguments (the first is looked up in the sandbox's PATH).
    pub argv: Vec<Vec<u8>>,
    /// Its environment.
    pub envp: Vec<Vec<u8>>,
    /// Its working directory, inside the sandbox (the root if it does not resolve).
    pub cwd: Vec<u8>,
    /// Its user and group ids.
    pub ids: (u32, u32),
    /// The UTS hostname.
    pub hostname: String,
    /// Print every system call.
    pub strace: bool,
    /// The host descriptors that become its stdin, stdout and stderr.
    pub stdio: [i32; 3],
}

/// A sandbox whose first process is loaded and ready to run.
pub struct Prepared {
    kernel: Arc<Kernel>,
    task: Task,
    name: String,
    forwarded: libc::sigset_t,
    t0: std::time::Instant,
}

/// Mount `make(parent, name)` at `dest` in the tree under `root`, making missing
/// directories on the way; the directories on the way are pinned (attached) so that
/// the mount stays reachable.
fn mount_at(
    root: &Arc<kernel_fs::Dentry>,
    dest: &[u8],
    make: impl FnOnce(&Arc<kernel_fs::Dentry>, &[u8]) -> Result<(), String>,
) -> Result<(), String> {
    let shown = String::from_utf8_lossy(dest).into_owned();
    let comps: Vec<&[u8]> = dest.split(|&b| b == b'/').filter(|c| !c.is_empty() && *c != b".").collect();
    let Some((last, dirs)) = comps.split_last() else { return Err(format!("mount over the root {shown}")) };
    if comps.contains(&&b".."[..]) {
        return Err(format!("mount destination {shown} has '..'"));
    }
    let root_cred = kernel_fs::Cred::root();
    let mut cur = root.clone();
    for c in dirs {
        let next = match cur.lookup(c) {
            Ok(d) => d,
            Err(e) if e.errno == Errno::ENOENT => cur
                .create_child(c, kernel_fs::tmpfs::NewKind::Dir, 0o755, &root_cred)
                .map_err(|e| format!("making the mount point {shown}: {e}"))?,
            Err(e) => return Err(format!("mount point {shown}: {e}")),
        };
        if !next.is_dir() {
            return Err(format!("mount point {shown}: not a directory"));
        }
        cur.attach(next.clone());
        cur = next;
    }
    if cur.lookup(last).is_err() {
        // The mount point itself, as runc makes it.
        let _ = cur.create_child(last, kernel_fs::tmpfs::NewKind::Dir, 0o755, &root_cred);
    }
    make(&cur, last)
}

/// Build the sandbox `cfg` describes and load its first program.
pub fn prepare(cfg: Config) -> Result<Prepared, DoError> {
    let setup = |what: &str, e: &dyn std::fmt::Display| DoError::Setup(format!("{what}: {e}"));
    let t0 = std::time::Instant::now();
    // Forwarded signals are blocked in every thread runsc starts and taken by one thread.
    let tty_fd = cfg.stdio.iter().copied().find(|&fd| kernel_fs::hostfd::is_tty(fd));
    let forwarded = block_forwarded_signals(tty_fd.is_some());
    platform::ptrace::init().map_err(|e| setup("ptrace platform", &e))?;
    raise_fd_limit();
    let mf = Arc::new(MemoryFile::new(MEMORY_FILE_SIZE).map_err(|e| setup("memory file", &e))?);
    let platform = Arc::new(PtracePlatform::new(mf.fd()).map_err(|e| setup("ptrace platform", &e))?);
    let rootfs = cfg.rootfs.to_str().ok_or_else(|| setup("root path", &"not UTF-8"))?;
    let root_fd = host::open_root_dir(rootfs).map_err(|e| setup(&format!("opening the root {rootfs}"), &e))?;
    let host_root = host::new_root(root_fd, mf.clone()).map_err(|e| setup("host root", &e))?;
    let root = if cfg.read_only_root {
        host_root
    } else {
        // The host's files, read-only, under a private writable layer in the memory file.
        kernel_fs::overlay::new_root(host_root, mf.clone(), tmpfs_size()).map_err(|e| setup("root overlay", &e))?
    };
    mount_synthetic(&root);
    kernel_fs::sysfs::mount(&root, kernel_task::host_cpus());
    if cfg.tmp_over {
        kernel_fs::tmpfs::mount_over(&root, b"tmp", mf.clone(), tmpfs_size(), 0o1777);
    }
    let dev = root.lookup(b"dev").map_err(|e| setup("/dev", &e))?;
    kernel_fs::tmpfs::mount(&dev, b"shm", mf.clone(), tmpfs_size(), 0o1777);
    for m in &cfg.mounts {
        match m {
            Mount::Tmpfs(dest) => mount_at(&root, dest, |parent, name| {
                kernel_fs::tmpfs::mount(parent, name, mf.clone(), tmpfs_size(), 0o1777);
                Ok(())
            }),
            Mount::Bind { dest, source, read_only } => mount_at(&root, dest, |parent, name| {
                let src = source.to_str().ok_or("bind source is not UTF-8")?;
                let fd = host::open_root_dir(src).map_err(|e| format!("bind source {src}: {e}"))?;
                let d = host::mount(parent, name, fd, mf.clone()).map_err(|e| format!("bind source {src}: {e}"))?;
                if !read_only {
                    let lower = d.clone();
                    kernel_fs::overlay::mount(parent, name, lower, mf.clone(), tmpfs_size())
                        .map_err(|e| format!("bind mount of {src}: {e}"))?;
                }
                Ok(())
            }),
        }
        .map_err(DoError::Setup)?;
    }
    log::debug!("platform and memory file ready after {:?}", t0.elapsed());
    let kernel = Kernel::new(KernelConfig {
        platform,
        memory: mf,
        root: root.clone(),
        hostname: cfg.hostname.clone(),
        strace: cfg.strace,
    });
    if let Some((fd, _)) = tty_fd.and_then(dup_host_fd) {
        kernel.set_host_terminal(fd);
    }
    // The sandbox's own /proc, computed from the kernel's state.
    root.attach(kernel_fs::Dentry::new_child(
        &root,
        b"proc",
        kernel_fs::Inode::Synth(kernel_task::procfs::root(&kernel)),
    ));
    let (cwd, name, filename) = locate(&root, &cfg.cwd, &cfg.argv, &cfg.envp)?;
    let stdio = cfg.stdio.map(stdio_file);
    let mut task =
        Task::new_init(kernel.clone(), stdio, cwd, cfg.ids).map_err(|e| setup("creating the first task", &e))?;
    log::debug!("first task created after {:?}", t0.elapsed());
    task.exec(&filename, cfg.argv, cfg.envp).map_err(|e| exec_error(&name, e))?;
    log::debug!("{name} loaded after {:?}", t0.elapsed());
    Ok(Prepared { kernel, task, name, forwarded, t0 })
}

impl Prepared {
    /// The sandbox's kernel.
    pub fn kernel(&self) -> &Arc<Kernel> {
        &self.kernel
    }

    /// Run the first process to its end (forwarding host signals to it); returns the
    /// shell-style exit status.
    pub fn run(self) -> i32 {
        forward_signals(self.forwarded, self.kernel.clone());
        let status = self.task.run_process();
        log::debug!("{} ended ({status:?}) after {:?}", self.name, self.t0.elapsed());
        status.shell_code()
    }
}

/// A program to start in a running sandbox (`runsc exec`).
pub struct ExecSpec {
    /// Arguments; the first is looked up in the PATH of `envp`.
    pub argv: Vec<Vec<u8>>,
    /// Environment.
    pub envp: Vec<Vec<u8>>,
    /// Working directory inside the sandbox.
    pub cwd: Vec<u8>,
    /// User and group ids.
    pub ids: (u32, u32),
}

fn host_file(fd: OwnedFd, name: String) -> Arc<File> {
    use std::os::fd::AsRawFd;
    // SAFETY: F_GETFL on a descriptor we own.
    #[allow(unsafe_code)]
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    File::new(Box::new(HostFdFile::new(fd)), flags.max(0) as u32, None, name)
}

/// The working directory (the root if `cwd` does not resolve to a directory), the
/// program's name, and the file `argv[0]` names, looked up in the PATH of `envp`.
fn locate(
    root: &Arc<kernel_fs::Dentry>,
    cwd: &[u8],
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
) -> Result<(Arc<kernel_fs::Dentry>, String, Vec<u8>), DoError> {
    let cwd = path::resolve(root, root, cwd, true).ok().filter(|d| d.is_dir()).unwrap_or_else(|| root.clone());
    let name = String::from_utf8_lossy(argv.first().map_or(&b""[..], |a| a)).into_owned();
    let path_var = envp
        .iter()
        .find_map(|e| e.strip_prefix(b"PATH="))
        .unwrap_or(b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    let filename = argv
        .first()
        .and_then(|a| find_command(root, &cwd, a, path_var))
        .ok_or_else(|| DoError::NotFound(name.clone()))?;
    Ok((cwd, name, filename))
}

/// An exec failure as `runsc do` reports it.
fn exec_error(name: &str, e: kernel_abi::Error) -> DoError {
    match e.errno {
        Errno::ENOENT | Errno::ENOTDIR => DoError::NotFound(name.to_string()),
        errno => DoError::Exec(name.to_string(), errno),
    }
}

/// Start `spec` as a new process of the running sandbox `kernel`, with the host
/// descriptors `stdio` as its fds 0-2. Returns its pid and a thread that runs it and
/// gives its shell-style exit status.
pub fn spawn_process(
    kernel: &Arc<Kernel>,
    spec: ExecSpec,
    stdio: [OwnedFd; 3],
) -> Result<(i32, std::thread::JoinHandle<i32>), DoError> {
    let (cwd, name, filename) = locate(kernel.root(), &spec.cwd, &spec.argv, &spec.envp)?;
    let [a, b, c] = stdio;
    let files = [
        host_file(a, "host:[exec stdin]".into()),
        host_file(b, "host:[exec stdout]".into()),
        host_file(c, "host:[exec stderr]".into()),
    ];
    // A task runs on the thread that made its address space (the platform's rule): make
    // it there, and hear back whether it started.
    let (tx, rx) = std::sync::mpsc::channel();
    let k = kernel.clone();
    let runner = std::thread::Builder::new()
        .name("exec".into())
        .spawn(move || {
            let made = Task::new_process(k.clone(), files, cwd, spec.ids)
                .map_err(|e| DoError::Setup(format!("creating the process: {e}")))
                .and_then(|mut task| {
                    let pid = task.pid();
                    match task.exec(&filename, spec.argv, spec.envp) {
                        Ok(()) => Ok(task),
                        Err(e) => {
                            drop(task);
                            k.release_process(pid);
                            Err(exec_error(&name, e))
                        }
                    }
                });
            let task = match made {
                Ok(t) => {
                    let _ = tx.send(Ok(t.pid()));
                    t
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return 255;
                }
            };
            let pid = task.pid();
            let status = task.run_process();
            k.release_process(pid);
            status.shell_code()
        })
        .map_err(|e| DoError::Setup(format!("starting a thread: {e}")))?;
    let pid = rx.recv().map_err(|_| DoError::Setup("the process thread ended".into()))??;
    Ok((pid, runner))
}

/// Run `cmd` in a fresh sandbox over the host's root; returns the shell-style exit
/// status.
pub fn run_do(cmd: &[OsString], strace: bool) -> Result<i32, DoError> {
    let cwd = std::env::current_dir().map(|p| p.as_os_str().as_bytes().to_vec()).unwrap_or_else(|_| b"/".to_vec());
    let envp: Vec<Vec<u8>> = std::env::vars_os()
        .map(|(k, v)| {
            let mut e = k.as_bytes().to_vec();
            e.push(b'=');
            e.extend_from_slice(v.as_bytes());
            e
        })
        .collect();
    // SAFETY: getuid/getgid have no preconditions.
    #[allow(unsafe_code)]
    let ids = unsafe { (libc::getuid(), libc::getgid()) };
    let cfg = Config {
        rootfs: "/".into(),
        read_only_root: false,
        tmp_over: true,
        mounts: Vec::new(),
        argv: cmd.iter().map(|a| a.as_bytes().to_vec()).collect(),
        envp,
        cwd,
        ids,
        hostname: hostname(),
        strace,
        stdio: [0, 1, 2],
    };
    Ok(prepare(cfg)?.run())
}

/// Resolve a command name as execvp does: a name with a slash is used as is, otherwise it
/// is searched in `path_var` (the program's PATH) inside the sandbox.
fn find_command(
    root: &Arc<kernel_fs::Dentry>,
    cwd: &Arc<kernel_fs::Dentry>,
    name: &[u8],
    path_var: &[u8],
) -> Option<Vec<u8>> {
    if name.contains(&b'/') {
        return Some(name.to_vec());
    }
    for dir in path_var.split(|&b| b == b':') {
        let dir = if dir.is_empty() { b"." as &[u8] } else { dir };
        let mut candidate = dir.to_vec();
        candidate.push(b'/');
        candidate.extend_from_slice(name);
        if let Ok(d) = path::resolve(root, cwd, &candidate, true) {
            if !d.is_dir() && d.mode() & 0o111 != 0 {
                return Some(candidate);
            }
        }
    }
    None
}
