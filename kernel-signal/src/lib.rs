//! Signal data for rvisor (to be built by the process issue).
//!
//! This crate will own signal sets, dispositions, pending queues, `siginfo`, the x86_64
//! `rt_sigframe` layout with its build and restore (including XSAVE state), sigaltstack
//! and default actions. Delivery itself happens in `kernel-task`. It holds no code yet:
//! the foundation keeps only the bookkeeping of `rt_sigaction`/`rt_sigprocmask`, in
//! `kernel-task`.
#![forbid(unsafe_code)]
