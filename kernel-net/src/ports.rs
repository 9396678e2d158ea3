//! The port table: which inet sockets hold which (protocol, address, port), the bind
//! conflict rules of Linux (`inet_csk_bind_conflict` for TCP, `udp_lib_lport_inuse` for
//! UDP, dual-stack wildcards and IPV6_V6ONLY, SO_REUSEADDR, SO_REUSEPORT), ephemeral
//! port allocation from `net.ipv4.ip_local_port_range`, and the lookup of the socket a
//! connection or datagram is for.
//!
//! The table is generic over what an entry refers to, so it can be tested alone; the
//! sockets keep weak references in it. It never calls back into sockets, so its lock is a
//! leaf taken under a socket's lock.

use std::collections::BTreeMap;
use std::net::Ipv6Addr;

use kernel_abi::{return_errno, KResult};

use crate::inet_addr::{is_any, is_v4, ANY4};

/// The first and last ephemeral ports (net.ipv4.ip_local_port_range).
pub const EPHEMERAL: (u16, u16) = (32768, 60999);

/// Transport protocols with separate port spaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

/// What a bind asks for, and the flags the conflict rules read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BindReq {
    /// The local address (a wildcard, or a specific one).
    pub ip: Ipv6Addr,
    /// The port; 0 picks an ephemeral one.
    pub port: u16,
    /// IPV6_V6ONLY of an AF_INET6 socket (a `::` wildcard then leaves IPv4 alone).
    pub v6only: bool,
    /// SO_REUSEADDR.
    pub reuseaddr: bool,
    /// SO_REUSEPORT.
    pub reuseport: bool,
    /// The owner's uid (SO_REUSEPORT shares only within one user).
    pub uid: u32,
}

struct Entry<T> {
    id: u64,
    req: BindReq,
    listening: bool,
    target: T,
}

/// The table of bound ports, for both protocols.
pub struct PortTable<T> {
    ports: BTreeMap<(Proto, u16), Vec<Entry<T>>>,
    /// Where the next ephemeral search starts (Linux starts at a random offset).
    cursor: u32,
}

impl<T> Default for PortTable<T> {
    fn default() -> Self {
        PortTable { ports: BTreeMap::new(), cursor: 0 }
    }
}

/// Whether a socket bound to `ip` (with `v6only`) receives what is addressed to `dst`.
pub fn covers(ip: &Ipv6Addr, v6only: bool, dst: &Ipv6Addr) -> bool {
    ip == dst || (*ip == ANY4 && is_v4(dst)) || (ip.is_unspecified() && (!is_v4(dst) || !v6only))
}

/// Whether two bindings claim some address in common.
fn overlap(a: &BindReq, b: &BindReq) -> bool {
    covers(&a.ip, a.v6only, &b.ip) || covers(&b.ip, b.v6only, &a.ip)
}

/// Whether binding `new` beside `old` (listening or not) breaks Linux's rules.
fn conflict(proto: Proto, new: &BindReq, old: &BindReq, old_listening: bool) -> bool {
    if !overlap(new, old) {
        return false;
    }
    if new.reuseport && old.reuseport && new.uid == old.uid {
        return false;
    }
    let reuse = new.reuseaddr && old.reuseaddr;
    match proto {
        Proto::Tcp => !reuse || old_listening,
        Proto::Udp => !reuse,
    }
}

impl<T: Clone> PortTable<T> {
    fn free_for(&self, proto: Proto, req: &BindReq, port: u16, exclude: u64) -> bool {
        self.ports
            .get(&(proto, port))
            .is_none_or(|es| es.iter().filter(|e| e.id != exclude).all(|e| !conflict(proto, req, &e.req, e.listening)))
    }

    /// Bind `req` for the socket `id`: its port, or EADDRINUSE (EAGAIN when no
    /// ephemeral port is left, as Linux's connect and bind-to-0 say).
    pub fn bind(&mut self, proto: Proto, req: BindReq, id: u64, target: T) -> KResult<u16> {
        let port = if req.port != 0 {
            if !self.free_for(proto, &req, req.port, id) {
                return_errno!(EADDRINUSE);
            }
            req.port
        } else {
            self.ephemeral(proto, &req)?
        };
        let req = BindReq { port, ..req };
        self.ports.entry((proto, port)).or_default().push(Entry { id, req, listening: false, target });
        Ok(port)
    }

    /// A port in the ephemeral range that nothing holds (or, failing that, one `req`
    /// may share).
    fn ephemeral(&mut self, proto: Proto, req: &BindReq) -> KResult<u16> {
        let (lo, hi) = EPHEMERAL;
        let n = u32::from(hi - lo) + 1;
        // A stride coprime with the range's size walks all of it in a scattered order.
        self.cursor = self.cursor.wrapping_add(7919) % n;
        let start = self.cursor;
        for pass in 0..2 {
            for i in 0..n {
                let port = lo + ((start + i) % n) as u16;
                let empty = self.ports.get(&(proto, port)).is_none_or(|es| es.is_empty());
                if (pass == 0 && empty) || (pass == 1 && self.free_for(proto, req, port, u64::MAX)) {
                    return Ok(port);
                }
            }
        }
        return_errno!(EAGAIN, "no ephemeral port left")
    }

