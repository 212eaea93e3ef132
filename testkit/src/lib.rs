//! Test infrastructure: real processes on loopback, each cleaned up on drop.
//!
//! - [`camera::CameraSim`]: GStreamer's RTSP server (tools/camera-sim.py), which tests stop, restart and freeze.
//! - [`seaweed::SeaweedFs`]: a real SeaweedFS S3 server on free ports.
//! - [`recorder::Recorder`]: the real `camera-recorder` binary, with its HTTP endpoints.
//! - [`playback::Playback`]: the real `camera-playback` binary, and [`http`]: curl, an independent HTTP client.
//! - [`bucket::Bucket`]: an independent S3 client (the aws CLI) to check what landed.
//! - [`media`]: ffprobe checks that a file plays.
//!
//! Nothing here sleeps to synchronise: [`wait_until`] polls a condition with a deadline.

pub mod bucket;
pub mod camera;
pub mod footage;
pub mod http;
pub mod media;
pub mod playback;
pub mod recorder;
pub mod seaweed;

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// The `camera-recorder` binary: `CAMERA_RECORDER_BIN` if set, else the one in this build's target directory.
pub fn recorder_binary() -> PathBuf {
    workspace_binary("recorder", "camera-recorder", "CAMERA_RECORDER_BIN")
}

/// The `camera-playback` binary: `CAMERA_PLAYBACK_BIN` if set, else the one in this build's target directory.
pub fn playback_binary() -> PathBuf {
    workspace_binary("playback", "camera-playback", "CAMERA_PLAYBACK_BIN")
}

/// A binary of this workspace: `$override_var` if set, else the one in this build's target directory. A
/// workspace test run builds it with its crate's tests; when only another crate's tests were built, it is built
/// here first.
fn workspace_binary(package: &str, name: &str, override_var: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(override_var) {
        return PathBuf::from(path);
    }
    // Test executables live in <target>/<profile>/deps; binaries one level up.
    let exe = std::env::current_exe().expect("test executable path");
    let binary = exe.parent().and_then(|deps| deps.parent()).expect("target profile directory").join(name);
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "--quiet", "-p", package, "--bin", name])
            .current_dir(repo_root())
            .status()
            .unwrap_or_else(|e| panic!("run cargo build for {name}: {e}"));
        assert!(status.success(), "cargo build -p {package} --bin {name} failed");
    }
    binary
}

/// Free loopback ports, all reserved at once so they differ from each other.
pub fn free_ports(count: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> =
        (0..count).map(|_| TcpListener::bind("127.0.0.1:0").expect("bind a free port")).collect();
    listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

/// A tool installed by scripts/install-deps.sh into .tools/venv, or else the one on PATH.
pub fn tool(name: &str) -> PathBuf {
    let pinned = repo_root().join(".tools/venv/bin").join(name);
    if pinned.exists() { pinned } else { PathBuf::from(name) }
}

pub fn free_port() -> u16 {
    free_ports(1)[0]
}

/// Polls `check` every 200 ms until it returns `Some`, or panics after `timeout` naming `what`.
pub fn wait_until<T>(timeout: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        if Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Sends a signal to a process.
pub fn signal(pid: u32, signal: i32) {
    // SAFETY: plain kill(2) on a pid we spawned.
    unsafe {
        libc::kill(pid as libc::pid_t, signal);
    }
}

/// The command lines of `pid`'s child processes, read from /proc.
pub fn children_of(pid: u32) -> Vec<Vec<String>> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // The parent pid is the second field after the parenthesised command name.
        let Some(after_name) = stat.rsplit_once(')').map(|(_, rest)| rest) else { continue };
        if after_name.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()) != Some(pid) {
            continue;
        }
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            children.push(
                cmdline
                    .split(|b| *b == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect(),
            );
        }
    }
    children
}

/// The pid of `pid`'s child whose program name ends with `name`.
pub fn child_pid(pid: u32, name: &str) -> Option<u32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let Some((head, rest)) = stat.rsplit_once(')') else { continue };
        let parent = rest.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok());
        if parent == Some(pid) && head.split_once('(').is_some_and(|(_, comm)| comm.ends_with(name)) {
            return Some(child);
        }
    }
    None
}

/// Runs `promtool check metrics` on a metrics exposition; `Err` holds promtool's complaints.
pub fn promtool_check_metrics(text: &str) -> Result<(), String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run promtool (Debian package prometheus): {e}"))?;
    promtool.stdin.take().expect("stdin is piped").write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    let output = promtool.wait_with_output().map_err(|e| e.to_string())?;
    let complaints = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    if output.status.success() && complaints.trim().is_empty() { Ok(()) } else { Err(complaints) }
}
