//! Real host programs under `runsc do`, compared with running them natively.

use std::process::{Command, Output};

fn runsc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_runsc"))
}

fn sandboxed(args: &[&str]) -> Output {
    runsc().arg("do").arg("--").args(args).output().expect("runsc runs")
}

fn native(args: &[&str]) -> Output {
    Command::new(args[0]).args(&args[1..]).output().expect("program runs natively")
}

fn require(path: &str) {
    assert!(
        std::path::Path::new(path).exists(),
        "{path} is missing: the test command in README.md installs it (apt-get install busybox python3 sqlite3)"
    );
}

#[test]
fn echo_prints_hello() {
    let o = sandboxed(&["/bin/echo", "hello"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "hello\n");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn shell_exit_status_passes_through() {
    let o = sandboxed(&["/bin/sh", "-c", "exit 3"]);
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn python_computes() {
    require("/usr/bin/python3");
    let o = sandboxed(&["/usr/bin/python3", "-c", "print(sum(range(10)))"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "45\n", "stderr: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn sqlite_computes() {
    require("/usr/bin/sqlite3");
    let o = sandboxed(&["/usr/bin/sqlite3", ":memory:", "select 1+1;"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "2\n", "stderr: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn busybox_lists_the_host_root_like_native() {
    require("/bin/busybox");
    let o = sandboxed(&["/bin/busybox", "ls", "/"]);
    let n = native(&["/bin/busybox", "ls", "/"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&n.stdout));
}

#[test]
fn command_is_found_in_path_and_missing_ones_are_127() {
    let o = sandboxed(&["echo", "via", "PATH"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "via PATH\n");
    let o = sandboxed(&["/no/such/program"]);
    assert_eq!(o.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&o.stderr).contains("command not found"));
    let o = sandboxed(&["/etc/passwd"]);
    assert_eq!(o.status.code(), Some(126), "a non-executable file cannot be run");
}

#[test]
fn a_fatal_signal_is_128_plus_n() {
    // The shell kills itself with SIGABRT (6) and SIGKILL (9).
    assert_eq!(sandboxed(&["/bin/sh", "-c", "kill -ABRT $$"]).status.code(), Some(134));
    assert_eq!(sandboxed(&["/bin/sh", "-c", "kill -9 $$"]).status.code(), Some(137));
}

#[test]
fn the_sandbox_sees_its_own_dev_and_no_host_proc() {
    let o = sandboxed(&[
        "/bin/sh",
        "-c",
        "echo x > /dev/null && set -- /proc/* && echo \"$1\" && exec od -An -tx1 -N4 /dev/zero",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "/proc/*\n 00 00 00 00\n",
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn writes_to_the_host_root_are_refused() {
    let o = sandboxed(&["/bin/sh", "-c", "echo x > /rvisor-should-not-exist"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("Read-only file system"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!std::path::Path::new("/rvisor-should-not-exist").exists());
}

#[test]
fn strace_prints_calls_with_decoded_arguments() {
    let o = runsc().args(["--strace", "do", "/bin/echo", "traced"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "traced\n");
    assert!(err.contains("write(1, \"traced\\n\", 7) = 7"), "{err}");
    assert!(err.contains("libc.so.6\", 0x80000, 0x0) = 3"), "{err}");
    assert!(err.contains("exit_group(0)"), "{err}");
}

#[test]
fn unimplemented_calls_are_enosys_and_logged_once() {
    // rseq is answered ENOSYS by design; glibc calls it once at startup. A program that
    // makes an unknown call twice gets ENOSYS both times and one log line.
    let log = format!("{}/unimpl-{}.log", env!("CARGO_TARGET_TMPDIR"), std::process::id());
    let _ = std::fs::remove_file(&log);
    let o = runsc()
        .args(["--debug-log", &log, "do", "/usr/bin/python3", "-c"])
        .arg("import ctypes; l=ctypes.CDLL(None); print(l.syscall(335), l.syscall(335), ctypes.get_errno())")
        .output()
        .unwrap();
    require("/usr/bin/python3");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "-1 -1 0\n", "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.matches("syscall 335 (?): not implemented: ENOSYS").count(), 1, "{text}");
}

#[test]
fn ls_long_listing_matches_native() {
    // ls -l asks for xattrs (EOPNOTSUPP here) and statfs; neither may show as an error.
    let o = sandboxed(&["/bin/ls", "-la", "--time-style=full-iso", "/etc/ssl"]);
    let n = native(&["/bin/ls", "-la", "--time-style=full-iso", "/etc/ssl"]);
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
    assert_eq!(String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&n.stdout));
}
