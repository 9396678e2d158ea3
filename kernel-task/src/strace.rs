//! `--strace`: each call with decoded arguments and its result, on stderr.

use kernel_abi::{nr, KResult};

use crate::task::Task;

/// Calls printed before they run (they do not return, or replace the address space).
pub(crate) fn prints_before(n: u64) -> bool {
    matches!(n, nr::EXIT | nr::EXIT_GROUP | nr::EXECVE)
}

enum Arg {
    Int,
    Hex,
    Path,
    BufIn(usize),
    BufOut,
}

fn kinds(n: u64) -> &'static [Arg] {
    use Arg::*;
    match n {
        nr::READ => &[Int, BufOut, Int],
        nr::WRITE => &[Int, BufIn(2), Int],
        nr::PREAD64 => &[Int, BufOut, Int, Int],
        nr::PWRITE64 => &[Int, BufIn(2), Int, Int],
        nr::OPEN => &[Path, Hex, Hex],
        nr::STAT | nr::LSTAT | nr::ACCESS => &[Path, Hex],
        nr::CHDIR => &[Path],
        nr::CREAT => &[Path, Hex],
        nr::OPENAT | nr::NEWFSTATAT | nr::FACCESSAT | nr::FACCESSAT2 => &[Int, Path, Hex, Hex],
        nr::STATX => &[Int, Path, Hex, Hex, Hex],
        nr::READLINK => &[Path, Hex, Int],
        nr::READLINKAT => &[Int, Path, Hex, Int],
        nr::EXECVE => &[Path, Hex, Hex],
        nr::CLOSE | nr::DUP | nr::EXIT | nr::EXIT_GROUP => &[Int],
        nr::FSTAT => &[Int, Hex],
        nr::DUP2 => &[Int, Int],
        nr::DUP3 | nr::LSEEK | nr::GETDENTS64 | nr::FCNTL => &[Int, Int, Hex],
        nr::IOCTL => &[Int, Hex, Hex],
        nr::GETPID | nr::GETPPID | nr::GETTID | nr::GETUID | nr::GETEUID | nr::GETGID | nr::GETEGID => &[],
        nr::MMAP => &[Hex, Hex, Hex, Hex, Int, Hex],
        nr::MUNMAP | nr::ARCH_PRCTL => &[Hex, Hex],
        nr::BRK | nr::SET_TID_ADDRESS => &[Hex],
        nr::MPROTECT => &[Hex, Hex, Hex],
        nr::SENDFILE => &[Int, Int, Hex, Int],
        nr::SPLICE | nr::COPY_FILE_RANGE => &[Int, Hex, Int, Hex, Int, Hex],
        nr::TEE => &[Int, Int, Int, Hex],
        nr::VMSPLICE => &[Int, Hex, Int, Hex],
        nr::CLOSE_RANGE => &[Int, Int, Hex],
        nr::MKNOD => &[Path, Hex, Hex],
        nr::MKNODAT => &[Int, Path, Hex, Hex],
        nr::SETXATTR | nr::LSETXATTR => &[Path, Path, Hex, Int, Hex],
        nr::GETXATTR | nr::LGETXATTR => &[Path, Path, Hex, Int],
        nr::LISTXATTR | nr::LLISTXATTR => &[Path, Hex, Int],
        nr::REMOVEXATTR | nr::LREMOVEXATTR => &[Path, Path],
        nr::FSETXATTR => &[Int, Path, Hex, Int, Hex],
        nr::FGETXATTR => &[Int, Path, Hex, Int],
        nr::FLISTXATTR => &[Int, Hex, Int],
        nr::FREMOVEXATTR => &[Int, Path],
        nr::INOTIFY_ADD_WATCH => &[Int, Path, Hex],
        nr::INOTIFY_RM_WATCH => &[Int, Int],
        nr::FADVISE64 => &[Int, Int, Int, Int],
        _ => &[Hex, Hex, Hex, Hex, Hex, Hex],
    }
}

fn escape(bytes: &[u8], max: usize) -> String {
    let mut s = String::from("\"");
    for &b in bytes.iter().take(max) {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    if bytes.len() > max {
        s.push_str("...");
    }
    s
}

fn args_text(t: &Task, n: u64, args: &[u64; 6], ret: Option<u64>) -> String {
    let mut out = Vec::new();
    for (i, k) in kinds(n).iter().enumerate() {
        let a = args[i];
        out.push(match k {
            Arg::Int => (a as i64 as i32).to_string(),
            Arg::Hex => format!("{a:#x}"),
            Arg::Path => match t.mm.copy_in_cstr(a, 4096) {
                Ok(p) => escape(&p, 4096),
                Err(_) => format!("{a:#x}"),
            },
            Arg::BufIn(len_arg) => read_buf(t, a, args[*len_arg]),
            Arg::BufOut => match ret {
                Some(r) if (r as i64) > 0 => read_buf(t, a, r),
                _ => format!("{a:#x}"),
            },
        });
    }
    out.join(", ")
}

fn read_buf(t: &Task, addr: u64, len: u64) -> String {
    let mut b = vec![0u8; len.min(32) as usize];
    match t.mm.copy_in(addr, &mut b) {
        Ok(()) => {
            let mut s = escape(&b, 32);
            if len > 32 && !s.ends_with("...") {
                s.push_str("...");
            }
            s
        }
        Err(_) => format!("{addr:#x}"),
    }
}

fn name(n: u64) -> String {
    kernel_abi::syscall_name(n).map(str::to_string).unwrap_or_else(|| format!("syscall_{n}"))
}

pub(crate) fn before(t: &Task, n: u64, args: &[u64; 6]) {
    eprintln!("[{}] {}({}) ...", t.tid, name(n), args_text(t, n, args, None));
}

pub(crate) fn after(t: &Task, n: u64, args: &[u64; 6], res: &KResult<u64>, early: bool) {
    let r = match res {
        Ok(v) if *v > 0xffff => format!("{v:#x}"),
        Ok(v) => v.to_string(),
        Err(e) => format!("-1 {} ({})", e.errno.name(), e.errno.description()),
    };
    if early {
        if t.exit.is_none() {
            eprintln!("[{}] ... {} = {r}", t.tid, name(n));
        }
        return;
    }
    let text = args_text(t, n, args, res.as_ref().ok().copied());
    eprintln!("[{}] {}({text}) = {r}", t.tid, name(n));
}
