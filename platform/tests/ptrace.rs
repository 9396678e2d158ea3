//! The ptrace platform against real stub processes.

use std::sync::Arc;
use std::time::Duration;

use kernel_abi::flags::mman::{PROT_EXEC, PROT_READ, PROT_WRITE};
use kernel_abi::PtRegs;
use platform::ptrace::{PtraceAddressSpace, PtracePlatform, STUB_ADDR};
use platform::{AddressSpace, Event, Platform};

const CODE: u64 = 0x1000_0000;
const DATA: u64 = 0x2000_0000;

/// A memory file whose page 0 holds `code` and page 1 holds the u64 0x42.
fn memfile(code: &[u8]) -> std::fs::File {
    use std::os::unix::fs::FileExt;
    // SAFETY: the name is a valid C string.
    let fd = unsafe { libc::memfd_create(c"platform-test".as_ptr(), libc::MFD_CLOEXEC) };
    assert!(fd >= 0);
    // SAFETY: fd is a fresh descriptor we own.
    let f = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    f.set_len(2 * 4096).unwrap();
    f.write_all_at(code, 0).unwrap();
    f.write_all_at(&0x42u64.to_le_bytes(), 4096).unwrap();
    f
}

fn setup(code: &[u8]) -> (std::fs::File, PtracePlatform, Arc<dyn AddressSpace>) {
    use std::os::fd::AsRawFd;
    let f = memfile(code);
    let p = PtracePlatform::new(f.as_raw_fd()).unwrap();
    let space = p.new_address_space().unwrap();
    space.map(CODE, 4096, 0, PROT_READ | PROT_EXEC).unwrap();
    (f, p, space)
}

fn start_regs() -> PtRegs {
    PtRegs { rip: CODE, cs: 0x33, ss: 0x2b, eflags: 0x202, rsp: 0, ..Default::default() }
}

fn stub_pid(space: &Arc<dyn AddressSpace>) -> i32 {
    space.as_any().downcast_ref::<PtraceAddressSpace>().unwrap().stub_pid()
}

#[test]
fn syscall_traps_and_result_returns() {
    // mov eax,39; syscall; mov rdi,rax; mov eax,60; syscall
    let code = [0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0x48, 0x89, 0xc7, 0xb8, 60, 0, 0, 0, 0x0f, 0x05];
    let (_f, p, space) = setup(&code);
    let mut ctx = p.new_context().unwrap();
    let mut regs = start_regs();
    regs.fs_base = 0x1234_5000;
    assert_eq!(ctx.switch(&*space, &mut regs).unwrap(), Event::Syscall);
    assert_eq!(regs.orig_rax, 39);
    assert_eq!(regs.rip, CODE + 7);
    assert_eq!(regs.fs_base, 0x1234_5000, "FS base survives the round trip");
    regs.rax = 777;
    assert_eq!(ctx.switch(&*space, &mut regs).unwrap(), Event::Syscall);
    assert_eq!(regs.orig_rax, 60);
    assert_eq!(regs.rdi, 777, "the emulated result reached the application");
    let fp = ctx.fp_state(&*space).unwrap();
    assert!(fp.len() >= 512, "XSAVE area has at least the legacy region");
    ctx.set_fp_state(&*space, &fp).unwrap();
}

#[test]
fn fault_then_map_then_retry() {
    // mov rax,[DATA]; mov rdi,rax; mov eax,60; syscall
    let code = [0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0x20, 0x48, 0x89, 0xc7, 0xb8, 60, 0, 0, 0, 0x0f, 0x05];
    let (_f, p, space) = setup(&code);
    let mut ctx = p.new_context().unwrap();
    let mut regs = start_regs();
    match ctx.switch(&*space, &mut regs).unwrap() {
        Event::Fault { addr, access, protection } => {
            assert_eq!(addr, DATA);
            assert!(!access.exec);
            assert!(!protection);
        }
        e => panic!("expected a fault, got {e:?}"),
    }
    assert_eq!(regs.rip, CODE, "the faulting instruction is retried");
    space.map(DATA, 4096, 4096, PROT_READ | PROT_WRITE).unwrap();
    assert_eq!(ctx.switch(&*space, &mut regs).unwrap(), Event::Syscall);
    assert_eq!(regs.rdi, 0x42);
    // Write-protecting the page turns a write into a protection fault.
    space.protect(DATA, 4096, PROT_READ).unwrap();
    space.unmap(DATA, 4096).unwrap();
    let mut regs = start_regs();
    assert!(matches!(ctx.switch(&*space, &mut regs).unwrap(), Event::Fault { addr: DATA, .. }));
}

