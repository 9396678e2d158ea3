//! procfs: `/proc` computed from the Sentry's own state. Each process appears as
//! `/proc/PID` (and each thread under `/proc/PID/task/TID`) with the files programs read
//! most: `exe`, `cwd`, `root`, `fd/`, `cmdline`, `environ`, `comm`, `stat`, `statm`,
//! `status`, `maps`, `limits`, `mounts`, `mountinfo`, `cgroup`. System-wide files
//! (`cpuinfo`, `meminfo`, `uptime`, `loadavg`, `stat`) show the host's figures; `version`,
//! `sys/kernel/*` show the sandbox's.
//!
//! `/proc/self` names the process of the task doing the lookup: every task runs on its
//! own Sentry thread, which records who it serves ([`set_current`]).

use std::cell::Cell;
use std::sync::{Arc, Weak};

use kernel_abi::flags::mode::*;
use kernel_abi::flags::rlimit::*;
use kernel_abi::{errno, return_errno, KResult};
use kernel_fs::synth::SynthNode;

use crate::task::Kernel;
use crate::thread::ThreadGroup;

thread_local! {
    /// (tgid, tid) of the task this Sentry thread runs.
    static CURRENT: Cell<(i32, i32)> = const { Cell::new((0, 0)) };
}

/// Record the task the calling Sentry thread runs (for `/proc/self`).
pub(crate) fn set_current(tgid: i32, tid: i32) {
    CURRENT.with(|c| c.set((tgid, tid)));
}

fn current() -> (i32, i32) {
    CURRENT.with(|c| c.get())
}

/// The root of the sandbox's `/proc`.
pub fn root(kernel: &Arc<Kernel>) -> Arc<dyn SynthNode> {
    Arc::new(Root { kernel: Arc::downgrade(kernel) })
}

/// Inode numbers: a kind in the low bits, the pid above.
fn ino(pid: i32, kind: u64) -> u64 {
    ((pid as u64) << 8 | kind) + 0x1000
}

const DIR: u32 = S_IFDIR | 0o555;
const FILE: u32 = S_IFREG | 0o444;
const LINK: u32 = S_IFLNK | 0o777;

/// A fixed file whose contents a function computes.
struct Gen {
    ino: u64,
    mode: u32,
    f: Box<dyn Fn() -> KResult<Vec<u8>> + Send + Sync>,
}

impl SynthNode for Gen {
    fn mode(&self) -> u32 {
        self.mode
    }
    fn ino(&self) -> u64 {
        self.ino
    }
    fn contents(&self) -> KResult<Vec<u8>> {
        (self.f)()
    }
}

/// A symbolic link whose target a function computes.
struct Link {
    ino: u64,
    f: Box<dyn Fn() -> KResult<Vec<u8>> + Send + Sync>,
}

impl SynthNode for Link {
    fn mode(&self) -> u32 {
        LINK
    }
    fn ino(&self) -> u64 {
        self.ino
    }
    fn readlink(&self) -> KResult<Vec<u8>> {
        (self.f)()
    }
}

fn gen(ino: u64, f: impl Fn() -> KResult<Vec<u8>> + Send + Sync + 'static) -> Arc<dyn SynthNode> {
    Arc::new(Gen { ino, mode: FILE, f: Box::new(f) })
}

fn link(ino: u64, f: impl Fn() -> KResult<Vec<u8>> + Send + Sync + 'static) -> Arc<dyn SynthNode> {
    Arc::new(Link { ino, f: Box::new(f) })
}

/// A host file passed through (system-wide figures).
fn host_file(path: &'static str) -> KResult<Vec<u8>> {
    std::fs::read(path).map_err(|_| errno!(ENOENT))
}

const ROOT_FILES: &[&str] =
    &["cpuinfo", "filesystems", "loadavg", "meminfo", "mounts", "stat", "sys", "uptime", "version"];

struct Root {
    kernel: Weak<Kernel>,
}

impl Root {
    fn kernel(&self) -> KResult<Arc<Kernel>> {
        self.kernel.upgrade().ok_or(errno!(ENOENT))
    }
}

