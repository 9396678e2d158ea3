//! Signal delivery to a thread: its own pending signals and its process's, default
//! actions, handler frames, and rt_sigreturn.

use kernel_abi::flags::signal::*;
use kernel_abi::{errno, return_errno, KResult, KernelSigaction, StackT};
use kernel_signal::frame::{self, Delivery, FrameError, UContext};
use kernel_signal::{bit, default_action, DefaultAction, Siginfo, UNBLOCKABLE};

use crate::task::{ExitStatus, Task};

/// An interrupted call that restart_syscall(2) resumes when no handler ran.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RestartBlock {
    /// A relative nanosleep/clock_nanosleep: sleep on to the same deadline.
    Sleep {
        /// When the sleep ends.
        deadline: std::time::Instant,
        /// Where the remaining time goes if interrupted again (0: nowhere).
        rem: u64,
    },
    /// A futex wait with a timeout.
    FutexWait {
        /// The futex's queue.
        key: crate::futex::Key,
        /// The futex word.
        uaddr: u64,
        /// The expected value.
        val: u32,
        /// The waiter's bitset.
        bitset: u32,
        /// When the wait ends.
        deadline: std::time::Instant,
    },
}

/// x86 trap numbers reported in `sigcontext.trapno`.
const TRAP_PF: u64 = 14;

impl Task {
    /// Whether `sig` is discarded when sent: its disposition ignores it and it is not
    /// blocked (a blocked signal stays pending, visible to sigpending and sigwait, and
    /// is discarded only when delivered).
    fn ignored(&self, sig: u32) -> bool {
        self.sigmask & bit(sig) == 0 && self.tg.ignores(sig)
    }

    /// Queue `info` for this thread. It is delivered on the way back to the application,
    /// after the current system call has its result.
    pub(crate) fn send_signal(&mut self, info: Siginfo) {
        let sig = info.signo as u32;
        if !(1..=NSIG).contains(&sig) {
            return;
        }
        self.tg.prepare_signal(sig);
        if sig == SIGCONT {
            self.pending.discard(crate::thread::STOP_SIGNALS);
        } else if bit(sig) & crate::thread::STOP_SIGNALS != 0 {
            self.pending.discard(bit(SIGCONT));
        }
        if self.ignored(sig) {
            return;
        }
        let limit = self.rlimit(kernel_abi::flags::rlimit::RLIMIT_SIGPENDING).min(1 << 16) as usize;
        if self.pending.enqueue(info, limit) == kernel_signal::Enqueued::Full && info.code >= 0 {
            self.pending.enqueue_overflow(sig);
        }
    }

    /// A synchronous signal caused by the task's own instruction (a fault, a trap). If it
    /// is blocked or ignored, Linux unblocks it and restores the default action, so it
    /// cannot be lost.
    pub(crate) fn force_signal(&mut self, info: Siginfo) {
        let sig = info.signo as u32;
        let idx = (sig - 1) as usize;
        {
            let mut acts = self.tg.actions();
            if self.sigmask & bit(sig) != 0 || acts[idx].handler == SIG_IGN {
                self.sigmask &= !bit(sig);
                acts[idx].handler = SIG_DFL;
            }
        }
        // A fault must be delivered even if the same signal is already pending.
        self.pending.discard(bit(sig));
        self.pending.enqueue(info, usize::MAX);
    }

    /// Move signals posted to the inbox into the pending set.
    pub(crate) fn take_inbox(&mut self) {
        let (infos, discard) = self.inbox.take();
        self.pending.discard(discard);
        for info in infos {
            self.send_signal(info);
        }
    }

    /// Whether a wait must end: a signal this thread will take is pending (its own or its
    /// process's), or the thread must exit.
    pub(crate) fn signal_pending(&self) -> bool {
        (self.pending.bits() | self.tg.shared_pending()) & !self.sigmask != 0 || self.tg.must_exit(self.tid).is_some()
    }

