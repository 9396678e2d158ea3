//! The scripted platform: no host process runs the application; its "execution" is a
//! script of system calls, played one per switch. Fuzzing (and later replay) drives the
//! real kernel with it in-process.
//!
//! Address spaces accept every well-formed mapping request and remember nothing of it:
//! the kernel's memory manager already keeps the application's memory in the memory
//! file, which is all the kernel reads and writes. The first context made gets the
//! script; every later one (a forked child, a new thread) finds its script empty and
//! exits at once, so a run stays deterministic.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use kernel_abi::PtRegs;

use crate::{AddressSpace, Context, CpuClock, Error, Event, Interrupter, Platform, Result, ThreadSeed};

/// One scripted system call: its number and six arguments.
pub type Call = (u64, [u64; 6]);

/// exit_group, what the scripted context runs when its script is over.
const EXIT_GROUP: u64 = 231;
/// exit, what every later context (a new thread or child) runs.
const EXIT: u64 = 60;
/// One past the last user address the scripted platform offers.
const MAX_USER_ADDRESS: u64 = 0x7ff0_0000_0000;
/// A plausible XSAVE area: the legacy region (x87 control word 0x37f, MXCSR 0x1f80, its
/// mask) and an empty XSAVE header.
fn initial_xstate() -> Vec<u8> {
    let mut x = vec![0u8; 576];
    x[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
    x[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
    x[28..32].copy_from_slice(&0xffffu32.to_le_bytes());
    x
}

/// The scripted platform.
pub struct ScriptedPlatform {
    script: Mutex<Option<VecDeque<Call>>>,
}

impl ScriptedPlatform {
    /// A platform whose first context plays `script`, then exits.
    pub fn new(script: Vec<Call>) -> Self {
        ScriptedPlatform { script: Mutex::new(Some(script.into())) }
    }
}

impl Platform for ScriptedPlatform {
    fn name(&self) -> &'static str {
        "scripted"
    }

    fn max_user_address(&self) -> u64 {
        MAX_USER_ADDRESS
    }

    fn new_address_space(&self) -> Result<Arc<dyn AddressSpace>> {
        Ok(Arc::new(ScriptedSpace))
    }

    fn new_context(&self) -> Result<Box<dyn Context>> {
        let script = self.script.lock().map_err(|_| Error::Invalid("script lock poisoned"))?.take();
        let end = if script.is_some() { EXIT_GROUP } else { EXIT };
        Ok(Box::new(ScriptedContext {
            script: script.unwrap_or_default(),
            end,
            kicked: Arc::new(AtomicBool::new(false)),
            xstate: initial_xstate(),
        }))
    }
}

/// An address space that checks and forgets mapping requests.
struct ScriptedSpace;

fn check_range(addr: u64, len: u64) -> Result<()> {
    let end = addr.checked_add(len).ok_or(Error::Invalid("range overflows"))?;
    if !addr.is_multiple_of(4096) || !len.is_multiple_of(4096) || len == 0 || end > MAX_USER_ADDRESS {
        return Err(Error::Invalid("range outside the application's address space"));
    }
    Ok(())
}

impl AddressSpace for ScriptedSpace {
    fn map(&self, addr: u64, len: u64, _file_offset: u64, _prot: u32) -> Result<()> {
        check_range(addr, len)
    }
    fn unmap(&self, addr: u64, len: u64) -> Result<()> {
        check_range(addr, len)
    }
    fn protect(&self, addr: u64, len: u64, _prot: u32) -> Result<()> {
        check_range(addr, len)
    }
    fn prepare_thread(&self) -> Result<ThreadSeed> {
        Ok(ThreadSeed(Box::new(())))
    }
    fn adopt_thread(&self, _seed: ThreadSeed) -> Result<()> {
        Ok(())
    }
    fn release_thread(&self) {}
    fn cpu_time(&self) -> Result<std::time::Duration> {
        Ok(std::time::Duration::ZERO)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A context playing its script.
struct ScriptedContext {
    script: VecDeque<Call>,
    /// What runs once the script is over: exit_group for the scripted task, exit for
    /// any other.
    end: u64,
    kicked: Arc<AtomicBool>,
    xstate: Vec<u8>,
}

impl Context for ScriptedContext {
    fn switch(&mut self, _space: &dyn AddressSpace, regs: &mut PtRegs) -> Result<Event> {
        if self.kicked.swap(false, Ordering::SeqCst) {
            return Ok(Event::Interrupted);
        }
        let (nr, a) = self.script.pop_front().unwrap_or((self.end, [0; 6]));
        regs.orig_rax = nr;
        regs.rax = nr;
        regs.rdi = a[0];
        regs.rsi = a[1];
        regs.rdx = a[2];
        regs.r10 = a[3];
        regs.r8 = a[4];
        regs.r9 = a[5];
        Ok(Event::Syscall)
    }

    fn fp_state(&mut self, _space: &dyn AddressSpace) -> Result<Vec<u8>> {
        Ok(self.xstate.clone())
    }

    fn set_fp_state(&mut self, _space: &dyn AddressSpace, state: &[u8]) -> Result<()> {
        self.xstate = state.to_vec();
        Ok(())
    }

    fn cpu_time(&self, _space: &dyn AddressSpace) -> Result<std::time::Duration> {
        Ok(std::time::Duration::ZERO)
    }

    fn cpu_clock(&self, _space: &dyn AddressSpace) -> Result<CpuClock> {
        Ok(Arc::new(|| Ok(std::time::Duration::ZERO)))
    }

    fn interrupter(&self) -> Interrupter {
        let kicked = self.kicked.clone();
        Interrupter::new(Arc::new(move || kicked.store(true, Ordering::SeqCst)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_context_plays_the_script_and_later_ones_exit() {
        let p = ScriptedPlatform::new(vec![(39, [1, 2, 3, 4, 5, 6])]);
        let space = p.new_address_space().unwrap();
        let mut first = p.new_context().unwrap();
        let mut second = p.new_context().unwrap();
        let mut regs = PtRegs::default();
        assert_eq!(first.switch(&*space, &mut regs).unwrap(), Event::Syscall);
        assert_eq!((regs.orig_rax, regs.rdi, regs.r9), (39, 1, 6));
        first.switch(&*space, &mut regs).unwrap();
        assert_eq!(regs.orig_rax, EXIT_GROUP);
        second.switch(&*space, &mut regs).unwrap();
        assert_eq!(regs.orig_rax, EXIT, "a later context's thread just exits");
        let kick = first.interrupter();
        kick.interrupt();
        assert_eq!(first.switch(&*space, &mut regs).unwrap(), Event::Interrupted);
        assert!(space.map(4096, 4096, 0, 3).is_ok());
        assert!(space.map(4095, 4096, 0, 3).is_err());
    }
}
