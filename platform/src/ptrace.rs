//! The ptrace platform: application code runs in stub processes under PTRACE_SYSEMU.
//!
//! The platform keeps a *template* stub, forked once from its own "stub-template" thread.
//! Before it stops for that thread, the template strips itself to nothing but a single
//! code page at [`STUB_ADDR`]: it sets `PR_SET_PDEATHSIG(SIGKILL)`, checks its parent is
//! still the Sentry, becomes traced (`PTRACE_TRACEME`), unblocks all signals, closes every
//! fd but the memory file and unmaps everything below and above the stub page; its FP/SIMD
//! state is then reset. Every address space is a stub cloned from the template (so the
//! cost does not grow with the Sentry): the template thread makes the child die with the
//! template (`PR_SET_PDEATHSIG`), parks it in `pause()` and detaches; the thread that
//! asked seizes it with `PTRACE_O_EXITKILL`. A stub therefore dies with its tracer thread,
//! and every stub dies with the template, whether the Sentry exits, panics or is killed.
//!
//! Mappings are made by the stub itself: the tracer points its registers at the
//! `syscall; int3` pair in the stub page and lets it run one `mmap`/`munmap`/`mprotect`
//! of the memory file. Application system calls stop at entry with PTRACE_SYSEMU and are
//! never executed by the host.
//!
//! ptrace binds a tracee to one tracer thread, so each Sentry thread that runs an
//! application thread traces its own host thread of the stub: the first is the stub's
//! leader; more are cloned by the stub for `clone(CLONE_VM)` ([`AddressSpace::prepare_thread`],
//! then [`AddressSpace::adopt_thread`] on the new Sentry thread). A thread that adopted
//! none gets [`Error::WrongThread`]. Each tracing thread is pinned to one CPU, which its
//! stub thread inherits: tracer and tracee then never wake each other across CPUs.

use std::any::Any;
use std::collections::HashMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};

use kernel_abi::flags::{mman, signal};
use kernel_abi::PtRegs;

use crate::{Access, AddressSpace, Context, Error, Event, Interrupter, Platform, Result, ThreadSeed};

/// Where the stub code page lives in every stub (and is reserved in the Sentry).
/// 64 GiB below the top of the user address space: above anything the application is
/// given and below any place Linux puts the Sentry's stack.
pub const STUB_ADDR: u64 = 0x7ff0_0000_0000;
/// One past the last address the application may use.
pub const MAX_USER_ADDRESS: u64 = STUB_ADDR;
const PAGE: u64 = 4096;

// The stub page. Position independent; copied to STUB_ADDR and entered in the forked child
// with rdi = memory file fd, rsi = expected parent pid, rdx = STUB_ADDR, rcx = the rseq
// area the forking thread registered (0: none) and r8 its length. It uses no stack.
std::arch::global_asm!(
    ".pushsection .rodata.rvisor_stub, \"a\"",
    ".balign 16",
    ".globl rvisor_stub_begin",
    "rvisor_stub_begin:",
    "mov r12, rdi",
    "mov r13, rsi",
    "mov r14, rdx",
    // A forked child inherits its parent thread's rseq registration; the area is about to
    // be unmapped and the kernel would SIGSEGV the stub on its next return to user space.
    "test rcx, rcx",
    "jz 3f",
    "mov eax, 334",
    "mov rdi, rcx",
    "mov rsi, r8",
    "mov edx, 1",
    "mov r10d, 0x53053053",
    "syscall",
    "3:",
    // setsid() (after the rseq block: syscall clobbers rcx): leave the Sentry's session
    // and process group, so signals for the terminal's foreground group (SIGINT,
    // SIGWINCH...) go to runsc, not the stub.
    "mov eax, 112",
    "syscall",
    // prctl(PR_SET_PDEATHSIG, SIGKILL)
    "mov eax, 157",
    "mov edi, 1",
    "mov esi, 9",
    "syscall",
    // The parent may have died before the prctl: then leave.
    "mov eax, 110",
    "syscall",
    "cmp rax, r13",
    "jne 9f",
    // ptrace(PTRACE_TRACEME, 0, 0, 0)
    "mov eax, 101",
    "xor edi, edi",
    "xor esi, esi",
    "xor edx, edx",
    "xor r10d, r10d",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    // rt_sigprocmask(SIG_SETMASK, &zero, NULL, 8)
    "mov eax, 14",
    "mov edi, 2",
    "lea rsi, [rip + 8f]",
    "xor edx, edx",
    "mov r10d, 8",
    "syscall",
    // close_range(0, memfd - 1, 0) when memfd > 0
    "test r12, r12",
    "jz 2f",
    "mov eax, 436",
    "xor edi, edi",
    "lea rsi, [r12 - 1]",
    "xor edx, edx",
    "syscall",
    "2:",
    // close_range(memfd + 1, ~0U, 0)
    "mov eax, 436",
    "lea rdi, [r12 + 1]",
    "mov esi, 0xffffffff",
    "xor edx, edx",
    "syscall",
    // munmap(0, STUB_ADDR)
    "mov eax, 11",
    "xor edi, edi",
    "mov rsi, r14",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    // munmap(STUB_ADDR + 4096, TASK_SIZE - (STUB_ADDR + 4096))
    "mov eax, 11",
    "lea rdi, [r14 + 4096]",
    "mov rsi, 0x7ffffffff000",
    "sub rsi, rdi",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    // kill(getpid(), SIGSTOP): the tracer takes over from here and never returns here.
    "mov eax, 39",
    "syscall",
    "mov edi, eax",
    "mov esi, 19",
    "mov eax, 62",
    "syscall",
    "9:",
    "mov eax, 231",
    "mov edi, 1",
    "syscall",
    "ud2",
    ".globl rvisor_stub_syscall",
    "rvisor_stub_syscall:",
    "syscall",
    "int3",
    // Where a freshly cloned stub waits, untraced, for its tracer to seize it.
    ".globl rvisor_stub_pause",
    "rvisor_stub_pause:",
    "mov eax, 34",
    "syscall",
    "jmp rvisor_stub_pause",
    ".balign 8",
    "8:",
    ".quad 0",
    // struct sigaction { SIG_IGN, 0, 0, 0 }: the template ignores SIGCHLD so that dead
    // stubs are reaped without it waiting.
    ".globl rvisor_stub_sigign",
    "rvisor_stub_sigign:",
    ".quad 1, 0, 0, 0",
    // The stub's seccomp filter and its sock_fprog, filled in by `install_stub`.
    ".globl rvisor_stub_filter",
    "rvisor_stub_filter:",
    ".quad 0, 0, 0, 0, 0, 0, 0",
    ".globl rvisor_stub_fprog",
    "rvisor_stub_fprog:",
    ".quad 0, 0",
    ".globl rvisor_stub_end",
    "rvisor_stub_end:",
    ".popsection",
);