    /// Add a binding without checking the rules: an accepted connection shares its
    /// listener's port (Linux's `inet_inherit_port`).
    pub fn attach(&mut self, proto: Proto, req: BindReq, id: u64, target: T) {
        self.ports.entry((proto, req.port)).or_default().push(Entry { id, req, listening: false, target });
    }

    /// Forget the binding of socket `id` on `port`.
    pub fn unbind(&mut self, proto: Proto, port: u16, id: u64) {
        if let Some(es) = self.ports.get_mut(&(proto, port)) {
            es.retain(|e| e.id != id);
            if es.is_empty() {
                self.ports.remove(&(proto, port));
            }
        }
    }

    fn entry_mut(&mut self, proto: Proto, port: u16, id: u64) -> Option<&mut Entry<T>> {
        self.ports.get_mut(&(proto, port))?.iter_mut().find(|e| e.id == id)
    }

    /// The socket starts (or stops) listening. Starting checks the rules again, now
    /// that SO_REUSEADDR no longer shares with it: EADDRINUSE if another socket holds
    /// the port in a way only a non-listening socket may share.
    pub fn set_listening(&mut self, proto: Proto, port: u16, id: u64, on: bool) -> KResult<()> {
        if on {
            let Some(me) = self.entry_mut(proto, port, id).map(|e| e.req) else { return_errno!(EINVAL) };
            if !self.free_for(proto, &me, port, id) {
                return_errno!(EADDRINUSE);
            }
        }
        if let Some(e) = self.entry_mut(proto, port, id) {
            e.listening = on;
        }
        Ok(())
    }

    /// SO_REUSEADDR or SO_REUSEPORT changed on a bound socket.
    pub fn set_reuse(&mut self, proto: Proto, port: u16, id: u64, reuseaddr: bool, reuseport: bool) {
        if let Some(e) = self.entry_mut(proto, port, id) {
            e.req.reuseaddr = reuseaddr;
            e.req.reuseport = reuseport;
        }
    }

