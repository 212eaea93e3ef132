//! Moves one camera's finished segments from the spool to S3: oldest first, retried forever.

use crate::backoff::{Backoff, jitter};
use crate::probe::{self, MediaInfo, ProbeError};
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

    /// The facts for the object's metadata. A leftover segment (crash, kill) is judged by ffprobe and by the
    /// fragment parser; it is removed only on a definite verdict that it holds no footage (see [`judge`]).
    async fn media_of(&self, pending: &Pending) -> Option<SegmentMedia> {
        if let Some(media) = &pending.media {
            return Some(media.clone());
        }
        if !pending.path.exists() {
            self.spool.forget(pending);
            return None;
        }
        let probed = probe::file(&self.ffprobe, &pending.path, &self.redactor).await;
        let path = pending.path.clone();
        let frames = match tokio::task::spawn_blocking(move || fmp4::index::footage_in_file(&path)).await {
            Ok(Ok(verdict)) => verdict.map_err(|e| e.to_string()),
            Ok(Err(io)) => Err(io.to_string()),
            Err(join) => Err(join.to_string()),
        };
        let unplayable = match judge(pending.start, probed, frames) {
            Judged::Upload(media, doubt) => {
                if let Some(doubt) = doubt {
                    warn!(camera = %self.spool.camera, path = %pending.path.display(), "uploading a leftover segment with what is known of it: {doubt}");
                }
                return Some(media);
            }
            Judged::Remove(why) => why,
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

/// What becomes of a leftover segment.
#[derive(Debug, PartialEq)]
enum Judged {
    /// Upload it with these facts; the text says what could not be checked, if anything.
    Upload(SegmentMedia, Option<String>),
    /// Remove it: it certainly holds no footage, for this reason.
    Remove(String),
}

/// Decides about a leftover from ffprobe's answer and the fragment parser's (`Ok(Some(seconds))` of footage,
/// `Ok(None)` for "no complete fragment", `Err` when it could not tell). Footage is deleted only on a
/// definite verdict: ffprobe ran and found no video, or the parser read an init section and no frame. ffprobe
/// killed, timing out, missing or failing is no verdict on the file.
fn judge(start: jiff::Timestamp, probed: Result<MediaInfo, ProbeError>, frames: Result<Option<f64>, String>) -> Judged {
    let upload = |duration_secs: f64, stream: MediaInfo, doubt: Option<String>| {
        Judged::Upload(SegmentMedia { start, duration_secs, stream }, doubt)
    };
    match (probed, frames) {
        (_, Ok(None)) => Judged::Remove("holds an init section but no frame".into()),
        (Ok(stream), _) if stream.video.is_none() => Judged::Remove("holds no video".into()),
        (Ok(stream), frames) => {
            let duration = stream.duration_secs.or(frames.ok().flatten()).unwrap_or(0.0);
            upload(duration, stream, None)
        }
        (Err(probe), Ok(Some(seconds))) => {
            upload(seconds, MediaInfo::default(), Some(format!("{probe}; the fragments hold {seconds:.1} s")))
        }
        (Err(probe), Err(parse)) => {
            upload(0.0, MediaInfo::default(), Some(format!("{probe}; and the fragments could not be read: {parse}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffmpeg::LogTail;
    use crate::probe::VideoInfo;

    fn video(duration: Option<f64>) -> MediaInfo {
        MediaInfo {
            video: Some(VideoInfo { codec: "h264".into(), width: 640, height: 360, fps: Some(15.0) }),
            audio_codec: None,
            duration_secs: duration,
        }
    }

    fn removed(judged: &Judged) -> bool {
        matches!(judged, Judged::Remove(_))
    }

    #[test]
    fn only_a_definite_verdict_removes_a_leftover() {
        let start = jiff::Timestamp::UNIX_EPOCH;
        let killed = || Err(ProbeError::Failed(LogTail::new(4)));
        // ffprobe killed, timing out or missing says nothing about the file: upload what the parser found.
        assert_eq!(
            judge(start, killed(), Ok(Some(8.0))),
            Judged::Upload(
                SegmentMedia { start, duration_secs: 8.0, stream: MediaInfo::default() },
                Some("ffprobe failed: ; the fragments hold 8.0 s".into())
            )
        );
        assert!(!removed(&judge(start, Err(ProbeError::Timeout(std::time::Duration::from_secs(30))), Ok(Some(8.0)))));
        assert!(!removed(&judge(start, Err(ProbeError::Spawn("not found".into())), Err("not fMP4".into()))));
        assert!(
            !removed(&judge(start, killed(), Err("truncated moof".into()))),
            "no verdict from either: keep the footage"
        );
        // Definite verdicts.
        assert!(removed(&judge(start, killed(), Ok(None))), "an init section and no frame");
        assert!(removed(&judge(start, Ok(video(Some(0.0))), Ok(None))));
        assert!(
            removed(&judge(start, Ok(MediaInfo::default()), Err("no video track".into()))),
            "ffprobe ran and found no video"
        );
        // A healthy leftover keeps ffprobe's facts.
        assert_eq!(
            judge(start, Ok(video(Some(7.9))), Ok(Some(8.0))),
            Judged::Upload(SegmentMedia { start, duration_secs: 7.9, stream: video(Some(7.9)) }, None)
        );
    }
}
