//! A real Prometheus (Debian package `prometheus`) scrapes a real recorder and evaluates the shipped alerting
//! rules: the metrics arrive with their camera label, the upload counter moves as segments are uploaded, and
//! CameraNotRecording goes pending, then firing, when the camera goes away.

use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use testkit::bucket::Bucket;
use testkit::camera::{CameraOptions, CameraSim, encode};
use testkit::recorder::{Recorder, http_get};
use testkit::seaweed::SeaweedFs;
use testkit::{free_port, repo_root, wait_until};

const RULES: &str = "observability/prometheus/alerts.yaml";

/// A Prometheus server on a free loopback port, scraping one recorder every second and evaluating rules every
/// second. Killed on drop; its log is printed if the test failed.
struct Prometheus {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(recorder_port: u16, rules: &str) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let rules_path = dir.path().join("alerts.yaml");
        std::fs::write(&rules_path, rules).unwrap();
        let config = format!(
            r#"global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - "{rules}"
scrape_configs:
  - job_name: camera-recorder
    static_configs:
      - targets: ["127.0.0.1:{recorder_port}"]
"#,
            rules = rules_path.display()
        );
        let config_path = dir.path().join("prometheus.yml");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start prometheus (Debian package prometheus)");
        let server = Prometheus { child, port, dir };
        wait_until(Duration::from_secs(30), "Prometheus to be ready", || {
            http_get(port, "/-/ready").filter(|(code, _)| *code == 200)
        });
        server
    }

    /// The samples of an instant query.
    fn query(&self, promql: &str) -> Vec<Value> {
        let path = format!("/api/v1/query?query={}", encode(promql));
        let (code, body) = http_get(self.port, &path).unwrap_or_else(|| panic!("no answer from Prometheus to {path}"));
        assert_eq!(code, 200, "query `{promql}`: {body}");
        let answer: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("query `{promql}`: {e}: {body}"));
        assert_eq!(answer["status"], "success", "query `{promql}`: {body}");
        answer["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// The active (pending or firing) alert `alertname` for `camera`, as `/api/v1/alerts` lists it.
    fn alert(&self, alertname: &str, camera: &str) -> Option<Value> {
        let (code, body) = http_get(self.port, "/api/v1/alerts")?;
        assert_eq!(code, 200, "/api/v1/alerts: {body}");
        let answer: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("/api/v1/alerts: {e}: {body}"));
        answer["data"]["alerts"]
            .as_array()?
            .iter()
            .find(|a| a["labels"]["alertname"] == alertname && a["labels"]["camera"] == camera)
            .cloned()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("---- prometheus log (last lines) ----");
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// A sample's value.
fn value(sample: &Value) -> f64 {
    sample["value"][1].as_str().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no value in {sample}"))
}

/// The shipped rules with every `for:` shortened to 5 s, so that an alert fires within the test.
fn rules_with_short_for(rules: &str) -> String {
    let mut shortened = 0;
    let lines: Vec<String> = rules
        .lines()
        .map(|line| {
            let item = line.trim_start();
            if item.starts_with("for:") {
                shortened += 1;
                format!("{}for: 5s", &line[..line.len() - item.len()])
            } else {
                line.to_owned()
            }
        })
        .collect();
    assert!(shortened > 0, "{RULES} has no `for:` to shorten");
    lines.join("\n") + "\n"
}

/// The single-line `expr:` of alert `name` in the rules file.
fn alert_expr(rules: &str, name: &str) -> String {
    let heading = format!("- alert: {name}");
    let mut lines = rules.lines().skip_while(|line| line.trim() != heading);
    assert!(lines.next().is_some(), "{RULES} has no alert {name}");
    let expr = lines
        .find_map(|line| line.trim().strip_prefix("expr:").map(str::trim))
        .unwrap_or_else(|| panic!("{name} has no expr"));
    assert!(!expr.starts_with(['>', '|']), "{name}: this test reads a single-line expr, found `{expr}`");
    expr.to_owned()
}

#[test]
fn a_real_prometheus_scrapes_the_recorder_and_fires_camera_not_recording_when_the_camera_goes_away() {
    let s3 = SeaweedFs::start();
    Bucket::on(&s3, "camera-recordings").create();
    let mut camera = CameraSim::start(CameraOptions::default());
    let recorder = Recorder::start(&[
        ("CAMERA_1_URL", &camera.url()),
        ("CAMERA_1_ID", "hall"),
        ("S3_ENDPOINT", &s3.endpoint()),
        ("SEGMENT_DURATION", "10s"),
    ]);
    let rules = std::fs::read_to_string(repo_root().join(RULES)).expect("read the alerting rules");
    let prometheus = Prometheus::start(recorder.port, &rules_with_short_for(&rules));

    // The recorder's series arrive, labelled with the camera id, from the scraped target.
    let active = wait_until(Duration::from_secs(30), "Prometheus to scrape hall's recording_active", || {
        prometheus.query(r#"camera_recorder_recording_active{camera="hall"}"#).into_iter().next()
    });
    assert_eq!(active["metric"]["job"], "camera-recorder");
    assert_eq!(active["metric"]["instance"], format!("127.0.0.1:{}", recorder.port));
    let names: Vec<String> = prometheus
        .query(r#"count by (__name__) ({__name__=~"camera_recorder_.+", camera="hall"})"#)
        .iter()
        .filter_map(|sample| sample["metric"]["__name__"].as_str().map(str::to_owned))
        .collect();
    for name in [
        "camera_recorder_segments_recorded_total",
        "camera_recorder_segments_uploaded_total",
        "camera_recorder_upload_failures_total",
        "camera_recorder_upload_duration_seconds_bucket",
        "camera_recorder_spool_segments",
        "camera_recorder_ffmpeg_restarts_total",
        "camera_recorder_segment_target_duration_seconds",
    ] {
        assert!(names.iter().any(|n| n == name), "Prometheus has no {name}{{camera=\"hall\"}}; it has {names:?}");
    }
    let target = prometheus.query(r#"camera_recorder_segment_target_duration_seconds{camera="hall"}"#);
    assert_eq!(target.first().map(value), Some(10.0), "the configured segment duration, in seconds");

    // The upload counter moves as segments are uploaded.
    let uploaded = r#"camera_recorder_segments_uploaded_total{camera="hall"}"#;
    let first = wait_until(Duration::from_secs(60), "Prometheus to see a first upload", || {
        prometheus.query(uploaded).first().map(value).filter(|&n| n >= 1.0)
    });
    let later = wait_until(Duration::from_secs(60), "Prometheus to see the upload counter increase", || {
        prometheus.query(uploaded).first().map(value).filter(|&n| n > first)
    });
    let counted = recorder.status().cameras[0].counters.segments_uploaded as f64;
    assert!(counted >= later, "Prometheus saw {later} uploads, the recorder's /status says {counted}");

    // While hall records, CameraNotRecording is not active for it (a first scrape during the recorder's
    // start-up may have made it pending; that resolves once frames flow).
    wait_until(Duration::from_secs(30), "CameraNotRecording to be inactive while hall records", || {
        prometheus.alert("CameraNotRecording", "hall").is_none().then_some(())
    });

    // The camera goes away: the alert's own expression returns hall, and the alert goes pending, then fires.
    camera.stop();
    let expr = alert_expr(&rules, "CameraNotRecording");
    let down = wait_until(Duration::from_secs(60), "the CameraNotRecording expression to return hall", || {
        prometheus.query(&expr).into_iter().find(|sample| sample["metric"]["camera"] == "hall")
    });
    assert_eq!(value(&down), 0.0);
    let state = wait_until(Duration::from_secs(30), "CameraNotRecording to be pending or firing for hall", || {
        prometheus.alert("CameraNotRecording", "hall").and_then(|a| a["state"].as_str().map(str::to_owned))
    });
    assert!(state == "pending" || state == "firing", "alert state {state}");
    let firing = wait_until(Duration::from_secs(30), "CameraNotRecording to fire for hall", || {
        prometheus.alert("CameraNotRecording", "hall").filter(|a| a["state"] == "firing")
    });
    assert_eq!(firing["labels"]["severity"], "critical");
    assert_eq!(firing["annotations"]["summary"], "Camera hall is not recording");
    assert!(
        firing["annotations"]["runbook_url"]
            .as_str()
            .is_some_and(|url| url.ends_with("docs/alerts.md#cameranotrecording")),
        "runbook_url: {}",
        firing["annotations"]["runbook_url"]
    );
    let series = wait_until(Duration::from_secs(10), "ALERTS to record the firing alert", || {
        prometheus
            .query(r#"ALERTS{alertname="CameraNotRecording", alertstate="firing", camera="hall"}"#)
            .into_iter()
            .next()
    });
    assert_eq!(value(&series), 1.0);
}