impl SynthNode for Root {
    fn mode(&self) -> u32 {
        DIR
    }
    fn ino(&self) -> u64 {
        1
    }
    fn lookup(&self, name: &[u8]) -> KResult<Arc<dyn SynthNode>> {
        let k = self.kernel()?;
        let n = match name {
            b"self" => link(2, || Ok(current().0.to_string().into_bytes())),
            b"thread-self" => link(3, || {
                let (tgid, tid) = current();
                Ok(format!("{tgid}/task/{tid}").into_bytes())
            }),
            b"cpuinfo" => gen(4, || host_file("/proc/cpuinfo")),
            b"meminfo" => gen(5, || host_file("/proc/meminfo")),
            b"uptime" => gen(6, || host_file("/proc/uptime")),
            b"loadavg" => gen(7, || host_file("/proc/loadavg")),
            b"stat" => gen(8, || host_file("/proc/stat")),
            b"version" => gen(9, || Ok(b"Linux version 6.1.0 (rvisor) #1 SMP rvisor\n".to_vec())),
            b"filesystems" => gen(10, || Ok(b"nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\n".to_vec())),
            b"mounts" => link(11, || Ok(b"self/mounts".to_vec())),
            b"sys" => Arc::new(Sys { kernel: self.kernel.clone(), path: Vec::new() }),
            _ => {
                let pid = parse_pid(name)?;
                let group = k.group_of_thread(pid).ok_or(errno!(ENOENT))?;
                let tid = if group.tgid == pid { None } else { Some(pid) };
                Arc::new(PidDir { kernel: self.kernel.clone(), group: Arc::downgrade(&group), pid: group.tgid, tid })
            }
        };
        Ok(n)
    }
    fn list(&self) -> KResult<Vec<(Vec<u8>, u32, u64)>> {
        let k = self.kernel()?;
        let mut out: Vec<(Vec<u8>, u32, u64)> =
            ROOT_FILES.iter().map(|n| (n.as_bytes().to_vec(), if *n == "sys" { DIR } else { FILE }, 20)).collect();
        out.push((b"self".to_vec(), LINK, 2));
        out.push((b"thread-self".to_vec(), LINK, 3));
        let mut pids = k.live_pids(0);
        pids.sort_unstable();
        out.extend(pids.into_iter().map(|p| (p.to_string().into_bytes(), DIR, ino(p, 0))));
        Ok(out)
    }
}

fn parse_pid(name: &[u8]) -> KResult<i32> {
    std::str::from_utf8(name)
        .ok()
        .filter(|s| !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<i32>().ok())
        .ok_or(errno!(ENOENT))
}

/// `/proc/sys`: the few values programs read.
struct Sys {
    kernel: Weak<Kernel>,
    path: Vec<u8>,
}

impl Sys {
    fn value(&self, full: &[u8]) -> Option<String> {
        let k = self.kernel.upgrade()?;
        Some(match full {
            b"kernel/pid_max" => "32768".into(),
            b"kernel/threads-max" => "8192".into(),
            b"kernel/ngroups_max" => "65536".into(),
            b"kernel/cap_last_cap" => crate::creds::CAP_LAST_CAP.to_string(),
            b"kernel/ostype" => "Linux".into(),
            b"kernel/osrelease" => "6.1.0".into(),
            b"kernel/hostname" => k.hostname.clone(),
            b"kernel/random/boot_id" | b"kernel/random/uuid" => uuid(),
            b"vm/overcommit_memory" => "0".into(),
            b"vm/max_map_count" => "65530".into(),
            b"fs/nr_open" => "1048576".into(),
            b"fs/inotify/max_queued_events" => kernel_fs::inotify::MAX_QUEUED_EVENTS.to_string(),
            b"fs/inotify/max_user_instances" => kernel_fs::inotify::MAX_USER_INSTANCES.to_string(),
            b"fs/inotify/max_user_watches" => kernel_fs::inotify::MAX_USER_WATCHES.to_string(),
            _ => return None,
        })
    }

    fn children(&self) -> Vec<&'static [u8]> {
        match self.path.as_slice() {
            b"" => vec![b"fs", b"kernel", b"vm"],
            b"kernel" => vec![
                b"cap_last_cap",
                b"hostname",
                b"ngroups_max",
                b"osrelease",
                b"ostype",
                b"pid_max",
                b"random",
                b"threads-max",
            ],
            b"kernel/random" => vec![b"boot_id", b"uuid"],
            b"vm" => vec![b"max_map_count", b"overcommit_memory"],
            b"fs" => vec![b"inotify", b"nr_open"],
            b"fs/inotify" => vec![b"max_queued_events", b"max_user_instances", b"max_user_watches"],
            _ => vec![],
        }
    }

    fn join(&self, name: &[u8]) -> Vec<u8> {
        let mut p = self.path.clone();
        if !p.is_empty() {
            p.push(b'/');
        }
        p.extend_from_slice(name);
        p
    }
}

