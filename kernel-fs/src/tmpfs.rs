//! tmpfs: an in-memory filesystem. Regular files keep their data in pages of the sandbox's
//! [`MemoryFile`], so a shared mapping of a tmpfs file maps those very pages and every
//! `read`, `write` and mapping sees the same bytes.
//!
//! The tree lives in the nodes: a directory holds its entries, each with a cookie that
//! only grows, so getdents offsets stay valid while entries come and go. Dentries
//! ([`crate::Dentry`]) are views over nodes, made on lookup.
//!
//! # Lock order
//!
//! `Tmpfs::ns` (namespace changes: create, link, unlink, rename) -> directory entries
//! (two at once only under `ns`; lookups take one) -> `Node::meta` -> file data ->
//! `MemoryFile`.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use kernel_abi::flags::mode::*;
use kernel_abi::flags::seek::*;
use kernel_abi::{errno, return_errno, KResult, Stat, Statfs, Timespec, PAGE_SIZE};
use kernel_mm::{Mappable, MemoryFile};

use crate::cred::Cred;
use crate::{Dentry, FileOps};

/// `f_type` of a tmpfs in statfs.
pub const TMPFS_MAGIC: i64 = 0x0102_1994;
/// The directory size tmpfs reports per entry (Linux's BOGO_DIRENT_SIZE).
const DIRENT_SIZE: i64 = 20;
/// Largest file size (Linux's MAX_LFS_FILESIZE).
pub const MAX_FILE_SIZE: u64 = i64::MAX as u64;
/// Inodes one tmpfs may hold.
const MAX_INODES: u64 = 1 << 20;
/// Longest symlink target tmpfs stores (one page including the NUL).
const MAX_SYMLINK: usize = PAGE_SIZE as usize - 1;
/// Symlink targets shorter than this are stored inline (no block charged).
const INLINE_SYMLINK: usize = 128;

/// renameat2 flags.
pub const RENAME_NOREPLACE: u32 = 1;
/// renameat2: swap the two names.
pub const RENAME_EXCHANGE: u32 = 2;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The host's wall clock, which timestamps every change.
pub fn now() -> Timespec {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => Timespec { tv_sec: d.as_secs() as i64, tv_nsec: i64::from(d.subsec_nanos()) },
        Err(_) => Timespec::default(),
    }
}

/// One mounted tmpfs.
pub struct Tmpfs {
    id: u64,
    dev: u64,
    mf: Arc<MemoryFile>,
    max_pages: u64,
    used_pages: AtomicU64,
    next_ino: AtomicU64,
    inodes: AtomicU64,
    ns: Mutex<()>,
    /// The upper layer of an overlay root (statfs says overlay).
    overlay: bool,
}

impl Tmpfs {
    /// A new, empty tmpfs of at most `max_bytes` of file data, whose root directory has
    /// `mode` (permission bits) and the given owner. Returns the root node.
    pub fn new_root(mf: Arc<MemoryFile>, max_bytes: u64, mode: u32, uid: u32, gid: u32) -> Arc<Node> {
        let t = now();
        let meta = Meta { mode: S_IFDIR | (mode & 0o7777), uid, gid, nlink: 2, atime: t, mtime: t, ctime: t };
        Self::new_root_with(mf, max_bytes, meta, None)
    }

    /// A new, empty tmpfs to be the upper layer of an overlay over a directory whose
    /// attributes are `lower` (the root takes them, and merges that directory).
    pub fn new_overlay_root(mf: Arc<MemoryFile>, max_bytes: u64, lower: &Stat) -> Arc<Node> {
        let meta = Meta {
            mode: lower.st_mode,
            uid: lower.st_uid,
            gid: lower.st_gid,
            nlink: 2,
            atime: Timespec { tv_sec: lower.st_atime, tv_nsec: lower.st_atime_nsec },
            mtime: Timespec { tv_sec: lower.st_mtime, tv_nsec: lower.st_mtime_nsec },
            ctime: Timespec { tv_sec: lower.st_ctime, tv_nsec: lower.st_ctime_nsec },
        };
        Self::new_root_with(mf, max_bytes, meta, Some((lower.st_dev, lower.st_ino)))
    }

    fn new_root_with(mf: Arc<MemoryFile>, max_bytes: u64, meta: Meta, origin: Option<(u64, u64)>) -> Arc<Node> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let fs = Arc::new(Tmpfs {
            id,
            // Anonymous block devices: major 0, a minor per mount.
            dev: libc::makedev(0, 0x100 + id as u32),
            mf,
            max_pages: max_bytes / PAGE_SIZE,
            used_pages: AtomicU64::new(0),
            next_ino: AtomicU64::new(1),
            inodes: AtomicU64::new(0),
            ns: Mutex::new(()),
            overlay: origin.is_some(),
        });
        fs.inodes.fetch_add(1, Ordering::Relaxed);
        let dir = DirData { merges_lower: origin.is_some(), ..Default::default() };
        Arc::new(Node {
            ino: fs.next_ino.fetch_add(1, Ordering::Relaxed),
            kind: Kind::Dir(Mutex::new(dir)),
            meta: Mutex::new(meta),
            origin,
            fs,
            linkable: Default::default(),
            xattrs: Default::default(),
        })
    }

    /// Identity of the mount, for EXDEV checks.
    pub fn id(&self) -> u64 {
        self.id
    }

    fn charge(&self, pages: u64) -> KResult<()> {
        let mut cur = self.used_pages.load(Ordering::Relaxed);
        loop {
            let new = cur.checked_add(pages).filter(|&n| n <= self.max_pages).ok_or(errno!(ENOSPC, "tmpfs is full"))?;
            match self.used_pages.compare_exchange_weak(cur, new, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return Ok(()),
                Err(c) => cur = c,
            }
        }
    }

    fn uncharge(&self, pages: u64) {
        self.used_pages.fetch_sub(pages, Ordering::Relaxed);
    }

    /// Pages of file data in use.
    pub fn used_pages(&self) -> u64 {
        self.used_pages.load(Ordering::Relaxed)
    }

    /// statfs figures.
    pub fn statfs(&self) -> Statfs {
        let used = self.used_pages();
        let inodes = self.inodes.load(Ordering::Relaxed);
        Statfs {
            f_type: if self.overlay { crate::overlay::OVERLAYFS_SUPER_MAGIC } else { TMPFS_MAGIC },
            f_bsize: PAGE_SIZE as i64,
            f_blocks: self.max_pages,
            f_bfree: self.max_pages.saturating_sub(used),
            f_bavail: self.max_pages.saturating_sub(used),
            f_files: MAX_INODES,
            f_ffree: MAX_INODES.saturating_sub(inodes),
            f_namelen: 255,
            f_frsize: PAGE_SIZE as i64,
            // ST_NOSUID | ST_NODEV, as /tmp and /dev/shm are usually mounted; an
            // overlay root has neither.
            f_flags: if self.overlay { 0 } else { 0x2 | 0x4 },
            ..Default::default()
        }
    }

    fn new_node(self: &Arc<Self>, meta: Meta, kind: Kind) -> KResult<Arc<Node>> {
        self.new_node_from(meta, kind, None)
    }

    fn new_node_from(self: &Arc<Self>, meta: Meta, kind: Kind, origin: Option<(u64, u64)>) -> KResult<Arc<Node>> {
        if self.inodes.fetch_add(1, Ordering::Relaxed) >= MAX_INODES {
            self.inodes.fetch_sub(1, Ordering::Relaxed);
            return_errno!(ENOSPC, "tmpfs inode limit");
        }
        Ok(Arc::new(Node {
            fs: self.clone(),
            ino: self.next_ino.fetch_add(1, Ordering::Relaxed),
            meta: Mutex::new(meta),
            kind,
            origin,
            linkable: Default::default(),
            xattrs: Default::default(),
        }))
    }
}

