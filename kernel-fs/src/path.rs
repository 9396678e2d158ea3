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
    // (A directory of an overlay's lower layer may have been copied up since it was
    // taken as the starting point.)
    let mut cur = if path.first() == Some(&b'/') { root.clone() } else { start.current() };
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
                        cur = p;
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

/// The last component of a path given to a call that makes or removes a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Last {
    /// An ordinary name (at most NAME_MAX bytes).
    Name(Vec<u8>),
    /// ".".
    Dot,
    /// "..".
    DotDot,
    /// The path is "/" (or only slashes).
    Root,
}

/// A path split for a call that makes or removes its last component: the resolved
/// parent directory and the last component, which is not looked up.
pub struct ParentPath {
    /// The directory holding the last component.
    pub parent: Arc<Dentry>,
    /// The last component.
    pub last: Last,
    /// Whether the path ended in a slash (the last component must then be a directory).
    pub trailing_slash: bool,
}

/// Resolve all but the last component of `path` (following symlinks), as Linux's
/// `filename_parentat` does.
pub fn resolve_parent(root: &Arc<Dentry>, cwd: &Arc<Dentry>, path: &[u8]) -> KResult<ParentPath> {
    if path.is_empty() {
        return_errno!(ENOENT);
    }
    if path.len() >= PATH_MAX {
        return_errno!(ENAMETOOLONG);
    }
    let trimmed_len = path.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
    let trailing_slash = trimmed_len < path.len();
    if trimmed_len == 0 {
        return Ok(ParentPath { parent: root.clone(), last: Last::Root, trailing_slash });
    }
    let trimmed = &path[..trimmed_len];
    let (dir_part, name) = match trimmed.iter().rposition(|&b| b == b'/') {
        Some(i) => (&trimmed[..=i], &trimmed[i + 1..]),
        None => (&trimmed[..0], trimmed),
    };
    let parent = if dir_part.is_empty() {
        cwd.current()
    } else {
        let mut links = 0;
        walk(root, cwd.clone(), dir_part, true, &mut links)?
    };
    if !parent.is_dir() {
        return_errno!(ENOTDIR);
    }
    let last = match name {
        b"." => Last::Dot,
        b".." => Last::DotDot,
        n if n.len() > NAME_MAX => return_errno!(ENAMETOOLONG),
        n => Last::Name(n.to_vec()),
    };
    Ok(ParentPath { parent, last, trailing_slash })
}
