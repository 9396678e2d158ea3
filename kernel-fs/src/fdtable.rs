//! File descriptor tables.

use std::sync::Arc;

use kernel_abi::{return_errno, KResult};

use crate::File;

#[derive(Clone)]
struct Entry {
    file: Arc<File>,
    cloexec: bool,
}

/// A process's descriptor table.
#[derive(Clone, Default)]
pub struct FdTable {
    slots: Vec<Option<Entry>>,
}

impl FdTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The file at `fd`, or EBADF.
    pub fn get(&self, fd: i32) -> KResult<Arc<File>> {
        self.entry(fd).map(|e| e.file.clone())
    }

    fn entry(&self, fd: i32) -> KResult<&Entry> {
        match usize::try_from(fd).ok().and_then(|i| self.slots.get(i)).and_then(Option::as_ref) {
            Some(e) => Ok(e),
            None => return_errno!(EBADF),
        }
    }

    /// Close-on-exec flag of `fd`.
    pub fn cloexec(&self, fd: i32) -> KResult<bool> {
        self.entry(fd).map(|e| e.cloexec)
    }

    /// Set the close-on-exec flag of `fd`.
    pub fn set_cloexec(&mut self, fd: i32, on: bool) -> KResult<()> {
        match usize::try_from(fd).ok().and_then(|i| self.slots.get_mut(i)).and_then(Option::as_mut) {
            Some(e) => {
                e.cloexec = on;
                Ok(())
            }
            None => return_errno!(EBADF),
        }
    }

    /// Install `file` at the lowest free descriptor >= `min`, below `limit` (RLIMIT_NOFILE).
    pub fn insert(&mut self, file: Arc<File>, cloexec: bool, min: i32, limit: u64) -> KResult<i32> {
        let min = usize::try_from(min).map_err(|_| kernel_abi::errno!(EINVAL))?;
        let limit = usize::try_from(limit.min(1 << 20)).unwrap_or(1 << 20);
        if min >= limit {
            return_errno!(EMFILE);
        }
        let fd =
            (min..limit).find(|&i| self.slots.get(i).is_none_or(Option::is_none)).ok_or(kernel_abi::errno!(EMFILE))?;
        self.put(fd, Entry { file, cloexec });
        Ok(fd as i32)
    }

    fn put(&mut self, fd: usize, e: Entry) {
        if self.slots.len() <= fd {
            self.slots.resize(fd + 1, None);
        }
        self.slots[fd] = Some(e);
    }

    /// Install `file` at exactly `fd` (dup2/dup3), replacing what was there; the replaced
    /// file is returned so the caller drops it outside any lock.
    pub fn install_at(&mut self, fd: i32, file: Arc<File>, cloexec: bool, limit: u64) -> KResult<Option<Arc<File>>> {
        let i = usize::try_from(fd).map_err(|_| kernel_abi::errno!(EBADF))?;
        if i as u64 >= limit {
            return_errno!(EBADF);
        }
        let old = self.slots.get_mut(i).and_then(Option::take).map(|e| e.file);
        self.put(i, Entry { file, cloexec });
        Ok(old)
    }

    /// Remove `fd`.
    pub fn remove(&mut self, fd: i32) -> KResult<Arc<File>> {
        match usize::try_from(fd).ok().and_then(|i| self.slots.get_mut(i)).and_then(Option::take) {
            Some(e) => Ok(e.file),
            None => return_errno!(EBADF),
        }
    }

    /// Close every close-on-exec descriptor (execve); the closed files are returned so
    /// the caller can drop the locks they held and drop them outside any lock.
    pub fn close_on_exec(&mut self) -> Vec<Arc<File>> {
        let mut closed = Vec::new();
        for s in &mut self.slots {
            if s.as_ref().is_some_and(|e| e.cloexec) {
                closed.extend(s.take().map(|e| e.file));
            }
        }
        closed
    }

    /// The size Linux's descriptor table would have: 64 slots, doubled as higher
    /// descriptors are used (select ignores descriptors beyond it).
    pub fn capacity(&self) -> usize {
        self.slots.len().max(64).next_power_of_two()
    }

    /// Descriptors in use, ascending.
    pub fn fds(&self) -> Vec<i32> {
        self.slots.iter().enumerate().filter(|(_, s)| s.is_some()).map(|(i, _)| i as i32).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::{Device, DeviceFile};
    use kernel_abi::Errno;

    fn file() -> Arc<File> {
        File::new(Box::new(DeviceFile::new(Device::Null)), 2, None, "/dev/null".into())
    }

    #[test]
    fn lowest_free_and_limits() {
        let mut t = FdTable::new();
        assert_eq!(t.insert(file(), false, 0, 3).unwrap(), 0);
        assert_eq!(t.insert(file(), false, 0, 3).unwrap(), 1);
        assert_eq!(t.insert(file(), true, 5, 10).unwrap(), 5);
        assert!(t.cloexec(5).unwrap());
        t.remove(0).unwrap();
        assert_eq!(t.insert(file(), false, 0, 3).unwrap(), 0);
        assert_eq!(t.insert(file(), false, 0, 3).unwrap(), 2);
        assert_eq!(t.insert(file(), false, 0, 3).unwrap_err().errno, Errno::EMFILE);
        assert_eq!(t.get(7).unwrap_err().errno, Errno::EBADF);
        assert_eq!(t.get(-1).unwrap_err().errno, Errno::EBADF);
        t.close_on_exec();
        assert_eq!(t.fds(), vec![0, 1, 2]);
        assert!(t.install_at(1, file(), true, 10).unwrap().is_some());
        assert!(t.cloexec(1).unwrap());
        assert_eq!(t.install_at(10, file(), false, 10).unwrap_err().errno, Errno::EBADF);
    }
}