#[test]
fn exec_fault_is_reported_as_exec() {
    let (_f, p, space) = setup(&[0x90]);
    let mut ctx = p.new_context().unwrap();
    let mut regs = start_regs();
    regs.rip = DATA + 0x10;
    match ctx.switch(&*space, &mut regs).unwrap() {
        Event::Fault { addr, access, .. } => {
            assert_eq!(addr, DATA + 0x10);
            assert!(access.exec);
        }
        e => panic!("expected a fault, got {e:?}"),
    }
}

#[test]
fn other_signals_are_events() {
    let (_f, p, space) = setup(&[0x0f, 0x0b]); // ud2
    let mut ctx = p.new_context().unwrap();
    let mut regs = start_regs();
    match ctx.switch(&*space, &mut regs).unwrap() {
        Event::Signal { signo, .. } => assert_eq!(signo, libc::SIGILL),
        e => panic!("expected SIGILL, got {e:?}"),
    }
}

#[test]
fn stub_holds_only_the_memory_file_and_stub_page() {
    use std::os::fd::AsRawFd;
    let (f, _p, space) = setup(&[0x90]);
    let pid = stub_pid(&space);
    let fds: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(fds, vec![f.as_raw_fd().to_string()]);
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let starts: Vec<u64> =
        maps.lines().map(|l| u64::from_str_radix(l.split('-').next().unwrap(), 16).unwrap()).collect();
    // The stub page, the code page the test mapped, and the kernel's fixed vsyscall page.
    assert!(starts.contains(&STUB_ADDR), "{maps}");
    assert!(starts.contains(&CODE), "{maps}");
    assert_eq!(starts.iter().filter(|&&s| s < 0x8000_0000_0000).count(), 2, "{maps}");
}

#[test]
fn interrupt_kicks_a_spinning_context() {
    let (_f, p, space) = setup(&[0xeb, 0xfe]); // jmp $
    let mut ctx = p.new_context().unwrap();
    let kick = ctx.interrupter();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        kick.interrupt();
    });
    let mut regs = start_regs();
    assert_eq!(ctx.switch(&*space, &mut regs).unwrap(), Event::Interrupted);
    t.join().unwrap();
}

#[test]
fn other_threads_are_refused() {
    let (_f, _p, space) = setup(&[0x90]);
    let s2 = space.clone();
    let err = std::thread::spawn(move || s2.map(DATA, 4096, 0, PROT_READ).unwrap_err()).join().unwrap();
    assert!(matches!(err, platform::Error::WrongThread { .. }), "{err}");
}

#[test]
fn dropping_the_address_space_kills_the_stub() {
    let (_f, _p, space) = setup(&[0x90]);
    let pid = stub_pid(&space);
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    drop(space);
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
}

#[test]
fn bad_ranges_are_refused_before_reaching_the_stub() {
    let (_f, _p, space) = setup(&[0x90]);
    assert!(matches!(space.map(STUB_ADDR, 4096, 0, PROT_READ), Err(platform::Error::Invalid(_))));
    assert!(matches!(space.map(DATA + 1, 4096, 0, PROT_READ), Err(platform::Error::Invalid(_))));
    assert!(matches!(space.unmap(u64::MAX - 4095, 4096), Err(platform::Error::Invalid(_))));
}

