//! Process attributes: credentials, capabilities, prctl, scheduling policy and nice
//! values, queued signals (rt_sigqueueinfo), clone3 and execveat.

use kernel_abi::flags::signal::*;
use kernel_abi::{errno, return_errno, KResult, Timespec};
use kernel_signal::Siginfo;
use std::sync::atomic::Ordering;

use crate::creds::{CAP_LAST_CAP, CAP_SETGID, CAP_SETPCAP, CAP_SYS_NICE, NGROUPS_MAX};
use crate::task::Task;

// ---------------------------------------------------------------------------------------
// Credentials

pub(crate) fn sys_setuid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let r = t.creds.setuid(a[0] as u32);
    t.publish_ids();
    r.map(|_| 0)
}

pub(crate) fn sys_setgid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let r = t.creds.setgid(a[0] as u32);
    t.publish_ids();
    r.map(|_| 0)
}

pub(crate) fn sys_setreuid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let r = t.creds.setreuid(a[0] as u32, a[1] as u32);
    t.publish_ids();
    r.map(|_| 0)
}

pub(crate) fn sys_setregid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let r = t.creds.setregid(a[0] as u32, a[1] as u32);
    t.publish_ids();
    r.map(|_| 0)
}

pub(crate) fn sys_setresuid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let r = t.creds.setresuid(a[0] as u32, a[1] as u32, a[2] as u32);
    t.publish_ids();
    r.map(|_| 0)
}

pub(crate) fn sys_setresgid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let r = t.creds.setresgid(a[0] as u32, a[1] as u32, a[2] as u32);
    t.publish_ids();
    r.map(|_| 0)
}

pub(crate) fn sys_setfsuid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let old = t.creds.setfsuid(a[0] as u32);
    t.publish_ids();
    Ok(u64::from(old))
}

pub(crate) fn sys_setfsgid(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let old = t.creds.setfsgid(a[0] as u32);
    t.publish_ids();
    Ok(u64::from(old))
}

pub(crate) fn sys_setgroups(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let n = a[0] as usize;
    if n > NGROUPS_MAX {
        return_errno!(EINVAL);
    }
    if !t.creds.capable(CAP_SETGID) {
        return_errno!(EPERM);
    }
    let mut groups = vec![0u32; n];
    if n > 0 {
        t.mm.copy_in(a[1], bytemuck::cast_slice_mut(&mut groups))?;
    }
    groups.sort_unstable();
    t.creds.groups = groups;
    Ok(0)
}

/// The capability ABI versions: v1 has one 32-bit word per set, v2 and v3 two.
const CAP_V1: u32 = 0x1998_0330;
const CAP_V2: u32 = 0x2007_1026;
const CAP_V3: u32 = 0x2008_0522;

/// Check a capget/capset header: the number of 32-bit words per set, or EINVAL after
/// telling the caller the version the kernel prefers.
fn cap_header(t: &Task, hdr: u64) -> KResult<(usize, i32)> {
    let [version, pid]: [u32; 2] = t.mm.read_val(hdr)?;
    let words = match version {
        CAP_V1 => 1,
        CAP_V2 | CAP_V3 => 2,
        _ => {
            t.mm.write_val(hdr, &CAP_V3)?;
            return_errno!(EINVAL);
        }
    };
    Ok((words, pid as i32))
}

pub(crate) fn sys_capget(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (words, pid) = match cap_header(t, a[0]) {
        Ok(x) => x,
        // A bad version with no data pointer is how callers probe for the version.
        Err(e) if e.errno == kernel_abi::Errno::EINVAL && a[1] == 0 => return Ok(0),
        Err(e) => return Err(e),
    };
    if pid < 0 {
        return_errno!(EINVAL);
    }
    let (eff, prm, inh) = if pid != 0 && pid != t.tid {
        let shared = crate::sys_misc::sched_target(t, pid)?;
        let ids = *shared.ids.lock().unwrap_or_else(|e| e.into_inner());
        (ids.cap_effective, ids.cap_permitted, ids.cap_inheritable)
    } else {
        (t.creds.cap_effective, t.creds.cap_permitted, t.creds.cap_inheritable)
    };
    if a[1] == 0 {
        return Ok(0);
    }
    let mut data = [0u32; 6];
    for w in 0..words {
        data[w * 3] = (eff >> (32 * w)) as u32;
        data[w * 3 + 1] = (prm >> (32 * w)) as u32;
        data[w * 3 + 2] = (inh >> (32 * w)) as u32;
    }
    t.mm.copy_out(a[1], bytemuck::cast_slice(&data[..words * 3]))?;
    Ok(0)
}

