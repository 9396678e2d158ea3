//! tmpfs against a model: random sequences of create, remove and rename through the
//! dentry API must leave the same tree (and give the same errors) as a plain map of paths.

use std::collections::BTreeMap;
use std::sync::Arc;

use kernel_abi::Errno;
use kernel_fs::path::resolve;
use kernel_fs::tmpfs::{NewKind, Node, Tmpfs, RENAME_EXCHANGE, RENAME_NOREPLACE};
use kernel_fs::{Cred, Dentry, Inode};
use kernel_mm::MemoryFile;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Create(Vec<u8>, bool),
    Remove(Vec<u8>, bool),
    Rename(Vec<u8>, Vec<u8>, u32),
}

/// Paths of one to three components over a small alphabet, so operations collide.
fn path() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(vec![b'a', b'b', b'c']), 1..=3).prop_map(|cs| {
        let mut p = Vec::new();
        for (i, c) in cs.into_iter().enumerate() {
            if i > 0 {
                p.push(b'/');
            }
            p.push(c);
        }
        p
    })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (path(), any::<bool>()).prop_map(|(p, d)| Op::Create(p, d)),
        (path(), any::<bool>()).prop_map(|(p, d)| Op::Remove(p, d)),
        (path(), path(), prop::sample::select(vec![0, RENAME_NOREPLACE, RENAME_EXCHANGE]))
            .prop_map(|(a, b, f)| Op::Rename(a, b, f)),
    ]
}

/// The model: every path and whether it is a directory.
type Model = BTreeMap<Vec<u8>, bool>;

fn split(p: &[u8]) -> (Vec<u8>, Vec<u8>) {
    match p.iter().rposition(|&b| b == b'/') {
        Some(i) => (p[..i].to_vec(), p[i + 1..].to_vec()),
        None => (Vec::new(), p.to_vec()),
    }
}

fn below(p: &[u8], dir: &[u8]) -> bool {
    p.len() > dir.len() && p.starts_with(dir) && p[dir.len()] == b'/'
}

/// The error resolving the parent of `p` gives, if any.
fn parent_error(m: &Model, p: &[u8]) -> Option<Errno> {
    let (parent, _) = split(p);
    if parent.is_empty() {
        return None;
    }
    // Walk the components: a missing one is ENOENT, a file one ENOTDIR.
    let mut cur = Vec::new();
    for c in parent.split(|&b| b == b'/') {
        if !cur.is_empty() {
            cur.push(b'/');
        }
        cur.extend_from_slice(c);
        match m.get(&cur) {
            None => return Some(Errno::ENOENT),
            Some(false) => return Some(Errno::ENOTDIR),
            Some(true) => {}
        }
    }
    None
}

fn has_children(m: &Model, p: &[u8]) -> bool {
    m.keys().any(|k| below(k, p))
}

fn move_tree(m: &mut Model, from: &[u8], to: &[u8]) -> Model {
    let moved: Vec<(Vec<u8>, bool)> =
        m.iter().filter(|(k, _)| k.as_slice() == from || below(k, from)).map(|(k, v)| (k.clone(), *v)).collect();
    let mut out = Model::new();
    for (k, v) in moved {
        m.remove(&k);
        let mut n = to.to_vec();
        n.extend_from_slice(&k[from.len()..]);
        out.insert(n, v);
    }
    out
}

