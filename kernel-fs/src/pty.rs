//! Pseudo-terminals: `/dev/ptmx` makes a master, `/dev/pts` (devpts) lists the live
//! slaves, and between the two runs a line discipline with Linux's n_tty behaviour for
//! what programs use: canonical lines with ERASE/KILL/WERASE/EOF/LNEXT editing, echo
//! (ECHO, ECHOE, ECHOK, ECHONL, ECHOCTL), input mapping (ICRNL, INLCR, IGNCR, ISTRIP),
//! output processing (OPOST with ONLCR, OCRNL, ONOCR, ONLRET, OLCUC, XTABS), signal
//! characters (ISIG), flow control (IXON), non-canonical reads with VMIN/VTIME (the
//! timing is the system-call layer's, see [`Slave::timing`]), window size, and hangup
//! when the master closes.
//!
//! As with pipes, nothing blocks here: an operation that would wait answers EAGAIN and
//! the caller waits on the pair's wakers. Signals go through the devpts instance's
//! [`JobControl`], called with no lock held.
//!
//! Lock order: `Pty::st` -> `Pty::ctrl`; `DevPts::ptys` is a leaf.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use kernel_abi::flags::ioctl::*;
use kernel_abi::flags::mode::{S_IFCHR, S_IFDIR};
use kernel_abi::flags::poll::*;
use kernel_abi::flags::signal::{SIGINT, SIGQUIT, SIGTSTP, SIGWINCH};
use kernel_abi::flags::termios::*;
use kernel_abi::{errno, return_errno, KResult, Stat, Termios, Termios2, Winsize};
use kernel_mm::MemoryManager;

use crate::pipe::{Waker, WakerList};
use crate::tty::{lock_ctrl, JobControl, Terminal, TtyCtrl};
use crate::{File, FileOps};

/// Major device number of pty slaves (UNIX98_PTY_SLAVE_MAJOR).
pub const PTY_SLAVE_MAJOR: u32 = 136;
/// /dev/ptmx and /dev/tty are (5, 2) and (5, 0).
pub const TTYAUX_MAJOR: u32 = 5;
/// Slaves a devpts hands out at most (Linux's default kernel.pty.max).
const PTY_MAX: u32 = 4096;
/// Input bytes a pair holds before the master's writes wait.
const INPUT_MAX: usize = 65536;
/// Longest canonical line (N_TTY_BUF_SIZE - 1); further characters are dropped.
const LINE_MAX: usize = 4095;
/// Output bytes a pair holds before the slave's writes wait.
const OUTPUT_MAX: usize = 65536;
/// st_dev of devpts nodes.
const DEVPTS_DEV: u64 = 0x17;
/// The gid slaves belong to (the "tty" group, devpts's usual gid=5).
const TTY_GID: u32 = 5;

/// The termios of a new pty (Linux's tty_std_termios).
pub fn default_termios() -> Termios {
    let mut cc = [0u8; 19];
    for (i, v) in [
        (VINTR, 3),
        (VQUIT, 28),
        (VERASE, 127),
        (VKILL, 21),
        (VEOF, 4),
        (VTIME, 0),
        (VMIN, 1),
        (VSTART, 17),
        (VSTOP, 19),
        (VSUSP, 26),
        (VREPRINT, 18),
        (VDISCARD, 15),
        (VWERASE, 23),
        (VLNEXT, 22),
    ] {
        cc[i] = v;
    }
    Termios {
        c_iflag: ICRNL | IXON,
        c_oflag: OPOST | ONLCR,
        c_cflag: B38400 | CS8 | CREAD,
        c_lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
        c_line: 0,
        c_cc: cc,
    }
}

/// The speed a CBAUD code stands for.
fn baud(cflag: u32) -> u32 {
    const TABLE: [u32; 16] = [0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400];
    const HIGH: [u32; 15] = [
        57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000,
        3500000, 4000000,
    ];
    let code = cflag & CBAUD;
    if code & BOTHER == 0 {
        TABLE[(code & 0o17) as usize]
    } else {
        HIGH.get(((code & 0o17) as usize).wrapping_sub(1)).copied().unwrap_or(0)
    }
}

fn is_cntrl(c: u8) -> bool {
    c < 0x20 || c == 0x7f
}

/// A UTF-8 continuation byte, which erasing never splits from its character.
fn is_continuation(c: u8, iflag: u32) -> bool {
    iflag & IUTF8 != 0 && c & 0xc0 == 0x80
}

/// One devpts instance: the numbers of the live pairs.
pub struct DevPts {
    jobs: OnceLock<Arc<dyn JobControl>>,
    ptys: Mutex<BTreeMap<u32, Weak<Pty>>>,
}

impl DevPts {
    /// A devpts with no pairs; signals are dropped until [`DevPts::set_job_control`].
    pub fn new() -> Arc<DevPts> {
        Arc::new(DevPts { jobs: OnceLock::new(), ptys: Mutex::new(BTreeMap::new()) })
    }

