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

/// Fresh, private tmpfs mounts at /tmp and /dev/shm (sticky and world-writable, as on a
/// host), so that what the sandbox writes there never reaches the host. The host's /tmp
/// shows through the sandbox's, read-only, where the sandbox has not made a name.
fn mount_tmpfs(root: &Arc<kernel_fs::Dentry>, mf: &Arc<MemoryFile>) -> Result<(), Errno> {
    let size = tmpfs_size();
    kernel_fs::tmpfs::mount_over(root, b"tmp", mf.clone(), size, 0o1777);
    let dev = root.lookup(b"dev").map_err(|e| e.errno)?;
    kernel_fs::tmpfs::mount(&dev, b"shm", mf.clone(), size, 0o1777);
    Ok(())
}

/// Run `cmd` in a fresh sandbox; returns the shell-style exit status.
pub fn run_do(cmd: &[OsString], strace: bool) -> Result<i32, DoError> {
    let setup = |what: &str, e: &dyn std::fmt::Display| DoError::Setup(format!("{what}: {e}"));
    let t0 = std::time::Instant::now();
    // Forwarded signals are blocked in every thread runsc starts and taken by one thread.
    let tty_fd = (0..3).find(|&fd| kernel_fs::hostfd::is_tty(fd));
    let forwarded = block_forwarded_signals(tty_fd.is_some());
    platform::ptrace::init().map_err(|e| setup("ptrace platform", &e))?;
    raise_fd_limit();
    let mf = Arc::new(MemoryFile::new(MEMORY_FILE_SIZE).map_err(|e| setup("memory file", &e))?);
    let platform = Arc::new(PtracePlatform::new(mf.fd()).map_err(|e| setup("ptrace platform", &e))?);
    let root_fd = host::open_root_dir("/").map_err(|e| setup("opening the host root", &e))?;
    let root = host::new_root(root_fd, mf.clone()).map_err(|e| setup("host root", &e))?;
    mount_synthetic(&root);
    mount_tmpfs(&root, &mf).map_err(|e| setup("mounting tmpfs", &e))?;
    log::debug!("platform and memory file ready after {:?}", t0.elapsed());
    let kernel = Kernel::new(KernelConfig { platform, memory: mf, root: root.clone(), hostname: hostname(), strace });
    if let Some((fd, _)) = tty_fd.and_then(dup_host_fd) {
        kernel.set_host_terminal(fd);
    }
    let forward_to = kernel.clone();
    // The sandbox's own /proc, computed from the kernel's state.
    root.attach(kernel_fs::Dentry::new_child(
        &root,
        b"proc",
        kernel_fs::Inode::Synth(kernel_task::procfs::root(&kernel)),
    ));

    let cwd = std::env::current_dir()
        .ok()
        .and_then(|p| path::resolve(&root, &root, p.as_os_str().as_bytes(), true).ok())
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| root.clone());
    let argv: Vec<Vec<u8>> = cmd.iter().map(|a| a.as_bytes().to_vec()).collect();
    let envp: Vec<Vec<u8>> = std::env::vars_os()
        .map(|(k, v)| {
            let mut e = k.as_bytes().to_vec();
            e.push(b'=');
            e.extend_from_slice(v.as_bytes());
            e
        })
        .collect();
    let name = String::from_utf8_lossy(&argv[0]).into_owned();
    let filename = find_command(&root, &cwd, &argv[0]).ok_or_else(|| DoError::NotFound(name.clone()))?;
    // SAFETY: getuid/getgid have no preconditions.
    #[allow(unsafe_code)]
    let ids = unsafe { (libc::getuid(), libc::getgid()) };
    let stdio = [stdio_file(0), stdio_file(1), stdio_file(2)];
    let mut task = Task::new_init(kernel, stdio, cwd, ids).map_err(|e| setup("creating the first task", &e))?;
    log::debug!("first task created after {:?}", t0.elapsed());
    forward_signals(forwarded, forward_to);
    task.exec(&filename, argv, envp).map_err(|e| match e.errno {
        Errno::ENOENT | Errno::ENOTDIR => DoError::NotFound(name.clone()),
        errno => DoError::Exec(name.clone(), errno),
    })?;
    log::debug!("{name} loaded after {:?}", t0.elapsed());
    let status = task.run_process();
    log::debug!("{name} ended ({status:?}) after {:?}", t0.elapsed());
    Ok(status.shell_code())
}

/// Resolve a command name as execvp does: a name with a slash is used as is, otherwise it
/// is searched in $PATH inside the sandbox.
fn find_command(root: &Arc<kernel_fs::Dentry>, cwd: &Arc<kernel_fs::Dentry>, name: &[u8]) -> Option<Vec<u8>> {
    if name.contains(&b'/') {
        return Some(name.to_vec());
    }
    let path_var = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    for dir in path_var.as_bytes().split(|&b| b == b':') {
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
