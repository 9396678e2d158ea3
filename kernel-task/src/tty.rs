//! Terminals and processes: controlling terminals, the job-control ioctls (TIOCSCTTY,
//! TIOCNOTTY, TIOCGPGRP, TIOCSPGRP, TIOCGSID, TIOCGPTPEER), /dev/tty, the signals a
//! terminal raises, and non-canonical reads timed by VMIN and VTIME.
//!
//! A terminal is a pty pair of the devpts ([`kernel_fs::pty`]) or the host terminal the
//! sandbox's stdio is on ([`kernel_fs::hostfd::HostTerminal`]), which controls the first
//! session as the host's terminal controlled the session runsc was started from.

use std::os::fd::OwnedFd;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use kernel_abi::flags::ioctl::*;
use kernel_abi::flags::open::*;
use kernel_abi::flags::signal::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH, SIG_IGN};
use kernel_abi::{return_errno, KResult};
use kernel_fs::hostfd::HostTerminal;
use kernel_fs::pty::{Pty, Slave};
use kernel_fs::tty::{same, JobControl, Terminal};
use kernel_fs::File;
use kernel_signal::Siginfo;

use crate::task::{Kernel, Task};

const CAP_SYS_ADMIN: u32 = 21;

impl Kernel {
    /// The sandbox's stdio is on the host terminal `fd` (a dup runsc keeps): it becomes
    /// the controlling terminal of the first process's session. Call before the first
    /// process starts.
    pub fn set_host_terminal(&self, fd: OwnedFd) {
        if let Some(t) = HostTerminal::new(fd) {
            let _ = self.host_tty.set(t);
        }
    }

    /// The host terminal, for the first process (`pid` 1) only.
    pub(crate) fn host_terminal_for(&self, pid: i32) -> Option<Arc<dyn Terminal>> {
        let t = self.host_tty.get()?;
        if pid != 1 {
            return None;
        }
        *t.ctrl() = kernel_fs::tty::TtyCtrl { session: Some(1), pgrp: Some(1) };
        Some(t.clone())
    }

    /// A signal from the host for runsc: the terminal's (SIGINT, SIGQUIT, SIGTSTP,
    /// SIGWINCH, from the host terminal the sandbox runs on) go to the sandbox terminal's
    /// foreground process group, as the host sent them to runsc's; others, and all of
    /// them without a terminal, to the first process.
    pub fn forward_host_signal(&self, sig: u32) {
        if matches!(sig, SIGINT | SIGQUIT | SIGTSTP | SIGWINCH) {
            if let Some(pgrp) = self.host_tty.get().and_then(|t| t.ctrl().pgrp) {
                self.signal_group(pgrp, Siginfo::from_process(sig, 0, 0, 0));
                return;
            }
        }
        self.host_signal(1, sig);
    }

    /// Post `info` to every live process of group `pgrp`.
    pub(crate) fn signal_group(&self, pgrp: i32, info: Siginfo) {
        for p in self.group_members(pgrp) {
            let _ = self.signal_process(p, info);
        }
    }

    /// The controlling terminal of session leader `pid` goes away (it exits, or gives it
    /// up with TIOCNOTTY): its foreground group gets SIGHUP (and SIGCONT when not
    /// exiting), and the session loses the terminal.
    pub(crate) fn disassociate_ctty(&self, pid: i32, on_exit: bool) {
        let Some(tty) = self.ctty_of(pid) else { return };
        let old = std::mem::take(&mut *tty.ctrl());
        if let Some(pgrp) = old.pgrp {
            self.signal_group(pgrp, kernel_signal_info(SIGHUP));
            if !on_exit {
                self.signal_group(pgrp, kernel_signal_info(SIGCONT));
            }
        }
        if let Ok(sid) = self.sid_of(pid) {
            self.clear_session_ctty(sid);
        }
    }

