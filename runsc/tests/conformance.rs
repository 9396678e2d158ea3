//! Conformance harness: the C programs in `tests/conformance/` (at the
//! repository root) are compiled twice, statically and dynamically, with the
//! machine's gcc, and every binary is run natively and under
//! `runsc do -- BINARY ARGS...`. Both runs get the same arguments, the same
//! environment and the same working directory (a fixture directory built
//! fresh here, see `conf.h`), and must produce the same stdout and the same
//! exit status (128+N for death by signal N).
//!
//! Every native run happens twice, so a program whose output is not
//! deterministic is caught as well.
//!
//! Divergences we accept are listed in `tests/conformance/KNOWN_DIVERGENCES`
//! as `PROGRAM VARIANT REASON...` lines (VARIANT is `static`, `dynamic` or
//! `both`; `#` starts a comment line). A listed divergence that no longer
//! diverges is reported too, so the list stays honest.
//!
//! Knobs (environment variables):
//! - `CONFORMANCE_ONLY=prog1,prog2`: run only these programs;
//! - `CONFORMANCE_JOBS=N`: parallel runs (default 2);
//! - `CONFORMANCE_TIMEOUT_SECS=N`: limit for one run (default 120).

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// Arguments every program gets (after argv[0], its absolute path).
const ARGS: &[&str] = &["alpha", "two words", ""];

/// The whole environment of every run, natively and under runsc.
const ENV: &[(&str, &str)] = &[("CONF_GREETING", "hello"), ("LC_ALL", "C"), ("PATH", "/usr/bin:/bin")];

/// At least this many programs must exist.
const MIN_PROGRAMS: usize = 30;

/// How long to wait for output pipes after the process itself is gone.
const PIPE_GRACE: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Variant {
    Static,
    Dynamic,
}

impl Variant {
    const ALL: [Variant; 2] = [Variant::Static, Variant::Dynamic];

    fn name(self) -> &'static str {
        match self {
            Variant::Static => "static",
            Variant::Dynamic => "dynamic",
        }
    }

    fn gcc_flags(self) -> &'static [&'static str] {
        match self {
            Variant::Static => &["-static"],
            Variant::Dynamic => &[],
        }
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("runsc crate has a parent directory").to_path_buf()
}

fn programs_dir() -> PathBuf {
    repo_root().join("tests").join("conformance")
}

/// Names (file stems) of all `*.c` programs, sorted.
fn program_names() -> Vec<String> {
    let dir = programs_dir();
    let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut names: Vec<String> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension() == Some(OsStr::new("c")))
        .map(|p| p.file_stem().and_then(OsStr::to_str).expect("UTF-8 program name").to_string())
        .collect();
    names.sort();
    names
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

// ---------------------------------------------------------------------------
// KNOWN_DIVERGENCES

/// One accepted divergence, keyed by (program, variant).
#[derive(Debug)]
struct Known {
    line: usize,
    reason: String,
}

/// Parses the list; `Err` holds every problem found, one per line.
fn parse_known(text: &str, programs: &BTreeSet<String>) -> Result<BTreeMap<(String, Variant), Known>, Vec<String>> {
    let mut map = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.splitn(3, char::is_whitespace);
        let program = fields.next().unwrap_or_default();
        let variant = fields.next().unwrap_or_default().trim();
        let reason = fields.next().unwrap_or_default().trim();
        if variant.is_empty() || reason.is_empty() {
            errors.push(format!(
                "KNOWN_DIVERGENCES:{line_no}: expected `PROGRAM VARIANT REASON...`, got {raw:?} \
                 (every entry needs a reason)"
            ));
            continue;
        }
        if !programs.contains(program) {
            errors.push(format!("KNOWN_DIVERGENCES:{line_no}: no program named {program:?} in tests/conformance"));
            continue;
        }
        let variants: &[Variant] = match variant {
            "static" => &[Variant::Static],
            "dynamic" => &[Variant::Dynamic],
            "both" => &Variant::ALL,
            other => {
                errors.push(format!("KNOWN_DIVERGENCES:{line_no}: variant {other:?} is not static, dynamic or both"));
                continue;
            }
        };
        for &v in variants {
            let key = (program.to_string(), v);
            if let Some(prev) = map.get(&key) {
                let prev: &Known = prev;
                errors.push(format!(
                    "KNOWN_DIVERGENCES:{line_no}: {program} {} already listed on line {}",
                    v.name(),
                    prev.line
                ));
                continue;
            }
            map.insert(key, Known { line: line_no, reason: reason.to_string() });
        }
    }
    if errors.is_empty() {
        Ok(map)
    } else {
        Err(errors)
    }
}