#[test]
fn a_fresh_stub_does_not_inherit_the_sentrys_simd_registers() {
    use std::os::fd::AsRawFd;
    let f = memfile(&[0x90]);
    let p = PtracePlatform::new(f.as_raw_fd()).unwrap();
    let pattern = [0xa5u8; 16];
    // Put a recognisable value in xmm0 right before the fork.
    // SAFETY: loads 16 readable bytes into xmm0, which the asm declares clobbered.
    #[allow(unsafe_code)]
    unsafe {
        std::arch::asm!("movdqu xmm0, [{0}]", in(reg) pattern.as_ptr(), out("xmm0") _);
    }
    let space = p.new_address_space().unwrap();
    let mut ctx = p.new_context().unwrap();
    let fp = ctx.fp_state(&*space).unwrap();
    // Legacy region: FCW at 0, MXCSR at 24, xmm0 at 160.
    assert_eq!(u16::from_le_bytes([fp[0], fp[1]]), 0x037f);
    assert_eq!(u32::from_le_bytes([fp[24], fp[25], fp[26], fp[27]]), 0x1f80);
    assert_eq!(&fp[160..176], &[0u8; 16], "xmm0 leaked from the Sentry");
    assert!(fp[160..416].iter().all(|&b| b == 0), "all sixteen xmm registers are clear");
}

#[test]
fn stubs_are_cloned_from_the_template_and_traced_by_the_caller() {
    let (_f, _p, space) = setup(&[0x90]);
    let pid = stub_pid(&space);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> i32 {
        status.lines().find(|l| l.starts_with(name)).unwrap().split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    // SAFETY: gettid has no preconditions.
    #[allow(unsafe_code)]
    let me = unsafe { libc::gettid() };
    assert_eq!(field("TracerPid:"), me, "the creating thread traces its stub");
    assert_ne!(field("PPid:"), std::process::id() as i32, "the parent is the template, not the Sentry");
    let template = field("PPid:");
    let tstatus = std::fs::read_to_string(format!("/proc/{template}/status")).unwrap();
    assert!(tstatus.contains("VmSize:\t       4 kB"), "the template holds one page: {tstatus}");
}

#[test]
fn host_signals_to_the_stub_are_suppressed() {
    let (_f, p, space) = setup(&[0xeb, 0xfe]); // jmp $
    let pid = stub_pid(&space);
    // SAFETY: getsid has no preconditions.
    #[allow(unsafe_code)]
    let (mine, stubs) = unsafe { (libc::getsid(0), libc::getsid(pid)) };
    assert_ne!(mine, stubs, "the stub has its own session, out of the terminal's reach");
    let mut ctx = p.new_context().unwrap();
    let kick = ctx.interrupter();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        // SAFETY: signals to our own stub.
        #[allow(unsafe_code)]
        unsafe {
            libc::kill(pid, libc::SIGWINCH);
            libc::kill(pid, libc::SIGUSR1);
            libc::kill(pid, libc::SIGSEGV);
        }
        std::thread::sleep(Duration::from_millis(50));
        kick.interrupt();
    });
    let mut regs = start_regs();
    assert_eq!(ctx.switch(&*space, &mut regs).unwrap(), Event::Interrupted, "no host signal reached the application");
    t.join().unwrap();
}

#[test]
fn vsyscall_calls_become_system_calls_for_the_sentry() {
    // mov rax, 0xffffffffff600400 (time); xor edi, edi; call rax; mov rdi, rax; mov eax, 60; syscall
    let code = [
        0x48, 0xb8, 0x00, 0x04, 0x60, 0xff, 0xff, 0xff, 0xff, 0xff, 0x31, 0xff, 0xff, 0xd0, 0x48, 0x89, 0xc7, 0xb8, 60,
        0, 0, 0, 0x0f, 0x05,
    ];
    let (_f, p, space) = setup(&code);
    space.map(DATA, 4096, 4096, PROT_READ | PROT_WRITE).unwrap();
    let mut ctx = p.new_context().unwrap();
    let mut regs = start_regs();
    regs.rsp = DATA + 4096;
    assert_eq!(ctx.switch(&*space, &mut regs).unwrap(), Event::Syscall);
    assert_eq!(regs.orig_rax, 201, "vsyscall time() arrives as time(2), not run by the host");
    assert_eq!(regs.rip, CODE + 14, "the call has already returned");
    regs.rax = 4242;
    assert_eq!(ctx.switch(&*space, &mut regs).unwrap(), Event::Syscall);
    assert_eq!((regs.orig_rax, regs.rdi), (60, 4242));
}