extern "C" {
    static rvisor_stub_begin: u8;
    static rvisor_stub_syscall: u8;
    static rvisor_stub_pause: u8;
    static rvisor_stub_sigign: u8;
    static rvisor_stub_filter: u8;
    static rvisor_stub_fprog: u8;
    static rvisor_stub_end: u8;
}

/// Offsets of the stub's entry points within its page.
struct StubLayout {
    fprog: u64,
    syscall_insn: u64,
    pause_loop: u64,
    sigign: u64,
}

/// Copy the stub code to `STUB_ADDR` in the Sentry once, so forked children find it there.
fn install_stub() -> Result<&'static StubLayout> {
    static LAYOUT: OnceLock<std::result::Result<StubLayout, String>> = OnceLock::new();
    LAYOUT
        .get_or_init(|| {
            let [begin, sys, pause, sigign, filter, fprog, end] = stub_symbols();
            let len = end - begin;
            if len > PAGE as usize {
                return Err("stub code exceeds one page".into());
            }
            let at = |sym: usize| STUB_ADDR + (sym - begin) as u64;
            // The two syscall instructions of the stub: `rvisor_stub_syscall` and the one
            // in the pause loop (after a 5-byte `mov eax, 34`). seccomp sees the address
            // after the instruction.
            let data = stub_filter(at(sys) + 2, at(pause) + 7, at(filter));
            map_stub_page(begin, len, &[(filter - begin, &data.0[..]), (fprog - begin, &data.1[..])])
                .map_err(|e| e.to_string())?;
            Ok(StubLayout { fprog: at(fprog), syscall_insn: at(sys), pause_loop: at(pause), sigign: at(sigign) })
        })
        .as_ref()
        .map_err(|e| Error::Stub { pid: 0, what: format!("installing stub page: {e}") })
}

fn stub_symbols() -> [usize; 7] {
    // Only the symbols' addresses are taken; nothing is read through them here.
    [
        std::ptr::addr_of!(rvisor_stub_begin) as usize,
        std::ptr::addr_of!(rvisor_stub_syscall) as usize,
        std::ptr::addr_of!(rvisor_stub_pause) as usize,
        std::ptr::addr_of!(rvisor_stub_sigign) as usize,
        std::ptr::addr_of!(rvisor_stub_filter) as usize,
        std::ptr::addr_of!(rvisor_stub_fprog) as usize,
        std::ptr::addr_of!(rvisor_stub_end) as usize,
    ]
}

/// The stub's seccomp filter: a host system call is allowed only from the stub's own two
/// `syscall` instructions (whose return addresses are `ip_a` and `ip_b`); anything else
/// traps (SIGSYS). Application system calls never reach it: PTRACE_SYSEMU stops them
/// before seccomp runs. What it catches is the kernel executing calls for the
/// application behind the Sentry's back, such as the legacy vsyscall page's emulated
/// time()/gettimeofday()/getcpu().
/// Returns the 7 instructions and the `sock_fprog` pointing at them (at `filter_addr`).
fn stub_filter(ip_a: u64, ip_b: u64, filter_addr: u64) -> ([u8; 56], [u8; 16]) {
    const LD_W_ABS: u16 = 0x20;
    const JEQ_K: u16 = 0x15;
    const RET_K: u16 = 0x06;
    const IP_LO: u32 = 8;
    const IP_HI: u32 = 12;
    const RET_TRAP: u32 = 0x0003_0000;
    const RET_ALLOW: u32 = 0x7fff_0000;
    debug_assert_eq!(ip_a >> 32, ip_b >> 32, "both in the stub page");
    let prog: [(u16, u8, u8, u32); 7] = [
        (LD_W_ABS, 0, 0, IP_LO),
        (JEQ_K, 1, 0, ip_a as u32),
        (JEQ_K, 0, 2, ip_b as u32),
        (LD_W_ABS, 0, 0, IP_HI),
        (JEQ_K, 1, 0, (ip_a >> 32) as u32),
        (RET_K, 0, 0, RET_TRAP),
        (RET_K, 0, 0, RET_ALLOW),
    ];
    let mut f = [0u8; 56];
    for (i, (code, jt, jf, k)) in prog.iter().enumerate() {
        let b = &mut f[i * 8..i * 8 + 8];
        b[0..2].copy_from_slice(&code.to_le_bytes());
        b[2] = *jt;
        b[3] = *jf;
        b[4..8].copy_from_slice(&k.to_le_bytes());
    }
    let mut fprog = [0u8; 16];
    fprog[0..2].copy_from_slice(&(prog.len() as u16).to_le_bytes());
    fprog[8..16].copy_from_slice(&filter_addr.to_le_bytes());
    (f, fprog)
}

fn map_stub_page(code: usize, len: usize, patches: &[(usize, &[u8])]) -> Result<()> {
    // SAFETY: MAP_FIXED_NOREPLACE never replaces an existing mapping; the new page is ours.
    let p = unsafe {
        libc::mmap(
            STUB_ADDR as *mut libc::c_void,
            PAGE as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED || p as u64 != STUB_ADDR {
        return Err(Error::last_os("mmap(stub page)"));
    }
    // SAFETY: `code..code+len` is the stub code in our read-only data, and the destination
    // is the fresh, writable page mapped above; they cannot overlap.
    unsafe { std::ptr::copy_nonoverlapping(code as *const u8, p as *mut u8, len) };
    for (off, bytes) in patches {
        if off + bytes.len() > len {
            return Err(Error::Invalid("stub data patch outside the stub"));
        }
        // SAFETY: the patch lies inside the copied stub in our writable page (checked).
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), (p as *mut u8).add(*off), bytes.len()) };
    }
    // SAFETY: changes protection of the page we own.
    if unsafe { libc::mprotect(p, PAGE as usize, libc::PROT_READ | libc::PROT_EXEC) } != 0 {
        return Err(Error::last_os("mprotect(stub page)"));
    }
    Ok(())
}

