//! The credentials a filesystem operation is checked against, and the classic Unix
//! permission rules.

use kernel_abi::flags::mode::*;

/// Who asks: the effective (filesystem) user and group ids and the supplementary groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cred {
    /// Effective user id (0 bypasses read/write checks, as CAP_DAC_OVERRIDE does).
    pub uid: u32,
    /// Effective group id.
    pub gid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
}

impl Cred {
    /// The superuser.
    pub fn root() -> Cred {
        Cred::default()
    }

    /// Whether the caller is the superuser.
    pub fn is_root(&self) -> bool {
        self.uid == 0
    }

    /// Whether the caller is in group `gid`.
    pub fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.contains(&gid)
    }

    /// Whether access `want` (a mask of R_OK, W_OK, X_OK) to a node with `mode`, owned by
    /// `uid`:`gid`, is allowed. The superuser may read and write anything, and execute
    /// (search) directories and files with at least one execute bit.
    pub fn permits(&self, mode: u32, uid: u32, gid: u32, want: u32) -> bool {
        if self.is_root() {
            let exec_ok = mode & S_IFMT == S_IFDIR || mode & 0o111 != 0;
            return want & X_OK == 0 || exec_ok;
        }
        let granted = if self.uid == uid {
            (mode >> 6) & 7
        } else if self.in_group(gid) {
            (mode >> 3) & 7
        } else {
            mode & 7
        };
        want & !granted == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_group_other_and_root() {
        let user = Cred { uid: 1000, gid: 100, groups: vec![5] };
        assert!(user.permits(S_IFREG | 0o600, 1000, 0, R_OK | W_OK));
        assert!(!user.permits(S_IFREG | 0o077, 1000, 100, R_OK));
        assert!(user.permits(S_IFREG | 0o040, 0, 5, R_OK));
        assert!(!user.permits(S_IFREG | 0o040, 0, 6, R_OK));
        assert!(user.permits(S_IFREG | 0o004, 0, 6, R_OK));
        let root = Cred::root();
        assert!(root.permits(S_IFREG, 1, 1, R_OK | W_OK));
        assert!(!root.permits(S_IFREG | 0o600, 1, 1, X_OK));
        assert!(root.permits(S_IFREG | 0o001, 1, 1, X_OK));
        assert!(root.permits(S_IFDIR, 1, 1, X_OK));
    }
}
