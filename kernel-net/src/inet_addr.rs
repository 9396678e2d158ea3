//! Inet socket addresses (`struct sockaddr_in`, `struct sockaddr_in6`): parsing what the
//! application passes, as Linux's `inet_bind`, `inet6_bind`, `tcp_v4_connect`,
//! `tcp_v6_connect` and `udp_sendmsg` read them, encoding what getsockname, getpeername,
//! accept and recvfrom return, and the loopback-only routing of `--network=none`.
//!
//! Inside the stack every address is an [`Ipv6Addr`]: IPv4 addresses are held in their
//! IPv4-mapped form (`::ffff:a.b.c.d`), as Linux's dual-stack sockets see them, and the
//! socket's family decides the encoding handed back.

use std::net::{Ipv4Addr, Ipv6Addr};

use kernel_abi::{return_errno, KResult};

use crate::abi::{AF_INET, AF_INET6, AF_UNSPEC};

/// `sizeof(struct sockaddr_in)`.
pub const SOCKADDR_IN_LEN: usize = 16;
/// `sizeof(struct sockaddr_in6)`.
pub const SOCKADDR_IN6_LEN: usize = 28;
/// SIN6_LEN_RFC2133: the shortest `sockaddr_in6` Linux accepts (no scope id).
pub const SIN6_LEN_RFC2133: usize = 24;

/// An address and port; IPv4 addresses are IPv4-mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InetAddr {
    /// The address.
    pub ip: Ipv6Addr,
    /// The port (host byte order).
    pub port: u16,
}

/// `0.0.0.0` as held inside the stack.
pub const ANY4: Ipv6Addr = Ipv4Addr::UNSPECIFIED.to_ipv6_mapped();
/// `127.0.0.1` as held inside the stack.
pub const LOOPBACK4: Ipv6Addr = Ipv4Addr::LOCALHOST.to_ipv6_mapped();

/// Whether `ip` is an IPv4 address (held mapped).
pub fn is_v4(ip: &Ipv6Addr) -> bool {
    ip.to_ipv4_mapped().is_some()
}

/// Whether `ip` is a wildcard: `0.0.0.0` or `::`.
pub fn is_any(ip: &Ipv6Addr) -> bool {
    *ip == ANY4 || ip.is_unspecified()
}

/// Whether `ip` is on the loopback interface: 127.0.0.0/8 or `::1`.
pub fn is_loopback(ip: &Ipv6Addr) -> bool {
    match ip.to_ipv4_mapped() {
        Some(v4) => v4.is_loopback(),
        None => ip.is_loopback(),
    }
}

/// Whether a socket may bind `ip`: a wildcard or an address of the loopback interface
/// (the only interface of `--network=none`).
pub fn is_local(ip: &Ipv6Addr) -> bool {
    is_any(ip) || is_loopback(ip)
}

/// The IPv4 limited broadcast address, 255.255.255.255.
pub fn is_broadcast(ip: &Ipv6Addr) -> bool {
    ip.to_ipv4_mapped() == Some(Ipv4Addr::BROADCAST)
}

/// Route a destination: a wildcard means this host (`0.0.0.0` is 127.0.0.1, `::` is
/// `::1`, as Linux); loopback addresses stay inside the Sentry; anything else is
/// unreachable (ENETUNREACH), as in a network namespace with only `lo`.
pub fn route(dst: &Ipv6Addr) -> KResult<Ipv6Addr> {
    if *dst == ANY4 {
        return Ok(LOOPBACK4);
    }
    if dst.is_unspecified() {
        return Ok(Ipv6Addr::LOCALHOST);
    }
    if !is_loopback(dst) {
        return_errno!(ENETUNREACH);
    }
    Ok(*dst)
}

/// The source address the loopback route gives a (routed) destination: 127.0.0.1 for
/// IPv4, `::1` for IPv6 (Linux's `src` of the `local` routes on `lo`).
pub fn source_for(dst: &Ipv6Addr) -> Ipv6Addr {
    if is_v4(dst) {
        LOOPBACK4
    } else {
        Ipv6Addr::LOCALHOST
    }
}

