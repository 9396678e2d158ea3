//! Processes: the PID namespace of the sandbox (the first program is PID 1; threads take
//! ids from the same space), parent and child links, zombies, and fork/vfork, wait4 and
//! waitid. Every task (thread) runs on its own Sentry thread, which also traces its stub
//! thread: a child process's address space is therefore made on the child's thread.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};

use kernel_abi::flags::clone::*;
use kernel_abi::flags::signal::*;
use kernel_abi::flags::wait::*;
use kernel_abi::{errno, return_errno, KResult, PtRegs, StackT};
use kernel_fs::tty::Terminal;
use kernel_fs::FdTable;
use kernel_mm::{ForkSnapshot, MemoryManager};
use kernel_signal::{bit, SigQueue, Siginfo};

use crate::task::{Creds, ExitStatus, FsInfo, HostRandom, Kernel, Task};
use crate::thread::{Member, ThreadGroup};
use crate::Inbox;

/// Highest PID handed out (Linux's default pid_max).
const PID_MAX: i32 = 32768;

/// One process as the table knows it.
struct Proc {
    ppid: i32,
    /// Process group and session.
    pgid: i32,
    sid: i32,
    /// The process has called execve since fork (setpgid on it is then EACCES).
    execed: bool,
    /// `None` while the PID is reserved for a child being created.
    inbox: Option<Arc<ThreadGroup>>,
    /// Set once the process has exited and until its parent reaps it.
    zombie: Option<ExitStatus>,
    /// PR_SET_PDEATHSIG: sent to this process when its parent thread exits.
    pdeathsig: u32,
    /// The thread of the parent that created this process (or inherited it when that
    /// thread exited): its exit sends the parent-death signal.
    parent_thread: i32,
    /// PR_SET_CHILD_SUBREAPER: orphaned descendants are reparented here.
    subreaper: bool,
    /// A stop not yet reported to a WUNTRACED/WSTOPPED wait: the stop signal.
    stop_report: Option<i32>,
    /// A continue not yet reported to a WCONTINUED wait.
    cont_report: bool,
    /// The signal the parent gets when this process ends (clone's CSIGNAL; 0: none). A
    /// child whose exit signal is not SIGCHLD is a "clone" child for wait's __WCLONE.
    exit_signal: u32,
    /// CPU time the process used (recorded when it ends).
    cpu: std::time::Duration,
    /// CPU time of its reaped children (RUSAGE_CHILDREN).
    children_cpu: std::time::Duration,
    /// Its controlling terminal.
    ctty: Option<Arc<dyn Terminal>>,
}

impl Proc {
    fn new(ppid: i32, pgid: i32, sid: i32, group: Option<Arc<ThreadGroup>>) -> Proc {
        Proc {
            ppid,
            pgid,
            sid,
            execed: false,
            inbox: group,
            zombie: None,
            pdeathsig: 0,
            parent_thread: ppid,
            subreaper: false,
            stop_report: None,
            cont_report: false,
            exit_signal: SIGCHLD,
            cpu: std::time::Duration::ZERO,
            children_cpu: std::time::Duration::ZERO,
            ctty: None,
        }
    }
}

/// The sandbox's processes.
#[derive(Default)]
pub(crate) struct ProcTable {
    procs: HashMap<i32, Proc>,
    /// Ids of threads other than group leaders, with their thread group's id.
    threads: HashMap<i32, i32>,
    last: i32,
}

impl Kernel {
    fn procs(&self) -> std::sync::MutexGuard<'_, ProcTable> {
        self.procs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Enter a live process in the parent's group and session, with its controlling
    /// terminal (init: its own session, controlled by the host terminal if there is one).
    pub(crate) fn register(&self, pid: i32, ppid: i32, parent_thread: i32, inbox: Arc<ThreadGroup>) {
        let mut t = self.procs();
        let (pgid, sid, ctty) = match t.procs.get(&ppid) {
            Some(p) => (p.pgid, p.sid, p.ctty.clone()),
            None => (pid, pid, self.host_terminal_for(pid)),
        };
        t.procs.insert(pid, Proc { parent_thread, ctty, ..Proc::new(ppid, pgid, sid, Some(inbox)) });
    }

    /// The controlling terminal of `pid`.
    pub(crate) fn ctty_of(&self, pid: i32) -> Option<Arc<dyn Terminal>> {
        self.procs().procs.get(&pid).and_then(|p| p.ctty.clone())
    }

    /// Make `tty` the controlling terminal of `pid` (a session leader), the terminal's
    /// session that of `pid` and its foreground group `pid`'s group.
    pub(crate) fn set_ctty(&self, pid: i32, tty: &Arc<dyn Terminal>) {
        let mut t = self.procs();
        if let Some(p) = t.procs.get_mut(&pid) {
            *tty.ctrl() = kernel_fs::tty::TtyCtrl { session: Some(p.sid), pgrp: Some(p.pgid) };
            p.ctty = Some(tty.clone());
        }
    }

