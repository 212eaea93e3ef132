//! What the recorder reports: `/status`, `/ready` and `/metrics` all read from here.
//!
//! Every event updates the status document and the metrics in one call, so the two cannot disagree.
//! Messages arrive here already redacted.

pub mod metrics;

use crate::config::{CameraConfig, Config};
use crate::ffmpeg::AudioPlan;
use crate::probe::MediaInfo;
use crate::retention::PassReport;
use crate::storage::StorageError;
use crds::contract::env::format_retention;
use crds::contract::status::{
    CameraState, CameraStatus, Counters, Expected, Fault, FaultKind, RecorderStatus, RetentionPass, RetentionStatus,
    SegmentSummary, SpoolBacklog, StorageStatus, StreamInfo,
};
use jiff::Timestamp;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use metrics::Metrics;

/// The whole recorder's report: storage, and one [`CameraReport`] per configured camera.
pub struct Board {
    started_at: Timestamp,
    pod: Option<String>,
    stall_timeout: Duration,
    metrics: Metrics,
    storage: Mutex<StorageStatus>,
    cameras: Vec<Arc<CameraReport>>,
}

impl Board {
    pub fn new(config: &Config) -> Arc<Board> {
        let metrics = Metrics::new();
        metrics.spool_max_bytes.set(config.recording.spool_max_bytes as f64);
        let cameras = config
            .cameras
            .iter()
            .map(|camera| {
                Arc::new(CameraReport::new(
                    camera,
                    config.recording.segment_duration,
                    config.retention.dry_run,
                    metrics.clone(),
                ))
            })
            .collect();
        Arc::new(Board {
            started_at: Timestamp::now(),
            pod: std::env::var(crds::contract::env::POD_NAME).ok().filter(|p| !p.is_empty()),
            stall_timeout: config.recording.stall_timeout,
            storage: Mutex::new(StorageStatus {
                bucket: config.storage.bucket.clone(),
                endpoint: config.storage.endpoint.clone(),
                reachable: false,
                last_error: None,
                spool_bytes: 0,
                spool_max_bytes: config.recording.spool_max_bytes,
            }),
            metrics,
            cameras,
        })
    }

    pub fn camera(&self, id: &str) -> Option<Arc<CameraReport>> {
        self.cameras.iter().find(|c| c.id == id).cloned()
    }

    pub fn storage_ok(&self) {
        let mut storage = lock(&self.storage);
        storage.reachable = true;
        self.metrics.storage_reachable.set(1.0);
    }

    pub fn storage_failed(&self, kind: FaultKind, message: String) {
        let mut storage = lock(&self.storage);
        storage.reachable = false;
        storage.last_error = Some(Fault { kind, message, at: Timestamp::now() });
        self.metrics.storage_reachable.set(0.0);
    }

    pub fn spool_total(&self, bytes: u64) {
        lock(&self.storage).spool_bytes = bytes;
    }

    pub fn snapshot(&self, now: Timestamp) -> RecorderStatus {
        let cameras: Vec<CameraStatus> = self.cameras.iter().map(|c| c.snapshot(now, self.stall_timeout)).collect();
        let storage = lock(&self.storage).clone();
        let ready =
            storage.reachable && cameras.iter().filter(|c| c.state != CameraState::Disabled).all(|c| c.recording);
        RecorderStatus { ready, started_at: self.started_at, pod: self.pod.clone(), storage, cameras }
    }

    /// The metrics text. Freshness-based gauges are brought up to date first.
    pub fn render_metrics(&self, now: Timestamp) -> String {
        for camera in &self.cameras {
            let status = camera.status();
            if status.state != CameraState::Disabled {
                let recording = is_recording(&status, now, self.stall_timeout);
                self.metrics.recording_active.with_label_values(&[&camera.id]).set(i64::from(recording));
            }
        }
        self.metrics.render()
    }
}

/// Why a segment left the spool without being uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// The spool reached its bound; the oldest finished segment made room.
    SpoolFull,
    /// A leftover from a crash that holds no playable video (FFmpeg died before its first frame).
    Unplayable,
}

impl DropReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::SpoolFull => "spool_full",
            DropReason::Unplayable => "unplayable",
        }
    }
}

