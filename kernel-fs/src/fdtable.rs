//! File descriptor tables.

use std::sync::Arc;

use kernel_abi::{return_errno, KResult};

use crate::File;

/// The most descriptors a table may hold (Linux's default fs.nr_open, which also caps
/// RLIMIT_NOFILE).
pub const NR_OPEN: u64 = 1 << 20;

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
        let limit = usize::try_from(limit.min(NR_OPEN)).unwrap_or(1 << 20);
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
        // No table grows past NR_OPEN, whatever limit the caller passes (as `insert`).
        if i as u64 >= limit.min(NR_OPEN) {
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

    /// Found by the fd-table proptest: dup2 to a huge descriptor with an unlimited limit
    /// grew the table to 2^31 slots (32 GiB: the Sentry aborted). Past NR_OPEN it is
    /// EBADF, whatever limit the caller passes.
    #[test]
    fn install_at_never_grows_past_nr_open() {
        let mut t = FdTable::new();
        assert_eq!(t.install_at(i32::MAX, file(), false, u64::MAX).map(|_| ()).unwrap_err().errno, Errno::EBADF);
        assert_eq!(t.install_at(1 << 20, file(), false, u64::MAX).map(|_| ()).unwrap_err().errno, Errno::EBADF);
        assert!(t.install_at((1 << 20) - 1, file(), false, u64::MAX).is_ok());
        assert!(t.fds() == [(1 << 20) - 1]);
    }

    mod model {
        use super::*;
        use proptest::prelude::*;
        use std::collections::BTreeMap;

        #[derive(Clone, Debug)]
        enum Op {
            Insert { min: i32, limit: u64, cloexec: bool },
            InstallAt { fd: i32, limit: u64, cloexec: bool },
            Remove(i32),
            SetCloexec(i32, bool),
            Exec,
        }

        fn fd() -> impl Strategy<Value = i32> {
            prop_oneof![4 => 0i32..12, 1 => Just(-1), 1 => Just(i32::MAX), 1 => any::<i32>()]
        }

        fn op() -> impl Strategy<Value = Op> {
            let limit = prop_oneof![Just(0u64), 1u64..16, Just(u64::MAX)];
            prop_oneof![
                4 => (fd(), limit.clone(), any::<bool>()).prop_map(|(min, limit, cloexec)| Op::Insert { min, limit, cloexec }),
                2 => (fd(), limit, any::<bool>()).prop_map(|(fd, limit, cloexec)| Op::InstallAt { fd, limit, cloexec }),
                3 => fd().prop_map(Op::Remove),
                1 => (fd(), any::<bool>()).prop_map(|(fd, on)| Op::SetCloexec(fd, on)),
                1 => Just(Op::Exec),
            ]
        }

        proptest! {
            /// The table against a map model: the lowest free descriptor is the one handed
            /// out, limits and bad descriptors give Linux's errors, and each descriptor keeps
            /// the file and flag it was given.
            #[test]
            fn matches_a_map_model(ops in proptest::collection::vec(op(), 0..100)) {
                let mut t = FdTable::new();
                let mut model: BTreeMap<i32, (Arc<File>, bool)> = BTreeMap::new();
                for op in ops {
                    match op {
                        Op::Insert { min, limit, cloexec } => {
                            let f = file();
                            let expect = if min < 0 {
                                Err(Errno::EINVAL)
                            } else {
                                let lim = limit.min(NR_OPEN);
                                (i64::from(min)..lim as i64)
                                    .map(|i| i as i32)
                                    .find(|i| !model.contains_key(i))
                                    .ok_or(Errno::EMFILE)
                            };
                            let got = t.insert(f.clone(), cloexec, min, limit).map_err(|e| e.errno);
                            prop_assert_eq!(got, expect);
                            if let Ok(fd) = got {
                                model.insert(fd, (f, cloexec));
                            }
                        }
                        Op::InstallAt { fd, limit, cloexec } => {
                            let f = file();
                            let got = t.install_at(fd, f.clone(), cloexec, limit);
                            if fd < 0 || fd as u64 >= limit.min(NR_OPEN) {
                                prop_assert_eq!(got.map(|_| ()).unwrap_err().errno, Errno::EBADF);
                            } else {
                                let old = model.insert(fd, (f, cloexec)).map(|e| e.0);
                                let got = got.unwrap();
                                prop_assert_eq!(got.is_some(), old.is_some());
                                if let (Some(a), Some(b)) = (got, old) {
                                    prop_assert!(Arc::ptr_eq(&a, &b), "install_at returned another file");
                                }
                            }
                        }
                        Op::Remove(fd) => {
                            let got = t.remove(fd);
                            match model.remove(&fd) {
                                Some((f, _)) => prop_assert!(Arc::ptr_eq(&got.unwrap(), &f)),
                                None => prop_assert_eq!(got.unwrap_err().errno, Errno::EBADF),
                            }
                        }
                        Op::SetCloexec(fd, on) => {
                            let got = t.set_cloexec(fd, on).map_err(|e| e.errno);
                            match model.get_mut(&fd) {
                                Some(e) => {
                                    prop_assert_eq!(got, Ok(()));
                                    e.1 = on;
                                }
                                None => prop_assert_eq!(got, Err(Errno::EBADF)),
                            }
                        }
                        Op::Exec => {
                            let closed = t.close_on_exec();
                            let before = model.len();
                            model.retain(|_, e| !e.1);
                            prop_assert_eq!(closed.len(), before - model.len());
                        }
                    }
                    prop_assert_eq!(t.fds(), model.keys().copied().collect::<Vec<_>>());
                    for (&fd, (f, cloexec)) in &model {
                        prop_assert!(Arc::ptr_eq(&t.get(fd).unwrap(), f));
                        prop_assert_eq!(t.cloexec(fd).unwrap(), *cloexec);
                    }
                    prop_assert!(t.capacity() >= 64 && t.capacity().is_power_of_two());
                    prop_assert!(model.keys().all(|&fd| (fd as usize) < t.capacity()));
                }
            }
        }
    }
}
