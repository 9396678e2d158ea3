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
        "{path} is missing: the test command in README.md installs it (scripts/setup.sh)"
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
fn sqlite_uses_a_database_file_in_tmp() {
    require("/usr/bin/sqlite3");
    // A file database takes POSIX record locks on every transaction.
    let o = sandboxed(&[
        "/bin/sh",
        "-c",
        "sqlite3 /tmp/x.db 'create table t(a); insert into t values(1); insert into t values(2);' && \
         sqlite3 /tmp/x.db 'begin exclusive; update t set a = a * 10; commit; select sum(a) from t;'",
    ]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "30\n", "stderr: {}", String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success());
    // Four writers at once: each waits its turn through the locks.
    let o = sandboxed(&[
        "/bin/sh",
        "-c",
        "sqlite3 /tmp/y.db 'create table t(a);' && \
         for i in 1 2 3 4; do \
           (for j in 1 2 3 4 5; do sqlite3 -cmd '.timeout 20000' /tmp/y.db \"insert into t values($j);\" || echo fail; done) & \
         done; wait; sqlite3 /tmp/y.db 'select count(*), sum(a) from t;'",
    ]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "20|60\n", "stderr: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn node_runs_its_event_loop() {
    let node = "/usr/bin/node";
    require(node);
    // Timers and promises: epoll, eventfd and the event loop's worker threads.
    let script = "setTimeout(() => console.log('timer'), 50); Promise.resolve().then(() => console.log('micro'))";
    let o = sandboxed(&[node, "-e", script]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "micro\ntimer\n", "stderr: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(0));
    // A worker thread (a second V8 isolate on its own thread) posts a message back.
    let worker = "const { Worker } = require('worker_threads'); \
                  new Worker('require(\"worker_threads\").parentPort.postMessage(6 * 7)', { eval: true }) \
                  .on('message', m => console.log('worker says ' + m))";
    let o = sandboxed(&[node, "-e", worker]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "worker says 42\n",
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Reading a passed-through stdin pipe: the host descriptor sits in node's epoll set.
    use std::io::Write as _;
    let mut child = runsc()
        .args(["do", "--", node, "-e"])
        .arg("process.stdin.on('data', d => console.log('got ' + String(d).trim())); process.stdin.on('end', () => console.log('end'))")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runsc runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    std::thread::sleep(std::time::Duration::from_millis(300));
    stdin.write_all(b"hello\n").expect("write to node");
    drop(stdin);
    let o = child.wait_with_output().expect("node ends");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "got hello\nend\n",
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
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
fn python_subprocess_with_pipes() {
    let script = "import subprocess\np = subprocess.run(['/bin/cat'], input=b'x' * 200000, capture_output=True)\nprint(len(p.stdout), p.returncode)\n";
    let o = sandboxed(&["/usr/bin/python3", "-c", script]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "200000 0\n", "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn shell_pipelines_work() {
    let o = sandboxed(&["/bin/sh", "-c", "for i in 1 2 3; do echo $i | cat; done; ls / | sort | head -1"]);
    let n = native(&["/bin/sh", "-c", "for i in 1 2 3; do echo $i | cat; done; ls / | sort | head -1"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&n.stdout));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("1\n2\n3\n"));
}

#[test]
fn the_sandbox_sees_its_own_dev_and_proc() {
    // /proc lists the sandbox's processes only (here just the shell, PID 1), and
    // /proc/self names the process looking.
    let o = sandboxed(&[
        "/bin/sh",
        "-c",
        "echo x > /dev/null && set -- /proc/[0-9]* && echo \"$*\" && cat /proc/1/comm && readlink /proc/self/exe \
         && od -An -tx1 -N4 /dev/zero",
    ]);
    let readlink = std::fs::canonicalize("/usr/bin/readlink").unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("/proc/1\nsh\n{}\n 00 00 00 00\n", readlink.display()),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn java_runs_threads() {
    // The JVM finds its libraries through /proc/self/exe and runs threads (and its
    // SIGSEGV-based safepoints) in the sandbox.
    require("/usr/bin/java");
    require("/usr/bin/javac");
    let dir = format!("{}/java-{}", env!("CARGO_TARGET_TMPDIR"), std::process::id());
    std::fs::create_dir_all(&dir).unwrap();
    let src = format!("{dir}/Threads.java");
    std::fs::write(
        &src,
        r#"
public class Threads {
    public static void main(String[] args) throws Exception {
        java.util.concurrent.atomic.AtomicLong total = new java.util.concurrent.atomic.AtomicLong();
        Object lock = new Object();
        long[] counter = new long[1];
        Thread[] ts = new Thread[8];
        for (int i = 0; i < ts.length; i++) {
            final int id = i;
            ts[i] = new Thread(() -> {
                for (int k = 0; k < 20000; k++) {
                    total.addAndGet(id);
                    synchronized (lock) { counter[0]++; }
                }
            });
            ts[i].start();
        }
        for (Thread t : ts) t.join();
        System.out.println("total " + total.get() + " counter " + counter[0]);
    }
}
"#,
    )
    .unwrap();
    let c = Command::new("javac").arg("-d").arg(&dir).arg(&src).output().expect("javac runs");
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    let o = sandboxed(&["/usr/bin/java", "-cp", &dir, "Threads"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "total 560000 counter 160000\n",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = sandboxed(&["/usr/bin/java", "-version"]);
    assert!(String::from_utf8_lossy(&v.stderr).contains("version"), "{}", String::from_utf8_lossy(&v.stderr));
}

#[test]
fn changes_to_the_root_stay_in_the_sandbox() {
    // The issue's own example: both succeed inside; the host's /etc and /bin are unchanged.
    let name = format!("rvisor-newfile-{}", std::process::id());
    let script = format!("echo x > /etc/{name} && cat /etc/{name} && rm /bin/ls && test ! -e /bin/ls && echo gone");
    let o = sandboxed(&["/bin/sh", "-c", &script]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "x\ngone\n", "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(0));
    assert!(!std::path::Path::new(&format!("/etc/{name}")).exists());
    assert!(std::path::Path::new("/bin/ls").exists());
}

/// A small tree of files, directories and links with known contents.
fn make_fixture(dir: &std::path::Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("d/sub")).unwrap();
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    std::fs::create_dir_all(dir.join("full/inner")).unwrap();
    std::fs::write(dir.join("a"), "alpha\n").unwrap();
    std::fs::write(dir.join("b"), "beta\n".repeat(5000)).unwrap();
    std::fs::write(dir.join("d/f"), "in d\n").unwrap();
    std::fs::write(dir.join("d/sub/g"), "deep\n").unwrap();
    std::fs::write(dir.join("full/x"), "x\n").unwrap();
    std::fs::create_dir_all(dir.join("quiet")).unwrap();
    std::fs::write(dir.join("quiet/q"), "q\n").unwrap();
    std::os::unix::fs::symlink("a", dir.join("link")).unwrap();
}

/// Every path under `dir` with its type, permissions, size and (for files) contents.
fn describe_tree(dir: &std::path::Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        let md = std::fs::symlink_metadata(&p).unwrap();
        let rel = p.strip_prefix(dir).unwrap().display().to_string();
        let body = if md.is_file() { std::fs::read_to_string(&p).unwrap() } else { String::new() };
        out.push(format!("{rel} {:o} {} {}", md.permissions().mode(), md.len(), body.len()));
        if md.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_overlay_root_behaves_like_native_and_leaves_the_host_alone() {
    // The same script runs natively on one copy of a fixture and in the sandbox on
    // another, which lives in the sandbox's lower layer: outputs must match, and the
    // sandbox's copy must be unchanged on the host afterwards.
    let base = std::path::PathBuf::from(format!("{}/overlay-{}", env!("CARGO_TARGET_TMPDIR"), std::process::id()));
    let (nat, sb) = (base.join("native"), base.join("sandbox"));
    make_fixture(&nat);
    make_fixture(&sb);
    let before = describe_tree(&sb);
    let script = r#"
cd "$1" || exit 9
echo changed > a; cat a link
echo more >> b; wc -c < b; tail -n 2 b
rm d/f; ls d; test -e d/f || echo "d/f gone"
echo new > d/f; cat d/f
rmdir full 2>/dev/null || echo "rmdir full refused"
rm -r full; ls -A
mkdir full; ls -A full; echo "full is empty again"
rmdir empty && echo "rmdir empty ok"; test -d empty || echo "empty gone"
mkdir empty; touch empty/t; ls empty
chmod 600 d/sub/g; stat -c '%a %s' d/sub/g
ln d/sub/g hard; stat -c '%h %s' hard d/sub/g
mv a a2; cat a2; test -e a || echo "a moved"
mv d/sub dsub 2>/dev/null; ls -A . d dsub 2>&1 | sort
ln -s b link2; cat link2 | wc -l
truncate -s 3 b; cat b; echo
: > d/sub2 2>/dev/null; ls d
cd d && touch here && cd .. && ls d
cd quiet; touch made-here; chmod 700 .; stat -c '%a' .; ls; cd "$1"
find . | sort
"#;
    let n = native(&["/bin/sh", "-c", script, "sh", nat.to_str().unwrap()]);
    let o = sandboxed(&["/bin/sh", "-c", script, "sh", sb.to_str().unwrap()]);
    assert_eq!(n.status.code(), Some(0), "{}", String::from_utf8_lossy(&n.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&n.stdout),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&o.stderr), String::from_utf8_lossy(&n.stderr));
    assert_eq!(describe_tree(&sb), before, "the sandbox changed the host's files");
    let _ = std::fs::remove_dir_all(&base);
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

/// A minimal x86_64 ELF: `exit(7)` code at 0x401000, with extra program headers.
fn elf(kind: u16, extra: &[[u64; 7]]) -> Vec<u8> {
    let phnum = 1 + extra.len();
    let code: [u8; 12] = [0xb8, 60, 0, 0, 0, 0xbf, 7, 0, 0, 0, 0x0f, 0x05]; // exit(7)
    let mut v = Vec::new();
    v.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    v.extend_from_slice(&kind.to_le_bytes()); // e_type
    v.extend_from_slice(&62u16.to_le_bytes()); // e_machine
    v.extend_from_slice(&1u32.to_le_bytes());
    v.extend_from_slice(&0x401000u64.to_le_bytes()); // e_entry
    v.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
    v.extend_from_slice(&0u64.to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes());
    for x in [64u16, 56, phnum as u16, 64, 0, 0] {
        v.extend_from_slice(&x.to_le_bytes());
    }
    // PT_LOAD R+X: file offset 0x1000 -> 0x401000.
    let mut phdrs = vec![[1u64 | (5 << 32), 0x1000, 0x401000, 0x401000, 12, 12, 0x1000]];
    phdrs.extend_from_slice(extra);
    for p in phdrs {
        v.extend_from_slice(&(p[0] as u32).to_le_bytes());
        v.extend_from_slice(&((p[0] >> 32) as u32).to_le_bytes());
        for x in &p[1..] {
            v.extend_from_slice(&x.to_le_bytes());
        }
    }
    v.resize(0x1000, 0);
    v.extend_from_slice(&code);
    v
}

#[test]
fn hostile_elf_headers_are_refused_without_harm() {
    use std::os::unix::fs::PermissionsExt;
    let dir = format!("{}/elf-{}", env!("CARGO_TARGET_TMPDIR"), std::process::id());
    std::fs::create_dir_all(&dir).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("good", elf(2, &[])),
        // PT_PHDR far outside the image (an overflowing address).
        ("phdr-overflow", elf(2, &[[6, 64, u64::MAX - 0xfff, 0, 56, 56, 8]])),
        // An empty PT_LOAD at the very top of the address space.
        ("load-at-top", elf(2, &[[1 | (4 << 32), 0, 0xffff_ffff_ffff_0000, 0, 0, 0, 0x1000]])),
        // A segment whose end wraps around.
        ("load-wraps", elf(2, &[[1 | (4 << 32), 0, 0xffff_ffff_ffff_f000, 0, 0, 0x2000, 0x1000]])),
    ];
    for (name, bytes) in cases {
        let path = format!("{dir}/{name}");
        std::fs::write(&path, bytes).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        let o = sandboxed(&[&path]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{name}: the Sentry panicked: {err}");
        if name == "good" {
            assert_eq!(o.status.code(), Some(7), "{err}");
        } else {
            assert_eq!(o.status.code(), Some(126), "{name}: refused as not executable: {err}");
            assert!(err.contains("ENOEXEC"), "{name}: {err}");
        }
    }
}

/// Compile a C program for a test into the target's temp dir.
fn compile(name: &str, src: &str) -> String {
    let dir = format!("{}/cprogs", env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let c = format!("{dir}/{name}.c");
    let bin = format!("{dir}/{name}");
    std::fs::write(&c, src).unwrap();
    let o = Command::new("gcc")
        .args(["-O1", "-static", "-o", &bin, &c])
        .output()
        .expect("gcc runs (scripts/setup.sh installs it)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    bin
}

#[test]
fn int80_system_calls_are_enosys_not_misread_as_64_bit() {
    // i386 write(1, msg, 6) via int 0x80: natively it writes; here it must not run as
    // the 64-bit call 4 (stat) with 64-bit registers, but fail with ENOSYS.
    let bin = compile(
        "int80",
        r#"#include <stdio.h>
static char msg[] = "int80\n";
int main(void) {
    long r;
    asm volatile("int $0x80" : "=a"(r) : "a"(4L), "b"(1L), "c"(msg), "d"(6L) : "memory");
    printf("result %ld\n", r);
    return 0;
}
"#,
    );
    let o = sandboxed(&[&bin]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "result -38\n");
}

#[test]
fn find_walks_a_large_tree_like_native() {
    // Tens of thousands of names: the Sentry must not hold a host fd for each, even
    // under the usual soft limit of 1024 descriptors.
    let args = ["/bin/sh", "-c", "ulimit -n 1024; exec /usr/bin/find /usr/share -xdev"];
    let o = Command::new("/bin/sh")
        .args([
            "-c",
            &format!("ulimit -n 1024; exec {} do -- /usr/bin/find /usr/share -xdev", env!("CARGO_BIN_EXE_runsc")),
        ])
        .output()
        .unwrap();
    let n = native(&args);
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
    let (ours, theirs) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&n.stdout));
    assert!(theirs.lines().count() > 2000, "a large tree");
    assert_eq!(ours.lines().count(), theirs.lines().count());
    assert_eq!(ours, theirs);
}

#[test]
fn the_vsyscall_page_is_served_by_the_sentry() {
    let bin = compile(
        "vsyscall",
        r#"#include <stdio.h>
#include <sys/time.h>
int main(void) {
    long (*vtime)(long *) = (long (*)(long *))0xffffffffff600400UL;
    int (*vgtod)(struct timeval *, void *) = (int (*)(struct timeval *, void *))0xffffffffff600000UL;
    long t = 0;
    long r = vtime(&t);
    struct timeval tv;
    int g = vgtod(&tv, 0);
    printf("%ld %d %d\n", r, r == t, g == 0 && tv.tv_sec >= r);
    return 0;
}
"#,
    );
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let o = runsc().args(["--strace", "do", &bin]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let f: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(f.len(), 3, "{out} {}", String::from_utf8_lossy(&o.stderr));
    let t: i64 = f[0].parse().unwrap();
    assert!((before - 1..=before + 30).contains(&t), "time {t} vs host {before}");
    assert_eq!(&f[1..], ["1", "1"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("] time(") && err.contains("] gettimeofday("), "served as system calls: {err}");
}

/// A sandboxed program that printed the line `ready` (its handlers are set up).
struct ReadyChild {
    child: std::process::Child,
    stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl ReadyChild {
    fn start(args: &[&str]) -> ReadyChild {
        use std::io::BufRead;
        let mut child = runsc()
            .arg("do")
            .arg("--")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        assert_eq!(first, "ready\n", "the program is ready before any signal is sent");
        ReadyChild { child, stdout }
    }

    fn kill(&self, sig: i32) {
        // SAFETY: signalling the child we started (not reaped until `finish`).
        #[allow(unsafe_code)]
        unsafe {
            libc::kill(self.child.id() as i32, sig);
        }
    }

    /// Keep sending `sig` every 100 ms until the program's output ends (a signal may
    /// land before the call it is meant to interrupt); the status and the rest of stdout.
    fn finish_while_sending(mut self, sig: i32) -> (Option<i32>, String) {
        use std::io::Read;
        let pid = self.child.id() as i32;
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let d2 = done.clone();
        let sender = std::thread::spawn(move || {
            while !d2.load(std::sync::atomic::Ordering::SeqCst) {
                // SAFETY: as in `kill`.
                #[allow(unsafe_code)]
                unsafe {
                    libc::kill(pid, sig);
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
        let mut out = String::new();
        self.stdout.read_to_string(&mut out).unwrap();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        sender.join().unwrap();
        (self.child.wait().unwrap().code(), out)
    }
}

/// Run `runsc do ARGS`, send it `sig` once it printed `ready` (or after 300 ms when
/// `ready` is false: for programs that print nothing), and return its status and the
/// rest of its stdout.
fn signal_when_ready(args: &[&str], ready: bool, sig: i32) -> (Option<i32>, String) {
    use std::io::Read;
    if ready {
        let mut c = ReadyChild::start(args);
        c.kill(sig);
        let mut rest = String::new();
        c.stdout.read_to_string(&mut rest).unwrap();
        return (c.child.wait().unwrap().code(), rest);
    }
    let child = runsc().arg("do").arg("--").args(args).stdout(std::process::Stdio::piped()).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // SAFETY: signalling the child we started.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
    let o = child.wait_with_output().unwrap();
    (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn ctrl_c_reaches_the_application() {
    // Default action: sleep dies of SIGINT, runsc exits 130.
    assert_eq!(signal_when_ready(&["/bin/sleep", "100"], false, libc::SIGINT).0, Some(130));
    // A handler runs and the interrupted sleep returns EINTR: python raises KeyboardInterrupt.
    // (The signal may land between the print and the sleep, where python only notes it;
    // the loop's next sleep then raises. The print is inside the try for the same reason.)
    let script =
        "import time\ntry:\n    print('ready', flush=True)\n    while True: time.sleep(0.5)\nexcept KeyboardInterrupt:\n    print('interrupted')\n";
    let (code, out) = signal_when_ready(&["/usr/bin/python3", "-c", script], true, libc::SIGINT);
    assert_eq!(out, "interrupted\n");
    assert_eq!(code, Some(0));
}

#[test]
fn sigterm_stops_a_program_spinning_in_its_stub() {
    let (code, _) = signal_when_ready(&["/bin/sh", "-c", "echo ready; while :; do :; done"], true, libc::SIGTERM);
    assert_eq!(code, Some(143));
}

#[test]
fn a_host_signal_interrupts_a_sleep_with_eintr() {
    let bin = compile(
        "eintr",
        r#"#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
static volatile int got;
static void h(int s) { got = s; }
int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigaction(SIGUSR1, &sa, 0);
    printf("ready\n");
    fflush(stdout);
    /* A signal may land before the sleep starts; the test keeps sending. */
    struct timespec req = {30, 0}, rem = {0, 0};
    int r = nanosleep(&req, &rem);
    printf("nanosleep %d %s handler %d rem>20s %d\n", r, r ? strerror(errno) : "ok", got, rem.tv_sec > 20);
    return 0;
}
"#,
    );
    let (code, out) = ReadyChild::start(&[&bin]).finish_while_sending(libc::SIGUSR1);
    assert_eq!(out, "nanosleep -1 Interrupted system call handler 10 rem>20s 1\n");
    assert_eq!(code, Some(0));
}

#[test]
fn sa_restart_restarts_an_interrupted_wait() {
    let bin = compile(
        "sarestart",
        r#"#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
static volatile int usr1, usr2;
static void h1(int s) { usr1++; }
static void h2(int s) { usr2++; }
static int word;
int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, 0);
    sa.sa_handler = h2;
    sa.sa_flags = 0;
    sigaction(SIGUSR2, &sa, 0);
    printf("ready\n");
    fflush(stdout);
    long r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    printf("futex %ld %s; SA_RESTART handler ran %d; ended by the other %d\n", r, strerror(errno), usr1 > 0, usr2 > 0);
    return 0;
}
"#,
    );
    let child = ReadyChild::start(&[&bin]);
    // SIGUSR1s (SA_RESTART) must not end the wait; then SIGUSR2s must.
    for _ in 0..3 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        child.kill(libc::SIGUSR1);
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (code, out) = child.finish_while_sending(libc::SIGUSR2);
    assert_eq!(code, Some(0));
    assert_eq!(out, "futex -1 Interrupted system call; SA_RESTART handler ran 1; ended by the other 1\n");
}

#[test]
fn a_signal_ends_a_read_blocked_on_a_host_pipe() {
    // cat blocks reading its stdin, a pipe we keep open and empty.
    let mut child = runsc()
        .args(["do", "--", "/bin/cat"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _stdin = child.stdin.take();
    std::thread::sleep(std::time::Duration::from_millis(500));
    // SAFETY: signalling the child we started.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let t0 = std::time::Instant::now();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    // A liveness guard, not a timing: without the interruption the read waits forever.
    assert!(t0.elapsed() < std::time::Duration::from_secs(60), "the blocked read was interrupted");
}

#[test]
fn writing_to_a_closed_pipe_raises_sigpipe() {
    use std::io::Read;
    let mut child = runsc()
        .args(["do", "--", "/usr/bin/yes"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut buf = [0u8; 4];
    out.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"y\ny\n");
    drop(out);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(141), "killed by SIGPIPE: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn shells_run_commands_as_child_processes() {
    let o = sandboxed(&["/bin/sh", "-c", "for i in 1 2 3; do /bin/echo $i; done; /bin/sleep 0.1 & wait; exit 5"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "1\n2\n3\n");
    assert_eq!(o.status.code(), Some(5));
    // timeout(1) forks, arms a timer, and kills its child when it fires.
    let o = sandboxed(&["/usr/bin/timeout", "1", "/bin/sleep", "5"]);
    assert_eq!(o.status.code(), Some(124));
}

#[test]
fn interpreter_scripts_run_like_native() {
    use std::os::unix::fs::PermissionsExt;
    let dir = format!("{}/scripts-{}", env!("CARGO_TARGET_TMPDIR"), std::process::id());
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: String| {
        let p = format!("{dir}/{name}");
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    };
    let s1 = write("s1", "#!/bin/sh -e\necho \"script $0 args: $*\"\nexit 4\n".into());
    // A script whose interpreter is a script, and a chain too deep for Linux (ELOOP).
    let s2 = write("s2", format!("#!{s1}\n"));
    let mut prev = s1.clone();
    for i in 0..5 {
        prev = write(&format!("deep{i}"), format!("#!{prev}\n"));
    }
    // An interpreter line with only spaces after #! is ENOEXEC.
    let bad = write("bad", "#!   \n".into());
    let probe = |path: &str| {
        format!("import os\ntry:\n    os.execv({path:?}, [{path:?}, 'x'])\nexcept OSError as e:\n    print(e.errno)\n")
    };
    for (path, args) in [(&s1, vec!["a", "b"]), (&s2, vec!["x"])] {
        let mut cmd = vec![path.as_str()];
        cmd.extend(args);
        let o = sandboxed(&cmd);
        let n = native(&cmd);
        assert_eq!(String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&n.stdout));
        assert_eq!(o.status.code(), Some(4));
    }
    for path in [&prev, &bad] {
        let p = probe(path);
        let o = sandboxed(&["/usr/bin/python3", "-c", &p]);
        let n = native(&["/usr/bin/python3", "-c", &p]);
        assert_eq!(String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&n.stdout), "{path}");
    }
}

#[test]
fn python_threads_with_locks_and_conditions() {
    require("/usr/bin/python3");
    let script = r#"
import threading
lock = threading.Lock()
cond = threading.Condition(lock)
total = 0
done = 0
def work(n):
    global total, done
    for i in range(2000):
        with lock:
            total += n
    with cond:
        done += 1
        cond.notify_all()
threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
with cond:
    while done < 8:
        cond.wait()
for t in threads:
    t.join()
print(total, done, threading.active_count())
"#;
    let o = sandboxed(&["/usr/bin/python3", "-c", script]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "56000 8 1\n", "stderr: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn a_thread_calling_exit_group_ends_the_process_with_its_status() {
    let bin = compile(
        "exit_group_thread",
        r#"
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
static void *run(void *a) { (void)a; printf("in thread\n"); fflush(stdout); syscall(SYS_exit_group, 9); return NULL; }
int main(void) {
    pthread_t t;
    pthread_create(&t, NULL, run, NULL);
    for (;;) pause();
}
"#,
    );
    let o = sandboxed(&[&bin]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "in thread\n");
    assert_eq!(o.status.code(), Some(9));
}

#[test]
fn a_shell_stops_and_continues_a_job() {
    // kill -STOP / -CONT on a background job, then wait for it: the job finishes normally.
    let script = "sleep 0.3 & p=$!; kill -STOP $p; kill -CONT $p; wait $p; echo status $?";
    let o = sandboxed(&["/bin/sh", "-c", script]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "status 0\n", "stderr: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_fork_bomb_is_stopped_by_rlimit_nproc() {
    // A non-root user with RLIMIT_NPROC at 50: forks fail with EAGAIN (root would be
    // exempt, as in Linux, and bound only by the sandbox's task limit).
    let bin = compile(
        "fork_bomb",
        r#"
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
int main(void) {
    struct rlimit r = { 50, 50 };
    if (setuid(65534) != 0 || setrlimit(RLIMIT_NPROC, &r) != 0) { perror("setup"); return 1; }
    int made = 0, eagain = 0;
    for (int i = 0; i < 200; i++) {
        pid_t p = fork();
        if (p == 0) { pause(); _exit(0); }
        if (p < 0) { eagain += errno == EAGAIN; break; }
        made++;
    }
    printf("made %d, stopped by EAGAIN %d\n", made, eagain);
    fflush(stdout);
    kill(0, SIGKILL);
    return 0;
}
"#,
    );
    let o = sandboxed(&[&bin]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "made 49, stopped by EAGAIN 1\n");
}

#[test]
fn tmp_is_private_to_the_sandbox() {
    let name = format!("rvisor-private-{}-{}", std::process::id(), line!());
    let host_path = std::path::Path::new("/tmp").join(&name);
    let script = format!("echo hi > /tmp/{name} && cat /tmp/{name}");
    let o = sandboxed(&["/bin/sh", "-c", &script]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "hi\n", "stderr: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(0));
    assert!(!host_path.exists(), "{} appeared on the host", host_path.display());
}

#[test]
fn file_tools_give_native_results() {
    // busybox's file tools, sqlite in WAL mode, python's file modules and git, in a
    // fresh directory under /tmp (the sandbox's tmpfs; natively the host's /tmp).
    for p in ["/usr/bin/busybox", "/usr/bin/sqlite3", "/usr/bin/python3", "/usr/bin/git"] {
        require(p);
    }
    let script = r#"
set -e
W=$(mktemp -d) && cd "$W"
busybox mkdir -p src/a/b && echo hello > src/a/b/f && busybox ln -s a/b/f src/l
busybox cp -a src dst && busybox ls -la dst | busybox wc -l && busybox readlink dst/l
busybox tar c src | (mkdir t && cd t && busybox tar x) && busybox find t | busybox sort
printf 'b\na\nc\n' > s && busybox sort s && busybox sed -i s/a/A/ s && cat s
busybox grep -r hello . | busybox sort
busybox du -s src | busybox cut -f2
busybox df / "$W" | busybox wc -l
/usr/bin/sqlite3 db 'pragma journal_mode=wal; create table t(x); insert into t values(1),(2); select sum(x) from t;'
/usr/bin/sqlite3 db 'select count(*) from t;'
/usr/bin/python3 -c '
import tempfile, shutil, os, pathlib, fcntl, mmap
d = tempfile.mkdtemp(dir=".")
shutil.copytree("src", d + "/c", symlinks=True)
print(sorted(os.path.relpath(r, d) for r, _, _ in os.walk(d)))
p = pathlib.Path(d) / "m"
p.write_bytes(b"x" * 8192)
with open(p, "r+b") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    m = mmap.mmap(f.fileno(), 8192)
    m[4094:4099] = b"hello"
    m.flush()
    m.close()
print(p.read_bytes()[4090:4100], sorted(x.name for x in pathlib.Path(d).iterdir()))
'
/usr/bin/git init -q g && cd g
/usr/bin/git -c user.email=a@b -c user.name=n commit -q --allow-empty -m first
echo x > f && /usr/bin/git add f && /usr/bin/git -c user.email=a@b -c user.name=n commit -qm second
/usr/bin/git log --format=%s && /usr/bin/git ls-files && /usr/bin/git status --porcelain | wc -l
cd / && rm -r "$W" && test ! -e "$W" && echo cleaned
"#;
    let n = native(&["/bin/sh", "-c", script]);
    let o = sandboxed(&["/bin/sh", "-c", script]);
    assert_eq!(n.status.code(), Some(0), "native run failed: {}", String::from_utf8_lossy(&n.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&n.stdout),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn dev_shm_is_writable() {
    let o = sandboxed(&["/bin/sh", "-c", "mkdir /dev/shm/d && echo x > /dev/shm/d/f && cat /dev/shm/d/f"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "x\n", "stderr: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn python_multiprocessing_semaphores_work_in_dev_shm() {
    require("/usr/bin/python3");
    let script = "import multiprocessing as mp\n\
                  def sq(x): return x * x\n\
                  if __name__ == '__main__':\n    \
                  l = mp.Lock(); l.acquire(); l.release()\n    \
                  with mp.Pool(2) as p: print(p.map(sq, range(5)))\n    \
                  with mp.Pool(4) as p: print(sum(p.map(sq, range(1000))))\n";
    let o = sandboxed(&["/usr/bin/python3", "-c", script]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "[0, 1, 4, 9, 16]\n332833500\n",
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn the_hosts_tmp_shows_through_the_sandboxs_private_tmp() {
    // Files under the host's /tmp stay readable (a checkout or build there still runs);
    // what the sandbox writes in /tmp stays in its own tmpfs.
    let host = format!("/tmp/rvisor-lower-{}", std::process::id());
    std::fs::write(&host, "from the host\n").unwrap();
    let o = sandboxed(&["/bin/sh", "-c", &format!("cat {host}; echo mine > {host}.new; cat {host}.new")]);
    let _ = std::fs::remove_file(&host);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "from the host\nmine\n", "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!std::path::Path::new(&format!("{host}.new")).exists(), "the sandbox's file reached the host");
}

#[test]
fn python_asyncio_runs_a_coroutine() {
    // asyncio's event loop wakes itself through a socketpair.
    require("/usr/bin/python3");
    let o = sandboxed(&["/usr/bin/python3", "-c", "import asyncio; asyncio.run(asyncio.sleep(0.01)); print(\"ok\")"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "ok\n", "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn python_unix_socket_server_and_client() {
    // A server on a path in /tmp and an abstract name, a forked client for each.
    require("/usr/bin/python3");
    let script = r#"
import os, socket, tempfile
d = tempfile.mkdtemp()
for addr in (os.path.join(d, "srv"), "\0rvisor-programs-%d" % os.getpid()):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(addr)
    srv.listen(1)
    if os.fork() == 0:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(addr)
        c.sendall(b"hello " * 10000)
        c.shutdown(socket.SHUT_WR)
        print("client got", c.recv(100).decode(), flush=True)
        os._exit(0)
    conn, _ = srv.accept()
    data = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    conn.sendall(b"%d bytes" % len(data))
    os.wait()
    srv.close()
os.unlink(os.path.join(d, "srv"))
os.rmdir(d)
"#;
    let o = sandboxed(&["/usr/bin/python3", "-c", script]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "client got 60000 bytes\nclient got 60000 bytes\n",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `python3 -m http.server` bound to `bind`, fetched from inside the same sandbox with
/// urllib and curl at `host`: each prints the body of the page it was served.
fn http_server_round_trip(bind: &str, host: &str) {
    require("/usr/bin/python3");
    require("/usr/bin/curl");
    let page = format!("<html>rvisor loopback page {} {bind}\n{}</html>\n", std::process::id(), "x".repeat(5000));
    let script = r#"
set -e
d=$(mktemp -d)
cd "$d"
printf '%s' "$PAGE" > page.html
python3 -u -m http.server 0 --bind "$BIND" > log 2>&1 &
srv=$!
for i in $(seq 200); do grep -q ' port ' log && break; sleep 0.05; done
port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' log | head -n 1)
url="http://$HOST:$port/page.html"
python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' "$url"
echo "--- curl"
curl -sS -g "$url"
kill $srv
"#;
    let o = runsc()
        .env("PAGE", &page)
        .env("BIND", bind)
        .env("HOST", host)
        .args(["do", "--", "/bin/sh", "-c", script])
        .output()
        .expect("runsc runs");
    let out = String::from_utf8_lossy(&o.stdout);
    let want = format!("{page}--- curl\n{page}");
    assert_eq!(out, want, "stderr: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn python_http_server_serves_urllib_and_curl_on_127_0_0_1() {
    http_server_round_trip("127.0.0.1", "127.0.0.1");
}

#[test]
fn python_http_server_serves_urllib_and_curl_on_ipv6_loopback() {
    http_server_round_trip("::1", "[::1]");
}

#[test]
fn addresses_off_loopback_are_unreachable() {
    require("/usr/bin/python3");
    let script = "import socket, errno\n\
                  for fam, addr in ((socket.AF_INET, ('192.0.2.1', 80)), (socket.AF_INET6, ('2001:db8::1', 80))):\n    \
                  for ty in (socket.SOCK_STREAM, socket.SOCK_DGRAM):\n        \
                  s = socket.socket(fam, ty)\n        \
                  try:\n            \
                  s.connect(addr) if ty == socket.SOCK_STREAM else s.sendto(b'x', addr)\n            \
                  print('reached')\n        \
                  except OSError as e:\n            \
                  print(errno.errorcode[e.errno])\n";
    let o = sandboxed(&["/usr/bin/python3", "-c", script]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "ENETUNREACH\n".repeat(4),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `runsc do ARGS` on a terminal: its stdio is the slave of a host pseudo-terminal that
/// controls its session (as a terminal emulator starts a shell), and the test types on
/// the master.
struct OnTerminal {
    master: std::fs::File,
    child: std::process::Child,
    /// Output not yet matched by `expect`, and everything seen (for failure messages).
    pending: Vec<u8>,
    transcript: Vec<u8>,
}

impl OnTerminal {
    #[allow(unsafe_code)]
    fn start(args: &[&str], env: &[(&str, &str)]) -> OnTerminal {
        use std::os::fd::FromRawFd;
        use std::os::unix::process::CommandExt;
        let (mut m, mut s) = (-1, -1);
        // SAFETY: openpty writes two descriptors; the other pointers may be null.
        let r = unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
        assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: fresh descriptors owned by nobody else.
        let (master, slave) = unsafe { (std::fs::File::from_raw_fd(m), std::fs::File::from_raw_fd(s)) };
        let mut cmd = runsc();
        cmd.arg("do").arg("--").args(args).env_clear().envs(env.iter().copied());
        cmd.stdin(slave.try_clone().unwrap()).stdout(slave.try_clone().unwrap()).stderr(slave);
        // SAFETY: setsid and ioctl are async-signal-safe; the closure allocates nothing.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("runsc starts");
        OnTerminal { master, child, pending: Vec::new(), transcript: Vec::new() }
    }

    fn send(&mut self, bytes: &[u8]) {
        use std::io::Write;
        self.master.write_all(bytes).unwrap();
    }

    /// Wait (at most 30 s) until the output holds `pat`; consume the output up to it.
    #[allow(unsafe_code)]
    fn expect(&mut self, pat: &str) {
        use std::io::Read;
        use std::os::fd::AsRawFd;
        let pat = pat.as_bytes();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Some(i) = self.pending.windows(pat.len()).position(|w| w == pat) {
                self.pending.drain(..i + pat.len());
                return;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let mut p = libc::pollfd { fd: self.master.as_raw_fd(), events: libc::POLLIN, revents: 0 };
            // SAFETY: one valid pollfd.
            let r = unsafe { libc::poll(&mut p, 1, left.as_millis() as i32) };
            let mut buf = [0u8; 4096];
            let n = if r > 0 { self.master.read(&mut buf).unwrap_or(0) } else { 0 };
            assert!(
                n > 0,
                "no {:?} on the terminal; it showed:\n{}",
                String::from_utf8_lossy(pat),
                String::from_utf8_lossy(&self.transcript)
            );
            self.pending.extend_from_slice(&buf[..n]);
            self.transcript.extend_from_slice(&buf[..n]);
        }
    }

    /// runsc's exit code, waiting at most 30 s.
    fn wait(mut self) -> Option<i32> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st.code();
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("runsc did not exit; the terminal showed:\n{}", String::from_utf8_lossy(&self.transcript));
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

#[test]
fn an_interactive_shell_runs_on_a_terminal() {
    let bash = "/bin/bash";
    require(bash);
    let env = [("PS1", "PROMPT$ "), ("TERM", "dumb"), ("PATH", "/usr/bin:/bin"), ("HOME", "/tmp")];
    let mut t = OnTerminal::start(&[bash, "--norc", "--noprofile", "-i"], &env);
    t.expect("PROMPT$ ");
    t.send(b"echo hi\n");
    t.expect("hi\r\n");
    t.expect("PROMPT$ ");
    // Line editing: the shell reads the line without the erased character.
    t.send(b"echo abx\x7fc\n");
    t.expect("\r\nabc\r\n");
    t.expect("PROMPT$ ");
    // Ctrl-C ends the foreground job, not the shell, which prompts again at once.
    t.send(b"echo started; sleep 100\n");
    t.expect("started\r\n");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let t0 = std::time::Instant::now();
    t.send(b"\x03");
    t.expect("PROMPT$ ");
    assert!(t0.elapsed() < std::time::Duration::from_secs(20), "the sleep was not interrupted");
    t.send(b"echo status $?\n");
    t.expect("status 130\r\n");
    t.expect("PROMPT$ ");
    t.send(b"exit\n");
    assert_eq!(t.wait(), Some(0));
}

#[test]
fn a_shell_runs_on_a_pseudo_terminal_made_in_the_sandbox() {
    require("/usr/bin/python3");
    require("/bin/bash");
    // python's pty module inside the sandbox: /dev/ptmx, the devpts slave as the shell's
    // controlling terminal, echo and ^C through the Sentry's line discipline.
    let script = r#"
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execve('/bin/bash', ['bash', '--norc', '--noprofile', '-i'], {'PS1': 'P$ ', 'TERM': 'dumb', 'PATH': '/usr/bin:/bin'})
seen = b''
def expect(pat):
    global seen
    end = time.time() + 20
    while pat not in seen:
        if not select.select([fd], [], [], max(0, end - time.time()))[0]:
            sys.exit('timeout waiting for %r; saw %r' % (pat, seen))
        seen += os.read(fd, 4096)
    seen = seen[seen.index(pat) + len(pat):]
expect(b'P$ ')
os.write(fd, b'tty; echo ab\x7f\x7fok\n'); expect(b'/dev/pts/'); expect(b'\r\nok\r\n'); expect(b'P$ ')
os.write(fd, b'sleep 100\n'); time.sleep(0.5); os.write(fd, b'\x03'); expect(b'P$ ')
os.write(fd, b'echo $?\n'); expect(b'130\r\n'); expect(b'P$ ')
os.write(fd, b'exit\n')
_, st = os.waitpid(pid, 0)
print('shell exited', os.waitstatus_to_exitcode(st))
"#;
    let o = sandboxed(&["/usr/bin/python3", "-c", script]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "shell exited 0\n",
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn python_copies_files_with_sendfile_like_native() {
    require("/usr/bin/python3");
    // shutil.copyfile uses sendfile (or copy_file_range) on Linux; os.sendfile is called
    // directly too, into a file and through a pipe. Everything happens in a directory
    // made for the run and removed after it.
    let script = r#"
import hashlib, os, shutil, tempfile
d = tempfile.mkdtemp()
try:
    src = os.path.join(d, "src")
    data = bytes((i * 7 + i // 4096) % 251 for i in range(3 * 1024 * 1024 + 12345))
    with open(src, "wb") as f:
        f.write(data)
    dst = shutil.copyfile(src, os.path.join(d, "dst"))
    with open(dst, "rb") as f:
        got = f.read()
    print("copyfile", len(got), hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest())
    fi = os.open(src, os.O_RDONLY)
    fo = os.open(os.path.join(d, "part"), os.O_WRONLY | os.O_CREAT, 0o644)
    print("sendfile at offset", os.sendfile(fo, fi, 1000, 5000), os.lseek(fi, 0, os.SEEK_CUR))
    print("sendfile own position", os.sendfile(fo, fi, None, 7000), os.lseek(fi, 0, os.SEEK_CUR))
    os.close(fo)
    with open(os.path.join(d, "part"), "rb") as f:
        part = f.read()
    print("part", part == data[1000:6000] + data[:7000])
    r, w = os.pipe()
    print("into a pipe", os.sendfile(w, fi, 100, 20), os.read(r, 100) == data[100:120])
    print("past the end", os.sendfile(w, fi, len(data) + 5, 10))
finally:
    shutil.rmtree(d)
"#;
    let o = sandboxed(&["/usr/bin/python3", "-c", script]);
    let n = native(&["/usr/bin/python3", "-c", script]);
    assert_eq!(String::from_utf8_lossy(&n.stdout).lines().count(), 6, "native: {}", String::from_utf8_lossy(&n.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&n.stdout),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0));
    // The copy went through the sandbox's sendfile or copy_file_range, not a fallback.
    let s = runsc().args(["--strace", "do", "/usr/bin/python3", "-c", script]).output().unwrap();
    let trace = String::from_utf8_lossy(&s.stderr);
    assert!(trace.contains("sendfile(") || trace.contains("copy_file_range("), "no sendfile in the trace");
    assert!(!trace
        .lines()
        .any(|l| (l.contains("sendfile(") || l.contains("copy_file_range(")) && l.contains("ENOSYS")));
}
