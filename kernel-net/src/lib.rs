//! Networking for rvisor (to be built by the networking issue).
//!
//! This crate will own sockets as `FileDescription`s: unix domain sockets (stream,
//! datagram, seqpacket, SCM_RIGHTS), netlink route, and inet sockets served either by a
//! user-space TCP/IP stack inside the Sentry (`--network=sandbox`) or by host sockets
//! (`--network=host`). It holds no code yet.
#![forbid(unsafe_code)]
