//! The x86_64 signal frame (`struct rt_sigframe`) and the register rules of signal entry
//! and `rt_sigreturn`.
//!
//! Layout, from the frame address (the handler's `rsp`) upwards: the return address
//! (`sa_restorer`), the `ucontext` (flags, link, `uc_stack`, `sigcontext`, `uc_sigmask`),
//! the `siginfo`. The XSAVE image lives above it, 64-byte aligned, marked with
//! FP_XSTATE_MAGIC1 in its software-reserved bytes and FP_XSTATE_MAGIC2 after it, and
//! `sigcontext.fpstate` points at it.

use bytemuck::{Pod, Zeroable};
use kernel_abi::flags::signal::{SA_NODEFER, SA_ONSTACK, SA_RESTORER, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK};
use kernel_abi::{KernelSigaction, PtRegs, StackT};

use crate::{bit, Siginfo, UNBLOCKABLE};

/// The kernel's x86_64 `struct sigcontext`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[allow(missing_docs)]
pub struct SigContext {
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub rdx: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rsp: u64,
    pub rip: u64,
    pub eflags: u64,
    pub cs: u16,
    pub gs: u16,
    pub fs: u16,
    pub ss: u16,
    pub err: u64,
    pub trapno: u64,
    pub oldmask: u64,
    pub cr2: u64,
    pub fpstate: u64,
    pub reserved1: [u64; 8],
}

/// The kernel's `struct ucontext`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[allow(missing_docs)]
pub struct UContext {
    pub uc_flags: u64,
    pub uc_link: u64,
    pub uc_stack: StackT,
    pub uc_mcontext: SigContext,
    pub uc_sigmask: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct FrameHead {
    pretcode: u64,
    uc: UContext,
    info: Siginfo,
}

/// Bytes of the frame below the FP state: return address, ucontext, siginfo.
pub const FRAME_HEAD_SIZE: u64 = core::mem::size_of::<FrameHead>() as u64;
/// Offset of the ucontext in the frame.
pub const UC_OFFSET: u64 = 8;
/// Offset of the siginfo in the frame.
pub const INFO_OFFSET: u64 = 8 + core::mem::size_of::<UContext>() as u64;

const UC_FP_XSTATE: u64 = 1;
const UC_SIGCONTEXT_SS: u64 = 2;
const UC_STRICT_RESTORE_SS: u64 = 4;
/// `fx_sw_bytes.magic1` (in the FXSAVE area's software-reserved bytes).
pub const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
/// The word after the XSAVE image.
pub const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
const SW_BYTES: usize = 464;
const RED_ZONE: u64 = 128;
const USER_CS: u16 = 0x33;
const USER_SS: u16 = 0x2b;
/// Flags a frame may set on return (AC OF DF TF SF ZF AF PF CF RF).
const FIX_EFLAGS: u64 = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;
/// Flags cleared on entry to a handler (DF RF TF).
const ENTRY_CLEAR_EFLAGS: u64 = 0x400 | 0x10000 | 0x100;

/// Everything delivering one signal needs to know.
pub struct Delivery<'a> {
    /// Registers at the point of delivery.
    pub regs: &'a PtRegs,
    /// The signal.
    pub info: Siginfo,
    /// Its (caught) disposition.
    pub action: KernelSigaction,
    /// The signal mask to restore on return.
    pub mask: u64,
    /// The mask in effect now (differs from `mask` inside rt_sigsuspend); the handler's
    /// mask is built on it.
    pub blocked: u64,
    /// The alternate signal stack.
    pub altstack: StackT,
    /// The XSAVE image (standard format, as ptrace's NT_X86_XSTATE gives it).
    pub xstate: &'a [u8],
    /// For faults: the faulting address, trap number and error code.
    pub cr2: u64,
    /// Trap number.
    pub trapno: u64,
    /// Error code.
    pub err: u64,
}