    /// Give the instance the process layer that delivers its signals (once).
    pub fn set_job_control(&self, jobs: Arc<dyn JobControl>) {
        let _ = self.jobs.set(jobs);
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<u32, Weak<Pty>>> {
        self.ptys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// open(/dev/ptmx): a new pair, locked, with its master open (`uid`, `gid`: the
    /// owner its slave gets).
    pub fn open_master(self: &Arc<Self>, flags: u32, uid: u32) -> KResult<Arc<File>> {
        Ok(File::new(self.new_master(uid)?, flags, None, "/dev/ptmx".into()))
    }

    fn new_master(self: &Arc<Self>, uid: u32) -> KResult<Box<dyn FileOps>> {
        let pty = {
            let mut map = self.lock();
            map.retain(|_, w| w.strong_count() > 0);
            let index = (0..PTY_MAX).find(|i| !map.contains_key(i)).ok_or(errno!(ENOSPC))?;
            let pty = Arc::new(Pty {
                index,
                devpts: self.clone(),
                uid,
                ctrl: Mutex::new(TtyCtrl::default()),
                st: Mutex::new(State::new()),
                waiters: WakerList::default(),
                master_gone: AtomicBool::new(false),
            });
            map.insert(index, Arc::downgrade(&pty));
            pty
        };
        Ok(Box::new(Master(pty)))
    }

    /// The live pair numbered `n`.
    fn get(&self, n: u32) -> Option<Arc<Pty>> {
        self.lock().get(&n).and_then(Weak::upgrade).filter(|p| !p.master_gone.load(Ordering::Acquire))
    }

    /// Numbers of the live pairs, in order.
    pub fn list(&self) -> Vec<u32> {
        self.lock()
            .iter()
            .filter(|(_, w)| w.upgrade().is_some_and(|p| !p.master_gone.load(Ordering::Acquire)))
            .map(|(&n, _)| n)
            .collect()
    }

    fn remove(&self, n: u32) {
        self.lock().remove(&n);
    }

    fn jobs(&self) -> Option<&Arc<dyn JobControl>> {
        self.jobs.get()
    }
}

/// A node of a devpts (and /dev/ptmx, which opens through one).
#[derive(Clone)]
pub enum PtsNode {
    /// The directory /dev/pts.
    Root(Arc<DevPts>),
    /// /dev/ptmx (`in_devpts`: the /dev/pts/ptmx twin, mode 000).
    Ptmx { devpts: Arc<DevPts>, in_devpts: bool },
    /// /dev/pts/N.
    Slave(Arc<DevPts>, u32),
}

impl PtsNode {
    /// The child `name` of the directory.
    pub fn lookup(&self, name: &[u8]) -> KResult<PtsNode> {
        let PtsNode::Root(d) = self else { return_errno!(ENOTDIR) };
        if name == b"ptmx" {
            return Ok(PtsNode::Ptmx { devpts: d.clone(), in_devpts: true });
        }
        let n: u32 = std::str::from_utf8(name).ok().and_then(|s| s.parse().ok()).ok_or(errno!(ENOENT))?;
        if n.to_string().as_bytes() != name || d.get(n).is_none() {
            return_errno!(ENOENT);
        }
        Ok(PtsNode::Slave(d.clone(), n))
    }

    /// stat of the node.
    pub fn stat(&self) -> Stat {
        let base = Stat { st_nlink: 1, st_blksize: 4096, st_dev: DEVPTS_DEV, ..Default::default() };
        match self {
            PtsNode::Root(_) => Stat { st_mode: S_IFDIR | 0o755, st_nlink: 2, st_ino: 1, ..base },
            PtsNode::Ptmx { in_devpts: true, .. } => {
                Stat { st_mode: S_IFCHR, st_ino: 2, st_rdev: libc::makedev(TTYAUX_MAJOR, 2), ..base }
            }
            PtsNode::Ptmx { in_devpts: false, .. } => ptmx_stat(),
            PtsNode::Slave(d, n) => match d.get(*n) {
                Some(p) => p.slave_stat(),
                None => slave_stat(*n, 0),
            },
        }
    }

    /// `st_mode`.
    pub fn mode(&self) -> u32 {
        self.stat().st_mode
    }

    /// Open the node.
    pub fn open(&self, uid: u32) -> KResult<Box<dyn FileOps>> {
        match self {
            PtsNode::Root(d) => Ok(Box::new(crate::synth::SynthDir::open(Arc::new(RootListing(d.clone())), 1)?)),
            PtsNode::Ptmx { devpts, .. } => devpts.new_master(uid),
            PtsNode::Slave(d, n) => d.get(*n).ok_or(errno!(EIO))?.open_slave_ops(),
        }
    }
}

fn ptmx_stat() -> Stat {
    Stat {
        st_mode: S_IFCHR | 0o666,
        st_nlink: 1,
        st_ino: 0x5_0002,
        st_rdev: libc::makedev(TTYAUX_MAJOR, 2),
        st_blksize: 4096,
        ..Default::default()
    }
}

fn slave_stat(n: u32, uid: u32) -> Stat {
    Stat {
        st_mode: S_IFCHR | 0o620,
        st_nlink: 1,
        st_ino: u64::from(n) + 3,
        st_uid: uid,
        st_gid: TTY_GID,
        st_rdev: libc::makedev(PTY_SLAVE_MAJOR + n / 256, n % 256),
        st_blksize: 1024,
        st_dev: DEVPTS_DEV,
        ..Default::default()
    }
}

/// The listing of /dev/pts, through the synthetic-directory reader.
struct RootListing(Arc<DevPts>);

impl crate::synth::SynthNode for RootListing {
    fn mode(&self) -> u32 {
        S_IFDIR | 0o755
    }
    fn ino(&self) -> u64 {
        1
    }
    fn list(&self) -> KResult<Vec<(Vec<u8>, u32, u64)>> {
        let mut v = vec![(b"ptmx".to_vec(), S_IFCHR, 2)];
        v.extend(self.0.list().into_iter().map(|n| (n.to_string().into_bytes(), S_IFCHR, u64::from(n) + 3)));
        Ok(v)
    }
}

/// The line discipline's state.
struct State {
    termios: Termios,
    /// termios2 speeds (kept as set, derived from CBAUD otherwise).
    ispeed: u32,
    ospeed: u32,
    winsize: Winsize,
    /// TIOCSPTLCK: the slave cannot be opened.
    locked: bool,
    /// Input, canonical mode: completed lines (an empty one is an end of file).
    lines: VecDeque<Vec<u8>>,
    /// Input, canonical mode: the line being edited.
    line: Vec<u8>,
    /// Input, non-canonical mode.
    raw: VecDeque<u8>,
    /// The next input character is taken literally (VLNEXT).
    lnext: bool,
    /// Output the master has not read yet (the slave's writes and the echoes).
    out: VecDeque<u8>,
    /// Output column, and the column where the current line's echo started.
    column: usize,
    canon_column: usize,
    /// Output stopped by VSTOP (IXON) or TCOOFF.
    stopped: bool,
    /// Echoes are being dropped (the master reads too little).
    muted: bool,
    /// Open slave descriptions.
    slaves: usize,
    /// The last slave closed (the master reads EIO once its data is read).
    slave_closed: bool,
    /// The master closed: the slave is hung up.
    hung_up: bool,
}

/// A signal a pair raises, sent once its locks are released.
enum Raise {
    Group(u32),
}

impl State {
    fn new() -> State {
        let termios = default_termios();
        State {
            ispeed: baud(termios.c_cflag),
            ospeed: baud(termios.c_cflag),
            termios,
            winsize: Winsize::default(),
            locked: true,
            lines: VecDeque::new(),
            line: Vec::new(),
            raw: VecDeque::new(),
            lnext: false,
            out: VecDeque::new(),
            column: 0,
            canon_column: 0,
            stopped: false,
            muted: false,
            slaves: 0,
            slave_closed: false,
            hung_up: false,
        }
    }

    fn lflag(&self, f: u32) -> bool {
        self.termios.c_lflag & f != 0
    }

    fn iflag(&self, f: u32) -> bool {
        self.termios.c_iflag & f != 0
    }

    fn oflag(&self, f: u32) -> bool {
        self.termios.c_oflag & f != 0
    }

    /// Whether `c` is the (enabled) control character at `idx`; NUL never is.
    fn is(&self, c: u8, idx: usize) -> bool {
        c != 0 && self.termios.c_cc[idx] == c
    }

    fn canonical(&self) -> bool {
        self.lflag(ICANON)
    }

    fn input_len(&self) -> usize {
        self.lines.iter().map(Vec::len).sum::<usize>() + self.line.len() + self.raw.len()
    }

    /// Bytes a read could take now (FIONREAD).
    fn readable_len(&self) -> usize {
        if self.canonical() {
            self.lines.iter().map(Vec::len).sum()
        } else {
            self.raw.len()
        }
    }

    fn flush_input(&mut self) {
        self.lines.clear();
        self.line.clear();
        self.raw.clear();
        self.lnext = false;
    }

    // ---- output processing (do_output_char) ----

    /// Queue `c` for the master, with OPOST processing.
    fn output_char(&mut self, c: u8) {
        if !self.oflag(OPOST) {
            self.emit(&[c]);
            return;
        }
        let mut c = c;
        match c {
            b'\n' => {
                if self.oflag(ONLRET) {
                    self.column = 0;
                }
                if self.oflag(ONLCR) {
                    self.column = 0;
                    self.canon_column = 0;
                    self.emit(b"\r\n");
                    return;
                }
                self.canon_column = self.column;
            }
            b'\r' => {
                if self.oflag(ONOCR) && self.column == 0 {
                    return;
                }
                if self.oflag(OCRNL) {
                    c = b'\n';
                    if self.oflag(ONLRET) {
                        self.column = 0;
                        self.canon_column = 0;
                    }
                } else {
                    self.column = 0;
                    self.canon_column = 0;
                }
            }
            b'\t' => {
                let spaces = 8 - (self.column & 7);
                self.column += spaces;
                if self.termios.c_oflag & TABDLY == XTABS {
                    self.emit(&b"        "[..spaces]);
                    return;
                }
            }
            8 => self.column = self.column.saturating_sub(1),
            _ => {
                if !is_cntrl(c) {
                    if self.oflag(OLCUC) {
                        c = c.to_ascii_uppercase();
                    }
                    if !is_continuation(c, self.termios.c_iflag) {
                        self.column += 1;
                    }
                }
            }
        }
        self.emit(&[c]);
    }

    /// Queue output for the master; echoes are dropped while the output is full.
    fn emit(&mut self, bytes: &[u8]) {
        if !self.muted {
            self.out.extend(bytes);
        }
    }

    /// Echo `c`: control characters as ^X with ECHOCTL (echo_char).
    fn echo_char(&mut self, c: u8) {
        if self.lflag(ECHOCTL) && is_cntrl(c) && c != b'\t' {
            self.emit(&[b'^', c ^ 0o100]);
            self.column += 2;
        } else {
            self.output_char(c);
        }
    }

    /// Echo an ordinary character of the input, noting where a line's echo starts.
    fn echo_input(&mut self, c: u8) {
        if self.lflag(ECHO) {
            if self.canonical() && self.line.is_empty() {
                self.canon_column = self.column;
            }
            self.echo_char(c);
        }
    }

    fn echo_rubout(&mut self) {
        for b in *b"\x08 \x08" {
            self.output_char(b);
        }
    }

    // ---- input processing (n_tty_receive_char) ----

    /// Take bytes written by the master; returns how many were taken. Each byte adds
    /// at most one to the input, so the room is counted once.
    fn receive(&mut self, data: &[u8], raised: &mut Vec<Raise>) -> usize {
        let room = INPUT_MAX.saturating_sub(self.input_len());
        let n = data.len().min(room);
        for &c in &data[..n] {
            self.muted = self.out.len() >= OUTPUT_MAX;
            self.receive_char(c, raised);
        }
        self.muted = false;
        n
    }

    fn receive_char(&mut self, c: u8, raised: &mut Vec<Raise>) {
        let mut c = c;
        if self.iflag(ISTRIP) {
            c &= 0x7f;
        }
        if self.iflag(IUCLC) && self.lflag(IEXTEN) {
            c = c.to_ascii_lowercase();
        }
        if std::mem::take(&mut self.lnext) {
            self.put(c);
            return;
        }
        if self.iflag(IXON) {
            if self.is(c, VSTOP) {
                self.stopped = true;
                return;
            }
            if self.is(c, VSTART) {
                self.stopped = false;
                return;
            }
            if self.iflag(IXANY) {
                self.stopped = false;
            }
        }
        if self.lflag(ISIG) {
            let sig = [(VINTR, SIGINT), (VQUIT, SIGQUIT), (VSUSP, SIGTSTP)].into_iter().find(|&(i, _)| self.is(c, i));
            if let Some((_, sig)) = sig {
                if !self.lflag(NOFLSH) {
                    self.flush_input();
                }
                raised.push(Raise::Group(sig));
                self.stopped = false;
                if self.lflag(ECHO) {
                    self.echo_char(c);
                }
                return;
            }
        }
        let mapped = (c == b'\r' && self.iflag(IGNCR | ICRNL)) || (c == b'\n' && self.iflag(INLCR));
        if c == b'\r' {
            if self.iflag(IGNCR) {
                return;
            }
            if self.iflag(ICRNL) {
                c = b'\n';
            }
        } else if c == b'\n' && self.iflag(INLCR) {
            c = b'\r';
        }
        if !self.canonical() {
            // A newline that input mapping made (or kept) echoes as a newline, not ^J.
            if mapped && c == b'\n' {
                if self.lflag(ECHO) {
                    self.output_char(c);
                }
            } else {
                self.echo_input(c);
            }
            self.raw.push_back(c);
            return;
        }
        let iexten = self.lflag(IEXTEN);
        if self.is(c, VERASE) || self.is(c, VKILL) || (iexten && self.is(c, VWERASE)) {
            self.erase(c);
        } else if iexten && self.is(c, VLNEXT) {
            self.lnext = true;
            if self.lflag(ECHO) && self.lflag(ECHOCTL) {
                self.emit(b"^\x08");
            }
        } else if iexten && self.lflag(ECHO) && self.is(c, VREPRINT) {
            self.echo_char(c);
            self.output_char(b'\n');
            for b in self.line.clone() {
                self.echo_char(b);
            }
        } else if c == b'\n' {
            if self.lflag(ECHO) || self.lflag(ECHONL) {
                self.output_char(b'\n');
            }
            self.end_line(Some(c));
        } else if self.is(c, VEOF) {
            self.end_line(None);
        } else if self.is(c, VEOL) || (iexten && self.is(c, VEOL2)) {
            self.echo_input(c);
            self.end_line(Some(c));
        } else {
            self.put(c);
        }
    }

    /// An ordinary input character.
    fn put(&mut self, c: u8) {
        if self.canonical() {
            if self.line.len() < LINE_MAX {
                self.echo_input(c);
                self.line.push(c);
            }
        } else {
            self.echo_input(c);
            self.raw.push_back(c);
        }
    }

    fn end_line(&mut self, term: Option<u8>) {
        let mut line = std::mem::take(&mut self.line);
        line.extend(term);
        self.lines.push_back(line);
    }

    /// ERASE, WERASE or KILL (n_tty's eraser).
    fn erase(&mut self, c: u8) {
        #[derive(PartialEq)]
        enum Kind {
            Erase,
            Werase,
            Kill,
        }
        if self.line.is_empty() {
            return;
        }
        let echo = self.lflag(ECHO);
        let kind = if self.is(c, VERASE) {
            Kind::Erase
        } else if self.is(c, VWERASE) {
            Kind::Werase
        } else {
            if !echo {
                self.line.clear();
                return;
            }
            if !self.lflag(ECHOK) || !self.lflag(ECHOKE) || !self.lflag(ECHOE) {
                self.line.clear();
                self.echo_char(c);
                if self.lflag(ECHOK) {
                    self.output_char(b'\n');
                }
                return;
            }
            Kind::Kill
        };
        let iflag = self.termios.c_iflag;
        let mut seen_alnums = 0;
        while !self.line.is_empty() {
            let mut head = self.line.len();
            let mut ch;
            loop {
                head -= 1;
                ch = self.line[head];
                if !(is_continuation(ch, iflag) && head > 0) {
                    break;
                }
            }
            if is_continuation(ch, iflag) {
                break;
            }
            if kind == Kind::Werase {
                if ch.is_ascii_alphanumeric() || ch == b'_' {
                    seen_alnums += 1;
                } else if seen_alnums > 0 {
                    break;
                }
            }
            self.line.truncate(head);
            if echo {
                if kind == Kind::Erase && !self.lflag(ECHOE) {
                    self.echo_char(self.termios.c_cc[VERASE]);
                } else if ch == b'\t' {
                    self.erase_tab();
                } else {
                    let ctl = is_cntrl(ch);
                    if ctl && self.lflag(ECHOCTL) {
                        self.echo_rubout();
                    }
                    if !ctl || self.lflag(ECHOCTL) {
                        self.echo_rubout();
                    }
                }
            }
            if kind == Kind::Erase {
                break;
            }
        }
    }

    /// Back up over an erased tab to where the character before it ended.
    fn erase_tab(&mut self) {
        let iflag = self.termios.c_iflag;
        let mut cols = 0usize;
        let mut after_tab = false;
        for &b in self.line.iter().rev() {
            if b == b'\t' {
                after_tab = true;
                break;
            } else if is_cntrl(b) {
                if self.lflag(ECHOCTL) {
                    cols += 2;
                }
            } else if !is_continuation(b, iflag) {
                cols += 1;
            }
        }
        if !after_tab {
            cols += self.canon_column;
        }
        let n = (8 - (cols & 7)).min(self.column);
        for _ in 0..n {
            self.emit(&[8]);
        }
        self.column -= n;
    }

    // ---- reads ----

    /// The slave's read of what is available (never waits; EAGAIN when nothing is).
    fn read_input(&mut self, buf: &mut [u8], min: usize) -> KResult<usize> {
        if self.canonical() {
            let Some(front) = self.lines.front_mut() else { return_errno!(EAGAIN) };
            let n = buf.len().min(front.len());
            buf[..n].copy_from_slice(&front[..n]);
            front.drain(..n);
            if front.is_empty() {
                self.lines.pop_front();
            }
            return Ok(n);
        }
        if self.raw.len() < min.max(1) {
            if min == 0 {
                return Ok(0);
            }
            return_errno!(EAGAIN);
        }
        let n = buf.len().min(self.raw.len());
        for (d, s) in buf.iter_mut().zip(self.raw.drain(..n)) {
            *d = s;
        }
        Ok(n)
    }

    /// A new termios (TCSETS*), keeping pending input across ICANON changes as Linux.
    fn set_termios(&mut self, mut t: Termios, speeds: Option<(u32, u32)>) {
        t.c_cflag = (t.c_cflag & !(CSIZE | 0o400)) | CS8 | CREAD;
        let was = self.canonical();
        self.termios = t;
        match speeds {
            Some((i, o)) if t.c_cflag & CBAUD == BOTHER => {
                self.ispeed = i;
                self.ospeed = o;
            }
            _ => {
                self.ispeed = baud(t.c_cflag);
                self.ospeed = self.ispeed;
            }
        }
        let now = self.canonical();
        if was && !now {
            let mut raw: VecDeque<u8> = self.lines.drain(..).flatten().collect();
            raw.extend(self.line.drain(..));
            raw.extend(self.raw.drain(..));
            self.raw = raw;
        } else if !was && now && !self.raw.is_empty() {
            let pending: Vec<u8> = self.raw.drain(..).collect();
            self.lines.push_back(pending);
        }
    }
}

/// A master and slave pair.
pub struct Pty {
    index: u32,
    devpts: Arc<DevPts>,
    uid: u32,
    ctrl: Mutex<TtyCtrl>,
    st: Mutex<State>,
    waiters: WakerList,
    /// Set when the master closes (the pair leaves the devpts listing).
    master_gone: AtomicBool,
}

impl Pty {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The pair's number (the N of /dev/pts/N).
    pub fn index(&self) -> u32 {
        self.index
    }

    fn slave_stat(&self) -> Stat {
        slave_stat(self.index, self.uid)
    }

    fn path(&self) -> String {
        format!("/dev/pts/{}", self.index)
    }

    fn open_slave_ops(self: &Arc<Self>) -> KResult<Box<dyn FileOps>> {
        let mut st = self.lock();
        if st.locked || st.hung_up {
            return_errno!(EIO);
        }
        st.slaves += 1;
        st.slave_closed = false;
        Ok(Box::new(Slave(self.clone())))
    }

    /// Open the slave (TIOCGPTPEER, /dev/tty).
    pub fn open_slave(self: &Arc<Self>, flags: u32) -> KResult<Arc<File>> {
        let ops = self.open_slave_ops()?;
        Ok(File::new(ops, flags, None, self.path()))
    }

    /// Run `f` on the state, then wake waiters and raise signals.
    fn with<T>(&self, f: impl FnOnce(&mut State, &mut Vec<Raise>) -> T) -> T {
        let mut raised = Vec::new();
        let r = {
            let mut st = self.lock();
            f(&mut st, &mut raised)
        };
        self.waiters.wake_all();
        self.raise(raised);
        r
    }

    /// A read or write: waiters are woken only when it did something (a waiting reader
    /// that retries must not wake itself).
    fn io(&self, f: impl FnOnce(&mut State, &mut Vec<Raise>) -> KResult<usize>) -> KResult<usize> {
        let mut raised = Vec::new();
        let r = {
            let mut st = self.lock();
            f(&mut st, &mut raised)
        };
        if r.is_ok() {
            self.waiters.wake_all();
        }
        self.raise(raised);
        r
    }

    fn raise(&self, raised: Vec<Raise>) {
        if raised.is_empty() {
            return;
        }
        let Some(pgrp) = lock_ctrl(&self.ctrl).pgrp else { return };
        if let Some(jobs) = self.devpts.jobs() {
            for Raise::Group(sig) in raised {
                jobs.signal_group(pgrp, sig);
            }
        }
    }

    /// The master closed: the session it controls is told first (its leader's SIGHUP
    /// must be pending before a reader waiting on the slave sees the hangup), then the
    /// slave hangs up.
    fn master_closed(self: &Arc<Self>) {
        self.master_gone.store(true, Ordering::Release);
        self.devpts.remove(self.index);
        let session = std::mem::take(&mut *lock_ctrl(&self.ctrl)).session;
        if let Some(jobs) = self.devpts.jobs() {
            let tty: Arc<dyn Terminal> = self.clone();
            jobs.hangup(&tty, session);
        }
        {
            let mut st = self.lock();
            st.hung_up = true;
            st.flush_input();
        }
        self.waiters.wake_all();
    }

    fn slave_closed(&self) {
        let mut st = self.lock();
        st.slaves = st.slaves.saturating_sub(1);
        if st.slaves == 0 {
            st.slave_closed = true;
        }
        drop(st);
        self.waiters.wake_all();
    }

    /// The ioctls both ends answer (on the slave's termios and window size).
    fn common_ioctl(&self, cmd: u64, arg: u64, mm: &MemoryManager, master: bool) -> KResult<u64> {
        match cmd {
            TCGETS => {
                let t = self.lock().termios;
                mm.write_val(arg, &t)?;
            }
            TCGETS2 => {
                let st = self.lock();
                let t2 = Termios2 { termios: st.termios, c_ispeed: st.ispeed, c_ospeed: st.ospeed };
                drop(st);
                mm.write_val(arg, &t2)?;
            }
            TCSETS | TCSETSW | TCSETSF | TCSETS2 | TCSETSW2 | TCSETSF2 => {
                let (t, speeds) = if matches!(cmd, TCSETS | TCSETSW | TCSETSF) {
                    (mm.read_val(arg)?, None)
                } else {
                    let t2: Termios2 = mm.read_val(arg)?;
                    (t2.termios, Some((t2.c_ispeed, t2.c_ospeed)))
                };
                self.with(|st, _| {
                    if matches!(cmd, TCSETSF | TCSETSF2) {
                        st.flush_input();
                    }
                    st.set_termios(t, speeds)
                });
            }
            TIOCGWINSZ => {
                let w = self.lock().winsize;
                mm.write_val(arg, &w)?;
            }
            TIOCSWINSZ => {
                let w: Winsize = mm.read_val(arg)?;
                self.with(|st, raised| {
                    if st.winsize != w {
                        st.winsize = w;
                        raised.push(Raise::Group(SIGWINCH));
                    }
                });
            }
            FIONREAD => {
                let st = self.lock();
                let n = if master { st.out.len() } else { st.readable_len() };
                drop(st);
                mm.write_val(arg, &(n.min(i32::MAX as usize) as i32))?;
            }
            TIOCOUTQ => mm.write_val(arg, &0i32)?,
            TCFLSH => {
                let (input, output) = match arg {
                    TCIFLUSH => (true, false),
                    TCOFLUSH => (false, true),
                    TCIOFLUSH => (true, true),
                    _ => return_errno!(EINVAL),
                };
                // The master's input is the slave's output.
                let (input, output) = if master { (output, input) } else { (input, output) };
                self.with(|st, _| {
                    if input {
                        st.flush_input();
                    }
                    if output {
                        st.out.clear();
                    }
                });
            }
            // Nothing is ever waiting to be sent on a pty: drain and break are immediate.
            TCSBRK | TCSBRKP => {}
            TCXONC => match arg {
                0 => self.with(|st, _| st.stopped = true),
                1 => self.with(|st, _| st.stopped = false),
                2 | 3 => self.with(|st, _| {
                    let c = st.termios.c_cc[if arg == 2 { VSTOP } else { VSTART }];
                    if c != 0 {
                        st.out.push_back(c);
                    }
                }),
                _ => return_errno!(EINVAL),
            },
            TIOCGETD => mm.write_val(arg, &0i32)?,
            _ => return_errno!(ENOTTY),
        }
        Ok(0)
    }

    /// The slave's read timing: `None` in canonical mode, else (VMIN, VTIME).
    fn timing(&self) -> Option<(u8, u8)> {
        let st = self.lock();
        (!st.canonical()).then(|| (st.termios.c_cc[VMIN], st.termios.c_cc[VTIME]))
    }
}

impl Terminal for Pty {
    fn ctrl(&self) -> MutexGuard<'_, TtyCtrl> {
        lock_ctrl(&self.ctrl)
    }

    fn reopen(&self) -> KResult<Box<dyn FileOps>> {
        self.devpts.get(self.index).ok_or(errno!(EIO))?.open_slave_ops()
    }

    fn hung_up(&self) -> bool {
        self.lock().hung_up
    }

    fn tostop(&self) -> bool {
        self.lock().lflag(TOSTOP)
    }

    fn device(&self) -> (u32, u32) {
        (PTY_SLAVE_MAJOR + self.index / 256, self.index % 256)
    }
}

/// What both ends answer alike: waiters on the pair, and recognition by downcast.
macro_rules! pty_end_common {
    () => {
        fn add_waiter(&self, w: Arc<dyn Waker>) -> Option<u64> {
            Some(self.0.waiters.add(w))
        }

        fn remove_waiter(&self, id: u64) {
            self.0.waiters.remove(id)
        }

        fn as_any(&self) -> Option<&dyn std::any::Any> {
            Some(self)
        }
    };
}

/// The master side, as opened from /dev/ptmx.
pub struct Master(Arc<Pty>);

/// The slave side, /dev/pts/N.
pub struct Slave(Arc<Pty>);

impl Master {
    /// The pair.
    pub fn pty(&self) -> &Arc<Pty> {
        &self.0
    }
}

impl Slave {
    /// The pair.
    pub fn pty(&self) -> &Arc<Pty> {
        &self.0
    }

