//! Character devices implemented by the Sentry, and the synthetic directories that hide
//! the host's /dev, /proc and /sys.

use std::sync::Arc;

use kernel_abi::flags::mode::S_IFCHR;
use kernel_abi::{return_errno, KResult, Stat};

use crate::{Dentry, FileOps, Inode};

/// A device node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    /// /dev/null
    Null,
    /// /dev/zero
    Zero,
    /// /dev/full
    Full,
    /// /dev/random
    Random,
    /// /dev/urandom
    Urandom,
    /// /dev/tty: the opener's controlling terminal (the process layer opens it; the node
    /// alone is ENXIO, as for a process without one).
    Tty,
}

impl Device {
    fn rdev(self) -> (u32, u32) {
        match self {
            Device::Null => (1, 3),
            Device::Zero => (1, 5),
            Device::Full => (1, 7),
            Device::Random => (1, 8),
            Device::Urandom => (1, 9),
            Device::Tty => (5, 0),
        }
    }

    /// stat of the device node.
    pub fn stat(self) -> Stat {
        let (ma, mi) = self.rdev();
        Stat {
            st_mode: S_IFCHR | 0o666,
            st_nlink: 1,
            st_rdev: libc::makedev(ma, mi),
            st_ino: u64::from(ma - 1) * 64 + u64::from(mi) + 100,
            st_blksize: 4096,
            ..Default::default()
        }
    }
}

/// An open device.
pub struct DeviceFile(Device);

impl DeviceFile {
    /// Open `d`.
    pub fn new(d: Device) -> Self {
        DeviceFile(d)
    }

    /// Open the node `d` (ENXIO for /dev/tty, which only a process's controlling
    /// terminal can stand for).
    pub fn open(d: Device) -> KResult<Self> {
        if d == Device::Tty {
            return_errno!(ENXIO);
        }
        Ok(DeviceFile(d))
    }
}

/// Fill `buf` with random bytes from the host.
pub fn fill_random(buf: &mut [u8]) -> KResult<()> {
    let mut done = 0;
    while done < buf.len() {
        match getrandom(&mut buf[done..]) {
            Ok(n) => done += n,
            Err(e) if e.errno == kernel_abi::Errno::EINTR => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[allow(unsafe_code)]
fn getrandom(buf: &mut [u8]) -> KResult<usize> {
    // SAFETY: `buf` is writable for its length.
    let r = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    if r < 0 {
        return_errno!(EIO, "host getrandom failed");
    }
    Ok(r as usize)
}

impl FileOps for DeviceFile {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        self.pread(buf, 0)
    }

    fn pread(&self, buf: &mut [u8], _off: u64) -> KResult<usize> {
        match self.0 {
            Device::Null => Ok(0),
            Device::Zero | Device::Full => {
                buf.fill(0);
                Ok(buf.len())
            }
            Device::Random | Device::Urandom => {
                fill_random(buf)?;
                Ok(buf.len())
            }
            Device::Tty => return_errno!(EIO),
        }
    }

    fn write(&self, buf: &[u8], _append: bool) -> KResult<usize> {
        self.pwrite(buf, 0)
    }

    fn pwrite(&self, buf: &[u8], _off: u64) -> KResult<usize> {
        match self.0 {
            Device::Full => return_errno!(ENOSPC),
            Device::Tty => return_errno!(EIO),
            _ => Ok(buf.len()),
        }
    }

    fn seek(&self, _off: i64, _whence: u32) -> KResult<u64> {
        Ok(0)
    }

    fn stat(&self) -> KResult<Stat> {
        Ok(self.0.stat())
    }
}

/// Shadow the host's /dev, /proc and /sys under `root` with the Sentry's own: a /dev with
/// the basic devices, /dev/tty, /dev/ptmx and a devpts at /dev/pts, and empty /proc and
/// /sys (the kernel mounts its procfs over /proc, and [`crate::sysfs::mount`] a sysfs
/// over /sys).
pub fn mount_synthetic(root: &Arc<Dentry>) {
    let dev = Dentry::new_child(root, b"dev", Inode::Dir);
    for (name, d) in [
        ("null", Device::Null),
        ("zero", Device::Zero),
        ("full", Device::Full),
        ("random", Device::Random),
        ("urandom", Device::Urandom),
        ("tty", Device::Tty),
    ] {
        dev.attach(Dentry::new_child(&dev, name.as_bytes(), Inode::Device(d)));
    }
    let devpts = crate::pty::DevPts::new();
    let ptmx = crate::pty::PtsNode::Ptmx { devpts: devpts.clone(), in_devpts: false };
    dev.attach(Dentry::new_child(&dev, b"ptmx", Inode::Pts(ptmx)));
    dev.attach(Dentry::new_child(&dev, b"pts", Inode::Pts(crate::pty::PtsNode::Root(devpts))));
    root.attach(dev);
    root.attach(Dentry::new_child(root, b"proc", Inode::Dir));
    root.attach(Dentry::new_child(root, b"sys", Inode::Dir));
}