#[test]
fn threads_run_in_one_space_and_are_reused_after_release() {
    use std::os::unix::fs::FileExt;
    // mov qword [DATA], 0x77; mov eax, 39; syscall
    let code = [0x48, 0xc7, 0x04, 0x25, 0, 0, 0, 0x20, 0x77, 0, 0, 0, 0xb8, 39, 0, 0, 0, 0x0f, 0x05];
    let (f, p, space) = setup(&code);
    space.map(DATA, 4096, 4096, PROT_READ | PROT_WRITE).unwrap();
    let pid = stub_pid(&space);
    let seed = space.prepare_thread().unwrap();
    let (s2, p2) = (space.clone(), Arc::new(p));
    let p3 = p2.clone();
    let tid = std::thread::spawn(move || {
        s2.adopt_thread(seed).unwrap();
        let mut ctx = p3.new_context().unwrap();
        let mut regs = start_regs();
        assert_eq!(ctx.switch(&*s2, &mut regs).unwrap(), Event::Syscall);
        assert_eq!(regs.orig_rax, 39);
        // The new thread maps through its own stub thread.
        s2.map(DATA + 4096, 4096, 4096, PROT_READ).unwrap();
        let threads = s2.as_any().downcast_ref::<PtraceAddressSpace>().unwrap().stub_threads();
        assert_eq!(threads.len(), 2);
        let mine = *threads.iter().find(|&&t| t != pid).unwrap();
        s2.release_thread();
        mine
    })
    .join()
    .unwrap();
    let mut word = [0u8; 8];
    f.read_exact_at(&mut word, 4096).unwrap();
    assert_eq!(u64::from_le_bytes(word), 0x77, "the second thread wrote the shared memory");
    assert!(std::path::Path::new(&format!("/proc/{pid}/task/{tid}")).exists(), "released thread is parked, alive");
    // The stub survives its second tracer's exit, and the first thread still runs.
    let mut ctx = p2.new_context().unwrap();
    let mut regs = start_regs();
    assert_eq!(ctx.switch(&*space, &mut regs).unwrap(), Event::Syscall);
    // The parked thread is reused rather than a new one cloned.
    let seed = space.prepare_thread().unwrap();
    let s2 = space.clone();
    let again = std::thread::spawn(move || {
        s2.adopt_thread(seed).unwrap();
        let threads = s2.as_any().downcast_ref::<PtraceAddressSpace>().unwrap().stub_threads();
        s2.release_thread();
        threads
    })
    .join()
    .unwrap();
    assert!(again.contains(&tid), "{again:?} reuses {tid}");
    // An unused seed goes back to the parked list.
    drop(space.prepare_thread().unwrap());
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().count();
    assert_eq!(tasks, 2);
}

#[test]
fn interrupting_one_thread_leaves_the_other_running() {
    // jmp $
    let (_f, p, space) = setup(&[0xeb, 0xfe]);
    let p = Arc::new(p);
    let seed = space.prepare_thread().unwrap();
    let (s2, p2) = (space.clone(), p.clone());
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        s2.adopt_thread(seed).unwrap();
        let mut ctx = p2.new_context().unwrap();
        tx.send(ctx.interrupter()).unwrap();
        let mut regs = start_regs();
        let e = ctx.switch(&*s2, &mut regs).unwrap();
        s2.release_thread();
        e
    });
    let kick_worker = rx.recv().unwrap();
    let mut ctx = p.new_context().unwrap();
    let kick_main = ctx.interrupter();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        kick_worker.interrupt();
        std::thread::sleep(Duration::from_millis(100));
        kick_main.interrupt();
    });
    let mut regs = start_regs();
    assert_eq!(ctx.switch(&*space, &mut regs).unwrap(), Event::Interrupted);
    assert_eq!(worker.join().unwrap(), Event::Interrupted);
    t.join().unwrap();
}
