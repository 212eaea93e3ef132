//! Report: what the Camera's status says, computed from what was observed. Pure.
//!
//! - `Ready`: the recorder pod is available (replicas == availableReplicas > 0).
//! - `Recording`: the recorder itself says frames arrived within its stall window. A pod that runs but
//!   records nothing is not recording. When the operator cannot read the recorder's `/status`, it says
//!   `Unknown` rather than guess.
//! - `Degraded`: something the user can fix, most important first: the Camera or its Secrets, the camera
//!   refusing or not answering, uploads failing, a stream that differs from what the spec expects.

use super::validate::Problem;
use crate::conditions::{Status, condition};
use crate::reasons::Reason;
use crds::camera::{CameraStatus, StreamStatus, condition as kind};
use crds::contract::status::{FaultKind, RecorderStatus};
use k8s_openapi::api::apps::v1::DeploymentStatus;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

/// Everything the status is computed from.
#[derive(Debug, Clone)]
pub struct Observation<'a> {
    pub generation: Option<i64>,
    pub enabled: bool,
    pub problem: Option<&'a Problem>,
    /// The recorder Deployment's status; `None` when there is no Deployment.
    pub deployment: Option<&'a DeploymentStatus>,
    /// The recorder's `/status`; `None` when it was not asked (nothing deployed).
    pub recorder: Option<&'a Result<RecorderStatus, String>>,
    pub previous: Option<&'a CameraStatus>,
    pub now: jiff::Timestamp,
}

/// (status, reason, message) of one condition.
type Verdict = (Status, Reason, String);

pub fn compute(obs: &Observation) -> CameraStatus {
    let previous_conditions: &[Condition] = obs.previous.map_or(&[], |p| &p.conditions);
    let recorder_camera = obs.recorder.and_then(|r| r.as_ref().ok()).and_then(|s| s.cameras.first());
    let make = |type_: &str, (status, reason, message): Verdict| {
        condition(previous_conditions, type_, status, reason.as_str(), message, obs.generation, obs.now)
    };
    let conditions =
        vec![make(kind::READY, ready(obs)), make(kind::RECORDING, recording(obs)), make(kind::DEGRADED, degraded(obs))];

    // Facts from the recorder; kept from the previous status while the recorder cannot be asked.
    let previous = obs.previous.cloned().unwrap_or_default();
    let recorder_ok = obs.recorder.and_then(|r| r.as_ref().ok());
    CameraStatus {
        observed_generation: obs.generation,
        conditions,
        last_segment_start: recorder_camera
            .and_then(|c| c.last_segment.as_ref())
            .map(|s| Time(s.start))
            .or(previous.last_segment_start),
        last_upload_time: recorder_camera.and_then(|c| c.last_upload_at).map(Time).or(previous.last_upload_time),
        segments_uploaded: recorder_camera.map(|c| c.counters.segments_uploaded).or(previous.segments_uploaded),
        stream: recorder_camera
            .and_then(|c| c.stream.as_ref())
            .map(|s| StreamStatus {
                codec: s.video_codec.clone(),
                resolution: format!("{}x{}", s.width, s.height),
                fps: s.fps,
                audio_codec: s.audio_codec.clone(),
            })
            .or(previous.stream),
        recorder_pod: recorder_ok.and_then(|s| s.pod.clone()).or(previous.recorder_pod),
    }
}

fn available(deployment: Option<&DeploymentStatus>) -> Option<(i32, i32)> {
    let status = deployment?;
    Some((status.available_replicas.unwrap_or(0), status.replicas.unwrap_or(0)))
}

fn ready(obs: &Observation) -> Verdict {
    if !obs.enabled {
        return (Status::False, Reason::Disabled, "spec.enabled is false; the recorder is scaled to zero".into());
    }
    match available(obs.deployment) {
        None => match obs.problem {
            Some(problem) => {
                (Status::False, Reason::RecorderPending, format!("no recorder is deployed: {}", problem.message))
            }
            None => (Status::False, Reason::RecorderPending, "the recorder Deployment is being created".into()),
        },
        Some((available, replicas)) if available > 0 && available == replicas => {
            (Status::True, Reason::RecorderAvailable, format!("{available}/{replicas} recorder pods available"))
        }
        Some((available, replicas)) => (
            Status::False,
            Reason::RecorderUnavailable,
            format!(
                "{available}/{} recorder pods available; a recorder is ready only while it records and uploads",
                replicas.max(1)
            ),
        ),
    }
}