pub(crate) fn sys_capset(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (words, pid) = cap_header(t, a[0])?;
    if pid != 0 && pid != t.tid {
        return_errno!(EPERM);
    }
    let mut data = [0u32; 6];
    t.mm.copy_in(a[1], bytemuck::cast_slice_mut(&mut data[..words * 3]))?;
    let set = |i: usize| (0..words).fold(0u64, |acc, w| acc | (u64::from(data[w * 3 + i]) << (32 * w)));
    let r = t.creds.capset(set(0), set(1), set(2));
    t.publish_ids();
    r.map(|_| 0)
}

// ---------------------------------------------------------------------------------------
// prctl

const PR_SET_PDEATHSIG: u64 = 1;
const PR_GET_PDEATHSIG: u64 = 2;
const PR_GET_DUMPABLE: u64 = 3;
const PR_SET_DUMPABLE: u64 = 4;
const PR_GET_KEEPCAPS: u64 = 7;
const PR_SET_KEEPCAPS: u64 = 8;
const PR_SET_NAME: u64 = 15;
const PR_GET_NAME: u64 = 16;
const PR_GET_SECCOMP: u64 = 21;
const PR_SET_SECCOMP: u64 = 22;
const PR_CAPBSET_READ: u64 = 23;
const PR_CAPBSET_DROP: u64 = 24;
const PR_GET_SECUREBITS: u64 = 27;
const PR_SET_SECUREBITS: u64 = 28;
const PR_SET_TIMERSLACK: u64 = 29;
const PR_GET_TIMERSLACK: u64 = 30;
const PR_SET_CHILD_SUBREAPER: u64 = 36;
const PR_GET_CHILD_SUBREAPER: u64 = 37;
const PR_SET_NO_NEW_PRIVS: u64 = 38;
const PR_GET_NO_NEW_PRIVS: u64 = 39;
const PR_GET_TID_ADDRESS: u64 = 40;
const PR_SET_THP_DISABLE: u64 = 41;
const PR_GET_THP_DISABLE: u64 = 42;
const PR_CAP_AMBIENT: u64 = 47;
const PR_CAP_AMBIENT_IS_SET: u64 = 1;
const PR_CAP_AMBIENT_RAISE: u64 = 2;
const PR_CAP_AMBIENT_LOWER: u64 = 3;
const PR_CAP_AMBIENT_CLEAR_ALL: u64 = 4;

