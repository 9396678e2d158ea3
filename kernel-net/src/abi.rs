//! Socket constants of the x86_64 Linux ABI (socket(2), socket(7), unix(7)).

/// Address families.
pub const AF_UNSPEC: u16 = 0;
/// Unix domain sockets.
pub const AF_UNIX: u16 = 1;
/// IPv4.
pub const AF_INET: u16 = 2;
/// IPv6.
pub const AF_INET6: u16 = 10;
/// Netlink.
pub const AF_NETLINK: u16 = 16;

/// Socket types.
pub const SOCK_STREAM: u32 = 1;
/// Datagrams.
pub const SOCK_DGRAM: u32 = 2;
/// Raw sockets.
pub const SOCK_RAW: u32 = 3;
/// Sequenced packets.
pub const SOCK_SEQPACKET: u32 = 5;
/// The type bits of socket(2)'s type argument.
pub const SOCK_TYPE_MASK: u32 = 0xf;
/// Flags in socket(2)'s type argument (same values as O_NONBLOCK and O_CLOEXEC).
pub const SOCK_NONBLOCK: u32 = 0o4000;
/// Close on exec.
pub const SOCK_CLOEXEC: u32 = 0o2000000;

/// send/recv flags.
pub const MSG_OOB: u32 = 0x1;
/// Look without consuming.
pub const MSG_PEEK: u32 = 0x2;
/// Bypass routing (meaningless here).
pub const MSG_DONTROUTE: u32 = 0x4;
/// Control data was truncated.
pub const MSG_CTRUNC: u32 = 0x8;
/// Data was truncated / return the real length.
pub const MSG_TRUNC: u32 = 0x20;
/// Do not block.
pub const MSG_DONTWAIT: u32 = 0x40;
/// End of record.
pub const MSG_EOR: u32 = 0x80;
/// Wait for the full request.
pub const MSG_WAITALL: u32 = 0x100;
/// Confirm path validity (inet only).
pub const MSG_CONFIRM: u32 = 0x800;
/// No SIGPIPE on a broken connection.
pub const MSG_NOSIGNAL: u32 = 0x4000;
/// More data is coming.
pub const MSG_MORE: u32 = 0x8000;
/// recvmmsg: wait only for the first message.
pub const MSG_WAITFORONE: u32 = 0x10000;
/// Received descriptors are close-on-exec.
pub const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;

/// shutdown(2) modes.
pub const SHUT_RD: u32 = 0;
/// No more sends.
pub const SHUT_WR: u32 = 1;
/// Both.
pub const SHUT_RDWR: u32 = 2;

/// getsockopt/setsockopt level of the socket layer.
pub const SOL_SOCKET: i32 = 1;
/// Option names at SOL_SOCKET.
pub const SO_DEBUG: i32 = 1;
/// Allow address reuse (no effect on unix sockets).
pub const SO_REUSEADDR: i32 = 2;
/// The socket type.
pub const SO_TYPE: i32 = 3;
/// Take the pending error.
pub const SO_ERROR: i32 = 4;
/// Bypass routing.
pub const SO_DONTROUTE: i32 = 5;
/// Allow broadcast.
pub const SO_BROADCAST: i32 = 6;
/// Send buffer size.
pub const SO_SNDBUF: i32 = 7;
/// Receive buffer size.
pub const SO_RCVBUF: i32 = 8;
/// Keep-alives.
pub const SO_KEEPALIVE: i32 = 9;
/// Inline out-of-band data.
pub const SO_OOBINLINE: i32 = 10;
/// Receive SCM_CREDENTIALS.
pub const SO_PASSCRED: i32 = 16;
/// The peer's credentials.
pub const SO_PEERCRED: i32 = 17;
/// Receive timeout.
pub const SO_RCVTIMEO: i32 = 20;
/// Send timeout.
pub const SO_SNDTIMEO: i32 = 21;
/// Whether the socket listens.
pub const SO_ACCEPTCONN: i32 = 30;
/// The protocol.
pub const SO_PROTOCOL: i32 = 38;
/// The address family.
pub const SO_DOMAIN: i32 = 39;

