//! Unix socket addresses (`struct sockaddr_un`): parsing what the application passes and
//! encoding what getsockname, getpeername and recvfrom return.

use kernel_abi::{return_errno, KResult};

use crate::abi::{AF_UNIX, SOCKADDR_UN_LEN, SUN_PATH_OFFSET};

/// The name of a unix socket.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum UnixAddr {
    /// Not bound.
    #[default]
    Unnamed,
    /// A name in the abstract namespace (without the leading NUL; may hold NULs).
    Abstract(Vec<u8>),
    /// A filesystem path as given to bind (without a terminating NUL).
    Path(Vec<u8>),
}

/// What an application's `sockaddr_un` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddrRequest {
    /// Only the family: bind picks an abstract name (autobind).
    Autobind,
    /// An abstract name.
    Abstract(Vec<u8>),
    /// A filesystem path.
    Path(Vec<u8>),
}

impl UnixAddr {
    /// The `sockaddr_un` bytes Linux returns for this name (its length is the address
    /// length reported).
    pub fn to_sockaddr(&self) -> Vec<u8> {
        let mut v = AF_UNIX.to_ne_bytes().to_vec();
        match self {
            UnixAddr::Unnamed => {}
            UnixAddr::Abstract(n) => {
                v.push(0);
                v.extend_from_slice(n);
            }
            UnixAddr::Path(p) => {
                v.extend_from_slice(p);
                v.push(0);
            }
        }
        v
    }

    /// What recvfrom and accept report for a sender with this name: nothing for an
    /// unnamed one, as Linux.
    pub fn sender_sockaddr(&self) -> Vec<u8> {
        match self {
            UnixAddr::Unnamed => Vec::new(),
            a => a.to_sockaddr(),
        }
    }
}

/// Parse a `sockaddr_un` of `raw.len()` bytes (the length the application gave), as
/// Linux's `unix_validate_addr` and `unix_mkname_bsd`: EINVAL for a wrong family or
/// length. A path ends at its first NUL.
pub fn parse_sockaddr(raw: &[u8]) -> KResult<AddrRequest> {
    if raw.len() < SUN_PATH_OFFSET || raw.len() > SOCKADDR_UN_LEN {
        return_errno!(EINVAL);
    }
    if u16::from_ne_bytes([raw[0], raw[1]]) != AF_UNIX {
        return_errno!(EINVAL);
    }
    let path = &raw[SUN_PATH_OFFSET..];
    match path.first() {
        None => Ok(AddrRequest::Autobind),
        Some(0) => Ok(AddrRequest::Abstract(path[1..].to_vec())),
        Some(_) => {
            let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
            Ok(AddrRequest::Path(path[..end].to_vec()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(tail: &[u8]) -> Vec<u8> {
        let mut v = AF_UNIX.to_ne_bytes().to_vec();
        v.extend_from_slice(tail);
        v
    }

    #[test]
    fn parse_and_encode() {
        assert_eq!(parse_sockaddr(&sa(b"")).unwrap(), AddrRequest::Autobind);
        assert_eq!(parse_sockaddr(&sa(b"\0ab\0c")).unwrap(), AddrRequest::Abstract(b"ab\0c".to_vec()));
        assert_eq!(parse_sockaddr(&sa(b"/tmp/x\0junk")).unwrap(), AddrRequest::Path(b"/tmp/x".to_vec()));
        assert!(parse_sockaddr(&[1]).is_err());
        assert!(parse_sockaddr(&[2, 0, b'a']).is_err(), "AF_INET is not a unix address");
        assert!(parse_sockaddr(&[1u8; 111]).is_err());
        assert_eq!(UnixAddr::Unnamed.to_sockaddr().len(), 2);
        assert_eq!(UnixAddr::Abstract(b"xy".to_vec()).to_sockaddr(), sa(b"\0xy"));
        assert_eq!(UnixAddr::Path(b"/a".to_vec()).to_sockaddr(), sa(b"/a\0"));
    }
}
