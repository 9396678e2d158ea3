//! Kernel, tasks and the run loop.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use kernel_abi::flags::mman::*;
use kernel_abi::flags::open::*;
use kernel_abi::flags::rlimit::*;
use kernel_abi::flags::signal::*;
use kernel_abi::{errno, page_up, return_errno, KResult, KernelSigaction, PtRegs, Rlimit, StackT, PAGE_SIZE};
use kernel_fs::{path, Dentry, FdTable, File};
use kernel_mm::vma::VmaName;
use kernel_mm::{FaultError, MemoryFile, MemoryManager, MmLimits, MmapArgs};
use platform::{Context, Event, Platform};

pub(crate) use crate::creds::Creds;
use crate::loader::{self, CpuAux, IdAux, Random};
use crate::thread::ThreadGroup;
use kernel_signal::{SigQueue, Siginfo};

/// How a task's thread group ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// exit/exit_group with this status (0..=255).
    Code(i32),
    /// Killed by this signal.
    Signal(i32),
}

impl ExitStatus {
    /// The shell-style status: the code, or 128 + signal.
    pub fn shell_code(self) -> i32 {
        match self {
            ExitStatus::Code(c) => c & 0xff,
            ExitStatus::Signal(s) => 128 + s,
        }
    }
}

/// What the kernel is made of.
pub struct KernelConfig {
    /// The platform.
    pub platform: Arc<dyn Platform>,
    /// The memory file.
    pub memory: Arc<MemoryFile>,
    /// The root of the sandbox's file tree.
    pub root: Arc<Dentry>,
    /// Hostname (UTS nodename).
    pub hostname: String,
    /// Print every system call like strace.
    pub strace: bool,
}

/// The sandbox's kernel: shared by every task.
pub struct Kernel {
    pub(crate) platform: Arc<dyn Platform>,
    pub(crate) mf: Arc<MemoryFile>,
    pub(crate) root: Arc<Dentry>,
    pub(crate) hostname: String,
    pub(crate) strace: bool,
    logged: Mutex<HashSet<(Option<u64>, &'static str)>>,
    pub(crate) procs: Mutex<crate::process::ProcTable>,
    pub(crate) futexes: Mutex<crate::futex::FutexTable>,
    /// flock, POSIX and OFD file locks.
    pub(crate) locks: Arc<kernel_fs::lock::LockManager>,
    /// The hidden tmpfs memfd_create's files live in (made on first use).
    memfd_dir: std::sync::OnceLock<Arc<Dentry>>,
    /// When the kernel started (process start times count from here).
    started: std::time::Instant,
    /// The host terminal the sandbox's stdio is on, if it is.
    pub(crate) host_tty: std::sync::OnceLock<Arc<kernel_fs::hostfd::HostTerminal>>,
}

impl Kernel {
    /// A kernel from its parts.
    pub fn new(c: KernelConfig) -> Arc<Kernel> {
        let k = Arc::new(Kernel {
            platform: c.platform,
            mf: c.memory,
            root: c.root,
            hostname: c.hostname,
            strace: c.strace,
            logged: Mutex::new(HashSet::new()),
            procs: Mutex::new(Default::default()),
            futexes: Mutex::new(Default::default()),
            locks: kernel_fs::lock::LockManager::new(),
            memfd_dir: std::sync::OnceLock::new(),
            started: std::time::Instant::now(),
            host_tty: std::sync::OnceLock::new(),
        });
        k.connect_devpts();
        k
    }

    /// Clock ticks (1/100 s) since the kernel started.
    pub(crate) fn ticks(&self) -> u64 {
        (self.started.elapsed().as_millis() / 10) as u64
    }

    /// The directory memfd_create makes its (at once unlinked) files in: a tmpfs no path
    /// reaches.
    pub(crate) fn memfd_dir(&self) -> &Arc<Dentry> {
        self.memfd_dir.get_or_init(|| {
            let root = kernel_fs::tmpfs::Tmpfs::new_root(self.mf.clone(), self.mf.size(), 0o1777, 0, 0);
            Dentry::new_root(kernel_fs::Inode::Tmpfs(root))
        })
    }

