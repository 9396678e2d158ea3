//! Moving data between descriptors without a trip through the caller's memory:
//! sendfile, splice, tee, vmsplice and copy_file_range.
//!
//! Everything goes through a bounce buffer in the Sentry (there are no page references
//! to move between pipes and files). A transfer takes from its source only what its
//! destination accepted: a pipe source is peeked and then consumed by the amount
//! written, a file source is read at a position that advances by the amount written,
//! and a stream source (a socket, a device) is read only into a pipe, with no more than
//! the pipe's free space. Waiting for a pipe or socket is interruptible, as for read
//! and write; nothing blocks the Sentry on a pipe.

use std::sync::Arc;

use kernel_abi::flags::mode::*;
use kernel_abi::flags::open::*;
use kernel_abi::flags::poll::*;
use kernel_abi::{return_errno, Errno, KResult};
use kernel_fs::pipe::{pipe_of, Pipe};
use kernel_fs::File;

use crate::task::Task;

/// Largest transfer of one call (Linux's MAX_RW_COUNT).
const MAX_RW: u64 = 0x7fff_f000;
/// The bounce buffer: a pipe's capacity.
const BOUNCE: usize = kernel_fs::pipe::PIPE_SIZE;
/// Bytes one call moves at most between two files (a short count, as Linux may return).
const FILE_CHUNK: usize = 16 << 20;

/// splice flags.
const SPLICE_F_MOVE: u32 = 1;
const SPLICE_F_NONBLOCK: u32 = 2;
const SPLICE_F_MORE: u32 = 4;
const SPLICE_F_GIFT: u32 = 8;
const SPLICE_F_ALL: u32 = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT;

/// Where the bytes come from.
enum Src {
    /// A pipe: peeked, then consumed by what the destination took.
    Pipe(Arc<File>, Arc<Pipe>),
    /// A regular file at a position: the caller's offset, or the file's own (`None`),
    /// which advances.
    File(Arc<File>, Option<u64>),
    /// Anything else readable (a socket, a device): only ever read into a pipe.
    Stream(Arc<File>),
}

/// Where the bytes go.
enum Sink {
    Pipe(Arc<File>, Arc<Pipe>),
    /// A file at the caller's offset (`Some`), or at its own position or a stream (`None`).
    File(Arc<File>, Option<u64>),
}

/// What one step of a transfer did.
enum Step {
    Moved(usize),
    /// The source is at its end.
    Eof,
    /// The source (true) or the destination (false) would block.
    Blocked(bool),
}

impl Src {
    fn file(&self) -> &Arc<File> {
        match self {
            Src::Pipe(f, _) | Src::File(f, _) | Src::Stream(f) => f,
        }
    }
}

impl Sink {
    fn file(&self) -> &Arc<File> {
        match self {
            Sink::Pipe(f, _) | Sink::File(f, _) => f,
        }
    }
}

fn is_reg(f: &File) -> KResult<bool> {
    Ok(f.stat()?.st_mode & S_IFMT == S_IFREG)
}

/// The file's own position (for a source or destination without an offset pointer).
fn own_pos(f: &File) -> KResult<u64> {
    f.seek(0, kernel_abi::flags::seek::SEEK_CUR)
}

fn set_pos(f: &File, pos: u64) -> KResult<()> {
    f.seek(pos as i64, kernel_abi::flags::seek::SEEK_SET).map(|_| ())
}

