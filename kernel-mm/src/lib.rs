//! Application memory for rvisor.
//!
//! - [`MemoryFile`]: every application page lives in one memfd, mapped whole into the
//!   Sentry; a page allocator with reference counts hands out and reclaims its pages.
//! - [`MemoryManager`]: one per address space: VMAs ([`vma::VmaSet`]), the pages behind
//!   them, the mmap family, page faults with fault-around, copy-on-write, and the only
//!   sanctioned way to touch application memory (`copy_in`/`copy_out`/`zero_out`).
//! - [`Mappable`]: what a file (or shared anonymous memory) provides to be mapped.
//!
//! The Sentry decides every mapping: application pages reach the stub only through the
//! platform [`platform::AddressSpace`], always as memory-file ranges.
//!
//! # Lock order
//!
//! `MemoryManager::state` -> `Mappable` internals (page cache locks) -> `MemoryFile`'s
//! allocator lock -> the platform address space lock.

pub mod memfile;
pub mod mm;
pub mod vma;

pub use memfile::MemoryFile;
pub use mm::{FaultError, ForkSnapshot, MemoryManager, MmLimits, MmapArgs, SharedAnon};

use kernel_abi::KResult;

/// An object whose pages can be mapped: a file's page cache, or shared anonymous memory.
pub trait Mappable: Send + Sync {
    /// The memory-file offset of the page at object offset `off` (page aligned), with one
    /// reference taken for the caller. An error means the page does not exist (beyond the
    /// end of a file): the faulting access gets SIGBUS.
    fn get_page(&self, off: u64) -> KResult<u64>;
    /// The name shown in `/proc/self/maps`.
    fn name(&self) -> String;
    /// (device, inode) shown in `/proc/self/maps`.
    fn ident(&self) -> (u64, u64);
}
