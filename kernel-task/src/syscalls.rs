//! The x86_64 system call table, as data: each entry names its handler and how complete
//! it is. The same table feeds dispatch, `--strace` and the compatibility report.

use kernel_abi::nr;
use kernel_abi::{Errno, KResult};

use crate::task::Task;
use crate::{
    strace, sys_epoll as ep, sys_eventfd as ev, sys_file as f, sys_lock as lk, sys_misc as m, sys_mm as mm,
    sys_poll as po, sys_proc as pr, sys_socket as so, sys_splice as sp, sys_time as tm, sys_timer as ti,
};

/// A handler: the task and the six raw arguments; the result goes to `rax`.
pub type Handler = fn(&mut Task, [u64; 6]) -> KResult<u64>;

/// How completely a call is implemented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Linux's behaviour, errors included.
    Full,
    /// Implemented with the stated gap.
    Partial(&'static str),
}

macro_rules! table {
    ($($nr:ident => $h:path, $s:expr;)*) => {
        /// The handler and support level of call `n`, if implemented.
        pub fn lookup(n: u64) -> Option<(Handler, Support)> {
            match n {
                $(nr::$nr => Some(($h as Handler, $s)),)*
                _ => None,
            }
        }

        /// Every implemented call with its support level, for reports.
        pub static IMPLEMENTED: &[(u64, Support)] = &[$((nr::$nr, $s)),*];
    };
}

use Support::{Full, Partial};