    /// `pid` gives up its controlling terminal (alone: TIOCNOTTY by a non-leader).
    pub(crate) fn drop_ctty(&self, pid: i32) {
        if let Some(p) = self.procs().procs.get_mut(&pid) {
            p.ctty = None;
        }
    }

    /// Every process of session `sid` loses its controlling terminal.
    pub(crate) fn clear_session_ctty(&self, sid: i32) {
        for p in self.procs().procs.values_mut().filter(|p| p.sid == sid) {
            p.ctty = None;
        }
    }

    /// Every process `tty` controls loses it; returns the leader of `session` if alive.
    pub(crate) fn forget_terminal(&self, tty: &dyn Terminal, session: Option<i32>) -> Option<i32> {
        let mut t = self.procs();
        for p in t.procs.values_mut() {
            if p.ctty.as_deref().is_some_and(|c| kernel_fs::tty::same(c, tty)) {
                p.ctty = None;
            }
        }
        let sid = session?;
        t.procs.get(&sid).filter(|p| p.sid == sid && p.zombie.is_none() && p.inbox.is_some()).map(|_| sid)
    }

    /// The session of process group `pgid`: `None` if no process is in the group.
    pub(crate) fn session_of_group(&self, pgid: i32) -> Option<i32> {
        self.procs().procs.values().find(|p| p.pgid == pgid && p.inbox.is_some()).map(|p| p.sid)
    }

    /// Record that `pid` called execve.
    pub(crate) fn mark_exec(&self, pid: i32) {
        if let Some(p) = self.procs().procs.get_mut(&pid) {
            p.execed = true;
        }
    }

    /// The process group of `pid` (ESRCH if none).
    pub(crate) fn pgid_of(&self, pid: i32) -> KResult<i32> {
        match self.procs().procs.get(&pid) {
            Some(p) if p.inbox.is_some() => Ok(p.pgid),
            _ => return_errno!(ESRCH),
        }
    }

    /// The session of `pid` (ESRCH if none).
    pub(crate) fn sid_of(&self, pid: i32) -> KResult<i32> {
        match self.procs().procs.get(&pid) {
            Some(p) if p.inbox.is_some() => Ok(p.sid),
            _ => return_errno!(ESRCH),
        }
    }

    /// setpgid(2) by `caller` with Linux's checks.
    pub(crate) fn setpgid(&self, caller: i32, pid: i32, pgid: i32) -> KResult<()> {
        if pgid < 0 || pid < 0 {
            return_errno!(EINVAL);
        }
        let pid = if pid == 0 { caller } else { pid };
        let pgid = if pgid == 0 { pid } else { pgid };
        let mut t = self.procs();
        let caller_sid = t.procs.get(&caller).map(|p| p.sid).ok_or(errno!(ESRCH))?;
        let target = match t.procs.get(&pid) {
            Some(p) if p.inbox.is_some() && (pid == caller || p.ppid == caller) => p,
            _ => return_errno!(ESRCH),
        };
        if pid != caller && target.execed {
            return_errno!(EACCES);
        }
        if target.sid != caller_sid {
            return_errno!(EPERM);
        }
        if target.sid == pid {
            // A session leader cannot move.
            return_errno!(EPERM);
        }
        if pgid != pid && !t.procs.values().any(|p| p.pgid == pgid && p.sid == caller_sid && p.zombie.is_none()) {
            return_errno!(EPERM);
        }
        if let Some(p) = t.procs.get_mut(&pid) {
            p.pgid = pgid;
        }
        Ok(())
    }

    /// setsid(2): a new session and group led by `pid`, unless it leads a group.
    pub(crate) fn setsid(&self, pid: i32) -> KResult<i32> {
        let mut t = self.procs();
        if t.procs.values().any(|p| p.pgid == pid && p.zombie.is_none()) {
            return_errno!(EPERM);
        }
        let p = t.procs.get_mut(&pid).ok_or(errno!(ESRCH))?;
        p.pgid = pid;
        p.sid = pid;
        p.ctty = None;
        Ok(pid)
    }

    /// Live processes of group `pgid`.
    pub(crate) fn group_members(&self, pgid: i32) -> Vec<i32> {
        self.procs()
            .procs
            .iter()
            .filter(|(_, p)| p.pgid == pgid && p.zombie.is_none() && p.inbox.is_some())
            .map(|(&pid, _)| pid)
            .collect()
    }