/// Mount a fresh tmpfs as `parent/name` (shadowing any host entry of that name), its
/// root owned by root with permission bits `mode`.
pub fn mount(parent: &Arc<Dentry>, name: &[u8], mf: Arc<MemoryFile>, max_bytes: u64, mode: u32) -> Arc<Dentry> {
    let root = Tmpfs::new_root(mf, max_bytes, mode, 0, 0);
    let d = Dentry::new_child(parent, name, crate::Inode::Tmpfs(root));
    parent.attach(d.clone());
    d
}

/// Mount a fresh tmpfs as `parent/name` like [`mount`], as the upper layer of an overlay
/// over the directory it covers (see [`crate::overlay`]): the host's entries show through
/// and are copied up into the tmpfs when changed. This is how `runsc do` gives a private,
/// writable /tmp in which the host's /tmp stays readable.
pub fn mount_over(parent: &Arc<Dentry>, name: &[u8], mf: Arc<MemoryFile>, max_bytes: u64, mode: u32) -> Arc<Dentry> {
    let lower = parent.lookup(name).ok().filter(|d| d.is_dir());
    let root = Tmpfs::new_root(mf, max_bytes, mode, 0, 0);
    let d = Dentry::new_child_over(parent, name, crate::Inode::Tmpfs(root), lower);
    parent.attach(d.clone());
    d
}

/// Attributes of a node.
#[derive(Clone, Copy, Debug)]
pub struct Meta {
    /// Type and permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Hard links (directories: 2 + subdirectories; 0 once removed).
    pub nlink: u64,
    /// Last access.
    pub atime: Timespec,
    /// Last data change.
    pub mtime: Timespec,
    /// Last status change.
    pub ctime: Timespec,
}

/// A node of the tree: a file, directory or symbolic link.
pub struct Node {
    fs: Arc<Tmpfs>,
    ino: u64,
    meta: Mutex<Meta>,
    kind: Kind,
    /// For a node copied up from an overlay's lower layer: the (st_dev, st_ino) it had
    /// there, which it keeps reporting so a file's identity survives the copy.
    origin: Option<(u64, u64)>,
    /// An O_TMPFILE file not opened O_EXCL: it may be linked into the tree once, although
    /// it has no name (Linux's I_LINKABLE).
    linkable: std::sync::atomic::AtomicBool,
    /// Extended attributes (a leaf lock).
    xattrs: Mutex<crate::xattr::Xattrs>,
}

enum Kind {
    Reg(Arc<FileData>),
    Dir(Mutex<DirData>),
    Symlink(Vec<u8>),
    Socket(SocketHandle),
    /// A named pipe: every open joins this one pipe.
    Fifo(Arc<crate::pipe::Pipe>),
}

/// What a socket inode names: the bound socket, as its owner (kernel-net) represents it.
pub type SocketHandle = Arc<dyn std::any::Any + Send + Sync>;

/// Directory entries. Cookies start at 2 (0 and 1 are "." and "..") and only grow.
///
/// In the upper layer of an overlay a directory also records *whiteouts* (names deleted
/// from the lower layer, which must no longer show through) and whether it *merges* the
/// lower directory of the same name (only directories copied up from the lower layer
/// do; a directory made in the upper layer hides whatever the lower one had: it is
/// "opaque").
#[derive(Default)]
struct DirData {
    by_cookie: BTreeMap<u64, (Vec<u8>, Arc<Node>)>,
    by_name: HashMap<Vec<u8>, u64>,
    next_cookie: u64,
    whiteouts: std::collections::HashSet<Vec<u8>>,
    merges_lower: bool,
}

/// What a directory holds under a name.
pub enum Entry {
    /// A node.
    Node(Arc<Node>),
    /// A whiteout: the name was removed from the overlay's lower layer.
    Whiteout,
    /// Nothing.
    Missing,
}

/// A node copied up from an overlay's lower layer.
pub enum CopyKind<'a> {
    /// A directory that merges its lower directory.
    Dir,
    /// A regular file; its data is written by the caller's fill function.
    File,
    /// A symbolic link to this target.
    Symlink(&'a [u8]),
}

impl DirData {
    fn get(&self, name: &[u8]) -> Option<&Arc<Node>> {
        self.by_name.get(name).and_then(|c| self.by_cookie.get(c)).map(|(_, n)| n)
    }

    fn insert(&mut self, name: &[u8], node: Arc<Node>) {
        self.remove(name);
        self.whiteouts.remove(name);
        let cookie = self.next_cookie.max(2);
        self.next_cookie = cookie + 1;
        self.by_name.insert(name.to_vec(), cookie);
        self.by_cookie.insert(cookie, (name.to_vec(), node));
    }

    fn remove(&mut self, name: &[u8]) -> Option<Arc<Node>> {
        let cookie = self.by_name.remove(name)?;
        self.by_cookie.remove(&cookie).map(|(_, n)| n)
    }

    fn len(&self) -> usize {
        self.by_cookie.len()
    }
}

/// How a new node is made.
pub enum NewKind<'a> {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link to this target.
    Symlink(&'a [u8]),
    /// A socket inode made by bind(2) for the socket `handle` names (or by mknod(2),
    /// with a handle no socket recognises: connecting to it is refused).
    Socket(SocketHandle),
    /// A named pipe (mknod(2) S_IFIFO).
    Fifo,
}

/// Attribute changes (chmod, chown, utimes, truncate), checked against the caller.
#[derive(Clone, Copy, Debug, Default)]
pub struct SetAttr {
    /// New permission bits.
    pub mode: Option<u32>,
    /// New owner.
    pub uid: Option<u32>,
    /// New group.
    pub gid: Option<u32>,
    /// New access time.
    pub atime: Option<TimeSet>,
    /// New modification time.
    pub mtime: Option<TimeSet>,
}

/// A timestamp to set: the current time, or a given one.
#[derive(Clone, Copy, Debug)]
pub enum TimeSet {
    /// UTIME_NOW.
    Now,
    /// An explicit time.
    At(Timespec),
}

