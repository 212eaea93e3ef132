//! The camera simulator: GStreamer's RTSP server with a burned-in clock.

use super::{repo_root, signal};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct CameraOptions {
    pub codec: &'static str,
    pub audio: &'static str,
    pub user: Option<String>,
    pub password: String,
    pub gop: u32,
    pub fps: u32,
    pub width: u32,
    pub height: u32,
    pub bitrate_kbps: u32,
    pub pattern: &'static str,
}

impl Default for CameraOptions {
    fn default() -> Self {
        CameraOptions {
            codec: "h264",
            audio: "none",
            user: None,
            password: String::new(),
            gop: 30,
            fps: 15,
            width: 1280,
            height: 720,
            bitrate_kbps: 2000,
            pattern: "ball",
        }
    }
}

pub struct CameraSim {
    child: Option<Child>,
    pub port: u16,
    pub options: CameraOptions,
}

impl CameraSim {
    pub fn start(options: CameraOptions) -> CameraSim {
        let mut sim = CameraSim { child: None, port: 0, options };
        sim.launch(0);
        sim
    }

    fn launch(&mut self, port: u16) {
        let mut command = Command::new("/usr/bin/python3");
        command
            .arg(repo_root().join("tools/camera-sim.py"))
            .args(["--port", &port.to_string(), "--codec", self.options.codec, "--audio", self.options.audio])
            .args(["--gop", &self.options.gop.to_string(), "--fps", &self.options.fps.to_string()])
            .args(["--width", &self.options.width.to_string(), "--height", &self.options.height.to_string()])
            .args(["--bitrate", &self.options.bitrate_kbps.to_string(), "--pattern", self.options.pattern])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(user) = &self.options.user {
            command.args(["--user", user, "--password", &self.options.password]);
        }
        let mut child = command.spawn().expect("start tools/camera-sim.py with /usr/bin/python3");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        let url = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.starts_with("READY ") => break line[6..].to_owned(),
                Ok(_) => continue,
                Err(_) => panic!("camera simulator did not print READY within 20 s"),
            }
        };
        self.port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.split('/').next())
            .and_then(|p| p.parse().ok())
            .expect("port in READY url");
        self.child = Some(child);
    }

    /// The URL with credentials percent-encoded, as a user would configure it.
    pub fn url(&self) -> String {
        match &self.options.user {
            Some(user) => {
                format!("rtsp://{}:{}@127.0.0.1:{}/stream", encode(user), encode(&self.options.password), self.port)
            }
            None => format!("rtsp://127.0.0.1:{}/stream", self.port),
        }
    }

    pub fn url_with_password(&self, password: &str) -> String {
        let user = self.options.user.as_deref().unwrap_or("user");
        format!("rtsp://{}:{}@127.0.0.1:{}/stream", encode(user), encode(password), self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("camera running").id()
    }

    /// The camera goes away (connection refused until [`CameraSim::restart`]).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), libc::SIGTERM);
            if wait_timeout(&mut child, Duration::from_secs(5)).is_none() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    /// Starts again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        let port = self.port;
        // The old socket may linger briefly; retry until the port is ours again.
        super::wait_until(Duration::from_secs(20), "the camera port to be free again", || {
            std::net::TcpListener::bind(("127.0.0.1", port)).ok().map(drop)
        });
        self.launch(port);
    }

    /// The camera hangs: connections stay open, no data flows.
    pub fn freeze(&self) {
        signal(self.pid(), libc::SIGSTOP);
    }

    pub fn thaw(&self) {
        signal(self.pid(), libc::SIGCONT);
    }
}

impl Drop for CameraSim {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            signal(child.id(), libc::SIGCONT);
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Percent-encodes everything but unreserved characters, for URL user-info.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