    /// Connect the devpts under /dev/pts (if the root has one) to the process layer.
    pub(crate) fn connect_devpts(self: &Arc<Kernel>) {
        let Some(pts) = self.root.lookup(b"dev").and_then(|d| d.lookup(b"pts")).ok() else { return };
        if let kernel_fs::Inode::Pts(kernel_fs::pty::PtsNode::Root(devpts)) = pts.inode() {
            devpts.set_job_control(Arc::new(Jobs(Arc::downgrade(self))));
        }
    }
}

/// A signal the kernel sends (si_code SI_KERNEL, as Linux's SEND_SIG_PRIV).
fn kernel_signal_info(sig: u32) -> Siginfo {
    Siginfo::from_process(sig, kernel_signal::info::SI_KERNEL, 0, 0)
}

/// The process layer as a devpts sees it.
struct Jobs(Weak<Kernel>);

impl JobControl for Jobs {
    fn signal_group(&self, pgrp: i32, sig: u32) {
        if let Some(k) = self.0.upgrade() {
            k.signal_group(pgrp, kernel_signal_info(sig));
        }
    }

    fn hangup(&self, tty: &Arc<dyn Terminal>, session: Option<i32>) {
        let Some(k) = self.0.upgrade() else { return };
        if let Some(leader) = k.forget_terminal(&**tty, session) {
            let _ = k.signal_process(leader, kernel_signal_info(SIGHUP));
            let _ = k.signal_process(leader, kernel_signal_info(SIGCONT));
        }
    }
}

/// A terminal a description is an end of.
struct End {
    tty: Arc<dyn Terminal>,
    /// The pty pair, when the terminal is one, and whether this is its master.
    pty: Option<Arc<Pty>>,
    master: bool,
}

fn terminal_of(t: &Task, f: &File) -> Option<End> {
    if let Some((pty, master)) = kernel_fs::pty::terminal_of(f) {
        return Some(End { tty: pty.clone(), pty: Some(pty), master });
    }
    let host = t.kernel.host_tty.get()?;
    if f.host_fd().is_some_and(|fd| host.is(fd)) {
        return Some(End { tty: host.clone(), pty: None, master: false });
    }
    None
}

/// Whether `f` is a terminal (a pty end or the host terminal).
pub(crate) fn is_terminal(t: &Task, f: &File) -> bool {
    terminal_of(t, f).is_some()
}

/// Job control on the caller's controlling terminal (Linux's tty_check_change): a
/// process outside its foreground group that reads (`SIGTTIN`), or writes with TOSTOP or
/// changes settings (`SIGTTOU`), stops with its group: the signal goes to the group and
/// the call restarts once it continues. Ignoring or blocking the signal lets a change or
/// write through, and makes a read EIO; so does an orphaned group.
pub(crate) fn check_change(t: &mut Task, f: &File, sig: u32) -> KResult<()> {
    let Some(ctty) = t.kernel.ctty_of(t.tgid) else { return Ok(()) };
    let Some(end) = terminal_of(t, f).filter(|e| !e.master && same(&*ctty, &*e.tty)) else { return Ok(()) };
    let Some(fg) = end.tty.ctrl().pgrp else { return Ok(()) };
    let pgrp = t.kernel.pgid_of(t.tgid)?;
    if fg == pgrp {
        return Ok(());
    }
    let ignored = t.sigmask & kernel_signal::bit(sig) != 0 || t.tg.actions()[(sig - 1) as usize].handler == SIG_IGN;
    if ignored {
        if sig == SIGTTIN {
            return_errno!(EIO);
        }
        return Ok(());
    }
    if t.kernel.pgrp_orphaned(pgrp) {
        return_errno!(EIO);
    }
    t.kernel.signal_group(pgrp, kernel_signal_info(sig));
    return_errno!(ERESTARTSYS)
}

/// write(2) to a terminal with TOSTOP from a background process: [`check_change`].
pub(crate) fn check_write(t: &mut Task, f: &File) -> KResult<()> {
    match t.kernel.ctty_of(t.tgid) {
        Some(ctty) if ctty.tostop() => check_change(t, f, SIGTTOU),
        _ => Ok(()),
    }
}