/// Reserve the stub page at [`STUB_ADDR`] in the Sentry. Call it early, before large
/// mappings (the memory file) can take that address; [`PtracePlatform::new`] calls it too.
pub fn init() -> Result<()> {
    install_stub().map(|_| ())
}

/// The ptrace platform.
pub struct PtracePlatform {
    memfd: i32,
    layout: &'static StubLayout,
    /// Requests to the template thread: each gets back the pid of a new, parked stub.
    template: Mutex<mpsc::Sender<mpsc::Sender<Result<i32>>>>,
}

impl PtracePlatform {
    /// A platform whose address spaces map ranges of `memfd`, the memory file. The fd must
    /// stay open for the platform's lifetime.
    ///
    /// It starts the template thread, which forks and traces the template stub; every
    /// address space is a clone of the template, so creating one costs the same however
    /// large the Sentry grows. Dropping the platform ends the template, and with it every
    /// stub cloned from it.
    pub fn new(memfd: i32) -> Result<Self> {
        let layout = install_stub()?;
        let (tx, rx) = mpsc::channel::<mpsc::Sender<Result<i32>>>();
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("stub-template".into())
            .spawn(move || template_thread(memfd, layout, rx, ready_tx))
            .map_err(|e| Error::Host { call: "spawn(template thread)", errno: e })?;
        ready_rx.recv().map_err(|_| Error::Invalid("template thread died"))??;
        Ok(PtracePlatform { memfd, layout, template: Mutex::new(tx) })
    }

    /// A new stub, cloned from the template, traced by the calling thread.
    fn new_stub(&self) -> Result<i32> {
        let (tx, rx) = mpsc::channel();
        self.template
            .lock()
            .map_err(|_| Error::Invalid("template lock poisoned"))?
            .send(tx)
            .map_err(|_| Error::Invalid("template thread gone"))?;
        let pid = rx.recv().map_err(|_| Error::Invalid("template thread gone"))??;
        adopt(pid)?;
        Ok(pid)
    }
}

/// The template thread: owns (traces) the template stub and clones new stubs from it.
fn template_thread(
    memfd: i32,
    layout: &'static StubLayout,
    requests: mpsc::Receiver<mpsc::Sender<Result<i32>>>,
    ready: mpsc::Sender<Result<()>>,
) {
    let template = match make_template(memfd, layout) {
        Ok(t) => t,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    for reply in requests {
        let r = clone_stub(template, layout);
        if let Err(e) = &r {
            log::error!("cloning a stub from the template: {e}");
        }
        let _ = reply.send(r);
    }
    kill_and_reap(template);
}

fn make_template(memfd: i32, layout: &StubLayout) -> Result<i32> {
    let pid = spawn_stub(memfd)?;
    let opts = libc::PTRACE_O_EXITKILL | libc::PTRACE_O_TRACESYSGOOD | libc::PTRACE_O_TRACEFORK;
    // SAFETY: pid is our traced, stopped child.
    if unsafe { libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0, opts as libc::c_long) } != 0 {
        let e = Error::last_os("ptrace(SETOPTIONS template)");
        kill_and_reap(pid);
        return Err(e);
    }
    let r = remote_call(
        pid,
        layout.syscall_insn,
        libc::SYS_rt_sigaction,
        [libc::SIGCHLD as u64, layout.sigign, 0, 8, 0, 0],
        None,
    );
    if !matches!(r, Ok(0)) {
        kill_and_reap(pid);
        return Err(Error::Stub { pid, what: format!("ignoring SIGCHLD in the template: {r:?}") });
    }
    // No host system call runs in a stub but the Sentry's own; clones inherit the filter.
    let nnp =
        remote_call(pid, layout.syscall_insn, libc::SYS_prctl, [libc::PR_SET_NO_NEW_PRIVS as u64, 1, 0, 0, 0, 0], None);
    let filter = remote_call(pid, layout.syscall_insn, libc::SYS_seccomp, [1, 0, layout.fprog, 0, 0, 0], None);
    if !matches!(nnp, Ok(0)) || !matches!(filter, Ok(0)) {
        kill_and_reap(pid);
        return Err(Error::Stub { pid, what: format!("installing the stub's seccomp filter: {nnp:?} {filter:?}") });
    }
    Ok(pid)
}

/// Have the template fork; make the child die with the template, park it in `pause()`
/// and let it go for the requesting thread to seize.
fn clone_stub(template: i32, layout: &StubLayout) -> Result<i32> {
    let mut regs = get_regs(template)?;
    regs.rax = libc::SYS_clone as u64;
    regs.orig_rax = u64::MAX;
    regs.rdi = libc::SIGCHLD as u64;
    regs.rsi = 0;
    regs.rdx = 0;
    regs.r10 = 0;
    regs.r8 = 0;
    regs.rip = layout.syscall_insn;
    set_regs(template, &regs)?;
    resume(libc::PTRACE_CONT, template)?;
    let status = wait_stopped(template)?;
    if status >> 8 != (libc::SIGTRAP | (libc::PTRACE_EVENT_FORK << 8)) {
        return Err(Error::Stub { pid: template, what: format!("template clone stopped with {status:#x}") });
    }
    let mut msg: libc::c_ulong = 0;
    // SAFETY: GETEVENTMSG writes one unsigned long.
    if unsafe { libc::ptrace(libc::PTRACE_GETEVENTMSG, template, 0, &mut msg as *mut libc::c_ulong) } != 0 {
        return Err(Error::last_os("ptrace(GETEVENTMSG)"));
    }
    let child = msg as i32;
    resume(libc::PTRACE_CONT, template)?;
    let status = wait_stopped(template)?;
    if !stopped_with(status, libc::SIGTRAP) {
        kill_and_reap(child);
        return Err(Error::Stub { pid: template, what: format!("template after clone stopped with {status:#x}") });
    }
    // The child starts stopped (SIGSTOP), traced by this thread.
    let status = wait_stopped(child)?;
    if !stopped_with(status, libc::SIGSTOP) {
        kill_and_reap(child);
        return Err(Error::Stub { pid: child, what: format!("cloned stub stopped with {status:#x}") });
    }
    let r = remote_call(
        child,
        layout.syscall_insn,
        libc::SYS_prctl,
        [libc::PR_SET_PDEATHSIG as u64, libc::SIGKILL as u64, 0, 0, 0, 0],
        None,
    );
    if !matches!(r, Ok(0)) {
        kill_and_reap(child);
        return Err(Error::Stub { pid: child, what: format!("PR_SET_PDEATHSIG: {r:?}") });
    }
    let mut regs = get_regs(child)?;
    regs.rip = layout.pause_loop;
    regs.orig_rax = u64::MAX;
    set_regs(child, &regs)?;
    // SAFETY: detaching our own stopped tracee; it resumes in the pause loop.
    if unsafe { libc::ptrace(libc::PTRACE_DETACH, child, 0, 0) } != 0 {
        let e = Error::last_os("ptrace(DETACH)");
        kill_and_reap(child);
        return Err(e);
    }
    Ok(child)
}

