//! Thread groups: what the threads of one process share (signal dispositions, the
//! process-directed pending set, resource limits, the interval timer, the group exit),
//! clone for threads, thread exit, and the thread-group reset of execve.
//!
//! # Lock order
//!
//! `ThreadGroup::members` before `ThreadGroup::shared`; `sigactions` and `rlimits` are
//! leaf locks. No thread-group lock is held across a blocking wait or a platform call.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};

use kernel_abi::flags::clone::*;
use kernel_abi::flags::rlimit::*;
use kernel_abi::flags::signal::*;
use kernel_abi::{errno, return_errno, KResult, KernelSigaction, Rlimit, StackT};
use kernel_signal::{bit, default_action, DefaultAction, SigQueue, Siginfo};

use crate::task::{ExitStatus, Task};
use crate::Inbox;

/// What `/proc/PID` shows of a process, kept up to date at exec, fork and the changes
/// it reports.
#[derive(Clone, Default)]
pub(crate) struct ProcView {
    /// The executable's absolute path (symbolic links resolved).
    pub exe: Vec<u8>,
    pub mm: Weak<kernel_mm::MemoryManager>,
    pub fds: Weak<Mutex<kernel_fs::FdTable>>,
    pub fs: Weak<Mutex<crate::task::FsInfo>>,
    /// The main thread's name.
    pub comm: [u8; 16],
    /// Where argv's and envp's strings lie.
    pub args: (u64, u64),
    pub env: (u64, u64),
    pub start_stack: u64,
    /// Start time in clock ticks since the sandbox's kernel started.
    pub start_ticks: u64,
}

/// A thread's ids and capabilities as `/proc` shows them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdView {
    pub uid: u32,
    pub euid: u32,
    pub suid: u32,
    pub fsuid: u32,
    pub gid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub fsgid: u32,
    pub cap_permitted: u64,
    pub cap_effective: u64,
    pub cap_inheritable: u64,
    pub cap_bounding: u64,
}

impl IdView {
    pub(crate) fn of(c: &crate::creds::Creds) -> IdView {
        IdView {
            uid: c.uid,
            euid: c.euid,
            suid: c.suid,
            fsuid: c.fsuid,
            gid: c.gid,
            egid: c.egid,
            sgid: c.sgid,
            fsgid: c.fsgid,
            cap_permitted: c.cap_permitted,
            cap_effective: c.cap_effective,
            cap_inheritable: c.cap_inheritable,
            cap_bounding: c.cap_bounding,
        }
    }
}

/// What other threads may read or set of a thread.
#[derive(Default)]
pub(crate) struct ThreadShared {
    /// The thread's signal mask as of its last trip through the Sentry: where a
    /// process-directed signal is routed.
    pub mask: AtomicU64,
    /// The mask a signal wait (sigtimedwait) lifted for routing: still blocked for the
    /// decision to discard an ignored signal.
    pub real_blocked: AtomicU64,
    /// The thread's nice value (setpriority).
    pub nice: std::sync::atomic::AtomicI32,
    /// sched_setaffinity's mask (advisory: the platform decides host placement).
    pub affinity: Mutex<Option<Vec<u8>>>,
    /// Reads the thread's CPU time (per-thread CPU clocks read by other threads).
    pub cpu_clock: Mutex<Option<platform::CpuClock>>,
    /// The thread's ids, for `/proc`.
    pub ids: Mutex<IdView>,
}

impl ThreadShared {
    /// A new thread's: `mask`, and the creator's nice value and affinity.
    pub(crate) fn inherit(mask: u64, from: Option<&ThreadShared>) -> Arc<ThreadShared> {
        let s = ThreadShared { mask: AtomicU64::new(mask), ..Default::default() };
        if let Some(f) = from {
            s.nice.store(f.nice.load(Ordering::Relaxed), Ordering::Relaxed);
            *s.affinity.lock().unwrap_or_else(|e| e.into_inner()) = f.affinity().clone();
            *s.ids.lock().unwrap_or_else(|e| e.into_inner()) = *f.ids.lock().unwrap_or_else(|e| e.into_inner());
        }
        Arc::new(s)
    }

