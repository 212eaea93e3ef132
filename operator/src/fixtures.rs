//! Test helpers: sample objects, a fake recorder, and a mocked API server in the style of kube-rs's
//! controller-rs `fixtures.rs`, which asserts each request the reconciler makes and answers as the API
//! server would.

use crate::config::{OperatorConfig, RecorderDefaults};
use crate::controller::Context;
use crate::metrics::Metrics;
use crate::recorder_client::{RecorderStatusSource, StatusFuture};
use crds::camera::{Camera, CameraSpec};
use crds::contract::status::{
    CameraState, CameraStatus as RecorderCamera, Counters, Expected, Fault, RecorderStatus, SegmentSummary,
    SpoolBacklog, StorageStatus, StreamInfo,
};
use http::{Request, Response, StatusCode};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::client::Body;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower_test::mock::{self, Handle, SendResponse};

pub const NAMESPACE: &str = "cameras";

pub fn camera(name: &str) -> Camera {
    let mut camera = Camera::new(name, CameraSpec::for_url_secret(&format!("{name}-camera"), "url"));
    camera.metadata.namespace = Some(NAMESPACE.into());
    camera.metadata.uid = Some(format!("uid-{name}"));
    camera.metadata.generation = Some(1);
    camera
}

pub fn secret(name: &str, data: &[(&str, &str)]) -> Secret {
    Secret {
        metadata: ObjectMeta { name: Some(name.into()), namespace: Some(NAMESPACE.into()), ..ObjectMeta::default() },
        data: Some(data.iter().map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec()))).collect()),
        ..Secret::default()
    }
}

/// A recorder's `/status` for one camera.
pub fn recorder_status(recording: bool, capture_error: Option<Fault>) -> RecorderStatus {
    let at: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    RecorderStatus {
        ready: recording,
        started_at: at,
        pod: Some("recorder-front-door-5d8f-abc".into()),
        storage: StorageStatus {
            bucket: "camera-recordings".into(),
            endpoint: Some("http://seaweedfs:8333".into()),
            reachable: true,
            last_error: None,
            spool_bytes: 0,
            spool_max_bytes: 1 << 30,
        },
        cameras: vec![RecorderCamera {
            id: "front-door".into(),
            name: "front-door".into(),
            state: if recording { CameraState::Recording } else { CameraState::Backoff },
            recording,
            last_data_at: Some(at),
            last_segment: Some(SegmentSummary { start: at, end: at }),
            last_upload_at: Some(at),
            counters: Counters { segments_recorded: 5, segments_uploaded: 4, ..Counters::default() },
            spool: SpoolBacklog::default(),
            stream: Some(StreamInfo {
                video_codec: "h264".into(),
                width: 1280,
                height: 720,
                fps: Some(15.0),
                audio_codec: None,
                audio_handling: None,
            }),
            expected: Expected::default(),
            stream_mismatch: None,
            capture_error: capture_error.clone(),
            upload_error: None,
            last_error: capture_error,
            retention: Default::default(),
        }],
    }
}

/// A recorder whose `/status` answer the test sets.
#[derive(Default)]
pub struct FakeRecorders {
    pub answer: Mutex<Option<Result<RecorderStatus, String>>>,
    pub asked: Mutex<Vec<String>>,
}

impl FakeRecorders {
    pub fn answering(answer: Result<RecorderStatus, String>) -> Arc<FakeRecorders> {
        Arc::new(FakeRecorders { answer: Mutex::new(Some(answer)), asked: Mutex::new(Vec::new()) })
    }
}

impl RecorderStatusSource for FakeRecorders {
    fn status<'a>(&'a self, namespace: &'a str, service: &'a str) -> StatusFuture<'a> {
        self.asked.lock().unwrap().push(format!("{namespace}/{service}"));
        let answer = self.answer.lock().unwrap().clone().unwrap_or_else(|| Err("no answer configured".into()));
        Box::pin(async move { answer })
    }
}

pub fn defaults() -> RecorderDefaults {
    RecorderDefaults { s3_endpoint: Some("http://seaweedfs:8333".into()), ..RecorderDefaults::default() }
}

/// A context whose client talks to the returned [`ApiServer`].
pub fn context(recorders: Arc<FakeRecorders>) -> (Arc<Context>, ApiServer) {
    let (service, handle) = mock::pair::<Request<Body>, Response<Body>>();
    let client = kube::Client::new(service, "default");
    let mut config = <OperatorConfig as clap::Parser>::try_parse_from(["camera-operator"]).unwrap();
    config.defaults = defaults();
    let ctx = Context::new(client, &config, recorders, Arc::new(Metrics::new()));
    (Arc::new(ctx), ApiServer(handle))
}

/// One request the reconciler made.
pub struct Call {
    pub method: http::Method,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub body: Value,
    respond: SendResponse<Response<Body>>,
}

impl Call {
    pub fn reply(self, code: u16, body: Value) {
        let response = Response::builder()
            .status(StatusCode::from_u16(code).unwrap())
            .header("content-type", "application/json")
            .body(Body::from(serde_json::to_vec(&body).unwrap()))
            .unwrap();
        self.respond.send_response(response);
    }

    pub fn not_found(self) {
        let status = serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "not found", "reason": "NotFound", "code": 404
        });
        self.reply(404, status);
    }

    /// Answers with the request's own body, as the API server does for an apply or a create.
    pub fn echo(self, code: u16) {
        let body = self.body.clone();
        self.reply(code, body);
    }
}

/// The mocked API server: each `expect` takes the next request, asserts its method and path, and hands it
/// to the test to answer. A request that never comes fails the test after a timeout instead of hanging.
pub struct ApiServer(Handle<Request<Body>, Response<Body>>);

impl ApiServer {
    pub async fn expect(&mut self, method: http::Method, path: &str) -> Call {
        let next = tokio::time::timeout(Duration::from_secs(5), self.0.next_request())
            .await
            .unwrap_or_else(|_| panic!("expected {method} {path}, but no request came"))
            .unwrap_or_else(|| panic!("expected {method} {path}, but the client is gone"));
        let (request, respond) = next;
        let (parts, body) = request.into_parts();
        let bytes = body.collect_bytes().await.unwrap();
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
        let query = parts
            .uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!((&parts.method, parts.uri.path()), (&method, path), "unexpected request; body: {body}");
        Call { method: parts.method, path: parts.uri.path().to_owned(), query, body, respond }
    }

    /// Fails if the reconciler makes any further request.
    pub async fn expect_no_more(&mut self) {
        if let Ok(Some((request, _))) = tokio::time::timeout(Duration::from_millis(200), self.0.next_request()).await {
            panic!("unexpected request: {} {}", request.method(), request.uri());
        }
    }
}
