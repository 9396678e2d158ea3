//! Dentries: named nodes of the sandbox's file tree.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use kernel_abi::flags::inotify::*;
use kernel_abi::flags::mode::*;
use kernel_abi::flags::open::*;
use kernel_abi::{return_errno, KResult, Stat};

use crate::cred::Cred;
use crate::dev::{Device, DeviceFile};
use crate::host::HostInode;
use crate::inotify;
use crate::overlay;
use crate::tmpfs::{self, NewKind, Node, SetAttr};
use crate::{File, FileOps};

/// What a dentry names.
pub enum Inode {
    /// A file or directory of the host filesystem.
    Host(HostInode),
    /// A directory made by the Sentry whose children are fixed (mount points like /dev).
    Dir,
    /// A character device implemented by the Sentry.
    Device(Device),
    /// A node of a tmpfs.
    Tmpfs(Arc<Node>),
    /// A node a provider computes (procfs).
    Synth(Arc<dyn crate::synth::SynthNode>),
    /// A node of a devpts, or /dev/ptmx.
    Pts(crate::pty::PtsNode),
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

/// Where a dentry sits: its name and parent, which rename changes.
struct Pos {
    name: Vec<u8>,
    parent: Option<Arc<Dentry>>,
}

/// A name in the tree.
pub struct Dentry {
    pos: Mutex<Pos>,
    inode: Inode,
    children: Mutex<Children>,
    /// For a directory of an overlay's upper layer that merges a lower one (see
    /// [`crate::overlay`]): the lower directory, whose entries show through where the
    /// upper one has neither an entry nor a whiteout of the name.
    lower: Option<Arc<Dentry>>,
    /// For a lower-layer node of an overlay: the upper dentry that now stands for it.
    redirect: Mutex<Option<Redirect>>,
}

/// Where a lower-layer node of an overlay now lives.
pub(crate) enum Redirect {
    /// A file copied up: its upper dentry.
    File(Arc<Dentry>),
    /// A directory merged by an upper one (which holds the lower dentry, hence weak; a
    /// dead reference is found again by looking the name up in the parent).
    Dir(Weak<Dentry>),
}

/// `f_type` of devpts.
const DEVPTS_SUPER_MAGIC: i64 = 0x1cd1;

/// What kind of filesystem a node belongs to, for the errors of operations it cannot do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FsKind {
    /// The read-only host filesystem.
    Host,
    /// The Sentry's /proc stand-in: names cannot be created (ENOENT) or removed (EPERM).
    Proc,
    /// The Sentry's other fixed directories (/dev, /sys): changes are EPERM.
    Fixed,
    /// sysfs, mounted read-only: changes are EROFS.
    Sysfs,
    /// A tmpfs.
    Tmpfs,
}

impl Dentry {
    /// A root dentry.
    pub fn new_root(inode: Inode) -> Arc<Dentry> {
        Self::new_root_over(inode, None)
    }

    /// A root dentry through which the directory `lower` shows (an overlay's root).
    pub fn new_root_over(inode: Inode, lower: Option<Arc<Dentry>>) -> Arc<Dentry> {
        let d = Arc::new(Dentry {
            pos: Mutex::new(Pos { name: Vec::new(), parent: None }),
            inode,
            children: Mutex::new(Children::default()),
            lower,
            redirect: Mutex::new(None),
        });
        d.claim_lower();
        d
    }

    /// A child of `parent`, not yet attached.
    pub fn new_child(parent: &Arc<Dentry>, name: &[u8], inode: Inode) -> Arc<Dentry> {
        Self::new_child_over(parent, name, inode, None)
    }

    /// A child of `parent` through which the directory `lower` shows (see
    /// [`crate::tmpfs::mount_over`]).
    pub fn new_child_over(parent: &Arc<Dentry>, name: &[u8], inode: Inode, lower: Option<Arc<Dentry>>) -> Arc<Dentry> {
        let d = Arc::new(Dentry {
            pos: Mutex::new(Pos { name: name.to_vec(), parent: Some(parent.clone()) }),
            inode,
            children: Mutex::new(Children::default()),
            lower,
            redirect: Mutex::new(None),
        });
        d.claim_lower();
        d
    }

    /// Make the lower directory this one merges stand for it.
    fn claim_lower(self: &Arc<Self>) {
        if let Some(l) = &self.lower {
            l.set_redirect(Redirect::Dir(Arc::downgrade(self)));
        }
    }

    pub(crate) fn set_redirect(&self, r: Redirect) {
        *self.redirect.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
    }