/// Where a frame goes and what it holds.
#[derive(Debug)]
pub struct FrameLayout {
    /// The frame's address: the handler's `rsp`.
    pub frame: u64,
    /// The frame's bytes, to be written at `frame`.
    pub head: Vec<u8>,
    /// Where the FP state goes (64-byte aligned).
    pub fpstate: u64,
    /// The FP state's bytes (XSAVE image plus MAGIC2).
    pub fp: Vec<u8>,
    /// Registers the handler starts with.
    pub regs: PtRegs,
    /// The signal mask while the handler runs.
    pub mask: u64,
    /// SS_AUTODISARM: the caller disables the alternate stack.
    pub disarm_altstack: bool,
}

/// Why a frame cannot be built: Linux then forces SIGSEGV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// x86_64 requires SA_RESTORER.
    NoRestorer,
    /// The stack pointer leaves no room for a frame.
    NoRoom,
    /// The XSAVE image is too short to be one.
    BadXstate,
}

/// Whether `sp` is on the alternate stack (Linux's `on_sig_stack`).
pub fn on_altstack(ss: &StackT, sp: u64) -> bool {
    ss.ss_flags & SS_DISABLE == 0 && ss.ss_size != 0 && sp > ss.ss_sp && sp - ss.ss_sp <= ss.ss_size
}

/// `uc_stack.ss_flags` as sigaltstack(2) reports it for stack pointer `sp`.
pub fn altstack_flags(ss: &StackT, sp: u64) -> i32 {
    if ss.ss_size == 0 || ss.ss_flags & SS_DISABLE != 0 {
        SS_DISABLE
    } else if on_altstack(ss, sp) {
        SS_ONSTACK
    } else {
        0
    }
}

