//! Moves one camera's finished segments from the spool to S3: oldest first, retried forever.

use crate::backoff::{Backoff, jitter};
use crate::probe::{self, ProbeError};
use crate::redact::Redactor;
use crate::spool::{CameraSpool, Pending, SegmentMedia};
use crate::telemetry::{Board, CameraReport, DropReason};
use crate::upload::{SegmentFile, Uploader};
use crds::contract::status::FaultKind;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

pub struct Delivery {
    pub spool: Arc<CameraSpool>,
    pub uploader: Uploader,
    pub report: Arc<CameraReport>,
    pub board: Arc<Board>,
    pub ffprobe: PathBuf,
    pub redactor: Arc<Redactor>,
}

impl Delivery {
    /// Uploads until the spool is empty after `drain` is cancelled. The caller bounds the drain with the
    /// shutdown grace period; whatever is left then stays in the spool for the next start.
    pub async fn run(self, drain: CancellationToken) {
        // Failures back off from 1 s to 30 s; only a success resets the sequence.
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30), Duration::MAX);
        while let Some(pending) = self.spool.next(&drain).await {
            let Some(media) = self.media_of(&pending).await else { continue };
            let started = Instant::now();
            let segment =
                SegmentFile { camera: &self.spool.camera, path: &pending.path, start: pending.start, media: &media };
            match self.uploader.upload(&segment).await {
                Ok(uploaded) => {
                    if let Err(e) = self.spool.complete(&pending) {
                        error!(camera = %self.spool.camera, path = %pending.path.display(), error = %e, "uploaded, but cannot delete the local copy");
                    }
                    self.report.upload_succeeded(uploaded.bytes, started.elapsed());
                    self.board.storage_ok();
                    backoff.reset();
                    info!(camera = %self.spool.camera, key = uploaded.key, bytes = uploaded.bytes, "uploaded");
                }
                Err(failure) => {
                    self.spool.release();
                    if !pending.path.exists() {
                        warn!(camera = %self.spool.camera, path = %pending.path.display(), "segment vanished from the spool before upload");
                        self.spool.forget(&pending);
                        continue;
                    }
                    let delay = backoff.next_delay(Duration::ZERO, jitter());
                    warn!(
                        camera = %self.spool.camera,
                        reason = failure.kind.as_str(),
                        "upload failed, retrying in {:.1}s: {}",
                        delay.as_secs_f64(),
                        failure.message
                    );
                    self.report.upload_failed(failure.kind, failure.message.clone());
                    if failure.kind != FaultKind::UploadVerifyFailed {
                        self.board.storage_failed(failure.kind, failure.message);
                    }
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// `false` only on the definite verdict that the file has no complete fragment; a read or parse problem
    /// keeps the file (it is uploaded, and playback judges it), since only certainty may delete footage.
    async fn holds_frames(&self, pending: &Pending) -> bool {
        let path = pending.path.clone();
        !matches!(tokio::task::spawn_blocking(move || fmp4::index::has_fragments(&path)).await, Ok(Ok(Ok(false))))
    }

    /// The facts for the object's metadata. A leftover segment (crash, kill) is probed; one that holds no
    /// video is not footage (FFmpeg died before writing a frame) and is removed.
    async fn media_of(&self, pending: &Pending) -> Option<SegmentMedia> {
        if let Some(media) = &pending.media {
            return Some(media.clone());
        }
        if !pending.path.exists() {
            self.spool.forget(pending);
            return None;
        }
        let unplayable = match probe::file(&self.ffprobe, &pending.path, &self.redactor).await {
            Ok(stream) if stream.video.is_some() && self.holds_frames(pending).await => {
                let duration_secs = stream.duration_secs.unwrap_or(0.0);
                return Some(SegmentMedia { start: pending.start, duration_secs, stream });
            }
            Ok(stream) if stream.video.is_some() => "holds an init section but no frame".to_owned(),
            Ok(_) => "holds no video".to_owned(),
            Err(ProbeError::Failed(tail)) => tail.joined(),
            Err(e) => {
                // ffprobe itself is the problem, not the file: upload it rather than risk deleting footage.
                warn!(camera = %self.spool.camera, path = %pending.path.display(), "cannot probe a leftover segment, uploading it without stream facts: {e}");
                return Some(SegmentMedia { start: pending.start, duration_secs: 0.0, stream: Default::default() });
            }
        };
        let size = std::fs::metadata(&pending.path).map(|m| m.len()).unwrap_or(0);
        warn!(camera = %self.spool.camera, path = %pending.path.display(), size, "removing a leftover segment that is not playable: {unplayable}");
        self.report.segment_dropped(
            DropReason::Unplayable,
            format!("leftover {} ({size} bytes): {unplayable}", pending.path.display()),
        );
        if let Err(e) = self.spool.complete(pending) {
            error!(camera = %self.spool.camera, error = %e, "cannot remove an unplayable leftover");
        }
        None
    }
}
