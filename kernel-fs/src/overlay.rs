//! Overlays: a writable upper layer (a tmpfs in the memory file) over a read-only lower
//! layer (the host's files), so that a sandbox can change anything it sees while nothing
//! it writes reaches the host. `runsc do` makes the root such an overlay, and /tmp another
//! (a tmpfs of its own over the host's /tmp).
//!
//! # Model
//!
//! The overlay is not a separate filesystem type: it is a relation between dentries.
//!
//! - A *merged* directory is an upper (tmpfs) dentry with a `lower` dentry: a lookup
//!   tries the upper directory, then (unless the upper one holds a *whiteout* of the
//!   name) the lower one. The overlay's root is merged; so is every directory copied up.
//!   A directory made in the upper layer does not merge anything (it is "opaque").
//! - A name found only in the lower layer is the lower dentry itself: reading it costs
//!   nothing more than reading the host's file.
//! - Changing a lower node *copies it up* first: its parent directories are copied up
//!   (as merged directories), then the node (its data, for a regular file, unless it is
//!   about to be truncated), keeping its attributes and its st_dev/st_ino. The lower
//!   dentry is then *redirected* to the upper one ([`Dentry::current`]), so descriptors,
//!   working directories and dentries taken before the copy find the upper node for
//!   every later lookup and change. (A descriptor opened for reading before the copy
//!   keeps reading the lower file, as with Linux's overlayfs.)
//! - Removing a lower name leaves a whiteout in the upper directory; a merged directory
//!   is empty when its upper part is and every lower name is whited out.
//! - As overlayfs without `redirect_dir`, a directory that exists in the lower layer
//!   cannot be renamed: EXDEV, which `mv` answers by copying.
//! - Merged directories report st_nlink 1 (their link count is unknown), and a merged
//!   directory's listing is computed when it is read from offset 0 and kept for the open
//!   file, so offsets stay stable while entries come and go.
//!
//! Copy-ups are serialized by one lock, taken before any dentry or tmpfs lock.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use kernel_abi::flags::dt;
use kernel_abi::flags::mode::*;
use kernel_abi::flags::open::{O_DIRECTORY, O_RDONLY};
use kernel_abi::{return_errno, KResult, Stat, Timespec};
use kernel_mm::MemoryFile;

use crate::cred::Cred;
use crate::dentry::Redirect;
use crate::tmpfs::{self, CopyKind, Meta, Node, Tmpfs};
use crate::{Dentry, FileOps, Inode};

/// `f_type` of an overlay in statfs.
pub const OVERLAYFS_SUPER_MAGIC: i64 = 0x794c_7630;

static COPY_UP: Mutex<()> = Mutex::new(());

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Make the root of an overlay: a fresh tmpfs of at most `max_bytes` over `lower`.
pub fn new_root(lower: Arc<Dentry>, mf: Arc<MemoryFile>, max_bytes: u64) -> KResult<Arc<Dentry>> {
    if !lower.is_dir() {
        return_errno!(ENOTDIR);
    }
    let st = lower.stat()?;
    let root = Tmpfs::new_overlay_root(mf, max_bytes, &st);
    Ok(Dentry::new_root_over(Inode::Tmpfs(root), Some(lower)))
}

/// Mount an overlay of a fresh tmpfs over the directory `lower` as `parent/name` (a
/// writable bind mount whose changes stay in the sandbox).
pub fn mount(
    parent: &Arc<Dentry>,
    name: &[u8],
    lower: Arc<Dentry>,
    mf: Arc<MemoryFile>,
    max_bytes: u64,
) -> KResult<Arc<Dentry>> {
    if !lower.is_dir() {
        return_errno!(ENOTDIR);
    }
    let st = lower.stat()?;
    let top = Tmpfs::new_overlay_root(mf, max_bytes, &st);
    let d = Dentry::new_child_over(parent, name, Inode::Tmpfs(top), Some(lower));
    parent.attach(d.clone());
    Ok(d)
}