/// Lay out the frame for delivering `d` (nothing is written here).
pub fn build(d: &Delivery<'_>) -> Result<FrameLayout, FrameError> {
    let act = &d.action;
    if act.flags & SA_RESTORER == 0 {
        return Err(FrameError::NoRestorer);
    }
    if d.xstate.len() < 576 {
        return Err(FrameError::BadXstate);
    }
    let regs = d.regs;
    let nested = on_altstack(&d.altstack, regs.rsp);
    let mut sp = regs.rsp.checked_sub(RED_ZONE).ok_or(FrameError::NoRoom)?;
    let mut entering = false;
    if act.flags & SA_ONSTACK != 0 && altstack_flags(&d.altstack, sp) == 0 {
        sp = d.altstack.ss_sp.checked_add(d.altstack.ss_size).ok_or(FrameError::NoRoom)?;
        entering = true;
    }
    let fp_len = d.xstate.len() as u64 + 4;
    let fpstate = sp.checked_sub(fp_len).ok_or(FrameError::NoRoom)? & !63;
    let frame = (fpstate.checked_sub(FRAME_HEAD_SIZE).ok_or(FrameError::NoRoom)?.wrapping_add(8) & !15).wrapping_sub(8);
    if frame > fpstate {
        return Err(FrameError::NoRoom);
    }
    // A frame that does not fit on the alternate stack it belongs on would overwrite
    // whatever lies below it: Linux refuses (SIGSEGV).
    let fits = |a: u64| a > d.altstack.ss_sp && a - d.altstack.ss_sp <= d.altstack.ss_size;
    if (entering || nested) && !fits(frame) {
        return Err(FrameError::NoRoom);
    }

    let mut fp = d.xstate.to_vec();
    let xfeatures = if u32::from_le_bytes([fp[SW_BYTES], fp[SW_BYTES + 1], fp[SW_BYTES + 2], fp[SW_BYTES + 3]])
        == FP_XSTATE_MAGIC1
    {
        u64::from_le_bytes(fp[SW_BYTES + 8..SW_BYTES + 16].try_into().map_err(|_| FrameError::BadXstate)?)
    } else {
        // x87 | SSE | AVX, what every x86_64 Linux user has.
        0x7
    };
    let n = d.xstate.len() as u32;
    fp[SW_BYTES..SW_BYTES + 4].copy_from_slice(&FP_XSTATE_MAGIC1.to_le_bytes());
    fp[SW_BYTES + 4..SW_BYTES + 8].copy_from_slice(&(n + 4).to_le_bytes());
    fp[SW_BYTES + 8..SW_BYTES + 16].copy_from_slice(&xfeatures.to_le_bytes());
    fp[SW_BYTES + 16..SW_BYTES + 20].copy_from_slice(&n.to_le_bytes());
    fp.extend_from_slice(&FP_XSTATE_MAGIC2.to_le_bytes());

    let mut uc_stack = d.altstack;
    uc_stack.ss_flags = altstack_flags(&d.altstack, regs.rsp) | (d.altstack.ss_flags & SS_AUTODISARM);
    let sc = SigContext {
        r8: regs.r8,
        r9: regs.r9,
        r10: regs.r10,
        r11: regs.r11,
        r12: regs.r12,
        r13: regs.r13,
        r14: regs.r14,
        r15: regs.r15,
        rdi: regs.rdi,
        rsi: regs.rsi,
        rbp: regs.rbp,
        rbx: regs.rbx,
        rdx: regs.rdx,
        rax: regs.rax,
        rcx: regs.rcx,
        rsp: regs.rsp,
        rip: regs.rip,
        eflags: regs.eflags,
        cs: USER_CS,
        gs: 0,
        fs: 0,
        ss: USER_SS,
        err: d.err,
        trapno: d.trapno,
        oldmask: d.mask,
        cr2: d.cr2,
        fpstate,
        reserved1: [0; 8],
    };
    let head = FrameHead {
        pretcode: act.restorer,
        uc: UContext {
            uc_flags: UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS,
            uc_link: 0,
            uc_stack,
            uc_mcontext: sc,
            uc_sigmask: d.mask,
        },
        info: d.info,
    };
    let sig = d.info.signo as u32;
    let mut mask = d.blocked | act.mask;
    if act.flags & SA_NODEFER == 0 {
        mask |= bit(sig);
    }
    let mut hregs = *regs;
    hregs.rdi = u64::from(sig);
    hregs.rsi = frame + INFO_OFFSET;
    hregs.rdx = frame + UC_OFFSET;
    hregs.rax = 0;
    hregs.rip = act.handler;
    hregs.rsp = frame;
    hregs.eflags &= !ENTRY_CLEAR_EFLAGS;
    hregs.cs = u64::from(USER_CS);
    hregs.ss = u64::from(USER_SS);
    hregs.orig_rax = u64::MAX;
    Ok(FrameLayout {
        frame,
        head: bytemuck::bytes_of(&head).to_vec(),
        fpstate,
        fp,
        regs: hregs,
        mask: mask & !UNBLOCKABLE,
        disarm_altstack: act.flags & SA_ONSTACK != 0 && d.altstack.ss_flags & SS_AUTODISARM != 0,
    })
}

/// The registers `rt_sigreturn` restores from `uc`, keeping what a frame may not change:
/// user code and stack segments, the FS/GS bases, and the privileged flags (IOPL, IF,
/// VM...). Any value an application writes yields an unprivileged user state.
pub fn restore_regs(uc: &UContext, current: &PtRegs) -> PtRegs {
    let sc = &uc.uc_mcontext;
    PtRegs {
        r8: sc.r8,
        r9: sc.r9,
        r10: sc.r10,
        r11: sc.r11,
        r12: sc.r12,
        r13: sc.r13,
        r14: sc.r14,
        r15: sc.r15,
        rdi: sc.rdi,
        rsi: sc.rsi,
        rbp: sc.rbp,
        rbx: sc.rbx,
        rdx: sc.rdx,
        rax: sc.rax,
        rcx: sc.rcx,
        rsp: sc.rsp,
        rip: sc.rip,
        eflags: (current.eflags & !FIX_EFLAGS) | (sc.eflags & FIX_EFLAGS),
        cs: u64::from(USER_CS),
        ss: u64::from(USER_SS),
        orig_rax: u64::MAX,
        fs_base: current.fs_base,
        gs_base: current.gs_base,
        ds: current.ds,
        es: current.es,
        fs: current.fs,
        gs: current.gs,
    }
}