/// One camera's part of the report.
pub struct CameraReport {
    pub id: String,
    metrics: Metrics,
    status: Mutex<CameraStatus>,
}

impl CameraReport {
    fn new(camera: &CameraConfig, segment_duration: Duration, dry_run: bool, metrics: Metrics) -> CameraReport {
        let id = camera.id.clone();
        metrics.segment_target_duration.with_label_values(&[&id]).set(segment_duration.as_secs_f64());
        // Create the per-camera series now, so they read 0 rather than being absent until the first event.
        for family in [&metrics.segments_recorded, &metrics.segments_uploaded, &metrics.uploaded_bytes] {
            family.with_label_values(&[&id]).reset();
        }
        // Every known reason too: an alert on increase() needs the series to exist before the first failure.
        for kind in FaultKind::CAPTURE {
            metrics.ffmpeg_restarts.with_label_values(&[&id, kind.as_str()]).reset();
        }
        for kind in FaultKind::STORAGE {
            metrics.upload_failures.with_label_values(&[&id, kind.as_str()]).reset();
        }
        for reason in [DropReason::SpoolFull, DropReason::Unplayable] {
            metrics.segments_dropped.with_label_values(&[&id, reason.as_str()]).reset();
        }
        metrics.spool_segments.with_label_values(&[&id]).set(0);
        metrics.spool_bytes.with_label_values(&[&id]).set(0);
        // A disabled camera has no recording_active series: 0 would read as "should record, does not"
        // and page someone through the CameraNotRecording alert.
        if camera.enabled {
            metrics.recording_active.with_label_values(&[&id]).set(0);
        }
        let _ = metrics.upload_duration.with_label_values(&[&id]);
        // Retention series exist only for cameras with a retention: the others never delete anything.
        if let Some(retention) = camera.retention {
            metrics.retention.with_label_values(&[&id]).set(retention.as_secs_f64());
            for family in
                [&metrics.retention_deleted_objects, &metrics.retention_deleted_bytes, &metrics.retention_passes]
            {
                family.with_label_values(&[&id]).reset();
            }
            for kind in FaultKind::RETENTION {
                metrics.retention_failures.with_label_values(&[&id, kind.as_str()]).reset();
            }
            metrics.retention_held_segments.with_label_values(&[&id]).set(0);
        }
        let status = CameraStatus {
            id: id.clone(),
            name: camera.name.clone(),
            state: if camera.enabled { CameraState::Connecting } else { CameraState::Disabled },
            recording: false,
            last_data_at: None,
            last_segment: None,
            last_upload_at: None,
            counters: Counters::default(),
            spool: SpoolBacklog::default(),
            stream: None,
            expected: Expected {
                width: camera.expected_resolution.map(|(w, _)| w),
                height: camera.expected_resolution.map(|(_, h)| h),
                fps: camera.expected_fps,
            },
            stream_mismatch: None,
            capture_error: None,
            upload_error: None,
            last_error: None,
            retention: RetentionStatus {
                retention: camera.retention.map(format_retention),
                dry_run: camera.retention.is_some() && dry_run,
                ..RetentionStatus::default()
            },
        };
        CameraReport { id, metrics, status: Mutex::new(status) }
    }

