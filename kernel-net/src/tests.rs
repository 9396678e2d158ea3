//! Unit tests of unix sockets, against the file-description interface.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use kernel_abi::flags::poll::*;
use kernel_abi::Errno;
use kernel_fs::pipe::Waker;
use kernel_fs::File;

use crate::common::DEFAULT_BUF;
use crate::unix::*;

const ME: Ucred = Ucred { pid: 7, uid: 1000, gid: 1000 };

fn sock(f: &Arc<File>) -> &UnixSocket {
    as_socket(f).expect("a unix socket")
}

fn errno<T>(r: kernel_abi::KResult<T>) -> Errno {
    match r {
        Err(e) => e.errno,
        Ok(_) => panic!("expected an error"),
    }
}

struct Count(AtomicUsize);
impl Waker for Count {
    fn wake(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn stream_pair_bytes_shutdown_and_close() {
    let (a, b) = socketpair(SockType::Stream, false, ME);
    let mut buf = [0u8; 16];
    assert_eq!(errno(b.read(&mut buf)), Errno::EAGAIN);
    let w = Arc::new(Count(AtomicUsize::new(0)));
    let id = b.add_waiter(w.clone()).unwrap();
    assert_eq!(a.write(b"hello").unwrap(), 5);
    assert_eq!(a.write(b" world").unwrap(), 6);
    assert!(w.0.load(Ordering::SeqCst) >= 1);
    b.remove_waiter(id);
    assert_ne!(b.poll() & POLLIN, 0);
    let r = sock(&b).recv(&mut buf[..3], true).unwrap();
    assert_eq!((r.len, &buf[..3]), (3, &b"hel"[..]), "peek");
    assert_eq!(b.read(&mut buf).unwrap(), 11, "segments are joined");
    assert_eq!(&buf[..11], b"hello world");
    sock(&a).shutdown(crate::abi::SHUT_WR).unwrap();
    assert_eq!(b.read(&mut buf).unwrap(), 0, "EOF after the peer's SHUT_WR");
    assert_eq!(errno(a.write(b"x")), Errno::EPIPE);
    assert_ne!(b.poll() & POLLRDHUP, 0);
    b.write(b"late").unwrap();
    drop(a);
    assert_eq!(errno(b.write(b"x")), Errno::EPIPE, "the peer is gone");
    assert_ne!(b.poll() & POLLHUP, 0);
    assert_eq!(errno(sock(&b).recv(&mut buf, false)), Errno::ECONNRESET, "the peer closed with unread data");
    assert_eq!(b.read(&mut buf).unwrap(), 0);
}

#[test]
fn send_buffer_charges_the_sender() {
    let (a, b) = socketpair(SockType::Stream, true, ME);
    let big = vec![7u8; DEFAULT_BUF + 10];
    assert_eq!(a.write(&big).unwrap(), DEFAULT_BUF);
    assert_eq!(errno(a.write(b"x")), Errno::EAGAIN);
    assert_eq!(a.poll() & POLLOUT, 0);
    let mut buf = vec![0u8; DEFAULT_BUF];
    assert_eq!(b.read(&mut buf).unwrap(), DEFAULT_BUF);
    assert_ne!(a.poll() & POLLOUT, 0, "writable again once read");
}

#[test]
fn datagram_and_seqpacket_boundaries() {
    for kind in [SockType::Dgram, SockType::SeqPacket] {
        let (a, b) = socketpair(kind, false, ME);
        a.write(b"one").unwrap();
        a.write(b"").unwrap();
        a.write(b"three").unwrap();
        let mut buf = [0u8; 2];
        let r = sock(&b).recv(&mut buf, false).unwrap();
        assert!(r.truncated && r.len == 2 && r.full_len == 3, "{kind:?}");
        assert_eq!(sock(&b).recv(&mut buf, false).unwrap().full_len, 0, "an empty message is a message");
        let mut big = [0u8; 16];
        assert_eq!(b.read(&mut big).unwrap(), 5);
    }
}

#[test]
fn rights_travel_with_the_data() {
    let (a, b) = socketpair(SockType::Stream, false, ME);
    let (extra, _keep) = socketpair(SockType::Dgram, false, ME);
    let mut rights = vec![extra.clone()];
    sock(&a).send(b"ab", None, &mut rights, ME).unwrap();
    assert!(rights.is_empty());
    a.write(b"cd").unwrap();
    let mut buf = [0u8; 8];
    let r = sock(&b).recv(&mut buf, false).unwrap();
    assert_eq!(r.len, 2, "a read stops after data carrying rights");
    assert_eq!(r.rights.len(), 1);
    assert!(Arc::ptr_eq(&r.rights[0], &extra));
    assert_eq!(sock(&b).recv(&mut buf, false).unwrap().len, 2);
}

#[test]
fn abstract_listen_connect_accept_and_creds() {
    let srv = new_socket(SockType::Stream, false, ME);
    let name = b"kernel-net-test-abstract".to_vec();
    sock(&srv).bind(BindTo::Abstract(name.clone())).unwrap();
    let other = new_socket(SockType::Stream, false, ME);
    assert_eq!(errno(sock(&other).bind(BindTo::Abstract(name.clone()))), Errno::EADDRINUSE);
    let cli = new_socket(SockType::Stream, true, ME);
    assert_eq!(errno(sock(&cli).connect(Some(Target::Abstract(name.clone())), ME)), Errno::ECONNREFUSED);
    let lcred = Ucred { pid: 1, uid: 0, gid: 0 };
    sock(&srv).listen(0, lcred).unwrap();
    assert_eq!(errno(sock(&srv).accept(false)), Errno::EAGAIN);
    sock(&cli).connect(Some(Target::Abstract(name.clone())), ME).unwrap();
    assert_eq!(errno(sock(&cli).connect(Some(Target::Abstract(name.clone())), ME)), Errno::EISCONN);
    let c2 = new_socket(SockType::Stream, true, ME);
    assert_eq!(
        errno(sock(&c2).connect(Some(Target::Abstract(name.clone())), ME)),
        Errno::EAGAIN,
        "a backlog of 0 holds one connection, as Linux"
    );
    assert_ne!(srv.poll() & POLLIN, 0);
    let conn = sock(&srv).accept(false).unwrap();
    let peercred = sock(&cli).getsockopt(crate::abi::SOL_SOCKET, crate::abi::SO_PEERCRED).unwrap();
    assert_eq!(peercred, lcred.to_bytes());
    let peercred = sock(&conn).getsockopt(crate::abi::SOL_SOCKET, crate::abi::SO_PEERCRED).unwrap();
    assert_eq!(peercred, ME.to_bytes());
    cli.write(b"ping").unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(conn.read(&mut buf).unwrap(), 4);
    assert_eq!(sock(&conn).local_addr(), crate::addr::UnixAddr::Abstract(name.clone()));
    sock(&c2).connect(Some(Target::Abstract(name.clone())), ME).unwrap();
    drop(srv);
    drop(other);
    assert_eq!(errno(c2.read(&mut buf)), Errno::ECONNRESET, "its queued connection was discarded");
    let again = new_socket(SockType::Stream, false, ME);
    sock(&again).bind(BindTo::Abstract(name)).unwrap();
}

#[test]
fn datagram_addressing() {
    let a = new_socket(SockType::Dgram, true, ME);
    let b = new_socket(SockType::Dgram, true, ME);
    sock(&b).bind(BindTo::Autobind).unwrap();
    let crate::addr::UnixAddr::Abstract(bname) = sock(&b).local_addr() else { panic!("autobind names") };
    assert_eq!(bname.len(), 5);
    assert_eq!(errno(a.write(b"x")), Errno::ENOTCONN);
    let n = sock(&a).send(b"hi", Some(Target::Abstract(bname.clone())), &mut Vec::new(), ME).unwrap();
    assert_eq!(n, 2);
    for _ in 0..20 {
        if sock(&a).send(b"x", Some(Target::Abstract(bname.clone())), &mut Vec::new(), ME).is_err() {
            break;
        }
    }
    assert_eq!(
        errno(sock(&a).send(b"x", Some(Target::Abstract(bname.clone())), &mut Vec::new(), ME)),
        Errno::EAGAIN,
        "an unconnected receiver queues a bounded number of messages"
    );
    let stream = new_socket(SockType::Stream, false, ME);
    assert_eq!(
        errno(sock(&stream).connect(Some(Target::Abstract(bname)), ME)),
        Errno::ECONNREFUSED,
        "abstract names are per socket type"
    );
}