table! {
    READ => f::sys_read, Full;
    WRITE => f::sys_write, Full;
    READV => f::sys_readv, Full;
    WRITEV => f::sys_writev, Full;
    PREAD64 => f::sys_pread64, Full;
    PWRITE64 => f::sys_pwrite64, Full;
    PREADV => f::sys_preadv, Full;
    PWRITEV => f::sys_pwritev, Full;
    PREADV2 => f::sys_preadv2, Partial("RWF_* flags accepted without effect");
    PWRITEV2 => f::sys_pwritev2, Partial("RWF_* flags accepted without effect");
    OPEN => f::sys_open, Partial("O_TMPFILE files cannot be linked through /proc/self/fd/N (no magic links)");
    OPENAT => f::sys_openat, Partial("O_TMPFILE files cannot be linked through /proc/self/fd/N (no magic links)");
    CREAT => f::sys_creat, Partial("the host root is read-only (EROFS); tmpfs files are made");
    CLOSE => f::sys_close, Full;
    CLOSE_RANGE => f::sys_close_range, Full;
    MKDIR => f::sys_mkdir, Full;
    MKNOD => f::sys_mknod, Partial("regular files, FIFOs and socket nodes; device nodes are EPERM even with CAP_MKNOD (no devices in the sandbox)");
    MKNODAT => f::sys_mknodat, Partial("as mknod");
    MKDIRAT => f::sys_mkdirat, Full;
    UNLINK => f::sys_unlink, Full;
    UNLINKAT => f::sys_unlinkat, Full;
    RMDIR => f::sys_rmdir, Full;
    RENAME => f::sys_rename, Full;
    RENAMEAT => f::sys_renameat, Full;
    RENAMEAT2 => f::sys_renameat2, Partial("RENAME_WHITEOUT is EINVAL");
    LINK => f::sys_link, Full;
    LINKAT => f::sys_linkat, Full;
    SYMLINK => f::sys_symlink, Full;
    SYMLINKAT => f::sys_symlinkat, Full;
    TRUNCATE => f::sys_truncate, Full;
    FTRUNCATE => f::sys_ftruncate, Full;
    FALLOCATE => f::sys_fallocate, Partial("modes 0 and KEEP_SIZE; hole punching and ranges are EOPNOTSUPP");
    CHMOD => f::sys_chmod, Partial("the Sentry's /dev, /proc and /sys nodes are EPERM");
    FCHMOD => f::sys_fchmod, Partial("the Sentry's /dev, /proc and /sys nodes are EPERM");
    FCHMODAT => f::sys_fchmodat, Partial("the Sentry's /dev, /proc and /sys nodes are EPERM");
    CHOWN => f::sys_chown, Partial("the Sentry's /dev, /proc and /sys nodes are EPERM");
    FCHOWN => f::sys_fchown, Partial("the Sentry's /dev, /proc and /sys nodes are EPERM");
    FCHOWNAT => f::sys_fchownat, Partial("the Sentry's /dev, /proc and /sys nodes are EPERM");
    LCHOWN => f::sys_lchown, Partial("the Sentry's /dev, /proc and /sys nodes are EPERM");
    UTIMENSAT => f::sys_utimensat, Partial("the Sentry's /dev, /proc and /sys nodes are EPERM");
    FUTIMESAT => f::sys_futimesat, Partial("the Sentry's /dev, /proc and /sys nodes are EPERM");
    UTIMES => f::sys_utimes, Partial("the Sentry's /dev, /proc and /sys nodes are EPERM");
    UTIME => f::sys_utime, Partial("the Sentry's /dev, /proc and /sys nodes are EPERM");
    FSYNC => f::sys_fsync, Full;
    FDATASYNC => f::sys_fsync, Full;
    FADVISE64 => f::sys_fadvise64, Full;
    READAHEAD => f::sys_readahead, Full;
    SYNC => f::sys_sync, Full;
    SYNCFS => f::sys_syncfs, Full;
    SYNC_FILE_RANGE => f::sys_sync_file_range, Full;
    FSTAT => f::sys_fstat, Full;
    STAT => f::sys_stat, Full;
    LSTAT => f::sys_lstat, Full;
    NEWFSTATAT => f::sys_newfstatat, Full;
    STATX => f::sys_statx, Partial("no btime, no mount id");
    LSEEK => f::sys_lseek, Full;
    ACCESS => f::sys_access, Full;
    FACCESSAT => f::sys_faccessat, Full;
    FACCESSAT2 => f::sys_faccessat2, Full;
    READLINK => f::sys_readlink, Full;
    READLINKAT => f::sys_readlinkat, Full;
    GETCWD => f::sys_getcwd, Full;
    CHDIR => f::sys_chdir, Full;
    FCHDIR => f::sys_fchdir, Full;
    GETDENTS64 => f::sys_getdents64, Full;
    FCNTL => f::sys_fcntl, Partial("descriptor and status flags, POSIX and OFD record locks; no leases, notifications or pipe sizes");
    FLOCK => lk::sys_flock, Full;
    DUP => f::sys_dup, Full;
    DUP2 => f::sys_dup2, Full;
    DUP3 => f::sys_dup3, Full;
    IOCTL => f::sys_ioctl, Partial("FIOCLEX, FIONCLEX, FIONBIO, FIONREAD on pipes; terminals: termios (TCGETS/TCSETS*, termios2), window size, TCFLSH, TCXONC, TIOCOUTQ, job control (TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP, TIOCGSID) on ptys and the host terminal, TIOCGPTN/TIOCSPTLCK/TIOCGPTLCK/TIOCGPTPEER on pty masters; no packet mode (TIOCPKT), TIOCSTI or serial-line ioctls");
    UMASK => f::sys_umask, Full;
    STATFS => f::sys_statfs, Partial("host filesystems report the host's figures, flagged read-only");
    FSTATFS => f::sys_fstatfs, Partial("host filesystems report the host's figures, flagged read-only");
    SETXATTR => f::sys_setxattr, Partial("user.* and trusted.* on tmpfs and the overlay's upper layer; security.* and system.* are EOPNOTSUPP; host files of the lower layer have none");
    LSETXATTR => f::sys_lsetxattr, Partial("user.* and trusted.* on tmpfs and the overlay's upper layer; security.* and system.* are EOPNOTSUPP; host files of the lower layer have none");
    FSETXATTR => f::sys_fsetxattr, Partial("user.* and trusted.* on tmpfs and the overlay's upper layer; security.* and system.* are EOPNOTSUPP; host files of the lower layer have none");
    GETXATTR => f::sys_getxattr, Partial("user.* and trusted.* on tmpfs and the overlay's upper layer; security.* and system.* are EOPNOTSUPP; host files of the lower layer have none");
    LGETXATTR => f::sys_lgetxattr, Partial("user.* and trusted.* on tmpfs and the overlay's upper layer; security.* and system.* are EOPNOTSUPP; host files of the lower layer have none");
    FGETXATTR => f::sys_fgetxattr, Partial("user.* and trusted.* on tmpfs and the overlay's upper layer; security.* and system.* are EOPNOTSUPP; host files of the lower layer have none");
    LISTXATTR => f::sys_listxattr, Partial("user.* and trusted.* on tmpfs and the overlay's upper layer; security.* and system.* are EOPNOTSUPP; host files of the lower layer have none");
    LLISTXATTR => f::sys_llistxattr, Partial("user.* and trusted.* on tmpfs and the overlay's upper layer; security.* and system.* are EOPNOTSUPP; host files of the lower layer have none");
    FLISTXATTR => f::sys_flistxattr, Partial("user.* and trusted.* on tmpfs and the overlay's upper layer; security.* and system.* are EOPNOTSUPP; host files of the lower layer have none");
    REMOVEXATTR => f::sys_removexattr, Partial("user.* and trusted.* on tmpfs and the overlay's upper layer; security.* and system.* are EOPNOTSUPP; host files of the lower layer have none");
    LREMOVEXATTR => f::sys_lremovexattr, Partial("user.* and trusted.* on tmpfs and the overlay's upper layer; security.* and system.* are EOPNOTSUPP; host files of the lower layer have none");
    FREMOVEXATTR => f::sys_fremovexattr, Partial("user.* and trusted.* on tmpfs and the overlay's upper layer; security.* and system.* are EOPNOTSUPP; host files of the lower layer have none");
    POLL => po::sys_poll, Full;
    PPOLL => po::sys_ppoll, Full;
    SELECT => po::sys_select, Full;
    PSELECT6 => po::sys_pselect6, Full;
    EPOLL_CREATE => ep::sys_epoll_create, Full;
    EPOLL_CREATE1 => ep::sys_epoll_create1, Full;
    EPOLL_CTL => ep::sys_epoll_ctl, Partial("passed-through host descriptors are level-triggered even with EPOLLET; EPOLLEXCLUSIVE wakes every waiter");
    EPOLL_WAIT => ep::sys_epoll_wait, Partial("host descriptors in a nested set do not wake the outer wait");
    EPOLL_PWAIT => ep::sys_epoll_pwait, Partial("as epoll_wait");
    EPOLL_PWAIT2 => ep::sys_epoll_pwait2, Partial("as epoll_wait");
    EVENTFD => ev::sys_eventfd, Full;
    INOTIFY_INIT => ev::sys_inotify_init, Full;
    INOTIFY_INIT1 => ev::sys_inotify_init1, Full;
    INOTIFY_ADD_WATCH => ev::sys_inotify_add_watch, Partial("IN_DELETE_SELF comes at the unlink, not at the last close; no IN_UNMOUNT");
    INOTIFY_RM_WATCH => ev::sys_inotify_rm_watch, Full;
    EVENTFD2 => ev::sys_eventfd2, Full;
    TIMERFD_CREATE => ev::sys_timerfd_create, Full;
    TIMERFD_SETTIME => ev::sys_timerfd_settime, Partial("TFD_TIMER_CANCEL_ON_SET never cancels: the sandbox cannot set the clock");
    TIMERFD_GETTIME => ev::sys_timerfd_gettime, Full;
    PIPE => f::sys_pipe, Full;
    SENDFILE => sp::sys_sendfile, Partial("through a bounce buffer in the Sentry; RLIMIT_FSIZE is not applied");
    SPLICE => sp::sys_splice, Partial("through a bounce buffer; SPLICE_F_MOVE and SPLICE_F_MORE are hints without effect");
    TEE => sp::sys_tee, Full;
    VMSPLICE => sp::sys_vmsplice, Partial("copies (SPLICE_F_GIFT has no effect)");
    COPY_FILE_RANGE => sp::sys_copy_file_range, Full;
    PIPE2 => f::sys_pipe2, Partial("no packet mode (O_DIRECT is EINVAL)");
    SOCKET => so::sys_socket, Partial("AF_UNIX; AF_INET/AF_INET6 TCP and UDP over loopback only; no raw or netlink");
    SOCKETPAIR => so::sys_socketpair, Partial("AF_UNIX only (inet is EOPNOTSUPP, as Linux)");
    BIND => so::sys_bind, Partial("unix (path names only in tmpfs directories) and inet on loopback addresses");
    LISTEN => so::sys_listen, Partial("unix and loopback TCP");
    ACCEPT => so::sys_accept, Partial("unix and loopback TCP");
    ACCEPT4 => so::sys_accept4, Partial("unix and loopback TCP");
    CONNECT => so::sys_connect, Partial("unix and loopback inet; no write-permission check on the socket inode");
    SHUTDOWN => so::sys_shutdown, Partial("unix and loopback inet");
    GETSOCKNAME => so::sys_getsockname, Partial("unix and loopback inet");
    GETPEERNAME => so::sys_getpeername, Partial("unix and loopback inet");
    GETSOCKOPT => so::sys_getsockopt, Partial("common SOL_SOCKET, IP, IPV6, TCP options; others ENOPROTOOPT");
    SETSOCKOPT => so::sys_setsockopt, Partial("common SOL_SOCKET, IP, IPV6, TCP options; others ENOPROTOOPT");
    SENDTO => so::sys_sendto, Partial("unix and loopback inet; no MSG_OOB");
    RECVFROM => so::sys_recvfrom, Partial("unix and loopback inet; no MSG_OOB");
    SENDMSG => so::sys_sendmsg, Partial("unix (SCM_RIGHTS, SCM_CREDENTIALS) and loopback inet (no control messages); no MSG_OOB");
    RECVMSG => so::sys_recvmsg, Partial("unix (SCM_RIGHTS, SCM_CREDENTIALS) and loopback inet; no MSG_OOB");
    MMAP => mm::sys_mmap, Full;
    MUNMAP => mm::sys_munmap, Full;
    MPROTECT => mm::sys_mprotect, Full;
    MREMAP => mm::sys_mremap, Partial("old_size 0 (duplicating a shared mapping) is EINVAL");
    BRK => mm::sys_brk, Full;
    MADVISE => mm::sys_madvise, Partial("MADV_REMOVE is EOPNOTSUPP; other hints are accepted");
    MINCORE => mm::sys_mincore, Full;
    MSYNC => mm::sys_msync, Partial("nothing to write back: host files are read-only");
    MLOCK => mm::sys_mlock, Full;
    MLOCK2 => mm::sys_mlock2, Full;
    MUNLOCK => mm::sys_munlock, Full;
    MLOCKALL => mm::sys_mlockall, Full;
    MUNLOCKALL => mm::sys_munlockall, Full;
    ARCH_PRCTL => m::sys_arch_prctl, Partial("FS/GS base and CPUID queries");
    SET_TID_ADDRESS => m::sys_set_tid_address, Full;
    SET_ROBUST_LIST => m::sys_set_robust_list, Full;
    GET_ROBUST_LIST => m::sys_get_robust_list, Full;
    GETCPU => m::sys_getcpu, Full;
    RSEQ => m::sys_rseq, Partial("not supported: ENOSYS, as on kernels without rseq");
    PRLIMIT64 => m::sys_prlimit64, Full;
    GETRLIMIT => m::sys_getrlimit, Full;
    SETRLIMIT => m::sys_setrlimit, Full;
    GETRANDOM => m::sys_getrandom, Full;
    UNAME => m::sys_uname, Full;
    GETPID => m::sys_getpid, Full;
    GETPPID => m::sys_getppid, Full;
    GETTID => m::sys_gettid, Full;
    GETUID => m::sys_getuid, Full;
    GETEUID => m::sys_geteuid, Full;
    GETGID => m::sys_getgid, Full;
    GETEGID => m::sys_getegid, Full;
    GETRESUID => m::sys_getresuid, Full;
    GETRESGID => m::sys_getresgid, Full;
    GETGROUPS => m::sys_getgroups, Full;
    CLOCK_GETTIME => m::sys_clock_gettime, Partial("CPU-time clocks of other processes are EINVAL");
    CLOCK_GETRES => m::sys_clock_getres, Full;
    CLOCK_SETTIME => m::sys_clock_settime, Partial("the sandbox does not set clocks: EPERM after Linux's checks");
    GETTIMEOFDAY => m::sys_gettimeofday, Full;
    TIME => m::sys_time, Full;
    NANOSLEEP => m::sys_nanosleep, Full;
    CLOCK_NANOSLEEP => m::sys_clock_nanosleep, Partial("absolute sleeps read the clock once, at the start");
    PAUSE => m::sys_pause, Full;
    GETRUSAGE => tm::sys_getrusage, Partial("user time is the stub's CPU time, system time the Sentry's; ru_maxrss is mapped memory; children's time is all user time");
    TIMES => tm::sys_times, Partial("user time is the stub's CPU time, system time the Sentry's");
    ALARM => tm::sys_alarm, Full;
    SETITIMER => tm::sys_setitimer, Partial("VIRTUAL and PROF both count the stub's CPU time, checked every few milliseconds");
    GETITIMER => tm::sys_getitimer, Full;
    RESTART_SYSCALL => m::sys_restart_syscall, Full;
    TIMER_CREATE => ti::sys_timer_create, Partial("CPU-time timers fire within milliseconds of their expiry");
    TIMER_SETTIME => ti::sys_timer_settime, Full;
    TIMER_GETTIME => ti::sys_timer_gettime, Full;
    TIMER_GETOVERRUN => ti::sys_timer_getoverrun, Full;
    TIMER_DELETE => ti::sys_timer_delete, Full;
    EXIT => m::sys_exit, Full;
    EXIT_GROUP => m::sys_exit_group, Full;
    SCHED_GETAFFINITY => m::sys_sched_getaffinity, Full;
    SCHED_SETAFFINITY => m::sys_sched_setaffinity, Partial("recorded and reported; host placement is the platform's");
    RT_SIGPENDING => m::sys_rt_sigpending, Full;
    SCHED_YIELD => m::sys_sched_yield, Full;
    SYSINFO => m::sys_sysinfo, Full;
    RT_SIGACTION => m::sys_rt_sigaction, Full;
    RT_SIGPROCMASK => m::sys_rt_sigprocmask, Full;
    RT_SIGRETURN => m::sys_rt_sigreturn, Full;
    RT_SIGSUSPEND => m::sys_rt_sigsuspend, Full;
    RT_SIGTIMEDWAIT => m::sys_rt_sigtimedwait, Full;
    SIGALTSTACK => m::sys_sigaltstack, Full;
    FUTEX => crate::futex::sys_futex, Partial("PI locks follow the protocol without lending host priority; no requeue to PI futexes (ENOSYS)");
    KILL => m::sys_kill, Full;
    SETPGID => m::sys_setpgid, Full;
    GETPGID => m::sys_getpgid, Full;
    GETPGRP => m::sys_getpgrp, Full;
    SETSID => m::sys_setsid, Partial("no controlling terminals yet");
    GETSID => m::sys_getsid, Full;
    TKILL => m::sys_tkill, Full;
    TGKILL => m::sys_tgkill, Full;
    FORK => m::sys_fork, Full;
    VFORK => m::sys_vfork, Full;
    CLONE => m::sys_clone, Partial("no namespaces, CLONE_PIDFD or CLONE_PTRACE; CLONE_SIGHAND without CLONE_THREAD is ENOSYS");
    CLONE3 => pr::sys_clone3, Partial("as clone; set_tid, CLONE_PIDFD and CLONE_INTO_CGROUP are refused");
    EXECVEAT => pr::sys_execveat, Full;
    MEMFD_CREATE => f::sys_memfd_create, Partial("no sealing (F_ADD_SEALS) or huge pages");
    SIGNALFD => crate::signalfd::sys_signalfd, Partial("poll sees process-directed signals only");
    SIGNALFD4 => crate::signalfd::sys_signalfd4, Partial("poll sees process-directed signals only");
    FUTEX_WAITV => crate::futex::sys_futex_waitv, Full;
    PIDFD_OPEN => crate::pidfd::sys_pidfd_open, Partial("process pidfds only (PIDFD_THREAD is EINVAL)");
    PIDFD_SEND_SIGNAL => crate::pidfd::sys_pidfd_send_signal, Full;
    UNSHARE => m::sys_unshare, Partial("no namespaces (EINVAL)");
    SETUID => pr::sys_setuid, Full;
    SETGID => pr::sys_setgid, Full;
    SETREUID => pr::sys_setreuid, Full;
    SETREGID => pr::sys_setregid, Full;
    SETRESUID => pr::sys_setresuid, Full;
    SETRESGID => pr::sys_setresgid, Full;
    SETFSUID => pr::sys_setfsuid, Full;
    SETFSGID => pr::sys_setfsgid, Full;
    SETGROUPS => pr::sys_setgroups, Full;
    CAPGET => pr::sys_capget, Partial("the caller's own capabilities only; other tasks EPERM");
    CAPSET => pr::sys_capset, Full;
    PRCTL => pr::sys_prctl, Partial("no PR_SET_SECCOMP, PR_SET_SECUREBITS or memory-map options");
    SCHED_GETSCHEDULER => pr::sys_sched_getscheduler, Partial("policies are recorded, not enforced; other tasks report SCHED_OTHER");
    SCHED_SETSCHEDULER => pr::sys_sched_setscheduler, Partial("recorded, not enforced; the caller only");
    SCHED_GETPARAM => pr::sys_sched_getparam, Partial("as sched_getscheduler");
    SCHED_SETPARAM => pr::sys_sched_setparam, Partial("as sched_setscheduler");
    SCHED_GET_PRIORITY_MAX => pr::sys_sched_get_priority_max, Full;
    SCHED_GET_PRIORITY_MIN => pr::sys_sched_get_priority_min, Full;
    SCHED_RR_GET_INTERVAL => pr::sys_sched_rr_get_interval, Partial("100 ms for every policy but SCHED_FIFO");
    GETPRIORITY => pr::sys_getpriority, Partial("nice values are per process, recorded, not enforced");
    SETPRIORITY => pr::sys_setpriority, Partial("nice values are per process, recorded, not enforced; PRIO_USER matches the caller only");
    MEMBARRIER => pr::sys_membarrier, Partial("QUERY reports no supported command");
    RT_SIGQUEUEINFO => pr::sys_rt_sigqueueinfo, Full;
    RT_TGSIGQUEUEINFO => pr::sys_rt_tgsigqueueinfo, Full;
    WAIT4 => m::sys_wait4, Partial("rusage is zero");
    WAITID => m::sys_waitid, Partial("exits only (no stops/continues)");
    EXECVE => m::sys_execve, Partial("single-threaded processes; set-id bits are ignored");
}

