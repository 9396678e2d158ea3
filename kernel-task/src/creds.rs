//! Credentials: user and group ids (real, effective, saved, filesystem), supplementary
//! groups and capability sets, with Linux's rules for changing them (credentials(7),
//! capabilities(7)). Pure data and rules; the system calls are in `sys_proc`.

use kernel_abi::{return_errno, KResult};

/// The highest capability number Linux 6.x knows (CAP_CHECKPOINT_RESTORE).
pub(crate) const CAP_LAST_CAP: u32 = 40;
/// Every capability.
pub(crate) const CAP_FULL: u64 = (1 << (CAP_LAST_CAP + 1)) - 1;
pub(crate) const CAP_CHOWN: u32 = 0;
pub(crate) const CAP_DAC_OVERRIDE: u32 = 1;
pub(crate) const CAP_DAC_READ_SEARCH: u32 = 2;
pub(crate) const CAP_FOWNER: u32 = 3;
pub(crate) const CAP_FSETID: u32 = 4;
pub(crate) const CAP_SETGID: u32 = 6;
pub(crate) const CAP_SETUID: u32 = 7;
pub(crate) const CAP_SETPCAP: u32 = 8;
pub(crate) const CAP_LINUX_IMMUTABLE: u32 = 9;
pub(crate) const CAP_NET_BIND_SERVICE: u32 = 10;
pub(crate) const CAP_SYS_NICE: u32 = 23;
pub(crate) const CAP_SYS_RESOURCE: u32 = 24;
pub(crate) const CAP_MKNOD: u32 = 27;
pub(crate) const CAP_MAC_OVERRIDE: u32 = 32;
/// The capabilities a filesystem uid of 0 carries (dropped when fsuid leaves 0).
const CAP_FS_SET: u64 = (1 << CAP_CHOWN)
    | (1 << CAP_DAC_OVERRIDE)
    | (1 << CAP_DAC_READ_SEARCH)
    | (1 << CAP_FOWNER)
    | (1 << CAP_FSETID)
    | (1 << CAP_LINUX_IMMUTABLE)
    | (1 << CAP_MKNOD)
    | (1 << CAP_MAC_OVERRIDE);
/// "Leave this id unchanged" in setre*id and setres*id.
const KEEP: u32 = u32::MAX;
/// Linux's NGROUPS_MAX.
pub(crate) const NGROUPS_MAX: usize = 65536;

/// Credentials of a task.
#[derive(Clone, Debug, Default)]
pub(crate) struct Creds {
    pub uid: u32,
    pub euid: u32,
    pub suid: u32,
    pub fsuid: u32,
    pub gid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub fsgid: u32,
    pub groups: Vec<u32>,
    pub cap_effective: u64,
    pub cap_permitted: u64,
    pub cap_inheritable: u64,
    pub cap_bounding: u64,
    pub cap_ambient: u64,
    /// PR_SET_KEEPCAPS.
    pub keep_caps: bool,
}

impl Creds {
    /// A task running as `uid`/`gid`: root holds every capability, others none.
    pub(crate) fn new(uid: u32, gid: u32) -> Creds {
        let caps = if uid == 0 { CAP_FULL } else { 0 };
        Creds {
            uid,
            euid: uid,
            suid: uid,
            fsuid: uid,
            gid,
            egid: gid,
            sgid: gid,
            fsgid: gid,
            groups: Vec::new(),
            cap_effective: caps,
            cap_permitted: caps,
            cap_inheritable: 0,
            cap_bounding: CAP_FULL,
            cap_ambient: 0,
            keep_caps: false,
        }
    }

    /// Whether the effective set holds `cap`.
    pub(crate) fn capable(&self, cap: u32) -> bool {
        self.cap_effective & (1 << cap) != 0
    }

    /// Capability changes that follow a uid change (capabilities(7), "Effect of user ID
    /// changes on capabilities").
    fn fix_caps(&mut self, old: &Creds) {
        let was_root = old.uid == 0 || old.euid == 0 || old.suid == 0;
        let now_root = self.uid == 0 || self.euid == 0 || self.suid == 0;
        if was_root && !now_root && !self.keep_caps {
            self.cap_permitted = 0;
            self.cap_effective = 0;
            self.cap_ambient = 0;
        }
        if old.euid == 0 && self.euid != 0 {
            self.cap_effective = 0;
        }
        if old.euid != 0 && self.euid == 0 {
            self.cap_effective = self.cap_permitted;
        }
        if old.fsuid == 0 && self.fsuid != 0 {
            self.cap_effective &= !CAP_FS_SET;
        }
        if old.fsuid != 0 && self.fsuid == 0 {
            self.cap_effective |= self.cap_permitted & CAP_FS_SET;
        }
    }