    /// A free id, neither a process's nor a thread's (EAGAIN when the namespace is full
    /// or `limit` tasks exist).
    fn alloc_id(t: &mut ProcTable, limit: u64) -> KResult<i32> {
        if (t.procs.len() + t.threads.len()) as u64 >= limit {
            return_errno!(EAGAIN, "RLIMIT_NPROC");
        }
        for _ in 0..PID_MAX {
            t.last = if t.last >= PID_MAX { 2 } else { t.last.max(1) + 1 };
            let id = t.last;
            if !t.procs.contains_key(&id) && !t.threads.contains_key(&id) {
                return Ok(id);
            }
        }
        return_errno!(EAGAIN, "no free pid")
    }

    /// A PID for a new process, reserved until the child registers.
    pub(crate) fn alloc_pid(&self, limit: u64) -> KResult<i32> {
        let mut t = self.procs();
        let pid = Self::alloc_id(&mut t, limit)?;
        t.procs.insert(pid, Proc::new(0, 0, 0, None));
        Ok(pid)
    }

    /// The root of the sandbox's file tree.
    pub fn root(&self) -> &Arc<kernel_fs::Dentry> {
        &self.root
    }

    /// Forget a process started by [`crate::Task::new_process`] once it has ended (it has
    /// no parent inside the sandbox to reap it).
    pub fn release_process(&self, pid: i32) {
        let mut t = self.procs();
        if t.procs.get(&pid).is_some_and(|p| p.inbox.is_none() || p.zombie.is_some()) {
            t.procs.remove(&pid);
        }
    }

    /// Give back a PID whose process never started.
    pub(crate) fn release_pid(&self, pid: i32) {
        self.procs().procs.remove(&pid);
    }

    /// An id for a new thread of process `tgid`.
    pub(crate) fn alloc_tid(&self, tgid: i32, limit: u64) -> KResult<i32> {
        let mut t = self.procs();
        let tid = Self::alloc_id(&mut t, limit)?;
        t.threads.insert(tid, tgid);
        Ok(tid)
    }

    /// A thread (not a group leader) is gone.
    pub(crate) fn release_tid(&self, tid: i32) {
        self.procs().threads.remove(&tid);
    }

    /// The live thread group of thread or process `tid`.
    pub(crate) fn group_of_thread(&self, tid: i32) -> Option<Arc<ThreadGroup>> {
        let t = self.procs();
        let tgid = t.threads.get(&tid).copied().unwrap_or(tid);
        match t.procs.get(&tgid) {
            Some(Proc { inbox: Some(g), zombie: None, .. }) => Some(g.clone()),
            _ => None,
        }
    }

    /// The parent of process `pid` (0 for the sandbox's init).
    pub(crate) fn ppid_of(&self, pid: i32) -> i32 {
        self.procs().procs.get(&pid).map_or(0, |p| p.ppid)
    }

    /// PR_SET_PDEATHSIG of process `pid`.
    pub(crate) fn set_pdeathsig(&self, pid: i32, sig: u32) {
        if let Some(p) = self.procs().procs.get_mut(&pid) {
            p.pdeathsig = sig;
        }
    }

    /// PR_GET_PDEATHSIG of process `pid`.
    pub(crate) fn pdeathsig(&self, pid: i32) -> u32 {
        self.procs().procs.get(&pid).map_or(0, |p| p.pdeathsig)
    }

    /// PR_SET_CHILD_SUBREAPER of process `pid`.
    pub(crate) fn set_subreaper(&self, pid: i32, on: bool) {
        if let Some(p) = self.procs().procs.get_mut(&pid) {
            p.subreaper = on;
        }
    }

    /// PR_GET_CHILD_SUBREAPER of process `pid`.
    pub(crate) fn subreaper(&self, pid: i32) -> bool {
        self.procs().procs.get(&pid).is_some_and(|p| p.subreaper)
    }

    /// Where the orphans of `pid` go: its nearest live subreaper ancestor, else init.
    fn new_parent(t: &ProcTable, pid: i32) -> i32 {
        let mut at = t.procs.get(&pid).map_or(0, |p| p.ppid);
        for _ in 0..PID_MAX {
            match t.procs.get(&at) {
                Some(p) if at > 1 => {
                    if p.subreaper && p.zombie.is_none() {
                        return at;
                    }
                    at = p.ppid;
                }
                _ => break,
            }
        }
        1
    }

    /// A process ended: it becomes a zombie for its parent, its children go to the
    /// nearest subreaper or init (and get their parent-death signal), and the parent is
    /// sent SIGCHLD.
    /// Thread `tid` of process `tgid` exited: the children it created get their
    /// parent-death signal, and `heir` (another live thread, if any) becomes their parent
    /// thread.
    pub(crate) fn thread_exited(&self, tgid: i32, tid: i32, heir: Option<i32>) {
        let mut orphans = Vec::new();
        {
            let mut t = self.procs();
            for p in t.procs.values_mut() {
                if p.ppid == tgid && p.parent_thread == tid {
                    if p.pdeathsig != 0 && p.zombie.is_none() {
                        if let Some(g) = &p.inbox {
                            orphans.push((g.clone(), p.pdeathsig));
                        }
                    }
                    if let Some(h) = heir {
                        p.parent_thread = h;
                    }
                }
            }
        }
        for (group, sig) in orphans {
            let _ = group.post(Siginfo::from_process(sig, kernel_signal::info::SI_USER, tgid, 0));
        }
    }

