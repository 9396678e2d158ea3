//! Path resolution and the host filesystem over a fixture tree made in a temp directory.

use std::os::unix::fs::symlink;
use std::sync::Arc;

use kernel_abi::flags::open::*;
use kernel_abi::Errno;
use kernel_fs::dev::mount_synthetic;
use kernel_fs::host::{new_root, open_root_dir};
use kernel_fs::path::resolve;
use kernel_fs::Dentry;
use kernel_mm::MemoryFile;

fn fixture() -> (tempdir::Dir, Arc<Dentry>, Arc<MemoryFile>) {
    let d = tempdir::Dir::new();
    let p = d.path();
    std::fs::create_dir_all(format!("{p}/a/b")).unwrap();
    std::fs::write(format!("{p}/a/b/file"), "contents\n").unwrap();
    std::fs::write(format!("{p}/big"), vec![7u8; 3 * 4096 + 5]).unwrap();
    symlink("b/file", format!("{p}/a/rel")).unwrap();
    symlink("/a/b", format!("{p}/abs")).unwrap();
    symlink("loop2", format!("{p}/loop1")).unwrap();
    symlink("loop1", format!("{p}/loop2")).unwrap();
    let mf = Arc::new(MemoryFile::new(1 << 26).unwrap());
    let root = new_root(open_root_dir(p).unwrap(), mf.clone()).unwrap();
    mount_synthetic(&root);
    (d, root, mf)
}

