//! Socket options of inet sockets: which (level, name) pairs exist for which family and
//! protocol, their defaults, how setsockopt validates them and the errno Linux gives for
//! a level that does not apply.

use std::time::Duration;

use kernel_abi::{return_errno, Errno, KResult};

use crate::abi::*;
use crate::common::{DEFAULT_BUF, MIN_RCVBUF, MIN_SNDBUF};
use crate::ports::Proto;

/// net.ipv4.tcp_wmem[1] and tcp_rmem[1]: a TCP socket's default buffers.
pub const TCP_SNDBUF: usize = 16384;
/// See [`TCP_SNDBUF`].
pub const TCP_RCVBUF: usize = 131_072;
/// Linux's default time to live and hop limit (net.ipv4.ip_default_ttl).
const DEFAULT_TTL: i32 = 64;

/// How an integer option's value is checked and stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Any value; reported as 0 or 1.
    Bool,
    /// Values in the inclusive range; EINVAL outside it.
    Range(i32, i32),
    /// -1 restores the default; otherwise the inclusive range.
    OrDefault(i32, i32),
    /// IP_TOS: the low byte, without the ECN bits on a stream socket.
    Tos,
    /// Readable only; setsockopt says ENOPROTOOPT.
    ReadOnly,
    /// An option whose effect is not implemented: it reports its default, and only
    /// the default may be set (anything else is ENOPROTOOPT, not a pretence).
    DefaultOnly,
    /// Any value.
    Any,
}

struct IntOpt {
    default: i32,
    kind: Kind,
}

/// The integer options an inet socket of `family` and `proto` has at `level`.
fn int_opt(family: u16, proto: Proto, level: i32, name: i32) -> Option<IntOpt> {
    use Kind::*;
    let o = |default, kind| Some(IntOpt { default, kind });
    match (level, name) {
        (SOL_SOCKET, SO_REUSEADDR | SO_REUSEPORT | SO_KEEPALIVE | SO_BROADCAST | SO_DONTROUTE | SO_OOBINLINE) => {
            o(0, Bool)
        }
        (SOL_SOCKET, SO_PRIORITY) => o(0, Any),
        (SOL_SOCKET, SO_SNDLOWAT) => o(1, ReadOnly),
        (SOL_SOCKET, SO_RCVLOWAT) => o(1, DefaultOnly),
        (IPPROTO_IP, IP_PKTINFO | IP_RECVERR) => o(0, DefaultOnly),
        (IPPROTO_IP, IP_MULTICAST_TTL | IP_MULTICAST_LOOP) => o(1, DefaultOnly),
        (IPPROTO_UDP, UDP_CORK) if proto == Proto::Udp => o(0, DefaultOnly),
        (IPPROTO_IP, IP_TTL) => o(DEFAULT_TTL, OrDefault(1, 255)),
        (IPPROTO_IP, IP_TOS) => o(0, Tos),
        (IPPROTO_IPV6, IPV6_V6ONLY) if family == AF_INET6 => o(0, Bool),
        (IPPROTO_IPV6, IPV6_UNICAST_HOPS) if family == AF_INET6 => o(DEFAULT_TTL, OrDefault(0, 255)),
        (IPPROTO_IPV6, IPV6_TCLASS) if family == AF_INET6 => o(0, OrDefault(0, 255)),
        (IPPROTO_TCP, _) if proto == Proto::Tcp => match name {
            TCP_NODELAY | TCP_CORK => o(0, Bool),
            TCP_QUICKACK => o(1, Bool),
            TCP_KEEPIDLE => o(7200, Range(1, 32767)),
            TCP_KEEPINTVL => o(75, Range(1, 32767)),
            TCP_KEEPCNT => o(9, Range(1, 127)),
            TCP_SYNCNT => o(6, Range(1, 127)),
            TCP_USER_TIMEOUT => o(0, Range(0, i32::MAX)),
            TCP_LINGER2 => o(60, DefaultOnly),
            TCP_DEFER_ACCEPT | TCP_WINDOW_CLAMP => o(0, DefaultOnly),
            _ => None,
        },
        _ => None,
    }
}