fn uuid() -> String {
    let mut b = [0u8; 16];
    let _ = kernel_fs::dev::fill_random(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", h[0..4].concat(), h[4..6].concat(), h[6..8].concat(), h[8..10].concat(), h[10..].concat())
}

impl SynthNode for Sys {
    fn mode(&self) -> u32 {
        DIR
    }
    fn ino(&self) -> u64 {
        0x100 + self.path.len() as u64
    }
    fn lookup(&self, name: &[u8]) -> KResult<Arc<dyn SynthNode>> {
        if !self.children().contains(&name) {
            return_errno!(ENOENT);
        }
        let full = self.join(name);
        if let Some(v) = self.value(&full) {
            return Ok(gen(0x200 + full.len() as u64, move || Ok(format!("{v}\n").into_bytes())));
        }
        Ok(Arc::new(Sys { kernel: self.kernel.clone(), path: full }))
    }
    fn list(&self) -> KResult<Vec<(Vec<u8>, u32, u64)>> {
        Ok(self
            .children()
            .into_iter()
            .map(|n| {
                let full = self.join(n);
                let mode = if self.value(&full).is_some() { FILE } else { DIR };
                (n.to_vec(), mode, 0x200 + full.len() as u64)
            })
            .collect())
    }
}

const PID_FILES: &[(&str, u32)] = &[
    ("cgroup", FILE),
    ("cmdline", FILE),
    ("comm", FILE),
    ("cwd", LINK),
    ("environ", FILE),
    ("exe", LINK),
    ("fd", DIR),
    ("limits", FILE),
    ("maps", FILE),
    ("mountinfo", FILE),
    ("mounts", FILE),
    ("oom_score_adj", FILE),
    ("root", LINK),
    ("stat", FILE),
    ("statm", FILE),
    ("status", FILE),
    ("task", DIR),
];

/// `/proc/PID` (or `/proc/PID/task/TID`).
struct PidDir {
    kernel: Weak<Kernel>,
    group: Weak<ThreadGroup>,
    pid: i32,
    tid: Option<i32>,
}

impl PidDir {
    fn group(&self) -> KResult<Arc<ThreadGroup>> {
        self.group.upgrade().ok_or(errno!(ESRCH))
    }
}

impl SynthNode for PidDir {
    fn mode(&self) -> u32 {
        DIR
    }
    fn ino(&self) -> u64 {
        ino(self.tid.unwrap_or(self.pid), 0)
    }
    fn lookup(&self, name: &[u8]) -> KResult<Arc<dyn SynthNode>> {
        let (kind, _) = PID_FILES
            .iter()
            .enumerate()
            .find(|(_, (n, _))| n.as_bytes() == name)
            .map(|(i, e)| (i as u64 + 1, e))
            .ok_or(errno!(ENOENT))?;
        let g = self.group.clone();
        let k = self.kernel.clone();
        let (pid, tid) = (self.pid, self.tid.unwrap_or(self.pid));
        let i = ino(tid, kind);
        let view = move || -> KResult<crate::thread::ProcView> { g.upgrade().map(|g| g.view()).ok_or(errno!(ESRCH)) };
        Ok(match name {
            b"exe" => link(i, move || Ok(view()?.exe)),
            b"cwd" => link(i, move || {
                let fs = view()?.fs.upgrade().ok_or(errno!(ESRCH))?;
                let cwd = fs.lock().unwrap_or_else(|e| e.into_inner()).cwd.clone();
                Ok(cwd.path_bytes())
            }),
            b"root" => link(i, || Ok(b"/".to_vec())),
            b"cmdline" => gen(i, move || read_range(&view()?, true)),
            b"environ" => gen(i, move || read_range(&view()?, false)),
            b"comm" => gen(i, move || {
                let mut n = view()?.comm.iter().take_while(|&&b| b != 0).copied().collect::<Vec<u8>>();
                n.push(b'\n');
                Ok(n)
            }),
            b"maps" => gen(i, move || Ok(view()?.mm.upgrade().ok_or(errno!(ESRCH))?.maps_text().into_bytes())),
            b"stat" => {
                let g = self.group.clone();
                gen(i, move || stat_line(&k, &g, pid, tid))
            }
            b"statm" => gen(i, move || {
                let mm = view()?.mm.upgrade().ok_or(errno!(ESRCH))?;
                let pages = mm.total_mapped() / kernel_abi::PAGE_SIZE;
                Ok(format!("{pages} {pages} 0 0 0 {pages} 0\n").into_bytes())
            }),
            b"status" => {
                let g = self.group.clone();
                gen(i, move || status_text(&k, &g, pid, tid))
            }
            b"limits" => {
                let g = self.group.clone();
                gen(i, move || limits_text(&*g.upgrade().ok_or(errno!(ESRCH))?))
            }
            b"mounts" => {
                let k = k.clone();
                gen(i, move || mount_table(&k, false))
            }
            b"mountinfo" => {
                let k = k.clone();
                gen(i, move || mount_table(&k, true))
            }
            b"cgroup" => gen(i, || Ok(b"0::/\n".to_vec())),
            b"oom_score_adj" => gen(i, || Ok(b"0\n".to_vec())),
            b"fd" => Arc::new(FdDir { group: self.group.clone(), pid: tid }),
            b"task" => {
                if self.tid.is_some() {
                    // Linux has no task/ under a task directory's own task entries.
                    return_errno!(ENOENT);
                }
                Arc::new(TaskDir { kernel: self.kernel.clone(), group: self.group.clone(), pid })
            }
            _ => return_errno!(ENOENT),
        })
    }
    fn list(&self) -> KResult<Vec<(Vec<u8>, u32, u64)>> {
        self.group()?;
        let tid = self.tid.unwrap_or(self.pid);
        Ok(PID_FILES
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| self.tid.is_none() || *n != "task")
            .map(|(i, (n, m))| (n.as_bytes().to_vec(), *m, ino(tid, i as u64 + 1)))
            .collect())
    }
}

