//! Fuzzing for rvisor: inputs no application should be able to turn into a Sentry panic,
//! hang or leak.
//!
//! - [`syscalls`]: sequences of system calls played against an in-process kernel on the
//!   scripted platform (no stub, no host files), with the invariants checked after each
//!   run. Its proptest runs in CI; `fuzz/cargo-fuzz` holds the libFuzzer target for
//!   longer campaigns (see its README).
//!
//! The other targets of the fuzzing issue (the ELF loader, path walks, packets, gofer
//! messages, OCI config) are still to come.
#![forbid(unsafe_code)]

pub mod syscalls;