impl Node {
    fn meta(&self) -> MutexGuard<'_, Meta> {
        lock(&self.meta)
    }

    /// The filesystem.
    pub fn fs(&self) -> &Arc<Tmpfs> {
        &self.fs
    }

    /// Inode number (the lower layer's for a node copied up from it).
    pub fn ino(&self) -> u64 {
        self.origin.map_or(self.ino, |(_, ino)| ino)
    }

    /// Device number as stat reports it (the lower layer's for a node copied up).
    pub fn dev(&self) -> u64 {
        self.origin.map_or(self.fs.dev, |(dev, _)| dev)
    }

    /// Current attributes.
    pub fn attrs(&self) -> Meta {
        *self.meta()
    }

    /// Type and permission bits.
    pub fn mode(&self) -> u32 {
        self.meta().mode
    }

    /// Whether the node has been removed from the tree (and is only held open).
    pub fn is_removed(&self) -> bool {
        self.meta().nlink == 0
    }

    /// Whether `cred` may access the node as `want` (R_OK | W_OK | X_OK).
    pub fn permits(&self, cred: &Cred, want: u32) -> bool {
        let m = self.meta();
        cred.permits(m.mode, m.uid, m.gid, want)
    }

    fn check(&self, cred: &Cred, want: u32) -> KResult<()> {
        if !self.permits(cred, want) {
            return_errno!(EACCES);
        }
        Ok(())
    }

    /// The file data of a regular file.
    pub fn data(&self) -> Option<&Arc<FileData>> {
        match &self.kind {
            Kind::Reg(d) => Some(d),
            _ => None,
        }
    }

    /// The socket a socket inode names (`None` for other kinds).
    pub fn socket(&self) -> Option<&SocketHandle> {
        match &self.kind {
            Kind::Socket(h) => Some(h),
            _ => None,
        }
    }

    fn dir(&self) -> KResult<MutexGuard<'_, DirData>> {
        match &self.kind {
            Kind::Dir(d) => Ok(lock(d)),
            _ => return_errno!(ENOTDIR),
        }
    }

    /// stat of the node.
    pub fn stat(&self) -> Stat {
        let (size, blocks) = match &self.kind {
            Kind::Reg(d) => {
                let s = d.state();
                (s.size as i64, s.pages.len() as i64 * (PAGE_SIZE as i64 / 512))
            }
            Kind::Dir(d) => ((lock(d).len() as i64 + 2) * DIRENT_SIZE, 0),
            Kind::Symlink(t) => (t.len() as i64, if t.len() < INLINE_SYMLINK { 0 } else { PAGE_SIZE as i64 / 512 }),
            Kind::Socket(_) | Kind::Fifo(_) => (0, 0),
        };
        let m = self.attrs();
        Stat {
            st_dev: self.dev(),
            st_ino: self.ino(),
            st_nlink: m.nlink,
            st_mode: m.mode,
            st_uid: m.uid,
            st_gid: m.gid,
            st_size: size,
            st_blksize: PAGE_SIZE as i64,
            st_blocks: blocks,
            st_atime: m.atime.tv_sec,
            st_atime_nsec: m.atime.tv_nsec,
            st_mtime: m.mtime.tv_sec,
            st_mtime_nsec: m.mtime.tv_nsec,
            st_ctime: m.ctime.tv_sec,
            st_ctime_nsec: m.ctime.tv_nsec,
            ..Default::default()
        }
    }

    /// The target of a symbolic link; EINVAL otherwise.
    pub fn readlink(&self) -> KResult<Vec<u8>> {
        match &self.kind {
            Kind::Symlink(t) => Ok(t.clone()),
            _ => return_errno!(EINVAL),
        }
    }

    /// The child called `name`; ENOENT if there is none.
    pub fn lookup(&self, name: &[u8]) -> KResult<Arc<Node>> {
        self.dir()?.get(name).cloned().ok_or(errno!(ENOENT))
    }

    /// What the directory holds under `name`, whiteouts included.
    pub fn entry(&self, name: &[u8]) -> KResult<Entry> {
        let d = self.dir()?;
        Ok(match d.get(name) {
            Some(n) => Entry::Node(n.clone()),
            None if d.whiteouts.contains(name) => Entry::Whiteout,
            None => Entry::Missing,
        })
    }

    /// Whether this directory merges the overlay's lower directory of its name (it was
    /// copied up from there); false for every other node.
    pub fn merges_lower(&self) -> bool {
        self.dir().map(|d| d.merges_lower).unwrap_or(false)
    }

    /// The names whited out in this directory.
    pub fn whiteouts(&self) -> Vec<Vec<u8>> {
        self.dir().map(|d| d.whiteouts.iter().cloned().collect()).unwrap_or_default()
    }

    /// Insert a copy of a lower-layer node as `name` with the lower node's attributes
    /// and identity (`origin`), no permission checks (copy-up acts for the kernel).
    /// `fill` writes a regular file's data before the node becomes visible.
    pub fn copy_up_child(
        &self,
        name: &[u8],
        mut meta: Meta,
        kind: CopyKind<'_>,
        origin: (u64, u64),
        fill: impl FnOnce(&FileData) -> KResult<()>,
    ) -> KResult<Arc<Node>> {
        let (node_kind, is_dir) = match kind {
            CopyKind::Dir => {
                let d = DirData { merges_lower: true, ..Default::default() };
                meta.nlink = 2;
                (Kind::Dir(Mutex::new(d)), true)
            }
            CopyKind::File => {
                let data = Arc::new(FileData::new(self.fs.clone()));
                fill(&data)?;
                meta.nlink = 1;
                (Kind::Reg(data), false)
            }
            CopyKind::Symlink(t) => {
                meta.nlink = 1;
                (Kind::Symlink(t.to_vec()), false)
            }
        };
        let node = self.fs.new_node_from(meta, node_kind, Some(origin))?;
        let _ns = lock(&self.fs.ns);
        if self.is_removed() {
            return_errno!(ENOENT, "directory was removed");
        }
        let mut d = self.dir()?;
        if d.get(name).is_some() {
            return_errno!(EEXIST);
        }
        d.insert(name, node.clone());
        drop(d);
        if is_dir {
            self.meta().nlink += 1;
        }
        Ok(node)
    }

    /// Hide the lower layer's `name` (owned by `victim_uid`) in this upper directory:
    /// unlink or rmdir of a name that exists only in the lower layer, with the rules of
    /// removing a name (write permission, sticky directories).
    pub fn whiteout(&self, name: &[u8], victim_uid: u32, cred: &Cred) -> KResult<()> {
        let _ns = lock(&self.fs.ns);
        self.may_delete_uid(victim_uid, cred)?;
        let mut d = self.dir()?;
        if d.get(name).is_some() {
            return_errno!(EEXIST);
        }
        d.whiteouts.insert(name.to_vec());
        drop(d);
        let t = now();
        let mut m = self.meta();
        m.mtime = t;
        m.ctime = t;
        Ok(())
    }

    /// Directory entries from cookie `from` on, in cookie order, as
    /// (cookie, name, inode number, mode) until `f` returns false.
    pub fn entries_from(&self, from: u64, mut f: impl FnMut(u64, &[u8], u64, u32) -> bool) -> KResult<()> {
        let d = self.dir()?;
        for (&cookie, (name, node)) in d.by_cookie.range(from..) {
            if !f(cookie, name, node.ino(), node.mode()) {
                break;
            }
        }
        Ok(())
    }

    /// Whether a directory has no entries.
    pub fn is_empty_dir(&self) -> bool {
        self.dir().map(|d| d.len() == 0).unwrap_or(false)
    }

    /// Mark a data change (write, truncate): mtime and ctime.
    pub fn touch_modified(&self) {
        let t = now();
        let mut m = self.meta();
        m.mtime = t;
        m.ctime = t;
    }

    /// Mark an access with relatime's rule: only when the access time is not newer
    /// than the last change or is a day old.
    pub fn touch_accessed(&self) {
        let t = now();
        let mut m = self.meta();
        let key = |ts: Timespec| (ts.tv_sec, ts.tv_nsec);
        if key(m.atime) <= key(m.mtime) || key(m.atime) <= key(m.ctime) || t.tv_sec - m.atime.tv_sec >= 24 * 3600 {
            m.atime = t;
        }
    }

    /// Create `name` in this directory. `mode` holds the permission bits, already masked
    /// by the umask.
    pub fn create(&self, name: &[u8], kind: NewKind<'_>, mode: u32, cred: &Cred) -> KResult<Arc<Node>> {
        let _ns = lock(&self.fs.ns);
        if self.is_removed() {
            return_errno!(ENOENT, "directory was removed");
        }
        if self.dir()?.get(name).is_some() {
            return_errno!(EEXIST);
        }
        self.check(cred, W_OK | X_OK)?;
        let parent = self.attrs();
        let t = now();
        let mut meta = Meta { mode: 0, uid: cred.uid, gid: cred.gid, nlink: 1, atime: t, mtime: t, ctime: t };
        if parent.mode & S_ISGID != 0 {
            meta.gid = parent.gid;
        }
        let node_kind = match kind {
            NewKind::File => {
                meta.mode = S_IFREG | (mode & 0o7777);
                Kind::Reg(Arc::new(FileData::new(self.fs.clone())))
            }
            NewKind::Dir => {
                meta.mode = S_IFDIR | (mode & 0o7777) | (parent.mode & S_ISGID);
                meta.nlink = 2;
                Kind::Dir(Mutex::default())
            }
            NewKind::Symlink(target) => {
                if target.is_empty() {
                    return_errno!(ENOENT);
                }
                if target.len() > MAX_SYMLINK {
                    return_errno!(ENAMETOOLONG);
                }
                meta.mode = S_IFLNK | 0o777;
                Kind::Symlink(target.to_vec())
            }
            NewKind::Socket(h) => {
                meta.mode = S_IFSOCK | (mode & 0o7777);
                Kind::Socket(h)
            }
            NewKind::Fifo => {
                meta.mode = S_IFIFO | (mode & 0o7777);
                Kind::Fifo(crate::pipe::Pipe::new())
            }
        };
        let is_dir = matches!(node_kind, Kind::Dir(_));
        let node = self.fs.new_node(meta, node_kind)?;
        self.dir()?.insert(name, node.clone());
        let mut m = self.meta();
        if is_dir {
            m.nlink += 1;
        }
        m.mtime = t;
        m.ctime = t;
        Ok(node)
    }

    /// The extended attributes, to read or change (the caller has checked the
    /// namespace rules; a change also sets ctime).
    pub fn xattrs(&self) -> MutexGuard<'_, crate::xattr::Xattrs> {
        lock(&self.xattrs)
    }

    /// Mark a change of attributes (ctime).
    pub fn touch_changed(&self) {
        self.meta().ctime = now();
    }

    /// O_TMPFILE: a regular file of this directory's filesystem with no name (link count
    /// 0), made with the rules of creating in the directory; `linkable` unless O_EXCL.
    pub fn create_tmpfile(&self, mode: u32, cred: &Cred, linkable: bool) -> KResult<Arc<Node>> {
        if self.is_removed() {
            return_errno!(ENOENT, "directory was removed");
        }
        drop(self.dir()?);
        self.check(cred, W_OK | X_OK)?;
        let parent = self.attrs();
        let t = now();
        let mut meta = Meta {
            mode: S_IFREG | (mode & 0o7777),
            uid: cred.uid,
            gid: cred.gid,
            nlink: 0,
            atime: t,
            mtime: t,
            ctime: t,
        };
        if parent.mode & S_ISGID != 0 {
            meta.gid = parent.gid;
        }
        let node = self.fs.new_node(meta, Kind::Reg(Arc::new(FileData::new(self.fs.clone()))))?;
        node.linkable.store(linkable, Ordering::Relaxed);
        Ok(node)
    }

    /// Add the name `name` in this directory for `target` (link(2)).
    pub fn link(&self, name: &[u8], target: &Arc<Node>, cred: &Cred) -> KResult<()> {
        let _ns = lock(&self.fs.ns);
        if self.is_removed() {
            return_errno!(ENOENT, "directory was removed");
        }
        if self.dir()?.get(name).is_some() {
            return_errno!(EEXIST);
        }
        self.check(cred, W_OK | X_OK)?;
        if matches!(target.kind, Kind::Dir(_)) {
            return_errno!(EPERM, "hard link to a directory");
        }
        if target.is_removed() && !target.linkable.swap(false, Ordering::Relaxed) {
            return_errno!(ENOENT, "linking a removed file");
        }
        self.dir()?.insert(name, target.clone());
        let t = now();
        {
            let mut m = target.meta();
            m.nlink += 1;
            m.ctime = t;
        }
        let mut m = self.meta();
        m.mtime = t;
        m.ctime = t;
        Ok(())
    }

    /// The sticky-directory and write-permission rules for removing `victim` from this
    /// directory.
    fn may_delete(&self, victim: &Node, cred: &Cred) -> KResult<()> {
        self.may_delete_uid(victim.attrs().uid, cred)
    }

    /// [`Node::may_delete`] for a victim owned by `victim_uid`.
    pub fn may_delete_uid(&self, victim_uid: u32, cred: &Cred) -> KResult<()> {
        self.check(cred, W_OK | X_OK)?;
        let dir = self.attrs();
        if dir.mode & S_ISVTX != 0 && !cred.is_root() && cred.uid != victim_uid && cred.uid != dir.uid {
            return_errno!(EPERM, "sticky directory");
        }
        Ok(())
    }

    /// Remove `name` (rmdir when `dir`, unlink otherwise). Returns the removed node.
    pub fn unlink(&self, name: &[u8], want_dir: bool, cred: &Cred) -> KResult<Arc<Node>> {
        self.unlink_ext(name, want_dir, cred, false)
    }

    /// [`Node::unlink`], leaving a whiteout in the name's place when `whiteout` (the
    /// overlay's lower layer has the name too).
    pub fn unlink_ext(&self, name: &[u8], want_dir: bool, cred: &Cred, whiteout: bool) -> KResult<Arc<Node>> {
        let _ns = lock(&self.fs.ns);
        let victim = self.dir()?.get(name).cloned().ok_or(errno!(ENOENT))?;
        self.may_delete(&victim, cred)?;
        let is_dir = matches!(victim.kind, Kind::Dir(_));
        match (want_dir, is_dir) {
            (true, false) => return_errno!(ENOTDIR),
            (false, true) => return_errno!(EISDIR),
            (true, true) if !victim.is_empty_dir() => return_errno!(ENOTEMPTY),
            _ => {}
        }
        {
            let mut d = self.dir()?;
            d.remove(name);
            if whiteout {
                d.whiteouts.insert(name.to_vec());
            }
        }
        let t = now();
        {
            let mut v = victim.meta();
            v.nlink = if is_dir { 0 } else { v.nlink.saturating_sub(1) };
            v.ctime = t;
        }
        let mut m = self.meta();
        if is_dir {
            m.nlink = m.nlink.saturating_sub(1);
        }
        m.mtime = t;
        m.ctime = t;
        Ok(victim)
    }

    /// Rename `old_dir/old_name` to `new_dir/new_name` within one tmpfs (the caller has
    /// checked that the two directories share the filesystem and that a directory is not
    /// moved below itself). `flags` are RENAME_NOREPLACE or RENAME_EXCHANGE.
    pub fn rename(
        old_dir: &Arc<Node>,
        old_name: &[u8],
        new_dir: &Arc<Node>,
        new_name: &[u8],
        flags: u32,
        cred: &Cred,
    ) -> KResult<()> {
        Self::rename_ext(old_dir, old_name, new_dir, new_name, flags, cred, false)
    }

    /// [`Node::rename`], leaving a whiteout at the old name when `whiteout_old` (the
    /// overlay's lower layer has that name too).
    pub fn rename_ext(
        old_dir: &Arc<Node>,
        old_name: &[u8],
        new_dir: &Arc<Node>,
        new_name: &[u8],
        flags: u32,
        cred: &Cred,
        whiteout_old: bool,
    ) -> KResult<()> {
        let _ns = lock(&old_dir.fs.ns);
        let old = old_dir.dir()?.get(old_name).cloned().ok_or(errno!(ENOENT))?;
        let new = new_dir.dir()?.get(new_name).cloned();
        if flags & RENAME_EXCHANGE != 0 && new.is_none() {
            return_errno!(ENOENT);
        }
        if flags & RENAME_NOREPLACE != 0 && new.is_some() {
            return_errno!(EEXIST);
        }
        if new_dir.is_removed() {
            return_errno!(ENOENT, "directory was removed");
        }
        if new.as_ref().is_some_and(|n| Arc::ptr_eq(n, &old)) {
            return Ok(());
        }
        let old_is_dir = matches!(old.kind, Kind::Dir(_));
        let new_is_dir = new.as_ref().is_some_and(|n| matches!(n.kind, Kind::Dir(_)));
        old_dir.may_delete(&old, cred)?;
        match &new {
            Some(n) => new_dir.may_delete(n, cred)?,
            None => new_dir.check(cred, W_OK | X_OK)?,
        }
        let moves = !Arc::ptr_eq(old_dir, new_dir);
        if flags & RENAME_EXCHANGE == 0 {
            if let Some(n) = &new {
                match (old_is_dir, new_is_dir) {
                    (true, false) => return_errno!(ENOTDIR),
                    (false, true) => return_errno!(EISDIR),
                    (true, true) if !n.is_empty_dir() => return_errno!(ENOTEMPTY),
                    _ => {}
                }
            }
        }
        // A directory changing parent rewrites its "..": it must be writable.
        if moves
            && ((old_is_dir && !cred.is_root() && !old.permits(cred, W_OK))
                || (flags & RENAME_EXCHANGE != 0
                    && new_is_dir
                    && !cred.is_root()
                    && !new.as_ref().is_some_and(|n| n.permits(cred, W_OK))))
        {
            return_errno!(EACCES);
        }
        let t = now();
        if flags & RENAME_EXCHANGE != 0 {
            let Some(n) = new else { return_errno!(ENOENT) };
            if moves {
                let (mut a, mut b) = (old_dir.dir()?, new_dir.dir()?);
                a.insert(old_name, n.clone());
                b.insert(new_name, old.clone());
            } else {
                let mut a = old_dir.dir()?;
                a.insert(old_name, n.clone());
                a.insert(new_name, old.clone());
            }
            if moves && old_is_dir != new_is_dir {
                let (gain, lose) = if old_is_dir { (new_dir, old_dir) } else { (old_dir, new_dir) };
                gain.meta().nlink += 1;
                let mut l = lose.meta();
                l.nlink = l.nlink.saturating_sub(1);
            }
            n.meta().ctime = t;
        } else {
            if moves {
                let (mut a, mut b) = (old_dir.dir()?, new_dir.dir()?);
                b.insert(new_name, old.clone());
                a.remove(old_name);
                if whiteout_old {
                    a.whiteouts.insert(old_name.to_vec());
                }
            } else {
                let mut a = old_dir.dir()?;
                a.insert(new_name, old.clone());
                a.remove(old_name);
                if whiteout_old {
                    a.whiteouts.insert(old_name.to_vec());
                }
            }
            if let Some(n) = &new {
                let mut m = n.meta();
                m.nlink = if new_is_dir { 0 } else { m.nlink.saturating_sub(1) };
                m.ctime = t;
                drop(m);
                if new_is_dir {
                    let mut d = new_dir.meta();
                    d.nlink = d.nlink.saturating_sub(1);
                }
            }
            if moves && old_is_dir {
                new_dir.meta().nlink += 1;
                let mut d = old_dir.meta();
                d.nlink = d.nlink.saturating_sub(1);
            }
        }
        old.meta().ctime = t;
        for d in [old_dir, new_dir] {
            let mut m = d.meta();
            m.mtime = t;
            m.ctime = t;
        }
        Ok(())
    }

    /// chmod, chown and utimes with Linux's ownership rules.
    pub fn setattr(&self, a: &SetAttr, cred: &Cred) -> KResult<()> {
        let mut m = self.meta();
        let owner = cred.is_root() || cred.uid == m.uid;
        if let Some(uid) = a.uid {
            if !cred.is_root() && uid != m.uid {
                return_errno!(EPERM);
            }
        }
        if let Some(gid) = a.gid {
            if !cred.is_root() && (cred.uid != m.uid || (gid != m.gid && !cred.in_group(gid))) {
                return_errno!(EPERM);
            }
        }
        if a.mode.is_some() && !owner {
            return_errno!(EPERM);
        }
        let explicit_time = matches!(a.atime, Some(TimeSet::At(_))) || matches!(a.mtime, Some(TimeSet::At(_)));
        if (a.atime.is_some() || a.mtime.is_some()) && !owner {
            if explicit_time {
                return_errno!(EPERM);
            }
            if !cred.permits(m.mode, m.uid, m.gid, W_OK) {
                return_errno!(EACCES);
            }
        }
        let t = now();
        if let Some(mut mode) = a.mode {
            mode &= 0o7777;
            if !cred.is_root() && !cred.in_group(m.gid) {
                mode &= !S_ISGID;
            }
            m.mode = (m.mode & S_IFMT) | mode;
        }
        if a.uid.is_some() || a.gid.is_some() {
            if m.mode & S_IFMT != S_IFDIR {
                // A change of owner drops set-user-id, and set-group-id on group-executables.
                m.mode &= !S_ISUID;
                if m.mode & (S_ISGID | 0o010) == S_ISGID | 0o010 {
                    m.mode &= !S_ISGID;
                }
            }
            if let Some(uid) = a.uid {
                m.uid = uid;
            }
            if let Some(gid) = a.gid {
                m.gid = gid;
            }
        }
        let pick = |s: TimeSet| match s {
            TimeSet::Now => t,
            TimeSet::At(ts) => ts,
        };
        if let Some(s) = a.atime {
            m.atime = pick(s);
        }
        if let Some(s) = a.mtime {
            m.mtime = pick(s);
        }
        m.ctime = t;
        Ok(())
    }

    /// truncate(2): `cred` must be allowed to write (ftruncate checks the open mode
    /// instead and passes `None`).
    pub fn truncate(&self, len: u64, cred: Option<&Cred>) -> KResult<()> {
        let data = match &self.kind {
            Kind::Reg(d) => d,
            Kind::Dir(_) => return_errno!(EISDIR),
            Kind::Symlink(_) | Kind::Socket(_) | Kind::Fifo(_) => return_errno!(EINVAL),
        };
        if let Some(c) = cred {
            self.check(c, W_OK)?;
        }
        if len > MAX_FILE_SIZE {
            return_errno!(EFBIG);
        }
        data.set_size(len)?;
        self.touch_modified();
        Ok(())
    }
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node").field("ino", &self.ino).field("mode", &self.mode()).finish()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.fs.inodes.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The contents of a regular file: its size and memory-file pages (one reference each).
/// Holes have no page and read as zeros.
pub struct FileData {
    fs: Arc<Tmpfs>,
    state: Mutex<FileState>,
}

