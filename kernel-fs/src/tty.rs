//! Terminals as the process layer sees them: a session and a foreground process group
//! per terminal, and the hooks through which a terminal signals processes.
//!
//! kernel-fs knows nothing of processes: a terminal keeps the ids of its session and
//! foreground group, and the process layer (kernel-task) implements [`JobControl`] to
//! deliver the signals a terminal raises (^C, a window change, a hangup). Which terminal
//! controls which process is the process layer's business too.

use std::sync::{Arc, Mutex, MutexGuard};

use kernel_abi::KResult;

use crate::File;

/// The job-control state of a terminal (Linux's `tty->ctrl`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TtyCtrl {
    /// The session the terminal controls.
    pub session: Option<i32>,
    /// Its foreground process group.
    pub pgrp: Option<i32>,
}

/// A terminal that can be a session's controlling terminal.
pub trait Terminal: Send + Sync {
    /// Its job-control state.
    fn ctrl(&self) -> MutexGuard<'_, TtyCtrl>;
    /// Open it again, as /dev/tty does for the caller's controlling terminal.
    fn reopen(&self, flags: u32) -> KResult<Arc<File>>;
    /// Hung up: its descriptors answer EIO and it controls nothing any more.
    fn hung_up(&self) -> bool {
        false
    }
}

/// Whether `a` and `b` are the same terminal.
pub fn same(a: &dyn Terminal, b: &dyn Terminal) -> bool {
    std::ptr::addr_eq(a as *const dyn Terminal, b as *const dyn Terminal)
}

/// Lock a terminal's control state (a leaf lock).
pub(crate) fn lock_ctrl(m: &Mutex<TtyCtrl>) -> MutexGuard<'_, TtyCtrl> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a terminal asks of the process layer. Called with no terminal lock held.
pub trait JobControl: Send + Sync {
    /// Send `sig` (from the kernel) to every process of group `pgrp`.
    fn signal_group(&self, pgrp: i32, sig: u32);
    /// `tty` hung up (its master closed): every process it controls loses it, and the
    /// leader of `session` gets SIGHUP and SIGCONT.
    fn hangup(&self, tty: &Arc<dyn Terminal>, session: Option<i32>);
}