/// What the address is read for: the calls differ in how they treat AF_UNSPEC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// bind(2): AF_UNSPEC only with INADDR_ANY, on an AF_INET socket.
    Bind,
    /// connect(2) of a TCP socket: AF_UNSPEC dissolves the association.
    Connect,
    /// connect(2) of a UDP socket: as `Connect`, and an AF_INET6 socket may also be
    /// given a `sockaddr_in`.
    DgramConnect,
    /// sendto/sendmsg: AF_UNSPEC is AF_INET on an AF_INET socket, no address on AF_INET6.
    SendTo,
}

fn v4_of(raw: &[u8]) -> InetAddr {
    let port = u16::from_be_bytes([raw[2], raw[3]]);
    let ip = Ipv4Addr::new(raw[4], raw[5], raw[6], raw[7]).to_ipv6_mapped();
    InetAddr { ip, port }
}

/// Parse the `raw.len()` bytes of address an application gave a socket of `family`
/// (AF_INET or AF_INET6) for `purpose`. `Ok(None)` is AF_UNSPEC meaning "no address"
/// (connect's disconnect, sendto's "use the peer").
pub fn parse_sockaddr(family: u16, raw: &[u8], purpose: Purpose) -> KResult<Option<InetAddr>> {
    if raw.len() < 2 {
        return_errno!(EINVAL);
    }
    let fam = u16::from_ne_bytes([raw[0], raw[1]]);
    let connect = matches!(purpose, Purpose::Connect | Purpose::DgramConnect);
    if fam == AF_UNSPEC && (connect || (purpose == Purpose::SendTo && family == AF_INET6)) {
        return Ok(None);
    }
    if family == AF_INET || (fam == AF_INET && matches!(purpose, Purpose::SendTo | Purpose::DgramConnect)) {
        if raw.len() < SOCKADDR_IN_LEN {
            return_errno!(EINVAL);
        }
        let a = v4_of(raw);
        match fam {
            AF_INET => {}
            AF_UNSPEC if purpose == Purpose::SendTo => {}
            AF_UNSPEC if purpose == Purpose::Bind && a.ip == ANY4 => {}
            _ => return_errno!(EAFNOSUPPORT),
        }
        return Ok(Some(a));
    }
    if raw.len() < SIN6_LEN_RFC2133 {
        return_errno!(EINVAL);
    }
    if fam != AF_INET6 {
        return_errno!(EAFNOSUPPORT);
    }
    let port = u16::from_be_bytes([raw[2], raw[3]]);
    let mut octets = [0u8; 16];
    octets.copy_from_slice(&raw[8..24]);
    Ok(Some(InetAddr { ip: Ipv6Addr::from(octets), port }))
}

