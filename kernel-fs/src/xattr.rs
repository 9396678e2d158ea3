//! Extended attributes of tmpfs nodes (and so of the overlay's upper layer): the
//! `user.` and `trusted.` namespaces, with Linux's flags, limits and errors. Which
//! namespaces a caller may use (trusted.* needs CAP_SYS_ADMIN, user.* only regular
//! files and directories) is decided by [`check_access`]; the map only stores.

use std::collections::BTreeMap;

use kernel_abi::{return_errno, KResult};

/// Longest attribute name (XATTR_NAME_MAX).
pub const NAME_MAX: usize = 255;
/// Largest attribute value (XATTR_SIZE_MAX).
pub const SIZE_MAX: usize = 65536;
/// Largest list of names (XATTR_LIST_MAX).
pub const LIST_MAX: usize = 65536;
/// setxattr: fail if the attribute exists.
pub const XATTR_CREATE: u32 = 1;
/// setxattr: fail unless the attribute exists.
pub const XATTR_REPLACE: u32 = 2;

const USER: &[u8] = b"user.";
const TRUSTED: &[u8] = b"trusted.";

/// The namespaces stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Namespace {
    /// `user.*`.
    User,
    /// `trusted.*`.
    Trusted,
}

/// The namespace of `name`: EOPNOTSUPP for the ones not supported (security.*,
/// system.*, anything else), EINVAL for a bare prefix.
pub fn namespace(name: &[u8]) -> KResult<Namespace> {
    let (ns, rest) = if let Some(r) = name.strip_prefix(USER) {
        (Namespace::User, r)
    } else if let Some(r) = name.strip_prefix(TRUSTED) {
        (Namespace::Trusted, r)
    } else {
        return_errno!(EOPNOTSUPP);
    };
    if rest.is_empty() {
        return_errno!(EINVAL);
    }
    Ok(ns)
}

/// Linux's xattr_permission for the namespaces themselves: trusted.* needs
/// `cap_sys_admin`, user.* exists only on regular files and directories (and a sticky
/// directory's only for its owner, `owner`). A write refused is EPERM, a read ENODATA.
pub fn check_access(name: &[u8], mode: u32, owner: bool, cap_sys_admin: bool, write: bool) -> KResult<()> {
    use kernel_abi::flags::mode::*;
    let refuse = || kernel_abi::Error::new(if write { kernel_abi::Errno::EPERM } else { kernel_abi::Errno::ENODATA });
    if name.starts_with(TRUSTED) && !cap_sys_admin {
        return Err(refuse());
    }
    if name.starts_with(USER) {
        let t = mode & S_IFMT;
        if t != S_IFREG && t != S_IFDIR {
            return Err(refuse());
        }
        if t == S_IFDIR && mode & S_ISVTX != 0 && !owner {
            return Err(refuse());
        }
    }
    Ok(())
}

/// A node's attributes.
#[derive(Default, Debug)]
pub struct Xattrs {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl Xattrs {
    /// setxattr with XATTR_CREATE / XATTR_REPLACE.
    pub fn set(&mut self, name: &[u8], value: &[u8], flags: u32) -> KResult<()> {
        namespace(name)?;
        if value.len() > SIZE_MAX {
            return_errno!(E2BIG);
        }
        let exists = self.map.contains_key(name);
        if flags & XATTR_CREATE != 0 && exists {
            return_errno!(EEXIST);
        }
        if flags & XATTR_REPLACE != 0 && !exists {
            return_errno!(ENODATA);
        }
        self.map.insert(name.to_vec(), value.to_vec());
        Ok(())
    }

    /// getxattr: the value, copied into `buf` unless `buf` is empty (a size query);
    /// ERANGE if it does not fit. Returns the value's length.
    pub fn get(&self, name: &[u8], buf: &mut [u8]) -> KResult<usize> {
        namespace(name)?;
        let Some(v) = self.map.get(name) else { return_errno!(ENODATA) };
        if buf.is_empty() {
            return Ok(v.len());
        }
        if buf.len() < v.len() {
            return_errno!(ERANGE);
        }
        buf[..v.len()].copy_from_slice(v);
        Ok(v.len())
    }

    /// removexattr.
    pub fn remove(&mut self, name: &[u8]) -> KResult<()> {
        namespace(name)?;
        match self.map.remove(name) {
            Some(_) => Ok(()),
            None => return_errno!(ENODATA),
        }
    }