/// Become the tracer of a parked stub and stop it, on the calling thread's CPU.
fn adopt(pid: i32) -> Result<()> {
    // TRACECLONE: threads the stub clones for the application start traced by us. (The
    // application's own clone calls never run on the host.)
    let opts = libc::PTRACE_O_EXITKILL | libc::PTRACE_O_TRACESYSGOOD | libc::PTRACE_O_TRACECLONE;
    // SAFETY: seizing a stub of ours that nobody traces.
    if unsafe { libc::ptrace(libc::PTRACE_SEIZE, pid, 0, opts as libc::c_long) } != 0 {
        let e = Error::last_os("ptrace(SEIZE)");
        // SAFETY: killing our own stub; the template reaps it.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        return Err(e);
    }
    // SAFETY: pid is now our tracee.
    if unsafe { libc::ptrace(libc::PTRACE_INTERRUPT, pid, 0, 0) } != 0 {
        let e = Error::last_os("ptrace(INTERRUPT)");
        kill_and_reap(pid);
        return Err(e);
    }
    let status = wait_stopped(pid)?;
    if status >> 16 != libc::PTRACE_EVENT_STOP {
        kill_and_reap(pid);
        return Err(Error::Stub { pid, what: format!("seized stub stopped with {status:#x}") });
    }
    // SAFETY: cpu_set_t is plain data.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: `set` is a valid cpu_set_t; placing the stub is only a performance matter.
    unsafe {
        if libc::sched_getaffinity(0, size, &mut set) == 0 {
            libc::sched_setaffinity(pid, size, &set);
        }
    }
    Ok(())
}

/// Run one system call in `pid` (stopped, traced by the calling thread) and return `rax`.
/// An interrupt (SIGSTOP) that arrives meanwhile is recorded in `kicked` for the next
/// switch to report.
fn remote_call(pid: i32, syscall_insn: u64, nr: i64, args: [u64; 6], kicked: Option<&AtomicBool>) -> Result<i64> {
    let mut regs = get_regs(pid)?;
    regs.rax = nr as u64;
    regs.orig_rax = u64::MAX;
    regs.rdi = args[0];
    regs.rsi = args[1];
    regs.rdx = args[2];
    regs.r10 = args[3];
    regs.r8 = args[4];
    regs.r9 = args[5];
    regs.rip = syscall_insn;
    set_regs(pid, &regs)?;
    loop {
        resume(libc::PTRACE_CONT, pid)?;
        let status = wait_stopped(pid)?;
        if status >> 16 == libc::PTRACE_EVENT_STOP {
            continue;
        }
        if stopped_with(status, libc::SIGSTOP) {
            if let Some(k) = kicked {
                k.store(true, Ordering::SeqCst);
            }
            continue;
        }
        let host_sent = libc::WIFSTOPPED(status) && get_siginfo(pid)?.si_code <= 0;
        if host_sent {
            // A signal from outside the sandbox: not ours to deliver; suppress it.
            continue;
        }
        if stopped_with(status, libc::SIGTRAP) {
            return Ok(get_regs(pid)?.rax as i64);
        }
        return Err(Error::Stub { pid, what: format!("remote syscall {nr} stopped with {status:#x}") });
    }
}

impl Platform for PtracePlatform {
    fn name(&self) -> &'static str {
        "ptrace"
    }

    fn max_user_address(&self) -> u64 {
        MAX_USER_ADDRESS
    }

    fn new_address_space(&self) -> Result<Arc<dyn AddressSpace>> {
        pin_current_thread();
        let pid = self.new_stub()?;
        let leader = match StubThread::new(pid) {
            Ok(t) => t,
            Err(e) => {
                kill_and_reap(pid);
                return Err(e);
            }
        };
        let mut threads = HashMap::new();
        threads.insert(gettid(), leader);
        Ok(Arc::new(PtraceAddressSpace {
            pid,
            memfd: self.memfd,
            syscall_insn: self.layout.syscall_insn,
            pause_loop: self.layout.pause_loop,
            threads: Mutex::new(threads),
            parked: Arc::new(Mutex::new(Vec::new())),
        }))
    }

    fn new_context(&self) -> Result<Box<dyn Context>> {
        Ok(Box::new(PtraceContext { kicked: Arc::new(AtomicBool::new(false)), target: Arc::new(Mutex::new(None)) }))
    }
}

fn pidfd_open(pid: i32, flags: u32) -> Result<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, flags) };
    if fd < 0 {
        return Err(Error::last_os("pidfd_open(stub)"));
    }
    // SAFETY: a fresh descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

fn gettid() -> i32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() }
}

/// Pin the calling thread to one CPU of its allowed set, chosen round-robin, unless it
/// already runs on a single CPU.
fn pin_current_thread() {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    // SAFETY: cpu_set_t is plain data; zeroed is a valid empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: `set` is a valid cpu_set_t of `size` bytes.
    if unsafe { libc::sched_getaffinity(0, size, &mut set) } != 0 {
        return;
    }
    // SAFETY: CPU_ISSET only reads the set.
    let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize).filter(|&c| unsafe { libc::CPU_ISSET(c, &set) }).collect();
    if cpus.len() <= 1 {
        return;
    }
    let cpu = cpus[NEXT.fetch_add(1, Ordering::Relaxed) % cpus.len()];
    // SAFETY: as above.
    let mut one: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `cpu` < CPU_SETSIZE.
    unsafe { libc::CPU_SET(cpu, &mut one) };
    // SAFETY: `one` is a valid set; failure leaves the thread unpinned, which is only slower.
    unsafe { libc::sched_setaffinity(0, size, &one) };
}

