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
