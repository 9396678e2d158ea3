//! Path resolution with Linux's rules.

use std::sync::Arc;

use kernel_abi::{return_errno, KResult};

use crate::Dentry;

/// Longest path accepted (PATH_MAX including the NUL).
pub const PATH_MAX: usize = 4096;
/// Longest single component.
pub const NAME_MAX: usize = 255;
/// Symbolic links followed in one resolution before ELOOP.
pub const MAXSYMLINKS: u32 = 40;

/// Resolve `path` from `cwd` (relative paths) within `root`. The last component is
/// followed if it is a symlink when `follow_last` (or the path ends in a slash).
pub fn resolve(root: &Arc<Dentry>, cwd: &Arc<Dentry>, path: &[u8], follow_last: bool) -> KResult<Arc<Dentry>> {
    if path.is_empty() {
        return_errno!(ENOENT);
    }
    if path.len() >= PATH_MAX {
        return_errno!(ENAMETOOLONG);
    }
    let mut links = 0;
    walk(root, cwd.clone(), path, follow_last, &mut links)
}

fn walk(
    root: &Arc<Dentry>,
    start: Arc<Dentry>,
    path: &[u8],
    follow_last: bool,
    links: &mut u32,
) -> KResult<Arc<Dentry>> {
    let mut cur = if path.first() == Some(&b'/') { root.clone() } else { start };
    let trailing_slash = path.last() == Some(&b'/');
    let comps: Vec<&[u8]> = path.split(|&b| b == b'/').filter(|c| !c.is_empty()).collect();
    for (i, c) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        if !cur.is_dir() {
            return_errno!(ENOTDIR);
        }
        match *c {
            b"." => continue,
            b".." => {
                if !Arc::ptr_eq(&cur, root) {
                    if let Some(p) = cur.parent() {
                        cur = p.clone();
                    }
                }
                continue;
            }
            _ => {}
        }
        if c.len() > NAME_MAX {
            return_errno!(ENAMETOOLONG);
        }
        let next = cur.lookup(c)?;
        if next.is_symlink() && (!last || follow_last || trailing_slash) {
            *links += 1;
            if *links > MAXSYMLINKS {
                return_errno!(ELOOP);
            }
            let target = next.readlink()?;
            if target.is_empty() {
                return_errno!(ENOENT);
            }
            cur = walk(root, cur.clone(), &target, true, links)?;
            continue;
        }
        cur = next;
    }
    if trailing_slash && !cur.is_dir() {
        return_errno!(ENOTDIR);
    }
    Ok(cur)
}
