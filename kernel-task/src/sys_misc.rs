//! Identity, time, limits, randomness, signal bookkeeping, exit and execve.

use std::time::Duration;

use kernel_abi::flags::arch_prctl::*;
use kernel_abi::flags::clock::*;
use kernel_abi::flags::random::*;
use kernel_abi::flags::rlimit::*;
use kernel_abi::flags::signal::*;
use kernel_abi::{errno, return_errno, KResult, KernelSigaction, Rlimit, StackT, Sysinfo, Timespec, Timeval, Utsname};

use crate::signals::RestartBlock;
use crate::task::{ExitStatus, Task};

/// Canonical user addresses end here.
const USER_TOP: u64 = 0x0000_8000_0000_0000;
/// Largest getrandom result (Linux caps one call at 32 MiB - 1).
const GETRANDOM_MAX: u64 = 33_554_431;

pub(crate) fn sys_arch_prctl(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    match a[0] {
        ARCH_SET_FS | ARCH_SET_GS => {
            if a[1] >= USER_TOP {
                return_errno!(EPERM);
            }
            if a[0] == ARCH_SET_FS {
                t.regs.fs_base = a[1];
            } else {
                t.regs.gs_base = a[1];
            }
            Ok(0)
        }
        ARCH_GET_FS => t.mm.write_val(a[1], &t.regs.fs_base).map(|_| 0),
        ARCH_GET_GS => t.mm.write_val(a[1], &t.regs.gs_base).map(|_| 0),
        ARCH_GET_CPUID => Ok(1),
        ARCH_SET_CPUID => return_errno!(ENODEV, "CPUID faulting is not available"),
        _ => return_errno!(EINVAL),
    }
}

pub(crate) fn sys_set_tid_address(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.clear_child_tid = a[0];
    Ok(t.tid as u64)
}

pub(crate) fn sys_set_robust_list(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if a[1] != 24 {
        return_errno!(EINVAL);
    }
    t.robust_list = (a[0], a[1]);
    Ok(0)
}

pub(crate) fn sys_rseq(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    t.kernel.log_once(Some(kernel_abi::nr::RSEQ), "restartable sequences are not supported: ENOSYS");
    return_errno!(ENOSYS)
}

fn check_resource(r: u64) -> KResult<usize> {
    if r >= u64::from(RLIM_NLIMITS) {
        return_errno!(EINVAL);
    }
    Ok(r as usize)
}

fn set_limit(t: &mut Task, group: &crate::thread::ThreadGroup, res: usize, new: Rlimit) -> KResult<()> {
    if new.rlim_cur > new.rlim_max {
        return_errno!(EINVAL);
    }
    let old = group.limits()[res];
    if new.rlim_max > old.rlim_max && !t.creds.capable(crate::creds::CAP_SYS_RESOURCE) {
        return_errno!(EPERM);
    }
    if res == RLIMIT_NOFILE as usize && new.rlim_max > 1 << 20 {
        return_errno!(EPERM);
    }
    group.limits()[res] = new;
    if let Some(mm) = group.view().mm.upgrade() {
        mm.set_limits(crate::task::mm_limits_from(&group.limits()));
    }
    Ok(())
}

/// prlimit64(2), of the caller's process or another's (with the same ids throughout, or
/// CAP_SYS_RESOURCE).
pub(crate) fn sys_prlimit64(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let pid = a[0] as i32;
    if pid < 0 {
        return_errno!(EINVAL);
    }
    let group = if pid == 0 || pid == t.tgid || pid == t.tid {
        t.tg.clone()
    } else {
        let g = t.kernel.group_of_thread(pid).ok_or(errno!(ESRCH))?;
        let shared = g.member_shared(pid).or_else(|| g.all_shared().into_iter().next()).ok_or(errno!(ESRCH))?;
        let ids = *shared.ids.lock().unwrap_or_else(|e| e.into_inner());
        let c = &t.creds;
        let same = c.uid == ids.euid
            && c.uid == ids.suid
            && c.uid == ids.uid
            && c.gid == ids.egid
            && c.gid == ids.sgid
            && c.gid == ids.gid;
        if !same && !c.capable(crate::creds::CAP_SYS_RESOURCE) {
            return_errno!(EPERM);
        }
        g
    };
    let res = check_resource(a[1])?;
    let new = if a[2] != 0 { Some(t.mm.read_val::<Rlimit>(a[2])?) } else { None };
    if a[3] != 0 {
        let old = group.limits()[res];
        t.mm.write_val(a[3], &old)?;
    }
    if let Some(n) = new {
        set_limit(t, &group, res, n)?;
    }
    Ok(0)
}