/// One step: at most `want` bytes from `src` to `sink`.
fn step(t: &mut Task, src: &mut Src, sink: &mut Sink, buf: &mut [u8], want: usize) -> KResult<Step> {
    let mut want = want.min(buf.len());
    if let Sink::Pipe(_, p) = sink {
        if p.ends().0 == 0 {
            return_errno!(EPIPE);
        }
        let space = p.space();
        if space == 0 {
            return Ok(Step::Blocked(false));
        }
        want = want.min(space);
    }
    let got = match src {
        Src::Pipe(_, p) => p.peek(&mut buf[..want]),
        Src::File(f, Some(pos)) => f.pread(&mut buf[..want], *pos),
        Src::File(f, None) => own_pos(f).and_then(|pos| f.pread(&mut buf[..want], pos)),
        Src::Stream(f) => f.read(&mut buf[..want]),
    };
    let n = match got {
        Ok(0) => return Ok(Step::Eof),
        Ok(n) => n,
        Err(e) if e.errno == Errno::EAGAIN => return Ok(Step::Blocked(true)),
        Err(e) => return Err(e),
    };
    let wrote = match sink {
        Sink::Pipe(f, _) => f.write(&buf[..n]),
        Sink::File(f, Some(pos)) => f.pwrite(&buf[..n], *pos),
        Sink::File(f, None) => {
            let f = f.clone();
            t.ready_for(&f, true).and_then(|_| f.write(&buf[..n]))
        }
    };
    let w = match wrote {
        Ok(w) => w,
        // Nothing was taken from the source yet: a stream source has no such guarantee,
        // but it only ever feeds a pipe, whose space was checked.
        Err(e) if e.errno == Errno::EAGAIN => return Ok(Step::Blocked(false)),
        Err(e) => return Err(e),
    };
    match src {
        Src::Pipe(_, p) => p.consume(w),
        Src::File(_, Some(pos)) => *pos += w as u64,
        Src::File(f, None) => {
            let pos = own_pos(f)?;
            set_pos(f, pos + w as u64)?;
        }
        Src::Stream(_) => {}
    }
    if let Sink::File(_, Some(pos)) = sink {
        *pos += w as u64;
    }
    Ok(Step::Moved(w))
}

/// Move up to `len` bytes. With a pipe on either side the call returns after the first
/// step that moved something (as Linux's splice does); between two files it goes on to
/// `len` or the end of the source. `nonblock`: answer EAGAIN rather than wait.
fn transfer(t: &mut Task, src: &mut Src, sink: &mut Sink, len: u64, nonblock: bool) -> KResult<u64> {
    let piped = matches!(src, Src::Pipe(..)) || matches!(sink, Sink::Pipe(..));
    let len = len.min(MAX_RW) as usize;
    let len = if piped { len } else { len.min(FILE_CHUNK) };
    let mut buf = vec![0u8; len.min(BOUNCE)];
    let mut done = 0usize;
    while done < len {
        let r = step(t, src, sink, &mut buf, len - done);
        match r {
            Ok(Step::Moved(n)) => {
                done += n;
                if piped {
                    break;
                }
            }
            Ok(Step::Eof) => break,
            Ok(Step::Blocked(_)) if done > 0 => break,
            Ok(Step::Blocked(_)) if nonblock => return_errno!(EAGAIN),
            Ok(Step::Blocked(from_src)) => {
                let (f, events) = if from_src {
                    (src.file().clone(), POLLIN | POLLHUP | POLLERR)
                } else {
                    (sink.file().clone(), POLLOUT | POLLERR)
                };
                wait_ready(t, &f, events)?;
            }
            Err(_) if done > 0 => break,
            Err(e) => return Err(e),
        }
    }
    Ok(done as u64)
}

/// Wait, interruptibly, until `f` reports one of `events`.
fn wait_ready(t: &mut Task, f: &Arc<File>, events: u32) -> KResult<()> {
    if let Some(fd) = f.host_fd() {
        return t.wait_host_io(fd, events & POLLOUT != 0, false);
    }
    let waiter = f.clone();
    let blocking = File::new(Box::new(NeverNonblock(waiter)), O_RDONLY, None, String::new());
    t.io_wait(&blocking, |_| if f.poll() & events != 0 { Ok(()) } else { return_errno!(EAGAIN) })
}

/// A view of a file for [`Task::io_wait`] that waits whatever the file's O_NONBLOCK (the
/// transfer decided already whether to wait).
struct NeverNonblock(Arc<File>);

impl kernel_fs::FileOps for NeverNonblock {
    fn stat(&self) -> KResult<kernel_abi::Stat> {
        self.0.stat()
    }
    fn add_waiter(&self, w: Arc<dyn kernel_fs::pipe::Waker>) -> Option<u64> {
        self.0.add_waiter(w)
    }
    fn remove_waiter(&self, id: u64) {
        self.0.remove_waiter(id)
    }
}

/// Read a user offset (loff_t); EFAULT for a bad pointer, `None` for NULL.
fn read_off(t: &Task, addr: u64) -> KResult<Option<u64>> {
    if addr == 0 {
        return Ok(None);
    }
    let v: i64 = t.mm.read_val(addr)?;
    Ok(Some(v as u64))
}

