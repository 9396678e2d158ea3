//! Record/replay for rvisor (to be built by the replay issue).
//!
//! This crate will own `replay record` (trace a program on host Linux under ptrace into a
//! versioned bincode trace), `replay run` (replay a trace against an in-process `Kernel`
//! and report divergences from the host), and the differential runner behind the
//! compatibility report. It holds no code yet.
#![forbid(unsafe_code)]