/// The upper dentry of the overlay a lower-layer node belongs to (the nearest ancestor
/// that an upper dentry stands for), or `None` outside any overlay.
pub(crate) fn upper_of(d: &Arc<Dentry>) -> Option<Arc<Dentry>> {
    let mut cur = Some(d.clone());
    while let Some(c) = cur {
        if c.is_redirected() {
            let up = c.current();
            return matches!(up.inode(), Inode::Tmpfs(_)).then_some(up);
        }
        cur = c.parent_raw();
    }
    None
}

/// Copy the lower-layer node `d` (and its missing ancestors) up into its overlay's upper
/// layer; returns the upper dentry. A regular file's data is copied when `with_data`.
/// EROFS for a node outside any overlay.
pub(crate) fn copy_up(d: &Arc<Dentry>, with_data: bool) -> KResult<Arc<Dentry>> {
    let _g = lock(&COPY_UP);
    copy_up_locked(d, with_data)
}

fn copy_up_locked(d: &Arc<Dentry>, with_data: bool) -> KResult<Arc<Dentry>> {
    let d = d.current();
    if !matches!(d.inode(), Inode::Host(_)) {
        return Ok(d);
    }
    let Some(parent) = d.parent_raw() else { return_errno!(EROFS, "the host root is read-only") };
    let mut up_parent = parent.current();
    if matches!(up_parent.inode(), Inode::Host(_)) {
        up_parent = copy_up_locked(&up_parent, true)?;
    }
    let (Inode::Tmpfs(dir), Some(_)) = (up_parent.inode(), up_parent.lower()) else {
        return_errno!(EROFS, "the host root is read-only");
    };
    let st = d.stat()?;
    let name = d.name();
    let meta = meta_of(&st);
    let origin = (st.st_dev, st.st_ino);
    let target;
    let kind = match st.st_mode & S_IFMT {
        S_IFDIR => CopyKind::Dir,
        S_IFREG => CopyKind::File,
        S_IFLNK => {
            target = d.readlink()?;
            CopyKind::Symlink(&target)
        }
        _ => return_errno!(EROFS, "special files of the host are not copied up"),
    };
    let is_dir = matches!(kind, CopyKind::Dir);
    let node = dir.copy_up_child(&name, meta, kind, origin, |data| {
        if with_data && st.st_size > 0 {
            copy_data(&d, data)?;
        }
        Ok(())
    })?;
    let up = Dentry::new_child_over(&up_parent, &name, Inode::Tmpfs(node), is_dir.then(|| d.clone()));
    up_parent.cache_child(&up);
    if !is_dir {
        // (A directory was pointed at its upper dentry when that was made.)
        d.set_redirect(Redirect::File(up.clone()));
    }
    log::debug!("copied up {}", up.path());
    Ok(up)
}

fn meta_of(st: &Stat) -> Meta {
    Meta {
        mode: st.st_mode,
        uid: st.st_uid,
        gid: st.st_gid,
        nlink: 1,
        atime: Timespec { tv_sec: st.st_atime, tv_nsec: st.st_atime_nsec },
        mtime: Timespec { tv_sec: st.st_mtime, tv_nsec: st.st_mtime_nsec },
        ctime: Timespec { tv_sec: st.st_ctime, tv_nsec: st.st_ctime_nsec },
    }
}

/// Copy a lower file's contents into `data`.
fn copy_data(d: &Arc<Dentry>, data: &tmpfs::FileData) -> KResult<()> {
    let f = d.open_raw(O_RDONLY)?;
    let mut buf = vec![0u8; 1 << 16];
    let mut off = 0u64;
    loop {
        let n = f.pread(&mut buf, off)?;
        if n == 0 {
            return Ok(());
        }
        let mut done = 0;
        while done < n {
            done += data.write_at(&buf[done..n], off + done as u64)?;
        }
        off += n as u64;
    }
}

