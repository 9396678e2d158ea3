//! How application code runs and traps.
//!
//! A [`Platform`] makes [`AddressSpace`]s (the application's host-level memory view,
//! populated only with ranges of the Sentry's memory file) and [`Context`]s (a register
//! set running inside an address space until it traps back to the Sentry with an
//! [`Event`]). The kernel crates speak only these traits, so a seccomp-trap platform or a
//! KVM platform slots in without touching them.
//!
//! Implementations: [`ptrace`] (PTRACE_SYSEMU on stub processes) and [`scripted`] (no
//! application code: a script of system calls, for fuzzing and replay).
//!
//! # Lock order
//!
//! The ptrace address space's thread table and parked-thread list are leaf locks, never
//! held across a host call.

use std::any::Any;
use std::sync::Arc;

use kernel_abi::PtRegs;

pub mod ptrace;
pub mod scripted;

/// Errors of the platform layer; each is fatal for the address space or context it names.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A host call failed.
    #[error("host call {call} failed: {errno}")]
    Host {
        /// The call that failed.
        call: &'static str,
        /// The host errno.
        errno: std::io::Error,
    },
    /// The stub process died or misbehaved.
    #[error("stub process {pid}: {what}")]
    Stub {
        /// Host pid of the stub.
        pid: i32,
        /// What happened.
        what: String,
    },
    /// A ptrace operation was attempted from a thread that is not the stub's tracer.
    #[error("address space used from thread {actual}, but it is traced by thread {tracer}")]
    WrongThread {
        /// The tracing thread.
        tracer: i32,
        /// The calling thread.
        actual: i32,
    },
    /// A request the platform cannot honour (bad range, unsupported address space).
    #[error("invalid request: {0}")]
    Invalid(&'static str),
}

impl Error {
    pub(crate) fn last_os(call: &'static str) -> Self {
        Error::Host { call, errno: std::io::Error::last_os_error() }
    }
}

/// Result of platform calls.
pub type Result<T> = std::result::Result<T, Error>;

/// What a memory access was trying to do, as far as the platform can tell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access {
    /// The access was (or may have been) a read.
    pub read: bool,
    /// The access was known to be a write.
    pub write: bool,
    /// The access was an instruction fetch.
    pub exec: bool,
}

/// Why [`Context::switch`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The application executed `syscall`; the number is in `orig_rax`, the arguments in
    /// the usual registers. The call has not been executed by the host.
    Syscall,
    /// A page fault the Sentry must resolve (or turn into SIGSEGV).
    Fault {
        /// Faulting address.
        addr: u64,
        /// Best knowledge of the access kind. ptrace does not report write versus read;
        /// the memory manager infers it from what it had mapped.
        access: Access,
        /// Whether the host reported a protection fault (SEGV_ACCERR) rather than a
        /// missing mapping (SEGV_MAPERR).
        protection: bool,
    },
    /// Another synchronous or host signal stopped the application (SIGFPE, SIGILL,
    /// SIGTRAP, SIGBUS, ...), with the host's siginfo essentials.
    Signal {
        /// Signal number.
        signo: i32,
        /// `si_code`.
        code: i32,
        /// `si_addr` (meaningful for fault signals).
        addr: u64,
    },
    /// The Sentry kicked the context with its [`Interrupter`].
    Interrupted,
}

/// Makes address spaces and contexts.
pub trait Platform: Send + Sync {
    /// Short name, as given to `--platform`.
    fn name(&self) -> &'static str;
    /// The lowest address applications may map.
    fn min_user_address(&self) -> u64 {
        0x10000
    }
    /// One past the highest address applications may map.
    fn max_user_address(&self) -> u64;
    /// A fresh, empty address space.
    fn new_address_space(&self) -> Result<Arc<dyn AddressSpace>>;
    /// A fresh context. Contexts are bound to the host thread that first switches them.
    fn new_context(&self) -> Result<Box<dyn Context>>;
}

/// An application address space made of memory-file ranges.
pub trait AddressSpace: Send + Sync {
    /// Map `len` bytes of the memory file at `file_offset` to `addr` with `prot`
    /// (PROT_* bits), replacing whatever was there. Shared: writes reach the memory file.
    fn map(&self, addr: u64, len: u64, file_offset: u64, prot: u32) -> Result<()>;
    /// Remove any mapping in `[addr, addr+len)`.
    fn unmap(&self, addr: u64, len: u64) -> Result<()>;
    /// Change the protection of mapped pages in `[addr, addr+len)`.
    fn protect(&self, addr: u64, len: u64, prot: u32) -> Result<()>;
    /// Prepare one more host thread of execution in this space, for the application
    /// thread a `clone(CLONE_VM)` creates. Called by a host thread that runs in the space;
    /// the seed goes to [`AddressSpace::adopt_thread`] on the host thread that will run
    /// the new application thread. Dropping an unused seed gives its resources back.
    fn prepare_thread(&self) -> Result<ThreadSeed>;
    /// Make the calling host thread able to run contexts (and map memory) in this space.
    fn adopt_thread(&self, seed: ThreadSeed) -> Result<()>;
    /// CPU time all application threads of this space have consumed.
    fn cpu_time(&self) -> Result<std::time::Duration>;
    /// The calling host thread is done with this space: its application thread exited.
    /// Call it before the host thread ends while others still use the space.
    fn release_thread(&self);
    /// For implementations to recover their concrete type.
    fn as_any(&self) -> &dyn Any;
}

/// A thread of execution prepared by [`AddressSpace::prepare_thread`].
pub struct ThreadSeed(pub Box<dyn Any + Send>);

impl std::fmt::Debug for ThreadSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ThreadSeed")
    }
}

/// A task's execution context.
pub trait Context: Send {
    /// Run `regs` in `space` until the next event; `regs` holds the state at the event.
    fn switch(&mut self, space: &dyn AddressSpace, regs: &mut PtRegs) -> Result<Event>;
    /// The extended FP state (XSAVE layout) of the context, read from where it lives.
    fn fp_state(&mut self, space: &dyn AddressSpace) -> Result<Vec<u8>>;
    /// Replace the extended FP state (XSAVE layout).
    fn set_fp_state(&mut self, space: &dyn AddressSpace, state: &[u8]) -> Result<()>;
    /// CPU time the context's application thread has consumed.
    fn cpu_time(&self, space: &dyn AddressSpace) -> Result<std::time::Duration>;
    /// A reader of the context's application-thread CPU time that other threads may call
    /// (for per-thread CPU clocks read by another thread).
    fn cpu_clock(&self, space: &dyn AddressSpace) -> Result<CpuClock>;
    /// A handle other threads use to make [`Context::switch`] return
    /// [`Event::Interrupted`].
    fn interrupter(&self) -> Interrupter;
}

/// Reads one application thread's CPU time from any thread.
pub type CpuClock = Arc<dyn Fn() -> Result<std::time::Duration> + Send + Sync>;

/// Kicks a running context out of [`Context::switch`].
#[derive(Clone)]
pub struct Interrupter(Arc<dyn Fn() + Send + Sync>);

impl Interrupter {
    /// Wrap the platform's kick.
    pub fn new(f: Arc<dyn Fn() + Send + Sync>) -> Self {
        Interrupter(f)
    }
    /// Kick: the current or next switch returns [`Event::Interrupted`].
    pub fn interrupt(&self) {
        (self.0)()
    }
}

impl std::fmt::Debug for Interrupter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Interrupter")
    }
}
