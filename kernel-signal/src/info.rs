//! `siginfo_t`.

use bytemuck::{Pod, Zeroable};

/// The kernel's 128-byte `siginfo_t`: three ints, padding, then a union whose fields this
/// type writes at their offsets.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct Siginfo {
    /// Signal number.
    pub signo: i32,
    /// errno (unused by Linux for most signals).
    pub errno: i32,
    /// `si_code`.
    pub code: i32,
    /// Alignment padding.
    pub pad: i32,
    /// The union, as bytes (offsets below are from the start of the struct).
    pub fields: [u8; 112],
}

/// `si_code` for a signal sent by kill(2).
pub const SI_USER: i32 = 0;
/// `si_code` for a signal sent by tkill/tgkill.
pub const SI_TKILL: i32 = -6;
/// `si_code` for a signal sent by the kernel.
pub const SI_KERNEL: i32 = 0x80;

impl Siginfo {
    fn put(&mut self, offset: usize, bytes: &[u8]) {
        let at = offset - 16;
        self.fields[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// A signal sent by a process (kill, tkill): `si_pid` and `si_uid`.
    pub fn from_process(signo: u32, code: i32, pid: i32, uid: u32) -> Siginfo {
        let mut s = Siginfo { signo: signo as i32, code, ..Siginfo::zeroed() };
        s.put(16, &pid.to_le_bytes());
        s.put(20, &uid.to_le_bytes());
        s
    }

    /// A fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP): `si_addr`.
    pub fn fault(signo: u32, code: i32, addr: u64) -> Siginfo {
        let mut s = Siginfo { signo: signo as i32, code, ..Siginfo::zeroed() };
        s.put(16, &addr.to_le_bytes());
        s
    }

    /// `si_pid` (for process-sent signals).
    pub fn pid(&self) -> i32 {
        i32::from_le_bytes([self.fields[0], self.fields[1], self.fields[2], self.fields[3]])
    }

    /// `si_addr` (for faults).
    pub fn addr(&self) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.fields[0..8]);
        u64::from_le_bytes(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_fields() {
        assert_eq!(core::mem::size_of::<Siginfo>(), 128);
        let k = Siginfo::from_process(15, SI_USER, 42, 1000);
        let b = bytemuck::bytes_of(&k);
        assert_eq!(&b[0..4], &15i32.to_le_bytes());
        assert_eq!(&b[16..20], &42i32.to_le_bytes(), "si_pid at 16");
        assert_eq!(&b[20..24], &1000u32.to_le_bytes(), "si_uid at 20");
        assert_eq!(k.pid(), 42);
        let f = Siginfo::fault(11, 1, 0xdead_b000);
        assert_eq!(&bytemuck::bytes_of(&f)[16..24], &0xdead_b000u64.to_le_bytes(), "si_addr at 16");
        assert_eq!(f.addr(), 0xdead_b000);
    }
}
