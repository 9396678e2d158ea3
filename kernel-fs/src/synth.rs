//! Synthetic nodes: files, directories and symbolic links whose contents a provider
//! computes when they are looked up or opened (procfs lives in kernel-task on top of
//! this). A file's contents are taken once, at open, like Linux's seq files: a reader
//! sees one consistent snapshot however it splits its reads.

use std::sync::{Arc, Mutex};

use kernel_abi::flags::mode::*;
use kernel_abi::{return_errno, KResult, Stat};

use crate::FileOps;

/// One node of a synthetic filesystem.
pub trait SynthNode: Send + Sync {
    /// `st_mode`: S_IFDIR, S_IFREG or S_IFLNK with permission bits.
    fn mode(&self) -> u32;
    /// `st_ino`, stable for the node's lifetime.
    fn ino(&self) -> u64;
    /// Owner (uid, gid).
    fn owner(&self) -> (u32, u32) {
        (0, 0)
    }
    /// The child called `name` of a directory.
    fn lookup(&self, _name: &[u8]) -> KResult<Arc<dyn SynthNode>> {
        return_errno!(ENOTDIR)
    }
    /// A directory's entries (name, mode, ino), in a stable order.
    fn list(&self) -> KResult<Vec<(Vec<u8>, u32, u64)>> {
        return_errno!(ENOTDIR)
    }
    /// A file's contents now.
    fn contents(&self) -> KResult<Vec<u8>> {
        return_errno!(EINVAL)
    }
    /// A link's target.
    fn readlink(&self) -> KResult<Vec<u8>> {
        return_errno!(EINVAL)
    }
    /// `st_dev` of the filesystem (procfs unless overridden).
    fn dev(&self) -> u64 {
        PROC_DEV
    }
    /// statfs's `f_type` of the filesystem (procfs unless overridden).
    fn fs_magic(&self) -> i64 {
        PROC_SUPER_MAGIC
    }
}

/// `f_type` of procfs.
pub const PROC_SUPER_MAGIC: i64 = 0x9fa0;

/// A node as `stat` shows it.
pub fn stat(n: &dyn SynthNode) -> Stat {
    let (uid, gid) = n.owner();
    let dir = n.mode() & S_IFMT == S_IFDIR;
    Stat {
        st_mode: n.mode(),
        st_nlink: if dir { 2 } else { 1 },
        st_ino: n.ino(),
        st_uid: uid,
        st_gid: gid,
        st_blksize: 4096,
        // A synthetic device of the filesystem's own.
        st_dev: n.dev(),
        ..Default::default()
    }
}

/// The st_dev synthetic nodes report.
pub const PROC_DEV: u64 = 0x16;

/// An open synthetic file: the snapshot taken at open.
pub(crate) struct SynthFile {
    node: Arc<dyn SynthNode>,
    data: Vec<u8>,
    pos: Mutex<u64>,
}

impl SynthFile {
    pub(crate) fn open(node: Arc<dyn SynthNode>) -> KResult<SynthFile> {
        let data = node.contents()?;
        Ok(SynthFile { node, data, pos: Mutex::new(0) })
    }

    fn at(&self, buf: &mut [u8], off: u64) -> usize {
        let start = (off.min(self.data.len() as u64)) as usize;
        let n = buf.len().min(self.data.len() - start);
        buf[..n].copy_from_slice(&self.data[start..start + n]);
        n
    }
}

impl FileOps for SynthFile {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        let mut pos = self.pos.lock().unwrap_or_else(|e| e.into_inner());
        let n = self.at(buf, *pos);
        *pos += n as u64;
        Ok(n)
    }

    fn pread(&self, buf: &mut [u8], off: u64) -> KResult<usize> {
        Ok(self.at(buf, off))
    }

    fn write(&self, _buf: &[u8], _append: bool) -> KResult<usize> {
        return_errno!(EACCES)
    }

    fn seek(&self, off: i64, whence: u32) -> KResult<u64> {
        use kernel_abi::flags::seek::*;
        let mut pos = self.pos.lock().unwrap_or_else(|e| e.into_inner());
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => *pos as i64,
            SEEK_END => self.data.len() as i64,
            _ => return_errno!(EINVAL),
        };
        let new = base.checked_add(off).filter(|&p| p >= 0).ok_or(kernel_abi::errno!(EINVAL))?;
        *pos = new as u64;
        Ok(new as u64)
    }

    fn stat(&self) -> KResult<Stat> {
        Ok(stat(&*self.node))
    }
}

/// An open synthetic directory.
pub(crate) struct SynthDir {
    node: Arc<dyn SynthNode>,
    /// The listing taken at open (Linux too lists a snapshot per getdents call batch).
    entries: Vec<(Vec<u8>, u32, u64)>,
    pos: Mutex<usize>,
}

impl SynthDir {
    pub(crate) fn open(node: Arc<dyn SynthNode>, parent_ino: u64) -> KResult<SynthDir> {
        let mut entries = vec![(b".".to_vec(), S_IFDIR, node.ino()), (b"..".to_vec(), S_IFDIR, parent_ino)];
        entries.extend(node.list()?);
        Ok(SynthDir { node, entries, pos: Mutex::new(0) })
    }
}

impl FileOps for SynthDir {
    fn stat(&self) -> KResult<Stat> {
        Ok(stat(&*self.node))
    }

    fn getdents(&self, buf: &mut [u8]) -> KResult<usize> {
        use kernel_abi::flags::dt;
        let mut pos = self.pos.lock().unwrap_or_else(|e| e.into_inner());
        let mut used = 0;
        while let Some((name, mode, ino)) = self.entries.get(*pos) {
            let t = match mode & S_IFMT {
                S_IFDIR => dt::DT_DIR,
                S_IFLNK => dt::DT_LNK,
                S_IFCHR => dt::DT_CHR,
                _ => dt::DT_REG,
            };
            match crate::host::put_dirent(&mut buf[used..], *ino, (*pos + 1) as i64, t, name) {
                Some(n) => used += n,
                None if used == 0 => return_errno!(EINVAL),
                None => break,
            }
            *pos += 1;
        }
        Ok(used)
    }

    fn seek(&self, off: i64, whence: u32) -> KResult<u64> {
        if whence != kernel_abi::flags::seek::SEEK_SET || off < 0 {
            return_errno!(EINVAL);
        }
        *self.pos.lock().unwrap_or_else(|e| e.into_inner()) = off as usize;
        Ok(off as u64)
    }
}