/// The `sockaddr_in` (AF_INET) or `sockaddr_in6` (AF_INET6) bytes for `a`, as a socket
/// of `family` reports it.
pub fn to_sockaddr(family: u16, a: &InetAddr) -> Vec<u8> {
    if family == AF_INET {
        let v4 = a.ip.to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED);
        let mut v = AF_INET.to_ne_bytes().to_vec();
        v.extend_from_slice(&a.port.to_be_bytes());
        v.extend_from_slice(&v4.octets());
        v.extend_from_slice(&[0u8; 8]);
        v
    } else {
        let mut v = AF_INET6.to_ne_bytes().to_vec();
        v.extend_from_slice(&a.port.to_be_bytes());
        v.extend_from_slice(&[0u8; 4]);
        v.extend_from_slice(&a.ip.octets());
        v.extend_from_slice(&[0u8; 4]);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sin(fam: u16, port: u16, ip: [u8; 4]) -> Vec<u8> {
        let mut v = fam.to_ne_bytes().to_vec();
        v.extend_from_slice(&port.to_be_bytes());
        v.extend_from_slice(&ip);
        v.extend_from_slice(&[0; 8]);
        v
    }

    fn sin6(port: u16, ip: Ipv6Addr) -> Vec<u8> {
        to_sockaddr(AF_INET6, &InetAddr { ip, port })
    }

    #[test]
    fn ipv4_addresses_parse_mapped_and_encode_back() {
        let raw = sin(AF_INET, 8080, [127, 0, 0, 1]);
        let a = parse_sockaddr(AF_INET, &raw, Purpose::Bind).unwrap().unwrap();
        assert_eq!(a, InetAddr { ip: LOOPBACK4, port: 8080 });
        assert_eq!(to_sockaddr(AF_INET, &a), raw);
        let six = to_sockaddr(AF_INET6, &a);
        assert_eq!(six.len(), SOCKADDR_IN6_LEN);
        assert_eq!(parse_sockaddr(AF_INET6, &six, Purpose::Connect).unwrap(), Some(a));
    }

    #[test]
    fn lengths_and_families_are_checked_as_linux() {
        let raw = sin(AF_INET, 1, [127, 0, 0, 1]);
        assert!(parse_sockaddr(AF_INET, &raw[..15], Purpose::Bind).is_err());
        let e = |r: KResult<Option<InetAddr>>| r.unwrap_err().errno;
        use kernel_abi::Errno;
        assert_eq!(e(parse_sockaddr(AF_INET, &raw[..8], Purpose::Connect)), Errno::EINVAL);
        assert_eq!(e(parse_sockaddr(AF_INET, &sin6(1, Ipv6Addr::LOCALHOST), Purpose::Bind)), Errno::EAFNOSUPPORT);
        assert_eq!(e(parse_sockaddr(AF_INET6, &raw, Purpose::Bind)), Errno::EINVAL);
        assert_eq!(e(parse_sockaddr(AF_INET, &sin(AF_UNSPEC, 0, [127, 0, 0, 1]), Purpose::Bind)), Errno::EAFNOSUPPORT);
        assert_eq!(e(parse_sockaddr(AF_INET, &sin(1, 0, [0; 4]), Purpose::Bind)), Errno::EAFNOSUPPORT);
        let any = parse_sockaddr(AF_INET, &sin(AF_UNSPEC, 5, [0; 4]), Purpose::Bind).unwrap().unwrap();
        assert_eq!(any, InetAddr { ip: ANY4, port: 5 });
        assert_eq!(parse_sockaddr(AF_INET, &sin(AF_UNSPEC, 5, [1; 4]), Purpose::Connect).unwrap(), None);
        assert!(parse_sockaddr(AF_INET, &sin(AF_UNSPEC, 5, [1; 4]), Purpose::SendTo).unwrap().is_some());
        assert_eq!(parse_sockaddr(AF_INET6, &[0, 0], Purpose::SendTo).unwrap(), None);
        assert!(parse_sockaddr(AF_INET6, &sin6(9, Ipv6Addr::LOCALHOST)[..SIN6_LEN_RFC2133], Purpose::Bind).is_ok());
        assert_eq!(e(parse_sockaddr(AF_INET6, &[1], Purpose::Bind)), Errno::EINVAL);
        // A v6 UDP socket may send to or connect to a plain sockaddr_in; TCP may not.
        let to = parse_sockaddr(AF_INET6, &raw, Purpose::SendTo).unwrap().unwrap();
        assert_eq!(to.ip, LOOPBACK4);
        assert!(parse_sockaddr(AF_INET6, &raw, Purpose::DgramConnect).unwrap().is_some());
        assert_eq!(e(parse_sockaddr(AF_INET6, &raw, Purpose::Connect)), Errno::EINVAL);
    }

    #[test]
    fn loopback_routing() {
        assert_eq!(route(&ANY4).unwrap(), LOOPBACK4);
        assert_eq!(route(&Ipv6Addr::UNSPECIFIED).unwrap(), Ipv6Addr::LOCALHOST);
        let other = Ipv4Addr::new(127, 9, 8, 7).to_ipv6_mapped();
        assert_eq!(route(&other).unwrap(), other);
        assert_eq!(source_for(&other), LOOPBACK4);
        assert_eq!(source_for(&Ipv6Addr::LOCALHOST), Ipv6Addr::LOCALHOST);
        let ext = Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped();
        assert_eq!(route(&ext).unwrap_err().errno, kernel_abi::Errno::ENETUNREACH);
        assert!(route(&"2001:db8::1".parse().unwrap()).is_err());
        assert!(is_local(&ANY4) && is_local(&other) && !is_local(&ext));
        assert!(is_broadcast(&Ipv4Addr::BROADCAST.to_ipv6_mapped()));
        assert!(is_v4(&ANY4) && !is_v4(&Ipv6Addr::UNSPECIFIED));
    }
}