// ---------------------------------------------------------------------------
// Building

fn check_gcc() {
    match Command::new("gcc").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "the conformance test needs gcc, but `gcc --version` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!(
            "the conformance test needs the machine's gcc (with static libc, e.g. Debian's \
             gcc and libc6-dev), but it cannot be run: {e}"
        ),
    }
}

/// Writes the fixture directory described in `tests/conformance/conf.h`.
fn build_fixture(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir.join("dir").join("sub"))?;
    let mut data = String::new();
    for i in 0..1300 {
        writeln!(data, "line {i:04}").expect("writing to a String");
    }
    assert_eq!(data.len(), 13000, "fixture data.txt must be 13000 bytes");
    fs::write(dir.join("data.txt"), &data)?;
    fs::write(dir.join("empty"), "")?;
    for name in ["alpha", "beta", "gamma"] {
        fs::write(dir.join("dir").join(name), format!("{name}\n"))?;
    }
    symlink("data.txt", dir.join("link"))?;
    symlink("does-not-exist", dir.join("dangling"))?;
    symlink("loop2", dir.join("loop1"))?;
    symlink("loop1", dir.join("loop2"))?;
    symlink("dir", dir.join("dirlink"))?;
    symlink("alpha", dir.join("dir").join("link-to-alpha"))?;
    let file_mode = fs::Permissions::from_mode(0o644);
    let dir_mode = fs::Permissions::from_mode(0o755);
    for f in ["data.txt", "empty", "dir/alpha", "dir/beta", "dir/gamma"] {
        fs::set_permissions(dir.join(f), file_mode.clone())?;
    }
    for d in [".", "dir", "dir/sub"] {
        fs::set_permissions(dir.join(d), dir_mode.clone())?;
    }
    Ok(())
}

fn compile(src: &Path, out: &Path, variant: Variant) -> Result<(), String> {
    let output = Command::new("gcc")
        .args(["-O1", "-Wall", "-Werror"])
        .args(variant.gcc_flags())
        .arg("-o")
        .arg(out)
        .arg(src)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run gcc: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "gcc {} failed ({}):\n{}{}",
            variant.name(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Runs `f` over `items` on `jobs` threads, keeping the results in order.
fn parallel_map<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().expect("results lock")[i] = Some(r);
            });
        }
    });
    results.into_inner().expect("results lock").into_iter().map(|r| r.expect("every item processed")).collect()
}

// ---------------------------------------------------------------------------
// Running

#[derive(Clone, Debug, PartialEq, Eq)]
enum Status {
    /// Exit status, 128+N for death by signal N.
    Exited(i32),
    /// Did not finish in time (killed).
    TimedOut,
    /// Could not be started, or its output could not be collected.
    Broken(String),
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Exited(c) if *c > 128 => write!(f, "exit {c} (signal {})", c - 128),
            Status::Exited(c) => write!(f, "exit {c}"),
            Status::TimedOut => write!(f, "timed out"),
            Status::Broken(why) => write!(f, "broken: {why}"),
        }
    }
}

fn normalize(status: ExitStatus) -> Status {
    match (status.code(), status.signal()) {
        (Some(code), _) => Status::Exited(code),
        (None, Some(sig)) => Status::Exited(128 + sig),
        (None, None) => Status::Broken(format!("unrecognized status {status:?}")),
    }
}

