//! The operator's `/metrics` output passes `promtool check metrics`, with every family populated.

use crds::camera::CameraStatus;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use operator::metrics::Metrics;
use std::time::Duration;

fn status(recording: &str, degraded_reason: &str) -> CameraStatus {
    let condition = |type_: &str, status: &str, reason: &str| Condition {
        type_: type_.into(),
        status: status.into(),
        reason: reason.into(),
        message: String::new(),
        observed_generation: Some(1),
        last_transition_time: Time("2026-01-01T00:00:00Z".parse().unwrap()),
    };
    CameraStatus {
        conditions: vec![
            condition("Ready", "True", "RecorderAvailable"),
            condition("Recording", recording, "Recording"),
            condition("Degraded", if degraded_reason == "AsExpected" { "False" } else { "True" }, degraded_reason),
        ],
        ..CameraStatus::default()
    }
}

#[test]
fn operator_metrics_pass_promtool_and_count_cameras_by_condition() {
    let metrics = Metrics::new();
    metrics.reconciled(Duration::from_millis(12), None);
    metrics.camera("cameras", "front-door", &status("True", "AsExpected"));
    metrics.camera("cameras", "yard", &status("False", "CameraUnreachable"));
    metrics.leader.set(1);
    let text = metrics.render();

    testkit::promtool_check_metrics(&text).unwrap_or_else(|complaints| panic!("promtool check metrics: {complaints}"));

    assert!(text.contains("camera_operator_cameras{condition=\"Recording\",status=\"True\"} 1"), "{text}");
    assert!(text.contains("camera_operator_cameras{condition=\"Recording\",status=\"False\"} 1"), "{text}");
    assert!(
        text.contains("camera_operator_camera_condition{camera=\"yard\",condition=\"Degraded\",namespace=\"cameras\",reason=\"CameraUnreachable\"} 1"),
        "{text}"
    );
    assert!(text.contains("camera_operator_reconcile_errors_total{reason=\"conflict\"} 0"), "known reasons start at 0");

    // A Camera whose Degraded reason changes leaves no stale series behind; a deleted one leaves nothing.
    metrics.camera("cameras", "yard", &status("True", "AsExpected"));
    let text = metrics.render();
    assert!(!text.contains("reason=\"CameraUnreachable\""), "{text}");
    metrics.retain(|_, name| name == "front-door");
    assert!(!metrics.render().contains("camera=\"yard\""));
}