pub(crate) fn sys_getrlimit(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let res = check_resource(a[0])?;
    let cur = t.tg.limits()[res];
    t.mm.write_val(a[1], &cur)?;
    Ok(0)
}

pub(crate) fn sys_setrlimit(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let res = check_resource(a[0])?;
    let n: Rlimit = t.mm.read_val(a[1])?;
    let group = t.tg.clone();
    set_limit(t, &group, res, n)?;
    Ok(0)
}

pub(crate) fn sys_getrandom(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let flags = a[2] as u32;
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_RANDOM | GRND_INSECURE) == GRND_RANDOM | GRND_INSECURE
    {
        return_errno!(EINVAL);
    }
    let len = a[1].min(GETRANDOM_MAX);
    let mut buf = vec![0u8; len as usize];
    kernel_fs::dev::fill_random(&mut buf)?;
    t.mm.copy_out(a[0], &buf)?;
    Ok(len)
}

fn field(s: &str) -> [u8; 65] {
    let mut f = [0u8; 65];
    let n = s.len().min(64);
    f[..n].copy_from_slice(&s.as_bytes()[..n]);
    f
}

pub(crate) fn sys_uname(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let u = Utsname {
        sysname: field("Linux"),
        nodename: field(&t.kernel.hostname),
        release: field("6.1.0"),
        version: field("#1 SMP rvisor"),
        machine: field("x86_64"),
        domainname: field("(none)"),
    };
    t.mm.write_val(a[0], &u)?;
    Ok(0)
}

pub(crate) fn sys_getpid(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    Ok(t.tgid as u64)
}

pub(crate) fn sys_getppid(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    Ok(t.kernel.ppid_of(t.tgid) as u64)
}

pub(crate) fn sys_gettid(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    Ok(t.tid as u64)
}

pub(crate) fn sys_getuid(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    Ok(u64::from(t.creds.uid))
}

pub(crate) fn sys_geteuid(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    Ok(u64::from(t.creds.euid))
}

pub(crate) fn sys_getgid(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    Ok(u64::from(t.creds.gid))
}

pub(crate) fn sys_getegid(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    Ok(u64::from(t.creds.egid))
}

pub(crate) fn sys_getresuid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let c = t.creds.clone();
    for (addr, v) in [(a[0], c.uid), (a[1], c.euid), (a[2], c.suid)] {
        t.mm.write_val(addr, &v)?;
    }
    Ok(0)
}

pub(crate) fn sys_getresgid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let c = t.creds.clone();
    for (addr, v) in [(a[0], c.gid), (a[1], c.egid), (a[2], c.sgid)] {
        t.mm.write_val(addr, &v)?;
    }
    Ok(0)
}

pub(crate) fn sys_getgroups(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let size = a[0] as i32;
    let n = t.creds.groups.len();
    if size < 0 {
        return_errno!(EINVAL);
    }
    if size == 0 {
        return Ok(n as u64);
    }
    if (size as usize) < n {
        return_errno!(EINVAL);
    }
    let g = t.creds.groups.clone();
    t.mm.copy_out(a[1], bytemuck::cast_slice(&g))?;
    Ok(n as u64)
}

#[allow(unsafe_code)]
pub(crate) fn host_clock(id: i32) -> KResult<Timespec> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer.
    if unsafe { libc::clock_gettime(id, &mut ts) } != 0 {
        return_errno!(EINVAL);
    }
    Ok(Timespec { tv_sec: ts.tv_sec, tv_nsec: ts.tv_nsec })
}

#[allow(unsafe_code)]
fn host_clock_res(id: i32) -> KResult<Timespec> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer.
    if unsafe { libc::clock_getres(id, &mut ts) } != 0 {
        return_errno!(EINVAL);
    }
    Ok(Timespec { tv_sec: ts.tv_sec, tv_nsec: ts.tv_nsec })
}

fn clock_now(t: &mut Task, id: i32) -> KResult<Timespec> {
    match id {
        CLOCK_REALTIME
        | CLOCK_MONOTONIC
        | CLOCK_MONOTONIC_RAW
        | CLOCK_REALTIME_COARSE
        | CLOCK_MONOTONIC_COARSE
        | CLOCK_BOOTTIME
        | CLOCK_REALTIME_ALARM
        | CLOCK_BOOTTIME_ALARM
        | CLOCK_TAI => host_clock(id),
        CLOCK_PROCESS_CPUTIME_ID => process_cpu(t),
        CLOCK_THREAD_CPUTIME_ID => {
            let space = t.mm.address_space().clone();
            t.ctx.cpu_time(&*space).map(timespec_of).map_err(|_| errno!(EINVAL))
        }
        id if id < 0 => cpu_clock_of(t, id),
        _ => return_errno!(EINVAL),
    }
}