/// Linux's rw_verify_area: a negative position, or one whose end overflows, is EINVAL.
fn check_pos(pos: u64, len: u64) -> KResult<()> {
    if (pos as i64) < 0 || (pos as i64).checked_add(len as i64).is_none() {
        return_errno!(EINVAL);
    }
    Ok(())
}

fn write_off(t: &Task, addr: u64, pos: Option<u64>) -> KResult<()> {
    match pos {
        Some(p) if addr != 0 => t.mm.write_val(addr, &(p as i64)),
        _ => Ok(()),
    }
}

fn sink_pos(s: &Sink) -> Option<u64> {
    match s {
        Sink::File(_, p) => *p,
        Sink::Pipe(..) => None,
    }
}

fn src_pos(s: &Src) -> Option<u64> {
    match s {
        Src::File(_, p) => *p,
        _ => None,
    }
}

/// sendfile(2): from a regular file (or, into a pipe, anything readable) to any
/// writable file.
pub(crate) fn sys_sendfile(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (out_fd, in_fd, off_addr, count) = (a[0], a[1], a[2], a[3]);
    let off = read_off(t, off_addr)?;
    let inf = t.file(in_fd)?;
    if !inf.readable() {
        return_errno!(EBADF);
    }
    let in_pipe = pipe_of(&inf).cloned();
    if let Some(o) = off {
        if in_pipe.is_some() || !is_reg(&inf)? && inf.pread(&mut [], 0).is_err() {
            return_errno!(ESPIPE);
        }
        check_pos(o, count)?;
    }
    let outf = t.file(out_fd)?;
    if !outf.writable() {
        return_errno!(EBADF);
    }
    let count = count.min(MAX_RW);
    let mut sink = match pipe_of(&outf) {
        Some(p) => Sink::Pipe(outf.clone(), p.clone()),
        None => {
            if outf.flags() & O_APPEND != 0 {
                return_errno!(EINVAL);
            }
            if !is_reg(&inf)? {
                return_errno!(EINVAL);
            }
            Sink::File(outf.clone(), None)
        }
    };
    let mut src = match in_pipe {
        Some(p) => Src::Pipe(inf.clone(), p),
        None if is_reg(&inf)? => Src::File(inf.clone(), off),
        None => Src::Stream(inf.clone()),
    };
    if count == 0 {
        return Ok(0);
    }
    let nonblock = match &sink {
        Sink::Pipe(f, _) => f.flags() & O_NONBLOCK != 0,
        Sink::File(f, _) => f.flags() & O_NONBLOCK != 0 || inf.flags() & O_NONBLOCK != 0,
    };
    let r = transfer(t, &mut src, &mut sink, count, nonblock);
    let r = t.check_pipe(r.map(|n| n as usize)).map(|n| n as u64);
    if off.is_some() {
        write_off(t, off_addr, src_pos(&src))?;
    }
    r
}