/// Fork a stub from the calling thread and wait for it to stop, stripped, for its tracer.
fn spawn_stub(memfd: i32) -> Result<i32> {
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    let rseq = current_rseq();
    let pid = raw_fork()?;
    if pid == 0 {
        enter_stub(memfd, parent, rseq);
    }
    let status = wait_stopped(pid)?;
    if !stopped_with(status, libc::SIGSTOP) {
        kill_and_reap(pid);
        return Err(Error::Stub { pid, what: format!("unexpected initial status {status:#x}") });
    }
    let opts = libc::PTRACE_O_EXITKILL | libc::PTRACE_O_TRACESYSGOOD;
    // SAFETY: pid is our traced, stopped child.
    if unsafe { libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0, opts as libc::c_long) } != 0 {
        let e = Error::last_os("ptrace(SETOPTIONS)");
        kill_and_reap(pid);
        return Err(e);
    }
    // The fork copied the Sentry thread's FP/SIMD registers; they may hold Sentry data.
    if let Err(e) = reset_fp_state(pid) {
        kill_and_reap(pid);
        return Err(e);
    }
    Ok(pid)
}

/// Put the stub's extended state in its architectural initial state: every XSAVE component
/// marked init (XSTATE_BV = 0, so x87, SSE, AVX... registers read as zero), the x87
/// control word 0x37f and MXCSR 0x1f80, as a fresh Linux process starts.
fn reset_fp_state(pid: i32) -> Result<()> {
    let mut buf = get_xstate(pid)?;
    if buf.len() < 576 {
        return Err(Error::Stub { pid, what: format!("XSAVE area of {} bytes", buf.len()) });
    }
    let mxcsr_mask = [buf[28], buf[29], buf[30], buf[31]];
    buf.fill(0);
    buf[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
    buf[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
    buf[28..32].copy_from_slice(&mxcsr_mask);
    set_xstate(pid, &buf)
}

fn get_xstate(pid: i32) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; XSTATE_MAX];
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: iov describes `buf`; the kernel writes at most iov_len bytes and updates it.
    if unsafe { libc::ptrace(libc::PTRACE_GETREGSET, pid, NT_X86_XSTATE, &mut iov as *mut libc::iovec) } != 0 {
        return Err(Error::last_os("ptrace(GETREGSET xstate)"));
    }
    buf.truncate(iov.iov_len);
    Ok(buf)
}

fn set_xstate(pid: i32, state: &[u8]) -> Result<()> {
    let mut copy = state.to_vec();
    let mut iov = libc::iovec { iov_base: copy.as_mut_ptr().cast(), iov_len: copy.len() };
    // SAFETY: iov describes `copy`, which the kernel only reads.
    if unsafe { libc::ptrace(libc::PTRACE_SETREGSET, pid, NT_X86_XSTATE, &mut iov as *mut libc::iovec) } != 0 {
        return Err(Error::last_os("ptrace(SETREGSET xstate)"));
    }
    Ok(())
}

/// fork(2) as a bare clone: the child runs only the stub's assembly, never libc.
fn raw_fork() -> Result<i32> {
    // SAFETY: clone with only SIGCHLD is fork; the child immediately jumps to the stub code
    // (`enter_stub`) without touching any lock or allocator state of the parent.
    let r = unsafe { libc::syscall(libc::SYS_clone, libc::SIGCHLD as libc::c_long, 0, 0, 0, 0) };
    if r < 0 {
        return Err(Error::last_os("clone(stub)"));
    }
    Ok(r as i32)
}

extern "C" {
    /// glibc (2.35+): offset of the thread's rseq area from the thread pointer.
    static __rseq_offset: isize;
    /// glibc (2.35+): size of the rseq area glibc registered, 0 if it did not register.
    static __rseq_size: u32;
}

/// The calling thread's rseq registration as (address, length), or (0, 0).
fn current_rseq() -> (u64, u64) {
    // SAFETY: glibc defines both as constants initialised before main.
    let (offset, size) = unsafe { (__rseq_offset, __rseq_size) };
    if size == 0 {
        return (0, 0);
    }
    let tp: u64;
    // SAFETY: on x86_64 glibc, fs:0 holds the thread pointer itself.
    unsafe { std::arch::asm!("mov {}, fs:0", out(reg) tp, options(nostack, readonly, preserves_flags)) };
    // glibc registers at least the original 32-byte area.
    (tp.wrapping_add(offset as u64), u64::from(size.max(32)))
}

fn enter_stub(memfd: i32, parent: i32, rseq: (u64, u64)) -> ! {
    // SAFETY: runs in the freshly forked child only. The stub page at STUB_ADDR was
    // installed before the fork and is inherited; its entry takes these three registers,
    // uses no stack and never returns.
    unsafe {
        std::arch::asm!(
            "jmp {entry}",
            entry = in(reg) STUB_ADDR,
            in("rdi") memfd as u64,
            in("rsi") parent as u64,
            in("rdx") STUB_ADDR,
            in("rcx") rseq.0,
            in("r8") rseq.1,
            options(noreturn),
        )
    }
}

fn wait_stopped(pid: i32) -> Result<i32> {
    let mut status = 0;
    loop {
        // SAFETY: `status` is a valid out-pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::__WALL) };
        if r == pid {
            break;
        }
        if r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        return Err(Error::last_os("waitpid(stub)"));
    }
    if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
        return Err(Error::Stub { pid, what: describe_death(status) });
    }
    Ok(status)
}

fn describe_death(status: i32) -> String {
    if libc::WIFEXITED(status) {
        format!("exited with status {}", libc::WEXITSTATUS(status))
    } else {
        format!("killed by signal {}", libc::WTERMSIG(status))
    }
}

fn stopped_with(status: i32, sig: i32) -> bool {
    libc::WIFSTOPPED(status) && libc::WSTOPSIG(status) == sig
}

fn kill_and_reap(pid: i32) {
    // SAFETY: pid is our own child; killing and reaping it has no memory effects.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        libc::waitpid(pid, std::ptr::null_mut(), libc::__WALL);
    }
}

fn get_regs(pid: i32) -> Result<PtRegs> {
    let mut regs = PtRegs::default();
    // SAFETY: PtRegs has the layout of user_regs_struct; the kernel writes exactly that.
    if unsafe { libc::ptrace(libc::PTRACE_GETREGS, pid, 0, &mut regs as *mut PtRegs) } != 0 {
        return Err(Error::last_os("ptrace(GETREGS)"));
    }
    Ok(regs)
}