fn timespec_of(d: Duration) -> Timespec {
    Timespec { tv_sec: d.as_secs() as i64, tv_nsec: i64::from(d.subsec_nanos()) }
}

/// The process's CPU time: every thread that ran in its address space.
fn process_cpu(t: &Task) -> KResult<Timespec> {
    t.mm.address_space().cpu_time().map(timespec_of).map_err(|_| errno!(EINVAL))
}

/// Whether a CPU-time clock id names a task that exists: threads of the caller's
/// process, or any process (EINVAL otherwise, as Linux).
fn cpu_clock_valid(t: &Task, id: i32) -> KResult<()> {
    if id & 3 >= 3 {
        return_errno!(EINVAL);
    }
    let pid = !(id >> 3);
    let ok = if id & 4 != 0 {
        pid == 0 || pid == t.tid || t.tg.member_shared(pid).is_some()
    } else {
        pid == 0 || t.kernel.group_of_thread(pid).is_some_and(|g| g.tgid == pid)
    };
    if !ok {
        return_errno!(EINVAL);
    }
    Ok(())
}

/// clock_settime(2): the sandbox does not set the host's clocks.
pub(crate) fn sys_clock_settime(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let id = a[0] as i32;
    match id {
        CLOCK_REALTIME | CLOCK_TAI => {}
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => return_errno!(EPERM),
        id if id < 0 => {
            cpu_clock_valid(t, id)?;
            return_errno!(EPERM);
        }
        _ => return_errno!(EINVAL),
    }
    let ts: Timespec = t.mm.read_val(a[1])?;
    valid_ts(&ts)?;
    t.kernel.log_once(Some(kernel_abi::nr::CLOCK_SETTIME), "setting the clock is not allowed in the sandbox: EPERM");
    return_errno!(EPERM)
}

/// A CPU-time clock id naming a task (clock_getcpuclockid, pthread_getcpuclockid):
/// `~pid << 3`, bit 2 for a thread, low bits the kind (CPUCLOCK_SCHED is 2).
fn cpu_clock_of(t: &Task, id: i32) -> KResult<Timespec> {
    const PERTHREAD: i32 = 4;
    const WHICH_MAX: i32 = 3;
    if id & 3 >= WHICH_MAX {
        return_errno!(EINVAL);
    }
    let pid = !(id >> 3);
    if id & PERTHREAD != 0 {
        if pid == 0 || pid == t.tid {
            let space = t.mm.address_space().clone();
            return t.ctx.cpu_time(&*space).map(timespec_of).map_err(|_| errno!(EINVAL));
        }
        // Another thread of the same process only, as Linux.
        let shared = t.tg.member_shared(pid).ok_or(errno!(EINVAL))?;
        let clock = shared.cpu_clock.lock().unwrap_or_else(|e| e.into_inner()).clone().ok_or(errno!(EINVAL))?;
        return clock().map(timespec_of).map_err(|_| errno!(EINVAL));
    }
    if pid == 0 || pid == t.tgid {
        return process_cpu(t);
    }
    if t.kernel.group_of_thread(pid).is_none() {
        return_errno!(EINVAL);
    }
    t.kernel.log_once(Some(kernel_abi::nr::CLOCK_GETTIME), "CPU clocks of other processes are not readable: EINVAL");
    return_errno!(EINVAL)
}

pub(crate) fn sys_clock_gettime(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let ts = clock_now(t, a[0] as i32)?;
    t.mm.write_val(a[1], &ts)?;
    Ok(0)
}

pub(crate) fn sys_clock_getres(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let id = a[0] as i32;
    let res = match id {
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => Timespec { tv_sec: 0, tv_nsec: 1 },
        0..=11 if id != 10 => host_clock_res(id)?,
        id if id < 0 => {
            cpu_clock_valid(t, id)?;
            Timespec { tv_sec: 0, tv_nsec: 1 }
        }
        _ => return_errno!(EINVAL),
    };
    if a[1] != 0 {
        t.mm.write_val(a[1], &res)?;
    }
    Ok(0)
}

pub(crate) fn sys_gettimeofday(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let now = host_clock(CLOCK_REALTIME)?;
    if a[0] != 0 {
        t.mm.write_val(a[0], &Timeval { tv_sec: now.tv_sec, tv_usec: now.tv_nsec / 1000 })?;
    }
    if a[1] != 0 {
        t.mm.write_val(a[1], &[0i32; 2])?;
    }
    Ok(0)
}