    /// `None` in canonical mode, else (VMIN, VTIME): the system-call layer times
    /// non-canonical reads with [`Slave::read_min`] and [`Slave::available`].
    pub fn timing(&self) -> Option<(u8, u8)> {
        self.0.timing()
    }

    /// A non-canonical read that takes at least `min` bytes (EAGAIN with fewer; `min`
    /// 0 returns at once, possibly 0), or a canonical read of one line.
    pub fn read_min(&self, buf: &mut [u8], min: usize) -> KResult<usize> {
        if self.0.lock().hung_up {
            return Ok(0);
        }
        self.0.io(|st, _| st.read_input(buf, min))
    }

    /// Input bytes a read could take now.
    pub fn available(&self) -> usize {
        self.0.lock().readable_len()
    }
}

impl Drop for Master {
    fn drop(&mut self) {
        self.0.master_closed();
    }
}

impl Drop for Slave {
    fn drop(&mut self) {
        self.0.slave_closed();
    }
}

impl FileOps for Master {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        self.0.io(|st, _| {
            if st.out.is_empty() {
                if st.slave_closed {
                    return_errno!(EIO);
                }
                return_errno!(EAGAIN);
            }
            let n = buf.len().min(st.out.len());
            for (d, s) in buf.iter_mut().zip(st.out.drain(..n)) {
                *d = s;
            }
            Ok(n)
        })
    }

