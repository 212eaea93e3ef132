//! The JSON document the recorder serves on `GET /status`, and the operator reads.
//!
//! Every message in here has already been redacted by the recorder: no URL user-info, no secrets.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecorderStatus {
    /// The same answer `/ready` gives: every enabled camera produced data within the stall window, and S3
    /// accepts uploads.
    pub ready: bool,
    pub started_at: Timestamp,
    /// The pod this recorder runs in, from `POD_NAME`; `None` outside Kubernetes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    pub storage: StorageStatus,
    pub cameras: Vec<CameraStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageStatus {
    pub bucket: String,
    /// Endpoint without credentials; `None` means AWS S3.
    pub endpoint: Option<String>,
    /// Whether the last request to S3 (an upload or the periodic bucket check) succeeded.
    pub reachable: bool,
    pub last_error: Option<Fault>,
    /// Bytes in the spool across every camera, and its configured bound.
    pub spool_bytes: u64,
    pub spool_max_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CameraStatus {
    pub id: String,
    pub name: String,
    pub state: CameraState,
    /// True while FFmpeg has produced data within the stall window.
    pub recording: bool,
    pub last_data_at: Option<Timestamp>,
    pub last_segment: Option<SegmentSummary>,
    pub last_upload_at: Option<Timestamp>,
    pub counters: Counters,
    pub spool: SpoolBacklog,
    /// What the camera actually sends, from the last probe.
    pub stream: Option<StreamInfo>,
    /// What the configuration expects. A mismatch is reported in `streamMismatch`, not treated as a failure.
    pub expected: Expected,
    pub stream_mismatch: Option<String>,
    /// The problem that keeps the camera from recording right now, if any.
    pub capture_error: Option<Fault>,
    /// The problem that keeps this camera's segments from reaching S3 right now, if any.
    pub upload_error: Option<Fault>,
    /// The most recent error of either kind, kept after recovery.
    pub last_error: Option<Fault>,
    /// How long the camera's footage is kept, and what the last retention pass did. Absent from recorders
    /// older than retention, which keep everything.
    #[serde(default)]
    pub retention: RetentionStatus,
}

/// Retention of one camera's footage in the bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionStatus {
    /// `30d`, `12h`; `None`: footage is kept forever and no pass runs.
    #[serde(default)]
    pub retention: Option<String>,
    /// Passes log what they would delete and delete nothing.
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub next_pass_at: Option<Timestamp>,
    /// The last pass, successful or not.
    #[serde(default)]
    pub last_pass: Option<RetentionPass>,
    /// When the last successful pass finished.
    #[serde(default)]
    pub last_success_at: Option<Timestamp>,
    /// Start of the oldest footage kept, as the last successful pass found it.
    #[serde(default)]
    pub oldest_footage: Option<Timestamp>,
}

