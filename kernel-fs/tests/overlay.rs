//! The overlay root over a fixture tree: copy-up, whiteouts, merged listings, and that
//! the host's files never change.

use std::sync::Arc;

use kernel_abi::flags::open::*;
use kernel_abi::Errno;
use kernel_fs::host::{new_root, open_root_dir};
use kernel_fs::path::resolve;
use kernel_fs::tmpfs::NewKind;
use kernel_fs::{Cred, Dentry};
use kernel_mm::MemoryFile;

struct Fixture {
    dir: String,
    root: Arc<Dentry>,
    _mf: Arc<MemoryFile>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn fixture() -> Fixture {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let p = format!("{}/ovl-{}-{}", env!("CARGO_TARGET_TMPDIR"), std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(format!("{p}/d/sub")).unwrap();
    std::fs::write(format!("{p}/d/f"), "lower f\n").unwrap();
    std::fs::set_permissions(format!("{p}/d/f"), std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    std::fs::write(format!("{p}/d/sub/g"), "lower g\n").unwrap();
    std::fs::write(format!("{p}/top"), "top\n").unwrap();
    for i in 0..40 {
        std::fs::write(format!("{p}/d/n{i:02}"), "").unwrap();
    }
    std::os::unix::fs::symlink("d/f", format!("{p}/link")).unwrap();
    let mf = Arc::new(MemoryFile::new(1 << 26).unwrap());
    let host = new_root(open_root_dir(&p).unwrap(), mf.clone()).unwrap();
    let root = kernel_fs::overlay::new_root(host, mf.clone(), 1 << 24).unwrap();
    Fixture { dir: p, root, _mf: mf }
}

impl Fixture {
    fn get(&self, path: &str) -> kernel_abi::KResult<Arc<Dentry>> {
        resolve(&self.root, &self.root, path.as_bytes(), false)
    }

    fn read(&self, path: &str) -> String {
        let f = resolve(&self.root, &self.root, path.as_bytes(), true).unwrap().open(O_RDONLY).unwrap();
        let mut buf = vec![0u8; 4096];
        let n = f.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    fn write(&self, path: &str, data: &str, flags: u32) {
        let f = self.get(path).unwrap().open_as(O_WRONLY | flags, Some(&Cred::root())).unwrap();
        assert_eq!(f.write(data.as_bytes()).unwrap(), data.len());
    }

    fn host(&self, rel: &str) -> String {
        std::fs::read_to_string(format!("{}/{rel}", self.dir)).unwrap()
    }
}

/// Names of a directory, read a few entries at a time.
fn names(d: &Arc<Dentry>) -> Vec<String> {
    let f = d.open(O_RDONLY | O_DIRECTORY).unwrap();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 100];
    loop {
        let n = f.getdents(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.extend(parse(&buf[..n]));
    }
    out.sort();
    out
}

fn parse(buf: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        let reclen = u16::from_le_bytes([buf[at + 16], buf[at + 17]]) as usize;
        let name = &buf[at + 19..at + reclen];
        let len = name.iter().position(|&b| b == 0).unwrap();
        out.push(String::from_utf8_lossy(&name[..len]).into_owned());
        at += reclen;
    }
    out
}

fn errno<T>(r: kernel_abi::KResult<T>) -> Errno {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.errno,
    }
}

#[test]
fn writing_a_lower_file_copies_it_up_and_keeps_its_identity() {
    let fx = fixture();
    let before = fx.get("/d/f").unwrap().stat().unwrap();
    fx.write("/d/f", "upper\n", O_APPEND);
    assert_eq!(fx.read("/d/f"), "lower f\nupper\n");
    assert_eq!(fx.read("/link"), "lower f\nupper\n", "a symlink reaches the copy");
    assert_eq!(fx.host("d/f"), "lower f\n", "the host's file is unchanged");
    let after = fx.get("/d/f").unwrap().stat().unwrap();
    assert_eq!((after.st_dev, after.st_ino, after.st_mode), (before.st_dev, before.st_ino, before.st_mode));
    // O_TRUNC copies up without the data.
    fx.write("/top", "new top\n", O_TRUNC);
    assert_eq!(fx.read("/top"), "new top\n");
    assert_eq!(fx.host("top"), "top\n");
}

#[test]
fn dentries_taken_before_a_copy_up_find_the_copy() {
    let fx = fixture();
    let cwd = fx.get("/d/sub").unwrap();
    let file = fx.get("/d/sub/g").unwrap();
    fx.get("/d").unwrap().create_child(b"new", NewKind::File, 0o644, &Cred::root()).unwrap();
    // /d is now copied up; a file made through the old /d/sub dentry is visible by path.
    cwd.create_child(b"h", NewKind::File, 0o600, &Cred::root()).unwrap();
    assert!(fx.get("/d/sub/h").is_ok());
    let h = resolve(&fx.root, &cwd, b"h", false).unwrap();
    assert_eq!(h.path(), "/d/sub/h");
    // A change through the old dentry of a file lands on the copy.
    file.setattr(&kernel_fs::tmpfs::SetAttr { mode: Some(0o600), ..Default::default() }, &Cred::root()).unwrap();
    assert_eq!(fx.get("/d/sub/g").unwrap().mode() & 0o777, 0o600);
    assert_eq!(file.current().mode() & 0o777, 0o600);
    assert!(!std::path::Path::new(&format!("{}/d/sub/h", fx.dir)).exists());
}

#[test]
fn removing_lower_names_leaves_whiteouts() {
    let fx = fixture();
    let d = fx.get("/d").unwrap();
    d.unlink_child(b"f", false, &Cred::root()).unwrap();
    assert_eq!(errno(fx.get("/d/f")), Errno::ENOENT);
    assert_eq!(errno(resolve(&fx.root, &fx.root, b"/link", true)), Errno::ENOENT, "the symlink dangles");
    assert!(!names(&fx.get("/d").unwrap()).contains(&"f".to_string()));
    assert!(fx.host("d/f").starts_with("lower"));
    // The name can be made again, with new contents.
    fx.get("/d").unwrap().create_child(b"f", NewKind::File, 0o644, &Cred::root()).unwrap();
    assert_eq!(fx.read("/d/f"), "");
    // Removing an upper file that shadows a lower one whiteouts the lower one too.
    fx.get("/d").unwrap().unlink_child(b"f", false, &Cred::root()).unwrap();
    assert_eq!(errno(fx.get("/d/f")), Errno::ENOENT);
}

#[test]
fn rmdir_sees_the_merged_directory() {
    let fx = fixture();
    let root = fx.root.clone();
    assert_eq!(errno(root.unlink_child(b"d", true, &Cred::root())), Errno::ENOTEMPTY);
    let sub = fx.get("/d/sub").unwrap();
    assert_eq!(errno(fx.get("/d").unwrap().unlink_child(b"sub", true, &Cred::root())), Errno::ENOTEMPTY);
    sub.unlink_child(b"g", false, &Cred::root()).unwrap();
    fx.get("/d").unwrap().unlink_child(b"sub", true, &Cred::root()).unwrap();
    assert_eq!(errno(fx.get("/d/sub")), Errno::ENOENT);
    // A directory made again in its place is empty (opaque), not the lower one.
    fx.get("/d").unwrap().create_child(b"sub", NewKind::Dir, 0o755, &Cred::root()).unwrap();
    assert_eq!(names(&fx.get("/d/sub").unwrap()), vec![".", ".."]);
    assert_eq!(errno(fx.get("/d/sub/g")), Errno::ENOENT);
    assert_eq!(fx.host("d/sub/g"), "lower g\n");
}

#[test]
fn merged_listing_has_each_name_once() {
    let fx = fixture();
    let d = fx.get("/d").unwrap();
    assert_eq!(errno(d.create_child(b"n00", NewKind::File, 0o644, &Cred::root())), Errno::EEXIST);
    fx.write("/d/n01", "x", 0);
    d.create_child(b"zz", NewKind::File, 0o644, &Cred::root()).unwrap();
    d.unlink_child(b"n02", false, &Cred::root()).unwrap();
    let got = names(&fx.get("/d").unwrap());
    let mut want: Vec<String> = [".", "..", "f", "sub", "zz"].iter().map(|s| s.to_string()).collect();
    want.extend((0..40).filter(|&i| i != 2).map(|i| format!("n{i:02}")));
    want.sort();
    assert_eq!(got, want);
    // Offsets stay valid while entries go: read half, remove, read on.
    let f = fx.get("/d").unwrap().open(O_RDONLY | O_DIRECTORY).unwrap();
    let mut buf = vec![0u8; 600];
    let n = f.getdents(&mut buf).unwrap();
    let first = parse(&buf[..n]);
    for n in &first {
        if n.starts_with('n') {
            d.unlink_child(n.as_bytes(), false, &Cred::root()).unwrap();
        }
    }
    let mut rest = Vec::new();
    loop {
        let n = f.getdents(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        rest.extend(parse(&buf[..n]));
    }
    let mut all = [first, rest].concat();
    all.sort();
    assert_eq!(all, want, "the open listing is unaffected and has no duplicates");
}

#[test]
fn renames_copy_files_up_and_refuse_lower_directories() {
    let fx = fixture();
    let root = fx.root.clone();
    assert_eq!(errno(Dentry::rename(&root, b"d", &root, b"e", 0, &Cred::root())), Errno::EXDEV);
    Dentry::rename(&root, b"top", &fx.get("/d").unwrap(), b"moved", 0, &Cred::root()).unwrap();
    assert_eq!(fx.read("/d/moved"), "top\n");
    assert_eq!(errno(fx.get("/top")), Errno::ENOENT);
    assert_eq!(fx.host("top"), "top\n");
    // Over a lower file: the target is replaced.
    Dentry::rename(&fx.get("/d").unwrap(), b"moved", &fx.get("/d").unwrap(), b"f", 0, &Cred::root()).unwrap();
    assert_eq!(fx.read("/d/f"), "top\n");
    // An upper directory moves freely.
    root.create_child(b"up", NewKind::Dir, 0o755, &Cred::root()).unwrap();
    Dentry::rename(&root, b"up", &fx.get("/d").unwrap(), b"up2", 0, &Cred::root()).unwrap();
    assert!(fx.get("/d/up2").unwrap().is_dir());
    // Over a non-empty lower directory: ENOTEMPTY.
    root.create_child(b"up3", NewKind::Dir, 0o755, &Cred::root()).unwrap();
    assert_eq!(
        errno(Dentry::rename(&root, b"up3", &fx.get("/d").unwrap(), b"sub", 0, &Cred::root())),
        Errno::ENOTEMPTY
    );
}

#[test]
fn hard_links_to_lower_files_copy_them_up() {
    let fx = fixture();
    let f = fx.get("/d/f").unwrap();
    fx.root.link_child(b"hard", &f, &Cred::root()).unwrap();
    fx.write("/hard", "via link", O_TRUNC);
    assert_eq!(fx.read("/d/f"), "via link");
    assert_eq!(fx.get("/d/f").unwrap().stat().unwrap().st_nlink, 2);
    assert_eq!(fx.host("d/f"), "lower f\n");
}

#[test]
fn outside_an_overlay_the_host_stays_read_only() {
    let fx = fixture();
    let mf = Arc::new(MemoryFile::new(1 << 22).unwrap());
    let host = new_root(open_root_dir(&fx.dir).unwrap(), mf).unwrap();
    let d = resolve(&host, &host, b"/d", false).unwrap();
    assert_eq!(errno(d.create_child(b"x", NewKind::File, 0o644, &Cred::root())), Errno::EROFS);
    let f = resolve(&host, &host, b"/d/f", false).unwrap();
    assert_eq!(errno(f.open_as(O_WRONLY, Some(&Cred::root()))), Errno::EROFS);
    assert_eq!(errno(d.unlink_child(b"f", false, &Cred::root())), Errno::EROFS);
}

#[test]
fn permissions_are_checked_before_copying_up() {
    let fx = fixture();
    // Someone who neither owns the file nor may write it: refused, nothing copied.
    let f = fx.get("/d/f").unwrap();
    let st = f.stat().unwrap();
    assert_eq!(st.st_mode & 0o777, 0o644);
    let user = Cred { uid: st.st_uid.wrapping_add(1), gid: st.st_gid.wrapping_add(1), ..Cred::root() };
    assert_eq!(errno(f.open_as(O_WRONLY, Some(&user))), Errno::EACCES);
    assert!(Arc::ptr_eq(&f.current(), &f), "nothing was copied up");
    assert_eq!(errno(fx.get("/d").unwrap().create_child(b"x", NewKind::File, 0o644, &user)), Errno::EACCES);
    let stat = fx.root.statfs().unwrap();
    assert_eq!(stat.f_type, kernel_fs::overlay::OVERLAYFS_SUPER_MAGIC);
    assert_eq!(fx.get("/d").unwrap().statfs().unwrap().f_flags & 1, 0, "not read-only");
}
