//! Reconcile against a mocked API server: each test asserts the exact requests one reconcile makes (the
//! server-side apply with its field manager, the status patch, the events) for one scenario.

use super::reconcile;
use crate::fixtures::{ApiServer, Call, FakeRecorders, camera, context, recorder_status, secret};
use crds::Camera;
use crds::contract::status::{Fault, FaultKind};
use http::Method;
use kube::core::DeserializeGuard;
use serde_json::{Value, json};
use std::sync::Arc;

const SECRET: &str = "/api/v1/namespaces/cameras/secrets/front-door-camera";
const DEPLOYMENT: &str = "/apis/apps/v1/namespaces/cameras/deployments/recorder-front-door";
const SERVICE: &str = "/api/v1/namespaces/cameras/services/recorder-front-door";
const STATUS: &str = "/apis/cto-cameras.io/v1alpha1/namespaces/cameras/cameras/front-door/status";
const EVENTS: &str = "/apis/events.k8s.io/v1/namespaces/cameras/events";

fn condition<'a>(status_patch: &'a Value, type_: &str) -> &'a Value {
    status_patch["status"]["conditions"].as_array().unwrap().iter().find(|c| c["type"] == type_).unwrap()
}

fn assert_server_side_apply(call: &Call, kind: &str) {
    assert_eq!(call.method, Method::PATCH);
    assert_eq!(call.query.get("fieldManager").map(String::as_str), Some("camera-operator"), "{}", call.path);
    assert_eq!(call.query.get("force").map(String::as_str), Some("true"));
    assert_eq!(call.body["kind"], kind);
    assert_eq!(call.body["metadata"]["ownerReferences"][0]["kind"], "Camera");
}

/// Answers a status patch as the API server does: with the whole Camera, its status replaced.
fn accept_status(call: Call) {
    let mut camera = serde_json::to_value(camera("front-door")).unwrap();
    camera["status"] = call.body["status"].clone();
    call.reply(200, camera);
}

/// Answers the URL Secret, the Deployment apply (with the given pod availability) and the Service apply.
/// Returns the applied Deployment.
async fn deploy(api: &mut ApiServer, available: i64) -> Value {
    api.expect(Method::GET, SECRET)
        .await
        .reply(200, serde_json::to_value(secret("front-door-camera", &[("url", "rtsp://admin:pw@cam/s")])).unwrap());
    let call = api.expect(Method::PATCH, DEPLOYMENT).await;
    assert_server_side_apply(&call, "Deployment");
    let mut applied = call.body.clone();
    applied["status"] = json!({"replicas": 1, "availableReplicas": available, "readyReplicas": available});
    call.reply(200, applied.clone());
    let service = api.expect(Method::PATCH, SERVICE).await;
    assert_server_side_apply(&service, "Service");
    service.echo(200);
    applied
}

async fn run(
    camera: Camera,
    recorders: Arc<FakeRecorders>,
    script: impl AsyncFnOnce(&mut ApiServer),
) -> kube::runtime::controller::Action {
    let (ctx, mut api) = context(recorders);
    let reconciling = tokio::spawn(reconcile(Arc::new(DeserializeGuard(Ok(camera))), ctx));
    script(&mut api).await;
    let action = reconciling.await.unwrap().expect("reconcile succeeds");
    api.expect_no_more().await;
    action
}

#[tokio::test]
async fn a_new_camera_gets_its_recorder_and_a_status_that_says_it_is_not_recording_yet() {
    let recorders = FakeRecorders::answering(Err("connection refused".into()));
    let action = run(camera("front-door"), recorders.clone(), async |api: &mut ApiServer| {
        let deployment = deploy(api, 0).await;
        assert_eq!(deployment["spec"]["replicas"], 1);
        let status = api.expect(Method::PATCH, STATUS).await;
        assert_eq!(condition(&status.body, "Ready")["status"], "False");
        assert_eq!(condition(&status.body, "Recording")["reason"], "RecorderNotReady");
        assert_eq!(condition(&status.body, "Degraded")["status"], "False");
        assert_eq!(status.body["status"]["observedGeneration"], 1);
        accept_status(status);
    })
    .await;
    assert_eq!(action, kube::runtime::controller::Action::requeue(std::time::Duration::from_secs(30)));
    assert_eq!(*recorders.asked.lock().unwrap(), ["cameras/recorder-front-door"]);
}