pub(crate) fn sys_prctl(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let zero_rest = |from: usize| a[from..5].iter().all(|&x| x == 0);
    match a[0] {
        PR_SET_PDEATHSIG => {
            if a[1] > u64::from(NSIG) {
                return_errno!(EINVAL);
            }
            t.kernel.set_pdeathsig(t.tgid, a[1] as u32);
            Ok(0)
        }
        PR_GET_PDEATHSIG => t.mm.write_val(a[1], &(t.kernel.pdeathsig(t.tgid) as i32)).map(|_| 0),
        PR_GET_DUMPABLE => Ok(u64::from(t.tg.dumpable())),
        PR_SET_DUMPABLE => {
            if a[1] > 1 {
                return_errno!(EINVAL);
            }
            t.tg.set_dumpable(a[1] == 1);
            Ok(0)
        }
        PR_GET_KEEPCAPS => Ok(u64::from(t.creds.keep_caps)),
        PR_SET_KEEPCAPS => {
            if a[1] > 1 {
                return_errno!(EINVAL);
            }
            t.creds.keep_caps = a[1] == 1;
            Ok(0)
        }
        PR_SET_NAME => {
            let name = match t.mm.copy_in_cstr(a[1], 4096) {
                Ok(n) => n,
                Err(e) if e.errno == kernel_abi::Errno::ENAMETOOLONG => {
                    let mut buf = [0u8; 15];
                    t.mm.copy_in(a[1], &mut buf)?;
                    buf.to_vec()
                }
                Err(e) => return Err(e),
            };
            let mut n = [0u8; 16];
            let len = name.len().min(15);
            n[..len].copy_from_slice(&name[..len]);
            t.name = n;
            if t.tid == t.tgid {
                t.tg.update_view(|v| v.comm = n);
            }
            Ok(0)
        }
        PR_GET_NAME => t.mm.copy_out(a[1], &t.name).map(|_| 0),
        PR_GET_SECCOMP => Ok(0),
        PR_SET_SECCOMP => {
            t.kernel.log_once(
                Some(kernel_abi::nr::PRCTL),
                "PR_SET_SECCOMP: application seccomp filters are not supported yet",
            );
            return_errno!(EINVAL)
        }
        PR_CAPBSET_READ => {
            if a[1] > u64::from(CAP_LAST_CAP) {
                return_errno!(EINVAL);
            }
            Ok((t.creds.cap_bounding >> a[1]) & 1)
        }
        PR_CAPBSET_DROP => {
            if a[1] > u64::from(CAP_LAST_CAP) {
                return_errno!(EINVAL);
            }
            if !t.creds.capable(CAP_SETPCAP) {
                return_errno!(EPERM);
            }
            t.creds.cap_bounding &= !(1 << a[1]);
            Ok(0)
        }
        PR_GET_SECUREBITS => Ok(u64::from(t.creds.keep_caps) << 4),
        PR_SET_SECUREBITS => {
            t.kernel.log_once(Some(kernel_abi::nr::PRCTL), "PR_SET_SECUREBITS is not supported: EPERM");
            return_errno!(EPERM)
        }
        PR_SET_TIMERSLACK => {
            t.timer_slack = if a[1] == 0 { DEFAULT_TIMER_SLACK } else { a[1] };
            Ok(0)
        }
        PR_GET_TIMERSLACK => Ok(t.timer_slack),
        PR_SET_CHILD_SUBREAPER => {
            t.kernel.set_subreaper(t.tgid, a[1] != 0);
            Ok(0)
        }
        PR_GET_CHILD_SUBREAPER => t.mm.write_val(a[1], &i32::from(t.kernel.subreaper(t.tgid))).map(|_| 0),
        PR_SET_NO_NEW_PRIVS => {
            if a[1] != 1 || !zero_rest(2) {
                return_errno!(EINVAL);
            }
            t.no_new_privs = true;
            Ok(0)
        }
        PR_GET_NO_NEW_PRIVS => {
            if !zero_rest(1) {
                return_errno!(EINVAL);
            }
            Ok(u64::from(t.no_new_privs))
        }
        PR_GET_TID_ADDRESS => t.mm.write_val(a[1], &t.clear_child_tid).map(|_| 0),
        PR_SET_THP_DISABLE => {
            if !zero_rest(2) {
                return_errno!(EINVAL);
            }
            t.tg.set_thp_disable(a[1] != 0);
            Ok(0)
        }
        PR_GET_THP_DISABLE => {
            if !zero_rest(1) {
                return_errno!(EINVAL);
            }
            Ok(u64::from(t.tg.thp_disable()))
        }
        PR_CAP_AMBIENT => {
            let cap = a[2];
            match a[1] {
                PR_CAP_AMBIENT_CLEAR_ALL => {
                    if cap != 0 || !zero_rest(3) {
                        return_errno!(EINVAL);
                    }
                    t.creds.cap_ambient = 0;
                    Ok(0)
                }
                _ if cap > u64::from(CAP_LAST_CAP) || !zero_rest(3) => return_errno!(EINVAL),
                PR_CAP_AMBIENT_IS_SET => Ok((t.creds.cap_ambient >> cap) & 1),
                PR_CAP_AMBIENT_RAISE => {
                    let c = &mut t.creds;
                    if (c.cap_permitted & c.cap_inheritable) & (1 << cap) == 0 {
                        return_errno!(EPERM);
                    }
                    c.cap_ambient |= 1 << cap;
                    Ok(0)
                }
                PR_CAP_AMBIENT_LOWER => {
                    t.creds.cap_ambient &= !(1 << cap);
                    Ok(0)
                }
                _ => return_errno!(EINVAL),
            }
        }
        _ => {
            t.kernel.log_once(Some(kernel_abi::nr::PRCTL), "an unsupported prctl option: EINVAL");
            return_errno!(EINVAL)
        }
    }
}

/// Linux's default timer slack: 50 microseconds, in nanoseconds.
pub(crate) const DEFAULT_TIMER_SLACK: u64 = 50_000;

// ---------------------------------------------------------------------------------------
// Scheduling