pub(crate) fn sys_time(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let now = host_clock(CLOCK_REALTIME)?;
    if a[0] != 0 {
        t.mm.write_val(a[0], &now.tv_sec)?;
    }
    Ok(now.tv_sec as u64)
}

fn valid_ts(ts: &Timespec) -> KResult<Duration> {
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return_errno!(EINVAL);
    }
    Ok(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// `d` from now, or `None` when that is beyond what the host's clock can represent (a
/// timeout of centuries: as good as none).
fn deadline_after(d: Duration) -> Option<std::time::Instant> {
    std::time::Instant::now().checked_add(d)
}

/// Sleep until `deadline`, interruptibly. Interrupted, it writes the time left to `rem`
/// (if non-null) and ends with ERESTART_RESTARTBLOCK: EINTR if a handler runs, otherwise
/// restart_syscall(2) sleeps on to the same deadline.
fn sleep_until_restartable(t: &mut Task, deadline: std::time::Instant, rem: u64) -> KResult<u64> {
    if t.sleep_until(Some(deadline)).is_ok() {
        return Ok(0);
    }
    if rem != 0 {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        t.mm.write_val(rem, &Timespec { tv_sec: left.as_secs() as i64, tv_nsec: i64::from(left.subsec_nanos()) })?;
    }
    t.restart_block = Some(RestartBlock::Sleep { deadline, rem });
    return_errno!(ERESTART_RESTARTBLOCK)
}

fn sleep_for(t: &mut Task, d: Duration, rem: u64) -> KResult<u64> {
    match deadline_after(d) {
        Some(deadline) => sleep_until_restartable(t, deadline, rem),
        // Beyond what the host clock can express: only a signal ends it.
        None => {
            let _ = t.sleep_until(None);
            return_errno!(ERESTARTNOHAND)
        }
    }
}

/// restart_syscall(2): resume what a signal interrupted when no handler ran.
pub(crate) fn sys_restart_syscall(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    match t.restart_block.take() {
        Some(RestartBlock::Sleep { deadline, rem }) => sleep_until_restartable(t, deadline, rem),
        Some(RestartBlock::FutexWait { key, uaddr, val, bitset, deadline }) => {
            crate::futex::restart_wait(t, key, uaddr, val, bitset, deadline)
        }
        None => return_errno!(EINTR),
    }
}

pub(crate) fn sys_nanosleep(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let req: Timespec = t.mm.read_val(a[0])?;
    let d = valid_ts(&req)?;
    sleep_for(t, d, a[1])
}

/// pause(2): sleep until a signal is delivered; always EINTR.
pub(crate) fn sys_pause(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    // Only a signal ends it: EINTR after a handler, a restart if it ran none.
    let _ = t.sleep_until(None);
    return_errno!(ERESTARTNOHAND)
}

pub(crate) fn sys_clock_nanosleep(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    const TIMER_ABSTIME: u64 = 1;
    let id = a[0] as i32;
    if !matches!(id, CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_TAI | CLOCK_PROCESS_CPUTIME_ID) {
        // Clocks Linux knows but cannot sleep on are EOPNOTSUPP; others EINVAL.
        let known = (0..=11).contains(&id) && id != 10;
        if known {
            return_errno!(EOPNOTSUPP);
        }
        return_errno!(EINVAL);
    }
    let req: Timespec = t.mm.read_val(a[2])?;
    let mut d = valid_ts(&req)?;
    let absolute = a[1] & TIMER_ABSTIME != 0;
    if absolute {
        let now = clock_now(t, id)?;
        let now = Duration::new(now.tv_sec as u64, now.tv_nsec as u32);
        d = d.saturating_sub(now);
    }
    if absolute {
        // An absolute sleep reports no remaining time and restarts as itself.
        return match t.sleep_until(deadline_after(d)) {
            Ok(()) => Ok(0),
            Err(_) => return_errno!(ERESTARTNOHAND),
        };
    }
    sleep_for(t, d, a[3])
}

/// exit(2): this thread ends; the process ends with its last thread.
pub(crate) fn sys_exit(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.exit = Some(ExitStatus::Code((a[0] & 0xff) as i32));
    Ok(0)
}

/// exit_group(2): every thread of the process ends.
pub(crate) fn sys_exit_group(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.exit = Some(t.tg.start_exit(ExitStatus::Code((a[0] & 0xff) as i32)));
    Ok(0)
}

#[allow(unsafe_code)]
/// The CPUs the sandbox shows (sched_getaffinity, sysfs): the host's online count.
pub fn host_cpus() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    n.max(1) as u64
}