    /// Whether this node has an upper dentry standing for it (or had one).
    pub(crate) fn is_redirected(&self) -> bool {
        self.redirect.lock().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    /// The dentry that stands for this node now: itself, or for a lower-layer node of an
    /// overlay that was copied up or merged, the upper one.
    pub fn current(self: &Arc<Self>) -> Arc<Dentry> {
        let found = match &*self.redirect.lock().unwrap_or_else(|e| e.into_inner()) {
            None => return self.clone(),
            Some(Redirect::File(d)) => Some(d.clone()),
            Some(Redirect::Dir(w)) => w.upgrade(),
        };
        if let Some(d) = found {
            return d;
        }
        // The merging directory was dropped: find it again through the parent (which
        // makes a new one and points this node at it).
        let Some(parent) = self.parent() else { return self.clone() };
        match parent.lookup(&self.name()) {
            Ok(d) if !Arc::ptr_eq(&d, self) => d,
            _ => self.clone(),
        }
    }

    /// The directory this upper-layer directory merges, if any.
    pub(crate) fn lower(&self) -> Option<&Arc<Dentry>> {
        self.lower.as_ref()
    }

    /// Remember `child` as this directory's child of its name (after a copy-up).
    pub(crate) fn cache_child(&self, child: &Arc<Dentry>) {
        self.lock_children().cached.insert(child.name(), Arc::downgrade(child));
    }

    /// Attach `child` under its name, shadowing any host entry of that name.
    pub fn attach(self: &Arc<Self>, child: Arc<Dentry>) {
        self.lock_children().attached.insert(child.name(), child);
    }

    fn lock_children(&self) -> std::sync::MutexGuard<'_, Children> {
        self.children.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_pos(&self) -> std::sync::MutexGuard<'_, Pos> {
        self.pos.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The final path component, as raw bytes ("" for the root).
    pub fn name(&self) -> Vec<u8> {
        self.lock_pos().name.clone()
    }

    /// The parent (the root is its own parent for `..`), as it stands now (see
    /// [`Dentry::current`]).
    pub fn parent(&self) -> Option<Arc<Dentry>> {
        self.parent_raw().map(|p| p.current())
    }

    /// The parent this dentry was made under (a lower-layer node's is in the lower
    /// layer).
    pub(crate) fn parent_raw(&self) -> Option<Arc<Dentry>> {
        self.lock_pos().parent.clone()
    }

    /// The inode.
    pub fn inode(&self) -> &Inode {
        &self.inode
    }

    /// The absolute path from the sandbox root, as raw bytes (getcwd).
    pub fn path_bytes(&self) -> Vec<u8> {
        let mut parts = Vec::new();
        let mut cur = {
            let p = self.lock_pos();
            if p.parent.is_some() {
                parts.push(p.name.clone());
            }
            p.parent.clone()
        };
        while let Some(d) = cur {
            let p = d.lock_pos();
            if p.parent.is_some() {
                parts.push(p.name.clone());
            }
            cur = p.parent.clone();
        }
        if parts.is_empty() {
            return b"/".to_vec();
        }
        parts.reverse();
        let mut out = Vec::new();
        for p in parts {
            out.push(b'/');
            out.extend_from_slice(&p);
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
            Inode::Tmpfs(n) => n.mode(),
            Inode::Synth(n) => n.mode(),
            Inode::Pts(n) => n.mode(),
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
        let cur = self.current();
        cur.lookup_raw(name)
    }

    /// [`Dentry::lookup`] in this very dentry, not the one standing for it.
    pub(crate) fn lookup_raw(self: &Arc<Self>, name: &[u8]) -> KResult<Arc<Dentry>> {
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
            Inode::Tmpfs(n) => return self.lookup_tmpfs(n, name),
            Inode::Synth(n) => {
                // Computed afresh each time: the entries come and go with processes.
                let child = n.lookup(name)?;
                return Ok(Dentry::new_child(self, name, Inode::Synth(child)));
            }
            Inode::Pts(n) => return Ok(Dentry::new_child(self, name, Inode::Pts(n.lookup(name)?))),
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
            Inode::Tmpfs(n) => n.readlink(),
            Inode::Synth(n) => n.readlink(),
            _ => return_errno!(EINVAL),
        }
    }

    /// statfs of the filesystem holding the node. Host filesystems report the host's
    /// figures with ST_RDONLY set (the sandbox sees them read-only); the Sentry's own
    /// directories report as tmpfs.
    pub fn statfs(self: &Arc<Self>) -> KResult<kernel_abi::Statfs> {
        match &self.inode {
            Inode::Host(h) => match overlay::upper_of(self) {
                Some(up) => up.statfs(),
                None => h.statfs(),
            },
            Inode::Tmpfs(n) => Ok(n.fs().statfs()),
            Inode::Synth(n) => Ok(kernel_abi::Statfs {
                f_type: n.fs_magic(),
                f_bsize: 4096,
                f_namelen: 255,
                f_frsize: 4096,
                ..Default::default()
            }),
            Inode::Pts(crate::pty::PtsNode::Root(_) | crate::pty::PtsNode::Slave(..)) => Ok(kernel_abi::Statfs {
                f_type: DEVPTS_SUPER_MAGIC,
                f_bsize: 4096,
                f_namelen: 255,
                f_frsize: 4096,
                ..Default::default()
            }),
            Inode::Dir | Inode::Device(_) | Inode::Pts(_) => Ok(kernel_abi::Statfs {
                f_type: tmpfs::TMPFS_MAGIC,
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
            Inode::Tmpfs(n) => {
                let mut st = n.stat();
                if self.lower.is_some() {
                    // A merged directory's link count is unknown; 1 says so to find(1).
                    st.st_nlink = 1;
                }
                Ok(st)
            }
            Inode::Synth(n) => Ok(crate::synth::stat(&**n)),
            Inode::Pts(n) => Ok(n.stat()),
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
            .map(|c| (String::from_utf8_lossy(&c.name()).into_owned(), c.mode(), c.synthetic_ino()))
            .collect();
        v.sort();
        v
    }

    /// Open the node with `flags` (O_*), after path resolution, without permission
    /// checks.
    pub fn open(self: &Arc<Self>, flags: u32) -> KResult<Arc<File>> {
        self.open_as(flags, None)
    }

    /// Open the node with `flags` (O_*), after path resolution, checking the access
    /// mode against `cred` where the filesystem keeps permissions (`None`: a file just
    /// created by the caller, which it may open however it asked).
    pub fn open_as(self: &Arc<Self>, flags: u32, cred: Option<&Cred>) -> KResult<Arc<File>> {
        let cur = self.current();
        if !Arc::ptr_eq(&cur, self) {
            return cur.open_as(flags, cred);
        }
        let write = matches!(flags & O_ACCMODE, O_WRONLY | O_RDWR) || flags & O_TRUNC != 0;
        if write && matches!(self.inode, Inode::Host(_)) && self.mode() & S_IFMT == S_IFREG {
            // Under an overlay: check the access, copy the file up, open the copy.
            if overlay::upper_of(self).is_none() {
                return_errno!(EROFS, "the host root is read-only");
            }
            if let Some(c) = cred {
                let st = self.stat()?;
                let mut want = W_OK;
                if matches!(flags & O_ACCMODE, O_RDONLY | O_RDWR) {
                    want |= R_OK;
                }
                if !c.permits(st.st_mode, st.st_uid, st.st_gid, want) {
                    return_errno!(EACCES);
                }
            }
            let up = overlay::copy_up(self, flags & O_TRUNC == 0)?;
            return up.open_raw(flags);
        }
        self.open_here(flags, cred)
    }

    /// Open this very dentry (not the one standing for it), without permission checks.
    pub(crate) fn open_raw(self: &Arc<Self>, flags: u32) -> KResult<Arc<File>> {
        self.open_here(flags, None)
    }

    fn open_here(self: &Arc<Self>, flags: u32, cred: Option<&Cred>) -> KResult<Arc<File>> {
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
            Inode::Device(d) => Box::new(DeviceFile::open(*d)?),
            Inode::Tmpfs(n) => {
                if let Some(c) = cred {
                    let mut want = 0;
                    if matches!(flags & O_ACCMODE, O_RDONLY | O_RDWR) {
                        want |= R_OK;
                    }
                    if write {
                        want |= W_OK;
                    }
                    if !n.permits(c, want) {
                        return_errno!(EACCES);
                    }
                }
                if self.lower.is_some() && self.is_dir() {
                    Box::new(overlay::MergedDir::new(self.clone(), n.clone()))
                } else {
                    tmpfs::open(self.clone(), n, flags)?
                }
            }
            Inode::Synth(n) => {
                if write && self.fs_kind() == FsKind::Sysfs {
                    return_errno!(EROFS, "sysfs is read-only");
                }
                if write {
                    return_errno!(EACCES);
                }
                if self.is_dir() {
                    let parent_ino = self.parent().map_or(1, |p| p.stat().map_or(1, |s| s.st_ino));
                    Box::new(crate::synth::SynthDir::open(n.clone(), parent_ino)?)
                } else {
                    Box::new(crate::synth::SynthFile::open(n.clone())?)
                }
            }
            Inode::Pts(n) => n.open(cred.map_or(0, |c| c.uid))?,
        };
        let file = File::new(ops, flags, Some(self.clone()), self.path());
        if inotify::active() {
            // Linux reports the open, then the truncation of O_TRUNC.
            inotify::notify(self, IN_OPEN);
            if flags & O_TRUNC != 0 && write && self.mode() & S_IFMT == S_IFREG {
                inotify::notify(self, IN_MODIFY);
            }
        }
        Ok(file)
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

/// Changes of the tree (create, link, unlink, rename) and of attributes. A name of the
/// host filesystem cannot change (EROFS, as under a read-only bind mount); the Sentry's
/// fixed directories answer as Linux's procfs and sysfs do.
impl Dentry {
    fn lookup_tmpfs(self: &Arc<Self>, dir: &Node, name: &[u8]) -> KResult<Arc<Dentry>> {
        let node = match (dir.entry(name)?, &self.lower) {
            (tmpfs::Entry::Node(n), _) => n,
            (tmpfs::Entry::Missing, Some(lower)) => return lower.lookup_raw(name),
            _ => return_errno!(ENOENT),
        };
        // A directory copied up from the overlay's lower layer merges the lower one.
        let lower = match &self.lower {
            Some(l) if node.merges_lower() => l.lookup_raw(name).ok().filter(|d| d.is_dir()),
            _ => None,
        };
        let mut c = self.lock_children();
        if let Some(d) = c.cached.get(name).and_then(Weak::upgrade) {
            if matches!(&d.inode, Inode::Tmpfs(n) if Arc::ptr_eq(n, &node)) {
                return Ok(d);
            }
        }
        let child = Dentry::new_child_over(self, name, Inode::Tmpfs(node), lower);
        c.cached.insert(name.to_vec(), Arc::downgrade(&child));
        if c.cached.len() > 2 * c.swept.max(32) {
            c.cached.retain(|_, w| w.strong_count() > 0);
            c.swept = c.cached.len();
        }
        Ok(child)
    }

    /// Remove the remembered child `name` (it was removed or renamed).
    fn take_cached(&self, name: &[u8]) -> Option<Arc<Dentry>> {
        self.lock_children().cached.remove(name).and_then(|w| w.upgrade())
    }

    /// Re-home `d` as this directory's child `name` (after a rename).
    fn adopt(self: &Arc<Self>, d: Arc<Dentry>, name: &[u8]) {
        {
            let mut p = d.lock_pos();
            p.name = name.to_vec();
            p.parent = Some(self.clone());
        }
        self.lock_children().cached.insert(name.to_vec(), Arc::downgrade(&d));
    }

    fn fs_kind(&self) -> FsKind {
        match &self.inode {
            Inode::Host(_) => FsKind::Host,
            Inode::Tmpfs(_) => FsKind::Tmpfs,
            Inode::Synth(n) if n.fs_magic() == crate::sysfs::SYSFS_MAGIC => FsKind::Sysfs,
            Inode::Synth(_) => FsKind::Proc,
            Inode::Dir | Inode::Device(_) | Inode::Pts(_) => {
                // The topmost synthetic directory names the filesystem.
                let mut top = self.name();
                let mut cur = self.parent();
                while let Some(d) = cur {
                    if !matches!(d.inode, Inode::Dir) {
                        break;
                    }
                    top = d.name();
                    cur = d.parent();
                }
                if top == b"proc" {
                    FsKind::Proc
                } else {
                    FsKind::Fixed
                }
            }
        }
    }

    /// An identity of the mount holding the node: two nodes can be linked or renamed
    /// into each other only with the same one (EXDEV otherwise).
    pub fn mount_id(self: &Arc<Self>) -> u64 {
        match &self.inode {
            Inode::Host(_) => overlay::upper_of(self).map_or(0, |up| up.mount_id()),
            Inode::Tmpfs(n) => n.fs().id() << 1 | 1,
            // procfs and sysfs are one mount each.
            Inode::Synth(n) => n.dev() << 1,
            Inode::Pts(crate::pty::PtsNode::Root(_) | crate::pty::PtsNode::Slave(..)) => 4,
            Inode::Dir | Inode::Device(_) | Inode::Pts(_) => {
                let mut top: Option<Arc<Dentry>> = None;
                let mut cur = self.parent();
                while let Some(d) = cur {
                    if !matches!(d.inode, Inode::Dir) {
                        break;
                    }
                    cur = d.parent();
                    top = Some(d);
                }
                let top_ptr = top.as_ref().map_or(Arc::as_ptr(self), Arc::as_ptr);
                (top_ptr as u64) & !1
            }
        }
    }

    /// Whether something is mounted here (removing or renaming it is EBUSY).
    pub fn is_mount_root(&self) -> bool {
        let parent = self.parent();
        match &self.inode {
            Inode::Tmpfs(n) => {
                !matches!(parent.as_deref().map(|p| &p.inode), Some(Inode::Tmpfs(pn)) if Arc::ptr_eq(pn.fs(), n.fs()))
            }
            Inode::Dir => !matches!(parent.as_deref().map(|p| &p.inode), Some(Inode::Dir)),
            Inode::Synth(_) => !matches!(parent.as_deref().map(|p| &p.inode), Some(Inode::Synth(_))),
            _ => parent.is_none(),
        }
    }

    /// Whether the node was removed from the tree (open or current only).
    pub fn is_removed(&self) -> bool {
        matches!(&self.inode, Inode::Tmpfs(n) if n.is_removed())
    }

    /// Whether `self` is `other` or below it.
    pub fn is_within(self: &Arc<Self>, other: &Arc<Dentry>) -> bool {
        let mut cur = Some(self.clone());
        while let Some(d) = cur {
            if Arc::ptr_eq(&d, other) {
                return true;
            }
            cur = d.parent();
        }
        false
    }

    /// EROFS for a name on the read-only host filesystem. Linux checks this before it
    /// looks up the name being removed.
    pub fn check_writable(self: &Arc<Self>) -> KResult<()> {
        if self.is_read_only() {
            return_errno!(EROFS, "the host root is read-only");
        }
        Ok(())
    }

    /// Whether the node is on a read-only filesystem (the host's, outside any overlay).
    pub fn is_read_only(self: &Arc<Self>) -> bool {
        let cur = self.current();
        match &cur.inode {
            Inode::Host(_) => overlay::upper_of(self).is_none(),
            _ => cur.fs_kind() == FsKind::Sysfs,
        }
    }

    /// The dentry to change for a change of this node: itself, or under an overlay the
    /// upper-layer copy (made now, with a regular file's data when `with_data`).
    fn for_write(self: &Arc<Self>, with_data: bool) -> KResult<Arc<Dentry>> {
        let d = self.current();
        if matches!(d.inode, Inode::Host(_)) {
            return overlay::copy_up(&d, with_data);
        }
        Ok(d)
    }

    /// EEXIST if a directory that may hold lower-layer names has `name` (checked before
    /// anything is copied up).
    fn check_absent(self: &Arc<Self>, name: &[u8]) -> KResult<()> {
        let cur = self.current();
        if (matches!(cur.inode, Inode::Host(_)) || cur.lower.is_some()) && cur.lookup_raw(name).is_ok() {
            return_errno!(EEXIST);
        }
        Ok(())
    }

    fn tmpfs_dir(&self, proc_errno: kernel_abi::Errno, fixed_errno: kernel_abi::Errno) -> KResult<&Arc<Node>> {
        match (&self.inode, self.fs_kind()) {
            (Inode::Tmpfs(n), _) => Ok(n),
            (_, FsKind::Host) => return_errno!(EROFS, "the host root is read-only"),
            (_, FsKind::Sysfs) => return_errno!(EROFS, "sysfs is read-only"),
            (_, FsKind::Proc) => Err(kernel_abi::Error::new(proc_errno)),
            _ => Err(kernel_abi::Error::new(fixed_errno)),
        }
    }

    /// Create `name` in this directory: a file (open O_CREAT), a directory, or a
    /// symbolic link. `mode` is already masked by the umask.
    pub fn create_child(
        self: &Arc<Self>,
        name: &[u8],
        kind: NewKind<'_>,
        mode: u32,
        cred: &Cred,
    ) -> KResult<Arc<Dentry>> {
        use kernel_abi::Errno::*;
        let fixed = if matches!(kind, NewKind::File) { EACCES } else { EPERM };
        self.check_absent(name)?;
        let this = self.for_write(false)?;
        let dir = this.tmpfs_dir(ENOENT, fixed)?;
        let node = dir.create(name, kind, mode, cred)?;
        let child = Dentry::new_child(&this, name, Inode::Tmpfs(node));
        this.lock_children().cached.insert(name.to_vec(), Arc::downgrade(&child));
        inotify::notify_child(&this, IN_CREATE, name, child.is_dir(), 0);
        Ok(child)
    }

    /// open(O_TMPFILE) in this directory: an unnamed regular file of its filesystem (the
    /// overlay's upper layer for a lower directory, copied up first), linkable into the
    /// tree with linkat(2) when `linkable`. Filesystems without unnamed files answer
    /// EOPNOTSUPP (the Sentry's /dev and /proc), the read-only host EROFS.
    pub fn create_tmpfile(self: &Arc<Self>, mode: u32, cred: &Cred, linkable: bool) -> KResult<Arc<Dentry>> {
        use kernel_abi::Errno::EOPNOTSUPP;
        self.check_writable()?;
        let this = self.for_write(false)?;
        let dir = this.tmpfs_dir(EOPNOTSUPP, EOPNOTSUPP)?;
        let node = dir.create_tmpfile(mode, cred, linkable)?;
        let name = format!("#{}", node.ino());
        Ok(Dentry::new_child(&this, name.as_bytes(), Inode::Tmpfs(node)))
    }

    /// The node whose extended attributes a call reads (`write` false) or changes: the
    /// tmpfs node (a lower file of an overlay is copied up for a change); `None` for a
    /// lower file read (it has none). EOPNOTSUPP for the Sentry's own nodes.
    fn xattr_node(
        self: &Arc<Self>,
        name: &[u8],
        cred: &Cred,
        cap_sys_admin: bool,
        write: bool,
    ) -> KResult<Option<Arc<Node>>> {
        let cur = self.current();
        let st = cur.stat()?;
        if !matches!(cur.inode, Inode::Host(_) | Inode::Tmpfs(_)) {
            return_errno!(EOPNOTSUPP);
        }
        if write {
            cur.check_writable()?;
        }
        crate::xattr::check_access(name, st.st_mode, cred.is_root() || cred.uid == st.st_uid, cap_sys_admin, write)?;
        let trusted = name.starts_with(b"trusted.");
        if !trusted && !cred.permits(st.st_mode, st.st_uid, st.st_gid, if write { W_OK } else { R_OK }) {
            return_errno!(EACCES);
        }
        crate::xattr::namespace(name)?;
        match &cur.inode {
            Inode::Tmpfs(n) => Ok(Some(n.clone())),
            _ if !write => Ok(None),
            _ => match &cur.for_write(true)?.inode {
                Inode::Tmpfs(n) => Ok(Some(n.clone())),
                _ => return_errno!(EROFS),
            },
        }
    }

    /// getxattr(2): the value's length, copied into `buf` unless it is empty.
    pub fn getxattr(self: &Arc<Self>, name: &[u8], buf: &mut [u8], cred: &Cred, cap_sys_admin: bool) -> KResult<usize> {
        match self.xattr_node(name, cred, cap_sys_admin, false)? {
            Some(n) => n.xattrs().get(name, buf),
            None => return_errno!(ENODATA),
        }
    }

    /// setxattr(2) with XATTR_CREATE / XATTR_REPLACE `flags`.
    pub fn setxattr(
        self: &Arc<Self>,
        name: &[u8],
        value: &[u8],
        flags: u32,
        cred: &Cred,
        cap_sys_admin: bool,
    ) -> KResult<()> {
        let Some(n) = self.xattr_node(name, cred, cap_sys_admin, true)? else { return_errno!(EROFS) };
        n.xattrs().set(name, value, flags)?;
        n.touch_changed();
        inotify::notify(self, IN_ATTRIB);
        Ok(())
    }

    /// removexattr(2).
    pub fn removexattr(self: &Arc<Self>, name: &[u8], cred: &Cred, cap_sys_admin: bool) -> KResult<()> {
        let Some(n) = self.xattr_node(name, cred, cap_sys_admin, true)? else { return_errno!(EROFS) };
        n.xattrs().remove(name)?;
        n.touch_changed();
        inotify::notify(self, IN_ATTRIB);
        Ok(())
    }

    /// listxattr(2): the names, each NUL-terminated (none for a lower-layer file).
    pub fn listxattr(self: &Arc<Self>, cap_sys_admin: bool) -> KResult<Vec<u8>> {
        match &self.current().inode {
            Inode::Tmpfs(n) => Ok(n.xattrs().list(cap_sys_admin)),
            _ => Ok(Vec::new()),
        }
    }

    /// The socket bound to this name (a socket inode of a tmpfs), if any.
    pub fn socket(&self) -> Option<tmpfs::SocketHandle> {
        match &self.inode {
            Inode::Tmpfs(n) => n.socket().cloned(),
            _ => None,
        }
    }

    /// link(2): add `name` in this directory for `target`.
    pub fn link_child(self: &Arc<Self>, name: &[u8], target: &Arc<Dentry>, cred: &Cred) -> KResult<()> {
        use kernel_abi::Errno::*;
        self.check_absent(name)?;
        let this = self.for_write(false)?;
        let dir = this.tmpfs_dir(ENOENT, EPERM)?;
        if target.mount_id() != this.mount_id() {
            return_errno!(EXDEV);
        }
        if target.is_dir() {
            return_errno!(EPERM, "hard link to a directory");
        }
        let target = target.for_write(true)?;
        let Inode::Tmpfs(node) = &target.inode else { return_errno!(EXDEV) };
        dir.link(name, node, cred)?;
        inotify::notify_self(&target, IN_ATTRIB);
        inotify::notify_child(&this, IN_CREATE, name, false, 0);
        Ok(())
    }

    /// unlink(2) (`dir` false) or rmdir(2) (`dir` true) of `name` in this directory.
    pub fn unlink_child(self: &Arc<Self>, name: &[u8], dir: bool, cred: &Cred) -> KResult<()> {
        self.check_writable()?;
        let victim = self.lookup(name)?;
        match (dir, victim.is_dir()) {
            (true, false) => return_errno!(ENOTDIR),
            (false, true) => return_errno!(EISDIR),
            _ => {}
        }
        if victim.is_mount_root() {
            return_errno!(EBUSY);
        }
        let this = self.for_write(false)?;
        let key = if inotify::active() { inotify::key_of(&victim) } else { None };
        if this.lower.is_some() {
            overlay::remove(&this, name, &victim, dir, cred)?;
        } else {
            let node = this.tmpfs_dir(kernel_abi::Errno::EPERM, kernel_abi::Errno::EPERM)?;
            node.unlink(name, dir, cred)?;
        }
        this.take_cached(name);
        if let Some(key) = key {
            if !dir {
                inotify::notify_self(&victim, IN_ATTRIB);
            }
            if victim.last_name_gone() {
                inotify::node_gone(key);
            }
            inotify::notify_child(&this, IN_DELETE, name, dir, 0);
        }
        Ok(())
    }

    /// After an unlink, rmdir or a rename over it: whether the node has no name left
    /// (a directory, a file of the overlay's lower layer, or one whose last link went).
    fn last_name_gone(self: &Arc<Self>) -> bool {
        let cur = self.current();
        cur.is_dir() || matches!(cur.inode, Inode::Host(_)) || cur.stat().map_or(true, |st| st.st_nlink == 0)
    }

    /// rename(2) and renameat2(2) (RENAME_NOREPLACE, RENAME_EXCHANGE) of
    /// `old_dir/old_name` to `new_dir/new_name`, after Linux's checks of the path itself.
    pub fn rename(
        old_dir: &Arc<Dentry>,
        old_name: &[u8],
        new_dir: &Arc<Dentry>,
        new_name: &[u8],
        flags: u32,
        cred: &Cred,
    ) -> KResult<()> {
        use kernel_abi::Errno::*;
        if old_dir.mount_id() != new_dir.mount_id() {
            return_errno!(EXDEV);
        }
        old_dir.check_writable()?;
        let old = old_dir.lookup(name_ok(old_name)?)?;
        let new = match new_dir.lookup(new_name) {
            Ok(d) => Some(d),
            Err(e) if e.errno == ENOENT => None,
            Err(e) => return Err(e),
        };
        if flags & tmpfs::RENAME_NOREPLACE != 0 && new.is_some() {
            return_errno!(EEXIST);
        }
        if flags & tmpfs::RENAME_EXCHANGE != 0 && new.is_none() {
            return_errno!(ENOENT);
        }
        // Neither name may be an ancestor of the other's directory.
        if new_dir.is_within(&old) {
            return_errno!(EINVAL);
        }
        if let Some(n) = &new {
            if old_dir.is_within(n) {
                return Err(kernel_abi::Error::new(if flags & tmpfs::RENAME_EXCHANGE != 0 {
                    EINVAL
                } else {
                    ENOTEMPTY
                }));
            }
            if Arc::ptr_eq(n, &old) {
                return Ok(());
            }
        }
        if old.is_mount_root() || new.as_ref().is_some_and(|n| n.is_mount_root()) {
            return_errno!(EBUSY);
        }
        let (old_dir, new_dir) = (&old_dir.for_write(false)?, &new_dir.for_write(false)?);
        let exchange = flags & tmpfs::RENAME_EXCHANGE != 0;
        let whiteout_old = if old_dir.lower.is_some() || new_dir.lower.is_some() {
            overlay::prepare_rename(old_dir, old_name, &old, new_dir, new.as_ref(), exchange, cred)?
        } else {
            false
        };
        let (Inode::Tmpfs(od), Inode::Tmpfs(nd)) = (&old_dir.inode, &new_dir.inode) else {
            return Err(kernel_abi::Error::new(if old_dir.fs_kind() == FsKind::Proc { ENOENT } else { EPERM }));
        };
        let key = if inotify::active() { new.as_ref().and_then(inotify::key_of) } else { None };
        Node::rename_ext(od, old_name, nd, new_name, flags, cred, whiteout_old)?;
        if inotify::active() {
            // Linux's order: both names, the replaced node's link count, the moved node,
            // then the replaced node's end.
            notify_moved(old_dir, old_name, new_dir, new_name, old.is_dir());
            let replaced = new.as_ref().filter(|_| !exchange);
            if let Some(n) = replaced.filter(|n| !n.is_dir()) {
                inotify::notify_self(n, IN_ATTRIB);
            }
            inotify::notify_self(&old, IN_MOVE_SELF);
            match (&new, key) {
                (Some(n), _) if exchange => {
                    notify_moved(new_dir, new_name, old_dir, old_name, n.is_dir());
                    inotify::notify_self(n, IN_MOVE_SELF);
                }
                (Some(n), Some(key)) if n.last_name_gone() => inotify::node_gone(key),
                _ => {}
            }
        }
        let moved = old_dir.take_cached(old_name);
        let displaced = new_dir.take_cached(new_name);
        if flags & tmpfs::RENAME_EXCHANGE != 0 {
            if let Some(d) = displaced {
                old_dir.adopt(d, old_name);
            }
        }
        if let Some(d) = moved {
            new_dir.adopt(d, new_name);
        }
        Ok(())
    }

    /// chmod, chown, utimes.
    pub fn setattr(self: &Arc<Self>, attr: &SetAttr, cred: &Cred) -> KResult<()> {
        let this = self.current();
        match &this.inode {
            Inode::Tmpfs(n) => n.setattr(attr, cred)?,
            Inode::Host(_) => return this.for_write(true)?.setattr(attr, cred),
            Inode::Dir | Inode::Device(_) | Inode::Synth(_) | Inode::Pts(_) => {
                return_errno!(EPERM, "attributes of the Sentry's own nodes are fixed")
            }
        }
        if inotify::active() {
            // As Linux's fsnotify_change: a time alone is an access or a modification.
            let owner = attr.mode.is_some() || attr.uid.is_some() || attr.gid.is_some();
            let mask = match (owner, attr.atime.is_some(), attr.mtime.is_some()) {
                (false, true, false) => IN_ACCESS,
                (false, false, true) => IN_MODIFY,
                _ => IN_ATTRIB,
            };
            inotify::notify(&this, mask);
        }
        Ok(())
    }

    /// truncate(2) (`cred` given: the caller must be allowed to write) or ftruncate(2)
    /// (`None`: the descriptor was opened for writing).
    pub fn truncate(self: &Arc<Self>, len: u64, cred: Option<&Cred>) -> KResult<()> {
        if self.is_dir() {
            return_errno!(EISDIR);
        }
        if self.mode() & S_IFMT != S_IFREG {
            return_errno!(EINVAL);
        }
        let this = self.current();
        match &this.inode {
            Inode::Tmpfs(n) => {
                n.truncate(len, cred)?;
                inotify::notify(&this, IN_MODIFY);
                Ok(())
            }
            Inode::Host(_) => {
                if let Some(c) = cred {
                    let st = this.stat()?;
                    if overlay::upper_of(&this).is_some() && !c.permits(st.st_mode, st.st_uid, st.st_gid, W_OK) {
                        return_errno!(EACCES);
                    }
                }
                this.for_write(len > 0)?.truncate(len, cred)
            }
            _ => return_errno!(EROFS, "the host root is read-only"),
        }
    }

    /// fallocate(2) mode 0 on a descriptor opened for writing.
    pub fn allocate(&self, off: u64, len: u64) -> KResult<()> {
        match &self.inode {
            Inode::Tmpfs(n) => match n.data() {
                Some(d) => {
                    d.allocate(off, len)?;
                    n.touch_modified();
                    Ok(())
                }
                None if self.is_dir() => return_errno!(EISDIR),
                None => return_errno!(ENODEV),
            },
            Inode::Device(_) | Inode::Pts(_) => return_errno!(ENODEV),
            Inode::Dir => return_errno!(EISDIR),
            Inode::Host(_) => return_errno!(EROFS),
            Inode::Synth(_) => return_errno!(ENODEV),
        }
    }

    /// Whether fsync/fdatasync apply (filesystems with data; device nodes and the
    /// Sentry's fixed directories answer EINVAL, as devices and procfs do).
    pub fn can_sync(&self) -> bool {
        matches!(self.inode, Inode::Host(_) | Inode::Tmpfs(_))
    }
}

/// IN_MOVED_FROM and IN_MOVED_TO, with one cookie, for a rename of `old_dir/old_name` to
/// `new_dir/new_name`.
fn notify_moved(old_dir: &Arc<Dentry>, old_name: &[u8], new_dir: &Arc<Dentry>, new_name: &[u8], is_dir: bool) {
    let cookie = inotify::new_cookie();
    inotify::notify_child(old_dir, IN_MOVED_FROM, old_name, is_dir, cookie);
    inotify::notify_child(new_dir, IN_MOVED_TO, new_name, is_dir, cookie);
}

fn name_ok(name: &[u8]) -> KResult<&[u8]> {
    if name.len() > crate::path::NAME_MAX {
        return_errno!(ENAMETOOLONG);
    }
    Ok(name)
}