fn model_apply(m: &mut Model, op: &Op) -> Result<(), Errno> {
    match op {
        Op::Create(p, dir) => {
            if let Some(e) = parent_error(m, p) {
                return Err(e);
            }
            if m.contains_key(p) {
                return Err(Errno::EEXIST);
            }
            m.insert(p.clone(), *dir);
            Ok(())
        }
        Op::Remove(p, dir) => {
            if let Some(e) = parent_error(m, p) {
                return Err(e);
            }
            match (m.get(p), dir) {
                (None, _) => Err(Errno::ENOENT),
                (Some(false), true) => Err(Errno::ENOTDIR),
                (Some(true), false) => Err(Errno::EISDIR),
                (Some(true), true) if has_children(m, p) => Err(Errno::ENOTEMPTY),
                _ => {
                    m.remove(p);
                    Ok(())
                }
            }
        }
        Op::Rename(a, b, flags) => {
            if let Some(e) = parent_error(m, a).or_else(|| parent_error(m, b)) {
                return Err(e);
            }
            let Some(&a_dir) = m.get(a) else { return Err(Errno::ENOENT) };
            let b_kind = m.get(b).copied();
            if flags & RENAME_NOREPLACE != 0 && b_kind.is_some() {
                return Err(Errno::EEXIST);
            }
            if flags & RENAME_EXCHANGE != 0 && b_kind.is_none() {
                return Err(Errno::ENOENT);
            }
            if below(b, a) {
                return Err(Errno::EINVAL);
            }
            if below(a, b) {
                return Err(if flags & RENAME_EXCHANGE != 0 { Errno::EINVAL } else { Errno::ENOTEMPTY });
            }
            if a == b {
                return Ok(());
            }
            if flags & RENAME_EXCHANGE != 0 {
                let ta = move_tree(m, a, b);
                let tb = move_tree(m, b, a);
                m.extend(ta);
                m.extend(tb);
                return Ok(());
            }
            match (a_dir, b_kind) {
                (true, Some(false)) => return Err(Errno::ENOTDIR),
                (false, Some(true)) => return Err(Errno::EISDIR),
                (true, Some(true)) if has_children(m, b) => return Err(Errno::ENOTEMPTY),
                _ => {}
            }
            m.remove(b);
            let t = move_tree(m, a, b);
            m.extend(t);
            Ok(())
        }
    }
}

fn parent_dentry(root: &Arc<Dentry>, p: &[u8]) -> Result<(Arc<Dentry>, Vec<u8>), Errno> {
    let (parent, name) = split(p);
    let d = if parent.is_empty() { root.clone() } else { resolve(root, root, &parent, true).map_err(|e| e.errno)? };
    if !d.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    Ok((d, name))
}

fn fs_apply(root: &Arc<Dentry>, op: &Op) -> Result<(), Errno> {
    let c = Cred::root();
    match op {
        Op::Create(p, dir) => {
            let (d, name) = parent_dentry(root, p)?;
            let kind = if *dir { NewKind::Dir } else { NewKind::File };
            d.create_child(&name, kind, 0o755, &c).map(|_| ()).map_err(|e| e.errno)
        }
        Op::Remove(p, dir) => {
            let (d, name) = parent_dentry(root, p)?;
            d.unlink_child(&name, *dir, &c).map_err(|e| e.errno)
        }
        Op::Rename(a, b, flags) => {
            let (da, na) = parent_dentry(root, a)?;
            let (db, nb) = parent_dentry(root, b)?;
            Dentry::rename(&da, &na, &db, &nb, *flags, &c).map_err(|e| e.errno)
        }
    }
}

/// The whole tree under `node`, checking directory link counts on the way.
fn walk(node: &Arc<Node>, prefix: &[u8], out: &mut Model) {
    let mut children = Vec::new();
    node.entries_from(0, |_, name, _, _| {
        children.push(name.to_vec());
        true
    })
    .unwrap();
    let mut subdirs = 0;
    for name in children {
        let child = node.lookup(&name).unwrap();
        let mut p = prefix.to_vec();
        if !p.is_empty() {
            p.push(b'/');
        }
        p.extend_from_slice(&name);
        let is_dir = child.stat().st_mode & 0o170000 == 0o040000;
        out.insert(p.clone(), is_dir);
        if is_dir {
            subdirs += 1;
            walk(&child, &p, out);
        }
    }
    assert_eq!(node.stat().st_nlink, 2 + subdirs, "link count of {:?}", String::from_utf8_lossy(prefix));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn tmpfs_matches_the_model(ops in prop::collection::vec(op(), 1..60)) {
        let mf = Arc::new(MemoryFile::new(1 << 22).unwrap());
        let node = Tmpfs::new_root(mf, 1 << 20, 0o755, 0, 0);
        let root = Dentry::new_root(Inode::Tmpfs(node.clone()));
        let mut model = Model::new();
        for op in &ops {
            let want = model_apply(&mut model, op);
            let got = fs_apply(&root, op);
            prop_assert_eq!(got, want, "{:?}", op);
            let mut tree = Model::new();
            walk(&node, b"", &mut tree);
            prop_assert_eq!(&tree, &model, "after {:?}", op);
            // Every path resolves through the dentries to the node the tree has.
            for (p, dir) in &model {
                let d = resolve(&root, &root, p, false).unwrap();
                prop_assert_eq!(d.is_dir(), *dir);
                prop_assert_eq!(d.path_bytes(), [b"/".as_slice(), p].concat());
            }
        }
    }
}