mod tempdir {
    pub struct Dir(String);
    impl Dir {
        pub fn new() -> Dir {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let p = format!(
                "{}/fs-{}-{}",
                env!("CARGO_TARGET_TMPDIR"),
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            );
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn path(&self) -> &str {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn err(r: kernel_abi::KResult<Arc<Dentry>>) -> Errno {
    match r {
        Ok(d) => panic!("expected an error, resolved {}", d.path()),
        Err(e) => e.errno,
    }
}

#[test]
fn resolves_with_linux_rules() {
    let (_d, root, _mf) = fixture();
    let r = |p: &str, follow| resolve(&root, &root, p.as_bytes(), follow);
    assert_eq!(r("/a/b/file", true).unwrap().path(), "/a/b/file");
    assert_eq!(r("a/./b/../b/file", true).unwrap().path(), "/a/b/file");
    assert_eq!(r("/../../a", true).unwrap().path(), "/a", "`..` stops at the root");
    assert_eq!(r("/a/rel", true).unwrap().path(), "/a/b/file");
    assert!(r("/a/rel", false).unwrap().is_symlink());
    // An absolute symlink resolves inside the sandbox root, not the host's.
    assert_eq!(r("/abs/file", true).unwrap().path(), "/a/b/file");
    assert_eq!(err(r("/missing", true)), Errno::ENOENT);
    assert_eq!(err(r("/a/b/file/x", true)), Errno::ENOTDIR);
    assert_eq!(err(r("/a/b/file/", true)), Errno::ENOTDIR);
    assert_eq!(err(r("/loop1", true)), Errno::ELOOP);
    assert!(r("/loop1", false).unwrap().is_symlink());
    assert_eq!(err(r("", true)), Errno::ENOENT);
    assert_eq!(err(r(&format!("/{}", "x".repeat(256)), true)), Errno::ENAMETOOLONG);
    assert_eq!(err(r(&"/a".repeat(2100), true)), Errno::ENAMETOOLONG);
}

#[test]
fn opens_reads_lists_and_refuses_writes() {
    let (_d, root, _mf) = fixture();
    let f = resolve(&root, &root, b"/a/b/file", true).unwrap().open(O_RDONLY).unwrap();
    let mut buf = [0u8; 64];
    let n = f.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"contents\n");
    assert_eq!(f.pread(&mut buf[..3], 3).unwrap(), 3);
    assert_eq!(&buf[..3], b"ten");
    assert_eq!(f.write(b"x").unwrap_err().errno, Errno::EBADF);
    assert_eq!(f.getdents(&mut buf).unwrap_err().errno, Errno::ENOTDIR);
    let d = resolve(&root, &root, b"/a/b/file", true).unwrap();
    assert_eq!(d.open(O_RDWR).unwrap_err().errno, Errno::EROFS);
    assert_eq!(d.open(O_RDONLY | O_DIRECTORY).unwrap_err().errno, Errno::ENOTDIR);
    let dir = resolve(&root, &root, b"/a", true).unwrap();
    assert_eq!(dir.open(O_WRONLY).unwrap_err().errno, Errno::EISDIR);
    let df = dir.open(O_RDONLY | O_DIRECTORY).unwrap();
    let mut names = Vec::new();
    let mut big = vec![0u8; 4096];
    loop {
        let n = df.getdents(&mut big).unwrap();
        if n == 0 {
            break;
        }
        let mut at = 0;
        while at < n {
            let reclen = u16::from_le_bytes([big[at + 16], big[at + 17]]) as usize;
            let name = &big[at + 19..at + reclen];
            let end = name.iter().position(|&b| b == 0).unwrap();
            names.push(String::from_utf8_lossy(&name[..end]).into_owned());
            at += reclen;
        }
    }
    names.sort();
    assert_eq!(names, vec![".", "..", "b", "rel"]);
}

#[test]
fn page_cache_serves_file_pages_and_sigbus_past_eof() {
    let (_d, root, mf) = fixture();
    let f = resolve(&root, &root, b"/big", true).unwrap().open(O_RDONLY).unwrap();
    let m = f.mappable().unwrap();
    let p0 = m.get_page(0).unwrap();
    let p3 = m.get_page(3 * 4096).unwrap();
    assert_eq!(p3, p0 + 3 * 4096, "a chunk is contiguous in the memory file");
    let mut b = [0u8; 6];
    mf.read(p3, &mut b).unwrap();
    assert_eq!(b, [7, 7, 7, 7, 7, 0], "the tail past EOF reads as zeros");
    assert!(m.get_page(4 * 4096).is_err());
    // Mapping the same file again shares the cache.
    let again = resolve(&root, &root, b"/big", true).unwrap().open(O_RDONLY).unwrap().mappable().unwrap();
    assert_eq!(again.get_page(0).unwrap(), p0);
}

#[test]
fn synthetic_dev_shadows_the_host() {
    let (_d, root, _mf) = fixture();
    let null = resolve(&root, &root, b"/dev/null", true).unwrap();
    let f = null.open(O_RDWR).unwrap();
    assert_eq!(f.write(b"abc").unwrap(), 3);
    let mut b = [1u8; 4];
    assert_eq!(f.read(&mut b).unwrap(), 0);
    let full = resolve(&root, &root, b"/dev/full", true).unwrap().open(O_WRONLY).unwrap();
    assert_eq!(full.write(b"x").unwrap_err().errno, Errno::ENOSPC);
    let z = resolve(&root, &root, b"/dev/zero", true).unwrap().open(O_RDONLY).unwrap();
    assert_eq!(z.read(&mut b).unwrap(), 4);
    assert_eq!(b, [0; 4]);
    assert!(resolve(&root, &root, b"/proc", true).unwrap().is_dir());
    assert_eq!(err(resolve(&root, &root, b"/proc/self", true)), Errno::ENOENT);
}

#[test]
fn a_file_that_grows_is_read_further_not_past_its_pages() {
    let (d, root, mf) = fixture();
    let path = format!("{}/grows", d.path());
    std::fs::write(&path, vec![b'A'; 100]).unwrap();
    let f = resolve(&root, &root, b"/grows", true).unwrap().open(O_RDONLY).unwrap();
    let m = f.mappable().unwrap();
    let p0 = m.get_page(0).unwrap();
    assert!(m.get_page(4096).is_err(), "page 1 does not exist yet");
    // The host appends: page 1 now exists and holds the new data.
    use std::io::Write;
    std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(&vec![b'G'; 8192]).unwrap();
    let p1 = m.get_page(4096).unwrap();
    assert_eq!(p1, p0 + 4096);
    let mut b = [0u8; 8];
    mf.read(p1, &mut b).unwrap();
    assert_eq!(&b, b"GGGGGGGG");
    assert_eq!(mf.ref_count(p1), 2, "the cache's reference and ours");
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn lookups_do_not_pin_a_host_fd_per_name() {
    let (d, root, _mf) = fixture();
    std::fs::create_dir(format!("{}/many", d.path())).unwrap();
    for i in 0..3000 {
        std::fs::write(format!("{}/many/f{i}", d.path()), "x").unwrap();
    }
    let before = open_fds();
    for i in 0..3000 {
        let p = format!("/many/f{i}");
        let f = resolve(&root, &root, p.as_bytes(), true).unwrap().open(O_RDONLY).unwrap();
        drop(f);
    }
    let dir = resolve(&root, &root, b"/many", true).unwrap();
    assert!(dir.cached_children() <= 512, "{} children kept alive", dir.cached_children());
    assert!(open_fds() < before + 600, "{} host fds held after walking 3000 names", open_fds() - before);
    // Still correct after eviction.
    assert!(resolve(&root, &root, b"/many/f7", true).is_ok());
}

#[test]
fn names_are_bytes_not_lossy_strings() {
    use std::os::unix::ffi::OsStrExt;
    let (d, root, _mf) = fixture();
    let base = std::path::Path::new(d.path());
    std::fs::write(base.join(std::ffi::OsStr::from_bytes(b"\xff")), "raw byte\n").unwrap();
    std::fs::write(base.join("\u{fffd}"), "replacement char\n").unwrap();
    let read = |name: &[u8]| {
        let mut p = b"/".to_vec();
        p.extend_from_slice(name);
        let f = resolve(&root, &root, &p, true).unwrap().open(O_RDONLY).unwrap();
        let mut buf = [0u8; 64];
        let n = f.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    assert_eq!(read(b"\xff"), "raw byte\n");
    assert_eq!(read("\u{fffd}".as_bytes()), "replacement char\n");
    assert_eq!(read(b"\xff"), "raw byte\n", "cached lookups keep them apart too");
    let d = resolve(&root, &root, b"/\xff", true).unwrap();
    assert_eq!(d.path_bytes(), b"/\xff");
}
