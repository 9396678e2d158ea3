//! The system-call sequence target: a sandbox kernel whose root is a fresh tmpfs, whose
//! stdio is /dev/null and whose first task plays a script of calls on the scripted
//! platform. The harness maps [`BASE`]..[`BASE`]+[`LEN`] first, so pointer arguments can
//! point into mapped memory, just past it, or anywhere else.
//!
//! A run must end (a watchdog sends SIGKILL after [`DEADLINE`], so calls that block
//! forever end too) without a panic in any Sentry thread, and once the kernel is gone
//! every memory-file page it used must have been freed.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};
use kernel_fs::dev::{Device, DeviceFile};
use kernel_fs::{Dentry, File, Inode};
use kernel_mm::MemoryFile;
use kernel_task::{ExitStatus, Kernel, KernelConfig, Task};
use platform::scripted::{Call, ScriptedPlatform};

/// Where the harness maps memory for pointer arguments.
pub const BASE: u64 = 0x1000_0000;
/// How much it maps.
pub const LEN: u64 = 1 << 20;
/// How long a run may take before the watchdog kills the sandbox.
pub const DEADLINE: Duration = Duration::from_millis(300);
/// The memory file of one run.
const MEMORY: u64 = 1 << 30;

/// Panics seen in any thread since the hook was installed.
static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Count every panic, in whatever thread (Sentry threads run each task).
fn install_panic_counter() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
}

/// Panics counted so far (process-wide).
pub fn panics() -> usize {
    PANICS.load(Ordering::SeqCst)
}

/// What a run ended with.
#[derive(Debug)]
pub struct Outcome {
    /// How the scripted process ended.
    pub status: ExitStatus,
    /// Memory-file pages still allocated once the kernel was dropped (should be 0).
    pub leaked_pages: usize,
}

/// Play `calls` in a fresh sandbox kernel. Runs are serialized: they share one memory
/// file (a kernel's mount dentries hold each other and live as long as the process, so
/// a memory file per run would leak one host descriptor per run), and the leak check
/// compares its page count before and after.
pub fn run(calls: &[Call]) -> Outcome {
    static MEMORY_FILE: OnceLock<Arc<MemoryFile>> = OnceLock::new();
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    install_panic_counter();
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mf =
        MEMORY_FILE.get_or_init(|| Arc::new(MemoryFile::new(MEMORY).expect("a memory file for the fuzzed kernel")));
    let before = mf.allocated_pages();
    let status = run_in(mf, calls);
    // Sentry threads of children and timers may still be letting go of their pages.
    let until = Instant::now() + Duration::from_secs(2);
    while mf.allocated_pages() > before && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    Outcome { status, leaked_pages: mf.allocated_pages().saturating_sub(before) }
}

fn run_in(mf: &Arc<MemoryFile>, calls: &[Call]) -> ExitStatus {
    const MMAP: u64 = 9;
    const PROT_RW: u64 = 3;
    const MAP_PRIVATE_ANON_FIXED: u64 = 0x02 | 0x20 | 0x10;
    let root = Dentry::new_root(Inode::Tmpfs(kernel_fs::tmpfs::Tmpfs::new_root(mf.clone(), 16 << 20, 0o755, 0, 0)));
    kernel_fs::dev::mount_synthetic(&root);
    kernel_fs::tmpfs::mount(&root, b"tmp", mf.clone(), 16 << 20, 0o1777);
    let mut script = vec![(MMAP, [BASE, LEN, PROT_RW, MAP_PRIVATE_ANON_FIXED, u64::MAX, 0])];
    script.extend_from_slice(calls);
    let kernel = Kernel::new(KernelConfig {
        platform: Arc::new(ScriptedPlatform::new(script)),
        memory: mf.clone(),
        root: root.clone(),
        hostname: "fuzz".into(),
        strace: false,
    });
    let null = || File::new(Box::new(DeviceFile::new(Device::Null)), 2, None, "/dev/null".into());
    let task = match Task::new_init(kernel.clone(), [null(), null(), null()], root, (0, 0)) {
        Ok(t) => t,
        Err(e) => panic!("the first task of the fuzzed kernel: {e:?}"),
    };
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let (done, kernel) = (done.clone(), kernel.clone());
        std::thread::spawn(move || {
            let until = Instant::now() + DEADLINE;
            while !done.load(Ordering::SeqCst) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(2));
            }
            if !done.load(Ordering::SeqCst) {
                kernel.host_signal(1, 9);
            }
        })
    };
    let status = task.run_process();
    done.store(true, Ordering::SeqCst);
    let _ = watchdog.join();
    status
}