/// What one retention pass did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionPass {
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    /// Footage that ended before this instant was eligible for deletion.
    pub cutoff: Timestamp,
    pub ok: bool,
    #[serde(default)]
    pub dry_run: bool,
    /// Objects (segments and their companions) deleted; in a dry run, those that would have been.
    pub deleted_objects: u64,
    pub deleted_bytes: u64,
    /// Expired segments kept because a hold covers them.
    pub held_segments: u64,
    /// The holds the pass honoured.
    pub holds: u64,
    /// Incomplete multipart uploads older than a day that were aborted.
    pub aborted_uploads: u64,
    /// S3 requests the pass made.
    pub requests: u64,
    /// Why the pass failed (redacted).
    #[serde(default)]
    pub error: Option<Fault>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CameraState {
    /// Probing the camera or waiting for FFmpeg's first frame.
    Connecting,
    Recording,
    /// The last attempt failed; waiting for the next one.
    Backoff,
    Disabled,
    /// Shutting down: closing the segment and flushing the spool.
    Stopping,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentSummary {
    pub start: Timestamp,
    pub end: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    pub segments_recorded: u64,
    pub segments_uploaded: u64,
    pub bytes_uploaded: u64,
    pub upload_failures: u64,
    pub ffmpeg_restarts: u64,
    /// Segments deleted unuploaded because the spool was full.
    pub segments_dropped: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpoolBacklog {
    pub segments: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamInfo {
    pub video_codec: String,
    pub width: u32,
    pub height: u32,
    pub fps: Option<f64>,
    pub audio_codec: Option<String>,
    /// What the recorder does with the audio: `copy`, `aac` (transcoded), or `dropped`.
    pub audio_handling: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Expected {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fps: Option<u32>,
}

/// A redacted error with a kind the operator turns into a condition reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    pub kind: FaultKind,
    pub message: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FaultKind {
    /// Connection refused, timed out or reset, host unknown, stream not found.
    CameraUnreachable,
    /// The camera answered 401/403 to the credentials in the URL.
    CameraAuthFailed,
    /// The connection stayed open but no data arrived within the stall window.
    StreamStalled,
    /// FFmpeg failed for another reason; the message carries its last (redacted) lines.
    RecorderFailed,
    /// S3 rejected the credentials or the signature.
    StorageAuthFailed,
    /// The bucket does not exist (or its name is invalid).
    BucketNotFound,
    /// S3 could not be reached or answered with a server error.
    StorageUnreachable,
    /// S3 accepted the request but the stored object did not match (size or checksum).
    UploadVerifyFailed,
    /// Another S3 error.
    UploadFailed,
    /// The spool reached its bound and old segments were dropped.
    SpoolFull,
    /// A retention pass could not finish for another reason than the storage's: a hold that cannot be read,
    /// objects S3 refused to delete, another S3 error. Reported in `retention.lastPass.error` only.
    RetentionFailed,
}

impl FaultKind {
    /// Kinds that end a recording run.
    pub const CAPTURE: [FaultKind; 4] = [
        FaultKind::CameraUnreachable,
        FaultKind::CameraAuthFailed,
        FaultKind::StreamStalled,
        FaultKind::RecorderFailed,
    ];
    /// Kinds that fail a retention pass.
    pub const RETENTION: [FaultKind; 4] = [
        FaultKind::StorageAuthFailed,
        FaultKind::BucketNotFound,
        FaultKind::StorageUnreachable,
        FaultKind::RetentionFailed,
    ];
    /// Kinds that fail an upload.
    pub const STORAGE: [FaultKind; 5] = [
        FaultKind::StorageAuthFailed,
        FaultKind::BucketNotFound,
        FaultKind::StorageUnreachable,
        FaultKind::UploadVerifyFailed,
        FaultKind::UploadFailed,
    ];

    /// CamelCase name, the form used in condition reasons and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::CameraUnreachable => "CameraUnreachable",
            FaultKind::CameraAuthFailed => "CameraAuthFailed",
            FaultKind::StreamStalled => "StreamStalled",
            FaultKind::RecorderFailed => "RecorderFailed",
            FaultKind::StorageAuthFailed => "StorageAuthFailed",
            FaultKind::BucketNotFound => "BucketNotFound",
            FaultKind::StorageUnreachable => "StorageUnreachable",
            FaultKind::UploadVerifyFailed => "UploadVerifyFailed",
            FaultKind::UploadFailed => "UploadFailed",
            FaultKind::SpoolFull => "SpoolFull",
            FaultKind::RetentionFailed => "RetentionFailed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_kind_names_match_their_json_form() {
        for kind in
            [FaultKind::CameraAuthFailed, FaultKind::SpoolFull, FaultKind::BucketNotFound, FaultKind::RetentionFailed]
        {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }

    #[test]
    fn a_status_without_retention_reads_as_keep_forever() {
        let camera = serde_json::json!({
            "id": "yard", "name": "yard", "state": "Recording", "recording": true, "lastDataAt": null,
            "lastSegment": null, "lastUploadAt": null, "counters": Counters::default(), "spool": SpoolBacklog::default(),
            "stream": null, "expected": Expected::default(), "streamMismatch": null, "captureError": null,
            "uploadError": null, "lastError": null
        });
        let status: CameraStatus = serde_json::from_value(camera).expect("a recorder without retention");
        assert_eq!(status.retention, RetentionStatus::default());
        assert_eq!(status.retention.retention, None);
    }
}