/// The thread a scheduling call names: 0 is the caller; any thread of the sandbox.
pub(crate) fn sched_target(t: &Task, pid: i32) -> KResult<std::sync::Arc<crate::thread::ThreadShared>> {
    if pid < 0 {
        return_errno!(EINVAL);
    }
    if pid == 0 || pid == t.tid {
        return Ok(t.shared.clone());
    }
    t.kernel.group_of_thread(pid).and_then(|g| g.member_shared(pid)).ok_or(errno!(ESRCH))
}

pub(crate) fn sys_sched_getaffinity(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let target = sched_target(t, a[0] as i32)?;
    let ncpu = host_cpus();
    let need = ncpu.div_ceil(64) * 8;
    let len = a[1];
    if len < need || !len.is_multiple_of(8) {
        return_errno!(EINVAL);
    }
    let mut mask = vec![0u8; need as usize];
    for c in 0..ncpu {
        mask[(c / 8) as usize] |= 1 << (c % 8);
    }
    if let Some(m) = &*target.affinity() {
        for (dst, src) in mask.iter_mut().zip(m) {
            *dst &= *src;
        }
    }
    t.mm.copy_out(a[2], &mask)?;
    Ok(need)
}

/// sched_setaffinity(2): recorded and reported back; which host CPU runs the task stays
/// the platform's choice (tracer and stub share one).
pub(crate) fn sys_sched_setaffinity(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let target = sched_target(t, a[0] as i32)?;
    let len = (a[1] as usize).min(1024);
    let mut user = vec![0u8; len];
    t.mm.copy_in(a[2], &mut user)?;
    let ncpu = host_cpus() as usize;
    let mut mask = vec![0u8; ncpu.div_ceil(8)];
    for c in 0..ncpu {
        if user.get(c / 8).is_some_and(|b| b & (1 << (c % 8)) != 0) {
            mask[c / 8] |= 1 << (c % 8);
        }
    }
    if mask.iter().all(|&b| b == 0) {
        return_errno!(EINVAL);
    }
    *target.affinity() = Some(mask);
    Ok(0)
}

/// rt_sigpending(2): the signals waiting while blocked.
pub(crate) fn sys_rt_sigpending(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if a[1] > 8 {
        return_errno!(EINVAL);
    }
    let set = t.blocked_pending().to_le_bytes();
    t.mm.copy_out(a[0], &set[..a[1] as usize])?;
    Ok(0)
}

#[allow(unsafe_code)]
pub(crate) fn sys_sched_yield(_t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    // SAFETY: sched_yield has no preconditions.
    unsafe { libc::sched_yield() };
    Ok(0)
}

#[allow(unsafe_code)]
pub(crate) fn sys_sysinfo(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    // SAFETY: zeroed sysinfo is valid; the kernel fills it.
    let mut h: libc::sysinfo = unsafe { std::mem::zeroed() };
    // SAFETY: `h` is a valid out-pointer.
    if unsafe { libc::sysinfo(&mut h) } != 0 {
        return_errno!(EFAULT);
    }
    let s = Sysinfo {
        uptime: h.uptime,
        loads: [0; 3],
        totalram: h.totalram * u64::from(h.mem_unit),
        freeram: h.freeram * u64::from(h.mem_unit),
        sharedram: h.sharedram * u64::from(h.mem_unit),
        bufferram: h.bufferram * u64::from(h.mem_unit),
        procs: 1,
        mem_unit: 1,
        ..Default::default()
    };
    t.mm.write_val(a[0], &s)?;
    Ok(0)
}

const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

pub(crate) fn sys_rt_sigaction(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let sig = a[0];
    if a[3] != 8 || sig == 0 || sig > u64::from(NSIG) {
        return_errno!(EINVAL);
    }
    let idx = (sig - 1) as usize;
    let new = if a[1] != 0 {
        if sig == u64::from(SIGKILL) || sig == u64::from(SIGSTOP) {
            return_errno!(EINVAL);
        }
        Some(t.mm.read_val::<KernelSigaction>(a[1])?)
    } else {
        None
    };
    if a[2] != 0 {
        let old = t.tg.actions()[idx];
        t.mm.write_val(a[2], &old)?;
    }
    if let Some(mut n) = new {
        n.mask &= !UNBLOCKABLE;
        t.tg.actions()[idx] = n;
        // Setting a disposition that ignores the signal discards it if pending.
        let ignores = n.handler == SIG_IGN
            || (n.handler == SIG_DFL
                && kernel_signal::default_action(sig as u32) == kernel_signal::DefaultAction::Ignore);
        if ignores {
            t.pending.discard(1 << idx);
            t.tg.discard_shared(1 << idx);
        }
    }
    Ok(0)
}

