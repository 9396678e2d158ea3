//! The kernel proper: the [`Kernel`], tasks and their run loop, the ELF loader, and the
//! system call table.
//!
//! One Sentry host thread runs each task: it switches the task's registers into its stub
//! through the platform [`platform::Context`], and handles what comes back (a system
//! call, a fault, a signal) until the task exits. This milestone runs single-threaded
//! programs; clone, signal delivery and the rest come with the process issue.
//!
//! # Lock order
//!
//! A task's own state is owned by its thread (no lock). `Kernel::logged` is a leaf lock.
//! Memory-manager and VFS locks follow their crates' orders.

#![deny(unsafe_code)]

mod cputimer;
mod creds;
mod futex;
mod inbox;
pub mod loader;
mod pidfd;
mod process;
pub mod procfs;
mod signalfd;
mod signals;
mod strace;
mod sys_epoll;
mod sys_eventfd;
mod sys_file;
mod sys_lock;
mod sys_misc;
mod sys_mm;
mod sys_poll;
mod sys_proc;
mod sys_socket;
mod sys_splice;
mod sys_time;
mod sys_timer;
pub mod syscalls;
mod task;
mod thread;
mod tty;

pub use inbox::Inbox;
pub use sys_misc::host_cpus;
pub use syscalls::Support;
pub use task::{ExitStatus, Kernel, KernelConfig, Task};