    pub(crate) fn exit_process(&self, pid: i32, status: ExitStatus, cpu: std::time::Duration, uid: u32) {
        if self.sid_of(pid) == Ok(pid) {
            self.disassociate_ctty(pid, true);
        }
        let mut t = self.procs();
        let heir = Self::new_parent(&t, pid);
        for p in t.procs.values_mut() {
            if p.ppid == pid {
                p.ppid = heir;
                // The new parent's main thread (a subreaper's, or init's).
                p.parent_thread = heir;
            }
        }
        let (ppid, exit_signal) = match t.procs.get_mut(&pid) {
            Some(p) => {
                p.zombie = Some(status);
                p.cpu = cpu;
                p.ctty = None;
                (p.ppid, p.exit_signal)
            }
            None => return,
        };
        let Some(group) = t.procs.get(&ppid).filter(|p| p.zombie.is_none()).and_then(|p| p.inbox.clone()) else {
            return;
        };
        // A parent that ignores SIGCHLD or set SA_NOCLDWAIT leaves no zombie to reap.
        let act = group.actions()[(SIGCHLD - 1) as usize];
        let autoreap = exit_signal == SIGCHLD && (act.handler == SIG_IGN || act.flags & SA_NOCLDWAIT != 0);
        if autoreap {
            t.procs.remove(&pid);
        }
        // The signal is queued before the lock goes, so a wait that sees the zombie also
        // finds the signal pending. A parent ignoring SIGCHLD gets none.
        if exit_signal != 0 && !(exit_signal == SIGCHLD && act.handler == SIG_IGN) {
            let mut info = chld_info(pid, ChildEvent::Exited(status));
            info.signo = exit_signal as i32;
            info.fields[4..8].copy_from_slice(&uid.to_le_bytes());
            let _ = group.post(info);
        }
        drop(t);
        // Every thread of the parent may be waiting for children.
        group.wake_all();
    }

    /// Post a signal to process `pid` (ESRCH if there is none alive).
    pub(crate) fn signal_process(&self, pid: i32, info: Siginfo) -> KResult<()> {
        let group = match self.procs().procs.get(&pid) {
            Some(Proc { inbox: Some(i), zombie: None, .. }) => i.clone(),
            _ => return_errno!(ESRCH),
        };
        group.post(info)
    }

    /// kill(2) of process `pid` by `t`: ESRCH if there is none (a zombie still counts, and
    /// takes nothing), EPERM if `t` may not signal it; signal 0 only checks.
    pub(crate) fn send_to_process(&self, t: &Task, pid: i32, info: Siginfo) -> KResult<()> {
        let group = {
            let procs = self.procs();
            match procs.procs.get(&pid) {
                Some(Proc { inbox: Some(g), .. }) => g.clone(),
                _ => return_errno!(ESRCH),
            }
        };
        crate::thread::may_signal(t, &group, info.signo as u32)?;
        if info.signo == 0 || group.has_ended() {
            return Ok(());
        }
        group.post(info)
    }

    /// Whether process group `pgid` is orphaned: no member has a parent in another group
    /// of the same session (terminal stop signals are then discarded).
    pub(crate) fn pgrp_orphaned(&self, pgid: i32) -> bool {
        let t = self.procs();
        !t.procs
            .values()
            .filter(|p| p.pgid == pgid && p.zombie.is_none() && p.inbox.is_some())
            .any(|p| t.procs.get(&p.ppid).is_some_and(|q| q.zombie.is_none() && q.pgid != pgid && q.sid == p.sid))
    }

    /// Whether `t` may signal process `pid` (rt_sigqueueinfo with signal 0).
    pub(crate) fn check_signal(&self, t: &Task, pid: i32) -> KResult<()> {
        self.send_to_process(t, pid, Siginfo { signo: 0, ..kernel_abi::Zeroable::zeroed() })
    }

    /// Processes of group `pgid`, zombies included (they exist for kill).
    pub(crate) fn group_members_all(&self, pgid: i32) -> Vec<i32> {
        self.procs().procs.iter().filter(|(_, p)| p.pgid == pgid && p.inbox.is_some()).map(|(&pid, _)| pid).collect()
    }

    /// A signal from the host (runsc forwarding SIGINT, SIGTERM...) to process `pid`.
    pub fn host_signal(&self, pid: i32, sig: u32) {
        let _ = self.signal_process(pid, Siginfo::from_process(sig, 0, 0, 0));
    }