/// `struct` of the mounts the sandbox shows.
/// The sandbox's mounts: (id, parent id, mount point, type, source, options).
const MOUNTS: [(u32, u32, &str, &str, &str, &str); 6] = [
    (1, 0, "/", "overlay", "overlay", "rw,relatime"),
    (2, 1, "/proc", "proc", "proc", "rw,nosuid,nodev,noexec,relatime"),
    (6, 1, "/sys", "sysfs", "sysfs", "ro,nosuid,nodev,noexec,relatime"),
    (3, 1, "/tmp", "tmpfs", "tmpfs", "rw,nosuid,nodev"),
    (4, 1, "/dev", "tmpfs", "tmpfs", "rw,nosuid"),
    (5, 4, "/dev/shm", "tmpfs", "tmpfs", "rw,nosuid,nodev"),
];

/// /proc/[pid]/mounts (`info` false) or mountinfo, with each mount's device as stat
/// reports it for the mount point (which is how df and findmnt match them).
fn mount_table(k: &Weak<Kernel>, info: bool) -> KResult<Vec<u8>> {
    let k = k.upgrade().ok_or(errno!(ESRCH))?;
    let mut out = String::new();
    for (id, parent, point, fstype, source, opts) in MOUNTS {
        let Ok(d) = kernel_fs::path::resolve(&k.root, &k.root, point.as_bytes(), true) else { continue };
        if info {
            let dev = d.stat().map(|s| s.st_dev).unwrap_or(0);
            let (major, minor) = (libc::major(dev), libc::minor(dev));
            out.push_str(&format!("{id} {parent} {major}:{minor} / {point} {opts} - {fstype} {source} rw\n"));
        } else {
            out.push_str(&format!("{source} {point} {fstype} {opts} 0 0\n"));
        }
    }
    Ok(out.into_bytes())
}

/// The bytes of argv (`cmdline`) or envp (`environ`) as the process holds them now.
fn read_range(v: &crate::thread::ProcView, args: bool) -> KResult<Vec<u8>> {
    let Some(mm) = v.mm.upgrade() else { return Ok(Vec::new()) };
    let (start, end) = if args { v.args } else { v.env };
    let len = end.saturating_sub(start).min(1 << 20) as usize;
    let mut buf = vec![0u8; len];
    if len > 0 && mm.copy_in(start, &mut buf).is_err() {
        return Ok(Vec::new());
    }
    Ok(buf)
}