pub(crate) fn sys_rt_sigprocmask(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if a[3] != 8 {
        return_errno!(EINVAL);
    }
    let old = t.sigmask;
    if a[1] != 0 {
        let set: u64 = t.mm.read_val(a[1])?;
        t.sigmask = match a[0] as u32 {
            SIG_BLOCK => old | set,
            SIG_UNBLOCK => old & !set,
            SIG_SETMASK => set,
            _ => return_errno!(EINVAL),
        } & !UNBLOCKABLE;
    }
    if a[2] != 0 {
        t.mm.write_val(a[2], &old)?;
    }
    Ok(0)
}

pub(crate) fn sys_sigaltstack(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let cur = t.altstack;
    let on_stack = kernel_signal::frame::on_altstack(&cur, t.regs.rsp);
    // The new stack is read before the old one is written: they may be the same buffer.
    let new = if a[0] != 0 { Some(t.mm.read_val::<StackT>(a[0])?) } else { None };
    if a[1] != 0 {
        let mut old = cur;
        old.ss_flags = kernel_signal::frame::altstack_flags(&cur, t.regs.rsp) | (cur.ss_flags & SS_AUTODISARM);
        t.mm.write_val(a[1], &old)?;
    }
    if let Some(mut ss) = new {
        let mode = ss.ss_flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
            return_errno!(EINVAL);
        }
        if on_stack {
            return_errno!(EPERM);
        }
        if mode == SS_DISABLE {
            ss = StackT { ss_flags: SS_DISABLE, ..Default::default() };
        } else {
            if ss.ss_size < MINSIGSTKSZ {
                return_errno!(ENOMEM);
            }
            ss.ss_flags &= SS_AUTODISARM;
        }
        t.altstack = ss;
    }
    Ok(0)
}

/// Longest single argument or environment string (MAX_ARG_STRLEN).
const MAX_ARG_STRLEN: usize = 32 * 4096;
/// Total size of argv and envp accepted.
const MAX_ARGS_TOTAL: usize = 2 << 20;

fn read_strings(t: &Task, mut addr: u64, total: &mut usize) -> KResult<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    loop {
        let p: u64 = t.mm.read_val(addr)?;
        if p == 0 {
            return Ok(out);
        }
        let s = t.mm.copy_in_cstr(p, MAX_ARG_STRLEN).map_err(|e| {
            if e.errno == kernel_abi::Errno::ENAMETOOLONG {
                errno!(E2BIG)
            } else {
                e
            }
        })?;
        *total += s.len() + 1 + 8;
        if *total > MAX_ARGS_TOTAL {
            return_errno!(E2BIG);
        }
        out.push(s);
        addr = addr.checked_add(8).ok_or(errno!(EFAULT))?;
    }
}

pub(crate) fn sys_execve(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let path = t.read_path(a[0])?;
    execve_path(t, &path, a[1], a[2])
}

/// execve of `path` with the argument and environment vectors at `argv` and `envp`.
pub(crate) fn execve_path(t: &mut Task, path: &[u8], argv: u64, envp: u64) -> KResult<u64> {
    let mut total = 0;
    let argv = read_strings(t, argv, &mut total)?;
    let envp = read_strings(t, envp, &mut total)?;
    t.exec(path, argv, envp)?;
    Ok(0)
}

/// Send `sig` to thread `tid` (of process `tgid`, if given): tkill and tgkill.
fn signal_thread(t: &mut Task, tgid: Option<i32>, tid: i32, sig: u64) -> KResult<u64> {
    if sig > u64::from(NSIG) {
        return_errno!(EINVAL);
    }
    let info = kernel_signal::Siginfo::from_process(sig as u32, kernel_signal::info::SI_TKILL, t.tgid, t.creds.uid);
    if tid == t.tid && tgid.is_none_or(|g| g == t.tgid) {
        if sig != 0 {
            t.send_signal(info);
        }
        return Ok(0);
    }
    let group = t.kernel.group_of_thread(tid).ok_or(errno!(ESRCH))?;
    if tgid.is_some_and(|g| g != group.tgid) {
        return_errno!(ESRCH);
    }
    let inbox = group.member_inbox(tid).ok_or(errno!(ESRCH))?;
    crate::thread::may_signal(t, &group, sig as u32)?;
    if sig != 0 {
        group.cancel_job_control(sig as u32);
        inbox.post(info);
        if sig as u32 == SIGCONT {
            group.continue_group();
        }
    }
    Ok(0)
}

pub(crate) fn sys_rt_sigreturn(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    t.sigreturn()
}