    /// The sockets bound to `port` that receive what is addressed to `dst`, best first:
    /// a specific address before a wildcard, an IPv4 socket before a dual-stack one for
    /// IPv4, then the most recently bound. With `listening`, only listening sockets.
    pub fn lookup(&self, proto: Proto, dst: &Ipv6Addr, port: u16, listening: bool) -> Vec<T> {
        let Some(es) = self.ports.get(&(proto, port)) else { return Vec::new() };
        let mut found: Vec<(u32, usize, &Entry<T>)> = es
            .iter()
            .enumerate()
            .filter(|(_, e)| covers(&e.req.ip, e.req.v6only, dst) && (!listening || e.listening))
            .map(|(i, e)| {
                let score = if is_any(&e.req.ip) { 0 } else { 2 } + u32::from(is_v4(&e.req.ip) == is_v4(dst));
                (score, i, e)
            })
            .collect();
        found.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        found.into_iter().map(|(_, _, e)| e.target.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inet_addr::LOOPBACK4;
    use kernel_abi::Errno;

    fn req(ip: Ipv6Addr, port: u16) -> BindReq {
        BindReq { ip, port, v6only: false, reuseaddr: false, reuseport: false, uid: 0 }
    }

    #[test]
    fn ephemeral_ports_are_in_range_and_distinct() {
        let mut t = PortTable::<u64>::default();
        let mut seen = std::collections::BTreeSet::new();
        for id in 0..2000 {
            let p = t.bind(Proto::Tcp, req(ANY4, 0), id, id).unwrap();
            assert!((EPHEMERAL.0..=EPHEMERAL.1).contains(&p));
            assert!(seen.insert(p), "port {p} handed out twice");
        }
        // The other protocol has its own ports.
        let p = *seen.iter().next().unwrap();
        assert!(t.bind(Proto::Udp, req(ANY4, p), 9999, 9999).is_ok());
    }

    #[test]
    fn the_range_runs_out_with_eagain() {
        let mut t = PortTable::<u64>::default();
        let n = u64::from(EPHEMERAL.1 - EPHEMERAL.0) + 1;
        for id in 0..n {
            t.bind(Proto::Udp, req(ANY4, 0), id, id).unwrap();
        }
        assert_eq!(t.bind(Proto::Udp, req(ANY4, 0), n, n).unwrap_err().errno, Errno::EAGAIN);
        // Whoever holds the first port gives it back.
        let holder = t.lookup(Proto::Udp, &LOOPBACK4, EPHEMERAL.0, false)[0];
        t.unbind(Proto::Udp, EPHEMERAL.0, holder);
        assert_eq!(t.bind(Proto::Udp, req(ANY4, 0), n, n).unwrap(), EPHEMERAL.0);
    }

    #[test]
    fn wildcards_conflict_across_families_unless_v6only() {
        let mut t = PortTable::<u64>::default();
        t.bind(Proto::Tcp, req(Ipv6Addr::UNSPECIFIED, 5000), 1, 1).unwrap();
        assert_eq!(t.bind(Proto::Tcp, req(ANY4, 5000), 2, 2).unwrap_err().errno, Errno::EADDRINUSE);
        assert!(t.bind(Proto::Tcp, req(LOOPBACK4, 5000), 2, 2).is_err());
        let mut t = PortTable::<u64>::default();
        t.bind(Proto::Tcp, BindReq { v6only: true, ..req(Ipv6Addr::UNSPECIFIED, 5000) }, 1, 1).unwrap();
        assert!(t.bind(Proto::Tcp, req(ANY4, 5000), 2, 2).is_ok());
        assert!(t.bind(Proto::Tcp, req(Ipv6Addr::LOCALHOST, 5000), 3, 3).is_err());
        let other = std::net::Ipv4Addr::new(127, 0, 0, 2).to_ipv6_mapped();
        let mut t = PortTable::<u64>::default();
        t.bind(Proto::Udp, req(LOOPBACK4, 7), 1, 1).unwrap();
        assert!(t.bind(Proto::Udp, req(other, 7), 2, 2).is_ok());
    }

    #[test]
    fn reuseaddr_shares_until_listen_and_reuseport_shares_listeners() {
        let reuse = |ip, port| BindReq { reuseaddr: true, ..req(ip, port) };
        let mut t = PortTable::<u64>::default();
        t.bind(Proto::Tcp, req(LOOPBACK4, 6000), 1, 1).unwrap();
        assert!(t.bind(Proto::Tcp, reuse(LOOPBACK4, 6000), 2, 2).is_err(), "both must set it");
        t.set_reuse(Proto::Tcp, 6000, 1, true, false);
        t.bind(Proto::Tcp, reuse(LOOPBACK4, 6000), 2, 2).unwrap();
        t.set_listening(Proto::Tcp, 6000, 1, true).unwrap();
        assert_eq!(t.set_listening(Proto::Tcp, 6000, 2, true).unwrap_err().errno, Errno::EADDRINUSE);
        assert!(t.bind(Proto::Tcp, reuse(ANY4, 6000), 3, 3).is_err(), "a listener keeps its port");
        assert_eq!(t.lookup(Proto::Tcp, &LOOPBACK4, 6000, true), vec![1]);

        let rp = |uid| BindReq { reuseport: true, uid, ..req(LOOPBACK4, 6001) };
        t.bind(Proto::Tcp, rp(0), 10, 10).unwrap();
        t.set_listening(Proto::Tcp, 6001, 10, true).unwrap();
        t.bind(Proto::Tcp, rp(0), 11, 11).unwrap();
        t.set_listening(Proto::Tcp, 6001, 11, true).unwrap();
        assert!(t.bind(Proto::Tcp, rp(1000), 12, 12).is_err(), "another user may not share");
        assert!(t.bind(Proto::Tcp, req(LOOPBACK4, 6001), 13, 13).is_err());

        // UDP shares with SO_REUSEADDR on both whatever they do.
        t.bind(Proto::Udp, reuse(ANY4, 6000), 20, 20).unwrap();
        t.bind(Proto::Udp, reuse(LOOPBACK4, 6000), 21, 21).unwrap();
        assert!(t.bind(Proto::Udp, req(LOOPBACK4, 6000), 22, 22).is_err());
    }

    #[test]
    fn lookup_prefers_the_most_specific_binding() {
        let mut t = PortTable::<u64>::default();
        let reuse = |ip| BindReq { reuseaddr: true, ..req(ip, 53) };
        t.bind(Proto::Udp, reuse(ANY4), 1, 1).unwrap();
        t.bind(Proto::Udp, reuse(LOOPBACK4), 2, 2).unwrap();
        t.bind(Proto::Udp, BindReq { v6only: true, ..reuse(Ipv6Addr::UNSPECIFIED) }, 3, 3).unwrap();
        assert_eq!(t.lookup(Proto::Udp, &LOOPBACK4, 53, false), vec![2, 1]);
        assert_eq!(t.lookup(Proto::Udp, &Ipv6Addr::LOCALHOST, 53, false), vec![3]);
        assert!(t.lookup(Proto::Udp, &LOOPBACK4, 54, false).is_empty());
        assert!(t.lookup(Proto::Udp, &LOOPBACK4, 53, true).is_empty());
        t.unbind(Proto::Udp, 53, 2);
        assert_eq!(t.lookup(Proto::Udp, &LOOPBACK4, 53, false), vec![1]);
    }
}