    /// setuid(2).
    pub(crate) fn setuid(&mut self, uid: u32) -> KResult<()> {
        if uid == KEEP {
            return_errno!(EINVAL);
        }
        let old = self.clone();
        if self.capable(CAP_SETUID) {
            self.uid = uid;
            self.suid = uid;
        } else if uid != self.uid && uid != self.suid {
            return_errno!(EPERM);
        }
        self.euid = uid;
        self.fsuid = uid;
        self.fix_caps(&old);
        Ok(())
    }

    /// setreuid(2).
    pub(crate) fn setreuid(&mut self, r: u32, e: u32) -> KResult<()> {
        let old = self.clone();
        let privileged = self.capable(CAP_SETUID);
        if r != KEEP && !privileged && r != self.uid && r != self.euid {
            return_errno!(EPERM);
        }
        if e != KEEP && !privileged && e != self.uid && e != self.euid && e != self.suid {
            return_errno!(EPERM);
        }
        if r != KEEP {
            self.uid = r;
        }
        if e != KEEP {
            self.euid = e;
        }
        if r != KEEP || (e != KEEP && e != old.uid) {
            self.suid = self.euid;
        }
        self.fsuid = self.euid;
        self.fix_caps(&old);
        Ok(())
    }

    /// setresuid(2).
    pub(crate) fn setresuid(&mut self, r: u32, e: u32, s: u32) -> KResult<()> {
        let old = self.clone();
        if !self.capable(CAP_SETUID) {
            let ok = |v: u32| v == KEEP || v == self.uid || v == self.euid || v == self.suid;
            if !ok(r) || !ok(e) || !ok(s) {
                return_errno!(EPERM);
            }
        }
        if r != KEEP {
            self.uid = r;
        }
        if e != KEEP {
            self.euid = e;
        }
        if s != KEEP {
            self.suid = s;
        }
        self.fsuid = self.euid;
        self.fix_caps(&old);
        Ok(())
    }

    /// setfsuid(2): always returns the previous fsuid; changes it when allowed.
    pub(crate) fn setfsuid(&mut self, uid: u32) -> u32 {
        let old = self.clone();
        let allowed =
            uid == self.uid || uid == self.euid || uid == self.suid || uid == self.fsuid || self.capable(CAP_SETUID);
        if allowed && uid != KEEP {
            self.fsuid = uid;
            self.fix_caps(&old);
        }
        old.fsuid
    }

    /// setgid(2).
    pub(crate) fn setgid(&mut self, gid: u32) -> KResult<()> {
        if gid == KEEP {
            return_errno!(EINVAL);
        }
        if self.capable(CAP_SETGID) {
            self.gid = gid;
            self.sgid = gid;
        } else if gid != self.gid && gid != self.sgid {
            return_errno!(EPERM);
        }
        self.egid = gid;
        self.fsgid = gid;
        Ok(())
    }

    /// setregid(2).
    pub(crate) fn setregid(&mut self, r: u32, e: u32) -> KResult<()> {
        let privileged = self.capable(CAP_SETGID);
        if r != KEEP && !privileged && r != self.gid && r != self.egid {
            return_errno!(EPERM);
        }
        if e != KEEP && !privileged && e != self.gid && e != self.egid && e != self.sgid {
            return_errno!(EPERM);
        }
        let old_gid = self.gid;
        if r != KEEP {
            self.gid = r;
        }
        if e != KEEP {
            self.egid = e;
        }
        if r != KEEP || (e != KEEP && e != old_gid) {
            self.sgid = self.egid;
        }
        self.fsgid = self.egid;
        Ok(())
    }

    /// setresgid(2).
    pub(crate) fn setresgid(&mut self, r: u32, e: u32, s: u32) -> KResult<()> {
        if !self.capable(CAP_SETGID) {
            let ok = |v: u32| v == KEEP || v == self.gid || v == self.egid || v == self.sgid;
            if !ok(r) || !ok(e) || !ok(s) {
                return_errno!(EPERM);
            }
        }
        if r != KEEP {
            self.gid = r;
        }
        if e != KEEP {
            self.egid = e;
        }
        if s != KEEP {
            self.sgid = s;
        }
        self.fsgid = self.egid;
        Ok(())
    }

    /// setfsgid(2).
    pub(crate) fn setfsgid(&mut self, gid: u32) -> u32 {
        let old = self.fsgid;
        let allowed =
            gid == self.gid || gid == self.egid || gid == self.sgid || gid == self.fsgid || self.capable(CAP_SETGID);
        if allowed && gid != KEEP {
            self.fsgid = gid;
        }
        old
    }