struct FileState {
    size: u64,
    /// Page index -> memory-file offset.
    pages: BTreeMap<u64, u64>,
}

impl FileData {
    fn new(fs: Arc<Tmpfs>) -> FileData {
        FileData { fs, state: Mutex::new(FileState { size: 0, pages: BTreeMap::new() }) }
    }

    fn state(&self) -> MutexGuard<'_, FileState> {
        lock(&self.state)
    }

    /// Current size.
    pub fn size(&self) -> u64 {
        self.state().size
    }

    /// Pages held.
    pub fn pages(&self) -> usize {
        self.state().pages.len()
    }

    fn page_for(&self, st: &mut FileState, idx: u64) -> KResult<u64> {
        if let Some(&p) = st.pages.get(&idx) {
            return Ok(p);
        }
        self.fs.charge(1)?;
        let p = match self.fs.mf.allocate(1) {
            Ok(p) => p,
            Err(e) => {
                self.fs.uncharge(1);
                return Err(e);
            }
        };
        st.pages.insert(idx, p);
        Ok(p)
    }

    /// Read at `off`; short at the end of the file.
    pub fn read_at(&self, buf: &mut [u8], off: u64) -> KResult<usize> {
        let st = self.state();
        if off >= st.size {
            return Ok(0);
        }
        let n = buf.len().min((st.size - off).min(usize::MAX as u64) as usize);
        let mut done = 0;
        while done < n {
            let pos = off + done as u64;
            let idx = pos / PAGE_SIZE;
            let in_page = (pos % PAGE_SIZE) as usize;
            let k = (PAGE_SIZE as usize - in_page).min(n - done);
            match st.pages.get(&idx) {
                Some(&p) => self.fs.mf.read(p + in_page as u64, &mut buf[done..done + k])?,
                None => buf[done..done + k].fill(0),
            }
            done += k;
        }
        Ok(n)
    }

    /// Write at `off`, growing the file. A full filesystem stops the write short
    /// (ENOSPC if nothing was written).
    pub fn write_at(&self, buf: &[u8], off: u64) -> KResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let end = off.checked_add(buf.len() as u64).filter(|&e| e <= MAX_FILE_SIZE).ok_or(errno!(EFBIG))?;
        let mut st = self.state();
        let mut done = 0;
        while done < buf.len() {
            let pos = off + done as u64;
            let idx = pos / PAGE_SIZE;
            let in_page = pos % PAGE_SIZE;
            let k = (PAGE_SIZE - in_page).min((buf.len() - done) as u64) as usize;
            let page = match self.page_for(&mut st, idx) {
                Ok(p) => p,
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            };
            self.fs.mf.write(page + in_page, &buf[done..done + k])?;
            done += k;
        }
        let written_end = if done == buf.len() { end } else { off + done as u64 };
        st.size = st.size.max(written_end);
        Ok(done)
    }

    /// Set the size: shrinking frees whole pages past the end and zeroes the tail of the
    /// last one, so that growing again reads zeros.
    pub fn set_size(&self, len: u64) -> KResult<()> {
        let mut st = self.state();
        if len < st.size {
            let keep = len.div_ceil(PAGE_SIZE);
            let gone = st.pages.split_off(&keep);
            for &p in gone.values() {
                self.fs.mf.dec_ref(p);
            }
            self.fs.uncharge(gone.len() as u64);
            let tail = len % PAGE_SIZE;
            if tail != 0 {
                if let Some(&p) = st.pages.get(&(len / PAGE_SIZE)) {
                    self.fs.mf.zero(p + tail, PAGE_SIZE - tail)?;
                }
            }
        }
        st.size = len;
        Ok(())
    }

    /// fallocate mode 0: back `[off, off+len)` with pages and grow the size to cover it.
    pub fn allocate(&self, off: u64, len: u64) -> KResult<()> {
        let end = off.checked_add(len).filter(|&e| e <= MAX_FILE_SIZE).ok_or(errno!(EFBIG))?;
        let mut st = self.state();
        let first = off / PAGE_SIZE;
        let last = end.div_ceil(PAGE_SIZE);
        let missing = (first..last).filter(|i| !st.pages.contains_key(i)).count() as u64;
        // Check the whole range up front, as Linux does, so a failure allocates nothing.
        if self.fs.used_pages().saturating_add(missing) > self.fs.max_pages {
            return_errno!(ENOSPC);
        }
        for idx in first..last {
            self.page_for(&mut st, idx)?;
        }
        st.size = st.size.max(end);
        Ok(())
    }

    /// lseek's new position for SEEK_END, SEEK_DATA and SEEK_HOLE (the whole file counts
    /// as data).
    pub fn seek_target(&self, off: i64, whence: u32) -> KResult<i64> {
        let size = self.size() as i64;
        match whence {
            SEEK_END => off.checked_add(size).ok_or(errno!(EINVAL)),
            SEEK_DATA if off >= 0 && off < size => Ok(off),
            SEEK_HOLE if off >= 0 && off < size => Ok(size),
            SEEK_DATA | SEEK_HOLE if off >= 0 => return_errno!(ENXIO),
            _ => return_errno!(EINVAL),
        }
    }
}

