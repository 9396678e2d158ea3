//! The signal-frame target: arbitrary bytes as the `ucontext` and FP area rt_sigreturn
//! finds on the stack, restored with the rules of [`kernel_signal::frame`] as the Sentry's
//! rt_sigreturn applies them (a frame whose code segment is not 64-bit user code is
//! refused; the registers come from [`restore_regs`], the FP state from
//! [`restored_xstate`]).
//!
//! Input: the `ucontext` bytes, then the task's registers when it called rt_sigreturn
//! (made a valid user state), then the frame's 512-byte legacy FP area and whatever
//! follows it (the rest of an XSAVE image).
//!
//! Invariants: the restored registers are never privileged: CS and SS are the user
//! selectors; RFLAGS has IF and the always-one bit set and no IOPL, NT, VM, VIF, VIP nor
//! reserved bit; the FS/GS bases and data segments are the task's, not the frame's; and
//! a legacy-only FP area yields an image the host accepts (MXCSR within its mask, only
//! x87/SSE marked present, a clean XSAVE header), as Linux sanitizes it.

use kernel_abi::PtRegs;
use kernel_signal::frame::{restore_regs, restored_xstate, xstate_size, UContext, FP_XSTATE_MAGIC2};

/// RFLAGS bits user code may hold: CF, PF, AF, ZF, SF, TF, IF, DF, OF, RF, AC, ID and the
/// always-one bit 1.
const USER_FLAGS: u64 =
    0x1 | 0x2 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x200000;

/// Copy as much of `data` as fits into a zeroed `T`; return the rest.
fn take<T: bytemuck::Pod>(data: &[u8]) -> (T, &[u8]) {
    let mut v = T::zeroed();
    let bytes = bytemuck::bytes_of_mut(&mut v);
    let n = bytes.len().min(data.len());
    bytes[..n].copy_from_slice(&data[..n]);
    (v, &data[n..])
}

/// The FP image of a task before rt_sigreturn: the initial state of a 576-byte
/// (x87 + SSE) or 832-byte (+ AVX) XSAVE layout.
fn current_xstate(avx: bool) -> Vec<u8> {
    let mut x = vec![0u8; if avx { 832 } else { 576 }];
    x[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
    x[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
    x[28..32].copy_from_slice(&0xffffu32.to_le_bytes());
    x
}

/// The fuzz target.
pub fn fuzz(data: &[u8]) {
    let (uc, rest) = take::<UContext>(data);
    let (mut cur, rest) = take::<PtRegs>(rest);
    // Whatever the task held, it was a user state.
    cur.cs = 0x33;
    cur.ss = 0x2b;
    cur.eflags = (cur.eflags & USER_FLAGS) | 0x202;
    // The Sentry's check before anything is restored.
    if uc.uc_mcontext.cs | 3 != 0x33 {
        return;
    }
    let r = restore_regs(&uc, &cur);
    assert_eq!(r.cs, 0x33, "restored CS {:#x} from {uc:x?}", r.cs);
    assert_eq!(r.ss, 0x2b, "restored SS {:#x} from {uc:x?}", r.ss);
    assert_eq!(r.eflags & !USER_FLAGS, 0, "privileged RFLAGS {:#x} from {uc:x?}", r.eflags);
    assert_eq!(r.eflags & 0x202, 0x202, "RFLAGS without IF {:#x} from {uc:x?}", r.eflags);
    assert_eq!((r.fs_base, r.gs_base), (cur.fs_base, cur.gs_base), "segment bases from the frame");
    assert_eq!((r.ds, r.es, r.fs, r.gs), (cur.ds, cur.es, cur.fs, cur.gs), "data segments from the frame");
    assert_eq!(r.orig_rax, u64::MAX, "a restored frame must not restart a call");

    let (legacy, tail) = take::<[u8; 512]>(rest);
    let avx = data.len() % 2 == 1;
    let current = current_xstate(avx);
    // As the Sentry reads it: the image the legacy area announces, if both magics hold.
    let mut image = legacy.to_vec();
    image.extend_from_slice(tail);
    let full = xstate_size(&legacy)
        .filter(|&size| image.get(size..size + 4) == Some(&FP_XSTATE_MAGIC2.to_le_bytes()[..]))
        .map(|size| &image[..size]);
    let state = restored_xstate(&current, &legacy, full);
    assert_eq!(state.len(), current.len(), "the restored FP image changed size");
    if full.is_none() {
        let mask = match u32::from_le_bytes([current[28], current[29], current[30], current[31]]) {
            0 => 0xffbf,
            m => m,
        };
        let mxcsr = u32::from_le_bytes([state[24], state[25], state[26], state[27]]);
        assert_eq!(mxcsr & !mask, 0, "MXCSR {mxcsr:#x} outside its mask {mask:#x}");
        let xstate_bv = u64::from_le_bytes(state[512..520].try_into().unwrap_or_default());
        assert_eq!(xstate_bv & !0x3, 0, "a legacy frame marked XSAVE components {xstate_bv:#x}");
        assert!(state[520..576].iter().all(|&b| b == 0), "a dirty XSAVE header from a legacy frame");
    }
}