    /// Log `what` once per sandbox: about system call `nr` (unimplemented calls and flags),
    /// or about the kernel in general when `nr` is `None`.
    pub(crate) fn log_once(&self, nr: Option<u64>, what: &'static str) {
        let mut l = self.logged.lock().unwrap_or_else(|e| e.into_inner());
        if l.insert((nr, what)) {
            match nr {
                Some(nr) => {
                    let name = kernel_abi::syscall_name(nr).unwrap_or("?");
                    log::warn!("syscall {nr} ({name}): {what}");
                }
                None => log::warn!("{what}"),
            }
        }
    }
}

/// What CLONE_FS shares: the working directory and the umask.
#[derive(Clone)]
pub(crate) struct FsInfo {
    pub cwd: Arc<Dentry>,
    pub umask: u32,
}

/// A thread of execution in the sandbox.
pub struct Task {
    pub(crate) kernel: Arc<Kernel>,
    pub(crate) tid: i32,
    /// The thread group (process) id.
    pub(crate) tgid: i32,
    pub(crate) tg: Arc<ThreadGroup>,
    pub(crate) mm: Arc<MemoryManager>,
    pub(crate) ctx: Box<dyn Context>,
    pub(crate) regs: PtRegs,
    pub(crate) fds: Arc<Mutex<FdTable>>,
    pub(crate) fs: Arc<Mutex<FsInfo>>,
    pub(crate) creds: Creds,
    pub(crate) sigmask: u64,
    /// What other threads see of this one (its mask for signal routing, nice, affinity).
    pub(crate) shared: Arc<crate::thread::ThreadShared>,
    /// Signals sent to this thread and not yet delivered.
    pub(crate) pending: SigQueue,
    /// The restart code the last system call ended with, until signal delivery decides.
    pub(crate) syscall_restart: Option<kernel_abi::Errno>,
    /// What restart_syscall(2) resumes.
    pub(crate) restart_block: Option<crate::signals::RestartBlock>,
    /// The mask to restore after delivery when a call (rt_sigsuspend) replaced it.
    pub(crate) saved_mask: Option<u64>,
    pub(crate) altstack: StackT,
    pub(crate) clear_child_tid: u64,
    pub(crate) robust_list: (u64, u64),
    /// Set when this thread stops running, with the status it ends with.
    pub(crate) exit: Option<ExitStatus>,
    pub(crate) rng: HostRandom,
    /// Signals for this thread from other threads (and the host, via runsc).
    pub(crate) inbox: Arc<crate::Inbox>,
    /// A vfork parent waiting for this task to exec or exit.
    pub(crate) vfork: Option<Arc<crate::process::VforkDone>>,
    /// The thread's name (PR_SET_NAME), NUL-padded.
    pub(crate) name: [u8; 16],
    /// PR_SET_NO_NEW_PRIVS.
    pub(crate) no_new_privs: bool,
    /// PR_SET_TIMERSLACK, in nanoseconds.
    pub(crate) timer_slack: u64,
    /// Scheduling policy and static priority (sched_setscheduler; advisory).
    pub(crate) sched: (u32, i32),
    /// The last fault retried as possibly stale (address, rip).
    pub(crate) last_fault: Option<(u64, u64)>,
}

/// ASLR randomness from the host.
pub(crate) struct HostRandom;

impl Random for HostRandom {
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        if kernel_fs::dev::fill_random(&mut b).is_err() {
            return 0;
        }
        u64::from_le_bytes(b)
    }
}

pub(crate) fn default_rlimits() -> [Rlimit; RLIM_NLIMITS as usize] {
    let inf = Rlimit { rlim_cur: RLIM_INFINITY, rlim_max: RLIM_INFINITY };
    let mut r = [inf; RLIM_NLIMITS as usize];
    r[RLIMIT_STACK as usize] = Rlimit { rlim_cur: 8 << 20, rlim_max: RLIM_INFINITY };
    r[RLIMIT_CORE as usize] = Rlimit { rlim_cur: 0, rlim_max: RLIM_INFINITY };
    r[RLIMIT_NOFILE as usize] = Rlimit { rlim_cur: 1024, rlim_max: 1 << 20 };
    r[RLIMIT_MEMLOCK as usize] = Rlimit { rlim_cur: 8 << 20, rlim_max: 8 << 20 };
    r[RLIMIT_NPROC as usize] = Rlimit { rlim_cur: 1 << 16, rlim_max: 1 << 16 };
    r[RLIMIT_SIGPENDING as usize] = Rlimit { rlim_cur: 1 << 16, rlim_max: 1 << 16 };
    r[RLIMIT_MSGQUEUE as usize] = Rlimit { rlim_cur: 819_200, rlim_max: 819_200 };
    r[RLIMIT_NICE as usize] = Rlimit { rlim_cur: 0, rlim_max: 0 };
    r[RLIMIT_RTPRIO as usize] = Rlimit { rlim_cur: 0, rlim_max: 0 };
    r
}