impl Drop for FileData {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        for &p in st.pages.values() {
            self.fs.mf.dec_ref(p);
        }
        self.fs.uncharge(st.pages.len() as u64);
    }
}

/// A mapping of a tmpfs file: its pages themselves, so MAP_SHARED writes are the file's.
pub struct Mapping {
    data: Arc<FileData>,
    ino: u64,
    name: String,
}

impl Mapping {
    /// The mappable object of `node` (a regular file), named `name` in /proc/self/maps.
    pub fn new(node: &Node, name: String) -> KResult<Mapping> {
        let data = node.data().ok_or(errno!(ENODEV))?.clone();
        Ok(Mapping { data, ino: node.ino, name })
    }
}

impl Mappable for Mapping {
    fn get_page(&self, off: u64) -> KResult<u64> {
        let mut st = self.data.state();
        if off >= st.size.div_ceil(PAGE_SIZE) * PAGE_SIZE {
            return_errno!(EFAULT, "page beyond the end of the file");
        }
        // A full filesystem cannot back the page: the access gets SIGBUS, as on Linux.
        let page = self.data.page_for(&mut st, off / PAGE_SIZE).map_err(|_| errno!(EFAULT, "tmpfs is full"))?;
        self.data.fs.mf.inc_ref(page);
        Ok(page)
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn ident(&self) -> (u64, u64) {
        (self.data.fs.dev, self.ino)
    }
}

/// Open a tmpfs node (permissions already checked): O_TRUNC empties a regular file.
pub(crate) fn open(dentry: Arc<Dentry>, node: &Arc<Node>, flags: u32) -> KResult<Box<dyn FileOps>> {
    use kernel_abi::flags::open::O_TRUNC;
    match &node.kind {
        Kind::Reg(_) => {
            if flags & O_TRUNC != 0 {
                node.truncate(0, None)?;
            }
            Ok(Box::new(RegFile { node: node.clone(), pos: Mutex::new(0), name: dentry.path() }))
        }
        Kind::Dir(_) => Ok(Box::new(DirFile { dentry, node: node.clone(), pos: Mutex::new(0) })),
        Kind::Symlink(_) => return_errno!(ELOOP),
        Kind::Socket(_) => return_errno!(ENXIO, "sockets cannot be opened"),
        Kind::Fifo(p) => crate::pipe::open_fifo(p, dentry, flags),
    }
}

/// An open regular file.
struct RegFile {
    node: Arc<Node>,
    pos: Mutex<u64>,
    name: String,
}

impl RegFile {
    fn data(&self) -> KResult<&Arc<FileData>> {
        self.node.data().ok_or(errno!(EINVAL))
    }
}

impl FileOps for RegFile {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        let mut pos = lock(&self.pos);
        let n = self.pread(buf, *pos)?;
        *pos += n as u64;
        Ok(n)
    }

