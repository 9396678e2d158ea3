//! sysfs: the few files of /sys that libc, language runtimes and the JVM read, as a
//! fixed tree of [`SynthNode`]s made at mount time.
//!
//! - `/sys/devices/system/cpu/{online,possible,present,offline,kernel_max,isolated}` and
//!   `cpuN` directories, for the CPUs the sandbox shows: `0..n`, the same set
//!   `sched_getaffinity` reports;
//! - `/sys/fs/cgroup`: an empty directory (no cgroups are emulated);
//! - `/sys/kernel/mm/transparent_hugepage/{enabled,defrag,hpage_pmd_size}`.
//!
//! Everything is read-only; statfs reports SYSFS_MAGIC.

use std::collections::BTreeMap;
use std::sync::Arc;

use kernel_abi::flags::mode::*;
use kernel_abi::{return_errno, KResult};

use crate::dentry::{Dentry, Inode};
use crate::synth::SynthNode;

/// `f_type` of sysfs.
pub const SYSFS_MAGIC: i64 = 0x6265_6572;
/// The st_dev sysfs nodes report.
pub const SYSFS_DEV: u64 = 0x15;

enum Kind {
    Dir(BTreeMap<Vec<u8>, Arc<Node>>),
    File(Vec<u8>),
}

/// A node of the fixed tree.
struct Node {
    ino: u64,
    kind: Kind,
}

impl SynthNode for Node {
    fn mode(&self) -> u32 {
        match self.kind {
            Kind::Dir(_) => S_IFDIR | 0o755,
            Kind::File(_) => S_IFREG | 0o444,
        }
    }
    fn ino(&self) -> u64 {
        self.ino
    }
    fn lookup(&self, name: &[u8]) -> KResult<Arc<dyn SynthNode>> {
        match &self.kind {
            Kind::Dir(c) => match c.get(name) {
                Some(n) => Ok(n.clone()),
                None => return_errno!(ENOENT),
            },
            Kind::File(_) => return_errno!(ENOTDIR),
        }
    }
    fn list(&self) -> KResult<Vec<(Vec<u8>, u32, u64)>> {
        match &self.kind {
            Kind::Dir(c) => Ok(c.iter().map(|(k, n)| (k.clone(), n.mode(), n.ino)).collect()),
            Kind::File(_) => return_errno!(ENOTDIR),
        }
    }
    fn contents(&self) -> KResult<Vec<u8>> {
        match &self.kind {
            Kind::File(d) => Ok(d.clone()),
            Kind::Dir(_) => return_errno!(EISDIR),
        }
    }
    fn dev(&self) -> u64 {
        SYSFS_DEV
    }
    fn fs_magic(&self) -> i64 {
        SYSFS_MAGIC
    }
}

/// Builds the tree, numbering nodes as it goes.
struct Builder {
    next_ino: u64,
}

impl Builder {
    fn ino(&mut self) -> u64 {
        self.next_ino += 1;
        self.next_ino
    }

    fn file(&mut self, data: String) -> Arc<Node> {
        Arc::new(Node { ino: self.ino(), kind: Kind::File(data.into_bytes()) })
    }

    fn dir(&mut self, children: Vec<(String, Arc<Node>)>) -> Arc<Node> {
        let map = children.into_iter().map(|(k, v)| (k.into_bytes(), v)).collect();
        Arc::new(Node { ino: self.ino(), kind: Kind::Dir(map) })
    }
}

/// A CPU list as Linux prints it ("0", "0-3").
fn cpu_range(ncpus: u64) -> String {
    if ncpus <= 1 {
        "0\n".into()
    } else {
        format!("0-{}\n", ncpus - 1)
    }
}

/// The root of a sysfs showing `ncpus` CPUs (at least one).
pub fn root(ncpus: u64) -> Arc<dyn SynthNode> {
    let ncpus = ncpus.max(1);
    let mut b = Builder { next_ino: 1 };
    let range = cpu_range(ncpus);
    let mut cpu: Vec<(String, Arc<Node>)> = vec![
        ("online".into(), b.file(range.clone())),
        ("possible".into(), b.file(range.clone())),
        ("present".into(), b.file(range)),
        ("offline".into(), b.file("\n".into())),
        ("isolated".into(), b.file("\n".into())),
        ("kernel_max".into(), b.file("8191\n".into())),
    ];
    for n in 0..ncpus {
        let online = b.file("1\n".into());
        let d = b.dir(vec![("online".into(), online)]);
        cpu.push((format!("cpu{n}"), d));
    }
    let cpu = b.dir(cpu);
    let system = b.dir(vec![("cpu".into(), cpu)]);
    let devices = b.dir(vec![("system".into(), system)]);
    let cgroup = b.dir(Vec::new());
    let fs = b.dir(vec![("cgroup".into(), cgroup)]);
    let thp = vec![
        ("enabled".into(), b.file("always [madvise] never\n".into())),
        ("defrag".into(), b.file("always defer defer+madvise [madvise] never\n".into())),
        ("hpage_pmd_size".into(), b.file("2097152\n".into())),
    ];
    let thp = b.dir(thp);
    let mm = b.dir(vec![("transparent_hugepage".into(), thp)]);
    let kernel = b.dir(vec![("mm".into(), mm)]);
    let root = Arc::new(Node {
        ino: 1,
        kind: Kind::Dir(
            [("devices", devices), ("fs", fs), ("kernel", kernel)]
                .into_iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), v))
                .collect(),
        ),
    });
    root
}

/// Mount a sysfs showing `ncpus` CPUs at `parent/sys`.
pub fn mount(parent: &Arc<Dentry>, ncpus: u64) {
    parent.attach(Dentry::new_child(parent, b"sys", Inode::Synth(root(ncpus))));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(n: &Arc<dyn SynthNode>, path: &[&str]) -> String {
        let mut cur = n.clone();
        for p in path {
            cur = cur.lookup(p.as_bytes()).unwrap();
        }
        String::from_utf8(cur.contents().unwrap()).unwrap()
    }

    #[test]
    fn cpus_agree() {
        let r = root(4);
        assert_eq!(read(&r, &["devices", "system", "cpu", "online"]), "0-3\n");
        assert_eq!(read(&r, &["devices", "system", "cpu", "possible"]), "0-3\n");
        let cpu = r.lookup(b"devices").unwrap().lookup(b"system").unwrap().lookup(b"cpu").unwrap();
        let dirs = cpu.list().unwrap().into_iter().filter(|(n, m, _)| n.starts_with(b"cpu") && m & S_IFMT == S_IFDIR);
        assert_eq!(dirs.count(), 4);
        assert_eq!(read(&root(1), &["devices", "system", "cpu", "online"]), "0\n");
        assert!(r.lookup(b"fs").unwrap().lookup(b"cgroup").unwrap().list().unwrap().is_empty());
        assert_eq!(r.dev(), SYSFS_DEV);
    }
}