fn host_auxv(key: u64, default: u64) -> u64 {
    // getauxval is a read of the Sentry's own auxv.
    let v = host_getauxval(key);
    if v == 0 {
        default
    } else {
        v
    }
}

#[allow(unsafe_code)]
fn host_getauxval(key: u64) -> u64 {
    // SAFETY: getauxval only reads the process's auxiliary vector.
    unsafe { libc::getauxval(key) }
}

impl Task {
    /// The first task of a sandbox: `argv[0]` is executed (resolved by `path` in the
    /// sandbox) with `stdio` as fds 0-2, uid/gid from `ids`, in `cwd`.
    pub fn new_init(kernel: Arc<Kernel>, stdio: [Arc<File>; 3], cwd: Arc<Dentry>, ids: (u32, u32)) -> KResult<Task> {
        Self::new_leader(kernel, stdio, cwd, ids, 1)
    }

    /// A process started from outside the sandbox in a running one (`runsc exec`): like
    /// the first task, but with a fresh pid, and (as init) no parent inside. Call
    /// [`Kernel::release_process`] once it has ended.
    pub fn new_process(kernel: Arc<Kernel>, stdio: [Arc<File>; 3], cwd: Arc<Dentry>, ids: (u32, u32)) -> KResult<Task> {
        let pid = kernel.alloc_pid(u64::MAX)?;
        Self::new_leader(kernel.clone(), stdio, cwd, ids, pid).inspect_err(|_| kernel.release_pid(pid))
    }

    /// The pid of the process.
    pub fn pid(&self) -> i32 {
        self.tgid
    }

    fn new_leader(
        kernel: Arc<Kernel>,
        stdio: [Arc<File>; 3],
        cwd: Arc<Dentry>,
        ids: (u32, u32),
        pid: i32,
    ) -> KResult<Task> {
        let mut fds = FdTable::new();
        for f in stdio {
            fds.insert(f, false, 0, 3)?;
        }
        let space = kernel.platform.new_address_space().map_err(|e| {
            log::error!("creating the address space: {e}");
            errno!(ENOMEM)
        })?;
        let ctx = kernel.platform.new_context().map_err(|_| errno!(ENOMEM))?;
        let p = &kernel.platform;
        let mm = Arc::new(MemoryManager::new(kernel.mf.clone(), space, p.min_user_address(), p.max_user_address()));
        let (uid, gid) = ids;
        let tg = ThreadGroup::new(&kernel, pid, [KernelSigaction::default(); NSIG as usize], default_rlimits());
        let t = Task {
            kernel,
            tid: pid,
            tgid: pid,
            tg,
            mm,
            ctx,
            regs: PtRegs::default(),
            fds: Arc::new(Mutex::new(fds)),
            fs: Arc::new(Mutex::new(FsInfo { cwd, umask: 0o022 })),
            creds: Creds::new(uid, gid),
            sigmask: 0,
            shared: crate::thread::ThreadShared::inherit(0, None),
            pending: SigQueue::default(),
            saved_mask: None,
            syscall_restart: None,
            restart_block: None,
            altstack: StackT { ss_flags: SS_DISABLE, ..Default::default() },
            clear_child_tid: 0,
            robust_list: (0, 0),
            exit: None,
            rng: HostRandom,
            inbox: Arc::new(crate::Inbox::default()),
            vfork: None,
            name: [0; 16],
            no_new_privs: false,
            timer_slack: crate::sys_proc::DEFAULT_TIMER_SLACK,
            sched: (0, 0),
            last_fault: None,
        };
        t.inbox.set_interrupter(t.ctx.interrupter());
        t.tg.add_member(crate::thread::Member { tid: pid, inbox: t.inbox.clone(), shared: t.shared.clone() });
        t.kernel.register(pid, 0, 0, t.tg.clone());
        t.publish_ids();
        t.tg.update_view(|v| {
            v.fds = Arc::downgrade(&t.fds);
            v.fs = Arc::downgrade(&t.fs);
        });
        Ok(t)
    }