/// The entries of a directory (other than "." and ".."), as (name, inode number, d_type).
fn read_dir(d: &Arc<Dentry>) -> KResult<Vec<(Vec<u8>, u64, u8)>> {
    let f = d.open_raw(O_RDONLY | O_DIRECTORY)?;
    let mut buf = vec![0u8; 1 << 15];
    let mut out = Vec::new();
    loop {
        let n = f.getdents(&mut buf)?;
        if n == 0 {
            return Ok(out);
        }
        let mut at = 0;
        while at + kernel_abi::DIRENT64_NAME_OFFSET <= n {
            let rec = &buf[at..n];
            let ino = u64::from_le_bytes(rec[0..8].try_into().unwrap_or_default());
            let reclen = usize::from(u16::from_le_bytes([rec[16], rec[17]]));
            if reclen < kernel_abi::DIRENT64_NAME_OFFSET || reclen > rec.len() {
                return_errno!(EIO, "malformed directory entry");
            }
            let name_bytes = &rec[kernel_abi::DIRENT64_NAME_OFFSET..reclen];
            let len = name_bytes.iter().position(|&b| b == 0).unwrap_or(name_bytes.len());
            let name = &name_bytes[..len];
            if name != b"." && name != b".." {
                out.push((name.to_vec(), ino, rec[18]));
            }
            at += reclen;
        }
    }
}

/// Whether the directory `d` is empty as the overlay shows it: a lower-only directory
/// when the lower one is, a merged one when its upper part is and every lower name is
/// whited out.
pub(crate) fn is_empty(d: &Arc<Dentry>) -> KResult<bool> {
    match (d.inode(), d.lower()) {
        (Inode::Tmpfs(n), Some(lower)) => {
            if !n.is_empty_dir() {
                return Ok(false);
            }
            let wh: HashSet<Vec<u8>> = n.whiteouts().into_iter().collect();
            Ok(read_dir(lower)?.iter().all(|(name, _, _)| wh.contains(name)))
        }
        (Inode::Tmpfs(n), None) => Ok(n.is_empty_dir()),
        _ => Ok(read_dir(d)?.is_empty()),
    }
}

fn lower_has(m: &Arc<Dentry>, name: &[u8]) -> bool {
    m.lower().is_some_and(|l| l.lookup_raw(name).is_ok())
}

/// A directory of the lower layer (which cannot be renamed).
fn is_lower_dir(d: &Arc<Dentry>) -> bool {
    d.is_dir() && (matches!(d.inode(), Inode::Host(_)) || d.lower().is_some())
}

/// unlink or rmdir of `name` (found as `victim`) in the merged directory `m`.
pub(crate) fn remove(m: &Arc<Dentry>, name: &[u8], victim: &Arc<Dentry>, want_dir: bool, cred: &Cred) -> KResult<()> {
    let Inode::Tmpfs(dir) = m.inode() else { return_errno!(EROFS) };
    match victim.inode() {
        Inode::Tmpfs(_) => {
            if want_dir && victim.lower().is_some() && !is_empty(victim)? {
                return_errno!(ENOTEMPTY);
            }
            dir.unlink_ext(name, want_dir, cred, lower_has(m, name))?;
        }
        _ => {
            // Only in the lower layer: hide it.
            let uid = victim.stat()?.st_uid;
            dir.may_delete_uid(uid, cred)?;
            if want_dir && !is_empty(victim)? {
                return_errno!(ENOTEMPTY);
            }
            dir.whiteout(name, uid, cred)?;
        }
    }
    Ok(())
}

/// What a rename in an overlay must do before the upper layer's rename: refuse to move
/// lower directories, copy lower files up, and check a lower-only target the upper
/// layer cannot see. Returns whether the old name needs a whiteout.
#[allow(clippy::too_many_arguments)]
pub(crate) fn prepare_rename(
    old_dir: &Arc<Dentry>,
    old_name: &[u8],
    old: &Arc<Dentry>,
    new_dir: &Arc<Dentry>,
    new: Option<&Arc<Dentry>>,
    exchange: bool,
    cred: &Cred,
) -> KResult<bool> {
    if is_lower_dir(old) || (exchange && new.is_some_and(is_lower_dir)) {
        return_errno!(EXDEV, "directories of the lower layer cannot be renamed");
    }
    if matches!(old.inode(), Inode::Host(_)) {
        copy_up(old, true)?;
    }
    if let Some(n) = new {
        if matches!(n.inode(), Inode::Host(_)) {
            if exchange {
                copy_up(n, true)?;
            } else {
                match (old.is_dir(), n.is_dir()) {
                    (true, false) => return_errno!(ENOTDIR),
                    (false, true) => return_errno!(EISDIR),
                    _ => {}
                }
                let Inode::Tmpfs(nd) = new_dir.inode() else { return_errno!(EROFS) };
                nd.may_delete_uid(n.stat()?.st_uid, cred)?;
                if n.is_dir() && !is_empty(n)? {
                    return_errno!(ENOTEMPTY);
                }
            }
        } else if !exchange && old.is_dir() && n.lower().is_some() && !is_empty(n)? {
            return_errno!(ENOTEMPTY);
        }
    }
    Ok(!exchange && lower_has(old_dir, old_name))
}