/// Control message types at SOL_SOCKET.
pub const SCM_RIGHTS: i32 = 1;
/// Sender credentials.
pub const SCM_CREDENTIALS: i32 = 2;

/// ioctl: bytes that can be read (FIONREAD).
pub const SIOCINQ: u64 = 0x541b;
/// ioctl: bytes sent and not yet read by the peer (TIOCOUTQ).
pub const SIOCOUTQ: u64 = 0x5411;

/// `sizeof(struct sockaddr_un)`.
pub const SOCKADDR_UN_LEN: usize = 110;
/// `offsetof(struct sockaddr_un, sun_path)`.
pub const SUN_PATH_OFFSET: usize = 2;
/// Most descriptors one SCM_RIGHTS message may carry (SCM_MAX_FD).
pub const SCM_MAX_FD: usize = 253;

/// Protocol levels and numbers (in.h).
pub const IPPROTO_IP: i32 = 0;
/// TCP.
pub const IPPROTO_TCP: i32 = 6;
/// UDP.
pub const IPPROTO_UDP: i32 = 17;
/// IPv6 options.
pub const IPPROTO_IPV6: i32 = 41;

/// More SOL_SOCKET options (inet sockets use them).
pub const SO_PRIORITY: i32 = 12;
/// Linger on close.
pub const SO_LINGER: i32 = 13;
/// Share a port among sockets of one user.
pub const SO_REUSEPORT: i32 = 15;
/// Receive low-water mark.
pub const SO_RCVLOWAT: i32 = 18;
/// Send low-water mark (read-only in Linux).
pub const SO_SNDLOWAT: i32 = 19;

/// IPPROTO_IP options.
pub const IP_TOS: i32 = 1;
/// Time to live of outgoing packets.
pub const IP_TTL: i32 = 2;
/// Receive IP_PKTINFO control messages.
pub const IP_PKTINFO: i32 = 8;
/// Extended error reporting.
pub const IP_RECVERR: i32 = 11;
/// Multicast time to live.
pub const IP_MULTICAST_TTL: i32 = 33;
/// Multicast loopback.
pub const IP_MULTICAST_LOOP: i32 = 34;
/// IPPROTO_IPV6: hop limit of outgoing unicast packets.
pub const IPV6_UNICAST_HOPS: i32 = 16;
/// IPPROTO_IPV6: the socket speaks IPv6 only (no IPv4-mapped traffic).
pub const IPV6_V6ONLY: i32 = 26;
/// IPPROTO_IPV6: traffic class of outgoing packets.
pub const IPV6_TCLASS: i32 = 67;

/// IPPROTO_TCP options.
pub const TCP_NODELAY: i32 = 1;
/// Maximum segment size.
pub const TCP_MAXSEG: i32 = 2;
/// Hold partial frames.
pub const TCP_CORK: i32 = 3;
/// Idle time before keepalive probes.
pub const TCP_KEEPIDLE: i32 = 4;
/// Time between keepalive probes.
pub const TCP_KEEPINTVL: i32 = 5;
/// Keepalive probes before the connection is dropped.
pub const TCP_KEEPCNT: i32 = 6;
/// SYN retransmits.
pub const TCP_SYNCNT: i32 = 7;
/// Lifetime of orphaned FIN_WAIT2 sockets.
pub const TCP_LINGER2: i32 = 8;
/// Wake the listener only when data arrives.
pub const TCP_DEFER_ACCEPT: i32 = 9;
/// Bound the advertised window.
pub const TCP_WINDOW_CLAMP: i32 = 10;
/// `struct tcp_info`.
pub const TCP_INFO: i32 = 11;
/// Quick-ack mode.
pub const TCP_QUICKACK: i32 = 12;
/// How long unacknowledged data may stay before the connection is dropped.
pub const TCP_USER_TIMEOUT: i32 = 18;
/// IPPROTO_UDP: hold datagrams (UDP_CORK).
pub const UDP_CORK: i32 = 1;