    /// listxattr: the names (NUL-terminated, one after another) the caller may see
    /// (trusted.* only with `cap_sys_admin`).
    pub fn list(&self, cap_sys_admin: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for name in self.map.keys() {
            if name.starts_with(TRUSTED) && !cap_sys_admin {
                continue;
            }
            out.extend_from_slice(name);
            out.push(0);
        }
        out
    }
}

/// Copy a list of names into `buf` as listxattr does: its length for an empty `buf`,
/// ERANGE if it does not fit (E2BIG beyond the largest list Linux returns).
pub fn fill_list(list: &[u8], buf: &mut [u8]) -> KResult<usize> {
    if list.len() > LIST_MAX {
        return_errno!(E2BIG);
    }
    if buf.is_empty() {
        return Ok(list.len());
    }
    if buf.len() < list.len() {
        return_errno!(ERANGE);
    }
    buf[..list.len()].copy_from_slice(list);
    Ok(list.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel_abi::flags::mode::*;
    use kernel_abi::Errno;

    #[test]
    fn set_get_flags_and_sizes() {
        let mut x = Xattrs::default();
        assert_eq!(x.get(b"user.a", &mut []).unwrap_err().errno, Errno::ENODATA);
        assert_eq!(x.set(b"user.a", b"v", XATTR_REPLACE).unwrap_err().errno, Errno::ENODATA);
        x.set(b"user.a", b"value", XATTR_CREATE).unwrap();
        assert_eq!(x.set(b"user.a", b"w", XATTR_CREATE).unwrap_err().errno, Errno::EEXIST);
        assert_eq!(x.get(b"user.a", &mut []).unwrap(), 5, "size query");
        let mut small = [0u8; 4];
        assert_eq!(x.get(b"user.a", &mut small).unwrap_err().errno, Errno::ERANGE);
        let mut buf = [0u8; 16];
        assert_eq!(x.get(b"user.a", &mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"value");
        x.set(b"user.a", b"", XATTR_REPLACE).unwrap();
        assert_eq!(x.get(b"user.a", &mut buf).unwrap(), 0, "empty values exist");
        assert_eq!(x.set(b"user.big", &vec![0u8; SIZE_MAX + 1], 0).unwrap_err().errno, Errno::E2BIG);
        x.set(b"user.max", &vec![1u8; SIZE_MAX], 0).unwrap();
        assert_eq!(x.set(b"security.x", b"v", 0).unwrap_err().errno, Errno::EOPNOTSUPP);
        assert_eq!(x.set(b"other", b"v", 0).unwrap_err().errno, Errno::EOPNOTSUPP);
        assert_eq!(x.set(b"user.", b"v", 0).unwrap_err().errno, Errno::EINVAL);
        x.remove(b"user.a").unwrap();
        assert_eq!(x.remove(b"user.a").unwrap_err().errno, Errno::ENODATA);
    }

    #[test]
    fn listing_hides_trusted_without_the_capability() {
        let mut x = Xattrs::default();
        x.set(b"user.b", b"1", 0).unwrap();
        x.set(b"trusted.t", b"2", 0).unwrap();
        x.set(b"user.a", b"3", 0).unwrap();
        assert_eq!(x.list(true), b"trusted.t\0user.a\0user.b\0");
        let l = x.list(false);
        assert_eq!(l, b"user.a\0user.b\0");
        assert_eq!(fill_list(&l, &mut []).unwrap(), l.len());
        assert_eq!(fill_list(&l, &mut [0u8; 3]).unwrap_err().errno, Errno::ERANGE);
    }

    #[test]
    fn namespace_rules() {
        assert_eq!(check_access(b"trusted.x", S_IFREG, true, false, true).unwrap_err().errno, Errno::EPERM);
        assert_eq!(check_access(b"trusted.x", S_IFREG, true, false, false).unwrap_err().errno, Errno::ENODATA);
        assert!(check_access(b"trusted.x", S_IFREG, true, true, true).is_ok());
        assert_eq!(check_access(b"user.x", S_IFLNK, true, true, true).unwrap_err().errno, Errno::EPERM);
        assert_eq!(check_access(b"user.x", S_IFIFO, true, true, false).unwrap_err().errno, Errno::ENODATA);
        assert!(check_access(b"user.x", S_IFDIR | 0o755, false, false, true).is_ok());
        assert_eq!(check_access(b"user.x", S_IFDIR | S_ISVTX, false, false, true).unwrap_err().errno, Errno::EPERM);
    }
}