    fn status(&self) -> MutexGuard<'_, CameraStatus> {
        lock(&self.status)
    }

    pub fn connecting(&self) {
        self.status().state = CameraState::Connecting;
    }

    /// The camera was probed: report what it really sends, and any mismatch with what was expected.
    pub fn probed(&self, media: &MediaInfo, audio: AudioPlan) -> Option<String> {
        let mut status = self.status();
        let video = media.video.as_ref()?;
        status.stream = Some(StreamInfo {
            video_codec: video.codec.clone(),
            width: video.width,
            height: video.height,
            fps: video.fps,
            audio_codec: media.audio_codec.clone(),
            audio_handling: media.audio_codec.as_ref().map(|_| audio.describe().unwrap_or("dropped").to_owned()),
        });
        status.stream_mismatch = stream_mismatch(&status.expected, status.stream.as_ref()?);
        status.stream_mismatch.clone()
    }

    /// FFmpeg wrote more frames.
    pub fn data_flowing(&self) {
        let mut status = self.status();
        status.last_data_at = Some(Timestamp::now());
        if status.state != CameraState::Stopping {
            status.state = CameraState::Recording;
        }
        status.capture_error = None;
    }

    /// A recording run ended other than by shutdown. FFmpeg will be restarted.
    pub fn capture_failed(&self, kind: FaultKind, message: String) {
        self.metrics.ffmpeg_restarts.with_label_values(&[&self.id, kind.as_str()]).inc();
        let mut status = self.status();
        let fault = Fault { kind, message, at: Timestamp::now() };
        status.state = CameraState::Backoff;
        status.counters.ffmpeg_restarts += 1;
        status.capture_error = Some(fault.clone());
        status.last_error = Some(fault);
    }

    pub fn stopping(&self) {
        self.status().state = CameraState::Stopping;
    }

    pub fn segment_recorded(&self, start: Timestamp, duration_secs: f64) {
        self.metrics.segments_recorded.with_label_values(&[&self.id]).inc();
        self.metrics.last_segment_start.with_label_values(&[&self.id]).set(start.as_millisecond() as f64 / 1000.0);
        let end = start.checked_add(Duration::from_secs_f64(duration_secs.max(0.0))).unwrap_or(start);
        let mut status = self.status();
        status.counters.segments_recorded += 1;
        status.last_segment = Some(SegmentSummary { start, end });
    }

    pub fn upload_succeeded(&self, bytes: u64, took: Duration) {
        let now = Timestamp::now();
        self.metrics.segments_uploaded.with_label_values(&[&self.id]).inc();
        self.metrics.uploaded_bytes.with_label_values(&[&self.id]).inc_by(bytes);
        self.metrics.upload_duration.with_label_values(&[&self.id]).observe(took.as_secs_f64());
        self.metrics.last_upload.with_label_values(&[&self.id]).set(now.as_millisecond() as f64 / 1000.0);
        let mut status = self.status();
        status.counters.segments_uploaded += 1;
        status.counters.bytes_uploaded += bytes;
        status.last_upload_at = Some(now);
        status.upload_error = None;
    }

    pub fn upload_failed(&self, kind: FaultKind, message: String) {
        self.metrics.upload_failures.with_label_values(&[&self.id, kind.as_str()]).inc();
        let mut status = self.status();
        let fault = Fault { kind, message, at: Timestamp::now() };
        status.counters.upload_failures += 1;
        status.upload_error = Some(fault.clone());
        status.last_error = Some(fault);
    }

    pub fn segment_dropped(&self, reason: DropReason, message: String) {
        self.metrics.segments_dropped.with_label_values(&[&self.id, reason.as_str()]).inc();
        let mut status = self.status();
        status.counters.segments_dropped += 1;
        if reason == DropReason::SpoolFull {
            status.last_error = Some(Fault { kind: FaultKind::SpoolFull, message, at: Timestamp::now() });
        }
    }

    pub fn spool_backlog(&self, segments: u64, bytes: u64) {
        self.metrics.spool_segments.with_label_values(&[&self.id]).set(segments as i64);
        self.metrics.spool_bytes.with_label_values(&[&self.id]).set(bytes as i64);
        self.status().spool = SpoolBacklog { segments, bytes };
    }

    pub fn retention_next_pass(&self, at: Timestamp) {
        self.status().retention.next_pass_at = Some(at);
    }

    /// A retention pass over this camera ended, with `error` if it failed. Counts what it deleted either way.
    pub fn retention_pass(&self, report: &PassReport, error: Option<&StorageError>, finished: Timestamp) {
        let id = &self.id;
        if !report.dry_run {
            self.metrics.retention_deleted_objects.with_label_values(&[id]).inc_by(report.deleted_objects);
            self.metrics.retention_deleted_bytes.with_label_values(&[id]).inc_by(report.deleted_bytes);
        }
        let mut status = self.status();
        match error {
            None => {
                self.metrics.retention_passes.with_label_values(&[id]).inc();
                let seconds = |t: Timestamp| t.as_millisecond() as f64 / 1000.0;
                self.metrics.retention_last_success.with_label_values(&[id]).set(seconds(finished));
                self.metrics.retention_held_segments.with_label_values(&[id]).set(report.held_segments as i64);
                match report.oldest_kept {
                    Some(oldest) => self.metrics.retention_oldest_footage.with_label_values(&[id]).set(seconds(oldest)),
                    None => {
                        let _ = self.metrics.retention_oldest_footage.remove_label_values(&[id]);
                    }
                }
                status.retention.last_success_at = Some(finished);
                status.retention.oldest_footage = report.oldest_kept;
            }
            Some(e) => {
                self.metrics.retention_failures.with_label_values(&[id, e.kind.as_str()]).inc();
            }
        }
        status.retention.last_pass = Some(RetentionPass {
            started_at: report.started_at,
            finished_at: finished,
            cutoff: report.cutoff,
            ok: error.is_none(),
            dry_run: report.dry_run,
            deleted_objects: report.deleted_objects,
            deleted_bytes: report.deleted_bytes,
            held_segments: report.held_segments,
            holds: report.holds,
            aborted_uploads: report.aborted_uploads,
            requests: report.requests.total(),
            error: error.map(|e| Fault { kind: e.kind, message: e.message.clone(), at: finished }),
        });
    }

    pub fn snapshot(&self, now: Timestamp, stall_timeout: Duration) -> CameraStatus {
        let mut status = self.status().clone();
        status.recording = is_recording(&status, now, stall_timeout);
        status
    }
}