    pub(crate) fn affinity(&self) -> MutexGuard<'_, Option<Vec<u8>>> {
        self.affinity.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A live thread of a group, as other threads see it.
pub(crate) struct Member {
    pub tid: i32,
    pub inbox: Arc<Inbox>,
    pub shared: Arc<ThreadShared>,
}

/// How a group is being torn down.
#[derive(Clone, Copy, Debug, Default)]
struct Teardown {
    /// exit_group or a fatal signal: every thread exits with this status.
    exit: Option<ExitStatus>,
    /// execve in this thread: every other thread exits.
    exec_by: Option<i32>,
}

/// What the threads of one process share.
pub(crate) struct ThreadGroup {
    pub tgid: i32,
    kernel: std::sync::Weak<crate::task::Kernel>,
    /// Job control: the signal that stopped the group, while it is stopped.
    stopped: Mutex<Option<u32>>,
    /// What `/proc/PID` shows.
    view: Mutex<ProcView>,
    pub sigactions: Mutex<[KernelSigaction; NSIG as usize]>,
    pub rlimits: Mutex<[Rlimit; RLIM_NLIMITS as usize]>,
    pub itimer: Mutex<crate::sys_time::RealTimer>,
    /// ITIMER_VIRTUAL and ITIMER_PROF.
    pub itimer_cpu: [crate::cputimer::CpuTimer; 2],
    pub timers: Mutex<crate::sys_timer::PosixTimers>,
    members: Mutex<Vec<Member>>,
    /// Signals sent to the process, for whichever thread takes them first.
    shared: Mutex<SigQueue>,
    /// `shared`'s set, readable without the lock.
    shared_bits: AtomicU64,
    teardown: Mutex<Teardown>,
    /// Set while `teardown` says some threads must go.
    dying: AtomicBool,
    /// Signalled when a member leaves.
    left: Condvar,
    /// PR_SET_DUMPABLE.
    dumpable: AtomicBool,
    /// PR_SET_THP_DISABLE.
    thp_disable: AtomicBool,
    /// Woken when a process-directed signal is queued (signalfds being polled).
    signal_waiters: kernel_fs::pipe::WakerList,
    /// Woken when the process ends (pidfds being polled).
    exit_waiters: kernel_fs::pipe::WakerList,
    /// The status the process ended with, once its last thread is gone.
    ended: Mutex<Option<ExitStatus>>,
    ended_cv: Condvar,
}

impl ThreadGroup {
    pub(crate) fn new(
        kernel: &Arc<crate::task::Kernel>,
        tgid: i32,
        sigactions: [KernelSigaction; NSIG as usize],
        rlimits: [Rlimit; RLIM_NLIMITS as usize],
    ) -> Arc<ThreadGroup> {
        Arc::new(ThreadGroup {
            tgid,
            kernel: Arc::downgrade(kernel),
            stopped: Mutex::new(None),
            view: Mutex::new(ProcView::default()),
            sigactions: Mutex::new(sigactions),
            rlimits: Mutex::new(rlimits),
            itimer: Mutex::default(),
            itimer_cpu: Default::default(),
            timers: Mutex::default(),
            members: Mutex::new(Vec::new()),
            shared: Mutex::new(SigQueue::default()),
            shared_bits: AtomicU64::new(0),
            teardown: Mutex::new(Teardown::default()),
            dying: AtomicBool::new(false),
            left: Condvar::new(),
            dumpable: AtomicBool::new(true),
            thp_disable: AtomicBool::new(false),
            exit_waiters: Default::default(),
            signal_waiters: Default::default(),
            ended: Mutex::new(None),
            ended_cv: Condvar::new(),
        })
    }