    /// The sandbox's live processes, in order (for `runsc ps` and `kill --all`).
    pub fn pids(&self) -> Vec<i32> {
        let mut v = self.live_pids(0);
        v.sort_unstable();
        v
    }

    /// Live processes other than `except`.
    pub(crate) fn live_pids(&self, except: i32) -> Vec<i32> {
        self.procs()
            .procs
            .iter()
            .filter(|(&p, e)| p != except && e.zombie.is_none() && e.inbox.is_some())
            .map(|(&p, _)| p)
            .collect()
    }

    /// A child of `parent` matching `which` (-1 any, > 0 that pid, 0 the parent's group,
    /// < -1 group -which) with an event `want` asks for: an exit (the zombie is reaped
    /// unless `want.keep`), a stop or a continue (reported once unless `want.keep`).
    /// `Ok(None)`: matching children exist but have nothing to report. ECHILD: none.
    fn reap(&self, parent: i32, which: i32, want: WaitFor) -> KResult<Option<(i32, ChildEvent)>> {
        let mut t = self.procs();
        let group = match which {
            0 => t.procs.get(&parent).map(|p| p.pgid),
            w if w < -1 => Some(-w),
            _ => None,
        };
        let mut any = false;
        let mut found = None;
        for (&pid, p) in t.procs.iter_mut() {
            let matches = match which {
                -1 => true,
                w if w > 0 => pid == w,
                _ => Some(p.pgid) == group,
            };
            let clone_child = p.exit_signal != SIGCHLD;
            let kind_ok = match want.kind {
                ChildKind::All => true,
                ChildKind::Clone => clone_child,
                ChildKind::Normal => !clone_child,
            };
            if p.ppid != parent || !matches || p.inbox.is_none() || !kind_ok {
                continue;
            }
            any = true;
            if let Some(s) = p.zombie {
                if want.exited {
                    found = Some((pid, ChildEvent::Exited(s)));
                    break;
                }
                continue;
            }
            if want.stopped {
                if let Some(sig) = p.stop_report {
                    if !want.keep {
                        p.stop_report = None;
                    }
                    found = Some((pid, ChildEvent::Stopped(sig)));
                    break;
                }
            }
            if want.continued && p.cont_report {
                if !want.keep {
                    p.cont_report = false;
                }
                found = Some((pid, ChildEvent::Continued));
                break;
            }
        }
        if let Some((pid, ChildEvent::Exited(s))) = found {
            if !want.keep {
                if let Some(child) = t.procs.remove(&pid) {
                    let add = child.cpu + child.children_cpu;
                    if let Some(me) = t.procs.get_mut(&parent) {
                        me.children_cpu += add;
                    }
                }
            }
            return Ok(Some((pid, ChildEvent::Exited(s))));
        }
        if found.is_some() {
            return Ok(found);
        }
        if !any {
            return_errno!(ECHILD);
        }
        Ok(None)
    }

    /// Process `pid` stopped (`Some(sig)`) or continued (`None`): record it for the
    /// parent's wait and send the parent SIGCHLD unless its handler says SA_NOCLDSTOP.
    pub(crate) fn report_job_control(&self, pid: i32, stopped: Option<i32>) {
        let mut t = self.procs();
        let Some(p) = t.procs.get_mut(&pid) else { return };
        p.stop_report = stopped;
        p.cont_report = stopped.is_none();
        let ppid = p.ppid;
        let p_uid = p
            .inbox
            .as_ref()
            .and_then(|g| g.all_shared().first().map(|s| s.ids.lock().unwrap_or_else(|e| e.into_inner()).uid));
        let Some(group) = t.procs.get(&ppid).filter(|p| p.zombie.is_none()).and_then(|p| p.inbox.clone()) else {
            return;
        };
        let nocldstop = group.actions()[(SIGCHLD - 1) as usize].flags & SA_NOCLDSTOP != 0;
        if !nocldstop {
            let event = match stopped {
                Some(sig) => ChildEvent::Stopped(sig),
                None => ChildEvent::Continued,
            };
            let mut info = chld_info(pid, event);
            let uid = p_uid.unwrap_or(0);
            info.fields[4..8].copy_from_slice(&uid.to_le_bytes());
            let _ = group.post(info);
        }
        drop(t);
        group.wake_all();
    }

    /// Set the exit signal of child process `pid` (clone's CSIGNAL).
    pub(crate) fn set_exit_signal(&self, pid: i32, sig: u32) {
        if let Some(p) = self.procs().procs.get_mut(&pid) {
            p.exit_signal = sig;
        }
    }

    /// CPU time of `pid`'s reaped children.
    pub(crate) fn children_cpu(&self, pid: i32) -> std::time::Duration {
        self.procs().procs.get(&pid).map_or(std::time::Duration::ZERO, |p| p.children_cpu)
    }
}

