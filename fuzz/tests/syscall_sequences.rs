//! Random system-call sequences against an in-process kernel: no panic, no hang, no
//! leaked memory-file page. (Longer campaigns: the `syscalls` cargo fuzz target.)

use fuzz::syscalls::{callable, panics, run, BASE, LEN};
use proptest::prelude::*;

fn arg() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0u64..16,
        2 => (0..LEN).prop_map(|o| BASE + o),
        1 => Just(BASE + LEN),
        1 => Just(u64::MAX),
        1 => (1u64..8).prop_map(|n| n.wrapping_neg()),
        1 => Just(0x7fff_ffff_f000u64),
        1 => any::<u64>(),
    ]
}

fn call(numbers: Vec<u64>) -> impl Strategy<Value = (u64, [u64; 6])> {
    (proptest::sample::select(numbers), [arg(), arg(), arg(), arg(), arg(), arg()])
}

proptest! {
    // FUZZ_CASES=N runs a longer campaign.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_sequence_panics_hangs_or_leaks(calls in proptest::collection::vec(call(callable().to_vec()), 1..24)) {
        let before = panics();
        let out = run(&calls);
        prop_assert_eq!(panics(), before, "a Sentry thread panicked; calls: {:x?}", calls);
        prop_assert_eq!(out.leaked_pages, 0, "memory-file pages leaked; calls: {:x?}", calls);
    }
}

/// The harness reaches the kernel: a script's calls run, and how it ends is the
/// process's status.
#[test]
fn scripts_really_run() {
    use kernel_task::ExitStatus;
    assert_eq!(run(&[(39, [0; 6])]).status, ExitStatus::Code(0));
    assert_eq!(run(&[(231, [7, 0, 0, 0, 0, 0])]).status, ExitStatus::Code(7));
    assert_eq!(run(&[(62, [1, 15, 0, 0, 0, 0])]).status, ExitStatus::Signal(15));
    // A call that blocks forever ends when the watchdog kills the sandbox.
    assert_eq!(run(&[(34, [0; 6])]).status, ExitStatus::Signal(9));
}

/// Sequences that once needed care, kept as regressions.
#[test]
fn known_sequences() {
    let cases: Vec<Vec<(u64, [u64; 6])>> = vec![
        // A path pointer on the last page of the address space (an overflow in the
        // string copy once panicked debug builds).
        vec![(264, [0, u64::MAX, 0, 0, 0, 0])],
        // pipe2 into the mapped page, write to its write end, close both.
        vec![
            (293, [BASE, 0, 0, 0, 0, 0]),
            (1, [4, BASE + 64, 8, 0, 0, 0]),
            (3, [3, 0, 0, 0, 0, 0]),
            (3, [4, 0, 0, 0, 0, 0]),
        ],
        // fork (the child exits at once), then wait for it.
        vec![(57, [0; 6]), (61, [u64::MAX, 0, 0, 0, 0, 0])],
        // A thread (clone with CLONE_VM|CLONE_THREAD|CLONE_SIGHAND) that exits.
        vec![(56, [0x10900, BASE + LEN - 4096, 0, 0, 0, 0])],
        // kill ourselves with SIGTERM.
        vec![(62, [1, 15, 0, 0, 0, 0])],
        // memfd, ftruncate, mmap it shared, unmap.
        vec![
            (319, [BASE, 0, 0, 0, 0, 0]),
            (77, [3, 8192, 0, 0, 0, 0]),
            (9, [0, 8192, 3, 1, 3, 0]),
            (11, [BASE, 4096, 0, 0, 0, 0]),
        ],
    ];
    for calls in cases {
        let before = panics();
        let out = run(&calls);
        assert_eq!(panics(), before, "{calls:x?}");
        assert_eq!(out.leaked_pages, 0, "{calls:x?}");
    }
}