const SCHED_OTHER: u32 = 0;
const SCHED_FIFO: u32 = 1;
const SCHED_RR: u32 = 2;
const SCHED_BATCH: u32 = 3;
const SCHED_IDLE: u32 = 5;
const SCHED_RESET_ON_FORK: u32 = 0x4000_0000;

/// A new task's policy: its creator's, unless SCHED_RESET_ON_FORK asks for the default
/// (real-time policies become SCHED_OTHER; the flag itself is not inherited).
pub(crate) fn sched_after_fork(s: (u32, i32)) -> (u32, i32) {
    if s.0 & SCHED_RESET_ON_FORK == 0 {
        return s;
    }
    match s.0 & !SCHED_RESET_ON_FORK {
        SCHED_FIFO | SCHED_RR => (SCHED_OTHER, 0),
        p => (p, 0),
    }
}

/// The priority range of a policy.
fn priority_range(policy: u32) -> KResult<(i32, i32)> {
    match policy {
        SCHED_FIFO | SCHED_RR => Ok((1, 99)),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE => Ok((0, 0)),
        _ => return_errno!(EINVAL),
    }
}

/// The scheduling target of a pid argument: this thread (0 or its id) or another live
/// task, whose policy is not visible (reported as SCHED_OTHER).
fn is_self(t: &Task, pid: u64) -> KResult<bool> {
    let pid = pid as i32;
    if pid < 0 {
        return_errno!(EINVAL);
    }
    if pid == 0 || pid == t.tid {
        return Ok(true);
    }
    if t.kernel.group_of_thread(pid).is_none() {
        return_errno!(ESRCH);
    }
    Ok(false)
}

pub(crate) fn sys_sched_getscheduler(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    Ok(if is_self(t, a[0])? { u64::from(t.sched.0) } else { u64::from(SCHED_OTHER) })
}

pub(crate) fn sys_sched_getparam(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if a[1] == 0 || (a[0] as i32) < 0 {
        return_errno!(EINVAL);
    }
    let prio = if is_self(t, a[0])? { t.sched.1 } else { 0 };
    t.mm.write_val(a[1], &prio).map(|_| 0)
}

fn set_sched(t: &mut Task, pid: u64, policy: Option<u32>, param: u64) -> KResult<u64> {
    if param == 0 {
        return_errno!(EINVAL);
    }
    let prio: i32 = t.mm.read_val(param)?;
    let policy = policy.unwrap_or(t.sched.0);
    let (lo, hi) = priority_range(policy & !SCHED_RESET_ON_FORK)?;
    if prio < lo || prio > hi {
        return_errno!(EINVAL);
    }
    if !is_self(t, pid)? {
        t.kernel.log_once(Some(kernel_abi::nr::SCHED_SETSCHEDULER), "scheduling other tasks is refused: EPERM");
        return_errno!(EPERM);
    }
    let rtprio = t.rlimit(kernel_abi::flags::rlimit::RLIMIT_RTPRIO);
    if hi > 0 && u64::from(prio as u32) > rtprio && !t.creds.capable(CAP_SYS_NICE) {
        return_errno!(EPERM);
    }
    // Recorded and reported (with SCHED_RESET_ON_FORK): host scheduling is the platform's.
    t.sched = (policy, prio);
    Ok(0)
}

pub(crate) fn sys_sched_setscheduler(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if (a[1] as i32) < 0 {
        return_errno!(EINVAL);
    }
    set_sched(t, a[0], Some(a[1] as u32), a[2])
}

pub(crate) fn sys_sched_setparam(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    set_sched(t, a[0], None, a[1])
}

pub(crate) fn sys_sched_get_priority_max(_t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    priority_range(a[0] as u32).map(|r| r.1 as u64)
}

pub(crate) fn sys_sched_get_priority_min(_t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    priority_range(a[0] as u32).map(|r| r.0 as u64)
}

pub(crate) fn sys_sched_rr_get_interval(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let mine = is_self(t, a[0])?;
    // SCHED_FIFO has no time slice; round robin Linux's default 100 ms; for the fair
    // classes the slice the scheduler would give, which we report as the same.
    let ns: i64 = if mine && t.sched.0 == SCHED_FIFO { 0 } else { 100_000_000 };
    t.mm.write_val(a[1], &Timespec { tv_sec: 0, tv_nsec: ns }).map(|_| 0)
}

const PRIO_PROCESS: u64 = 0;
const PRIO_PGRP: u64 = 1;
const PRIO_USER: u64 = 2;