fn set_regs(pid: i32, regs: &PtRegs) -> Result<()> {
    // SAFETY: the kernel reads a user_regs_struct, which PtRegs is laid out as.
    if unsafe { libc::ptrace(libc::PTRACE_SETREGS, pid, 0, regs as *const PtRegs) } != 0 {
        return Err(Error::last_os("ptrace(SETREGS)"));
    }
    Ok(())
}

fn resume(req: libc::c_uint, pid: i32) -> Result<()> {
    // SAFETY: pid is a stopped tracee of this thread; no signal is injected.
    if unsafe { libc::ptrace(req, pid, 0, 0) } != 0 {
        return Err(Error::last_os("ptrace(resume)"));
    }
    Ok(())
}

fn get_siginfo(pid: i32) -> Result<libc::siginfo_t> {
    // SAFETY: siginfo_t is plain data; zeroed is valid.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: the kernel writes one siginfo_t into `info`.
    if unsafe { libc::ptrace(libc::PTRACE_GETSIGINFO, pid, 0, &mut info as *mut libc::siginfo_t) } != 0 {
        return Err(Error::last_os("ptrace(GETSIGINFO)"));
    }
    Ok(info)
}

/// For a SIGSYS raised by the stub's seccomp filter on a vsyscall-page call, the system
/// call number it stands for.
fn vsyscall_number(sig: i32, info: &libc::siginfo_t) -> Option<u64> {
    const SYS_SECCOMP: i32 = 1;
    const VSYSCALL_PAGE: u64 = 0xffff_ffff_ff60_0000;
    if sig != libc::SIGSYS || info.si_code != SYS_SECCOMP {
        return None;
    }
    // SAFETY: siginfo_t is 128 bytes of plain data; the SIGSYS layout has si_call_addr at
    // offset 16 and si_syscall at offset 24.
    let raw: [u8; 128] = unsafe { std::mem::transmute_copy(info) };
    let call_addr = u64::from_le_bytes(raw[16..24].try_into().ok()?);
    let nr = i32::from_le_bytes(raw[24..28].try_into().ok()?);
    (call_addr & !0xfff == VSYSCALL_PAGE && nr >= 0).then_some(nr as u64)
}

fn siginfo_addr(info: &libc::siginfo_t) -> u64 {
    // SAFETY: si_addr reads the union's first word, which every siginfo has.
    unsafe { info.si_addr() as u64 }
}

/// One host thread of a stub process, traced by one Sentry thread.
struct StubThread {
    tid: i32,
    /// A thread pidfd (PIDFD_THREAD): signals through it reach this thread only, and never
    /// a thread that reused the tid after this one died.
    pidfd: Arc<OwnedFd>,
    /// Set when an interrupt stop was consumed by a remote call; the next switch reports it.
    kicked: AtomicBool,
}

impl StubThread {
    fn new(tid: i32) -> Result<Arc<Self>> {
        Ok(Arc::new(StubThread {
            tid,
            pidfd: Arc::new(pidfd_open(tid, PIDFD_THREAD)?),
            kicked: AtomicBool::new(false),
        }))
    }
}

/// `PIDFD_THREAD` (= O_EXCL): a pidfd for one thread rather than its thread group.
const PIDFD_THREAD: u32 = libc::O_EXCL as u32;

/// A stub process: one host address space holding memory-file mappings only.
///
/// Each Sentry thread running an application thread in the space traces its own host
/// thread of the stub ([`StubThread`]); mappings are made through the calling thread's.
/// Host threads whose application thread exited are parked (detached, in the stub's pause
/// loop) and reused for the next application thread, so their number stays at the
/// process's peak thread count.
pub struct PtraceAddressSpace {
    pid: i32,
    memfd: i32,
    syscall_insn: u64,
    pause_loop: u64,
    /// The stub thread each Sentry thread traces, by Sentry thread id.
    threads: Mutex<HashMap<i32, Arc<StubThread>>>,
    /// Detached stub threads waiting in the pause loop to be adopted.
    parked: Arc<Mutex<Vec<i32>>>,
}

/// The ptrace platform's [`ThreadSeed`]: a parked stub thread, parked again if unused.
struct ParkedThread {
    tid: i32,
    parked: Arc<Mutex<Vec<i32>>>,
    used: bool,
}

impl Drop for ParkedThread {
    fn drop(&mut self) {
        if !self.used {
            self.parked.lock().unwrap_or_else(|e| e.into_inner()).push(self.tid);
        }
    }
}

impl PtraceAddressSpace {
    /// Host pid of the stub process (for tests and diagnostics).
    pub fn stub_pid(&self) -> i32 {
        self.pid
    }

    /// Host thread ids of the stub's threads traced by Sentry threads (for tests).
    pub fn stub_threads(&self) -> Vec<i32> {
        self.threads.lock().unwrap_or_else(|e| e.into_inner()).values().map(|t| t.tid).collect()
    }

    /// The stub thread the calling Sentry thread traces.
    fn current(&self) -> Result<Arc<StubThread>> {
        let me = gettid();
        let threads = self.threads.lock().map_err(|_| Error::Invalid("address space lock poisoned"))?;
        match threads.get(&me) {
            Some(t) => Ok(t.clone()),
            None => Err(Error::WrongThread { tracer: threads.keys().next().copied().unwrap_or(0), actual: me }),
        }
    }

    /// Have the stub execute one system call and return its raw result.
    fn remote_syscall(&self, nr: i64, args: [u64; 6]) -> Result<i64> {
        let t = self.current()?;
        remote_call(t.tid, self.syscall_insn, nr, args, Some(&t.kicked))
    }

    fn remote_ok(&self, nr: i64, args: [u64; 6], call: &'static str) -> Result<()> {
        let r = self.remote_syscall(nr, args)?;
        if r < 0 {
            return Err(Error::Host { call, errno: std::io::Error::from_raw_os_error(-r as i32) });
        }
        Ok(())
    }

    fn check_range(addr: u64, len: u64) -> Result<()> {
        let end = addr.checked_add(len).ok_or(Error::Invalid("range overflows"))?;
        if !addr.is_multiple_of(PAGE) || !len.is_multiple_of(PAGE) || len == 0 || end > MAX_USER_ADDRESS {
            return Err(Error::Invalid("range outside the application's address space"));
        }
        Ok(())
    }

