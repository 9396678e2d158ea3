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