/// The threads a getpriority/setpriority target names.
fn prio_targets(t: &Task, which: u64, who: u64) -> KResult<Vec<std::sync::Arc<crate::thread::ThreadShared>>> {
    let who = who as i32;
    let threads: Vec<_> = match which {
        PRIO_PROCESS => {
            if who < 0 {
                return_errno!(ESRCH);
            }
            crate::sys_misc::sched_target(t, who).into_iter().collect()
        }
        PRIO_PGRP => {
            let pgid = if who == 0 { t.kernel.pgid_of(t.tgid)? } else { who };
            t.kernel
                .group_members(pgid)
                .into_iter()
                .filter_map(|p| t.kernel.group_of_thread(p))
                .flat_map(|g| g.all_shared())
                .collect()
        }
        PRIO_USER => {
            // The Sentry does not track other processes' ids, so only the caller's own
            // uid matches (its own process).
            let uid = if who == 0 { t.creds.uid } else { who as u32 };
            if uid == t.creds.uid {
                t.tg.all_shared()
            } else {
                vec![]
            }
        }
        _ => return_errno!(EINVAL),
    };
    if threads.is_empty() {
        return_errno!(ESRCH);
    }
    Ok(threads)
}

pub(crate) fn sys_getpriority(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let best = prio_targets(t, a[0], a[1])?.iter().map(|s| s.nice.load(Ordering::Relaxed)).min().unwrap_or(0);
    // The system call returns 20 - nice (1..=40), so that no result looks like an error.
    Ok((20 - best) as u64)
}

pub(crate) fn sys_setpriority(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let nice = (a[2] as i32).clamp(-20, 19);
    let targets = prio_targets(t, a[0], a[1])?;
    let floor = 20 - t.rlimit(kernel_abi::flags::rlimit::RLIMIT_NICE).min(40) as i32;
    for s in targets {
        let ids = *s.ids.lock().unwrap_or_else(|e| e.into_inner());
        let privileged = t.creds.capable(CAP_SYS_NICE);
        if ids.uid != t.creds.euid && ids.euid != t.creds.euid && !privileged {
            return_errno!(EPERM);
        }
        if nice < s.nice.load(Ordering::Relaxed) && nice < floor && !privileged {
            return_errno!(EACCES);
        }
        s.nice.store(nice, Ordering::Relaxed);
    }
    Ok(0)
}

const MEMBARRIER_CMD_QUERY: u64 = 0;

