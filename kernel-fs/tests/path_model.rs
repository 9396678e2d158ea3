//! Path normalisation against a lexical model: over a tree of directories and files
//! without symlinks, resolving a path is walking its components one by one ("" and "."
//! stay, ".." climbs but never above the root, a name must exist, nothing is walked
//! through a file, a trailing slash needs a directory).

use std::sync::Arc;

use kernel_abi::Errno;
use kernel_fs::path::resolve;
use kernel_fs::tmpfs::{NewKind, Tmpfs};
use kernel_fs::{Cred, Dentry, Inode};
use kernel_mm::MemoryFile;
use proptest::prelude::*;

const DIRS: &[&str] = &["/", "/a", "/a/b", "/c"];
const FILES: &[&str] = &["/a/f", "/c/g"];

fn tree() -> (Arc<MemoryFile>, Arc<Dentry>) {
    let mf = Arc::new(MemoryFile::new(1 << 24).unwrap());
    let root = Dentry::new_root(Inode::Tmpfs(Tmpfs::new_root(mf.clone(), 1 << 20, 0o755, 0, 0)));
    let cred = Cred::root();
    let a = root.create_child(b"a", NewKind::Dir, 0o755, &cred).unwrap();
    a.create_child(b"b", NewKind::Dir, 0o755, &cred).unwrap();
    a.create_child(b"f", NewKind::File, 0o644, &cred).unwrap();
    let c = root.create_child(b"c", NewKind::Dir, 0o755, &cred).unwrap();
    c.create_child(b"g", NewKind::File, 0o644, &cred).unwrap();
    (mf, root)
}

fn parent(p: &str) -> String {
    match p.rfind('/') {
        Some(0) | None => "/".into(),
        Some(i) => p[..i].into(),
    }
}

fn model(cwd: &str, path: &str) -> Result<String, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let mut cur = if path.starts_with('/') { "/".to_string() } else { cwd.to_string() };
    for comp in path.split('/').filter(|c| !c.is_empty()) {
        if FILES.contains(&cur.as_str()) {
            return Err(Errno::ENOTDIR);
        }
        cur = match comp {
            "." => cur,
            ".." => parent(&cur),
            name => {
                let next = if cur == "/" { format!("/{name}") } else { format!("{cur}/{name}") };
                if !DIRS.contains(&next.as_str()) && !FILES.contains(&next.as_str()) {
                    return Err(Errno::ENOENT);
                }
                next
            }
        };
    }
    if path.ends_with('/') && FILES.contains(&cur.as_str()) {
        return Err(Errno::ENOTDIR);
    }
    Ok(cur)
}

fn path() -> impl Strategy<Value = String> {
    let comp = proptest::sample::select(vec!["a", "b", "c", "f", "g", "x", ".", "..", ""]);
    (any::<bool>(), proptest::collection::vec(comp, 0..8), any::<bool>()).prop_map(|(abs, comps, slash)| {
        let mut p = if abs { "/".to_string() } else { String::new() };
        p.push_str(&comps.join("/"));
        if slash {
            p.push('/');
        }
        p
    })
}

proptest! {
    #[test]
    fn resolve_matches_the_lexical_model(p in path(), from_a in any::<bool>(), follow in any::<bool>()) {
        let (_mf, root) = tree();
        let cwd_path = if from_a { "/a" } else { "/" };
        let cwd = resolve(&root, &root, cwd_path.as_bytes(), true).unwrap();
        let got = resolve(&root, &cwd, p.as_bytes(), follow).map(|d| String::from_utf8_lossy(&d.path_bytes()).into_owned());
        prop_assert_eq!(got.map_err(|e| e.errno), model(cwd_path, &p), "path {:?} from {}", p, cwd_path);
    }
}