#[derive(Debug)]
struct Outcome {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    status: Status,
}

/// Kills the child's whole process group (it leads its own group).
fn kill_group(child: &Child) {
    let pgid = child.id() as libc::pid_t;
    // SAFETY: kill(2) takes plain integers and touches no memory of ours;
    // the negative pid names the process group the child leads.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

/// Drains `pipe` on a thread, sending the bytes when it reaches EOF.
fn drain(mut pipe: impl Read + Send + 'static, tx: mpsc::Sender<(usize, Vec<u8>)>, which: usize) {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        let _ = tx.send((which, buf));
    });
}

fn run(mut cmd: Command, timeout: Duration) -> Outcome {
    cmd.env_clear()
        .envs(ENV.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: the closure runs in the forked child before exec and only
    // makes raw system calls (close_range, fcntl), which are
    // async-signal-safe; it allocates nothing and takes no locks.
    unsafe {
        cmd.pre_exec(|| {
            // Descriptors leaked into this test process (a make jobserver,
            // say) must not reach the program: mark them all close-on-exec.
            let r = libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, libc::CLOSE_RANGE_CLOEXEC);
            if r != 0 {
                for fd in 3..1024 {
                    libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
                }
            }
            Ok(())
        });
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                stdout: Vec::new(),
                stderr: Vec::new(),
                status: Status::Broken(format!("spawn failed: {e}")),
            }
        }
    };
    let (tx, rx) = mpsc::channel();
    drain(child.stdout.take().expect("piped stdout"), tx.clone(), 0);
    drain(child.stderr.take().expect("piped stderr"), tx, 1);

    let deadline = Instant::now() + timeout;
    let mut status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break normalize(st),
            Ok(None) if Instant::now() >= deadline => {
                kill_group(&child);
                let _ = child.wait();
                break Status::TimedOut;
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                kill_group(&child);
                let _ = child.wait();
                break Status::Broken(format!("wait failed: {e}"));
            }
        }
    };

    // Collect both pipes. Something left behind in the process group may
    // still hold them open: give it a grace period, then kill the group.
    let mut outputs: [Option<Vec<u8>>; 2] = [None, None];
    let mut killed = false;
    while outputs.iter().any(Option::is_none) {
        match rx.recv_timeout(PIPE_GRACE) {
            Ok((which, bytes)) => outputs[which] = Some(bytes),
            Err(_) if !killed => {
                kill_group(&child);
                killed = true;
                if let Status::Exited(code) = status {
                    status = Status::Broken(format!(
                        "{} but left processes holding its output open (killed after {:?})",
                        Status::Exited(code),
                        PIPE_GRACE
                    ));
                }
            }
            Err(_) => {
                status = Status::Broken("output pipes still open after the process ended".into());
                break;
            }
        }
    }
    let [stdout, stderr] = outputs;
    Outcome { stdout: stdout.unwrap_or_default(), stderr: stderr.unwrap_or_default(), status }
}

struct Job {
    program: String,
    variant: Variant,
    binary: PathBuf,
}

struct JobResult {
    native: Outcome,
    native_again: Outcome,
    sandbox: Outcome,
}

fn run_job(job: &Job, fixture: &Path, timeout: Duration) -> JobResult {
    let native = || {
        let mut cmd = Command::new(&job.binary);
        cmd.args(ARGS).current_dir(fixture);
        run(cmd, timeout)
    };
    let mut sandboxed = Command::new(env!("CARGO_BIN_EXE_runsc"));
    sandboxed.arg("do").arg("--").arg(&job.binary).args(ARGS).current_dir(fixture);
    JobResult { native: native(), native_again: native(), sandbox: run(sandboxed, timeout) }
}

// ---------------------------------------------------------------------------
// Comparing and reporting