    /// Signals whose arrival ends an interruptible wait: not blocked, not ignored.
    /// (It also publishes the thread's mask, which every wait starts by computing.)
    pub(crate) fn wait_ignores(&self) -> u64 {
        self.shared.mask.store(self.sigmask, std::sync::atomic::Ordering::Relaxed);
        let mut ignore = self.sigmask;
        let acts = self.tg.actions();
        for sig in 1..=NSIG {
            let act = acts[(sig - 1) as usize].handler;
            let dfl = act == SIG_DFL;
            // SIGCONT's default action happened when it was sent; nothing to interrupt
            // for. (A stop does interrupt: the call restarts after the continue.)
            let no_effect = dfl && default_action(sig) == DefaultAction::Continue;
            let ignored = sig != SIGKILL
                && sig != SIGSTOP
                && (act == SIG_IGN || (dfl && default_action(sig) == DefaultAction::Ignore));
            if ignored || no_effect {
                ignore |= bit(sig);
            }
        }
        ignore
    }

    /// Sleep until `deadline` (`None`: until a signal), interruptibly: `Err(EINTR)` when a
    /// signal that will be delivered arrives (it is then pending). Signals the task
    /// ignores or blocks do not end the sleep.
    pub(crate) fn sleep_until(&mut self, deadline: Option<std::time::Instant>) -> KResult<()> {
        loop {
            if self.signal_pending() {
                return_errno!(EINTR);
            }
            let ignore = self.wait_ignores();
            match self.inbox.wait(deadline, ignore) {
                crate::inbox::Wake::TimedOut => return Ok(()),
                crate::inbox::Wake::Signalled | crate::inbox::Wake::Woken => self.take_inbox(),
            }
        }
    }

    /// Before reading or writing a passed-through host descriptor: wait until it is ready,
    /// interruptibly (ERESTARTSYS when a signal to deliver arrives), or EAGAIN at once for
    /// a non-blocking file that is not ready.
    pub(crate) fn wait_host_io(&mut self, fd: std::os::fd::RawFd, write: bool, nonblock: bool) -> KResult<()> {
        use kernel_fs::hostfd::{wait_ready, Readiness};
        loop {
            if self.signal_pending() {
                return_errno!(ERESTARTSYS);
            }
            match wait_ready(fd, write, self.inbox.event(), !nonblock) {
                Readiness::Ready => return Ok(()),
                Readiness::NotReady => return_errno!(EAGAIN),
                Readiness::Interrupted => self.take_inbox(),
            }
        }
    }

    /// Wait while the group is stopped by job control: until SIGCONT (sent to the
    /// process, or to this thread), SIGKILL, or the group's exit.
    pub(crate) fn wait_while_stopped(&mut self) {
        let wake_on = bit(SIGKILL) | bit(SIGCONT);
        loop {
            if !self.tg.stopped() || self.tg.must_exit(self.tid).is_some() {
                return;
            }
            self.take_inbox();
            if self.pending.bits() & bit(SIGCONT) != 0 {
                self.tg.continue_group();
                return;
            }
            if (self.pending.bits() | self.tg.shared_pending()) & bit(SIGKILL) != 0 {
                return;
            }
            let _ = self.inbox.wait(None, !wake_on);
        }
    }

    /// Sleep until SIGCHLD or a signal to deliver arrives (wait4 and waitid).
    pub(crate) fn wait_for_child_or_signal(&mut self) {
        let ignore = self.wait_ignores() & !crate::process::chld_bit();
        let _ = self.inbox.wait(None, ignore);
        self.take_inbox();
    }

    /// Run `op` on `f` until it stops answering EAGAIN, sleeping (interruptibly: a signal
    /// to deliver gives ERESTARTSYS) until the file wakes the task. A non-blocking file,
    /// or one that cannot wake waiters, returns EAGAIN as it is.
    pub(crate) fn io_wait<T>(
        &mut self,
        f: &std::sync::Arc<kernel_fs::File>,
        op: impl FnMut(&mut Task) -> KResult<T>,
    ) -> KResult<T> {
        self.io_wait_until(f, None, op)?.ok_or(kernel_abi::errno!(EAGAIN))
    }

