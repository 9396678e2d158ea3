//! The kernel crates' error: an [`Errno`] plus an optional static message for logs.

use crate::Errno;

/// A system call error. The errno is the contract with the application; the message is
/// for `--strace` and debug logs only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    /// What the application sees.
    pub errno: Errno,
    /// Why, for humans.
    pub msg: Option<&'static str>,
}

impl Error {
    /// An error without a message.
    pub const fn new(errno: Errno) -> Self {
        Error { errno, msg: None }
    }
    /// An error with a message.
    pub const fn with_msg(errno: Errno, msg: &'static str) -> Self {
        Error { errno, msg: Some(msg) }
    }
}

impl From<Errno> for Error {
    fn from(errno: Errno) -> Self {
        Error::new(errno)
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.msg {
            Some(m) => write!(f, "{}: {m}", self.errno.name()),
            None => f.write_str(self.errno.name()),
        }
    }
}

/// Result of kernel operations.
pub type KResult<T> = core::result::Result<T, Error>;

/// `return_errno!(EINVAL)` or `return_errno!(EINVAL, "why")`.
#[macro_export]
macro_rules! return_errno {
    ($errno:ident) => {
        return Err($crate::error::Error::new($crate::Errno::$errno))
    };
    ($errno:ident, $msg:expr) => {
        return Err($crate::error::Error::with_msg($crate::Errno::$errno, $msg))
    };
}

/// `errno!(EINVAL)` or `errno!(EINVAL, "why")`: the error value, not a return.
#[macro_export]
macro_rules! errno {
    ($errno:ident) => {
        $crate::error::Error::new($crate::Errno::$errno)
    };
    ($errno:ident, $msg:expr) => {
        $crate::error::Error::with_msg($crate::Errno::$errno, $msg)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails(x: u32) -> KResult<u32> {
        if x == 0 {
            return_errno!(EINVAL, "zero");
        }
        if x == 1 {
            return_errno!(EBADF);
        }
        Ok(x)
    }

    #[test]
    fn macros_build_errors() {
        assert_eq!(fails(0), Err(Error::with_msg(Errno::EINVAL, "zero")));
        assert_eq!(fails(1).unwrap_err().errno, Errno::EBADF);
        assert_eq!(fails(2), Ok(2));
        assert_eq!(errno!(ENOENT, "x").to_string(), "ENOENT: x");
    }
}