    fn write(&self, buf: &[u8], _append: bool) -> KResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.0.io(|st, raised| match st.receive(buf, raised) {
            0 => return_errno!(EAGAIN),
            n => Ok(n),
        })
    }

    fn stat(&self) -> KResult<Stat> {
        Ok(ptmx_stat())
    }

    fn poll(&self) -> u32 {
        let st = self.0.lock();
        let mut ev = 0;
        if !st.out.is_empty() {
            ev |= POLLIN | POLLRDNORM;
        }
        if st.slave_closed {
            ev |= POLLHUP;
        }
        if st.input_len() < INPUT_MAX {
            ev |= POLLOUT | POLLWRNORM;
        }
        ev
    }

    fn ioctl(&self, cmd: u64, arg: u64, mm: &MemoryManager) -> KResult<u64> {
        match cmd {
            TIOCGPTN => mm.write_val(arg, &self.0.index).map(|_| 0),
            TIOCSPTLCK => {
                let v: i32 = mm.read_val(arg)?;
                self.0.lock().locked = v != 0;
                Ok(0)
            }
            TIOCGPTLCK => {
                let v = i32::from(self.0.lock().locked);
                mm.write_val(arg, &v).map(|_| 0)
            }
            _ => self.0.common_ioctl(cmd, arg, mm, true),
        }
    }

    pty_end_common!();
}

