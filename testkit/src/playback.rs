//! The real `camera-playback` binary, run as a user would run it next to the recorders.

use super::{free_port, http, wait_until};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The token tests log in with.
pub const TOKEN: &str = "test-viewer-token-0123456789";

pub struct Playback {
    child: Option<Child>,
    pub port: u16,
    pub log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Playback {
    /// Starts it against `endpoint` with the test token, on a free port, with `env` on top.
    pub fn start(endpoint: &str, env: &[(&str, &str)]) -> Playback {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        vars.insert("S3_ENDPOINT".into(), endpoint.to_owned());
        vars.insert("PLAYBACK_TOKEN".into(), TOKEN.into());
        vars.insert("LISTEN_ADDR".into(), format!("127.0.0.1:{port}"));
        vars.insert("RUST_LOG".into(), "info,playback=debug".into());
        for (k, v) in env {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        let log = dir.path().join("playback.log");
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(super::playback_binary())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(&vars)
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("start camera-playback");
        let playback = Playback { child: Some(child), port, log, _dir: dir };
        wait_until(Duration::from_secs(20), "camera-playback's /health", || {
            super::recorder::http_get(port, "/health").filter(|(s, _)| *s == 200)
        });
        playback
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// GET with the bearer token.
    pub fn get(&self, path: &str) -> http::Response {
        http::get(&self.url(path), &[&format!("Authorization: Bearer {TOKEN}")])
    }

    pub fn get_with(&self, path: &str, headers: &[&str]) -> http::Response {
        let auth = format!("Authorization: Bearer {TOKEN}");
        let mut all = vec![auth.as_str()];
        all.extend_from_slice(headers);
        http::get(&self.url(path), &all)
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Playback {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("---- camera-playback log ----\n{}", self.logs());
        }
    }
}