    fn write(&self, buf: &[u8], append: bool) -> KResult<usize> {
        let data = self.data()?;
        let mut pos = lock(&self.pos);
        if append {
            *pos = data.size();
        }
        let n = data.write_at(buf, *pos)?;
        *pos += n as u64;
        if n > 0 {
            self.node.touch_modified();
        }
        Ok(n)
    }

    fn pread(&self, buf: &mut [u8], off: u64) -> KResult<usize> {
        let n = self.data()?.read_at(buf, off)?;
        self.node.touch_accessed();
        Ok(n)
    }

    fn pwrite(&self, buf: &[u8], off: u64) -> KResult<usize> {
        let n = self.data()?.write_at(buf, off)?;
        if n > 0 {
            self.node.touch_modified();
        }
        Ok(n)
    }

    fn seek(&self, off: i64, whence: u32) -> KResult<u64> {
        let mut pos = lock(&self.pos);
        let new = match whence {
            SEEK_SET => off,
            SEEK_CUR => (*pos as i64).checked_add(off).ok_or(errno!(EINVAL))?,
            _ => self.data()?.seek_target(off, whence)?,
        };
        if new < 0 {
            return_errno!(EINVAL);
        }
        *pos = new as u64;
        Ok(new as u64)
    }

    fn stat(&self) -> KResult<Stat> {
        Ok(self.node.stat())
    }