/// The option values of one socket (an accepted socket starts with its listener's).
#[derive(Clone, Debug)]
pub struct Opts {
    /// SO_SNDBUF as reported (Linux doubles what is set).
    pub sndbuf: usize,
    /// SO_RCVBUF as reported.
    pub rcvbuf: usize,
    /// SO_RCVTIMEO (`None`: forever).
    pub rcvtimeo: Option<Duration>,
    /// SO_SNDTIMEO.
    pub sndtimeo: Option<Duration>,
    /// SO_LINGER: on, and the time in seconds.
    pub linger: (bool, i32),
    /// Integer options set so far: ((level, name), value).
    ints: Vec<((i32, i32), i32)>,
}

impl Opts {
    /// The defaults of a new socket.
    pub fn new(proto: Proto) -> Opts {
        let (sndbuf, rcvbuf) = match proto {
            Proto::Tcp => (TCP_SNDBUF, TCP_RCVBUF),
            Proto::Udp => (DEFAULT_BUF, DEFAULT_BUF),
        };
        Opts { sndbuf, rcvbuf, rcvtimeo: None, sndtimeo: None, linger: (false, 0), ints: Vec::new() }
    }

    fn stored(&self, level: i32, name: i32) -> Option<i32> {
        self.ints.iter().find(|(k, _)| *k == (level, name)).map(|&(_, v)| v)
    }

    /// A boolean option's value.
    pub fn flag(&self, level: i32, name: i32) -> bool {
        self.stored(level, name).is_some_and(|v| v != 0)
    }

    /// An integer option's value (its default when never set) for a socket of `family`
    /// and `proto`; ENOPROTOOPT when it has no such option.
    pub fn get_int(&self, family: u16, proto: Proto, level: i32, name: i32) -> KResult<i32> {
        let Some(opt) = int_opt(family, proto, level, name) else { return_errno!(ENOPROTOOPT) };
        let v = self.stored(level, name).unwrap_or(opt.default);
        Ok(if opt.kind == Kind::Bool { i32::from(v != 0) } else { v })
    }

    /// Set an integer option from setsockopt's bytes, checked as Linux does.
    pub fn set_int(&mut self, family: u16, proto: Proto, level: i32, name: i32, val: &[u8]) -> KResult<()> {
        let Some(opt) = int_opt(family, proto, level, name) else { return_errno!(ENOPROTOOPT) };
        // IPPROTO_IP reads a single byte when fewer than four are given.
        let v = match val.len() {
            0 => return_errno!(EINVAL),
            1..=3 if level == IPPROTO_IP => i32::from(val[0]),
            1..=3 => return_errno!(EINVAL),
            _ => i32::from_ne_bytes([val[0], val[1], val[2], val[3]]),
        };
        let v = match opt.kind {
            Kind::Bool | Kind::Any => v,
            Kind::Range(lo, hi) if (lo..=hi).contains(&v) => v,
            Kind::OrDefault(_, _) if v == -1 => opt.default,
            Kind::OrDefault(lo, hi) if (lo..=hi).contains(&v) => v,
            Kind::Range(..) | Kind::OrDefault(..) => return_errno!(EINVAL),
            Kind::Tos if proto == Proto::Tcp => v & 0xfc,
            Kind::Tos => v & 0xff,
            Kind::ReadOnly => return_errno!(ENOPROTOOPT),
            Kind::DefaultOnly if v == opt.default => v,
            Kind::DefaultOnly => return_errno!(ENOPROTOOPT),
        };
        self.ints.retain(|(k, _)| *k != (level, name));
        self.ints.push(((level, name), v));
        Ok(())
    }