/// The terminal ioctls that concern processes; `None` for the others (and for files
/// that are no terminal), which the file answers itself.
pub(crate) fn ioctl(t: &mut Task, f: &Arc<File>, cmd: u64, arg: u64) -> Option<KResult<u64>> {
    if matches!(cmd, TCSETS | TCSETSW | TCSETSF | TCSETS2 | TCSETSW2 | TCSETSF2 | TCFLSH | TCXONC | TIOCSPGRP) {
        if let Err(e) = check_change(t, f, SIGTTOU) {
            return Some(Err(e));
        }
    }
    if !matches!(cmd, TIOCSCTTY | TIOCNOTTY | TIOCGPGRP | TIOCSPGRP | TIOCGSID | TIOCGPTPEER) {
        return None;
    }
    let End { tty, pty, master } = terminal_of(t, f)?;
    if cmd == TIOCGPTPEER {
        return Some(match pty {
            Some(p) if master => open_peer(t, &p, arg as u32),
            _ => Err(kernel_abi::errno!(EIO)),
        });
    }
    if !master && tty.hung_up() {
        let e = if cmd == TIOCSPGRP { kernel_abi::Errno::ENOTTY } else { kernel_abi::Errno::EIO };
        return Some(Err(kernel_abi::Error::new(e)));
    }
    Some(job_ioctl(t, f, &tty, master, cmd, arg))
}

fn job_ioctl(t: &mut Task, f: &File, tty: &Arc<dyn Terminal>, master: bool, cmd: u64, arg: u64) -> KResult<u64> {
    let pid = t.tgid;
    let mine = t.kernel.ctty_of(pid).is_some_and(|c| same(&*c, &**tty));
    match cmd {
        TIOCGPGRP => {
            if !master && !mine {
                return_errno!(ENOTTY);
            }
            let pgrp = tty.ctrl().pgrp.unwrap_or(0);
            t.mm.write_val(arg, &pgrp)?;
        }
        TIOCGSID => {
            if !master && !mine {
                return_errno!(ENOTTY);
            }
            let Some(sid) = tty.ctrl().session else { return_errno!(ENOTTY) };
            t.mm.write_val(arg, &sid)?;
        }
        TIOCSPGRP => {
            let sid = t.kernel.sid_of(pid)?;
            if !mine || tty.ctrl().session != Some(sid) {
                return_errno!(ENOTTY);
            }
            let pgrp: i32 = t.mm.read_val(arg)?;
            if pgrp < 0 {
                return_errno!(EINVAL);
            }
            match t.kernel.session_of_group(pgrp) {
                None => return_errno!(ESRCH),
                Some(s) if s != sid => return_errno!(EPERM),
                Some(_) => tty.ctrl().pgrp = Some(pgrp),
            }
        }
        TIOCSCTTY => {
            let sid = t.kernel.sid_of(pid)?;
            let leader = sid == pid;
            let owner = tty.ctrl().session;
            if leader && owner == Some(sid) {
                return Ok(0);
            }
            if !leader || t.kernel.ctty_of(pid).is_some() {
                return_errno!(EPERM);
            }
            let admin = t.creds.capable(CAP_SYS_ADMIN);
            if let Some(other) = owner {
                if arg != 1 || !admin {
                    return_errno!(EPERM);
                }
                t.kernel.clear_session_ctty(other);
            }
            if !f.readable() && !admin {
                return_errno!(EPERM);
            }
            t.kernel.set_ctty(pid, tty);
        }
        _ => {
            // TIOCNOTTY
            if !mine {
                return_errno!(ENOTTY);
            }
            if t.kernel.sid_of(pid)? == pid {
                t.kernel.disassociate_ctty(pid, false);
            } else {
                t.kernel.drop_ctty(pid);
            }
        }
    }
    Ok(0)
}