    /// What `/proc/PID` shows now.
    pub(crate) fn view(&self) -> ProcView {
        self.view.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Change what `/proc/PID` shows.
    pub(crate) fn update_view(&self, f: impl FnOnce(&mut ProcView)) {
        f(&mut self.view.lock().unwrap_or_else(|e| e.into_inner()));
    }

    pub(crate) fn dumpable(&self) -> bool {
        self.dumpable.load(Ordering::Relaxed)
    }

    pub(crate) fn set_dumpable(&self, on: bool) {
        self.dumpable.store(on, Ordering::Relaxed);
    }

    pub(crate) fn thp_disable(&self) -> bool {
        self.thp_disable.load(Ordering::Relaxed)
    }

    pub(crate) fn set_thp_disable(&self, on: bool) {
        self.thp_disable.store(on, Ordering::Relaxed);
    }

    fn members(&self) -> MutexGuard<'_, Vec<Member>> {
        self.members.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn actions(&self) -> MutexGuard<'_, [KernelSigaction; NSIG as usize]> {
        self.sigactions.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn limits(&self) -> MutexGuard<'_, [Rlimit; RLIM_NLIMITS as usize]> {
        self.rlimits.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn add_member(&self, m: Member) {
        self.members().push(m);
    }

    pub(crate) fn member_count(&self) -> usize {
        self.members().len()
    }

    /// What other threads see of live thread `tid` of this group.
    pub(crate) fn member_shared(&self, tid: i32) -> Option<Arc<ThreadShared>> {
        self.members().iter().find(|m| m.tid == tid).map(|m| m.shared.clone())
    }

    /// The ids of the live threads.
    pub(crate) fn all_tids(&self) -> Vec<i32> {
        self.members().iter().map(|m| m.tid).collect()
    }

    /// What other threads see of every live thread of this group.
    pub(crate) fn all_shared(&self) -> Vec<Arc<ThreadShared>> {
        self.members().iter().map(|m| m.shared.clone()).collect()
    }

    /// The inbox of live thread `tid` of this group.
    pub(crate) fn member_inbox(&self, tid: i32) -> Option<Arc<Inbox>> {
        self.members().iter().find(|m| m.tid == tid).map(|m| m.inbox.clone())
    }

    /// Wake every thread out of an interruptible wait (children changed state).
    pub(crate) fn wake_all(&self) {
        for m in self.members().iter() {
            kernel_fs::pipe::Waker::wake(&*m.inbox);
        }
    }

    /// Whether the disposition of `sig` discards it.
    pub(crate) fn ignores(&self, sig: u32) -> bool {
        let act = self.actions()[(sig - 1) as usize].handler;
        sig != SIGKILL
            && sig != SIGSTOP
            && (act == SIG_IGN || (act == SIG_DFL && default_action(sig) == DefaultAction::Ignore))
    }

    /// A process-directed signal: queue it for the group and wake a thread that does not
    /// block it (the main thread first, as Linux). EAGAIN when a real-time signal finds
    /// the queue full.
    pub(crate) fn post(&self, info: Siginfo) -> KResult<()> {
        let sig = info.signo as u32;
        if !(1..=NSIG).contains(&sig) {
            return Ok(());
        }
        self.cancel_job_control(sig);
        let r = self.queue_signal(info);
        // Continue only once the SIGCONT is queued, so the continued threads find it.
        if sig == SIGCONT {
            self.continue_group();
        }
        r
    }

    fn queue_signal(&self, info: Siginfo) -> KResult<()> {
        let sig = info.signo as u32;
        let members = self.members();
        // A signal blocked everywhere waits even when ignored: the disposition may change
        // before it is unblocked.
        let blocked_by_all = !members.is_empty()
            && members.iter().all(|m| {
                (m.shared.mask.load(Ordering::Relaxed) | m.shared.real_blocked.load(Ordering::Relaxed)) & bit(sig) != 0
            });
        if self.ignores(sig) && !blocked_by_all {
            return Ok(());
        }
        // RLIMIT_SIGPENDING bounds queued real-time signals: sigqueue and timers get
        // EAGAIN; kill's signal is still made pending, once, without its information.
        let limit = self.limits()[RLIMIT_SIGPENDING as usize].rlim_cur.min(1 << 16) as usize;
        {
            let mut q = self.shared.lock().unwrap_or_else(|e| e.into_inner());
            if q.enqueue(info, limit) == kernel_signal::Enqueued::Full {
                if info.code < 0 {
                    return_errno!(EAGAIN);
                }
                q.enqueue_overflow(sig);
            }
            self.shared_bits.store(q.bits(), Ordering::SeqCst);
        }
        self.signal_waiters.wake_all();
        let target = members.iter().find(|m| m.shared.mask.load(Ordering::Relaxed) & bit(sig) == 0);
        if let Some(m) = target {
            m.inbox.notify(sig);
        } else if sig == SIGKILL {
            for m in members.iter() {
                m.inbox.notify(sig);
            }
        }
        Ok(())
    }

    /// Job control acts when a signal is sent (to the process or any of its threads),
    /// whatever its disposition: SIGCONT continues a stopped group and cancels pending
    /// stops everywhere; a stop signal cancels pending SIGCONTs.
    pub(crate) fn prepare_signal(&self, sig: u32) {
        self.cancel_job_control(sig);
        if sig == SIGCONT {
            self.continue_group();
        }
    }

    /// The cancelling half of [`ThreadGroup::prepare_signal`].
    pub(crate) fn cancel_job_control(&self, sig: u32) {
        let cancel = if sig == SIGCONT {
            STOP_SIGNALS
        } else if bit(sig) & STOP_SIGNALS != 0 {
            bit(SIGCONT)
        } else {
            return;
        };
        self.discard_shared(cancel);
        for m in self.members().iter() {
            m.inbox.discard(cancel);
        }
    }

    /// Whether the group is stopped by job control.
    pub(crate) fn stopped(&self) -> bool {
        self.stopped.lock().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    /// Stop the group (a stop signal's default action): every thread stops before it
    /// next runs application code, and the parent learns of it.
    pub(crate) fn group_stop(&self, sig: u32) {
        {
            let mut s = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
            if s.is_some() {
                return;
            }
            *s = Some(sig);
        }
        for m in self.members().iter() {
            m.inbox.notify(sig);
        }
        if let Some(k) = self.kernel.upgrade() {
            k.report_job_control(self.tgid, Some(sig as i32));
        }
    }

    /// Continue a stopped group (SIGCONT), telling the parent.
    pub(crate) fn continue_group(&self) {
        if self.stopped.lock().unwrap_or_else(|e| e.into_inner()).take().is_none() {
            return;
        }
        for m in self.members().iter() {
            m.inbox.notify(SIGCONT);
        }
        if let Some(k) = self.kernel.upgrade() {
            k.report_job_control(self.tgid, None);
        }
    }

    /// The set of process-directed signals pending.
    pub(crate) fn shared_pending(&self) -> u64 {
        self.shared_bits.load(Ordering::SeqCst)
    }

    /// Take a process-directed signal in `set`.
    pub(crate) fn dequeue_shared(&self, set: u64) -> Option<Siginfo> {
        if self.shared_pending() & set == 0 {
            return None;
        }
        let mut q = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let info = q.dequeue(set);
        self.shared_bits.store(q.bits(), Ordering::SeqCst);
        info
    }

    /// Drop pending process-directed instances of `set` (their disposition ignores them).
    pub(crate) fn discard_shared(&self, set: u64) {
        let mut q = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        q.discard(set);
        self.shared_bits.store(q.bits(), Ordering::SeqCst);
    }

    /// Start exit_group (or a fatal signal's group exit) with `status`; the first
    /// status wins. Every other thread is kicked out of what it is doing.
    pub(crate) fn start_exit(&self, status: ExitStatus) -> ExitStatus {
        let status = {
            let mut t = self.teardown.lock().unwrap_or_else(|e| e.into_inner());
            *t.exit.get_or_insert(status)
        };
        self.dying.store(true, Ordering::SeqCst);
        for m in self.members().iter() {
            m.inbox.notify(SIGKILL);
        }
        status
    }

    /// Whether thread `tid` must stop: the status it ends with.
    pub(crate) fn must_exit(&self, tid: i32) -> Option<ExitStatus> {
        if !self.dying.load(Ordering::SeqCst) {
            return None;
        }
        let t = self.teardown.lock().unwrap_or_else(|e| e.into_inner());
        match (t.exit, t.exec_by) {
            (Some(s), _) => Some(s),
            (None, Some(by)) if by != tid => Some(ExitStatus::Signal(SIGKILL as i32)),
            _ => None,
        }
    }

    /// Remove thread `tid`. Returns whether it was the last one.
    fn leave(&self, tid: i32) -> bool {
        let mut m = self.members();
        m.retain(|x| x.tid != tid);
        let last = m.is_empty();
        drop(m);
        self.left.notify_all();
        last
    }

    /// Record the process's end for [`ThreadGroup::wait_ended`] and pidfd pollers.
    fn set_ended(&self, status: ExitStatus) {
        *self.ended.lock().unwrap_or_else(|e| e.into_inner()) = Some(status);
        self.ended_cv.notify_all();
        self.exit_waiters.wake_and_clear();
    }

    /// Whether the process has ended.
    pub(crate) fn has_ended(&self) -> bool {
        self.ended.lock().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    /// Register a waker for the process's end.
    pub(crate) fn add_exit_waiter(&self, w: Arc<dyn kernel_fs::pipe::Waker>) -> u64 {
        self.exit_waiters.add(w)
    }

    /// Register a waker for process-directed signals being queued.
    pub(crate) fn add_signal_waiter(&self, w: Arc<dyn kernel_fs::pipe::Waker>) -> u64 {
        self.signal_waiters.add(w)
    }

    /// Remove a waker registered by [`ThreadGroup::add_signal_waiter`].
    pub(crate) fn remove_signal_waiter(&self, id: u64) {
        self.signal_waiters.remove(id);
    }

    /// Remove a waker registered by [`ThreadGroup::add_exit_waiter`].
    pub(crate) fn remove_exit_waiter(&self, id: u64) {
        self.exit_waiters.remove(id);
    }

    /// Wait until the last thread of the group has exited.
    pub(crate) fn wait_ended(&self) -> ExitStatus {
        let mut e = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(s) = *e {
                return s;
            }
            e = self.ended_cv.wait(e).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The status of a group exit in progress.
    fn exit_status(&self) -> Option<ExitStatus> {
        self.teardown.lock().unwrap_or_else(|e| e.into_inner()).exit
    }
}

/// Whether the caller may send `sig` to process `group` (kill(2)'s permission rule): its
/// real or effective uid is the target's real or saved uid, or it has CAP_KILL;
/// SIGCONT within the session is always allowed.
pub(crate) fn may_signal(t: &Task, group: &ThreadGroup, sig: u32) -> KResult<()> {
    const CAP_KILL: u32 = 5;
    if t.creds.capable(CAP_KILL) || t.tgid == group.tgid {
        return Ok(());
    }
    let Some(shared) = group.all_shared().into_iter().next() else { return Ok(()) };
    let ids = *shared.ids.lock().unwrap_or_else(|e| e.into_inner());
    let c = &t.creds;
    if c.euid == ids.suid || c.euid == ids.uid || c.uid == ids.suid || c.uid == ids.uid {
        return Ok(());
    }
    if sig == SIGCONT && t.kernel.sid_of(t.tgid).ok() == t.kernel.sid_of(group.tgid).ok() {
        return Ok(());
    }
    return_errno!(EPERM)
}

/// The signals whose default action stops the process.
pub(crate) const STOP_SIGNALS: u64 = bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU);

/// What a new thread's Sentry thread needs.
struct ThreadStart {
    task: Task,
    seed: platform::ThreadSeed,
    fp: Vec<u8>,
}

impl Task {
    /// clone(2) of a task sharing this one's memory (CLONE_VM): a thread of this process
    /// with CLONE_THREAD, otherwise a new child process in the same address space (vfork,
    /// posix_spawn). Files and fs context are shared or copied as the flags say.
    pub(crate) fn clone_shared_vm(&mut self, flags: u64, newsp: u64, ptid: u64, ctid: u64, tls: u64) -> KResult<u64> {
        let thread = flags & CLONE_THREAD != 0;
        let known = CLONE_VM
            | CLONE_VFORK
            | CLONE_FS
            | CLONE_FILES
            | CLONE_SIGHAND
            | CLONE_THREAD
            | CLONE_SYSVSEM
            | CLONE_SETTLS
            | CLONE_PARENT_SETTID
            | CLONE_CHILD_CLEARTID
            | CLONE_CHILD_SETTID
            | CLONE_DETACHED
            | CLONE_IO;
        let exit_signal = flags & CSIGNAL;
        if flags & !(known | CSIGNAL) != 0 || (thread && exit_signal != 0) || (!thread && flags & CLONE_SIGHAND != 0) {
            self.kernel.log_once(Some(kernel_abi::nr::CLONE), "clone of shared memory with unsupported flags: ENOSYS");
            return_errno!(ENOSYS);
        }
        if self.tg.must_exit(self.tid).is_some() {
            // Linux refuses new threads in a dying group.
            return_errno!(EAGAIN);
        }
        let limit = self.task_limit();
        let tid = if thread { self.kernel.alloc_tid(self.tgid, limit)? } else { self.kernel.alloc_pid(limit)? };
        let release = |k: &crate::task::Kernel| if thread { k.release_tid(tid) } else { k.release_pid(tid) };
        let space = self.mm.address_space().clone();
        let prepared = (|| -> KResult<(platform::ThreadSeed, Vec<u8>)> {
            let fp = self.ctx.fp_state(&*space).map_err(|_| errno!(ENOMEM))?;
            let seed = space.prepare_thread().map_err(|e| {
                log::error!("preparing a thread in the stub: {e}");
                errno!(EAGAIN)
            })?;
            Ok((seed, fp))
        })();
        let (seed, fp) = match prepared {
            Ok(x) => x,
            Err(e) => {
                release(&self.kernel);
                return Err(e);
            }
        };
        let mut regs = self.regs;
        regs.rax = 0;
        if newsp != 0 {
            regs.rsp = newsp;
        }
        if flags & CLONE_SETTLS != 0 {
            regs.fs_base = tls;
        }
        let ctx = match self.kernel.platform.new_context() {
            Ok(c) => c,
            Err(_) => {
                release(&self.kernel);
                return_errno!(ENOMEM);
            }
        };
        let inbox = Arc::new(Inbox::default());
        inbox.set_interrupter(ctx.interrupter());
        let tg = if thread {
            self.tg.clone()
        } else {
            ThreadGroup::new(&self.kernel, tid, *self.tg.actions(), *self.tg.limits())
        };
        let vfork = (flags & CLONE_VFORK != 0).then(|| Arc::new(crate::process::VforkDone::default()));
        let task = Task {
            kernel: self.kernel.clone(),
            tid,
            tgid: if thread { self.tgid } else { tid },
            tg: tg.clone(),
            mm: self.mm.clone(),
            ctx,
            regs,
            fds: if flags & CLONE_FILES != 0 { self.fds.clone() } else { Arc::new(Mutex::new(self.fds().clone())) },
            fs: if flags & CLONE_FS != 0 { self.fs.clone() } else { Arc::new(Mutex::new(self.fs_info().clone())) },
            creds: self.creds.clone(),
            sigmask: self.sigmask,
            shared: ThreadShared::inherit(self.sigmask, Some(&self.shared)),
            pending: SigQueue::default(),
            syscall_restart: None,
            restart_block: None,
            saved_mask: None,
            // A task sharing the address space starts without an alternate stack (but a
            // vfork child, which runs on the parent's, keeps it).
            altstack: if flags & CLONE_VFORK != 0 {
                self.altstack
            } else {
                StackT { ss_flags: SS_DISABLE, ..Default::default() }
            },
            clear_child_tid: if flags & CLONE_CHILD_CLEARTID != 0 { ctid } else { 0 },
            robust_list: (0, 0),
            exit: None,
            rng: crate::task::HostRandom,
            inbox: inbox.clone(),
            vfork: vfork.clone(),
            name: self.name,
            no_new_privs: self.no_new_privs,
            timer_slack: self.timer_slack,
            sched: crate::sys_proc::sched_after_fork(self.sched),
            last_fault: None,
        };
        for (set, addr) in [(CLONE_CHILD_SETTID, ctid), (CLONE_PARENT_SETTID, ptid)] {
            if flags & set != 0 {
                if let Err(e) = self.mm.write_val(addr, &tid) {
                    release(&self.kernel);
                    return Err(e);
                }
            }
        }
        tg.add_member(Member { tid, inbox: inbox.clone(), shared: task.shared.clone() });
        if !thread {
            let mut view = self.tg.view();
            view.fds = Arc::downgrade(&task.fds);
            view.fs = Arc::downgrade(&task.fs);
            view.start_ticks = self.kernel.ticks();
            tg.update_view(|v| *v = view);
            self.kernel.register(tid, self.tgid, self.tid, tg.clone());
        }
        let start = ThreadStart { task, seed, fp };
        let spawned = std::thread::Builder::new().name(format!("task-{tid}")).spawn(move || run_thread(start));
        if let Err(e) = spawned {
            log::error!("cannot start the Sentry thread of task {tid}: {e}");
            tg.leave(tid);
            if thread {
                self.kernel.release_tid(tid);
            } else {
                self.kernel.exit_process(tid, ExitStatus::Signal(SIGKILL as i32), std::time::Duration::ZERO, 0);
            }
            return_errno!(EAGAIN);
        }
        if let Some(v) = vfork {
            v.wait();
        }
        Ok(tid as u64)
    }

    /// The thread ends (its run loop returned `status`): clear and wake its
    /// CLEAR_CHILD_TID word, release its robust futexes, give its host thread back to the
    /// address space and leave the group. The last thread out ends the process and
    /// reports its status to the parent.
    pub(crate) fn exit_thread(&mut self, status: ExitStatus) {
        self.release_vfork();
        self.exit_robust_list();
        // As Linux: only while someone else still uses the memory.
        if self.clear_child_tid != 0 && Arc::strong_count(&self.mm) > 1 {
            let addr = self.clear_child_tid;
            if self.mm.write_val(addr, &0u32).is_ok() {
                let _ = crate::futex::wake_address(self, addr, 1, u32::MAX);
            }
        }
        self.mm.address_space().release_thread();
        // Close the thread's descriptors before the parent can learn of the exit (Linux's
        // exit_files before exit_notify): a pipe's reader sees the hang-up once the
        // writer is reaped.
        drop(std::mem::replace(&mut self.fds, Arc::new(std::sync::Mutex::new(kernel_fs::FdTable::new()))));
        let last = self.tg.leave(self.tid);
        let heir = self.tg.all_tids().first().copied();
        self.kernel.thread_exited(self.tgid, self.tid, heir);
        if self.tid != self.tgid {
            self.kernel.release_tid(self.tid);
        }
        if last {
            // POSIX locks go before the parent can learn of the exit.
            self.kernel.locks.release_process(self.tgid);
            let status = self.tg.exit_status().unwrap_or(status);
            self.tg.itimer.lock().unwrap_or_else(|e| e.into_inner()).cancel();
            self.tg.timers.lock().unwrap_or_else(|e| e.into_inner()).clear();
            for timer in &self.tg.itimer_cpu {
                timer.cancel();
            }
            let cpu = self.mm.address_space().cpu_time().unwrap_or_default();
            self.kernel.exit_process(self.tgid, status, cpu, self.creds.uid);
            self.tg.set_ended(status);
        }
    }

    /// execve's thread-group reset: every other thread exits; the caller waits for them,
    /// then takes the thread-group leader's id.
    pub(crate) fn de_thread(&mut self) -> KResult<()> {
        if self.tg.member_count() == 1 {
            return Ok(());
        }
        {
            let mut t = self.tg.teardown.lock().unwrap_or_else(|e| e.into_inner());
            if t.exit.is_some() || t.exec_by.is_some() {
                // Another thread is already ending the group (or exec'ing): let it.
                drop(t);
                return_errno!(EAGAIN);
            }
            t.exec_by = Some(self.tid);
        }
        self.tg.dying.store(true, Ordering::SeqCst);
        let mut m = self.tg.members();
        for x in m.iter().filter(|x| x.tid != self.tid) {
            x.inbox.notify(SIGKILL);
        }
        while m.len() > 1 {
            m = self.tg.left.wait(m).unwrap_or_else(|e| e.into_inner());
        }
        drop(m);
        {
            let mut t = self.tg.teardown.lock().unwrap_or_else(|e| e.into_inner());
            t.exec_by = None;
            self.tg.dying.store(t.exit.is_some(), Ordering::SeqCst);
        }
        if self.tid != self.tgid {
            // The exec'ing thread becomes the leader: its id is now the process's.
            self.kernel.release_tid(self.tid);
            let mut m = self.tg.members();
            if let Some(me) = m.iter_mut().find(|x| x.tid == self.tid) {
                me.tid = self.tgid;
            }
            drop(m);
            self.tid = self.tgid;
            crate::procfs::set_current(self.tgid, self.tid);
        }
        Ok(())
    }

    /// Tell `/proc` this thread's ids.
    pub(crate) fn publish_ids(&self) {
        *self.shared.ids.lock().unwrap_or_else(|e| e.into_inner()) = IdView::of(&self.creds);
    }

    /// Let other threads read this thread's CPU clock (after its context is bound to
    /// its address space).
    pub(crate) fn bind_cpu_clock(&self) {
        let space = self.mm.address_space().clone();
        let clock = self.ctx.cpu_clock(&*space).ok();
        *self.shared.cpu_clock.lock().unwrap_or_else(|e| e.into_inner()) = clock;
    }

    /// Walk the robust futex list at thread exit: each futex this thread still owns is
    /// marked FUTEX_OWNER_DIED and one waiter woken, so that the next locker learns it.
    fn exit_robust_list(&mut self) {
        const ROBUST_LIST_LIMIT: usize = 2048;
        let (head, len) = self.robust_list;
        if head == 0 || len != 24 {
            return;
        }
        let Ok([next, offset, pending]) = self.mm.read_val::<[u64; 3]>(head) else { return };
        let offset = offset as i64;
        let mut entry = next;
        for _ in 0..ROBUST_LIST_LIMIT {
            if entry == head {
                break;
            }
            // Read the next link before the futex is released.
            let Ok(following) = self.mm.read_val::<u64>(entry & !1) else { break };
            if entry != pending {
                crate::futex::owner_died(self, (entry & !1).wrapping_add_signed(offset));
            }
            entry = following;
        }
        if pending != 0 {
            crate::futex::owner_died(self, (pending & !1).wrapping_add_signed(offset));
        }
    }
}

/// A thread's Sentry thread: adopt the host thread prepared for it, run, exit.
fn run_thread(start: ThreadStart) {
    let ThreadStart { mut task, seed, fp } = start;
    let space = task.mm.address_space().clone();
    let adopted = space.adopt_thread(seed).and_then(|()| task.ctx.set_fp_state(&*space, &fp));
    let status = match adopted {
        Ok(()) => {
            task.bind_cpu_clock();
            task.run()
        }
        Err(e) => {
            log::error!("thread {}: cannot adopt its host thread: {e}", task.tid);
            task.tg.start_exit(ExitStatus::Signal(SIGKILL as i32))
        }
    };
    task.exit_thread(status);
}
