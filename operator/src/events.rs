//! Kubernetes Events for notable transitions, so `kubectl describe camera` tells the story.

use crds::camera::{CameraStatus, condition};
use kube::runtime::events::{Event, EventType};

fn status_of<'a>(
    status: Option<&'a CameraStatus>,
    type_: &str,
) -> Option<&'a k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition> {
    status?.conditions.iter().find(|c| c.type_ == type_)
}

/// The events worth publishing between two statuses. Pure.
pub fn transitions(before: Option<&CameraStatus>, after: &CameraStatus) -> Vec<Event> {
    let mut events = Vec::new();
    let event = |type_, reason: &str, note: &str| Event {
        type_,
        reason: reason.to_owned(),
        note: Some(note.chars().take(1000).collect()),
        action: "Reconcile".to_owned(),
        secondary: None,
    };
    let was = |type_| status_of(before, type_);
    let now = |type_| status_of(Some(after), type_);
    if let Some(recording) = now(condition::RECORDING) {
        let was_recording = was(condition::RECORDING).is_some_and(|c| c.status == "True");
        match (was_recording, recording.status.as_str()) {
            (false, "True") => events.push(event(EventType::Normal, "RecordingStarted", &recording.message)),
            (true, "True") => {}
            (true, _) => events.push(event(
                EventType::Warning,
                "RecordingStopped",
                &format!("{}: {}", recording.reason, recording.message),
            )),
            _ => {}
        }
    }
    if let Some(degraded) = now(condition::DEGRADED) {
        let previous = was(condition::DEGRADED).filter(|c| c.status == "True");
        match (previous, degraded.status.as_str()) {
            (Some(p), "True") if p.reason == degraded.reason => {}
            (_, "True") => events.push(event(EventType::Warning, &degraded.reason, &degraded.message)),
            (Some(_), _) => events.push(event(EventType::Normal, "Recovered", &degraded.message)),
            (None, _) => {}
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

    fn status(recording: &str, degraded: (&str, &str)) -> CameraStatus {
        let c = |type_: &str, status: &str, reason: &str| Condition {
            type_: type_.into(),
            status: status.into(),
            reason: reason.into(),
            message: format!("{type_} is {status}"),
            observed_generation: None,
            last_transition_time: Time("2026-01-01T00:00:00Z".parse().unwrap()),
        };
        CameraStatus {
            conditions: vec![c("Recording", recording, "X"), c("Degraded", degraded.0, degraded.1)],
            ..CameraStatus::default()
        }
    }

    fn reasons(events: &[Event]) -> Vec<&str> {
        events.iter().map(|e| e.reason.as_str()).collect()
    }

    #[test]
    fn only_changes_make_events() {
        let healthy = status("True", ("False", "AsExpected"));
        let stalled = status("False", ("True", "StreamStalled"));
        assert_eq!(reasons(&transitions(None, &healthy)), ["RecordingStarted"]);
        assert!(transitions(Some(&healthy), &healthy).is_empty(), "a refresh without change is silent");
        assert_eq!(reasons(&transitions(Some(&healthy), &stalled)), ["RecordingStopped", "StreamStalled"]);
        assert!(transitions(Some(&stalled), &stalled).is_empty());
        assert_eq!(reasons(&transitions(Some(&stalled), &healthy)), ["RecordingStarted", "Recovered"]);
        let starting = status("False", ("False", "AsExpected"));
        assert!(transitions(None, &starting).is_empty(), "a camera that is still connecting is not news");
    }
}