    /// [`Task::io_wait`] that gives up at `deadline`: `Ok(None)` then.
    pub(crate) fn io_wait_until<T>(
        &mut self,
        f: &std::sync::Arc<kernel_fs::File>,
        deadline: Option<std::time::Instant>,
        mut op: impl FnMut(&mut Task) -> KResult<T>,
    ) -> KResult<Option<T>> {
        let nonblock = f.flags() & kernel_abi::flags::open::O_NONBLOCK != 0;
        loop {
            match op(self) {
                Err(e) if e.errno == kernel_abi::Errno::EAGAIN && !nonblock => {}
                r => return r.map(Some),
            }
            let waker: std::sync::Arc<dyn kernel_fs::pipe::Waker> = self.inbox.clone();
            let Some(id) = f.add_waiter(waker) else { return_errno!(EAGAIN) };
            // Check again now that a change would wake us.
            let r = op(self);
            if !matches!(&r, Err(e) if e.errno == kernel_abi::Errno::EAGAIN) {
                f.remove_waiter(id);
                return r.map(Some);
            }
            if self.signal_pending() {
                f.remove_waiter(id);
                return_errno!(ERESTARTSYS);
            }
            let ignore = self.wait_ignores();
            let woke = self.inbox.wait(deadline, ignore);
            f.remove_waiter(id);
            self.take_inbox();
            let late = deadline.is_some_and(|d| std::time::Instant::now() >= d);
            if matches!(woke, crate::inbox::Wake::TimedOut) || late {
                return match op(self) {
                    Err(e) if e.errno == kernel_abi::Errno::EAGAIN => Ok(None),
                    r => r.map(Some),
                };
            }
        }
    }

    /// Take a pending signal in `set` (without delivering it): the thread's own first,
    /// then its process's, lowest number first in each, as Linux.
    pub(crate) fn dequeue(&mut self, set: u64) -> Option<Siginfo> {
        // Synchronous signals (faults) go first.
        const SYNCHRONOUS: u64 = bit(SIGSEGV) | bit(SIGBUS) | bit(SIGILL) | bit(SIGTRAP) | bit(SIGFPE) | bit(SIGSYS);
        if let Some(i) = self.pending.dequeue(set & SYNCHRONOUS) {
            return Some(i);
        }
        let mut info = self.pending.dequeue(set).or_else(|| self.tg.dequeue_shared(set))?;
        if info.code == crate::sys_timer::SI_TIMER {
            self.tg.timers.lock().unwrap_or_else(|e| e.into_inner()).delivered(&mut info);
        }
        Some(info)
    }

    /// Wait for a signal in `set` (sigtimedwait): `Ok(Some(info))` when one is pending or
    /// arrives, `Ok(None)` at the deadline, EINTR when another signal is to be delivered.
    pub(crate) fn wait_for(&mut self, set: u64, deadline: Option<std::time::Instant>) -> KResult<Option<Siginfo>> {
        use std::sync::atomic::Ordering::Relaxed;
        // While the wait routes the set here, the signals stay blocked for the decision
        // to discard ignored ones (Linux's real_blocked).
        self.shared.real_blocked.store(self.sigmask, Relaxed);
        let r = self.wait_for_inner(set, deadline);
        self.shared.real_blocked.store(0, Relaxed);
        r
    }

    fn wait_for_inner(&mut self, set: u64, deadline: Option<std::time::Instant>) -> KResult<Option<Siginfo>> {
        loop {
            if let Some(info) = self.dequeue(set) {
                return Ok(Some(info));
            }
            if self.signal_pending() {
                return_errno!(EINTR);
            }
            // Signals in `set` end the wait even though blocked or ignored, and while it
            // waits the thread takes them: process-directed ones are routed here.
            let ignore = self.wait_ignores() & !set;
            self.shared.mask.store(self.sigmask & !set, std::sync::atomic::Ordering::Relaxed);
            match self.inbox.wait(deadline, ignore) {
                crate::inbox::Wake::TimedOut => return Ok(None),
                crate::inbox::Wake::Signalled | crate::inbox::Wake::Woken => self.take_inbox(),
            }
        }
    }

    /// Signals pending for the thread or its process while blocked (sigpending).
    pub(crate) fn blocked_pending(&self) -> u64 {
        (self.pending.bits() | self.tg.shared_pending()) & self.sigmask
    }

    /// Deliver every pending, unblocked signal, lowest number first: run its default
    /// action or push a handler frame (frames nest, the last pushed runs first).
    pub(crate) fn deliver_signals(&mut self) {
        while self.exit.is_none() {
            let Some(info) = self.dequeue(!self.sigmask) else { break };
            let sig = info.signo as u32;
            let act = self.tg.actions()[(sig - 1) as usize];
            match act.handler {
                SIG_IGN => {}
                SIG_DFL => {
                    self.default_action(sig, &info);
                    if self.tg.stopped() {
                        // The rest waits for the continue.
                        break;
                    }
                }
                _ => {
                    self.settle_restart(Some(act.flags));
                    self.run_handler(sig, info, act)
                }
            }
        }
        // No handler ran: an interrupted call restarts.
        self.settle_restart(None);
        // rt_sigsuspend's temporary mask ends here if no handler frame took it over.
        if let Some(m) = self.saved_mask.take() {
            self.sigmask = m;
        }
    }

