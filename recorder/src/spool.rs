//! The spool: a directory per camera under TEMP_DIR, which is the upload queue and survives restarts.
//!
//! ```text
//! TEMP_DIR/<camera>/20261123T141500Z.mp4   finished, waiting for upload (or being written by FFmpeg)
//! ```
//!
//! A segment enters the queue when FFmpeg lists it as finished, or when it is found in the directory while
//! no FFmpeg runs for that camera (at start-up, and after every run: the segment a crash or a kill left
//! behind). A file leaves the spool only when S3 has confirmed the upload, or when the spool is over its
//! bound and it is the oldest finished segment (see [`SpoolBudget`]).

use crate::probe::MediaInfo;
use crate::segment;
use crate::telemetry::{CameraReport, DropReason};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// A finished segment waiting for upload.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub path: PathBuf,
    pub start: Timestamp,
    /// Known when FFmpeg listed the segment; `None` for a leftover, which is probed before upload.
    pub media: Option<SegmentMedia>,
}

/// Facts about a finished segment that go into the object's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentMedia {
    /// When the footage starts. For a listed segment this comes from FFmpeg's stream time, anchored to the wall
    /// clock once per run (see `supervisor::StreamClock`), so consecutive segments are contiguous; the file name
    /// (FFmpeg's open time, whole seconds) can be a few seconds late for the first segment of a run, whose first
    /// packets FFmpeg buffered while it probed the stream. For a leftover it is the file name's time.
    pub start: Timestamp,
    pub duration_secs: f64,
    pub stream: MediaInfo,
}

#[derive(Default)]
struct Queue {
    /// Keyed by start time, so iteration is oldest first.
    ready: BTreeMap<Timestamp, Pending>,
    /// The segment the uploader is working on; it stays in `ready` until confirmed.
    in_flight: Option<Timestamp>,
}

/// One camera's spool directory and upload queue.
pub struct CameraSpool {
    pub camera: String,
    dir: PathBuf,
    queue: Mutex<Queue>,
    changed: Notify,
    report: Arc<CameraReport>,
}

