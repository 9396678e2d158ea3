//! The host's clocks, read for timers (timerfd).
#![allow(unsafe_code)]

use std::time::Duration;

/// The current time of host clock `clock` (a `CLOCK_*` id) since its epoch, or `None`
/// if the host does not have it.
pub fn now(clock: i32) -> Option<Duration> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer for one timespec.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return None;
    }
    Some(Duration::new(u64::try_from(ts.tv_sec).ok()?, u32::try_from(ts.tv_nsec).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_advances_and_bad_clocks_are_none() {
        let a = now(libc::CLOCK_MONOTONIC).unwrap();
        let b = now(libc::CLOCK_MONOTONIC).unwrap();
        assert!(b >= a);
        assert!(now(12345).is_none());
    }
}