/// Recording means FFmpeg is running and produced a frame within the stall window.
fn is_recording(status: &CameraStatus, now: Timestamp, stall_timeout: Duration) -> bool {
    let fresh = |at: Timestamp| now.duration_since(at).unsigned_abs() <= stall_timeout;
    status.state == CameraState::Recording && status.last_data_at.is_some_and(fresh)
}

/// Resolution and frame rate are expectations: a difference is reported, never treated as a failure.
pub fn stream_mismatch(expected: &Expected, actual: &StreamInfo) -> Option<String> {
    let mut problems = Vec::new();
    if let (Some(w), Some(h)) = (expected.width, expected.height)
        && (w, h) != (actual.width, actual.height)
    {
        problems.push(format!("resolution is {}x{}, expected {w}x{h}", actual.width, actual.height));
    }
    if let (Some(expected_fps), Some(fps)) = (expected.fps, actual.fps)
        && (fps - f64::from(expected_fps)).abs() > 0.5
    {
        problems.push(format!("frame rate is {fps}, expected {expected_fps}"));
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// A poisoned lock only means another thread panicked mid-update of a report; the data is still the best
/// we have, so keep serving it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(width: u32, height: u32, fps: f64) -> StreamInfo {
        StreamInfo {
            video_codec: "h264".into(),
            width,
            height,
            fps: Some(fps),
            audio_codec: None,
            audio_handling: None,
        }
    }

    #[test]
    fn a_disabled_camera_exports_no_recording_gauge_to_alert_on() {
        let env: std::collections::HashMap<String, String> = [
            ("CAMERA_1_URL", "rtsp://cam1/s"),
            ("CAMERA_1_ID", "porch"),
            ("CAMERA_2_URL", "rtsp://cam2/s"),
            ("CAMERA_2_ID", "attic"),
            ("CAMERA_2_ENABLED", "false"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let board = Board::new(&crate::config::load(None, &env).unwrap());
        let text = board.render_metrics(Timestamp::now());
        assert!(text.contains("camera_recorder_recording_active{camera=\"porch\"} 0"), "{text}");
        assert!(!text.contains("camera_recorder_recording_active{camera=\"attic\"}"), "{text}");
    }

    #[test]
    fn a_stream_mismatch_names_what_differs() {
        let expected = Expected { width: Some(1920), height: Some(1080), fps: Some(15) };
        assert_eq!(stream_mismatch(&expected, &stream(1920, 1080, 15.0)), None);
        assert_eq!(
            stream_mismatch(&expected, &stream(1280, 720, 25.0)).unwrap(),
            "resolution is 1280x720, expected 1920x1080; frame rate is 25, expected 15"
        );
        assert_eq!(stream_mismatch(&Expected::default(), &stream(640, 480, 5.0)), None);
    }
}