fn recording(obs: &Observation) -> Verdict {
    if !obs.enabled {
        return (Status::False, Reason::Disabled, "spec.enabled is false".into());
    }
    let Some(answer) = obs.recorder else {
        let why = obs
            .problem
            .map_or("no recorder is deployed".to_owned(), |p| format!("no recorder is deployed: {}", p.message));
        return (Status::False, Reason::NotDeployed, why);
    };
    match answer {
        Err(error) if available(obs.deployment).is_none_or(|(available, _)| available == 0) => {
            (Status::False, Reason::RecorderNotReady, format!("the recorder pod is not available ({error})"))
        }
        Err(error) => {
            (Status::Unknown, Reason::StatusUnavailable, format!("cannot read the recorder's /status: {error}"))
        }
        Ok(status) => match status.cameras.first() {
            None => (Status::Unknown, Reason::StatusUnavailable, "the recorder reports no camera".into()),
            Some(camera) if camera.recording => {
                let last = camera.last_data_at.map_or(String::new(), |t| format!("; last frame at {t}"));
                (Status::True, Reason::Recording, format!("the recorder receives frames from the camera{last}"))
            }
            Some(camera) => match &camera.capture_error {
                Some(fault) => (Status::False, Reason::for_capture(fault.kind), fault.message.clone()),
                None => (Status::False, Reason::Connecting, "the recorder is connecting to the camera".into()),
            },
        },
    }
}

