//! Dentries: named nodes of the sandbox's file tree.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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

/// A name in the tree. Children are cached; synthetic children shadow host ones (the
/// foundation's stand-in for mounts).
pub struct Dentry {
    name: String,
    parent: Option<Arc<Dentry>>,
    inode: Inode,
    children: Mutex<HashMap<String, Arc<Dentry>>>,
}

impl Dentry {
    /// A root dentry.
    pub fn new_root(inode: Inode) -> Arc<Dentry> {
        Arc::new(Dentry { name: String::new(), parent: None, inode, children: Mutex::new(HashMap::new()) })
    }

    /// A child of `parent`, not yet attached.
    pub fn new_child(parent: &Arc<Dentry>, name: &str, inode: Inode) -> Arc<Dentry> {
        Arc::new(Dentry {
            name: name.to_string(),
            parent: Some(parent.clone()),
            inode,
            children: Mutex::new(HashMap::new()),
        })
    }

    /// Attach `child` under its name, shadowing any host entry of that name.
    pub fn attach(self: &Arc<Self>, child: Arc<Dentry>) {
        self.lock_children().insert(child.name.clone(), child);
    }

    fn lock_children(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Dentry>>> {
        self.children.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The final path component ("" for the root).
    pub fn name(&self) -> &str {
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

    /// The absolute path from the sandbox root.
    pub fn path(&self) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(self);
        while let Some(d) = cur {
            if d.parent.is_some() {
                parts.push(d.name.as_str());
            }
            cur = d.parent.as_deref();
        }
        if parts.is_empty() {
            return "/".into();
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
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
        let key = std::str::from_utf8(name).map(str::to_string);
        if let Ok(k) = &key {
            if let Some(c) = self.lock_children().get(k) {
                return Ok(c.clone());
            }
        }
        let inode = match &self.inode {
            Inode::Host(h) => Inode::Host(h.lookup(name)?),
            Inode::Dir => return_errno!(ENOENT),
            Inode::Device(_) => return_errno!(ENOTDIR),
        };
        let name_str = String::from_utf8_lossy(name).into_owned();
        let child = Dentry::new_child(self, &name_str, inode);
        // Non-UTF-8 names are looked up afresh each time rather than cached under a lossy key.
        if let Ok(k) = key {
            self.lock_children().insert(k, child.clone());
        }
        Ok(child)
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
        let mut v: Vec<(String, u32, u64)> =
            self.lock_children().values().map(|c| (c.name.clone(), c.mode(), c.synthetic_ino())).collect();
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