fn same(a: &Outcome, b: &Outcome) -> bool {
    a.stdout == b.stdout && a.status == b.status
}

/// A short unified-style excerpt around the first differing stdout line.
fn stdout_diff(left: &[u8], right: &[u8], left_name: &str, right_name: &str) -> String {
    let l = String::from_utf8_lossy(left);
    let r = String::from_utf8_lossy(right);
    let ll: Vec<&str> = l.split_inclusive('\n').collect();
    let rl: Vec<&str> = r.split_inclusive('\n').collect();
    let Some(first) = (0..ll.len().max(rl.len())).find(|&i| ll.get(i) != rl.get(i)) else {
        return "    (stdout identical)\n".to_string();
    };
    let mut out = String::new();
    let start = first.saturating_sub(3);
    let _ = writeln!(out, "    --- {left_name}\n    +++ {right_name}");
    let _ = writeln!(out, "    @@ first difference at stdout line {} @@", first + 1);
    for line in &ll[start..first] {
        let _ = writeln!(out, "     {}", line.trim_end_matches('\n'));
    }
    let show = |out: &mut String, sign: char, lines: &[&str]| {
        let tail = &lines[first.min(lines.len())..];
        if tail.is_empty() {
            let _ = writeln!(out, "    {sign}<end of output>");
        }
        for line in tail.iter().take(3) {
            let text = line.trim_end_matches('\n');
            let eol = if line.ends_with('\n') { "" } else { "  <no newline>" };
            let _ = writeln!(out, "    {sign}{text}{eol}");
        }
        if tail.len() > 3 {
            let _ = writeln!(out, "    {sign}... ({} more lines)", tail.len() - 3);
        }
    };
    show(&mut out, '-', &ll);
    show(&mut out, '+', &rl);
    out
}

fn stderr_tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(10);
    let mut out = String::new();
    for line in &lines[from..] {
        let _ = writeln!(out, "      | {line}");
    }
    out
}

fn describe(a: &Outcome, b: &Outcome, a_name: &str, b_name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "    status: {a_name} {}, {b_name} {}", a.status, b.status);
    out.push_str(&stdout_diff(&a.stdout, &b.stdout, a_name, b_name));
    for (name, o) in [(a_name, a), (b_name, b)] {
        if !o.stderr.is_empty() {
            let _ = writeln!(out, "    stderr of {name} (last lines):");
            out.push_str(&stderr_tail(&o.stderr));
        }
    }
    out
}

