//! Signal data for rvisor: `siginfo`, the x86_64 `rt_sigframe` layout, and the pure
//! computations of delivering a signal (where the frame goes, what it holds, the
//! registers the handler starts with) and of `rt_sigreturn` (which registers an
//! arbitrary frame may restore). Delivery itself (when, to whom) happens in `kernel-task`,
//! which writes and reads the frame through the memory manager.
//!
//! Nothing here touches memory or the platform, so every rule is unit-tested alone.
#![forbid(unsafe_code)]

pub mod frame;
pub mod info;
pub mod queue;

pub use frame::{restore_regs, FrameLayout, SigContext, UContext, FRAME_HEAD_SIZE};
pub use info::Siginfo;
pub use queue::{Enqueued, SigQueue};

/// The signal's bit in a 64-bit set (signals 1..=64).
pub const fn bit(sig: u32) -> u64 {
    1u64 << (sig - 1)
}

/// SIGKILL and SIGSTOP: never blocked, caught or ignored.
pub const UNBLOCKABLE: u64 = bit(9) | bit(19);

/// What a signal does when its disposition is SIG_DFL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    /// End the process.
    Terminate,
    /// End the process with a core dump (the wait status says so).
    Core,
    /// Stop the process.
    Stop,
    /// Continue a stopped process.
    Continue,
    /// Nothing.
    Ignore,
}

/// Linux's default action for `sig`.
pub fn default_action(sig: u32) -> DefaultAction {
    match sig {
        3 | 4 | 5 | 6 | 7 | 8 | 11 | 24 | 25 | 31 => DefaultAction::Core,
        17 | 23 | 28 => DefaultAction::Ignore,
        18 => DefaultAction::Continue,
        19..=22 => DefaultAction::Stop,
        _ => DefaultAction::Terminate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_actions_follow_signal_7() {
        assert_eq!(default_action(11), DefaultAction::Core);
        assert_eq!(default_action(15), DefaultAction::Terminate);
        assert_eq!(default_action(17), DefaultAction::Ignore);
        assert_eq!(default_action(28), DefaultAction::Ignore);
        assert_eq!(default_action(19), DefaultAction::Stop);
        assert_eq!(default_action(18), DefaultAction::Continue);
        assert_eq!(default_action(34), DefaultAction::Terminate, "real-time signals terminate");
        assert_eq!(bit(1), 1);
        assert_eq!(bit(64), 1 << 63);
    }
}