fn state_char(g: &ThreadGroup) -> char {
    if g.stopped() {
        'T'
    } else {
        'S'
    }
}

/// `/proc/PID/stat`: the fields programs parse (pid, comm, state, ppid, pgrp, session,
/// tty_nr, tpgid, num_threads, starttime, vsize, rss, startstack...); counters the Sentry does not keep
/// are 0.
fn stat_line(k: &Weak<Kernel>, g: &Weak<ThreadGroup>, pid: i32, tid: i32) -> KResult<Vec<u8>> {
    let k = k.upgrade().ok_or(errno!(ESRCH))?;
    let g = g.upgrade().ok_or(errno!(ESRCH))?;
    let v = g.view();
    let comm: String = String::from_utf8_lossy(&v.comm).trim_end_matches('\0').into();
    let ppid = k.ppid_of(pid);
    let pgrp = k.pgid_of(pid).unwrap_or(0);
    let sid = k.sid_of(pid).unwrap_or(0);
    let (tty_nr, tpgid) = k.ctty_of(pid).map_or((0, -1), |t| {
        let (major, minor) = t.device();
        // The kernel's new_encode_dev.
        let nr = (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12);
        (nr, t.ctrl().pgrp.unwrap_or(-1))
    });
    let (vsize, rss) = v.mm.upgrade().map_or((0, 0), |m| (m.total_mapped(), m.total_mapped() / kernel_abi::PAGE_SIZE));
    let threads = g.member_count();
    let start = v.start_ticks;
    let nice = g.member_shared(tid).map_or(0, |s| s.nice.load(std::sync::atomic::Ordering::Relaxed));
    let line = format!(
        "{tid} ({comm}) {} {ppid} {pgrp} {sid} {tty_nr} {tpgid} 4194304 0 0 0 0 0 0 0 0 {} {nice} {threads} 0 {start} {vsize} {rss} \
         18446744073709551615 0 0 {} 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 {} {} {} {} 0\n",
        state_char(&g),
        20 + nice,
        v.start_stack,
        v.args.0,
        v.args.1,
        v.env.0,
        v.env.1,
    );
    Ok(line.into_bytes())
}

/// `/proc/PID/status`.
fn status_text(k: &Weak<Kernel>, g: &Weak<ThreadGroup>, pid: i32, tid: i32) -> KResult<Vec<u8>> {
    let k = k.upgrade().ok_or(errno!(ESRCH))?;
    let g = g.upgrade().ok_or(errno!(ESRCH))?;
    let v = g.view();
    let comm: String = String::from_utf8_lossy(&v.comm).trim_end_matches('\0').into();
    let ids = g.member_shared(tid).map(|s| *s.ids.lock().unwrap_or_else(|e| e.into_inner())).unwrap_or_default();
    let kb = v.mm.upgrade().map_or(0, |m| m.total_mapped() / 1024);
    let mask = g.member_shared(tid).map_or(0, |s| s.mask.load(std::sync::atomic::Ordering::Relaxed));
    let state = if g.stopped() { "T (stopped)" } else { "S (sleeping)" };
    let text = format!(
        "Name:\t{comm}\nUmask:\t0022\nState:\t{state}\nTgid:\t{pid}\nNgid:\t0\nPid:\t{tid}\nPPid:\t{}\nTracerPid:\t0\n\
         Uid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\nFDSize:\t64\nGroups:\t\nVmPeak:\t{kb} kB\nVmSize:\t{kb} kB\n\
         VmRSS:\t{kb} kB\nThreads:\t{}\nSigQ:\t0/{}\nSigPnd:\t0000000000000000\nShdPnd:\t{:016x}\n\
         SigBlk:\t{mask:016x}\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\nCapInh:\t0000000000000000\n\
         CapPrm:\t{:016x}\nCapEff:\t{:016x}\nCapBnd:\t{:016x}\nNoNewPrivs:\t0\nSeccomp:\t0\n\
         Cpus_allowed_list:\t0-{}\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
        k.ppid_of(pid),
        ids.uid,
        ids.euid,
        ids.suid,
        ids.fsuid,
        ids.gid,
        ids.egid,
        ids.sgid,
        ids.fsgid,
        g.member_count(),
        g.limits()[RLIMIT_SIGPENDING as usize].rlim_cur,
        g.shared_pending(),
        ids.cap_permitted,
        ids.cap_effective,
        ids.cap_bounding,
        std::thread::available_parallelism().map_or(1, |n| n.get()) - 1,
    );
    Ok(text.into_bytes())
}