/// Whether the stop came from the 64-bit `syscall` instruction (`0f 05` just before rip)
/// rather than `int 0x80` (`cd 80`). Unreadable code (execute-only) counts as `syscall`.
fn entered_by_syscall_insn(t: &Task) -> bool {
    let mut insn = [0u8; 2];
    match t.mm.copy_in(t.regs.rip.wrapping_sub(2), &mut insn) {
        Ok(()) => insn != [0xcd, 0x80],
        Err(_) => true,
    }
}

/// Handle the system call the task's registers describe.
pub(crate) fn dispatch(t: &mut Task) {
    let n = t.regs.orig_rax;
    let args = t.regs.syscall_args();
    let early = t.kernel.strace && strace::prints_before(n);
    if early {
        strace::before(t, n, &args);
    }
    let res = if !entered_by_syscall_insn(t) {
        // int 0x80 reaches us with the same stop; its i386 numbers and argument registers
        // would mean something else here. 32-bit system calls are not supported.
        t.kernel.log_once(None, "32-bit system calls (int 0x80) are not supported: ENOSYS");
        Err(Errno::ENOSYS.into())
    } else {
        match lookup(n) {
            Some((h, _)) => h(t, args),
            None => {
                t.kernel.log_once(Some(n), "not implemented: ENOSYS");
                Err(Errno::ENOSYS.into())
            }
        }
    };
    if t.kernel.strace {
        strace::after(t, n, &args, &res, early);
    }
    if t.exit.is_none() {
        t.regs.rax = match res {
            Ok(v) => v,
            Err(e) => {
                // A restart code never reaches the application: signal delivery turns it
                // into EINTR or a restart of the call.
                if e.errno.is_restart() {
                    t.syscall_restart = Some(e.errno);
                }
                e.errno.to_return()
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for (n, _) in IMPLEMENTED {
            assert!(kernel_abi::syscall_name(*n).is_some());
            assert!(lookup(*n).is_some());
        }
        assert!(lookup(nr::IO_URING_SETUP).is_none());
        let mut seen = std::collections::HashSet::new();
        assert!(IMPLEMENTED.iter().all(|(n, _)| seen.insert(*n)), "duplicate entries");
    }
}