    /// Have the calling Sentry thread's stub thread clone a new host thread, park it in the
    /// pause loop and detach it. The new thread starts with a copy of the cloning thread's
    /// FP/SIMD state.
    fn clone_thread(&self) -> Result<i32> {
        let t = self.current()?;
        let flags = libc::CLONE_VM
            | libc::CLONE_FS
            | libc::CLONE_FILES
            | libc::CLONE_SIGHAND
            | libc::CLONE_THREAD
            | libc::CLONE_SYSVSEM;
        let mut regs = get_regs(t.tid)?;
        regs.rax = libc::SYS_clone as u64;
        regs.orig_rax = u64::MAX;
        regs.rdi = flags as u64;
        regs.rsi = 0;
        regs.rdx = 0;
        regs.r10 = 0;
        regs.r8 = 0;
        regs.rip = self.syscall_insn;
        set_regs(t.tid, &regs)?;
        let mut child = None;
        loop {
            resume(libc::PTRACE_CONT, t.tid)?;
            let status = wait_stopped(t.tid)?;
            if status >> 8 == (libc::SIGTRAP | (libc::PTRACE_EVENT_CLONE << 8)) {
                let mut msg: libc::c_ulong = 0;
                // SAFETY: GETEVENTMSG writes one unsigned long.
                if unsafe { libc::ptrace(libc::PTRACE_GETEVENTMSG, t.tid, 0, &mut msg as *mut libc::c_ulong) } != 0 {
                    return Err(Error::last_os("ptrace(GETEVENTMSG clone)"));
                }
                child = Some(msg as i32);
                continue;
            }
            if status >> 16 == libc::PTRACE_EVENT_STOP {
                continue;
            }
            if stopped_with(status, libc::SIGSTOP) {
                t.kicked.store(true, Ordering::SeqCst);
                continue;
            }
            if stopped_with(status, libc::SIGTRAP) {
                break;
            }
            if libc::WIFSTOPPED(status) && get_siginfo(t.tid)?.si_code <= 0 {
                continue;
            }
            return Err(Error::Stub { pid: t.tid, what: format!("remote clone stopped with {status:#x}") });
        }
        let rax = get_regs(t.tid)?.rax as i64;
        let child = match child {
            Some(c) if rax == i64::from(c) => c,
            _ => return Err(Error::Stub { pid: t.tid, what: format!("remote clone returned {rax}") }),
        };
        // The new thread starts auto-attached to us, in a ptrace stop.
        let status = wait_stopped(child)?;
        if !libc::WIFSTOPPED(status) {
            return Err(Error::Stub { pid: child, what: format!("new stub thread stopped with {status:#x}") });
        }
        let mut regs = get_regs(child)?;
        regs.rip = self.pause_loop;
        regs.orig_rax = u64::MAX;
        set_regs(child, &regs)?;
        // SAFETY: detaching our own stopped tracee; it resumes in the pause loop.
        if unsafe { libc::ptrace(libc::PTRACE_DETACH, child, 0, 0) } != 0 {
            return Err(Error::last_os("ptrace(DETACH thread)"));
        }
        Ok(child)
    }
}

impl AddressSpace for PtraceAddressSpace {
    fn map(&self, addr: u64, len: u64, file_offset: u64, prot: u32) -> Result<()> {
        Self::check_range(addr, len)?;
        let prot = prot & (mman::PROT_READ | mman::PROT_WRITE | mman::PROT_EXEC);
        let flags = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
        let r = self.remote_syscall(libc::SYS_mmap, [addr, len, prot as u64, flags, self.memfd as u64, file_offset])?;
        if r as u64 != addr {
            return Err(Error::Host { call: "mmap(stub)", errno: std::io::Error::from_raw_os_error((-r) as i32) });
        }
        Ok(())
    }

    fn unmap(&self, addr: u64, len: u64) -> Result<()> {
        Self::check_range(addr, len)?;
        self.remote_ok(libc::SYS_munmap, [addr, len, 0, 0, 0, 0], "munmap(stub)")
    }

    fn protect(&self, addr: u64, len: u64, prot: u32) -> Result<()> {
        Self::check_range(addr, len)?;
        let prot = prot & (mman::PROT_READ | mman::PROT_WRITE | mman::PROT_EXEC);
        self.remote_ok(libc::SYS_mprotect, [addr, len, prot as u64, 0, 0, 0], "mprotect(stub)")
    }

    fn prepare_thread(&self) -> Result<ThreadSeed> {
        let reuse = self.parked.lock().map_err(|_| Error::Invalid("parked list poisoned"))?.pop();
        let tid = match reuse {
            Some(tid) => tid,
            None => self.clone_thread()?,
        };
        Ok(ThreadSeed(Box::new(ParkedThread { tid, parked: self.parked.clone(), used: false })))
    }

    fn adopt_thread(&self, seed: ThreadSeed) -> Result<()> {
        let mut seed =
            seed.0.downcast::<ParkedThread>().map_err(|_| Error::Invalid("not a seed of a ptrace address space"))?;
        if !Arc::ptr_eq(&seed.parked, &self.parked) {
            return Err(Error::Invalid("seed of another address space"));
        }
        pin_current_thread();
        seed.used = true;
        let tid = seed.tid;
        // A failed adoption kills the thread (and with it the stub): the seed is spent.
        adopt(tid)?;
        let t = StubThread::new(tid)?;
        self.threads.lock().map_err(|_| Error::Invalid("address space lock poisoned"))?.insert(gettid(), t);
        Ok(())
    }

    fn release_thread(&self) {
        let me = gettid();
        let Some(t) = self.threads.lock().unwrap_or_else(|e| e.into_inner()).remove(&me) else {
            return;
        };
        // Park the stub thread for reuse. Its registers are the exited application
        // thread's; whoever adopts it sets its own.
        let parked = get_regs(t.tid).and_then(|mut regs| {
            regs.rip = self.pause_loop;
            regs.orig_rax = u64::MAX;
            set_regs(t.tid, &regs)?;
            // SAFETY: detaching our own stopped tracee; it resumes in the pause loop.
            if unsafe { libc::ptrace(libc::PTRACE_DETACH, t.tid, 0, 0) } != 0 {
                return Err(Error::last_os("ptrace(DETACH release)"));
            }
            Ok(())
        });
        match parked {
            Ok(()) => self.parked.lock().unwrap_or_else(|e| e.into_inner()).push(t.tid),
            Err(e) => log::warn!("stub thread {}: cannot park it: {e}", t.tid),
        }
    }