    /// The descriptor table.
    pub(crate) fn fds(&self) -> std::sync::MutexGuard<'_, FdTable> {
        self.fds.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The working directory and umask.
    pub(crate) fn fs_info(&self) -> std::sync::MutexGuard<'_, FsInfo> {
        self.fs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The working directory.
    pub(crate) fn cwd(&self) -> Arc<Dentry> {
        self.fs_info().cwd.clone()
    }

    /// The soft limit of resource `res`.
    pub(crate) fn rlimit(&self, res: u32) -> u64 {
        self.tg.limits()[res as usize].rlim_cur
    }

    /// Run the first process until it ends (its last thread exits) and return its status.
    pub fn run_process(mut self) -> ExitStatus {
        let status = self.run();
        self.exit_thread(status);
        let tg = self.tg.clone();
        drop(self);
        tg.wait_ended()
    }

    /// Let a vfork parent go on (the child exec'd or is exiting).
    pub(crate) fn release_vfork(&mut self) {
        if let Some(v) = self.vfork.take() {
            v.release();
        }
    }

    /// The inbox through which other threads (runsc forwarding host signals) signal this
    /// task.
    pub fn inbox(&self) -> Arc<crate::Inbox> {
        self.inbox.clone()
    }

    pub(crate) fn mm_limits(&self) -> MmLimits {
        mm_limits_from(&self.tg.limits())
    }

    /// Resolve a path for the task (relative to its cwd).
    pub(crate) fn lookup(&self, p: &[u8], follow: bool) -> KResult<Arc<Dentry>> {
        path::resolve(&self.kernel.root, &self.cwd(), p, follow)
    }

