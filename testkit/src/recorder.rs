//! The real `camera-recorder` binary, run as a user or a Kubernetes pod would run it.

use super::{free_port, signal, wait_until};
use crds::contract::status::RecorderStatus;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

pub struct Recorder {
    child: Option<Child>,
    program: PathBuf,
    args: Vec<String>,
    pub port: u16,
    pub log: PathBuf,
    pub spool: PathBuf,
    env: BTreeMap<String, String>,
    _dir: tempfile::TempDir,
}

impl Recorder {
    /// Starts the recorder with `env` on top of a clean environment: its own HTTP port and spool
    /// directory (unless `env` sets TEMP_DIR), short stall timeout and debug logs.
    pub fn start(env: &[(&str, &str)]) -> Recorder {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        vars.insert("TEMP_DIR".into(), dir.path().join("spool").display().to_string());
        vars.insert("LISTEN_ADDR".into(), format!("127.0.0.1:{port}"));
        vars.insert("RUST_LOG".into(), "info,recorder=debug".into());
        for (k, v) in env {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        let spool = PathBuf::from(&vars["TEMP_DIR"]);
        Self::spawn(super::recorder_binary(), Vec::new(), vars, port, spool, dir)
    }

    /// Starts `program` with exactly `args` and `env` (and PATH), as a pod would run it. `port` is where its
    /// HTTP server listens, `spool` its TEMP_DIR.
    pub fn start_exact(
        program: PathBuf,
        args: Vec<String>,
        env: BTreeMap<String, String>,
        port: u16,
        spool: PathBuf,
    ) -> Recorder {
        Self::spawn(program, args, env, port, spool, tempfile::tempdir().unwrap())
    }

    fn spawn(
        program: PathBuf,
        args: Vec<String>,
        env: BTreeMap<String, String>,
        port: u16,
        spool: PathBuf,
        dir: tempfile::TempDir,
    ) -> Recorder {
        let log = dir.path().join("recorder.log");
        let mut recorder = Recorder { child: None, program, args, port, log, spool, env, _dir: dir };
        recorder.launch();
        recorder
    }

    fn launch(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let child = Command::new(&self.program)
            .args(&self.args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(&self.env)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start camera-recorder");
        self.child = Some(child);
        let port = self.port;
        wait_until(Duration::from_secs(20), "the recorder's /health", || {
            http_get(port, "/health").filter(|(s, _)| *s == 200)
        });
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("recorder running").id()
    }

    pub fn status(&self) -> RecorderStatus {
        let (code, body) = http_get(self.port, "/status").expect("GET /status");
        assert_eq!(code, 200, "{body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("/status is not the contract's JSON ({e}): {body}"))
    }

    pub fn ready(&self) -> (u16, String) {
        http_get(self.port, "/ready").expect("GET /ready")
    }

    pub fn metrics(&self) -> String {
        http_get(self.port, "/metrics").expect("GET /metrics").1
    }

    /// One sample of a metric, e.g. `sample("camera_recorder_segments_uploaded_total{camera=\"cam\"}")`.
    pub fn sample(&self, series: &str) -> Option<f64> {
        self.metrics().lines().find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then wait for the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        let mut child = self.child.take().expect("recorder running");
        signal(child.id(), libc::SIGTERM);
        super::camera::wait_timeout(&mut child, timeout).unwrap_or_else(|| {
            let _ = child.kill();
            panic!("recorder did not exit within {timeout:?} of SIGTERM");
        })
    }

    /// SIGKILL: no chance to clean up, as in a crash or an OOM kill.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("recorder running");
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Starts the same configuration again (same spool, same port).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "stop the recorder first");
        self.launch();
    }

    /// Segment files in the spool for `camera`.
    pub fn spooled(&self, camera: &str) -> Vec<PathBuf> {
        spooled_in(&self.spool.join(camera))
    }
}

pub fn spooled_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "mp4"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("---- recorder log ----\n{}", self.logs());
        }
    }
}

/// A minimal HTTP/1.0 GET, so the tests need no HTTP client crate.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    http_get_on(stream, path)
}

pub fn http_get_on(mut stream: TcpStream, path: &str) -> Option<(u16, String)> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let code = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, body.to_owned()))
}
