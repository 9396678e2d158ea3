//! Fuzzing for rvisor (to be built by the fuzzing issue).
//!
//! This crate will hold cargo-fuzz targets: syscall sequences against an in-process
//! kernel, the ELF loader, path resolution, network packet input, gofer messages and OCI
//! config parsing, each replaying its committed corpus as ordinary tests. It holds no
//! code yet.
#![forbid(unsafe_code)]