    /// Replace the task's program with the executable at `path` (execve without the
    /// process parts; the caller has resolved nothing yet).
    pub fn exec(&mut self, filename: &[u8], argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>) -> KResult<()> {
        // AT_EXECFN stays the name execve was given, even for a script.
        let (file, argv) = self.resolve_interpreters(filename, argv)?;
        // A fresh address space; the old one (and its stub) goes when replaced. The first
        // task's initial address space is still empty and unshared: use it.
        let mm = if self.mm.total_mapped() == 0 && Arc::strong_count(&self.mm) == 1 {
            self.mm.clone()
        } else {
            let space = self.kernel.platform.new_address_space().map_err(|e| {
                log::error!("creating the address space: {e}");
                errno!(ENOMEM)
            })?;
            let p = &self.kernel.platform;
            Arc::new(MemoryManager::new(self.kernel.mf.clone(), space, p.min_user_address(), p.max_user_address()))
        };
        mm.set_limits(self.mm_limits());
        // Stack top and mmap base, randomized.
        let stack_rlimit = self.rlimit(RLIMIT_STACK).clamp(128 << 10, 1 << 30);
        let max = mm.max_address();
        let stack_top = max - (self.rng.next_u64() % (1 << 20)) * PAGE_SIZE - PAGE_SIZE;
        let gap = stack_rlimit.max(128 << 20) + (1 << 20);
        mm.set_mmap_base(stack_top - gap - (self.rng.next_u64() % (1 << 24)) * PAGE_SIZE);
        let root = self.kernel.root.clone();
        let cwd = self.cwd();
        let image = loader::load(
            &mm,
            &file,
            &mut |interp| path::resolve(&root, &cwd, interp, true)?.open(O_RDONLY),
            &mut self.rng,
        )?;
        mm.set_brk_start(page_up(image.brk_start).ok_or(errno!(ENOMEM))?);
        let stack_prot = PROT_READ | PROT_WRITE | if image.exec_stack { PROT_EXEC } else { 0 };
        let stack_len = 33 * PAGE_SIZE;
        let mut sargs =
            MmapArgs::anon(stack_top - stack_len, stack_len, stack_prot, MAP_PRIVATE | MAP_FIXED | MAP_GROWSDOWN);
        sargs.name = VmaName::Stack;
        mm.mmap(sargs)?;
        let mut random = [0u8; 16];
        kernel_fs::dev::fill_random(&mut random)?;
        let cpu = CpuAux {
            hwcap: host_auxv(kernel_abi::flags::auxv::AT_HWCAP, 0),
            hwcap2: host_auxv(kernel_abi::flags::auxv::AT_HWCAP2, 0),
            minsigstksz: host_auxv(kernel_abi::flags::auxv::AT_MINSIGSTKSZ, MINSIGSTKSZ),
        };
        let c = &self.creds;
        let ids = IdAux { uid: c.uid, euid: c.euid, gid: c.gid, egid: c.egid };
        log::debug!("exec {}: {image:x?}", String::from_utf8_lossy(filename));
        let sp = loader::build_stack(&mm, stack_top, &image, filename, &argv, &envp, cpu, ids, random)?;
        // Where argv's and envp's strings lie, for /proc/PID/cmdline and environ: from the
        // pointer arrays just built above argc.
        let range = |first: u64, strings: &[Vec<u8>]| -> KResult<(u64, u64)> {
            if strings.is_empty() {
                return Ok((0, 0));
            }
            let start: u64 = mm.read_val(first)?;
            let last: u64 = mm.read_val(first + 8 * (strings.len() as u64 - 1))?;
            Ok((start, last + strings[strings.len() - 1].len() as u64 + 1))
        };
        let args = range(sp + 8, &argv)?;
        let env = range(sp + 8 + 8 * (argv.len() as u64 + 1), &envp)?;
        let exe = file.dentry().map(|d| d.path_bytes()).unwrap_or_else(|| filename.to_vec());
        // Point of no return: the other threads go, and this one becomes the leader.
        if self.de_thread().is_err() {
            // Another thread is exiting the group or exec'ing: this one dies with it.
            return_errno!(EAGAIN);
        }
        if !Arc::ptr_eq(&self.mm, &mm) {
            // Leave the old address space to whoever still shares it (a vfork parent).
            self.mm.address_space().release_thread();
        }
        self.mm = mm;
        self.ctx = self.kernel.platform.new_context().map_err(|_| errno!(ENOMEM))?;
        self.inbox.set_interrupter(self.ctx.interrupter());
        self.bind_cpu_clock();
        self.release_vfork();
        self.kernel.mark_exec(self.tgid);
        // An exec'd process no longer shares its descriptor table with anyone.
        let table = self.fds().clone();
        self.fds = Arc::new(Mutex::new(table));
        let closed = self.fds().close_on_exec();
        for f in &closed {
            crate::sys_lock::closed(self, f);
        }
        for a in self.tg.actions().iter_mut() {
            if a.handler != SIG_IGN {
                *a = KernelSigaction::default();
            }
        }
        self.name = exec_name(filename);
        // POSIX timers do not survive execve (ITIMER_REAL does).
        self.tg.timers.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.creds.on_exec();
        self.publish_ids();
        let (fds, fs, name, start) =
            (Arc::downgrade(&self.fds), Arc::downgrade(&self.fs), self.name, self.kernel.ticks());
        let mm_weak = Arc::downgrade(&self.mm);
        self.tg.update_view(|v| {
            *v = crate::thread::ProcView {
                exe,
                mm: mm_weak,
                fds,
                fs,
                comm: name,
                args,
                env,
                start_stack: sp,
                start_ticks: if v.start_ticks == 0 { start } else { v.start_ticks },
            }
        });
        self.altstack = StackT { ss_flags: SS_DISABLE, ..Default::default() };
        self.clear_child_tid = 0;
        self.robust_list = (0, 0);
        self.regs = PtRegs { rip: image.entry, rsp: sp, cs: 0x33, ss: 0x2b, eflags: 0x202, ..Default::default() };
        // A fresh FP state (x87 control word 0x37f, MXCSR 0x1f80) comes with the new stub.
        Ok(())
    }