/// The size of the XSAVE image a frame's FP area claims (from the software-reserved bytes
/// of its first 512 bytes), if they carry FP_XSTATE_MAGIC1 and are consistent.
pub fn xstate_size(legacy: &[u8]) -> Option<usize> {
    if legacy.len() < 512 {
        return None;
    }
    let word = |at: usize| u32::from_le_bytes([legacy[at], legacy[at + 1], legacy[at + 2], legacy[at + 3]]);
    let (magic, extended, size) = (word(SW_BYTES), word(SW_BYTES + 4), word(SW_BYTES + 16));
    (magic == FP_XSTATE_MAGIC1 && extended == size.wrapping_add(4) && (576..=65536).contains(&size))
        .then_some(size as usize)
}

/// An XSAVE image like `like` (same size and software bytes) in the architectural
/// initial state: every component marked init, FCW 0x37f, MXCSR 0x1f80.
pub fn init_xstate(like: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; like.len()];
    if like.len() >= 576 {
        b[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
        b[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
        b[28..32].copy_from_slice(&like[28..32]);
        b[SW_BYTES..512].copy_from_slice(&like[SW_BYTES..512]);
    }
    b
}

/// Put a legacy (FXSAVE) area into an XSAVE image: x87 and SSE from `legacy`, every other
/// component back to its initial state.
pub fn overlay_legacy(xstate: &mut [u8], legacy: &[u8; 512]) {
    if xstate.len() < 576 {
        return;
    }
    let fresh = init_xstate(xstate);
    xstate.copy_from_slice(&fresh);
    xstate[..SW_BYTES].copy_from_slice(&legacy[..SW_BYTES]);
    // MXCSR bits the CPU does not support would make the host refuse the whole image;
    // Linux clears them (its mxcsr_feature_mask; an MXCSR_MASK of 0 means 0xffbf). The
    // mask itself is the CPU's, not the frame's.
    let mask = match u32::from_le_bytes([fresh[28], fresh[29], fresh[30], fresh[31]]) {
        0 => 0xffbf,
        m => m,
    };
    let mxcsr = u32::from_le_bytes([legacy[24], legacy[25], legacy[26], legacy[27]]) & mask;
    xstate[24..28].copy_from_slice(&mxcsr.to_le_bytes());
    xstate[28..32].copy_from_slice(&fresh[28..32]);
    // XSTATE_BV: x87 and SSE present.
    xstate[512] = 0x3;
}

/// The FP state rt_sigreturn installs, from the current image `current`, the frame's
/// legacy area and, when that area announces a consistent XSAVE image (both magics), the
/// image itself (`full`, as long as it claims): the image is restored whole over the
/// initial state, however much of the current layout it covers; otherwise only the
/// legacy x87/SSE part is.
pub fn restored_xstate(current: &[u8], legacy: &[u8; 512], full: Option<&[u8]>) -> Vec<u8> {
    match full {
        Some(img) => {
            let mut s = init_xstate(current);
            let n = img.len().min(s.len());
            s[..n].copy_from_slice(&img[..n]);
            s
        }
        None => {
            let mut s = current.to_vec();
            overlay_legacy(&mut s, legacy);
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn delivery<'a>(regs: &'a PtRegs, xs: &'a [u8], flags: u64, altstack: StackT) -> Delivery<'a> {
        Delivery {
            regs,
            info: Siginfo::from_process(10, 0, 1, 0),
            action: KernelSigaction {
                handler: 0x401000,
                flags: flags | SA_RESTORER,
                restorer: 0x402000,
                mask: bit(12),
            },
            mask: bit(2),
            blocked: bit(2),
            altstack,
            xstate: xs,
            cr2: 0,
            trapno: 0,
            err: 0,
        }
    }

    #[test]
    fn layout_matches_linux() {
        assert_eq!(core::mem::size_of::<SigContext>(), 256);
        assert_eq!(core::mem::size_of::<UContext>(), 304);
        assert_eq!(FRAME_HEAD_SIZE, 440);
        assert_eq!(INFO_OFFSET, 312);
    }

    #[test]
    fn frame_below_the_red_zone_aligned_like_linux() {
        let regs = PtRegs { rsp: 0x7fff_0000_1000, rip: 0x400123, eflags: 0x10746, ..Default::default() };
        let xs = vec![0u8; 832];
        let f = build(&delivery(&regs, &xs, 0, StackT { ss_flags: SS_DISABLE, ..Default::default() })).unwrap();
        assert!(f.fpstate + f.fp.len() as u64 <= regs.rsp - 128, "the red zone is kept");
        assert_eq!(f.fpstate % 64, 0);
        assert_eq!((f.frame + 8) % 16, 0, "at handler entry rsp+8 is 16-aligned, as after a call");
        assert!(f.frame + FRAME_HEAD_SIZE <= f.fpstate);
        assert_eq!((f.regs.rip, f.regs.rsp, f.regs.rdi), (0x401000, f.frame, 10));
        assert_eq!(f.regs.rsi, f.frame + 312);
        assert_eq!(f.regs.rdx, f.frame + 8);
        assert_eq!(f.regs.eflags & 0x400, 0, "DF cleared for the handler");
        assert_eq!(f.mask, bit(2) | bit(12) | bit(10));
        assert_eq!(&f.head[0..8], &0x402000u64.to_le_bytes(), "returns to the restorer");
        assert_eq!(xstate_size(&f.fp), Some(832));
        assert_eq!(&f.fp[832..836], &FP_XSTATE_MAGIC2.to_le_bytes());
        let uc: UContext = bytemuck::pod_read_unaligned(&f.head[8..8 + 304]);
        assert_eq!(uc.uc_mcontext.rip, 0x400123);
        assert_eq!(uc.uc_mcontext.fpstate, f.fpstate);
        assert_eq!(uc.uc_sigmask, bit(2));
        let back = restore_regs(&uc, &f.regs);
        assert_eq!((back.rip, back.rsp, back.eflags), (regs.rip, regs.rsp, regs.eflags));
    }

    #[test]
    fn nodefer_altstack_and_errors() {
        let regs = PtRegs { rsp: 0x7fff_0000_1000, ..Default::default() };
        let xs = vec![0u8; 832];
        let alt = StackT { ss_sp: 0x1000_0000, ss_size: 0x10000, ss_flags: SS_AUTODISARM, __pad: 0 };
        let f = build(&delivery(&regs, &xs, SA_NODEFER | SA_ONSTACK, alt)).unwrap();
        assert_eq!(f.mask & bit(10), 0, "SA_NODEFER leaves the signal unblocked");
        assert!(f.frame > 0x1000_0000 && f.frame < 0x1001_0000, "on the alternate stack");
        assert!(f.disarm_altstack);
        let mut d = delivery(&regs, &xs, 0, alt);
        d.action.flags = 0;
        assert_eq!(build(&d).unwrap_err(), FrameError::NoRestorer);
        let low = PtRegs { rsp: 100, ..Default::default() };
        assert_eq!(build(&delivery(&low, &xs, 0, alt)).unwrap_err(), FrameError::NoRoom);
        // An alternate stack too small for the frame, entered or nested: refused.
        let tiny = StackT { ss_sp: 0x1000_0000, ss_size: 1024, ss_flags: 0, __pad: 0 };
        assert_eq!(build(&delivery(&regs, &xs, SA_ONSTACK, tiny)).unwrap_err(), FrameError::NoRoom);
        let on_tiny = PtRegs { rsp: 0x1000_0000 + 900, ..Default::default() };
        assert_eq!(build(&delivery(&on_tiny, &xs, 0, tiny)).unwrap_err(), FrameError::NoRoom);
    }

    #[test]
    fn init_and_legacy_overlay() {
        let mut like = vec![0xffu8; 832];
        like[SW_BYTES..SW_BYTES + 4].copy_from_slice(&FP_XSTATE_MAGIC1.to_le_bytes());
        let init = init_xstate(&like);
        assert_eq!(&init[0..2], &0x037fu16.to_le_bytes());
        assert_eq!(&init[24..28], &0x1f80u32.to_le_bytes());
        assert!(init[160..416].iter().all(|&b| b == 0), "xmm registers clear");
        assert_eq!(&init[SW_BYTES..512], &like[SW_BYTES..512], "software bytes kept");
        assert!(init[512..].iter().all(|&b| b == 0), "every component init");
        let mut x = like.clone();
        let mut legacy = [7u8; 512];
        legacy[SW_BYTES] = 0;
        overlay_legacy(&mut x, &legacy);
        assert_eq!(&x[..24], &legacy[..24]);
        assert_eq!(&x[32..SW_BYTES], &legacy[32..SW_BYTES]);
        assert_eq!(x[512], 3, "x87 and SSE present, nothing else");
        assert!(x[576..].iter().all(|&b| b == 0), "AVX and beyond back to init");
    }

    /// Found by the sigreturn fuzz target: a legacy FP area with MXCSR bits the CPU does
    /// not support made an image the host refuses (rt_sigreturn then failed with SIGSEGV
    /// where Linux masks them). The frame's MXCSR_MASK is not taken either.
    #[test]
    fn legacy_restore_masks_mxcsr() {
        let mut like = vec![0u8; 576];
        like[28..32].copy_from_slice(&0xffffu32.to_le_bytes());
        let mut legacy = [0u8; 512];
        legacy[24..28].copy_from_slice(&0xffff_ffffu32.to_le_bytes());
        legacy[28..32].copy_from_slice(&0xffff_ffffu32.to_le_bytes());
        let x = restored_xstate(&like, &legacy, None);
        assert_eq!(&x[24..28], &0xffffu32.to_le_bytes(), "MXCSR within the CPU's mask");
        assert_eq!(&x[28..32], &0xffffu32.to_le_bytes(), "MXCSR_MASK is the CPU's");
        // An MXCSR_MASK of 0 means the default mask, without DAZ.
        like[28..32].copy_from_slice(&[0; 4]);
        let x = restored_xstate(&like, &legacy, None);
        assert_eq!(&x[24..28], &0xffbfu32.to_le_bytes());
    }

    proptest! {
        #[test]
        fn any_frame_restores_to_an_unprivileged_user_state(bytes in proptest::collection::vec(any::<u8>(), 304), eflags in any::<u64>()) {
            let uc: UContext = bytemuck::pod_read_unaligned(&bytes);
            let cur = PtRegs { eflags: 0x202 | eflags & 0x3000, fs_base: 0x1234, cs: 0x33, ss: 0x2b, ..Default::default() };
            let r = restore_regs(&uc, &cur);
            prop_assert_eq!(r.cs, 0x33);
            prop_assert_eq!(r.ss, 0x2b);
            prop_assert_eq!(r.fs_base, 0x1234);
            prop_assert_eq!(r.eflags & !FIX_EFLAGS, cur.eflags & !FIX_EFLAGS, "IOPL, IF and the rest unchanged");
            prop_assert_eq!(r.orig_rax, u64::MAX);
        }
    }
}