/// membarrier(2): no command is offered (QUERY answers an empty set), because the Sentry
/// cannot yet force a barrier on application threads running on other CPUs.
pub(crate) fn sys_membarrier(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    match a[0] {
        MEMBARRIER_CMD_QUERY if a[1] == 0 => Ok(0),
        _ => {
            t.kernel.log_once(Some(kernel_abi::nr::MEMBARRIER), "membarrier commands are not supported: EINVAL");
            return_errno!(EINVAL)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Queued signals

/// A siginfo an application supplies: it may not pose as the kernel or as kill(2) to
/// another process.
fn user_siginfo(t: &Task, sig: u64, uinfo: u64, to_self: bool) -> KResult<Siginfo> {
    if sig > u64::from(NSIG) {
        return_errno!(EINVAL);
    }
    let mut info: Siginfo = t.mm.read_val(uinfo)?;
    if (info.code >= 0 || info.code == kernel_signal::info::SI_TKILL) && !to_self {
        return_errno!(EPERM);
    }
    info.signo = sig as i32;
    Ok(info)
}

pub(crate) fn sys_rt_sigqueueinfo(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let pid = a[0] as i32;
    let info = user_siginfo(t, a[1], a[2], pid == t.tgid)?;
    if a[1] == 0 {
        // Signal 0 checks that the process exists (and may be signalled).
        return t.kernel.check_signal(t, pid).map(|_| 0);
    }
    t.kernel.send_to_process(t, pid, info).map(|_| 0)
}

pub(crate) fn sys_rt_tgsigqueueinfo(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (tgid, tid) = (a[0] as i32, a[1] as i32);
    if tgid <= 0 || tid <= 0 {
        return_errno!(EINVAL);
    }
    let info = user_siginfo(t, a[2], a[3], tgid == t.tgid)?;
    if tid == t.tid && tgid == t.tgid {
        if a[2] != 0 {
            t.send_signal(info);
        }
        return Ok(0);
    }
    let group = t.kernel.group_of_thread(tid).filter(|g| g.tgid == tgid).ok_or(errno!(ESRCH))?;
    let inbox = group.member_inbox(tid).ok_or(errno!(ESRCH))?;
    crate::thread::may_signal(t, &group, a[2] as u32)?;
    if a[2] != 0 {
        inbox.post(info);
    }
    Ok(0)
}

// ---------------------------------------------------------------------------------------
// clone3 and execveat

/// `struct clone_args` up to `cgroup` (CLONE_ARGS_SIZE_VER2).
#[repr(C)]
#[derive(Clone, Copy, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

pub(crate) fn sys_clone3(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    use kernel_abi::flags::clone::*;
    const VER0: u64 = 64;
    const PAGE: u64 = 4096;
    let size = a[1];
    if size < VER0 {
        return_errno!(EINVAL);
    }
    if size > PAGE {
        return_errno!(E2BIG);
    }
    let known = std::mem::size_of::<CloneArgs>() as u64;
    let mut args = CloneArgs::default();
    let n = size.min(known) as usize;
    t.mm.copy_in(a[0], &mut bytemuck::bytes_of_mut(&mut args)[..n])?;
    if size > known {
        let mut rest = vec![0u8; (size - known) as usize];
        t.mm.copy_in(a[0] + known, &mut rest)?;
        if rest.iter().any(|&b| b != 0) {
            return_errno!(E2BIG);
        }
    }
    // clone3's own checks (clone3_args_valid).
    if args.flags & !(0xffff_ffff | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP) != 0
        || args.flags & CLONE_DETACHED != 0
        || args.set_tid_size > 32
        || (args.set_tid == 0 && args.set_tid_size != 0)
        || args.exit_signal & !CSIGNAL != 0
        || args.exit_signal > u64::from(NSIG)
        || (args.flags & (CLONE_THREAD | CLONE_PARENT) != 0 && args.exit_signal != 0)
    {
        return_errno!(EINVAL);
    }
    if (args.stack == 0) != (args.stack_size == 0) {
        return_errno!(EINVAL);
    }
    if args.flags & CSIGNAL & !CLONE_NEWTIME != 0 {
        // clone3 takes the exit signal in its own field.
        return_errno!(EINVAL);
    }
    if args.set_tid_size != 0 || args.set_tid != 0 {
        t.kernel.log_once(Some(kernel_abi::nr::CLONE3), "set_tid is not supported: EPERM");
        return_errno!(EPERM);
    }
    if args.flags & (CLONE_PIDFD | CLONE_INTO_CGROUP) != 0 {
        t.kernel.log_once(Some(kernel_abi::nr::CLONE3), "CLONE_PIDFD and CLONE_INTO_CGROUP are not supported: EINVAL");
        return_errno!(EINVAL);
    }
    let newsp = args.stack.wrapping_add(args.stack_size);
    crate::sys_misc::do_clone(t, args.flags, args.exit_signal, newsp, args.parent_tid, args.child_tid, args.tls)
}

pub(crate) fn sys_execveat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    use kernel_abi::flags::at::*;
    let flags = a[4] as u32;
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return_errno!(EINVAL);
    }
    let path = t.read_path(a[1])?;
    // The sandbox's dentries know their absolute paths: resolve to one and exec that.
    let full = if path.first() == Some(&b'/') {
        path
    } else if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return_errno!(ENOENT);
        }
        let f = t.file(a[0])?;
        let d = f.dentry().ok_or(errno!(EACCES))?;
        d.path_bytes()
    } else {
        let dir = if a[0] as i32 == AT_FDCWD {
            t.cwd()
        } else {
            match t.file(a[0])?.dentry() {
                Some(d) if d.is_dir() => d.clone(),
                _ => return_errno!(ENOTDIR),
            }
        };
        let mut p = dir.path_bytes();
        if p.last() != Some(&b'/') {
            p.push(b'/');
        }
        p.extend_from_slice(&path);
        p
    };
    if flags & AT_SYMLINK_NOFOLLOW != 0 && t.lookup(&full, false)?.is_symlink() {
        return_errno!(ELOOP);
    }
    crate::sys_misc::execve_path(t, &full, a[2], a[3])
}

#[cfg(test)]
mod tests {
    #[test]
    fn clone_args_layout() {
        assert_eq!(std::mem::size_of::<super::CloneArgs>(), 88);
        assert_eq!(crate::creds::CAP_FULL.count_ones(), super::CAP_LAST_CAP + 1);
    }
}
