//! Dentries: named nodes of the sandbox's file tree.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use kernel_abi::flags::mode::*;
use kernel_abi::flags::open::*;
use kernel_abi::{return_errno, KResult, Stat};

use crate::dev::{Device, DeviceFile};
use crate::host::HostInode;
use crate::{File, FileOps};

/// What a dentry names.
pub enum Inode {
    /// A file or directory of the host filesystem.
    Host(HostInode),
    /// A directory made by the Sentry whose children are fixed (mount points like /dev).
    Dir,
    /// A character device implemented by the Sentry.
    Device(Device),
}

/// Children of a dentry: attached ones (the Sentry's own, shadowing host names: the
/// foundation's stand-in for mounts) are held; looked-up host ones are only remembered
/// while something else holds them (an open file, a cwd, a child, or the filesystem's
/// small set of recent lookups), so the host O_PATH fds they carry stay bounded.
#[derive(Default)]
struct Children {
    attached: HashMap<Vec<u8>, Arc<Dentry>>,
    cached: HashMap<Vec<u8>, Weak<Dentry>>,
    /// Size of `cached` after the last sweep of dead entries.
    swept: usize,
}

/// A name in the tree.
pub struct Dentry {
    name: Vec<u8>,
    parent: Option<Arc<Dentry>>,
    inode: Inode,
    children: Mutex<Children>,
}

impl Dentry {
    /// A root dentry.
    pub fn new_root(inode: Inode) -> Arc<Dentry> {
        Arc::new(Dentry { name: Vec::new(), parent: None, inode, children: Mutex::new(Children::default()) })
    }

    /// A child of `parent`, not yet attached.
    pub fn new_child(parent: &Arc<Dentry>, name: &[u8], inode: Inode) -> Arc<Dentry> {
        Arc::new(Dentry {
            name: name.to_vec(),
            parent: Some(parent.clone()),
            inode,
            children: Mutex::new(Children::default()),
        })
    }

    /// Attach `child` under its name, shadowing any host entry of that name.
    pub fn attach(self: &Arc<Self>, child: Arc<Dentry>) {
        self.lock_children().attached.insert(child.name.clone(), child);
    }

    fn lock_children(&self) -> std::sync::MutexGuard<'_, Children> {
        self.children.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The final path component, as raw bytes ("" for the root).
    pub fn name(&self) -> &[u8] {
        &self.name
    }

    /// The parent (the root is its own parent for `..`).
    pub fn parent(&self) -> Option<&Arc<Dentry>> {
        self.parent.as_ref()
    }

    /// The inode.
    pub fn inode(&self) -> &Inode {
        &self.inode
    }

    /// The absolute path from the sandbox root, as raw bytes (getcwd).
    pub fn path_bytes(&self) -> Vec<u8> {
        let mut parts = Vec::new();
        let mut cur = Some(self);
        while let Some(d) = cur {
            if d.parent.is_some() {
                parts.push(d.name.as_slice());
            }
            cur = d.parent.as_deref();
        }
        if parts.is_empty() {
            return b"/".to_vec();
        }
        parts.reverse();
        let mut out = Vec::new();
        for p in parts {
            out.push(b'/');
            out.extend_from_slice(p);
        }
        out
    }

    /// The absolute path, for logs and names (lossy for non-UTF-8 names).
    pub fn path(&self) -> String {
        String::from_utf8_lossy(&self.path_bytes()).into_owned()
    }

    /// `st_mode` (type and permissions).
    pub fn mode(&self) -> u32 {
        match &self.inode {
            Inode::Host(h) => h.mode(),
            Inode::Dir => S_IFDIR | 0o755,
            Inode::Device(_) => S_IFCHR | 0o666,
        }
    }

    /// A directory.
    pub fn is_dir(&self) -> bool {
        self.mode() & S_IFMT == S_IFDIR
    }

