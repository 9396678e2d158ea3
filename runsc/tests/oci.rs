//! runsc as an OCI runtime: the runc-compatible lifecycle on a real bundle whose rootfs
//! the test builds from the host's busybox and the libraries it links.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Bundle {
    dir: PathBuf,
    state_root: PathBuf,
}

impl Drop for Bundle {
    fn drop(&mut self) {
        // Containers left running by a failed test are ended through runsc itself.
        if let Ok(rd) = std::fs::read_dir(&self.state_root) {
            for e in rd.flatten() {
                let id = e.file_name().to_string_lossy().into_owned();
                let _ = self.runsc(&["delete", "--force", &id]);
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn require(path: &str) {
    assert!(Path::new(path).exists(), "{path} is missing: the test command in README.md installs it");
}

/// A bundle with a busybox rootfs, config.json from `runsc spec` with `args`.
fn bundle(name: &str, args: &[&str]) -> Bundle {
    require("/usr/bin/busybox");
    let dir = PathBuf::from(format!("{}/oci-{name}-{}", env!("CARGO_TARGET_TMPDIR"), std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rootfs = dir.join("rootfs");
    for d in ["bin", "etc", "tmp", "proc", "dev", "data"] {
        std::fs::create_dir_all(rootfs.join(d)).unwrap();
    }
    std::fs::copy("/usr/bin/busybox", rootfs.join("bin/busybox")).unwrap();
    let ldd = Command::new("ldd").arg("/usr/bin/busybox").output().unwrap();
    for word in String::from_utf8_lossy(&ldd.stdout).split_whitespace() {
        if word.starts_with('/') {
            let to = rootfs.join(word.trim_start_matches('/'));
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(word, &to).unwrap();
        }
    }
    for applet in ["sh", "echo", "cat", "sleep", "ls", "touch", "hostname", "id", "test", "mkdir"] {
        std::os::unix::fs::symlink("busybox", rootfs.join("bin").join(applet)).unwrap();
    }
    std::fs::write(rootfs.join("etc/motd"), "image file\n").unwrap();
    let b = Bundle { state_root: dir.join("state"), dir };
    let o = b.runsc(&["spec", "--bundle", b.dir.to_str().unwrap()]);
    assert!(o.status.success(), "spec: {}", String::from_utf8_lossy(&o.stderr));
    b.edit(|c| {
        c["process"]["terminal"] = false.into();
        c["process"]["args"] = args.iter().map(|a| serde_json::Value::from(*a)).collect();
        c["hostname"] = "sandboxed".into();
        c["root"]["readonly"] = false.into();
    });
    b
}

impl Bundle {
    fn runsc(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_runsc"))
            .arg("--root")
            .arg(&self.state_root)
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("runsc runs")
    }

    /// Run a command that leaves the container running: its stdio goes to files (`out`
    /// and `out.err`), which the container keeps open.
    fn detached(&self, args: &[&str], out: &str) -> std::process::ExitStatus {
        Command::new(env!("CARGO_BIN_EXE_runsc"))
            .arg("--root")
            .arg(&self.state_root)
            .args(args)
            .current_dir(&self.dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::fs::File::create(out).unwrap())
            .stderr(std::fs::File::create(format!("{out}.err")).unwrap())
            .status()
            .expect("runsc runs")
    }

    fn edit(&self, f: impl FnOnce(&mut serde_json::Value)) {
        let path = self.dir.join("config.json");
        let mut c: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        f(&mut c);
        std::fs::write(&path, serde_json::to_vec_pretty(&c).unwrap()).unwrap();
    }

    fn status(&self, id: &str) -> String {
        let o = self.runsc(&["state", id]);
        assert!(o.status.success(), "state: {}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["id"], id);
        assert_eq!(v["ociVersion"], "1.0.2");
        v["status"].as_str().unwrap().to_string()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.runsc(args);
        assert!(o.status.success(), "runsc {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn fails(&self, args: &[&str], msg: &str) {
        let o = self.runsc(args);
        assert_eq!(o.status.code(), Some(1), "runsc {args:?} should fail");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(msg), "runsc {args:?}: expected {msg:?} in {err:?}");
        assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    }
}

#[test]
fn lifecycle_create_start_kill_wait_delete() {
    let out = format!("{}/oci-lifecycle-out-{}", env!("CARGO_TARGET_TMPDIR"), std::process::id());
    let b = bundle(
        "lifecycle",
        &["sh", "-c", "trap 'echo got TERM; exit 7' TERM; echo started; while true; do sleep 0.05; done"],
    );
    // The container's stdio is the caller's (and outlives create): files, to read back.
    let o = b.detached(
        &["create", "--bundle", b.dir.to_str().unwrap(), "--pid-file", b.dir.join("pid").to_str().unwrap(), "c1"],
        &out,
    );
    assert!(o.success(), "create: {}", std::fs::read_to_string(format!("{out}.err")).unwrap());
    let pid: i32 = std::fs::read_to_string(b.dir.join("pid")).unwrap().trim().parse().unwrap();
    assert!(Path::new(&format!("/proc/{pid}")).exists(), "the pid file names the sandbox process");
    assert_eq!(b.status("c1"), "created");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "", "nothing runs before start");
    b.fails(&["create", "--bundle", b.dir.to_str().unwrap(), "c1"], "container with id exists: c1");
    b.ok(&["start", "c1"]);
    assert_eq!(b.status("c1"), "running");
    b.fails(&["start", "c1"], "cannot start an already running container");
    b.fails(&["delete", "c1"], "cannot delete container c1 that is not stopped: running");
    let ps: Vec<i32> = serde_json::from_str(&b.ok(&["ps", "--format", "json", "c1"])).unwrap();
    assert!(ps.contains(&1), "{ps:?}");
    // exec: a second process in the same sandbox (it sees the first one's files), with
    // the container's environment plus --env, and its exit status.
    let o = b.runsc(&[
        "exec",
        "--env",
        "EXTRA=1",
        "--cwd",
        "/etc",
        "c1",
        "sh",
        "-c",
        "echo $EXTRA $PWD; cat motd; echo made > /tmp/shared; exit 5",
    ]);
    assert_eq!(o.status.code(), Some(5), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "1 /etc\nimage file\n");
    assert_eq!(b.ok(&["exec", "c1", "cat", "/tmp/shared"]), "made\n");
    let o = b.runsc(&["exec", "c1", "no-such-program"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("executable file not found"));
    // exec --detach leaves a waiter whose pid goes to the pid file.
    let epid = b.dir.join("exec.pid");
    let eout = format!("{out}-exec");
    assert!(b
        .detached(&["exec", "--detach", "--pid-file", epid.to_str().unwrap(), "c1", "sleep", "0.2"], &eout)
        .success());
    let waiter: i32 = std::fs::read_to_string(&epid).unwrap().trim().parse().unwrap();
    assert!(waiter > 0);
    let _ = std::fs::remove_file(&eout);
    let _ = std::fs::remove_file(format!("{eout}.err"));
    let list = b.ok(&["list", "--format", "json"]);
    assert!(list.contains("\"c1\""), "{list}");
    // Wait until the trap is set (the program printed "started").
    let t0 = std::time::Instant::now();
    while !std::fs::read_to_string(&out).unwrap().contains("started") {
        assert!(t0.elapsed().as_secs() < 20, "the container never started");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    b.ok(&["kill", "c1", "SIGTERM"]);
    let waited: serde_json::Value = serde_json::from_str(&b.ok(&["wait", "c1"])).unwrap();
    assert_eq!(waited["exitStatus"], 7);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "started\ngot TERM\n");
    assert_eq!(b.status("c1"), "stopped");
    let state: serde_json::Value = serde_json::from_slice(&b.runsc(&["state", "c1"]).stdout).unwrap();
    assert_eq!(state["pid"], 0);
    b.fails(&["kill", "c1", "TERM"], "container not running");
    b.fails(&["start", "c1"], "cannot start a container that has stopped");
    b.ok(&["delete", "c1"]);
    b.fails(&["state", "c1"], "container does not exist");
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(format!("{out}.err"));
}

#[test]
fn run_preserves_exit_codes_and_keeps_the_image_unchanged() {
    let b = bundle(
        "run",
        &["sh", "-c", "hostname; cat /etc/motd; echo changed > /etc/motd; cat /etc/motd; touch /new; exit 42"],
    );
    let o = b.runsc(&["run", "r1"]);
    assert_eq!(o.status.code(), Some(42), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "sandboxed\nimage file\nchanged\n");
    assert_eq!(std::fs::read_to_string(b.dir.join("rootfs/etc/motd")).unwrap(), "image file\n");
    assert!(!b.dir.join("rootfs/new").exists());
    assert_eq!(b.ok(&["list", "-q"]), "", "run removes the container it made");
    // A signal that ends the sandbox shows as 128+N.
    b.edit(|c| c["process"]["args"] = serde_json::json!(["sleep", "100"]));
    let out = format!("{}/oci-run-out-{}", env!("CARGO_TARGET_TMPDIR"), std::process::id());
    assert!(b.detached(&["run", "--detach", "r2"], &out).success());
    assert_eq!(b.status("r2"), "running");
    b.ok(&["kill", "r2", "9"]);
    let t0 = std::time::Instant::now();
    while b.status("r2") != "stopped" {
        assert!(t0.elapsed().as_secs() < 20, "SIGKILL did not stop the container");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    b.ok(&["delete", "r2"]);
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(format!("{out}.err"));
}

#[test]
fn mounts_and_a_read_only_root() {
    let b = bundle("mounts", &["sh", "-c", "cat /ro/f /rw/f; echo x > /ro/g; echo y > /rw/g && cat /rw/g; echo z > /scratch/h && cat /scratch/h; echo w > /etc/w"]);
    let src = b.dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("f"), "host file\n").unwrap();
    let src_s = src.to_str().unwrap().to_string();
    b.edit(|c| {
        c["root"]["readonly"] = true.into();
        let mounts = c["mounts"].as_array_mut().unwrap();
        mounts.push(
            serde_json::json!({"destination": "/ro", "type": "bind", "source": src_s, "options": ["rbind", "ro"]}),
        );
        mounts.push(
            serde_json::json!({"destination": "/rw", "type": "bind", "source": src_s, "options": ["rbind", "rw"]}),
        );
        mounts.push(
            serde_json::json!({"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}),
        );
    });
    // Mount points missing from a read-only root cannot be made: make them in the image.
    for d in ["ro", "rw", "scratch"] {
        std::fs::create_dir_all(b.dir.join("rootfs").join(d)).unwrap();
    }
    let o = b.runsc(&["run", "m1"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "host file\nhost file\ny\nz\n", "{err}");
    assert_eq!(err.matches("Read-only file system").count(), 2, "{err}");
    assert!(!src.join("g").exists(), "a writable bind mount's changes stay in the sandbox");
    assert_eq!(std::fs::read_to_string(src.join("f")).unwrap(), "host file\n");
}

#[test]
fn bad_bundles_fail_cleanly_naming_the_field() {
    let b = bundle("bad", &["true"]);
    b.edit(|c| c["process"]["args"] = serde_json::json!("not a list"));
    let log = b.dir.join("log.json");
    let o = b.runsc(&["--log", log.to_str().unwrap(), "--log-format", "json", "create", "x1"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("config.json") && err.contains("invalid type"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let logged: serde_json::Value = serde_json::from_str(std::fs::read_to_string(&log).unwrap().trim()).unwrap();
    assert_eq!(logged["level"], "error");
    assert!(logged["msg"].as_str().unwrap().contains("invalid type"));
    assert_eq!(b.ok(&["list", "-q"]), "", "nothing was half-created");
    b.edit(|c| c["process"]["args"] = serde_json::json!([]));
    b.fails(&["create", "x2"], "process.args");
    b.edit(|c| c["process"]["args"] = serde_json::json!(["/no/such/program"]));
    b.fails(&["create", "x3"], "exec: \"/no/such/program\": executable file not found in $PATH");
    assert_eq!(b.ok(&["list", "-q"]), "");
    b.fails(&["start", "nope"], "container does not exist");
    b.fails(&["kill", "nope"], "container does not exist");
    b.fails(&["delete", "nope"], "container does not exist");
    b.ok(&["delete", "--force", "nope"]);
    b.fails(&["state", "../etc"], "invalid container id");
    b.fails(&["kill", "nope", "SIGNOPE"], "invalid signal");
}

#[test]
fn a_terminal_goes_to_the_console_socket() {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
    use std::io::Read;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let b = bundle("tty", &["sh", "-c", "test -t 0 && test -t 1 && echo on a tty"]);
    b.edit(|c| c["process"]["terminal"] = true.into());
    b.fails(&["create", "t0"], "cannot allocate tty if runc will detach without setting console socket");
    let sock_path = b.dir.join("console.sock");
    let listener = std::os::unix::net::UnixListener::bind(&sock_path).unwrap();
    let out = format!("{}/oci-tty-out-{}", env!("CARGO_TARGET_TMPDIR"), std::process::id());
    let created = b.detached(&["create", "--console-socket", sock_path.to_str().unwrap(), "t1"], &out);
    assert!(created.success(), "{}", std::fs::read_to_string(format!("{out}.err")).unwrap());
    let (conn, _) = listener.accept().unwrap();
    let mut buf = [0u8; 64];
    let mut iov = [std::io::IoSliceMut::new(&mut buf)];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
    let msg = recvmsg::<()>(conn.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::empty()).unwrap();
    let fd = msg
        .cmsgs()
        .unwrap()
        .find_map(|c| match c {
            ControlMessageOwned::ScmRights(v) => v.first().copied(),
            _ => None,
        })
        .expect("a descriptor came with the message");
    // SAFETY: the descriptor was just received and is owned by nobody else.
    let master = unsafe { OwnedFd::from_raw_fd(fd) };
    b.ok(&["start", "t1"]);
    let mut f = std::fs::File::from(master);
    let mut got = Vec::new();
    let mut chunk = [0u8; 256];
    // Until the slave closes (EIO on a pty master) or the line arrived.
    while !String::from_utf8_lossy(&got).contains("on a tty") {
        match f.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
        }
    }
    assert_eq!(String::from_utf8_lossy(&got), "on a tty\r\n", "output through the terminal (ONLCR)");
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(format!("{out}.err"));
}

#[test]
fn install_registers_the_runtime_and_keeps_other_settings() {
    let dir = PathBuf::from(format!("{}/oci-install-{}", env!("CARGO_TARGET_TMPDIR"), std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("daemon.json");
    std::fs::write(&cfg, r#"{"debug": true, "runtimes": {"other": {"path": "/bin/other"}}}"#).unwrap();
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_runsc")).args(args).output().unwrap();
    let o = run(&["install", "--config-file", cfg.to_str().unwrap(), "--", "--debug-log=/tmp/x.log"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&cfg).unwrap()).unwrap();
    assert_eq!(v["debug"], true);
    assert_eq!(v["runtimes"]["other"]["path"], "/bin/other");
    assert_eq!(v["runtimes"]["runsc"]["path"], env!("CARGO_BIN_EXE_runsc"));
    assert_eq!(v["runtimes"]["runsc"]["runtimeArgs"], serde_json::json!(["--debug-log=/tmp/x.log"]));
    // A broken file is refused, naming it, and left as it was.
    std::fs::write(&cfg, "{not json").unwrap();
    let o = run(&["install", "--config-file", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("daemon.json"));
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "{not json");
    let _ = std::fs::remove_dir_all(&dir);
}