/// TIOCGPTPEER: a descriptor of the master's slave, opened with `flags`.
fn open_peer(t: &mut Task, pty: &Arc<Pty>, flags: u32) -> KResult<u64> {
    let file = pty.open_slave((flags & !O_CLOEXEC) | O_LARGEFILE)?;
    let tty: Arc<dyn Terminal> = pty.clone();
    if flags & O_NOCTTY == 0 {
        acquire_on_open(t, &file, &tty);
    }
    let limit = t.rlimit(kernel_abi::flags::rlimit::RLIMIT_NOFILE);
    Ok(t.fds().insert(file, flags & O_CLOEXEC != 0, 0, limit)? as u64)
}

/// A session leader without a controlling terminal that opens a terminal no session
/// has (without O_NOCTTY, for reading) takes it as its controlling terminal.
fn acquire_on_open(t: &Task, f: &File, tty: &Arc<dyn Terminal>) {
    let pid = t.tgid;
    if t.kernel.sid_of(pid) == Ok(pid)
        && t.kernel.ctty_of(pid).is_none()
        && tty.ctrl().session.is_none()
        && !tty.hung_up()
        && f.readable()
    {
        t.kernel.set_ctty(pid, tty);
    }
}

/// After open(2) of `d` gave `file`: /dev/tty stands for the caller's controlling
/// terminal, and a terminal's slave may become the caller's controlling terminal.
pub(crate) fn on_open(
    t: &Task,
    d: &Arc<kernel_fs::Dentry>,
    file: KResult<Arc<File>>,
    flags: u32,
) -> KResult<Arc<File>> {
    if matches!(d.inode(), kernel_fs::Inode::Device(kernel_fs::dev::Device::Tty)) {
        let tty = t.kernel.ctty_of(t.tgid).ok_or(kernel_abi::errno!(ENXIO))?;
        let ops = Box::new(kernel_fs::tty::DevTty::new(tty.reopen()?));
        return Ok(File::new(ops, flags, Some(d.clone()), d.path()));
    }
    let file = file?;
    if flags & O_NOCTTY == 0 {
        if let Some(end) = terminal_of(t, &file).filter(|e| !e.master) {
            acquire_on_open(t, &file, &end.tty);
        }
    }
    Ok(file)
}

/// read(2) of a file: a pty slave in non-canonical mode honours VMIN and VTIME;
/// everything else reads as soon as it can (waiting interruptibly).
pub(crate) fn read(t: &mut Task, f: &Arc<File>, buf: &mut [u8]) -> KResult<usize> {
    if f.readable() {
        check_change(t, f, SIGTTIN)?;
    }
    let slave = f.as_any().and_then(|a| a.downcast_ref::<Slave>());
    let timing = slave.and_then(Slave::timing);
    if slave.is_some() && buf.is_empty() {
        return Ok(0);
    }
    let (Some(slave), Some((vmin, vtime))) = (slave, timing) else {
        return t.io_wait(f, |_| f.read(buf));
    };
    if f.flags() & O_NONBLOCK != 0 || !f.readable() {
        return f.read(buf);
    }
    let want = usize::from(vmin).min(buf.len()).max(1);
    let interval = Duration::from_millis(u64::from(vtime) * 100);
    match (vmin, vtime) {
        (0, 0) => slave.read_min(buf, 0),
        (_, 0) => t.io_wait(f, |_| slave.read_min(buf, want)),
        (0, _) => {
            let deadline = Instant::now() + interval;
            Ok(t.io_wait_until(f, Some(deadline), |_| slave.read_min(buf, 1))?.unwrap_or(0))
        }
        _ => {
            // The timer runs between bytes, from the first one on.
            let mut have = t.io_wait(f, |_| more_than(slave, 0))?;
            while have < want {
                let deadline = Instant::now() + interval;
                match t.io_wait_until(f, Some(deadline), |_| more_than(slave, have))? {
                    Some(n) => have = n,
                    None => break,
                }
            }
            slave.read_min(buf, 1)
        }
    }
}

/// The slave's input when it holds more than `n` bytes (EAGAIN otherwise).
fn more_than(slave: &Slave, n: usize) -> KResult<usize> {
    if slave.pty().hung_up() {
        return Ok(usize::MAX);
    }
    match slave.available() {
        a if a > n => Ok(a),
        _ => return_errno!(EAGAIN),
    }
}
