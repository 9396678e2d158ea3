//! No process of a sandbox outlives it: not after a normal exit, not after `kill -9` of
//! runsc mid-run. This test binary makes itself a child subreaper so that any orphaned
//! stub would be reparented to it, where it can be seen.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn become_subreaper() {
    // SAFETY: prctl(PR_SET_CHILD_SUBREAPER) only changes how our orphans are reparented.
    #[allow(unsafe_code)]
    let r = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    assert_eq!(r, 0, "PR_SET_CHILD_SUBREAPER");
}

/// Reap every child; fail if any is still alive after the grace period.
fn assert_no_children_left(what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut status = 0;
        // SAFETY: waitpid with a valid out-pointer.
        #[allow(unsafe_code)]
        let r = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG | libc::__WALL) };
        if r < 0 {
            return; // ECHILD: nothing left.
        }
        if r == 0 {
            assert!(Instant::now() < deadline, "{what}: a sandbox process is still alive: {}", children());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn children() -> String {
    let mut out = String::new();
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for t in tasks.flatten() {
            if let Ok(c) = std::fs::read_to_string(t.path().join("children")) {
                out.push_str(&c);
            }
        }
    }
    out
}

/// Host pids of runsc's children (its stubs).
fn stubs_of(pid: u32) -> Vec<i32> {
    let mut v = Vec::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            if let Ok(c) = std::fs::read_to_string(t.path().join("children")) {
                v.extend(c.split_whitespace().filter_map(|s| s.parse::<i32>().ok()));
            }
        }
    }
    v
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_runsc"))
        .arg("do")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("runsc starts")
}

fn kill9_mid_run(args: &[&str]) {
    let mut child = spawn(args);
    let deadline = Instant::now() + Duration::from_secs(10);
    let stubs = loop {
        let s = stubs_of(child.id());
        if !s.is_empty() {
            break s;
        }
        assert!(Instant::now() < deadline, "no stub appeared for {args:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    // Let the program get going in its stub.
    std::thread::sleep(Duration::from_millis(300));
    child.kill().expect("SIGKILL runsc");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "runsc was killed");
    assert_no_children_left(&format!("kill -9 during {args:?}"));
    for s in stubs {
        assert!(!std::path::Path::new(&format!("/proc/{s}")).exists(), "stub {s} survived kill -9 of runsc");
    }
}

#[test]
fn no_sandbox_process_outlives_runsc() {
    become_subreaper();

    // Normal exits.
    for args in [
        &["/bin/true"][..],
        &["/bin/sh", "-c", "exit 3"],
        &["/bin/sh", "-c", "kill -9 $$"],
        // A child process still running when the first process exits.
        &["/bin/sh", "-c", "/bin/sleep 100 & exit 0"],
    ] {
        let status = spawn(args).wait().unwrap();
        assert!(status.code().is_some());
        assert_no_children_left(&format!("normal exit of {args:?}"));
    }

    // kill -9 while application code spins in the stub, and while the task sleeps in the
    // Sentry.
    kill9_mid_run(&["/bin/sh", "-c", "while :; do :; done"]);
    kill9_mid_run(&["/bin/sleep", "100"]);
    // ... and while it has child processes.
    kill9_mid_run(&["/bin/sh", "-c", "/bin/sleep 100 & /bin/sleep 100 & wait"]);
}