/// A merged directory opened for reading: its listing (upper entries, then the lower
/// ones neither shadowed nor whited out) is made at offset 0 and kept.
pub(crate) struct MergedDir {
    dentry: Arc<Dentry>,
    node: Arc<Node>,
    state: Mutex<Listing>,
}

#[derive(Default)]
struct Listing {
    pos: u64,
    entries: Option<Vec<(Vec<u8>, u64, u8)>>,
}

impl MergedDir {
    pub(crate) fn new(dentry: Arc<Dentry>, node: Arc<Node>) -> MergedDir {
        MergedDir { dentry, node, state: Mutex::default() }
    }

    fn list(&self) -> KResult<Vec<(Vec<u8>, u64, u8)>> {
        let parent_ino = match self.dentry.parent() {
            Some(p) => p.stat().map(|s| s.st_ino).unwrap_or(self.node.ino()),
            None => self.node.ino(),
        };
        let mut v = vec![(b".".to_vec(), self.node.ino(), dt::DT_DIR), (b"..".to_vec(), parent_ino, dt::DT_DIR)];
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        self.node.entries_from(2, |_, name, ino, mode| {
            seen.insert(name.to_vec());
            v.push((name.to_vec(), ino, tmpfs::dtype(mode)));
            true
        })?;
        seen.extend(self.node.whiteouts());
        if let Some(lower) = self.dentry.lower() {
            for e in read_dir(lower)? {
                if seen.insert(e.0.clone()) {
                    v.push(e);
                }
            }
        }
        // The Sentry's own mounts here (/proc, /dev...), should the lower layer lack them.
        for (name, mode, ino) in self.dentry.synthetic_entries() {
            if seen.insert(name.clone().into_bytes()) {
                v.push((name.into_bytes(), ino, tmpfs::dtype(mode)));
            }
        }
        Ok(v)
    }
}

impl FileOps for MergedDir {
    fn stat(&self) -> KResult<Stat> {
        self.dentry.stat()
    }

    fn seek(&self, off: i64, whence: u32) -> KResult<u64> {
        use kernel_abi::flags::seek::{SEEK_CUR, SEEK_SET};
        let mut st = lock(&self.state);
        let new = match whence {
            SEEK_SET => off,
            SEEK_CUR => (st.pos as i64).checked_add(off).ok_or(kernel_abi::errno!(EINVAL))?,
            _ => return_errno!(EINVAL),
        };
        if new < 0 {
            return_errno!(EINVAL);
        }
        st.pos = new as u64;
        Ok(new as u64)
    }

    fn getdents(&self, buf: &mut [u8]) -> KResult<usize> {
        if self.node.is_removed() {
            return_errno!(ENOENT, "directory was removed");
        }
        let mut st = lock(&self.state);
        if st.pos == 0 || st.entries.is_none() {
            st.entries = Some(self.list()?);
        }
        let Listing { pos, entries } = &mut *st;
        let entries = entries.as_deref().unwrap_or_default();
        let mut used = 0;
        while let Some((name, ino, t)) = usize::try_from(*pos).ok().and_then(|i| entries.get(i)) {
            match crate::host::put_dirent(&mut buf[used..], *ino, (*pos + 1) as i64, *t, name) {
                Some(n) => used += n,
                None if used == 0 => return_errno!(EINVAL),
                None => break,
            }
            *pos += 1;
        }
        self.node.touch_accessed();
        Ok(used)
    }
}
