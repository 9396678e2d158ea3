//! The Linux x86_64 ABI as plain data: system call numbers and names, `Errno`, flag
//! constants and the `#[repr(C)]` structures exchanged with applications.
//!
//! Nothing here has behaviour beyond naming and layout. Structures derive
//! [`bytemuck::Pod`] so the kernel copies them to and from application memory as bytes;
//! every padding byte is an explicit field so that no uninitialised byte reaches an
//! application.
#![forbid(unsafe_code)]

pub mod errno;
pub mod error;
pub mod flags;
pub mod structs;
pub mod sysno;

pub use bytemuck::{Pod, Zeroable};
pub use errno::Errno;
pub use error::{Error, KResult};
pub use structs::*;
pub use sysno::{nr, syscall_name, NR_SYSCALLS};

/// Size of a page on x86_64.
pub const PAGE_SIZE: u64 = 4096;

/// Round `v` down to a page boundary.
pub const fn page_down(v: u64) -> u64 {
    v & !(PAGE_SIZE - 1)
}

/// Round `v` up to a page boundary, or `None` on overflow.
pub const fn page_up(v: u64) -> Option<u64> {
    match v.checked_add(PAGE_SIZE - 1) {
        Some(x) => Some(x & !(PAGE_SIZE - 1)),
        None => None,
    }
}