/// splice(2): one side must be a pipe.
pub(crate) fn sys_splice(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (in_fd, off_in_addr, out_fd, off_out_addr, len, flags) = (a[0], a[1], a[2], a[3], a[4], a[5] as u32);
    if len == 0 {
        return Ok(0);
    }
    if flags & !SPLICE_F_ALL != 0 {
        return_errno!(EINVAL);
    }
    let inf = t.file(in_fd)?;
    let outf = t.file(out_fd)?;
    let (ipipe, opipe) = (pipe_of(&inf).cloned(), pipe_of(&outf).cloned());
    if (ipipe.is_some() && off_in_addr != 0) || (opipe.is_some() && off_out_addr != 0) {
        return_errno!(ESPIPE);
    }
    let off_out = read_off(t, off_out_addr)?;
    let off_in = read_off(t, off_in_addr)?;
    if !inf.readable() || !outf.writable() {
        return_errno!(EBADF);
    }
    let mut nonblock = flags & SPLICE_F_NONBLOCK != 0;
    let (mut src, mut sink) = match (ipipe, opipe) {
        (Some(ip), Some(op)) => {
            if ip.same(&op) {
                return_errno!(EINVAL);
            }
            nonblock |= (inf.flags() | outf.flags()) & O_NONBLOCK != 0;
            (Src::Pipe(inf.clone(), ip), Sink::Pipe(outf.clone(), op))
        }
        (Some(ip), None) => {
            let st = outf.stat()?;
            if st.st_mode & S_IFMT == S_IFDIR {
                return_errno!(EINVAL);
            }
            if let Some(o) = off_out {
                if st.st_mode & S_IFMT != S_IFREG {
                    return_errno!(EINVAL);
                }
                check_pos(o, len)?;
            }
            if outf.flags() & O_APPEND != 0 {
                return_errno!(EINVAL);
            }
            nonblock |= inf.flags() & O_NONBLOCK != 0;
            (Src::Pipe(inf.clone(), ip), Sink::File(outf.clone(), off_out))
        }
        (None, Some(op)) => {
            let st = inf.stat()?;
            if st.st_mode & S_IFMT == S_IFDIR {
                return_errno!(EINVAL);
            }
            let src = if st.st_mode & S_IFMT == S_IFREG {
                if let Some(o) = off_in {
                    check_pos(o, len)?;
                }
                Src::File(inf.clone(), off_in)
            } else {
                if off_in.is_some() {
                    return_errno!(EINVAL);
                }
                nonblock |= inf.flags() & O_NONBLOCK != 0;
                Src::Stream(inf.clone())
            };
            nonblock |= outf.flags() & O_NONBLOCK != 0;
            (src, Sink::Pipe(outf.clone(), op))
        }
        (None, None) => return_errno!(EINVAL),
    };
    let r = transfer(t, &mut src, &mut sink, len, nonblock);
    let r = t.check_pipe(r.map(|n| n as usize)).map(|n| n as u64);
    if r.is_ok() {
        write_off(t, off_in_addr, src_pos(&src))?;
        write_off(t, off_out_addr, sink_pos(&sink))?;
    }
    r
}

