//! Networking for rvisor: sockets as file descriptions.
//!
//! - Unix domain sockets ([`unix`]): stream, datagram and seqpacket sockets, socketpair,
//!   names in the abstract namespace and in the file tree, listen and accept, shutdown,
//!   SCM_RIGHTS and SCM_CREDENTIALS, and the SOL_SOCKET options programs use.
//! - Inet sockets ([`inet`]): AF_INET and AF_INET6, TCP and UDP, carried by the
//!   loopback transport ([`loopback`]) inside the Sentry: `--network=none`, where only
//!   127.0.0.0/8 and `::1` exist and everything else is ENETUNREACH.
//! - Netlink comes later; the system-call layer answers EAFNOSUPPORT for it.
//!
//! Shared pieces (waiter lists, shutdown bits, buffer sizes, option encodings, what a
//! receive returns) are in [`common`].
//!
//! # Inet sockets and what comes after loopback
//!
//! The inet socket layer is split in three so that other ways of carrying traffic can
//! be added without touching what applications see:
//!
//! 1. **Addresses and ports** ([`inet_addr`], [`ports`]): parsing and encoding
//!    `sockaddr_in`/`sockaddr_in6` (IPv4 held as v4-mapped IPv6 inside, so dual-stack
//!    sockets fall out naturally), routing (`route`: loopback or ENETUNREACH), and the
//!    port table with Linux's bind rules and ephemeral range. A packet stack reuses the
//!    table for its local ports; its routing table replaces `route`.
//! 2. **Socket options** ([`inet_opts`]): validation, defaults and level errors, the
//!    same whatever carries the traffic.
//! 3. **The transport** ([`inet::Transport`]): today one variant, `Loopback`, whose
//!    endpoints exchange data directly (a TCP connection is two linked endpoints, like
//!    a unix stream pair; nothing is ever in flight). Two variants are planned:
//!    - `Netstack` for `--network=sandbox`: a user-space TCP/IP stack driving the
//!      sandbox's interface (AF_PACKET or tap). The candidate is smoltcp, which brings
//!      TCP with window scaling, timestamps, SACK-less retransmission and congestion
//!      control, UDP, ICMP and IPv4/IPv6, but no listen backlog (one socket per
//!      handshake: a listener would keep a pool of smoltcp sockets in LISTEN and hand
//!      the established ones to accept), no SO_REUSEPORT (done in the port table
//!      here), and no ready-made IPV6_V6ONLY semantics (done here too). Traffic to a
//!      loopback address would still take the `Loopback` transport, as Linux
//!      short-circuits lo; the choice is made at connect/bind time from the route.
//!    - `Host` for `--network=host`: a host socket created by the Sentry, with reads,
//!      writes and readiness passed through (gVisor's hostinet); options map 1:1.
//!
//!    The transport is chosen per socket when it connects or binds; [`inet::InetSocket`]
//!    keeps the file-level behaviour (blocking is done by the system-call layer on
//!    EAGAIN, readiness through `poll` and wakers, as for unix sockets).
//!
//! # Design of unix sockets
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