    /// Open the executable, following `#!` interpreter lines (at most 4 levels, as
    /// Linux): the interpreter runs with its optional argument, then the script's path,
    /// then the original arguments after argv[0].
    fn resolve_interpreters(&mut self, filename: &[u8], mut argv: Vec<Vec<u8>>) -> KResult<(Arc<File>, Vec<Vec<u8>>)> {
        /// Linux reads the first 256 bytes of a script for its interpreter line.
        const BINPRM_BUF_SIZE: usize = 256;
        let mut path = filename.to_vec();
        for _ in 0..=4 {
            let d = self.lookup(&path, true)?;
            if d.is_dir() || d.mode() & 0o111 == 0 {
                return_errno!(EACCES);
            }
            let file = d.open(O_RDONLY)?;
            let mut head = [0u8; BINPRM_BUF_SIZE];
            let mut n = 0;
            while n < head.len() {
                match file.pread(&mut head[n..], n as u64)? {
                    0 => break,
                    k => n += k,
                }
            }
            if n < 2 || &head[..2] != b"#!" {
                return Ok((file, argv));
            }
            let line = &head[2..n];
            let line = match line.iter().position(|&b| b == b'\n') {
                Some(end) => &line[..end],
                None => line,
            };
            let line: &[u8] = trim(line);
            if line.is_empty() {
                return_errno!(ENOEXEC);
            }
            let split = line.iter().position(|&b| b == b' ' || b == b'\t').unwrap_or(line.len());
            let interp = line[..split].to_vec();
            let arg = trim(&line[split..]).to_vec();
            let mut new_argv = vec![interp.clone()];
            if !arg.is_empty() {
                new_argv.push(arg);
            }
            new_argv.push(path.clone());
            new_argv.extend(argv.into_iter().skip(1));
            argv = new_argv;
            path = interp;
        }
        return_errno!(ELOOP)
    }

    /// Run until the task's thread group exits.
    pub fn run(&mut self) -> ExitStatus {
        crate::procfs::set_current(self.tgid, self.tid);
        loop {
            let space = self.mm.address_space().clone();
            let event = match self.ctx.switch(&*space, &mut self.regs) {
                Ok(e) => e,
                Err(e) => {
                    log::error!("task {}: platform failure: {e}", self.tid);
                    return ExitStatus::Signal(SIGKILL as i32);
                }
            };
            match event {
                Event::Syscall => {
                    self.last_fault = None;
                    crate::syscalls::dispatch(self)
                }
                Event::Fault { addr, access, .. } => match self.mm.handle_fault(addr, access) {
                    Ok(()) => self.last_fault = None,
                    Err(FaultError::Mapped) => {
                        // Retry once: another thread may have mapped the page since the
                        // fault. The same fault again is a protection fault.
                        if self.last_fault == Some((addr, self.regs.rip)) {
                            self.last_fault = None;
                            self.force_signal(Siginfo::fault(SIGSEGV, SEGV_ACCERR, addr));
                        } else {
                            self.last_fault = Some((addr, self.regs.rip));
                        }
                    }
                    Err(FaultError::Segv(code)) => self.force_signal(Siginfo::fault(SIGSEGV, code, addr)),
                    Err(FaultError::Bus) => self.force_signal(Siginfo::fault(SIGBUS, BUS_ADRERR, addr)),
                    Err(FaultError::Fatal(e)) => {
                        log::error!("task {}: fault at {addr:#x} unrecoverable: {e}", self.tid);
                        self.exit = Some(ExitStatus::Signal(SIGKILL as i32));
                    }
                },
                Event::Signal { signo, code, addr } => self.force_signal(Siginfo::fault(signo as u32, code, addr)),
                Event::Interrupted => {}
            }
            while self.exit.is_none() {
                if let Some(status) = self.tg.must_exit(self.tid) {
                    self.exit = Some(status);
                    break;
                }
                self.take_inbox();
                self.deliver_signals();
                self.shared.mask.store(self.sigmask, std::sync::atomic::Ordering::Relaxed);
                if self.exit.is_some() || !self.tg.stopped() {
                    break;
                }
                self.wait_while_stopped();
            }
            if let Some(status) = self.exit {
                return status;
            }
        }
    }
}

/// The limits the memory manager enforces, from a process's resource limits.
pub(crate) fn mm_limits_from(l: &[Rlimit; RLIM_NLIMITS as usize]) -> MmLimits {
    let r = |i: u32| l[i as usize].rlim_cur;
    MmLimits { address_space: r(RLIMIT_AS), data: r(RLIMIT_DATA), stack: r(RLIMIT_STACK), memlock: r(RLIMIT_MEMLOCK) }
}

/// The thread name execve sets: the file name's last component, at most 15 bytes.
fn exec_name(filename: &[u8]) -> [u8; 16] {
    let base = filename.rsplit(|&b| b == b'/').next().unwrap_or(filename);
    let mut name = [0u8; 16];
    let n = base.len().min(15);
    name[..n].copy_from_slice(&base[..n]);
    name
}

/// Trim spaces and tabs at both ends.
fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(s.len());
    let end = s.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(start, |e| e + 1);
    &s[start..end.max(start)]
}
