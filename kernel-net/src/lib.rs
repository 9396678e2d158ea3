//! Networking for rvisor: sockets as file descriptions.
//!
//! This first part is unix domain sockets ([`unix`]): stream, datagram and seqpacket
//! sockets, socketpair, names in the abstract namespace and in the file tree, listen and
//! accept, shutdown, SCM_RIGHTS and SCM_CREDENTIALS, and the SOL_SOCKET options programs
//! use. Inet and netlink sockets come later; the system-call layer answers EAFNOSUPPORT
//! for them.
//!
//! # Design
//!
//! A socket file (a [`kernel_fs::File`] over [`unix::UnixSocket`]) owns an *endpoint*.
//! An endpoint has its own receive queue: sending pushes onto the **receiver's** queue,
//! so a connection is just two endpoints that point at each other (`peer`); a datagram
//! socket's `peer` is only its default destination. Each queued segment (a stream write,
//! a datagram, a seqpacket record) carries the sender's name, its credentials, any
//! SCM_RIGHTS files in flight, and a weak reference to the sender, which is *charged* for
//! the bytes until the receiver reads them (`wmem`, as Linux charges skbs to the sending
//! socket). A sender waits (EAGAIN) once its charge reaches SO_SNDBUF, and polls writable
//! while the charge is at most a quarter of it, as Linux. A datagram receiver also holds
//! at most `max_dgram_qlen` (10) messages from senders it is not connected to; those
//! senders record themselves in the receiver's `blocked` list and are woken when it
//! dequeues. A listening socket's queue holds server-side endpoints already connected to
//! their clients ("embryos"); accept wraps one in a new file.
//!
//! Nothing here blocks: operations answer EAGAIN and the system-call layer waits
//! interruptibly after registering a [`kernel_fs::pipe::Waker`] with the file, as for
//! pipes. Every change wakes the waiters of the endpoints whose readiness it changes.
//!
//! Names: the abstract namespace is a map from name to endpoint (one per Sentry, which
//! serves one sandbox); a path name is a tmpfs socket inode
//! ([`kernel_fs::tmpfs::NewKind::Socket`]) holding a weak reference to the endpoint, so
//! unlinking the path removes the name and closing the socket makes connects to it
//! ECONNREFUSED. The system-call layer resolves paths; this crate never walks the tree.
//!
//! Closing a socket (dropping its file) *releases* the endpoint: its queue is dropped
//! (which breaks the reference cycles of two connected endpoints), its peer is shut down
//! both ways (with ECONNRESET if data was left unread), and unaccepted connections are
//! released too. Files passed with SCM_RIGHTS that end up referring to themselves
//! through a queue are not collected (Linux has a garbage collector for that).
//!
//! # Lock order
//!
//! Each endpoint has one mutex (its state). **No code holds two endpoint locks at
//! once**: an operation reads what it needs under its own lock (the peer, its name,
//! charging its send buffer), drops it, then locks the other endpoint; a failed step
//! undoes its charge afterwards. The abstract-namespace map is a leaf taken under an
//! endpoint lock (bind, release), never the other way round. Binding to a path calls
//! into the VFS (dentry and tmpfs locks) under the endpoint's lock; the VFS never calls
//! back into sockets. Waiters are woken after the lock is released.
//!
//! Where gVisor and Linux differ we follow Linux (the oracle): the capacity accounting
//! charges payload bytes only (Linux also charges skb overhead, so it fills sooner).

#![forbid(unsafe_code)]

pub mod abi;
pub mod addr;
pub mod common;
pub mod inet;
pub mod inet_addr;
pub mod inet_opts;
pub mod loopback;
pub mod ports;
pub mod unix;

#[cfg(test)]
mod tests;