    /// A symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.mode() & S_IFMT == S_IFLNK
    }

    /// The child called `name` (not "." or "..").
    pub fn lookup(self: &Arc<Self>, name: &[u8]) -> KResult<Arc<Dentry>> {
        {
            let c = self.lock_children();
            if let Some(d) = c.attached.get(name) {
                return Ok(d.clone());
            }
            if let Some(d) = c.cached.get(name).and_then(Weak::upgrade) {
                return Ok(d);
            }
        }
        let host = match &self.inode {
            Inode::Host(h) => h,
            Inode::Dir => return_errno!(ENOENT),
            Inode::Device(_) => return_errno!(ENOTDIR),
        };
        let child = Dentry::new_child(self, name, Inode::Host(host.lookup(name)?));
        {
            let mut c = self.lock_children();
            c.cached.insert(name.to_vec(), Arc::downgrade(&child));
            if c.cached.len() > 2 * c.swept.max(32) {
                c.cached.retain(|_, w| w.strong_count() > 0);
                c.swept = c.cached.len();
            }
        }
        host.remember(child.clone());
        Ok(child)
    }

    /// Number of live cached children (for tests and diagnostics).
    pub fn cached_children(&self) -> usize {
        self.lock_children().cached.values().filter(|w| w.strong_count() > 0).count()
    }

    /// The target of a symbolic link; EINVAL for anything else.
    pub fn readlink(&self) -> KResult<Vec<u8>> {
        match &self.inode {
            Inode::Host(h) if self.is_symlink() => h.readlink(),
            _ => return_errno!(EINVAL),
        }
    }

    /// statfs of the filesystem holding the node. Host filesystems report the host's
    /// figures with ST_RDONLY set (the sandbox sees them read-only); the Sentry's own
    /// directories report as tmpfs.
    pub fn statfs(&self) -> KResult<kernel_abi::Statfs> {
        const TMPFS_MAGIC: i64 = 0x0102_1994;
        match &self.inode {
            Inode::Host(h) => h.statfs(),
            Inode::Dir | Inode::Device(_) => Ok(kernel_abi::Statfs {
                f_type: TMPFS_MAGIC,
                f_bsize: 4096,
                f_namelen: 255,
                f_frsize: 4096,
                ..Default::default()
            }),
        }
    }

    /// stat of the node.
    pub fn stat(&self) -> KResult<Stat> {
        match &self.inode {
            Inode::Host(h) => h.stat(),
            Inode::Dir => Ok(Stat {
                st_mode: self.mode(),
                st_nlink: 2,
                st_ino: self.synthetic_ino(),
                st_blksize: 4096,
                ..Default::default()
            }),
            Inode::Device(d) => Ok(d.stat()),
        }
    }

    fn synthetic_ino(&self) -> u64 {
        // Stable per node for the sandbox's lifetime.
        (self as *const Dentry as u64) >> 4
    }

    /// The names in a synthetic directory (sorted), for getdents.
    pub(crate) fn synthetic_entries(&self) -> Vec<(String, u32, u64)> {
        let mut v: Vec<(String, u32, u64)> = self
            .lock_children()
            .attached
            .values()
            .map(|c| (String::from_utf8_lossy(&c.name).into_owned(), c.mode(), c.synthetic_ino()))
            .collect();
        v.sort();
        v
    }

    /// Open the node with `flags` (O_*), after path resolution.
    pub fn open(self: &Arc<Self>, flags: u32) -> KResult<Arc<File>> {
        let write = matches!(flags & O_ACCMODE, O_WRONLY | O_RDWR) || flags & O_TRUNC != 0;
        if flags & O_DIRECTORY != 0 && !self.is_dir() {
            return_errno!(ENOTDIR);
        }
        if flags & O_PATH != 0 {
            return Ok(File::new(
                Box::new(PathOps(self.clone())),
                flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW),
                Some(self.clone()),
                self.path(),
            ));
        }
        if self.is_dir() && write {
            return_errno!(EISDIR);
        }
        let ops: Box<dyn FileOps> = match &self.inode {
            Inode::Host(h) => {
                if write {
                    return_errno!(EROFS, "the host root is read-only");
                }
                h.open(self.clone())?
            }
            Inode::Dir => Box::new(SyntheticDirOps { dir: self.clone(), pos: Mutex::new(0) }),
            Inode::Device(d) => Box::new(DeviceFile::new(*d)),
        };
        Ok(File::new(ops, flags, Some(self.clone()), self.path()))
    }
}

/// An O_PATH descriptor: only fstat and use as a directory fd.
struct PathOps(Arc<Dentry>);

impl FileOps for PathOps {
    fn stat(&self) -> KResult<Stat> {
        self.0.stat()
    }
}

/// A synthetic directory opened for reading.
struct SyntheticDirOps {
    dir: Arc<Dentry>,
    pos: Mutex<usize>,
}

impl FileOps for SyntheticDirOps {
    fn stat(&self) -> KResult<Stat> {
        self.dir.stat()
    }

    fn seek(&self, off: i64, whence: u32) -> KResult<u64> {
        if whence != kernel_abi::flags::seek::SEEK_SET || off < 0 {
            return_errno!(EINVAL);
        }
        *self.pos.lock().unwrap_or_else(|e| e.into_inner()) = off as usize;
        Ok(off as u64)
    }

    fn getdents(&self, buf: &mut [u8]) -> KResult<usize> {
        use kernel_abi::flags::dt;
        let mut entries = vec![(".".to_string(), S_IFDIR, self.dir.synthetic_ino()), ("..".to_string(), S_IFDIR, 1)];
        entries.extend(self.dir.synthetic_entries());
        let mut pos = self.pos.lock().unwrap_or_else(|e| e.into_inner());
        let mut used = 0;
        while let Some((name, mode, ino)) = entries.get(*pos) {
            let t = match mode & S_IFMT {
                S_IFDIR => dt::DT_DIR,
                S_IFCHR => dt::DT_CHR,
                S_IFLNK => dt::DT_LNK,
                _ => dt::DT_REG,
            };
            match crate::host::put_dirent(&mut buf[used..], *ino, (*pos + 1) as i64, t, name.as_bytes()) {
                Some(n) => used += n,
                None if used == 0 => return_errno!(EINVAL),
                None => break,
            }
            *pos += 1;
        }
        Ok(used)
    }
}
