//! The VFS of rvisor (foundation subset).
//!
//! - [`file::File`]: an open file description (`struct file`): status flags, access mode,
//!   and a [`file::FileOps`] implementation with Linux's errno defaults.
//! - [`fdtable::FdTable`]: descriptor numbers to files, close-on-exec, the dup family.
//! - [`dentry`] and [`path`]: dentries and Linux path resolution (symlinks with the
//!   40-link limit, `..` that stops at the root, trailing slashes, ENAMETOOLONG).
//! - [`host`]: the host filesystem, reached only through directory fds and `*at()` calls
//!   with single path components, never a host path string; read-only in this milestone.
//! - [`dev`]: the character devices programs expect (`/dev/null`, `/dev/zero`, ...).
//! - [`hostfd`]: host fds passed through (the sandbox's stdio).
//! - [`pty`] and [`tty`]: pseudo-terminals (/dev/ptmx, devpts, the line discipline) and
//!   what terminals share with the process layer (session, foreground group, signals).
//! - [`epoll`], [`eventfd`], [`timerfd`]: the waiting file descriptions event loops use.
//! - [`inotify`]: watches on file identities and their event queues.
//! - [`synth`]: nodes whose contents a provider computes (procfs is built on it).
//! - [`sysfs`]: the /sys files programs read (CPUs, cgroup, transparent huge pages).
//! - [`lock`]: advisory file locks (flock, POSIX and OFD record locks).
//! - [`tmpfs`]: the in-memory filesystem of /tmp and /dev/shm, its file data in
//!   memory-file pages.
//! - [`xattr`]: extended attributes of tmpfs nodes (user.* and trusted.*).
//! - [`overlay`]: a tmpfs upper layer over the host's files: the root of `runsc do`,
//!   whose changes never reach the host.
//!
//! # Lock order
//!
//! `Dentry::children` -> host page cache -> `MemoryFile`; `Dentry::children` and a
//! dentry's position (name and parent) are never held together. tmpfs has its own order
//! (see [`tmpfs`]) below the dentry locks; epoll's is in [`epoll`]. No lock is held across a host
//! call that can block indefinitely, except a file's own offset lock for read/write.

#![deny(unsafe_code)]

pub mod cred;
pub mod dentry;
pub mod dev;
pub mod epoll;
pub mod eventfd;
pub mod fdtable;
pub mod file;
pub mod host;
pub mod hostclock;
pub mod hostfd;
pub mod inotify;
pub mod lock;
pub mod overlay;
pub mod path;
pub mod pipe;
pub mod pty;
pub mod synth;
pub mod sysfs;
pub mod timerfd;
pub mod tmpfs;
pub mod tty;
pub mod xattr;

pub use cred::Cred;
pub use dentry::{Dentry, Inode};
pub use fdtable::FdTable;
pub use file::{File, FileOps};
