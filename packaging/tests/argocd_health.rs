//! The ArgoCD health check for Cameras (examples/argocd-health-camera.lua), run with Lua 5.1 as ArgoCD runs it
//! (lupa, through packaging/tests/health/run.py) on sample Cameras: each file in packaging/tests/health/ is
//! named for the health it must get (`degraded-camera-auth-failed.json` → Degraded). The samples use the
//! operator's own condition types and reasons, and the argocd-cm snippet embeds the script verbatim.

mod support;

use crds::camera::condition;
use operator::reasons::Reason;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

const SCRIPT: &str = "examples/argocd-health-camera.lua";

/// Python with lupa: the project venv's (scripts/install-deps.sh), else python3 on PATH.
fn python() -> PathBuf {
    let pinned = root().join(".tools/venv/bin/python");
    if pinned.exists() { pinned } else { PathBuf::from("python3") }
}

/// (status, message) the health check gives the Camera in `sample`.
fn health(sample: &Path) -> (String, String) {
    let printed = run(Command::new(python()).arg("packaging/tests/health/run.py").arg(SCRIPT).arg(sample));
    let result: Value = serde_json::from_str(&printed).unwrap_or_else(|e| panic!("run.py printed {printed:?}: {e}"));
    (result["status"].as_str().unwrap().to_owned(), result["message"].as_str().unwrap().to_owned())
}

fn samples() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root().join("packaging/tests/health"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    found.sort();
    found
}

#[test]
fn every_sample_camera_gets_the_health_its_file_name_names() {
    let mut wrong = Vec::new();
    let mut seen = BTreeSet::new();
    for sample in samples() {
        let name = sample.file_name().unwrap().to_string_lossy().into_owned();
        let expected = name.split('-').next().unwrap().to_owned();
        let (status, message) = health(&sample);
        if status.to_lowercase() != expected {
            wrong.push(format!("{name}: {status} ({message}), expected {expected}"));
        }
        assert!(!message.is_empty(), "{name}: ArgoCD shows the message; it must say why");
        seen.insert(expected);
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    for status in ["healthy", "progressing", "degraded", "suspended", "unknown"] {
        assert!(seen.contains(status), "no sample Camera for {status}");
    }
}

#[test]
fn a_degraded_camera_names_the_reason_and_what_to_do() {
    let (status, message) = health(&root().join("packaging/tests/health/degraded-camera-auth-failed.json"));
    assert_eq!(status, "Degraded");
    assert!(message.starts_with("CameraAuthFailed: ") && message.contains("check the user and password"), "{message}");
    let (status, message) = health(&root().join("packaging/tests/health/healthy-stream-mismatch.json"));
    assert_eq!(status, "Healthy");
    assert!(message.contains("StreamMismatch"), "a healthy Camera still shows the mismatch: {message}");
}

/// Every reason camera-operator can put in a condition.
fn operator_reasons() -> BTreeSet<&'static str> {
    [
        Reason::SecretNotFound,
        Reason::SecretKeyMissing,
        Reason::InvalidCameraURL,
        Reason::InvalidBucketName,
        Reason::InvalidSpec,
        Reason::CameraUnreachable,
        Reason::CameraAuthFailed,
        Reason::StreamStalled,
        Reason::UploadFailing,
        Reason::StreamMismatch,
        Reason::AsExpected,
        Reason::RecorderAvailable,
        Reason::RecorderUnavailable,
        Reason::RecorderPending,
        Reason::Disabled,
        Reason::Recording,
        Reason::Connecting,
        Reason::RecorderNotReady,
        Reason::StatusUnavailable,
        Reason::RecorderFailed,
        Reason::NotDeployed,
    ]
    .into_iter()
    .map(Reason::as_str)
    .collect()
}

#[test]
fn the_samples_and_the_script_use_the_operators_condition_types_and_reasons() {
    let types = [condition::READY, condition::RECORDING, condition::DEGRADED];
    let reasons = operator_reasons();
    for sample in samples() {
        let camera: Value = serde_json::from_str(&std::fs::read_to_string(&sample).unwrap()).unwrap();
        assert_eq!(camera["kind"], "Camera");
        for c in camera["status"]["conditions"].as_array().into_iter().flatten() {
            let (kind, reason) = (c["type"].as_str().unwrap(), c["reason"].as_str().unwrap());
            assert!(types.contains(&kind), "{}: condition type {kind}", sample.display());
            assert!(reasons.contains(reason), "{}: camera-operator has no reason {reason}", sample.display());
        }
    }
    let script = read(SCRIPT);
    for name in types {
        assert!(script.contains(&format!("\"{name}\"")), "the script looks up condition {name}");
    }
    for reason in [Reason::StreamMismatch, Reason::Connecting, Reason::NotDeployed, Reason::RecorderPending] {
        let name = reason.as_str();
        assert!(script.contains(name), "the script singles out {name}");
    }
}

#[test]
fn the_argocd_cm_snippet_embeds_the_script_verbatim() {
    let snippet: Value = serde_yaml::from_str(&read("examples/argocd-cm-health.yaml")).unwrap();
    assert_eq!(snippet["kind"], "ConfigMap");
    assert_eq!(snippet["metadata"]["name"], "argocd-cm");
    let embedded = snippet["data"]["resource.customizations.health.cto-cameras.io_Camera"].as_str();
    assert!(
        embedded == Some(read(SCRIPT).as_str()),
        "examples/argocd-cm-health.yaml must embed examples/argocd-health-camera.lua unchanged"
    );
}