    fn ioctl(&self, cmd: u64, arg: u64, mm: &kernel_mm::MemoryManager) -> KResult<u64> {
        if cmd != kernel_abi::flags::ioctl::FIONREAD {
            return_errno!(ENOTTY);
        }
        let avail = self.data()?.size().saturating_sub(*lock(&self.pos)).min(i32::MAX as u64) as i32;
        mm.write_val(arg, &avail)?;
        Ok(0)
    }

    fn mappable(&self) -> KResult<Arc<dyn Mappable>> {
        Ok(Arc::new(Mapping::new(&self.node, self.name.clone())?))
    }
}

/// An open directory. The position is the cookie of the next entry: 0 ".", 1 "..",
/// then the entries' own cookies, which survive the removal of other entries.
struct DirFile {
    dentry: Arc<Dentry>,
    node: Arc<Node>,
    pos: Mutex<u64>,
}

pub(crate) fn dtype(mode: u32) -> u8 {
    use kernel_abi::flags::dt::*;
    match mode & S_IFMT {
        S_IFDIR => DT_DIR,
        S_IFLNK => DT_LNK,
        S_IFCHR => DT_CHR,
        S_IFBLK => DT_BLK,
        S_IFIFO => DT_FIFO,
        S_IFSOCK => DT_SOCK,
        _ => DT_REG,
    }
}

impl FileOps for DirFile {
    fn stat(&self) -> KResult<Stat> {
        Ok(self.node.stat())
    }

    fn seek(&self, off: i64, whence: u32) -> KResult<u64> {
        let mut pos = lock(&self.pos);
        let new = match whence {
            SEEK_SET => off,
            SEEK_CUR => (*pos as i64).checked_add(off).ok_or(errno!(EINVAL))?,
            _ => return_errno!(EINVAL),
        };
        if new < 0 {
            return_errno!(EINVAL);
        }
        *pos = new as u64;
        Ok(new as u64)
    }