pub(crate) fn sys_kill(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let pid = a[0] as i32;
    let sig = a[1];
    if sig > u64::from(NSIG) {
        return_errno!(EINVAL);
    }
    let info = kernel_signal::Siginfo::from_process(sig as u32, kernel_signal::info::SI_USER, t.tgid, t.creds.uid);
    if pid > 0 {
        return t.kernel.send_to_process(t, pid, info).map(|_| 0);
    }
    // -1: every process but init and the caller; 0: the caller's group; -pgid: that group.
    let targets = match pid {
        -1 => t.kernel.live_pids(t.tgid).into_iter().filter(|&p| p != 1).collect(),
        0 => t.kernel.group_members_all(t.kernel.pgid_of(t.tgid)?),
        i32::MIN => return_errno!(ESRCH),
        _ => t.kernel.group_members_all(-pid),
    };
    if targets.is_empty() {
        return_errno!(ESRCH);
    }
    // Success if any process could be signalled; EPERM if none.
    let mut result = Err(errno!(EPERM));
    for p in targets {
        if t.kernel.send_to_process(t, p, info).is_ok() {
            result = Ok(0);
        }
    }
    result
}

pub(crate) fn sys_setpgid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.kernel.setpgid(t.tgid, a[0] as i32, a[1] as i32).map(|_| 0)
}

pub(crate) fn sys_getpgid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let pid = if a[0] as i32 == 0 { t.tgid } else { a[0] as i32 };
    t.kernel.pgid_of(pid).map(|g| g as u64)
}

pub(crate) fn sys_getpgrp(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    t.kernel.pgid_of(t.tgid).map(|g| g as u64)
}

pub(crate) fn sys_setsid(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    t.kernel.setsid(t.tgid).map(|s| s as u64)
}

pub(crate) fn sys_getsid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let pid = if a[0] as i32 == 0 { t.tgid } else { a[0] as i32 };
    t.kernel.sid_of(pid).map(|s| s as u64)
}

pub(crate) fn sys_tkill(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if (a[0] as i32) <= 0 {
        return_errno!(EINVAL);
    }
    signal_thread(t, None, a[0] as i32, a[1])
}

pub(crate) fn sys_tgkill(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if (a[0] as i32) <= 0 || (a[1] as i32) <= 0 {
        return_errno!(EINVAL);
    }
    signal_thread(t, Some(a[0] as i32), a[1] as i32, a[2])
}

pub(crate) fn sys_get_robust_list(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let pid = a[0] as i32;
    if pid != 0 && pid != t.tid {
        return_errno!(ESRCH);
    }
    t.mm.write_val(a[1], &t.robust_list.0)?;
    t.mm.write_val(a[2], &t.robust_list.1)?;
    Ok(0)
}

#[allow(unsafe_code)]
fn host_cpu() -> u32 {
    // SAFETY: sched_getcpu has no preconditions.
    let c = unsafe { libc::sched_getcpu() };
    c.max(0) as u32
}

/// getcpu(2): the CPU the task runs on, within its affinity mask; one NUMA node.
pub(crate) fn sys_getcpu(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let mut cpu = host_cpu();
    if let Some(m) = &*t.shared.affinity() {
        let allowed = |c: u32| m.get((c / 8) as usize).is_some_and(|b| b & (1 << (c % 8)) != 0);
        if !allowed(cpu) {
            cpu = (0..(m.len() * 8) as u32).find(|&c| allowed(c)).unwrap_or(0);
        }
    }
    if a[0] != 0 {
        t.mm.write_val(a[0], &cpu)?;
    }
    if a[1] != 0 {
        t.mm.write_val(a[1], &0u32)?;
    }
    Ok(0)
}

/// rt_sigsuspend(2): wait with a temporary mask until a signal is delivered; the original
/// mask returns after the handler (through the frame) or after delivery.
pub(crate) fn sys_rt_sigsuspend(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if a[1] != 8 {
        return_errno!(EINVAL);
    }
    let mask: u64 = t.mm.read_val(a[0])?;
    let old = t.sigmask;
    t.sigmask = mask & !UNBLOCKABLE;
    let _ = t.sleep_until(None);
    t.saved_mask = Some(old);
    return_errno!(ERESTARTNOHAND)
}

/// rt_sigtimedwait(2).
pub(crate) fn sys_rt_sigtimedwait(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if a[3] != 8 {
        return_errno!(EINVAL);
    }
    let set: u64 = t.mm.read_val(a[0])?;
    let set = set & !UNBLOCKABLE;
    let deadline = if a[2] != 0 {
        let ts: Timespec = t.mm.read_val(a[2])?;
        deadline_after(valid_ts(&ts)?)
    } else {
        None
    };
    match t.wait_for(set, deadline)? {
        Some(info) => {
            if a[1] != 0 {
                t.mm.write_val(a[1], &info)?;
            }
            Ok(info.signo as u64)
        }
        None => return_errno!(EAGAIN),
    }
}