    /// Resolve the restart code of an interrupted call (Linux's rules): with a handler
    /// (`handler_flags`), ERESTARTSYS restarts under SA_RESTART, ERESTARTNOINTR always,
    /// and the rest become EINTR; with none, every code restarts the call, and
    /// ERESTART_RESTARTBLOCK through restart_syscall(2).
    fn settle_restart(&mut self, handler_flags: Option<u64>) {
        use kernel_abi::Errno;
        let Some(code) = self.syscall_restart.take() else { return };
        if self.exit.is_some() {
            return;
        }
        let restart = match (code, handler_flags) {
            (Errno::ERESTARTNOINTR, _) => true,
            (Errno::ERESTARTSYS, Some(f)) => f & SA_RESTART != 0,
            (_, Some(_)) => false,
            (_, None) => true,
        };
        if !restart {
            self.regs.rax = Errno::EINTR.to_return();
            return;
        }
        self.regs.rax =
            if code == Errno::ERESTART_RESTARTBLOCK { kernel_abi::nr::RESTART_SYSCALL } else { self.regs.orig_rax };
        self.regs.rip = self.regs.rip.wrapping_sub(2);
    }

    fn default_action(&mut self, sig: u32, info: &Siginfo) {
        match default_action(sig) {
            DefaultAction::Ignore | DefaultAction::Continue => {}
            DefaultAction::Stop => {
                // Terminal stops (all but SIGSTOP) are discarded in an orphaned process
                // group: nobody could continue it.
                let orphaned =
                    sig != SIGSTOP && self.kernel.pgid_of(self.tgid).is_ok_and(|g| self.kernel.pgrp_orphaned(g));
                if !orphaned {
                    self.tg.group_stop(sig);
                }
            }
            DefaultAction::Terminate | DefaultAction::Core => {
                if self.kernel.strace {
                    eprintln!("--- {} {{si_code={}, si_addr={:#x}}} ---", name(sig), info.code, info.addr());
                    eprintln!("+++ killed by {} +++", name(sig));
                }
                self.exit = Some(self.tg.start_exit(ExitStatus::Signal(sig as i32)));
            }
        }
    }

    fn run_handler(&mut self, sig: u32, info: Siginfo, act: KernelSigaction) {
        if self.kernel.strace {
            eprintln!("--- {} {{si_code={}, si_pid={}}} ---", name(sig), info.code, info.pid());
        }
        match self.push_frame(sig, info, act) {
            Ok(()) => {
                if act.flags & SA_RESETHAND != 0 {
                    self.tg.actions()[(sig - 1) as usize].handler = SIG_DFL;
                }
            }
            Err(e) => {
                log::debug!("task {}: cannot deliver {}: {e:?}", self.tid, name(sig));
                // Linux's force_sigsegv: a SIGSEGV handler (on its alternate stack) may
                // still run, unless it is the SIGSEGV frame that failed.
                if sig == SIGSEGV {
                    self.tg.actions()[(SIGSEGV - 1) as usize].handler = SIG_DFL;
                }
                self.force_signal(Siginfo::fault(SIGSEGV, kernel_signal::info::SI_KERNEL, 0));
            }
        }
    }

