//! Reconciles N Camera objects (default 1,000) against an in-process fake API server and fake recorders,
//! and prints the time it took and the process's memory. A benchmark, not a test: it prints figures.
//!
//!     cargo run --release -p operator --example reconcile_bench -- [CAMERAS] [CONCURRENCY]
//!
//! The fake answers what a reconcile asks, as an API server would: the URL Secret, the server-side applies
//! of the Deployment (with an available pod) and the Service, the status patch (echoing the Camera) and the
//! events. Every reconcile therefore runs the whole pipeline: validate, build, apply, read the recorder,
//! compute and write the status, publish events.

use crds::camera::{Camera, CameraSpec};
use crds::contract::status::{
    CameraState, CameraStatus as RecorderCamera, Counters, Expected, RecorderStatus, SegmentSummary, SpoolBacklog,
    StorageStatus, StreamInfo,
};
use futures::StreamExt;
use http::{Request, Response};
use kube::client::Body;
use kube::core::DeserializeGuard;
use operator::config::OperatorConfig;
use operator::controller::Context;
use operator::metrics::Metrics;
use operator::reconcile::reconcile;
use operator::recorder_client::{RecorderStatusSource, StatusFuture};
use serde_json::{Value, json};
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Counts requests by kind, and answers them.
#[derive(Default)]
struct FakeApiServer {
    requests: AtomicU64,
}

impl FakeApiServer {
    async fn answer(&self, request: Request<Body>) -> Response<Body> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let (parts, body) = request.into_parts();
        let bytes = body.collect_bytes().await.unwrap_or_default();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let path = parts.uri.path();
        let reply = if path.contains("/secrets/") {
            let name = path.rsplit('/').next().unwrap_or_default();
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "bench"},
                   "data": {"url": "cnRzcDovL2FkbWluOnB3QGNhbWVyYS5sb2NhbC9zdHJlYW0="}})
        } else if path.contains("/deployments/") {
            let mut applied = body;
            applied["status"] = json!({"replicas": 1, "availableReplicas": 1, "readyReplicas": 1});
            applied
        } else if path.ends_with("/status") {
            let name = path.trim_end_matches("/status").rsplit('/').next().unwrap_or_default();
            let mut camera = serde_json::to_value(camera(name)).unwrap_or_default();
            camera["status"] = body["status"].clone();
            camera
        } else {
            body
        };
        Response::builder()
            .status(if parts.method == http::Method::POST { 201 } else { 200 })
            .body(Body::from(serde_json::to_vec(&reply).unwrap_or_default()))
            .expect("a valid response")
    }
}

struct RecordingRecorders;

impl RecorderStatusSource for RecordingRecorders {
    fn status<'a>(&'a self, _namespace: &'a str, service: &'a str) -> StatusFuture<'a> {
        let at = jiff::Timestamp::now();
        let id = service.trim_start_matches("recorder-").to_owned();
        let status = RecorderStatus {
            ready: true,
            started_at: at,
            pod: Some(format!("{service}-abc")),
            storage: StorageStatus {
                bucket: "camera-recordings".into(),
                endpoint: None,
                reachable: true,
                last_error: None,
                spool_bytes: 0,
                spool_max_bytes: 1 << 30,
            },
            cameras: vec![RecorderCamera {
                id: id.clone(),
                name: id,
                state: CameraState::Recording,
                recording: true,
                last_data_at: Some(at),
                last_segment: Some(SegmentSummary { start: at, end: at }),
                last_upload_at: Some(at),
                counters: Counters::default(),
                spool: SpoolBacklog::default(),
                stream: Some(StreamInfo {
                    video_codec: "h264".into(),
                    width: 1920,
                    height: 1080,
                    fps: Some(15.0),
                    audio_codec: None,
                    audio_handling: None,
                }),
                expected: Expected::default(),
                stream_mismatch: None,
                capture_error: None,
                upload_error: None,
                last_error: None,
                retention: Default::default(),
            }],
        };
        Box::pin(async move { Ok(status) })
    }
}

fn camera(name: &str) -> Camera {
    let mut spec = CameraSpec::for_url_secret(&format!("{name}-url"), "url");
    spec.resolution = Some("1920x1080".into());
    spec.fps = Some(15);
    let mut camera = Camera::new(name, spec);
    camera.metadata.namespace = Some("bench".into());
    camera.metadata.uid = Some(format!("uid-{name}"));
    camera.metadata.generation = Some(1);
    camera
}

fn memory_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(16);

    let server = Arc::new(FakeApiServer::default());
    let handler = server.clone();
    let service = tower::service_fn(move |request: Request<Body>| {
        let server = handler.clone();
        async move { Ok::<_, Infallible>(server.answer(request).await) }
    });
    let client = kube::Client::new(service, "bench");
    let config = <OperatorConfig as clap::Parser>::try_parse_from(["camera-operator"]).expect("defaults");
    let ctx = Arc::new(Context::new(client, &config, Arc::new(RecordingRecorders), Arc::new(Metrics::new())));

    let cameras: Vec<Arc<DeserializeGuard<Camera>>> =
        (0..count).map(|i| Arc::new(DeserializeGuard(Ok(camera(&format!("cam-{i:04}")))))).collect();
    let rss_before = memory_kib("VmRSS:");
    let started = Instant::now();
    let failures = futures::stream::iter(cameras)
        .map(|camera| reconcile(camera, ctx.clone()))
        .buffer_unordered(concurrency)
        .filter(|result| std::future::ready(result.is_err()))
        .count()
        .await;
    let took = started.elapsed();

    println!("reconciled {count} Cameras ({concurrency} at a time) in {:.2} s; {failures} failed", took.as_secs_f64());
    println!(
        "  {:.2} ms per Camera; {} API requests",
        took.as_secs_f64() * 1000.0 / count as f64,
        server.requests.load(Ordering::Relaxed)
    );
    println!("  goal: all in 10 s or less -> {}", if took.as_secs_f64() <= 10.0 { "met" } else { "missed" });
    println!(
        "  RSS: {:.1} MiB before, {:.1} MiB after, peak {:.1} MiB; goal 64 MiB or less -> {}",
        rss_before as f64 / 1024.0,
        memory_kib("VmRSS:") as f64 / 1024.0,
        memory_kib("VmHWM:") as f64 / 1024.0,
        if memory_kib("VmHWM:") <= 64 * 1024 { "met" } else { "missed" }
    );
}
