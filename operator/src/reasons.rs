//! Condition reasons. Each names something the user can act on; the README's conditions table and the ArgoCD
//! health check use these exact words.

use crds::contract::status::FaultKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    // Degraded: the Camera or what it references is wrong.
    SecretNotFound,
    SecretKeyMissing,
    InvalidCameraURL,
    InvalidBucketName,
    InvalidSpec,
    // Degraded: the recorder reports a problem.
    CameraUnreachable,
    CameraAuthFailed,
    StreamStalled,
    UploadFailing,
    StreamMismatch,
    AsExpected,
    // Ready.
    RecorderAvailable,
    RecorderUnavailable,
    RecorderPending,
    Disabled,
    // Recording.
    Recording,
    Connecting,
    RecorderNotReady,
    StatusUnavailable,
    RecorderFailed,
    NotDeployed,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::SecretNotFound => "SecretNotFound",
            Reason::SecretKeyMissing => "SecretKeyMissing",
            Reason::InvalidCameraURL => "InvalidCameraURL",
            Reason::InvalidBucketName => "InvalidBucketName",
            Reason::InvalidSpec => "InvalidSpec",
            Reason::CameraUnreachable => "CameraUnreachable",
            Reason::CameraAuthFailed => "CameraAuthFailed",
            Reason::StreamStalled => "StreamStalled",
            Reason::UploadFailing => "UploadFailing",
            Reason::StreamMismatch => "StreamMismatch",
            Reason::AsExpected => "AsExpected",
            Reason::RecorderAvailable => "RecorderAvailable",
            Reason::RecorderUnavailable => "RecorderUnavailable",
            Reason::RecorderPending => "RecorderPending",
            Reason::Disabled => "Disabled",
            Reason::Recording => "Recording",
            Reason::Connecting => "Connecting",
            Reason::RecorderNotReady => "RecorderNotReady",
            Reason::StatusUnavailable => "StatusUnavailable",
            Reason::RecorderFailed => "RecorderFailed",
            Reason::NotDeployed => "NotDeployed",
        }
    }

    /// The reason for a capture fault the recorder reports.
    pub fn for_capture(kind: FaultKind) -> Reason {
        match kind {
            FaultKind::CameraAuthFailed => Reason::CameraAuthFailed,
            FaultKind::CameraUnreachable => Reason::CameraUnreachable,
            FaultKind::StreamStalled => Reason::StreamStalled,
            _ => Reason::RecorderFailed,
        }
    }
}