/// tee(2): copy from one pipe to another without consuming.
pub(crate) fn sys_tee(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (in_fd, out_fd, len, flags) = (a[0], a[1], a[2], a[3] as u32);
    if flags & !SPLICE_F_ALL != 0 {
        return_errno!(EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    let inf = t.file(in_fd)?;
    let outf = t.file(out_fd)?;
    if !inf.readable() || !outf.writable() {
        return_errno!(EBADF);
    }
    let (Some(ip), Some(op)) = (pipe_of(&inf).cloned(), pipe_of(&outf).cloned()) else { return_errno!(EINVAL) };
    if ip.same(&op) {
        return_errno!(EINVAL);
    }
    let nonblock = flags & SPLICE_F_NONBLOCK != 0 || (inf.flags() | outf.flags()) & O_NONBLOCK != 0;
    let len = len.min(MAX_RW) as usize;
    let mut buf = vec![0u8; len.min(BOUNCE)];
    loop {
        if op.ends().0 == 0 {
            let r: KResult<usize> = Err(Errno::EPIPE.into());
            return t.check_pipe(r).map(|n| n as u64);
        }
        let space = op.space().min(buf.len());
        let (ready, wait_on, events) = if space == 0 {
            (None, &outf, POLLOUT | POLLERR)
        } else {
            match ip.peek(&mut buf[..space]) {
                Ok(0) => return Ok(0),
                Ok(n) => (Some(n), &inf, 0),
                Err(e) if e.errno == Errno::EAGAIN => (None, &inf, POLLIN | POLLHUP),
                Err(e) => return Err(e),
            }
        };
        match ready {
            Some(n) => {
                let r = outf.write(&buf[..n]);
                match r {
                    Err(e) if e.errno == Errno::EAGAIN && !nonblock => {
                        let f = outf.clone();
                        wait_ready(t, &f, POLLOUT | POLLERR)?;
                    }
                    r => return t.check_pipe(r).map(|n| n as u64),
                }
            }
            None if nonblock => return_errno!(EAGAIN),
            None => {
                let f = wait_on.clone();
                wait_ready(t, &f, events)?;
            }
        }
    }
}

/// vmsplice(2): user memory into a pipe (a writable descriptor) or out of one (a
/// readable one), as writev and readv of the pipe.
pub(crate) fn sys_vmsplice(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (fd, iov, nr, flags) = (a[0], a[1], a[2], a[3] as u32);
    if flags & !SPLICE_F_ALL != 0 {
        return_errno!(EINVAL);
    }
    let f = t.file(fd)?;
    let write = f.writable();
    if !write && !f.readable() {
        return_errno!(EBADF);
    }
    let iovs = crate::sys_file::read_iovecs(t, iov, nr)?;
    let total: u64 = iovs.iter().map(|i| i.iov_len).sum();
    if total == 0 {
        return Ok(0);
    }
    let Some(p) = pipe_of(&f).cloned() else { return_errno!(EBADF) };
    let nonblock = flags & SPLICE_F_NONBLOCK != 0 || f.flags() & O_NONBLOCK != 0;
    if write {
        let buf = crate::sys_file::gather(t, &iovs)?;
        let mut sink = Sink::Pipe(f.clone(), p);
        let mut src =
            Src::Stream(File::new(Box::new(Bytes(std::sync::Mutex::new(buf))), O_RDONLY, None, String::new()));
        let r = transfer(t, &mut src, &mut sink, total, nonblock);
        return t.check_pipe(r.map(|n| n as usize)).map(|n| n as u64);
    }
    let mut buf = vec![0u8; total.min(MAX_RW).min(BOUNCE as u64) as usize];
    loop {
        match p.peek(&mut buf) {
            Ok(n) => {
                crate::sys_file::scatter(t, &iovs, &buf[..n])?;
                p.consume(n);
                return Ok(n as u64);
            }
            Err(e) if e.errno == Errno::EAGAIN && !nonblock => wait_ready(t, &f, POLLIN | POLLHUP)?,
            Err(e) => return Err(e),
        }
    }
}

/// The caller's bytes as a readable stream (vmsplice into a pipe).
struct Bytes(std::sync::Mutex<Vec<u8>>);

impl kernel_fs::FileOps for Bytes {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        let mut v = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = buf.len().min(v.len());
        buf[..n].copy_from_slice(&v[..n]);
        v.drain(..n);
        Ok(n)
    }
    fn stat(&self) -> KResult<kernel_abi::Stat> {
        return_errno!(EINVAL)
    }
}

/// copy_file_range(2): between regular files.
pub(crate) fn sys_copy_file_range(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (in_fd, off_in_addr, out_fd, off_out_addr, len, flags) = (a[0], a[1], a[2], a[3], a[4], a[5]);
    let inf = t.file(in_fd)?;
    let outf = t.file(out_fd)?;
    let off_in = read_off(t, off_in_addr)?;
    let off_out = read_off(t, off_out_addr)?;
    if flags != 0 {
        return_errno!(EINVAL);
    }
    let (si, so) = (inf.stat()?, outf.stat()?);
    if si.st_mode & S_IFMT == S_IFDIR || so.st_mode & S_IFMT == S_IFDIR {
        return_errno!(EISDIR);
    }
    if si.st_mode & S_IFMT != S_IFREG || so.st_mode & S_IFMT != S_IFREG {
        return_errno!(EINVAL);
    }
    if !inf.readable() || !outf.writable() || outf.flags() & O_APPEND != 0 {
        return_errno!(EBADF);
    }
    let pos_in = match off_in {
        Some(p) => p,
        None => own_pos(&inf)?,
    };
    let pos_out = match off_out {
        Some(p) => p,
        None => own_pos(&outf)?,
    };
    // Linux checks for wrapping (as unsigned) before the signed range check.
    if pos_in.checked_add(len).is_none() || pos_out.checked_add(len).is_none() {
        return_errno!(EOVERFLOW);
    }
    check_pos(pos_in, len)?;
    check_pos(pos_out, len)?;
    let size = si.st_size.max(0) as u64;
    let len = len.min(MAX_RW).min(size.saturating_sub(pos_in));
    let same = si.st_dev == so.st_dev && si.st_ino == so.st_ino;
    if same && pos_out + len > pos_in && pos_out < pos_in + len {
        return_errno!(EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    let mut src = Src::File(inf.clone(), Some(pos_in));
    let mut sink = Sink::File(outf.clone(), Some(pos_out));
    let n = transfer(t, &mut src, &mut sink, len, false)?;
    match off_in {
        Some(_) => write_off(t, off_in_addr, Some(pos_in + n))?,
        None => set_pos(&inf, pos_in + n)?,
    }
    match off_out {
        Some(_) => write_off(t, off_out_addr, Some(pos_out + n))?,
        None => set_pos(&outf, pos_out + n)?,
    }
    Ok(n)
}