    fn cpu_time(&self) -> Result<std::time::Duration> {
        process_cpu_time(self.pid)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// CPU time of stub thread `tid` of stub `pid`. Linux refuses a per-thread CPU clock of
/// another process; the thread's schedstat (nanoseconds on CPU first) says the same.
/// Without procfs, the process's clock.
fn thread_cpu_time(pid: i32, tid: i32) -> Result<std::time::Duration> {
    if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/schedstat")) {
        if let Some(ns) = text.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()) {
            return Ok(std::time::Duration::from_nanos(ns));
        }
    }
    process_cpu_time(pid)
}

/// CPU time of every thread of stub `pid`: its scheduler CPU clock,
/// ((~pid) << 3) | CPUCLOCK_SCHED.
fn process_cpu_time(pid: i32) -> Result<std::time::Duration> {
    let clock = ((!pid) << 3) | 2;
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return Err(Error::last_os("clock_gettime(stub)"));
    }
    Ok(std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

impl Drop for PtraceAddressSpace {
    fn drop(&mut self) {
        kill_and_reap(self.pid);
    }
}

/// A register set run in a stub's thread.
pub struct PtraceContext {
    kicked: Arc<AtomicBool>,
    /// The stub thread the context last ran in, for the interrupter.
    target: Arc<Mutex<Option<Arc<OwnedFd>>>>,
}

const NT_X86_XSTATE: usize = 0x202;
const XSTATE_MAX: usize = 16384;

impl PtraceContext {
    fn stub(&self, space: &dyn AddressSpace) -> Result<Arc<StubThread>> {
        let s =
            space.as_any().downcast_ref::<PtraceAddressSpace>().ok_or(Error::Invalid("not a ptrace address space"))?;
        s.current()
    }

    fn take_kick(&self, t: &StubThread) -> bool {
        self.kicked.swap(false, Ordering::SeqCst) | t.kicked.swap(false, Ordering::SeqCst)
    }
}

impl Context for PtraceContext {
    fn switch(&mut self, space: &dyn AddressSpace, regs: &mut PtRegs) -> Result<Event> {
        let s = self.stub(space)?;
        {
            let mut t = self.target.lock().map_err(|_| Error::Invalid("context lock poisoned"))?;
            if !t.as_ref().is_some_and(|fd| Arc::ptr_eq(fd, &s.pidfd)) {
                *t = Some(s.pidfd.clone());
            }
        }
        let s = &*s;
        if self.take_kick(s) {
            return Ok(Event::Interrupted);
        }
        // No host syscall restart logic may apply to what we resume.
        regs.orig_rax = u64::MAX;
        set_regs(s.tid, regs)?;
        loop {
            resume(libc::PTRACE_SYSEMU, s.tid)?;
            let status = wait_stopped(s.tid)?;
            let sig = libc::WSTOPSIG(status);
            if sig == (libc::SIGTRAP | 0x80) {
                *regs = get_regs(s.tid)?;
                return Ok(Event::Syscall);
            }
            if status >> 16 == libc::PTRACE_EVENT_STOP {
                // A group-stop of a seized stub (nothing of ours): go on.
                continue;
            }
            if sig == libc::SIGSTOP {
                if self.take_kick(s) {
                    *regs = get_regs(s.tid)?;
                    return Ok(Event::Interrupted);
                }
                // A stray stop (not ours): swallow it and go on.
                continue;
            }
            let info = get_siginfo(s.tid)?;
            if info.si_code <= 0 {
                // Sent from outside the sandbox (kill/tgkill/sigqueue on the host, e.g. a
                // terminal's SIGWINCH): the application did not cause it, and signals for
                // the application come from the Sentry. Suppress it.
                log::debug!("stub {}: suppressed host signal {sig} (si_code {})", s.tid, info.si_code);
                continue;
            }
            *regs = get_regs(s.tid)?;
            let addr = siginfo_addr(&info);
            if let Some(nr) = vsyscall_number(sig, &info) {
                // The application called the legacy vsyscall page; the host refused to
                // run it (the stub's seccomp filter) after emulating the `ret`. Serve it as
                // the system call it stands for; the result lands in rax as usual.
                regs.orig_rax = nr;
                return Ok(Event::Syscall);
            }
            // SI_KERNEL (0x80): a general-protection fault (non-canonical address,
            // privileged instruction): no page to map, a SIGSEGV for the application.
            if sig == libc::SIGSEGV && info.si_code > 0 && info.si_code != 0x80 {
                let exec = addr >> 12 == regs.rip >> 12;
                return Ok(Event::Fault {
                    addr,
                    access: Access { read: !exec, write: false, exec },
                    protection: info.si_code == signal::SEGV_ACCERR,
                });
            }
            return Ok(Event::Signal { signo: sig, code: info.si_code, addr });
        }
    }

    fn fp_state(&mut self, space: &dyn AddressSpace) -> Result<Vec<u8>> {
        get_xstate(self.stub(space)?.tid)
    }

    fn set_fp_state(&mut self, space: &dyn AddressSpace, state: &[u8]) -> Result<()> {
        set_xstate(self.stub(space)?.tid, state)
    }

    fn cpu_time(&self, space: &dyn AddressSpace) -> Result<std::time::Duration> {
        (self.cpu_clock(space)?)()
    }

    fn cpu_clock(&self, space: &dyn AddressSpace) -> Result<crate::CpuClock> {
        let s =
            space.as_any().downcast_ref::<PtraceAddressSpace>().ok_or(Error::Invalid("not a ptrace address space"))?;
        let (pid, tid) = (s.pid, s.current()?.tid);
        Ok(Arc::new(move || thread_cpu_time(pid, tid)))
    }

    fn interrupter(&self) -> Interrupter {
        let kicked = self.kicked.clone();
        let target = self.target.clone();
        Interrupter::new(Arc::new(move || {
            kicked.store(true, Ordering::SeqCst);
            let fd = target.lock().ok().and_then(|t| t.clone());
            if let Some(fd) = fd {
                // SAFETY: pidfd_send_signal through our own pidfd of the stub; if the stub
                // is gone it fails with ESRCH and nothing else is signalled.
                unsafe {
                    libc::syscall(libc::SYS_pidfd_send_signal, fd.as_raw_fd(), libc::SIGSTOP, std::ptr::null::<u8>(), 0)
                };
            }
        }))
    }
}
