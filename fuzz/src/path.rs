//! The path-resolution target: arbitrary paths resolved by [`kernel_fs::path::resolve`]
//! and [`kernel_fs::path::resolve_parent`] over two fixture trees built once per process:
//!
//! - a tmpfs root with directories, files, relative and absolute symlinks, symlink loops,
//!   dangling links, links that climb above the root, a tmpfs mount (`/mnt`) and a
//!   read-only host bind mount (`/host`);
//! - an overlay root over a small host directory (symlinks there too), with a tmpfs
//!   mounted over its `/d/sub`.
//!
//! Input: one control byte (which tree, which working directory, whether the last
//! component is followed), then the path.
//!
//! Invariants: no panic; whatever resolves lies inside the root it was resolved in (".."
//! and symlinks never escape); resolving is repeatable (the same answer twice, so the
//! dentry caches do not change it); the parent walk agrees with the full walk.

use std::sync::{Arc, OnceLock};

use kernel_abi::{Errno, KResult};
use kernel_fs::path::{resolve, resolve_parent, Last};
use kernel_fs::tmpfs::{NewKind, Tmpfs};
use kernel_fs::{Cred, Dentry, Inode};
use kernel_mm::MemoryFile;

/// The fixture trees and the working directories the inputs choose from.
pub struct Fixture {
    /// The tmpfs tree and the overlay tree.
    pub roots: [Arc<Dentry>; 2],
    /// Working directories of each tree.
    pub cwds: [Vec<Arc<Dentry>>; 2],
    _mf: Arc<MemoryFile>,
}

fn host_dir() -> std::io::Result<std::path::PathBuf> {
    use std::os::unix::fs::symlink;
    const PREFIX: &str = "rvisor-fuzz-paths-";
    // The directories of processes that are gone are removed (each process has its own).
    for e in std::fs::read_dir(std::env::temp_dir())?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix(PREFIX) {
            if !std::path::Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let p = std::env::temp_dir().join(format!("{PREFIX}{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(p.join("d/sub/deep"))?;
    std::fs::create_dir_all(p.join("e"))?;
    std::fs::write(p.join("d/f"), "f\n")?;
    std::fs::write(p.join("d/sub/g"), "g\n")?;
    symlink("d/f", p.join("link"))?;
    symlink("..", p.join("d/up"))?;
    symlink("/d/sub", p.join("e/abs"))?;
    symlink("loop", p.join("loop"))?;
    symlink("../../../../../../..", p.join("d/sub/climb"))?;
    symlink("nowhere", p.join("dangling"))?;
    Ok(p)
}

fn tree(mf: &Arc<MemoryFile>, host: &std::path::Path) -> KResult<(Arc<Dentry>, Vec<Arc<Dentry>>)> {
    let cred = Cred::root();
    let root = Dentry::new_root(Inode::Tmpfs(Tmpfs::new_root(mf.clone(), 16 << 20, 0o755, 0, 0)));
    let a = root.create_child(b"a", NewKind::Dir, 0o755, &cred)?;
    let b = a.create_child(b"b", NewKind::Dir, 0o755, &cred)?;
    b.create_child(b"c", NewKind::Dir, 0o700, &cred)?;
    a.create_child(b"file", NewKind::File, 0o644, &cred)?;
    b.create_child(b"up", NewKind::Symlink(b"../.."), 0o777, &cred)?;
    root.create_child(b"abs", NewKind::Symlink(b"/a/b"), 0o777, &cred)?;
    root.create_child(b"loop1", NewKind::Symlink(b"loop2"), 0o777, &cred)?;
    root.create_child(b"loop2", NewKind::Symlink(b"/loop1"), 0o777, &cred)?;
    root.create_child(b"dangling", NewKind::Symlink(b"/nope/x"), 0o777, &cred)?;
    root.create_child(b"self", NewKind::Symlink(b"."), 0o777, &cred)?;
    root.create_child(b"fileslash", NewKind::Symlink(b"a/file/"), 0o777, &cred)?;
    root.create_child(b"escape", NewKind::Symlink(b"../../../../.."), 0o777, &cred)?;
    root.create_child(b"mnt", NewKind::Dir, 0o755, &cred)?;
    let mnt = kernel_fs::tmpfs::mount(&root, b"mnt", mf.clone(), 1 << 20, 0o755);
    let x = mnt.create_child(b"x", NewKind::Dir, 0o755, &cred)?;
    mnt.create_child(b"back", NewKind::Symlink(b"../a"), 0o777, &cred)?;
    x.create_child(b"toroot", NewKind::Symlink(b"/"), 0o777, &cred)?;
    root.create_child(b"host", NewKind::Dir, 0o755, &cred)?;
    let fd = kernel_fs::host::open_root_dir(&host.to_string_lossy()).map_err(|_| kernel_abi::errno!(EIO))?;
    let hostmnt = kernel_fs::host::mount(&root, b"host", fd, mf.clone())?;
    let hd = hostmnt.lookup(b"d")?;
    Ok((root.clone(), vec![root, b, x, hd]))
}

fn overlay(mf: &Arc<MemoryFile>, host: &std::path::Path) -> KResult<(Arc<Dentry>, Vec<Arc<Dentry>>)> {
    let fd = kernel_fs::host::open_root_dir(&host.to_string_lossy()).map_err(|_| kernel_abi::errno!(EIO))?;
    let lower = kernel_fs::host::new_root(fd, mf.clone())?;
    let root = kernel_fs::overlay::new_root(lower, mf.clone(), 16 << 20)?;
    let d = root.lookup(b"d")?;
    let sub = kernel_fs::tmpfs::mount_over(&d, b"sub", mf.clone(), 1 << 20, 0o755);
    sub.create_child(b"t", NewKind::Symlink(b"../../e"), 0o777, &Cred::root())?;
    let e = root.lookup(b"e")?;
    Ok((root.clone(), vec![root, d, sub, e]))
}

/// The fixture (built on first use).
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mf = Arc::new(MemoryFile::new(1 << 28).expect("a memory file for the path target"));
        let host = host_dir().expect("the path target's host fixture directory");
        let (t, tc) = tree(&mf, &host).expect("the path target's tmpfs tree");
        let (o, oc) = overlay(&mf, &host).expect("the path target's overlay tree");
        Fixture { roots: [t, o], cwds: [tc, oc], _mf: mf }
    })
}