    /// SO_SNDBUF / SO_RCVBUF.
    pub fn set_buf(&mut self, name: i32, v: i32) {
        if name == SO_SNDBUF {
            self.sndbuf = crate::common::buf_size(v, MIN_SNDBUF);
        } else {
            self.rcvbuf = crate::common::buf_size(v, MIN_RCVBUF);
        }
    }
}

/// The errno for a level an inet socket of `family` does not handle: the IPv4 code
/// (`ip_getsockopt`) says EOPNOTSUPP on get, everything else ENOPROTOOPT.
pub fn wrong_level(family: u16, get: bool) -> Errno {
    if get && family == AF_INET {
        Errno::EOPNOTSUPP
    } else {
        Errno::ENOPROTOOPT
    }
}

/// Whether `level` is one an inet socket of `family` and `proto` answers at all.
pub fn level_applies(family: u16, proto: Proto, level: i32) -> bool {
    match level {
        SOL_SOCKET | IPPROTO_IP => true,
        IPPROTO_IPV6 => family == AF_INET6,
        IPPROTO_TCP => proto == Proto::Tcp,
        IPPROTO_UDP => proto == Proto::Udp,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: i32) -> [u8; 4] {
        v.to_ne_bytes()
    }

    #[test]
    fn options_validate_and_default_as_linux() {
        let mut o = Opts::new(Proto::Tcp);
        let get = |o: &Opts, l, n| o.get_int(AF_INET, Proto::Tcp, l, n).unwrap();
        assert_eq!(get(&o, IPPROTO_IP, IP_TTL), 64);
        assert!(o.set_int(AF_INET, Proto::Tcp, IPPROTO_IP, IP_TTL, &int(0)).is_err());
        o.set_int(AF_INET, Proto::Tcp, IPPROTO_IP, IP_TTL, &int(7)).unwrap();
        assert_eq!(get(&o, IPPROTO_IP, IP_TTL), 7);
        o.set_int(AF_INET, Proto::Tcp, IPPROTO_IP, IP_TTL, &int(-1)).unwrap();
        assert_eq!(get(&o, IPPROTO_IP, IP_TTL), 64);
        o.set_int(AF_INET, Proto::Tcp, IPPROTO_IP, IP_TOS, &int(0x1ff)).unwrap();
        assert_eq!(get(&o, IPPROTO_IP, IP_TOS), 0xfc);
        o.set_int(AF_INET, Proto::Tcp, IPPROTO_IP, IP_TOS, &[0x10]).unwrap();
        assert_eq!(get(&o, IPPROTO_IP, IP_TOS), 0x10);
        o.set_int(AF_INET, Proto::Tcp, IPPROTO_TCP, TCP_NODELAY, &int(5)).unwrap();
        assert_eq!(get(&o, IPPROTO_TCP, TCP_NODELAY), 1);
        assert!(o.set_int(AF_INET, Proto::Tcp, IPPROTO_TCP, TCP_NODELAY, &[1, 0]).is_err());
        assert!(o.set_int(AF_INET, Proto::Tcp, IPPROTO_TCP, TCP_KEEPCNT, &int(128)).is_err());
        assert_eq!(
            o.set_int(AF_INET, Proto::Tcp, SOL_SOCKET, SO_SNDLOWAT, &int(1)).unwrap_err().errno,
            Errno::ENOPROTOOPT
        );
        assert!(o.get_int(AF_INET, Proto::Tcp, IPPROTO_IPV6, IPV6_V6ONLY).is_err());
        assert!(o.get_int(AF_INET, Proto::Udp, IPPROTO_TCP, TCP_NODELAY).is_err());
        let u = Opts::new(Proto::Udp);
        assert_eq!(u.sndbuf, DEFAULT_BUF);
        assert_eq!(wrong_level(AF_INET, true), Errno::EOPNOTSUPP);
        assert_eq!(wrong_level(AF_INET6, true), Errno::ENOPROTOOPT);
        assert!(!level_applies(AF_INET, Proto::Udp, IPPROTO_TCP));
    }
}