#[test]
fn conformance() {
    check_gcc();
    let all = program_names();
    let all_set: BTreeSet<String> = all.iter().cloned().collect();
    let known_path = programs_dir().join("KNOWN_DIVERGENCES");
    let known_text =
        fs::read_to_string(&known_path).unwrap_or_else(|e| panic!("cannot read {}: {e}", known_path.display()));
    let known = match parse_known(&known_text, &all_set) {
        Ok(k) => k,
        Err(errors) => panic!("bad KNOWN_DIVERGENCES:\n{}", errors.join("\n")),
    };

    let selected: Vec<String> = match std::env::var("CONFORMANCE_ONLY") {
        Ok(list) if !list.trim().is_empty() => {
            let wanted: Vec<String> = list.split(',').map(|s| s.trim().to_string()).collect();
            for w in &wanted {
                assert!(all_set.contains(w), "CONFORMANCE_ONLY names unknown program {w:?}");
            }
            wanted
        }
        _ => all.clone(),
    };
    let jobs = env_number("CONFORMANCE_JOBS", 2) as usize;
    let timeout = Duration::from_secs(env_number("CONFORMANCE_TIMEOUT_SECS", 120));

    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    if work.exists() {
        fs::remove_dir_all(&work).expect("remove the old work directory");
    }
    let fixture = work.join("fixture");
    build_fixture(&fixture).expect("build the fixture directory");

    // Compile everything first.
    let mut all_jobs = Vec::new();
    for program in &selected {
        for variant in Variant::ALL {
            let dir = work.join(variant.name());
            fs::create_dir_all(&dir).expect("create the binary directory");
            all_jobs.push(Job { program: program.clone(), variant, binary: dir.join(program) });
        }
    }
    let src_dir = programs_dir();
    let compiled = parallel_map(&all_jobs, jobs, |job| {
        compile(&src_dir.join(format!("{}.c", job.program)), &job.binary, job.variant)
    });
    let compile_errors: Vec<String> = all_jobs
        .iter()
        .zip(&compiled)
        .filter_map(|(job, r)| r.as_ref().err().map(|e| format!("{} {}: {e}", job.program, job.variant.name())))
        .collect();
    assert!(compile_errors.is_empty(), "conformance programs failed to compile:\n{}", compile_errors.join("\n"));

    let results = parallel_map(&all_jobs, jobs, |job| run_job(job, &fixture, timeout));

    let mut failures = Vec::new();
    let mut accepted = Vec::new();
    let mut agreed = 0;
    for (job, res) in all_jobs.iter().zip(&results) {
        let label = format!("{} {}", job.program, job.variant.name());
        let key = (job.program.clone(), job.variant);
        if !same(&res.native, &res.native_again) {
            failures.push(format!(
                "NONDETERMINISTIC {label}: two native runs differ (fix the program)\n{}",
                describe(&res.native, &res.native_again, "native", "native again")
            ));
            continue;
        }
        if !matches!(res.native.status, Status::Exited(_)) {
            failures.push(format!(
                "BROKEN {label}: native run did not complete\n{}",
                describe(&res.native, &res.sandbox, "native", "runsc")
            ));
            continue;
        }
        let agrees = same(&res.native, &res.sandbox);
        match (agrees, known.get(&key)) {
            (true, None) => agreed += 1,
            (true, Some(k)) => failures.push(format!(
                "STALE {label}: listed in KNOWN_DIVERGENCES (line {}: {}) but runsc now agrees \
                 with native; remove the entry",
                k.line, k.reason
            )),
            (false, Some(k)) => accepted.push(format!("known divergence {label} (line {}: {})", k.line, k.reason)),
            (false, None) => {
                failures.push(format!("MISMATCH {label}\n{}", describe(&res.native, &res.sandbox, "native", "runsc")))
            }
        }
    }

    let mut report = String::new();
    let _ = writeln!(
        report,
        "conformance: {} programs x 2 variants: {agreed} agree, {} known divergences, {} failures",
        selected.len(),
        accepted.len(),
        failures.len()
    );
    for a in &accepted {
        let _ = writeln!(report, "  {a}");
    }
    for f in &failures {
        let _ = writeln!(report, "{f}");
    }
    // Keep the report next to the binaries for later inspection.
    let _ = fs::write(work.join("report.txt"), &report);
    eprintln!("{report}");
    assert!(
        failures.is_empty(),
        "{} conformance failure(s); see the report above (also in {})",
        failures.len(),
        work.join("report.txt").display()
    );
}

#[test]
fn enough_programs() {
    let names = program_names();
    assert!(
        names.len() >= MIN_PROGRAMS,
        "expected at least {MIN_PROGRAMS} conformance programs in {}, found {}",
        programs_dir().display(),
        names.len()
    );
}

#[test]
fn known_divergences_parser() {
    let programs: BTreeSet<String> = ["hello", "brk"].iter().map(|s| s.to_string()).collect();
    let ok =
        parse_known("# comment\n\nhello static output differs\nbrk both not yet\n", &programs).expect("valid list");
    assert_eq!(ok.len(), 3);
    assert_eq!(ok[&("hello".to_string(), Variant::Static)].reason, "output differs");
    let bad = parse_known(
        "hello static\nnope dynamic why\nbrk sometimes why\nhello static dup\nhello static again\n",
        &programs,
    )
    .expect_err("invalid list");
    assert_eq!(bad.len(), 4, "{bad:#?}");
}