/// What a wait asks for.
#[derive(Clone, Copy, Debug)]
struct WaitFor {
    exited: bool,
    stopped: bool,
    continued: bool,
    /// WNOWAIT: leave the event to be reported again.
    keep: bool,
    /// Which children: __WALL, __WCLONE, or those that signal SIGCHLD.
    kind: ChildKind,
}

/// wait's choice of children by exit signal.
#[derive(Clone, Copy, Debug)]
enum ChildKind {
    Normal,
    Clone,
    All,
}

impl ChildKind {
    fn of(options: u64) -> ChildKind {
        const WALL: u64 = 0x4000_0000;
        const WCLONE: u64 = 0x8000_0000;
        if options & WALL != 0 {
            ChildKind::All
        } else if options & WCLONE != 0 {
            ChildKind::Clone
        } else {
            ChildKind::Normal
        }
    }
}

/// What a wait reports about a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChildEvent {
    Exited(ExitStatus),
    Stopped(i32),
    Continued,
}

const CLD_EXITED: i32 = 1;
const CLD_KILLED: i32 = 2;
const CLD_STOPPED: i32 = 5;
const CLD_CONTINUED: i32 = 6;

/// The SIGCHLD siginfo for a child's exit, stop or continue.
fn chld_info(pid: i32, event: ChildEvent) -> Siginfo {
    let (code, st) = match event {
        ChildEvent::Exited(ExitStatus::Code(c)) => (CLD_EXITED, c),
        ChildEvent::Exited(ExitStatus::Signal(s)) => (CLD_KILLED, s),
        ChildEvent::Stopped(s) => (CLD_STOPPED, s),
        ChildEvent::Continued => (CLD_CONTINUED, SIGCONT as i32),
    };
    let mut info = Siginfo::from_process(SIGCHLD, code, pid, 0);
    // si_status at offset 24.
    info.fields[8..12].copy_from_slice(&st.to_le_bytes());
    info
}

/// The wait status word: exit code << 8, the killing signal, a stop (signal << 8 | 0x7f)
/// or a continue (0xffff).
fn wait_status(e: ChildEvent) -> i32 {
    match e {
        ChildEvent::Exited(ExitStatus::Code(c)) => (c & 0xff) << 8,
        ChildEvent::Exited(ExitStatus::Signal(sig)) => sig & 0x7f,
        ChildEvent::Stopped(sig) => ((sig & 0xff) << 8) | 0x7f,
        ChildEvent::Continued => 0xffff,
    }
}

/// What the child's thread needs to become the child.
struct Seed {
    kernel: Arc<Kernel>,
    pid: i32,
    regs: PtRegs,
    fp: Vec<u8>,
    snap: ForkSnapshot,
    fds: FdTable,
    fs: FsInfo,
    creds: Creds,
    sigmask: u64,
    altstack: StackT,
    inbox: Arc<Inbox>,
    shared: Arc<crate::thread::ThreadShared>,
    set_tid: Option<u64>,
    clear_tid: u64,
    group: Arc<ThreadGroup>,
    vfork: Option<Arc<VforkDone>>,
    name: [u8; 16],
    no_new_privs: bool,
    timer_slack: u64,
    sched: (u32, i32),
}

/// The parent of a vfork waits on this until the child execs or exits.
#[derive(Default)]
pub(crate) struct VforkDone {
    done: Mutex<bool>,
    cv: Condvar,
}

impl VforkDone {
    pub(crate) fn release(&self) {
        *self.done.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.cv.notify_all();
    }