    fn push_frame(&mut self, sig: u32, info: Siginfo, act: KernelSigaction) -> Result<(), FrameError> {
        let space = self.mm.address_space().clone();
        let xstate = self.ctx.fp_state(&*space).map_err(|_| FrameError::BadXstate)?;
        let is_fault = matches!(sig, SIGSEGV | SIGBUS) && info.code > 0 && info.code != kernel_signal::info::SI_KERNEL;
        // x86 trap numbers: #PF 14, #GP 13, #UD 6, #BP 3, #DE 0.
        let trapno = match sig {
            _ if is_fault => TRAP_PF,
            SIGSEGV if info.code == kernel_signal::info::SI_KERNEL => 13,
            SIGILL => 6,
            SIGTRAP => 3,
            _ => 0,
        };
        let layout = frame::build(&Delivery {
            regs: &self.regs,
            info,
            action: act,
            mask: self.saved_mask.take().unwrap_or(self.sigmask),
            blocked: self.sigmask,
            altstack: self.altstack,
            xstate: &xstate,
            cr2: if is_fault { info.addr() } else { 0 },
            trapno,
            // Page-fault error code: user mode, and a protection (not a missing-page)
            // fault for SEGV_ACCERR. ptrace does not tell writes from reads.
            err: if is_fault { 4 | u64::from(info.code == SEGV_ACCERR) } else { 0 },
        })?;
        self.mm.copy_out(layout.fpstate, &layout.fp).map_err(|_| FrameError::NoRoom)?;
        self.mm.copy_out(layout.frame, &layout.head).map_err(|_| FrameError::NoRoom)?;
        // The handler starts with a clean FP state, as on Linux.
        self.ctx.set_fp_state(&*space, &frame::init_xstate(&xstate)).map_err(|_| FrameError::BadXstate)?;
        self.regs = layout.regs;
        self.sigmask = layout.mask;
        if layout.disarm_altstack {
            self.altstack = StackT { ss_flags: SS_DISABLE, ..Default::default() };
        }
        Ok(())
    }

    /// rt_sigreturn(2): restore what the frame below the stack pointer holds.
    pub(crate) fn sigreturn(&mut self) -> KResult<u64> {
        // The handler's `ret` popped the return address: the ucontext is at rsp.
        let uc: UContext = match self.mm.read_val(self.regs.rsp) {
            Ok(uc) => uc,
            Err(_) => return self.bad_frame(),
        };
        // Only 64-bit user code is supported: any other code segment is refused.
        if uc.uc_mcontext.cs | 3 != 0x33 {
            return self.bad_frame();
        }
        if self.restore_fp(uc.uc_mcontext.fpstate).is_err() {
            return self.bad_frame();
        }
        self.regs = frame::restore_regs(&uc, &self.regs);
        self.sigmask = uc.uc_sigmask & !UNBLOCKABLE;
        // The frame's alternate stack matters only to re-arm a stack SS_AUTODISARM took
        // away: Linux applies it with sigaltstack's rules and ignores the errors, and an
        // armed stack is not changed from a frame (checked against Linux 6.x by the
        // conformance program altstack_sigreturn).
        let ss = uc.uc_stack;
        if self.altstack.ss_flags & SS_DISABLE != 0 {
            match ss.ss_flags & !SS_AUTODISARM {
                0 | SS_ONSTACK if ss.ss_size >= MINSIGSTKSZ => {
                    self.altstack = StackT { ss_flags: ss.ss_flags & SS_AUTODISARM, ..ss };
                }
                _ => {}
            }
        }
        Ok(self.regs.rax)
    }

    /// Restore the FP state a frame points to, as Linux does: none (0) means the initial
    /// state; a consistent XSAVE image (both magics) is restored whole, however much of
    /// the current layout it covers; anything else restores the legacy x87/SSE part only.
    fn restore_fp(&mut self, fpstate: u64) -> KResult<()> {
        let space = self.mm.address_space().clone();
        let cur = self.ctx.fp_state(&*space).map_err(|_| errno!(EFAULT))?;
        if fpstate == 0 {
            let init = frame::init_xstate(&cur);
            return self.ctx.set_fp_state(&*space, &init).map_err(|_| errno!(EFAULT));
        }
        let mut legacy = [0u8; 512];
        self.mm.copy_in(fpstate, &mut legacy)?;
        let full = match frame::xstate_size(&legacy) {
            Some(size) => {
                let mut buf = vec![0u8; size + 4];
                self.mm.copy_in(fpstate, &mut buf)?;
                (buf[size..] == frame::FP_XSTATE_MAGIC2.to_le_bytes()).then(|| {
                    buf.truncate(size);
                    buf
                })
            }
            None => None,
        };
        let state = frame::restored_xstate(&cur, &legacy, full.as_deref());
        self.ctx.set_fp_state(&*space, &state).map_err(|_| errno!(EFAULT))
    }

    fn bad_frame(&mut self) -> KResult<u64> {
        log::debug!("task {}: rt_sigreturn with a bad frame at {:#x}", self.tid, self.regs.rsp);
        self.force_signal(Siginfo::fault(SIGSEGV, kernel_signal::info::SI_KERNEL, 0));
        Ok(self.regs.rax)
    }
}

fn name(sig: u32) -> &'static str {
    kernel_abi::flags::signal::name(sig)
}