impl FileOps for Slave {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        // Non-canonical VMIN = VTIME = 0 reads return at once; other modes wait for data.
        let min = match self.timing() {
            Some((0, 0)) => 0,
            _ => 1,
        };
        self.read_min(buf, min)
    }

    fn write(&self, buf: &[u8], _append: bool) -> KResult<usize> {
        self.0.io(|st, _| {
            if st.hung_up {
                return_errno!(EIO);
            }
            if buf.is_empty() {
                return Ok(0);
            }
            let mut n = 0;
            while n < buf.len() && !st.stopped && st.out.len() < OUTPUT_MAX {
                st.output_char(buf[n]);
                n += 1;
            }
            if n == 0 {
                return_errno!(EAGAIN);
            }
            Ok(n)
        })
    }

    fn stat(&self) -> KResult<Stat> {
        Ok(self.0.slave_stat())
    }

    fn poll(&self) -> u32 {
        let st = self.0.lock();
        if st.hung_up {
            return POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM;
        }
        let mut ev = 0;
        let need = match (st.canonical(), st.termios.c_cc[VMIN], st.termios.c_cc[VTIME]) {
            (false, m, 0) if m > 0 => usize::from(m),
            _ => 1,
        };
        let readable = if st.canonical() { !st.lines.is_empty() } else { st.raw.len() >= need };
        if readable {
            ev |= POLLIN | POLLRDNORM;
        }
        if !st.stopped && st.out.len() < OUTPUT_MAX {
            ev |= POLLOUT | POLLWRNORM;
        }
        ev
    }

    fn ioctl(&self, cmd: u64, arg: u64, mm: &MemoryManager) -> KResult<u64> {
        if self.0.lock().hung_up {
            return_errno!(EIO);
        }
        match cmd {
            TIOCGPTN | TIOCSPTLCK | TIOCGPTLCK => return_errno!(ENOTTY),
            _ => self.0.common_ioctl(cmd, arg, mm, false),
        }
    }

    pty_end_common!();
}