/// `/proc/PID/limits`.
fn limits_text(g: &ThreadGroup) -> KResult<Vec<u8>> {
    const NAMES: [(&str, &str); 16] = [
        ("Max cpu time", "seconds"),
        ("Max file size", "bytes"),
        ("Max data size", "bytes"),
        ("Max stack size", "bytes"),
        ("Max core file size", "bytes"),
        ("Max resident set", "bytes"),
        ("Max processes", "processes"),
        ("Max open files", "files"),
        ("Max locked memory", "bytes"),
        ("Max address space", "bytes"),
        ("Max file locks", "locks"),
        ("Max pending signals", "signals"),
        ("Max msgqueue size", "bytes"),
        ("Max nice priority", ""),
        ("Max realtime priority", ""),
        ("Max realtime timeout", "us"),
    ];
    let l = *g.limits();
    let v = |x: u64| if x == RLIM_INFINITY { "unlimited".to_string() } else { x.to_string() };
    let mut out = format!("{:<26}{:<21}{:<21}{:<10}\n", "Limit", "Soft Limit", "Hard Limit", "Units");
    for (i, (name, unit)) in NAMES.iter().enumerate() {
        out.push_str(&format!("{:<26}{:<21}{:<21}{:<10}\n", name, v(l[i].rlim_cur), v(l[i].rlim_max), unit));
    }
    Ok(out.into_bytes())
}

/// `/proc/PID/fd`: a link per open descriptor to what it names.
struct FdDir {
    group: Weak<ThreadGroup>,
    pid: i32,
}

impl FdDir {
    fn table(&self) -> KResult<Arc<std::sync::Mutex<kernel_fs::FdTable>>> {
        let g = self.group.upgrade().ok_or(errno!(ESRCH))?;
        let fds = g.view().fds;
        fds.upgrade().ok_or(errno!(ESRCH))
    }
}

impl SynthNode for FdDir {
    fn mode(&self) -> u32 {
        S_IFDIR | 0o500
    }
    fn ino(&self) -> u64 {
        ino(self.pid, 0x80)
    }
    fn lookup(&self, name: &[u8]) -> KResult<Arc<dyn SynthNode>> {
        let fd = parse_pid(name).or_else(|_| if name == b"0" { Ok(0) } else { Err(errno!(ENOENT)) })?;
        let table = self.table()?;
        let file = table.lock().unwrap_or_else(|e| e.into_inner()).get(fd).map_err(|_| errno!(ENOENT))?;
        let target = file.path().as_bytes().to_vec();
        Ok(link(ino(self.pid, 0x81) + fd as u64 * 0x10000, move || Ok(target.clone())))
    }
    fn list(&self) -> KResult<Vec<(Vec<u8>, u32, u64)>> {
        let table = self.table()?;
        let fds = table.lock().unwrap_or_else(|e| e.into_inner()).fds();
        Ok(fds
            .into_iter()
            .map(|fd| (fd.to_string().into_bytes(), LINK, ino(self.pid, 0x81) + fd as u64 * 0x10000))
            .collect())
    }
}

/// `/proc/PID/task`.
struct TaskDir {
    kernel: Weak<Kernel>,
    group: Weak<ThreadGroup>,
    pid: i32,
}

impl SynthNode for TaskDir {
    fn mode(&self) -> u32 {
        DIR
    }
    fn ino(&self) -> u64 {
        ino(self.pid, 0x90)
    }
    fn lookup(&self, name: &[u8]) -> KResult<Arc<dyn SynthNode>> {
        let tid = parse_pid(name)?;
        let g = self.group.upgrade().ok_or(errno!(ESRCH))?;
        if !g.all_tids().contains(&tid) {
            return_errno!(ENOENT);
        }
        Ok(Arc::new(PidDir { kernel: self.kernel.clone(), group: self.group.clone(), pid: self.pid, tid: Some(tid) }))
    }
    fn list(&self) -> KResult<Vec<(Vec<u8>, u32, u64)>> {
        let g = self.group.upgrade().ok_or(errno!(ESRCH))?;
        let mut tids = g.all_tids();
        tids.sort_unstable();
        Ok(tids.into_iter().map(|t| (t.to_string().into_bytes(), DIR, ino(t, 0))).collect())
    }
}