impl CameraSpool {
    pub fn new(root: &Path, report: Arc<CameraReport>) -> std::io::Result<Arc<CameraSpool>> {
        let dir = root.join(&report.id);
        std::fs::create_dir_all(&dir)?;
        Ok(Arc::new(CameraSpool {
            camera: report.id.clone(),
            dir,
            queue: Mutex::new(Queue::default()),
            changed: Notify::new(),
            report,
        }))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn enqueue(&self, pending: Pending) {
        self.queue().ready.insert(pending.start, pending);
        self.changed.notify_one();
        self.refresh_backlog();
    }

    /// Queues every segment file in the directory that is not queued yet. Call only while no FFmpeg writes
    /// into the directory, or the segment being written would be taken as finished. Returns how many.
    pub fn adopt_leftovers(&self) -> std::io::Result<usize> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let path = entry?.path();
            if let Some(start) = segment::start_from_file_name(&path) {
                found.push(Pending { path, start, media: None });
            }
        }
        let mut queue = self.queue();
        let mut adopted = 0;
        for pending in found {
            if let std::collections::btree_map::Entry::Vacant(slot) = queue.ready.entry(pending.start) {
                slot.insert(pending);
                adopted += 1;
            }
        }
        drop(queue);
        if adopted > 0 {
            self.changed.notify_one();
        }
        self.refresh_backlog();
        Ok(adopted)
    }

    /// The oldest queued segment, marked in flight. Waits while the queue is empty; returns `None` once it is
    /// empty and `drain` is cancelled (shutdown, after FFmpeg has stopped).
    pub async fn next(&self, drain: &CancellationToken) -> Option<Pending> {
        loop {
            let changed = self.changed.notified();
            {
                let mut queue = self.queue();
                if let Some((start, pending)) = queue.ready.iter().next().map(|(s, p)| (*s, p.clone())) {
                    queue.in_flight = Some(start);
                    return Some(pending);
                }
            }
            if drain.is_cancelled() {
                return None;
            }
            tokio::select! {
                () = changed => {}
                () = drain.cancelled() => {}
            }
        }
    }

    /// S3 confirmed the segment: delete the local file.
    pub fn complete(&self, pending: &Pending) -> std::io::Result<()> {
        let result = match std::fs::remove_file(&pending.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
        let mut queue = self.queue();
        queue.ready.remove(&pending.start);
        queue.in_flight = None;
        drop(queue);
        self.refresh_backlog();
        result
    }

    /// The upload failed; the segment stays first in line.
    pub fn release(&self) {
        self.queue().in_flight = None;
    }

    /// Forgets a segment whose file is gone (deleted by hand): there is nothing left to upload.
    pub fn forget(&self, pending: &Pending) {
        let mut queue = self.queue();
        queue.ready.remove(&pending.start);
        queue.in_flight = None;
        drop(queue);
        self.refresh_backlog();
    }

    /// Start time of the oldest queued segment that is not being uploaded.
    fn oldest_droppable(&self) -> Option<Timestamp> {
        let queue = self.queue();
        queue.ready.keys().copied().find(|start| Some(*start) != queue.in_flight)
    }

    /// Deletes the queued segment that started at `start`. Returns its size.
    fn drop_segment(&self, start: Timestamp) -> Option<u64> {
        let pending = self.queue().ready.remove(&start)?;
        let size = std::fs::metadata(&pending.path).map(|m| m.len()).unwrap_or(0);
        if let Err(e) = std::fs::remove_file(&pending.path) {
            tracing::error!(camera = %self.camera, path = %pending.path.display(), error = %e, "cannot delete a segment from the full spool");
        }
        self.refresh_backlog();
        Some(size)
    }

    /// Bytes on disk in this camera's directory, including the segment FFmpeg is writing.
    pub fn disk_bytes(&self) -> u64 {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return 0 };
        entries.filter_map(Result::ok).filter_map(|e| e.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum()
    }

    pub fn queued(&self) -> usize {
        self.queue().ready.len()
    }

    /// Reports the queue length and the bytes on disk; returns the bytes.
    fn refresh_backlog(&self) -> u64 {
        let bytes = self.disk_bytes();
        self.report.spool_backlog(self.queued() as u64, bytes);
        bytes
    }
}

/// Keeps the whole spool (every camera) under its byte bound.
///
/// When the spool is full, the oldest finished segment across all cameras is deleted unuploaded: during a
/// long storage outage the most recent footage is kept, as on a DVR that overwrites its oldest recordings.
/// Every drop is logged as an error and counted in `camera_recorder_segments_dropped_total{reason="spool_full"}`,
/// and the backlog metrics let an alert fire long before it happens.
pub struct SpoolBudget {
    spools: Vec<Arc<CameraSpool>>,
    max_bytes: u64,
}

impl SpoolBudget {
    pub fn new(spools: Vec<Arc<CameraSpool>>, max_bytes: u64) -> Self {
        SpoolBudget { spools, max_bytes }
    }

    /// Drops oldest segments until the spool fits. Returns the spool's size afterwards.
    ///
    /// Every camera's backlog is reported on the way, so its `spool_bytes` follows the segment being written
    /// between queue events too.
    pub fn enforce(&self) -> u64 {
        let mut total: u64 = self.spools.iter().map(|s| s.refresh_backlog()).sum();
        while total > self.max_bytes {
            let oldest = self
                .spools
                .iter()
                .filter_map(|spool| spool.oldest_droppable().map(|start| (start, spool)))
                .min_by_key(|(start, _)| *start);
            let Some((start, spool)) = oldest else {
                tracing::warn!(
                    total,
                    max = self.max_bytes,
                    "spool is over its bound but holds no finished segment to drop"
                );
                break;
            };
            let size = spool.drop_segment(start).unwrap_or(0);
            let message = format!(
                "spool full ({total} of {} bytes): dropped the unuploaded segment that started {start}; \
                 check S3 or raise SPOOL_MAX_BYTES",
                self.max_bytes
            );
            tracing::error!(camera = %spool.camera, "{message}");
            spool.report.segment_dropped(DropReason::SpoolFull, message);
            total = total.saturating_sub(size.max(1));
        }
        total
    }
}