#[tokio::test]
async fn a_disabled_camera_is_scaled_to_zero_and_not_asked() {
    let mut cam = camera("front-door");
    cam.spec.enabled = false;
    let recorders = FakeRecorders::answering(Err("must not be asked".into()));
    run(cam, recorders.clone(), async |api: &mut ApiServer| {
        api.expect(Method::GET, SECRET)
            .await
            .reply(200, serde_json::to_value(secret("front-door-camera", &[("url", "rtsp://cam/s")])).unwrap());
        let call = api.expect(Method::PATCH, DEPLOYMENT).await;
        assert_eq!(call.body["spec"]["replicas"], 0);
        call.echo(200);
        api.expect(Method::PATCH, SERVICE).await.echo(200);
        let status = api.expect(Method::PATCH, STATUS).await;
        assert_eq!(condition(&status.body, "Ready")["reason"], "Disabled");
        assert_eq!(condition(&status.body, "Recording")["reason"], "Disabled");
        accept_status(status);
    })
    .await;
    assert!(recorders.asked.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_secret_is_degraded_with_the_fix_and_nothing_is_applied() {
    let recorders = FakeRecorders::answering(Err("must not be asked".into()));
    run(camera("front-door"), recorders, async |api: &mut ApiServer| {
        api.expect(Method::GET, SECRET).await.not_found();
        api.expect(Method::GET, DEPLOYMENT).await.not_found();
        let status = api.expect(Method::PATCH, STATUS).await;
        let degraded = condition(&status.body, "Degraded");
        assert_eq!((degraded["status"].as_str(), degraded["reason"].as_str()), (Some("True"), Some("SecretNotFound")));
        assert!(degraded["message"].as_str().unwrap().contains("create it"));
        accept_status(status);
        let event = api.expect(Method::POST, EVENTS).await;
        assert_eq!(event.body["reason"], "SecretNotFound");
        assert_eq!(event.body["type"], "Warning");
        assert_eq!(event.body["regarding"]["name"], "front-door");
        event.echo(201);
    })
    .await;
}

#[tokio::test]
async fn a_recorder_that_is_not_recording_says_why() {
    let fault = Fault {
        kind: FaultKind::CameraAuthFailed,
        message: "method DESCRIBE failed: 401 Unauthorized".into(),
        at: "2026-01-01T00:00:00Z".parse().unwrap(),
    };
    let recorders = FakeRecorders::answering(Ok(recorder_status(false, Some(fault))));
    run(camera("front-door"), recorders, async |api: &mut ApiServer| {
        deploy(api, 1).await;
        let status = api.expect(Method::PATCH, STATUS).await;
        assert_eq!(condition(&status.body, "Ready")["status"], "True");
        assert_eq!(condition(&status.body, "Recording")["reason"], "CameraAuthFailed");
        let degraded = condition(&status.body, "Degraded");
        assert_eq!(degraded["reason"], "CameraAuthFailed");
        assert!(degraded["message"].as_str().unwrap().contains("check the user and password"));
        accept_status(status);
        let event = api.expect(Method::POST, EVENTS).await;
        assert_eq!(event.body["reason"], "CameraAuthFailed");
        event.echo(201);
    })
    .await;
}

#[tokio::test]
async fn a_recording_camera_reports_its_facts_and_says_so_once() {
    let recorders = FakeRecorders::answering(Ok(recorder_status(true, None)));
    let (ctx, mut api) = context(recorders);
    let first = camera("front-door");
    let reconciling = tokio::spawn(reconcile(Arc::new(DeserializeGuard(Ok(first.clone()))), ctx.clone()));
    deploy(&mut api, 1).await;
    let status = api.expect(Method::PATCH, STATUS).await;
    assert_eq!(condition(&status.body, "Recording")["status"], "True");
    assert_eq!(status.body["status"]["stream"]["resolution"], "1280x720");
    assert_eq!(status.body["status"]["segmentsUploaded"], 4);
    assert_eq!(status.body["status"]["recorderPod"], "recorder-front-door-5d8f-abc");
    let written: crds::CameraStatus = serde_json::from_value(status.body["status"].clone()).unwrap();
    accept_status(status);
    let event = api.expect(Method::POST, EVENTS).await;
    assert_eq!(event.body["reason"], "RecordingStarted");
    event.echo(201);
    reconciling.await.unwrap().unwrap();
    api.expect_no_more().await;

    // The next refresh finds nothing new: it applies again (a no-op for the API server) but writes no
    // status and publishes no event.
    let mut refreshed = first;
    refreshed.status = Some(written);
    let reconciling = tokio::spawn(reconcile(Arc::new(DeserializeGuard(Ok(refreshed))), ctx));
    deploy(&mut api, 1).await;
    reconciling.await.unwrap().unwrap();
    api.expect_no_more().await;
}

#[tokio::test]
async fn a_camera_that_cannot_be_read_is_degraded_and_the_watch_goes_on() {
    // fps is a string: it slipped past the schema (e.g. stored before a CRD upgrade).
    let invalid: DeserializeGuard<Camera> = serde_json::from_value(json!({
        "apiVersion": "cto-cameras.io/v1alpha1", "kind": "Camera",
        "metadata": {"name": "front-door", "namespace": "cameras", "generation": 4},
        "spec": {"urlSecretRef": {"name": "front-door-camera", "key": "url"}, "fps": "fast"}
    }))
    .unwrap();
    assert!(invalid.0.is_err(), "the guard holds the error instead of failing the watch");
    let (ctx, mut api) = context(FakeRecorders::answering(Err("must not be asked".into())));
    let reconciling = tokio::spawn(reconcile(Arc::new(invalid), ctx));
    let status = api.expect(Method::PATCH, STATUS).await;
    let degraded = condition(&status.body, "Degraded");
    assert_eq!(degraded["reason"], "InvalidSpec");
    assert!(degraded["message"].as_str().unwrap().contains("cannot be read"), "{degraded}");
    assert_eq!(degraded["observedGeneration"], 4);
    accept_status(status);
    let action = reconciling.await.unwrap().unwrap();
    assert_eq!(action, kube::runtime::controller::Action::await_change(), "nothing to refresh until the spec changes");
    api.expect_no_more().await;
}