pub(crate) fn sys_fork(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    t.clone_process(u64::from(SIGCHLD), 0, 0, 0, 0)
}

pub(crate) fn sys_vfork(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    use kernel_abi::flags::clone::{CLONE_VFORK, CLONE_VM};
    t.clone_shared_vm(CLONE_VM | CLONE_VFORK | u64::from(SIGCHLD), 0, 0, 0, 0)
}

/// clone(flags, newsp, parent_tid, child_tid, tls) (x86_64 argument order).
pub(crate) fn sys_clone(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    use kernel_abi::flags::clone::CSIGNAL;
    // The low byte is the exit signal here (CLONE_NEWTIME exists only for clone3).
    do_clone(t, a[0] & !CSIGNAL, a[0] & CSIGNAL, a[1], a[2], a[3], a[4])
}

/// clone and clone3 after their own argument checks: Linux's flag consistency rules
/// (copy_process), then a thread, a process sharing memory, or a forked process.
pub(crate) fn do_clone(
    t: &mut Task,
    flags: u64,
    exit_signal: u64,
    sp: u64,
    ptid: u64,
    ctid: u64,
    tls: u64,
) -> KResult<u64> {
    use kernel_abi::flags::clone::*;
    let both = |a: u64, b: u64| flags & a != 0 && flags & b != 0;
    if both(CLONE_NEWNS, CLONE_FS)
        || both(CLONE_NEWUSER, CLONE_FS)
        || (flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0)
        || (flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0)
        || both(CLONE_SIGHAND, CLONE_CLEAR_SIGHAND)
        || (flags & CLONE_THREAD != 0 && flags & (CLONE_NEWUSER | CLONE_NEWPID) != 0)
        || both(CLONE_PIDFD, CLONE_DETACHED)
    {
        return_errno!(EINVAL);
    }
    if flags & CLONE_NEW_ANY != 0 {
        t.kernel.log_once(Some(kernel_abi::nr::CLONE), "namespaces inside the sandbox are not supported: EINVAL");
        return_errno!(EINVAL);
    }
    if flags & CLONE_VM != 0 {
        return t.clone_shared_vm(flags | exit_signal, sp, ptid, ctid, tls);
    }
    t.clone_process(flags | exit_signal, sp, ptid, ctid, tls)
}

/// unshare(2): a private descriptor table or fs context; the thread, memory and handler
/// flags are allowed only when nothing is shared.
pub(crate) fn sys_unshare(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    use kernel_abi::flags::clone::*;
    let mut flags = a[0];
    let allowed = CLONE_THREAD | CLONE_FS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_SYSVSEM | CLONE_NEW_ANY;
    if flags & !allowed != 0 {
        return_errno!(EINVAL);
    }
    if flags & CLONE_NEWUSER != 0 {
        flags |= CLONE_THREAD | CLONE_FS;
    }
    if flags & CLONE_NEWNS != 0 {
        flags |= CLONE_FS;
    }
    let alone = t.tg.member_count() == 1;
    if flags & (CLONE_THREAD | CLONE_SIGHAND) != 0 && !alone {
        return_errno!(EINVAL);
    }
    if flags & CLONE_VM != 0 && std::sync::Arc::strong_count(&t.mm) > 1 {
        return_errno!(EINVAL);
    }
    if flags & CLONE_NEW_ANY != 0 {
        t.kernel.log_once(Some(kernel_abi::nr::UNSHARE), "namespaces inside the sandbox are not supported: EINVAL");
        return_errno!(EINVAL);
    }
    if flags & CLONE_FILES != 0 {
        let table = t.fds().clone();
        t.fds = std::sync::Arc::new(std::sync::Mutex::new(table));
    }
    if flags & CLONE_FS != 0 {
        let fs = t.fs_info().clone();
        t.fs = std::sync::Arc::new(std::sync::Mutex::new(fs));
    }
    if t.tid == t.tgid {
        let (fds, fs) = (std::sync::Arc::downgrade(&t.fds), std::sync::Arc::downgrade(&t.fs));
        t.tg.update_view(|v| {
            v.fds = fds;
            v.fs = fs;
        });
    }
    Ok(0)
}

pub(crate) fn sys_wait4(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.wait4(a[0] as i32, a[1], a[2], a[3])
}

pub(crate) fn sys_waitid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.waitid(a[0], a[1], a[2], a[3])
}