fn degraded(obs: &Observation) -> Verdict {
    if let Some(problem) = obs.problem {
        return (Status::True, problem.reason, problem.message.clone());
    }
    let Some(Ok(status)) = obs.recorder else {
        return (Status::False, Reason::AsExpected, "no problem known".into());
    };
    let camera = status.cameras.first();
    if let Some(fault) = camera.and_then(|c| c.capture_error.as_ref()) {
        let reason = Reason::for_capture(fault.kind);
        let fix = match fault.kind {
            FaultKind::CameraAuthFailed => "; check the user and password in the URL Secret (percent-encode @ : / #)",
            FaultKind::CameraUnreachable => {
                "; check that the camera is on and reachable from the cluster, and the URL's host and path"
            }
            FaultKind::StreamStalled => "; the connection stays open but no video arrives: restart the camera",
            _ => "",
        };
        return (Status::True, reason, format!("{}{fix}", fault.message));
    }
    let upload = camera.and_then(|c| c.upload_error.as_ref()).or(status
        .storage
        .last_error
        .as_ref()
        .filter(|_| !status.storage.reachable));
    if let Some(fault) = upload {
        let fix = match fault.kind {
            FaultKind::BucketNotFound => format!(
                "bucket '{}' does not exist or S3 rejects its name: create it, or set spec.bucket to an existing bucket",
                status.storage.bucket
            ),
            FaultKind::StorageAuthFailed => {
                "S3 rejects the credentials: check the accessKey and secretKey in the credentials Secret".into()
            }
            FaultKind::StorageUnreachable => {
                "S3 cannot be reached: check the endpoint and that the storage is up".into()
            }
            _ => "uploads fail".into(),
        };
        let backlog = camera.map_or(String::new(), |c| format!(" ({} segments wait in the spool)", c.spool.segments));
        return (Status::True, Reason::UploadFailing, format!("{fix}{backlog}: {}", fault.message));
    }
    if let Some(mismatch) = camera.and_then(|c| c.stream_mismatch.as_ref()) {
        return (Status::True, Reason::StreamMismatch, format!("the camera's {mismatch}; it is recorded as it is"));
    }
    (Status::False, Reason::AsExpected, "recording and uploading as configured".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::recorder_status;

    fn ts(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    fn deployment(available: i32) -> DeploymentStatus {
        DeploymentStatus { replicas: Some(1), available_replicas: Some(available), ..DeploymentStatus::default() }
    }

    fn observe<'a>(
        deployment: Option<&'a DeploymentStatus>,
        recorder: Option<&'a Result<RecorderStatus, String>>,
        previous: Option<&'a CameraStatus>,
        now: &str,
    ) -> CameraStatus {
        compute(&Observation {
            generation: Some(3),
            enabled: true,
            problem: None,
            deployment,
            recorder,
            previous,
            now: ts(now),
        })
    }

    fn get<'a>(status: &'a CameraStatus, type_: &str) -> &'a Condition {
        status.conditions.iter().find(|c| c.type_ == type_).unwrap()
    }

    #[test]
    fn a_recording_camera_is_ready_recording_and_not_degraded() {
        let answer = Ok(recorder_status(true, None));
        let status = observe(Some(&deployment(1)), Some(&answer), None, "2026-01-01T00:00:00Z");
        assert_eq!(get(&status, "Ready").status, "True");
        assert_eq!(get(&status, "Recording").status, "True");
        assert_eq!(get(&status, "Degraded").status, "False");
        assert_eq!(status.observed_generation, Some(3));
        assert_eq!(status.stream.as_ref().unwrap().resolution, "1280x720");
        assert_eq!(status.segments_uploaded, Some(4));
        assert_eq!(status.recorder_pod.as_deref(), Some("recorder-front-door-5d8f-abc"));
    }

    #[test]
    fn a_running_pod_that_records_nothing_is_not_recording() {
        let fault = crds::contract::status::Fault {
            kind: FaultKind::StreamStalled,
            message: "no new frame for 31s".into(),
            at: ts("2026-01-01T00:00:00Z"),
        };
        let answer = Ok(recorder_status(false, Some(fault)));
        let status = observe(Some(&deployment(1)), Some(&answer), None, "2026-01-01T00:00:00Z");
        let recording = get(&status, "Recording");
        assert_eq!((recording.status.as_str(), recording.reason.as_str()), ("False", "StreamStalled"));
        let degraded = get(&status, "Degraded");
        assert_eq!((degraded.status.as_str(), degraded.reason.as_str()), ("True", "StreamStalled"));
        assert!(degraded.message.contains("restart the camera"));
    }

    #[test]
    fn an_unreadable_recorder_is_unknown_not_guessed() {
        let answer = Err("connection refused".to_owned());
        let status = observe(Some(&deployment(1)), Some(&answer), None, "2026-01-01T00:00:00Z");
        assert_eq!(get(&status, "Recording").status, "Unknown");
        let status = observe(Some(&deployment(0)), Some(&answer), None, "2026-01-01T00:00:00Z");
        let recording = get(&status, "Recording");
        assert_eq!((recording.status.as_str(), recording.reason.as_str()), ("False", "RecorderNotReady"));
        assert_eq!(get(&status, "Ready").reason, "RecorderUnavailable");
    }

    #[test]
    fn transition_times_survive_refreshes_and_move_on_flips() {
        let recording = Ok(recorder_status(true, None));
        let first = observe(Some(&deployment(1)), Some(&recording), None, "2026-01-01T00:00:00Z");
        let later = observe(Some(&deployment(1)), Some(&recording), Some(&first), "2026-01-01T00:10:00Z");
        assert_eq!(first, later, "nothing changed, so the status (and its patch) is identical: no write, no hot loop");
        let stalled = Ok(recorder_status(false, None));
        let flipped = observe(Some(&deployment(1)), Some(&stalled), Some(&later), "2026-01-01T00:20:00Z");
        assert_eq!(get(&flipped, "Recording").last_transition_time, Time(ts("2026-01-01T00:20:00Z")));
        assert_eq!(get(&flipped, "Ready").last_transition_time, Time(ts("2026-01-01T00:00:00Z")));
    }

    #[test]
    fn a_problem_with_the_camera_is_degraded_with_its_message() {
        let problem = Problem { reason: Reason::SecretNotFound, message: "Secret 'x' not found".into() };
        let status = compute(&Observation {
            generation: Some(1),
            enabled: true,
            problem: Some(&problem),
            deployment: None,
            recorder: None,
            previous: None,
            now: ts("2026-01-01T00:00:00Z"),
        });
        let degraded = get(&status, "Degraded");
        assert_eq!((degraded.status.as_str(), degraded.reason.as_str()), ("True", "SecretNotFound"));
        assert_eq!(get(&status, "Recording").reason, "NotDeployed");
        assert_eq!(get(&status, "Ready").status, "False");
    }

    #[test]
    fn upload_failures_and_mismatches_are_degraded_with_a_fix() {
        let mut failing = recorder_status(true, None);
        failing.storage.reachable = false;
        failing.cameras[0].upload_error = Some(crds::contract::status::Fault {
            kind: FaultKind::BucketNotFound,
            message: "HeadBucket failed: NotFound".into(),
            at: ts("2026-01-01T00:00:00Z"),
        });
        let answer = Ok(failing);
        let status = observe(Some(&deployment(1)), Some(&answer), None, "2026-01-01T00:00:00Z");
        let degraded = get(&status, "Degraded");
        assert_eq!(degraded.reason, "UploadFailing");
        assert!(
            degraded.message.contains("bucket 'camera-recordings' does not exist")
                && degraded.message.contains("spec.bucket")
        );

        let mut mismatch = recorder_status(true, None);
        mismatch.cameras[0].stream_mismatch = Some("resolution is 640x360, expected 1920x1080".into());
        let answer = Ok(mismatch);
        let status = observe(Some(&deployment(1)), Some(&answer), None, "2026-01-01T00:00:00Z");
        assert_eq!(get(&status, "Degraded").reason, "StreamMismatch");
        assert_eq!(get(&status, "Recording").status, "True", "a mismatch is still recorded");
    }

    #[test]
    fn a_disabled_camera_says_so() {
        let status = compute(&Observation {
            generation: Some(2),
            enabled: false,
            problem: None,
            deployment: Some(&DeploymentStatus::default()),
            recorder: None,
            previous: None,
            now: ts("2026-01-01T00:00:00Z"),
        });
        assert_eq!(get(&status, "Ready").reason, "Disabled");
        assert_eq!(get(&status, "Recording").reason, "Disabled");
        assert_eq!(get(&status, "Degraded").status, "False");
    }
}