    fn getdents(&self, buf: &mut [u8]) -> KResult<usize> {
        if self.node.is_removed() {
            return_errno!(ENOENT, "directory was removed");
        }
        let mut pos = lock(&self.pos);
        let mut used = 0;
        let mut full = false;
        let mut put = |used: &mut usize, ino: u64, next: u64, t: u8, name: &[u8]| -> bool {
            match crate::host::put_dirent(&mut buf[*used..], ino, next as i64, t, name) {
                Some(n) => {
                    *used += n;
                    true
                }
                None => false,
            }
        };
        if *pos == 0 {
            if !put(&mut used, self.node.ino, 1, dtype(S_IFDIR), b".") {
                return_errno!(EINVAL);
            }
            *pos = 1;
        }
        if *pos == 1 {
            let parent_ino = match self.dentry.parent() {
                Some(p) => p.stat().map(|s| s.st_ino).unwrap_or(self.node.ino),
                None => self.node.ino,
            };
            if !put(&mut used, parent_ino, 2, dtype(S_IFDIR), b"..") {
                return if used == 0 { Err(errno!(EINVAL)) } else { Ok(used) };
            }
            *pos = 2;
        }
        self.node.entries_from(*pos, |cookie, name, ino, mode| {
            if !put(&mut used, ino, cookie + 1, dtype(mode), name) {
                full = true;
                return false;
            }
            *pos = cookie + 1;
            true
        })?;
        if full && used == 0 {
            return_errno!(EINVAL);
        }
        self.node.touch_accessed();
        Ok(used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs(max: u64) -> (Arc<MemoryFile>, Arc<Node>) {
        let mf = Arc::new(MemoryFile::new(1 << 24).unwrap());
        let root = Tmpfs::new_root(mf.clone(), max, 0o1777, 0, 0);
        (mf, root)
    }

    #[test]
    fn write_read_truncate_and_free() {
        let (mf, root) = fs(1 << 20);
        let f = root.create(b"f", NewKind::File, 0o644, &Cred::root()).unwrap();
        let d = f.data().unwrap().clone();
        assert_eq!(d.write_at(b"hello", 4090).unwrap(), 5);
        assert_eq!(d.size(), 4095);
        assert_eq!(d.pages(), 1);
        assert_eq!(d.write_at(b"world", 8190).unwrap(), 5);
        assert_eq!(d.pages(), 3);
        assert_eq!(f.stat().st_blocks, 24);
        let mut buf = [1u8; 12];
        assert_eq!(d.read_at(&mut buf, 4088).unwrap(), 12);
        assert_eq!(&buf, b"\0\0hello\0\0\0\0\0");
        d.set_size(4092).unwrap();
        assert_eq!(d.pages(), 1);
        d.set_size(5000).unwrap();
        let mut buf = [1u8; 8];
        assert_eq!(d.read_at(&mut buf, 4090).unwrap(), 8);
        assert_eq!(&buf, b"he\0\0\0\0\0\0");
        assert_eq!(root.fs().used_pages(), 1);
        root.unlink(b"f", false, &Cred::root()).unwrap();
        assert_eq!(f.stat().st_nlink, 0);
        drop((f, d));
        assert_eq!(root.fs().used_pages(), 0);
        assert_eq!(mf.allocated_pages(), 0);
    }

    #[test]
    fn size_limit_gives_enospc_and_short_writes() {
        let (_mf, root) = fs(2 * PAGE_SIZE);
        let f = root.create(b"f", NewKind::File, 0o644, &Cred::root()).unwrap();
        let d = f.data().unwrap();
        let buf = vec![7u8; 3 * PAGE_SIZE as usize];
        assert_eq!(d.write_at(&buf, 0).unwrap(), 2 * PAGE_SIZE as usize);
        assert_eq!(d.size(), 2 * PAGE_SIZE);
        assert_eq!(d.write_at(&buf, 2 * PAGE_SIZE).unwrap_err().errno, kernel_abi::Errno::ENOSPC);
        assert_eq!(d.allocate(0, 3 * PAGE_SIZE).unwrap_err().errno, kernel_abi::Errno::ENOSPC);
        assert_eq!(d.write_at(b"x", MAX_FILE_SIZE).unwrap_err().errno, kernel_abi::Errno::EFBIG);
    }

    #[test]
    fn mapping_shares_pages_and_stops_at_eof() {
        let (mf, root) = fs(1 << 20);
        let f = root.create(b"f", NewKind::File, 0o644, &Cred::root()).unwrap();
        let d = f.data().unwrap().clone();
        d.write_at(b"abc", 0).unwrap();
        let m = Mapping::new(&f, "/f".into()).unwrap();
        let p = m.get_page(0).unwrap();
        assert_eq!(mf.ref_count(p), 2);
        mf.write(p + 1, b"Z").unwrap();
        let mut buf = [0u8; 3];
        d.read_at(&mut buf, 0).unwrap();
        assert_eq!(&buf, b"aZc");
        assert_eq!(m.get_page(PAGE_SIZE).unwrap_err().errno, kernel_abi::Errno::EFAULT);
        mf.dec_ref(p);
    }

    #[test]
    fn directory_rules() {
        let (_mf, root) = fs(1 << 20);
        let c = Cred::root();
        let a = root.create(b"a", NewKind::Dir, 0o755, &c).unwrap();
        assert_eq!(root.attrs().nlink, 3);
        assert_eq!(root.create(b"a", NewKind::File, 0o644, &c).unwrap_err().errno, kernel_abi::Errno::EEXIST);
        a.create(b"x", NewKind::File, 0o644, &c).unwrap();
        assert_eq!(root.unlink(b"a", true, &c).unwrap_err().errno, kernel_abi::Errno::ENOTEMPTY);
        assert_eq!(root.unlink(b"a", false, &c).unwrap_err().errno, kernel_abi::Errno::EISDIR);
        assert_eq!(a.unlink(b"x", true, &c).unwrap_err().errno, kernel_abi::Errno::ENOTDIR);
        let x = a.lookup(b"x").unwrap();
        root.link(b"y", &x, &c).unwrap();
        assert_eq!(x.attrs().nlink, 2);
        assert_eq!(root.link(b"z", &a, &c).unwrap_err().errno, kernel_abi::Errno::EPERM);
        a.unlink(b"x", false, &c).unwrap();
        root.unlink(b"a", true, &c).unwrap();
        assert_eq!(root.attrs().nlink, 2);
        assert!(a.is_removed());
        assert_eq!(a.create(b"n", NewKind::File, 0o644, &c).unwrap_err().errno, kernel_abi::Errno::ENOENT);
    }

    #[test]
    fn sticky_directory_protects_other_users_files() {
        let (_mf, root) = fs(1 << 20);
        let alice = Cred { uid: 1, gid: 1, groups: vec![] };
        let bob = Cred { uid: 2, gid: 2, groups: vec![] };
        root.create(b"a", NewKind::File, 0o666, &alice).unwrap();
        assert_eq!(root.unlink(b"a", false, &bob).unwrap_err().errno, kernel_abi::Errno::EPERM);
        root.unlink(b"a", false, &alice).unwrap();
        let d = root.create(b"d", NewKind::Dir, 0o755, &alice).unwrap();
        assert_eq!(d.create(b"x", NewKind::File, 0o644, &bob).unwrap_err().errno, kernel_abi::Errno::EACCES);
        let f = root.create(b"f", NewKind::File, 0o644, &alice).unwrap();
        let chmod = SetAttr { mode: Some(0o600), ..Default::default() };
        assert_eq!(f.setattr(&chmod, &bob).unwrap_err().errno, kernel_abi::Errno::EPERM);
        f.setattr(&chmod, &alice).unwrap();
        assert_eq!(f.mode(), S_IFREG | 0o600);
        let chown = SetAttr { uid: Some(2), ..Default::default() };
        assert_eq!(f.setattr(&chown, &alice).unwrap_err().errno, kernel_abi::Errno::EPERM);
    }

    #[test]
    fn cookies_stay_stable_across_removal() {
        let (_mf, root) = fs(1 << 20);
        let c = Cred::root();
        for n in ["a", "b", "c", "d"] {
            root.create(n.as_bytes(), NewKind::File, 0o644, &c).unwrap();
        }
        let mut seen = Vec::new();
        root.entries_from(0, |cookie, name, _, _| {
            seen.push((cookie, name.to_vec()));
            true
        })
        .unwrap();
        let resume = seen[2].0;
        root.unlink(b"a", false, &c).unwrap();
        root.unlink(b"b", false, &c).unwrap();
        let mut rest = Vec::new();
        root.entries_from(resume, |_, name, _, _| {
            rest.push(name.to_vec());
            true
        })
        .unwrap();
        assert_eq!(rest, vec![b"c".to_vec(), b"d".to_vec()]);
    }
}