/// What a resolution came to, comparable across runs: (st_dev, st_ino) or the errno.
fn identity(r: &KResult<Arc<Dentry>>) -> Result<(u64, u64), Errno> {
    match r {
        Ok(d) => d.stat().map(|s| (s.st_dev, s.st_ino)).map_err(|e| e.errno),
        Err(e) => Err(e.errno),
    }
}

/// Resolve `path` in tree `t` from its working directory `c` and check the invariants.
pub fn check(t: usize, c: usize, follow: bool, path: &[u8]) {
    let fx = fixture();
    let root = &fx.roots[t % 2];
    let cwds = &fx.cwds[t % 2];
    let cwd = &cwds[c % cwds.len()];
    let first = resolve(root, cwd, path, follow);
    if let Ok(d) = &first {
        assert!(d.is_within(root), "{:?} resolved outside its root", String::from_utf8_lossy(path));
    }
    let again = resolve(root, cwd, path, follow);
    assert_eq!(identity(&first), identity(&again), "resolving {:?} twice differs", String::from_utf8_lossy(path));
    if let Ok(pp) = resolve_parent(root, cwd, path) {
        assert!(pp.parent.is_within(root), "{:?}: its parent is outside the root", String::from_utf8_lossy(path));
        // Without a trailing slash or a symlink to follow, the last component is just
        // looked up in the parent.
        if let (Last::Name(name), false, false) = (&pp.last, pp.trailing_slash, follow) {
            let direct = pp.parent.lookup(name);
            if direct.is_ok() || first.is_ok() {
                assert_eq!(
                    identity(&direct),
                    identity(&first),
                    "{:?}: parent walk and full walk differ",
                    String::from_utf8_lossy(path)
                );
            }
        }
    }
}

/// The fuzz target.
pub fn fuzz(data: &[u8]) {
    let Some((&ctl, path)) = data.split_first() else {
        return;
    };
    check(usize::from(ctl & 1), usize::from(ctl >> 1 & 3), ctl & 8 != 0, path);
}