/// Calls that only end by a timeout or a signal (they would make a run last the
/// watchdog's deadline) and the exits (they end the run at once): reachable, but not
/// among the weighted choices.
pub const SLOW_OR_FINAL: &[u64] = &[7, 23, 34, 35, 60, 61, 128, 130, 202, 230, 231, 232, 247, 270, 271, 281, 441, 449];

/// The implemented calls a sequence draws from most of the time.
pub fn callable() -> &'static [u64] {
    static CALLABLE: OnceLock<Vec<u64>> = OnceLock::new();
    CALLABLE.get_or_init(|| {
        (0..460).filter(|&n| kernel_task::syscalls::lookup(n).is_some() && !SLOW_OR_FINAL.contains(&n)).collect()
    })
}

/// A call number: mostly an implemented call, sometimes any number at all.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Number {
    Implemented(u16),
    Implemented2(u16),
    Implemented3(u16),
    Any(u16),
}

/// One argument, drawn from the values that matter to handlers.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Arg {
    /// Small numbers: flags, lengths, counts.
    Small(u8),
    /// A file descriptor that exists (0..3 and what the sequence opened) or does not.
    Fd(u8),
    /// A pointer into the mapped area.
    Mapped(u32),
    /// A pointer near the end of the mapped area (the last bytes mapped, then unmapped).
    MappedEnd(u8),
    /// A pointer into unmapped memory, or to kernel addresses.
    Unmapped(u64),
    /// Boundary values.
    Edge(Edge),
    /// A 32-bit value (ints are often read as such: a sign extension matters).
    Int(u32),
    /// Anything.
    Raw(u64),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Edge {
    Zero,
    Max,
    I64Min,
    I32Min,
    U32Max,
    MinusOne,
    PageSize,
    AddressSpaceTop,
    NegativeSmall(u8),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
struct FuzzCall {
    nr: Number,
    args: [Arg; 6],
}

/// Decode one call from its structured form.
fn decode(c: &FuzzCall) -> Call {
    let table = callable();
    let pick = |i: u16| table[usize::from(i) % table.len()];
    let nr = match c.nr {
        Number::Implemented(i) | Number::Implemented2(i) | Number::Implemented3(i) => pick(i),
        Number::Any(n) => u64::from(n % 512),
    };
    let arg = |a: Arg| match a {
        Arg::Small(v) => u64::from(v % 32),
        Arg::Fd(v) => u64::from(v % 12),
        Arg::Mapped(o) => BASE + u64::from(o) % LEN,
        Arg::MappedEnd(o) => BASE + LEN - 64 + u64::from(o % 128),
        Arg::Unmapped(a) => match a % 4 {
            0 => BASE + LEN + (a >> 2) % (1 << 24),
            1 => (a >> 2) % BASE,
            2 => 0xffff_8000_0000_0000 | (a >> 2),
            _ => 0x7fff_ffff_f000 + (a >> 2) % (1 << 16),
        },
        Arg::Edge(e) => match e {
            Edge::Zero => 0,
            Edge::Max => u64::MAX,
            Edge::I64Min => 1 << 63,
            Edge::I32Min => 0x8000_0000,
            Edge::U32Max => 0xffff_ffff,
            Edge::MinusOne => u64::MAX,
            Edge::PageSize => 4096,
            Edge::AddressSpaceTop => 0x7fff_ffff_f000,
            Edge::NegativeSmall(v) => u64::from(v % 64).wrapping_neg(),
        },
        Arg::Int(v) => u64::from(v),
        Arg::Raw(v) => v,
    };
    (nr, c.args.map(arg))
}

/// The longest sequence one input plays.
pub const MAX_CALLS: usize = 32;

/// Decode `data` into a call sequence (as much of it as the bytes describe).
pub fn sequence(data: &[u8]) -> Vec<Call> {
    let mut u = Unstructured::new(data);
    let mut calls = Vec::new();
    while calls.len() < MAX_CALLS && !u.is_empty() {
        match u.arbitrary::<FuzzCall>() {
            Ok(c) => calls.push(decode(&c)),
            Err(_) => break,
        }
    }
    calls
}

/// The fuzz target: play the sequence `data` describes; panic if a Sentry thread
/// panicked or memory-file pages leaked.
pub fn fuzz(data: &[u8]) {
    let calls = sequence(data);
    if calls.is_empty() {
        return;
    }
    let before = panics();
    let out = run(&calls);
    assert_eq!(panics(), before, "a Sentry thread panicked; calls: {calls:x?}");
    assert_eq!(out.leaked_pages, 0, "memory-file pages leaked; calls: {calls:x?}");
}