    pub(crate) fn wait(&self) {
        let mut d = self.done.lock().unwrap_or_else(|e| e.into_inner());
        while !*d {
            d = self.cv.wait(d).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// The most tasks (threads of all processes) a sandbox runs, whatever the limits say.
const SANDBOX_TASK_LIMIT: u64 = 8192;

impl Task {
    /// How many tasks may exist when this one clones: RLIMIT_NPROC, which (as in Linux)
    /// does not bind root or CAP_SYS_RESOURCE, and the sandbox's own limit, which binds
    /// everyone. (The sandbox counts all its tasks against RLIMIT_NPROC, not the user's.)
    pub(crate) fn task_limit(&self) -> u64 {
        let exempt = self.creds.uid == 0 || self.creds.capable(crate::creds::CAP_SYS_RESOURCE);
        let nproc = if exempt { u64::MAX } else { self.rlimit(kernel_abi::flags::rlimit::RLIMIT_NPROC) };
        nproc.min(SANDBOX_TASK_LIMIT)
    }

    /// fork, and clone of a new process with its own (copied) memory.
    pub(crate) fn clone_process(&mut self, flags: u64, newsp: u64, ptid: u64, ctid: u64, tls: u64) -> KResult<u64> {
        let known =
            CSIGNAL | CLONE_VFORK | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID;
        if flags & !known != 0 {
            self.kernel.log_once(
                Some(kernel_abi::nr::CLONE),
                "namespace and other process flags are not supported yet: ENOSYS",
            );
            return_errno!(ENOSYS);
        }
        let pid = self.kernel.alloc_pid(self.task_limit())?;
        let prepared = (|| -> KResult<(ForkSnapshot, Vec<u8>)> {
            let space = self.mm.address_space().clone();
            let fp = self.ctx.fp_state(&*space).map_err(|_| errno!(ENOMEM))?;
            Ok((self.mm.fork_snapshot()?, fp))
        })();
        let (snap, fp) = match prepared {
            Ok(x) => x,
            Err(e) => {
                self.kernel.release_pid(pid);
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
        let group = ThreadGroup::new(&self.kernel, pid, *self.tg.actions(), *self.tg.limits());
        // The child is a member (signals reach it) before fork returns in the parent.
        let inbox = Arc::new(Inbox::default());
        let shared = crate::thread::ThreadShared::inherit(self.sigmask, Some(&self.shared));
        group.add_member(Member { tid: pid, inbox: inbox.clone(), shared: shared.clone() });
        self.kernel.register(pid, self.tgid, self.tid, group.clone());
        self.kernel.set_exit_signal(pid, (flags & CSIGNAL) as u32);
        {
            let mut view = self.tg.view();
            view.start_ticks = self.kernel.ticks();
            group.update_view(|v| *v = view);
        }
        let vfork = (flags & CLONE_VFORK != 0).then(|| Arc::new(VforkDone::default()));
        let seed = Seed {
            kernel: self.kernel.clone(),
            pid,
            regs,
            fp,
            snap,
            fds: self.fds().clone(),
            fs: self.fs_info().clone(),
            creds: self.creds.clone(),
            sigmask: self.sigmask,
            altstack: self.altstack,
            inbox: inbox.clone(),
            shared: shared.clone(),
            set_tid: (flags & CLONE_CHILD_SETTID != 0).then_some(ctid),
            clear_tid: if flags & CLONE_CHILD_CLEARTID != 0 { ctid } else { 0 },
            group,
            vfork: vfork.clone(),
            name: self.name,
            no_new_privs: self.no_new_privs,
            timer_slack: self.timer_slack,
            sched: crate::sys_proc::sched_after_fork(self.sched),
        };
        let spawned = std::thread::Builder::new().name(format!("task-{pid}")).spawn(move || run_child(seed));
        if let Err(e) = spawned {
            log::error!("cannot start the thread of process {pid}: {e}");
            self.kernel.release_pid(pid);
            return_errno!(EAGAIN);
        }
        if flags & CLONE_PARENT_SETTID != 0 {
            self.mm.write_val(ptid, &pid)?;
        }
        if let Some(v) = vfork {
            v.wait();
        }
        Ok(pid as u64)
    }

    /// wait4(2).
    pub(crate) fn wait4(&mut self, which: i32, status: u64, options: u64, rusage: u64) -> KResult<u64> {
        if options & !(WNOHANG | WUNTRACED | WCONTINUED | WTHREAD_FLAGS) != 0 {
            return_errno!(EINVAL);
        }
        if which == i32::MIN {
            return_errno!(ESRCH);
        }
        let want = WaitFor {
            exited: true,
            stopped: options & WUNTRACED != 0,
            continued: options & WCONTINUED != 0,
            keep: false,
            kind: ChildKind::of(options),
        };
        let before = self.kernel.children_cpu(self.tgid);
        let found = self.wait_child(which, options & WNOHANG != 0, want)?;
        if let Some((pid, event)) = found {
            if status != 0 {
                self.mm.write_val(status, &wait_status(event))?;
            }
            if rusage != 0 {
                // The reaped child's CPU time (with its own reaped children's).
                let cpu = self.kernel.children_cpu(self.tgid).saturating_sub(before);
                let r = kernel_abi::Rusage {
                    ru_utime: kernel_abi::Timeval {
                        tv_sec: cpu.as_secs() as i64,
                        tv_usec: i64::from(cpu.subsec_micros()),
                    },
                    ..Default::default()
                };
                self.mm.write_val(rusage, &r)?;
            }
            return Ok(pid as u64);
        }
        Ok(0)
    }

    /// waitid(2) for P_ALL, P_PID and P_PGID (any child: groups are not tracked yet).
    pub(crate) fn waitid(&mut self, idtype: u64, id: u64, infop: u64, options: u64) -> KResult<u64> {
        if options & !(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | WTHREAD_FLAGS) != 0
            || options & (WEXITED | WSTOPPED | WCONTINUED) == 0
        {
            return_errno!(EINVAL);
        }
        // Linux checks the result buffer before anything else.
        if infop != 0 && !self.mm.check_access(infop, 128, kernel_abi::flags::mman::PROT_WRITE) {
            return_errno!(EFAULT);
        }
        let which = match idtype {
            0 => -1,
            1 if (id as i32) > 0 => id as i32,
            // P_PGID: 0 means the caller's group.
            2 if (id as i32) == 0 => 0,
            2 if (id as i32) > 0 => -(id as i32),
            // P_PIDFD: the process a pidfd names.
            3 => crate::pidfd::pid_of(self, id)?,
            _ => return_errno!(EINVAL),
        };
        let want = WaitFor {
            exited: options & WEXITED != 0,
            stopped: options & WSTOPPED != 0,
            continued: options & WCONTINUED != 0,
            keep: options & WNOWAIT != 0,
            kind: ChildKind::of(options),
        };
        // A non-blocking pidfd makes the wait non-blocking: EAGAIN instead of sleeping.
        let nonblocking_pidfd = idtype == 3
            && self.file(id).is_ok_and(|f| f.flags() & kernel_abi::flags::open::O_NONBLOCK != 0)
            && options & WNOHANG == 0;
        let found = self.wait_child(which, options & WNOHANG != 0 || nonblocking_pidfd, want)?;
        if found.is_none() && nonblocking_pidfd {
            return_errno!(EAGAIN);
        }
        if infop != 0 {
            let info = match found {
                Some((pid, st)) => chld_info(pid, st),
                None => kernel_abi::Zeroable::zeroed(),
            };
            self.mm.write_val(infop, &info)?;
        }
        Ok(0)
    }

    fn wait_child(&mut self, which: i32, nohang: bool, want: WaitFor) -> KResult<Option<(i32, ChildEvent)>> {
        loop {
            if let Some(found) = self.kernel.reap(self.tgid, which, want)? {
                return Ok(Some(found));
            }
            if nohang {
                return Ok(None);
            }
            if self.signal_pending() {
                return_errno!(ERESTARTSYS);
            }
            // SIGCHLD (even ignored) wakes the wait; so does a signal to deliver.
            self.wait_for_child_or_signal();
        }
    }
}

/// The child's thread: make its address space and context, then run it.
fn run_child(seed: Seed) {
    let kernel = seed.kernel.clone();
    let pid = seed.pid;
    let vfork = seed.vfork.clone();
    match build_child(seed) {
        Ok(mut task) => {
            let status = task.run();
            task.exit_thread(status);
        }
        Err(e) => {
            log::error!("process {pid}: fork failed in the child: {e}");
            if let Some(v) = &vfork {
                v.release();
            }
            kernel.exit_process(pid, ExitStatus::Signal(SIGKILL as i32), std::time::Duration::ZERO, 0);
        }
    }
}

fn build_child(s: Seed) -> KResult<Task> {
    let p = &s.kernel.platform;
    let space = p.new_address_space().map_err(|e| {
        log::error!("creating the child's address space: {e}");
        errno!(ENOMEM)
    })?;
    let mut ctx = p.new_context().map_err(|_| errno!(ENOMEM))?;
    ctx.set_fp_state(&*space, &s.fp).map_err(|_| errno!(ENOMEM))?;
    let mm = Arc::new(MemoryManager::from_snapshot(
        s.kernel.mf.clone(),
        space,
        p.min_user_address(),
        p.max_user_address(),
        s.snap,
    ));
    if let Some(addr) = s.set_tid {
        mm.write_val(addr, &s.pid)?;
    }
    let inbox = s.inbox;
    inbox.set_interrupter(ctx.interrupter());
    let fds = Arc::new(Mutex::new(s.fds));
    let fs = Arc::new(Mutex::new(s.fs));
    s.group.update_view(|v| {
        v.mm = Arc::downgrade(&mm);
        v.fds = Arc::downgrade(&fds);
        v.fs = Arc::downgrade(&fs);
    });
    *s.shared.cpu_clock.lock().unwrap_or_else(|e| e.into_inner()) = ctx.cpu_clock(&*mm.address_space().clone()).ok();
    Ok(Task {
        kernel: s.kernel.clone(),
        tid: s.pid,
        tgid: s.pid,
        tg: s.group,
        mm,
        ctx,
        regs: s.regs,
        fds,
        fs,
        creds: s.creds,
        sigmask: s.sigmask,
        shared: s.shared,
        pending: SigQueue::default(),
        saved_mask: None,
        syscall_restart: None,
        restart_block: None,
        altstack: s.altstack,
        clear_child_tid: s.clear_tid,
        robust_list: (0, 0),
        exit: None,
        rng: HostRandom,
        inbox,
        vfork: s.vfork,
        name: s.name,
        no_new_privs: s.no_new_privs,
        timer_slack: s.timer_slack,
        sched: s.sched,
        last_fault: None,
    })
}

/// Signals that end a wait for children besides deliverable ones.
pub(crate) fn chld_bit() -> u64 {
    bit(SIGCHLD)
}