/// The terminal a description is an end of, and whether it is the master.
pub fn terminal_of(f: &File) -> Option<(Arc<Pty>, bool)> {
    let any = f.as_any()?;
    if let Some(m) = any.downcast_ref::<Master>() {
        return Some((m.0.clone(), true));
    }
    any.downcast_ref::<Slave>().map(|s| (s.0.clone(), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(st: &mut State, input: &[u8]) -> Vec<Raise> {
        let mut raised = Vec::new();
        assert_eq!(st.receive(input, &mut raised), input.len());
        raised
    }

    fn echoed(st: &mut State) -> Vec<u8> {
        st.out.drain(..).collect()
    }

    fn read_all(st: &mut State) -> Vec<u8> {
        let mut buf = [0u8; 256];
        let n = st.read_input(&mut buf, 1).unwrap_or(0);
        buf[..n].to_vec()
    }

    #[test]
    fn canonical_editing_and_echo() {
        let mut st = State::new();
        typed(&mut st, b"abc\x7fd\n");
        assert_eq!(read_all(&mut st), b"abd\n");
        assert_eq!(echoed(&mut st), b"abc\x08 \x08d\r\n");
        typed(&mut st, b"one two\x17three\x15x\r");
        assert_eq!(read_all(&mut st), b"x\n");
        typed(&mut st, b"\x04");
        let mut buf = [0u8; 8];
        assert_eq!(st.read_input(&mut buf, 1).ok(), Some(0), "EOF on an empty line reads 0");
        assert_eq!(st.read_input(&mut buf, 1).map_err(|e| e.errno), Err(kernel_abi::Errno::EAGAIN));
    }

    #[test]
    fn signal_characters_flush_and_echo() {
        let mut st = State::new();
        let raised = typed(&mut st, b"partial\x03");
        assert!(matches!(raised.as_slice(), [Raise::Group(SIGINT)]));
        assert!(st.line.is_empty());
        assert!(echoed(&mut st).ends_with(b"^C"));
        st.termios.c_lflag &= !ISIG;
        assert!(typed(&mut st, b"\x03\n").is_empty());
        assert_eq!(read_all(&mut st), b"\x03\n");
    }

    #[test]
    fn output_processing() {
        let mut st = State::new();
        for &c in b"a\tb\n" {
            st.output_char(c);
        }
        assert_eq!(echoed(&mut st), b"a\tb\r\n");
        st.termios.c_oflag |= XTABS;
        for &c in b"a\tb" {
            st.output_char(c);
        }
        assert_eq!(echoed(&mut st), b"a       b");
        st.termios.c_oflag &= !OPOST;
        st.output_char(b'\n');
        assert_eq!(echoed(&mut st), b"\n");
    }

    #[test]
    fn mode_switches_keep_pending_input() {
        let mut st = State::new();
        typed(&mut st, b"line\npart");
        let mut raw = st.termios;
        raw.c_lflag &= !ICANON;
        st.set_termios(raw, None);
        assert_eq!(read_all(&mut st), b"line\npart");
        typed(&mut st, b"xy");
        st.set_termios(default_termios(), None);
        assert_eq!(read_all(&mut st), b"xy");
        // A pty keeps eight bits and the receiver on.
        let mut odd = default_termios();
        odd.c_cflag = (odd.c_cflag & !(CSIZE | CREAD)) | 0o20;
        st.set_termios(odd, None);
        assert_eq!(st.termios.c_cflag & (CSIZE | CREAD), CS8 | CREAD);
    }

    #[test]
    fn devpts_lists_live_pairs_and_hangs_up() {
        let devpts = DevPts::new();
        let m = devpts.open_master(kernel_abi::flags::open::O_RDWR, 0).unwrap();
        let (pty, master) = terminal_of(&m).unwrap();
        assert!(master);
        assert_eq!(devpts.list(), vec![pty.index()]);
        assert_eq!(pty.open_slave(0).map_err(|e| e.errno).err(), Some(kernel_abi::Errno::EIO), "locked");
        pty.lock().locked = false;
        let s = pty.open_slave(kernel_abi::flags::open::O_RDWR).unwrap();
        assert_eq!(s.write(b"hi\n").unwrap(), 3);
        let mut buf = [0u8; 8];
        assert_eq!(m.read(&mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], b"hi\r\n");
        drop(m);
        assert!(devpts.list().is_empty());
        assert_eq!(s.read(&mut buf).unwrap(), 0, "a hung-up slave reads end of file");
        assert_eq!(s.write(b"x").map_err(|e| e.errno), Err(kernel_abi::Errno::EIO));
        assert_ne!(s.poll() & POLLHUP, 0);
    }
}