    /// capset(2)'s rules for the calling thread's own sets.
    pub(crate) fn capset(&mut self, effective: u64, permitted: u64, inheritable: u64) -> KResult<()> {
        let (effective, permitted, inheritable) = (effective & CAP_FULL, permitted & CAP_FULL, inheritable & CAP_FULL);
        let inh_limit = if self.capable(CAP_SETPCAP) { CAP_FULL } else { self.cap_inheritable | self.cap_permitted };
        if inheritable & !inh_limit != 0
            || inheritable & !(self.cap_inheritable | self.cap_bounding) != 0
            || permitted & !self.cap_permitted != 0
            || effective & !permitted != 0
        {
            return_errno!(EPERM);
        }
        self.cap_effective = effective;
        self.cap_permitted = permitted;
        self.cap_inheritable = inheritable;
        self.cap_ambient &= permitted & inheritable;
        Ok(())
    }

    /// What execve does to the capability sets of a program without file capabilities
    /// (set-id bits are ignored in the sandbox): root keeps everything its bounding set
    /// allows; others keep their ambient set.
    pub(crate) fn on_exec(&mut self) {
        if self.euid == 0 || self.uid == 0 {
            self.cap_permitted = (self.cap_inheritable | self.cap_bounding) & CAP_FULL;
            self.cap_effective = if self.euid == 0 { self.cap_permitted } else { 0 };
            self.cap_ambient = 0;
        } else {
            self.cap_permitted = self.cap_ambient;
            self.cap_effective = self.cap_ambient;
        }
        self.suid = self.euid;
        self.sgid = self.egid;
        self.fsuid = self.euid;
        self.fsgid = self.egid;
        self.keep_caps = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_dropping_to_a_user_loses_its_capabilities() {
        let mut c = Creds::new(0, 0);
        assert!(c.capable(CAP_SETUID));
        c.setresuid(1000, 1000, 1000).unwrap();
        assert_eq!(c.cap_effective, 0);
        assert_eq!(c.cap_permitted, 0);
        assert_eq!(c.setuid(0).unwrap_err().errno, kernel_abi::Errno::EPERM);
    }

    #[test]
    fn an_effective_switch_keeps_the_saved_id_and_capabilities_permitted() {
        let mut c = Creds::new(0, 0);
        c.setresuid(KEEP, 1000, KEEP).unwrap();
        assert_eq!((c.uid, c.euid, c.suid, c.fsuid), (0, 1000, 0, 1000));
        assert_eq!(c.cap_effective, 0);
        assert_eq!(c.cap_permitted, CAP_FULL);
        // Back to root: the saved id allows it, and effective returns.
        c.setresuid(KEEP, 0, KEEP).unwrap();
        assert_eq!(c.cap_effective, CAP_FULL);
    }

    #[test]
    fn unprivileged_users_may_only_swap_among_their_ids() {
        let mut c = Creds::new(1000, 1000);
        c.setreuid(KEEP, 1000).unwrap();
        assert_eq!(c.setreuid(2000, KEEP).unwrap_err().errno, kernel_abi::Errno::EPERM);
        assert_eq!(c.setuid(KEEP).unwrap_err().errno, kernel_abi::Errno::EINVAL);
        assert_eq!(c.setfsuid(5), 1000, "returns the old fsuid");
        assert_eq!(c.fsuid, 1000, "and does not change it without privilege");
        assert_eq!(c.setgid(3).unwrap_err().errno, kernel_abi::Errno::EPERM);
        assert_eq!(c.capset(0, 1, 0).unwrap_err().errno, kernel_abi::Errno::EPERM);
    }

    #[test]
    fn setreuid_sets_the_saved_id_as_linux_does() {
        let mut c = Creds::new(0, 0);
        c.setreuid(KEEP, 5).unwrap();
        assert_eq!(c.suid, 5, "a new effective id different from the real one is saved");
        let mut c = Creds::new(0, 0);
        c.setreuid(KEEP, 0).unwrap();
        assert_eq!(c.suid, 0);
        let mut c = Creds::new(0, 0);
        c.setreuid(7, KEEP).unwrap();
        assert_eq!((c.uid, c.euid, c.suid), (7, 0, 0));
    }

    #[test]
    fn capset_only_lowers() {
        let mut c = Creds::new(0, 0);
        c.capset(1 << CAP_CHOWN, (1 << CAP_CHOWN) | (1 << CAP_SETUID), 0).unwrap();
        assert!(!c.capable(CAP_SETUID));
        assert_eq!(c.capset(1 << CAP_SETUID, 1 << CAP_CHOWN, 0).unwrap_err().errno, kernel_abi::Errno::EPERM);
        assert_eq!(c.capset(0, 1 << CAP_SYS_NICE, 0).unwrap_err().errno, kernel_abi::Errno::EPERM);
    }
}
