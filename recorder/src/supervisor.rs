//! One camera's recording loop: probe the camera, run FFmpeg, watch it, restart it with backoff.
//!
//! Every await is raced against shutdown. A run ends when FFmpeg exits, when no new frame arrived within
//! the stall window (the connection may be open but the camera frozen), or on shutdown, when FFmpeg gets
//! SIGINT so it closes the current segment cleanly. After every run, whatever segment FFmpeg left in the
//! spool directory is queued for upload.

use crate::backoff::{Backoff, jitter};
use crate::config::{CameraConfig, RecordingConfig};
use crate::ffmpeg::{self, AudioPlan, LogTail, ProgressLine, RecordSpec};
use crate::probe::{self, MediaInfo, ProbeError};
use crate::redact::Redactor;
use crate::segment::{self, ListedSegment};
use crate::spool::{CameraSpool, Pending, SegmentMedia};
use crate::telemetry::CameraReport;
use crds::contract::status::FaultKind;
use jiff::Timestamp;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::BufReader;
use tokio::process::{Child, Command};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// How long FFmpeg gets to close its segment after SIGINT before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// A run this long counts as stable: the next failure starts the backoff again from one second.
const STABLE_RUN: Duration = Duration::from_secs(60);

pub struct Supervisor {
    pub camera: CameraConfig,
    pub recording: RecordingConfig,
    pub spool: Arc<CameraSpool>,
    pub report: Arc<CameraReport>,
    pub redactor: Arc<Redactor>,
}

/// Why a run ended.
#[derive(Debug)]
enum RunEnd {
    Shutdown,
    Failed { kind: FaultKind, message: String },
}

impl Supervisor {
    /// Records until `shutdown` is cancelled. Returns once FFmpeg has stopped and its last segment is queued.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut backoff = Backoff::new(Duration::from_secs(1), self.recording.max_backoff, STABLE_RUN);
        while !shutdown.is_cancelled() {
            self.report.connecting();
            let started = Instant::now();
            let end = self.run_once(&shutdown).await;
            self.adopt_leftovers();
            match end {
                RunEnd::Shutdown => break,
                RunEnd::Failed { kind, message } => {
                    warn!(camera = %self.camera.id, reason = kind.as_str(), "recording stopped: {message}");
                    self.report.capture_failed(kind, message);
                }
            }
            let delay = backoff.next_delay(started.elapsed(), jitter());
            info!(camera = %self.camera.id, "reconnecting in {:.1}s", delay.as_secs_f64());
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = shutdown.cancelled() => break,
            }
        }
        self.report.stopping();
    }

    fn adopt_leftovers(&self) {
        match self.spool.adopt_leftovers() {
            Ok(0) => {}
            Ok(n) => info!(camera = %self.camera.id, "queued {n} segment(s) left in the spool"),
            Err(e) => warn!(camera = %self.camera.id, error = %e, "cannot scan the spool directory"),
        }
    }

    async fn run_once(&self, shutdown: &CancellationToken) -> RunEnd {
        let media = tokio::select! {
            probed = self.probe() => match probed {
                Ok(media) => media,
                Err(end) => return end,
            },
            () = shutdown.cancelled() => return RunEnd::Shutdown,
        };
        let audio = AudioPlan::choose(self.camera.audio, media.audio_codec.as_deref());
        if let Some(codec) = &media.audio_codec
            && audio == AudioPlan::None
        {
            warn!(camera = %self.camera.id, codec, "audio dropped: MP4 cannot hold it (set audio = \"auto\" to transcode it to AAC)");
        }
        if let Some(mismatch) = self.report.probed(&media, audio) {
            warn!(camera = %self.camera.id, "stream differs from the configuration: {mismatch}");
        }
        let spec = RecordSpec {
            url: self.camera.url.expose(),
            transport: self.camera.transport,
            audio,
            segment_duration: self.recording.segment_duration,
            output_dir: self.spool.dir(),
        };
        let mut child = match spawn_ffmpeg(&self.recording.ffmpeg, &spec) {
            Ok(child) => child,
            Err(e) => {
                return RunEnd::Failed {
                    kind: FaultKind::RecorderFailed,
                    message: format!("cannot start ffmpeg: {e}"),
                };
            }
        };
        info!(camera = %self.camera.id, url = %self.camera.url, "recording");
        self.watch(&mut child, media, shutdown).await
    }

    /// Probes the camera: what it sends decides the audio handling, and a refusal is reported precisely.
    async fn probe(&self) -> Result<MediaInfo, RunEnd> {
        let timeout = self.recording.stall_timeout.max(Duration::from_secs(10));
        let probed = probe::camera(
            &self.recording.ffprobe,
            self.camera.url.expose(),
            self.camera.transport,
            timeout,
            &self.redactor,
        )
        .await;
        let failed = |kind, message| Err(RunEnd::Failed { kind, message });
        match probed {
            Ok(media) if media.video.is_some() => Ok(media),
            Ok(_) => failed(FaultKind::RecorderFailed, "the camera sends no video stream; check the URL's path".into()),
            Err(ProbeError::Timeout(t)) => {
                failed(FaultKind::CameraUnreachable, format!("the camera did not answer within {}s", t.as_secs()))
            }
            Err(ProbeError::Failed(tail)) => failed(ffmpeg::classify_failure(tail.lines()), tail.joined()),
            Err(ProbeError::Spawn(e)) => failed(FaultKind::RecorderFailed, format!("cannot run ffprobe: {e}")),
        }
    }

    /// Reads FFmpeg's output until it exits, stalls, or shutdown asks it to stop.
    async fn watch(&self, child: &mut Child, media: MediaInfo, shutdown: &CancellationToken) -> RunEnd {
        let tail = Arc::new(Mutex::new(LogTail::new(12)));
        let last_frame_at = Arc::new(Mutex::new(Instant::now()));
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let segments = tokio::spawn(read_segment_list(stdout, self.spool.clone(), self.report.clone(), media));
        let progress = tokio::spawn(read_progress(
            stderr,
            self.report.clone(),
            self.redactor.clone(),
            tail.clone(),
            last_frame_at.clone(),
        ));

        let stall_timeout = self.recording.stall_timeout;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let end = loop {
            tokio::select! {
                status = child.wait() => break exit_to_end(status, &tail.lock().unwrap_or_else(|p| p.into_inner())),
                () = shutdown.cancelled() => {
                    self.report.stopping();
                    stop_gracefully(child).await;
                    break RunEnd::Shutdown;
                }
                _ = tick.tick() => {
                    let idle = last_frame_at.lock().unwrap_or_else(|p| p.into_inner()).elapsed();
                    if idle > stall_timeout {
                        let _ = child.kill().await;
                        break RunEnd::Failed {
                            kind: FaultKind::StreamStalled,
                            message: format!("no new frame for {}s; restarting FFmpeg", idle.as_secs()),
                        };
                    }
                }
            }
        };
        // FFmpeg has exited: its pipes close, so the readers finish. The segment list must be read to the
        // end before the spool is scanned, so the last segment is queued with its known facts.
        let _ = tokio::time::timeout(Duration::from_secs(5), segments).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), progress).await;
        end
    }
}

fn spawn_ffmpeg(ffmpeg: &std::path::Path, spec: &RecordSpec) -> std::io::Result<Child> {
    let mut command = Command::new(ffmpeg);
    command
        .args(ffmpeg::record_args(spec))
        // -strftime names segments in local time; UTC keeps names and keys in UTC.
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        // Its own process group: a terminal's Ctrl-C reaches the recorder only, which stops FFmpeg in order.
        .process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe and touches only the child's own state between fork and exec.
    unsafe {
        // If the recorder dies (SIGKILL, OOM), FFmpeg dies with it instead of writing into the spool
        // alongside the next recorder.
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.spawn()
}

/// SIGINT makes FFmpeg finish the segment (trailer and segment-list line) and exit; kill it if it hangs.
async fn stop_gracefully(child: &mut Child) {
    if let Some(pid) = child.id() {
        // SAFETY: sending a signal to our own child's pid, which has not been reaped yet.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGINT);
        }
    }
    if tokio::time::timeout(STOP_TIMEOUT, child.wait()).await.is_err() {
        warn!("ffmpeg did not stop within {}s after SIGINT; killing it", STOP_TIMEOUT.as_secs());
        let _ = child.kill().await;
    }
}

fn exit_to_end(status: std::io::Result<ExitStatus>, tail: &LogTail) -> RunEnd {
    let context = if tail.is_empty() { String::new() } else { format!(": {}", tail.joined()) };
    match status {
        Ok(status) if status.success() => RunEnd::Failed {
            kind: FaultKind::CameraUnreachable,
            message: format!("the camera ended the stream{context}"),
        },
        Ok(status) => RunEnd::Failed {
            kind: ffmpeg::classify_failure(tail.lines()),
            message: format!("ffmpeg exited with {status}{context}"),
        },
        Err(e) => RunEnd::Failed { kind: FaultKind::RecorderFailed, message: format!("cannot wait for ffmpeg: {e}") },
    }
}

/// FFmpeg's stdout: one CSV line per finished segment. Each is queued for upload straight away.
async fn read_segment_list(
    stdout: tokio::process::ChildStdout,
    spool: Arc<CameraSpool>,
    report: Arc<CameraReport>,
    media: MediaInfo,
) {
    let mut stdout = BufReader::new(stdout);
    let mut clock = StreamClock::default();
    let mut buffer = Vec::new();
    while let Some(line) = ffmpeg::next_line_lossy(&mut stdout, &mut buffer).await {
        let Some(listed) = ListedSegment::parse(&line) else {
            warn!(camera = %spool.camera, "unexpected segment list line: {line}");
            continue;
        };
        let path = listed.path_in(spool.dir());
        let Some(start) = segment::start_from_file_name(&path) else {
            warn!(camera = %spool.camera, file = listed.file_name, "segment name has no start time; it will be queued by the spool scan");
            continue;
        };
        let duration_secs = listed.duration_secs();
        clock.observe(Timestamp::now(), listed.end_secs);
        let footage_start = clock.wall_time(listed.start_secs).unwrap_or(start);
        report.segment_recorded(footage_start, duration_secs);
        info!(camera = %spool.camera, file = listed.file_name, duration = format!("{duration_secs:.3}"), "segment finished");
        let media = SegmentMedia { start: footage_start, duration_secs, stream: media.clone() };
        spool.enqueue(Pending { path, start, media: Some(media) });
    }
}

/// Maps one FFmpeg run's stream time to wall-clock time.
///
/// The segment list gives each segment's start and end in stream time, cumulative over the run, so the
/// segments of a run tile exactly. FFmpeg lists a segment the moment it cuts it: at that moment the wall clock
/// is at the segment's end plus however long FFmpeg took to get there (more on a busy machine, most for the
/// segment closed by SIGINT). The smallest such offset seen in the run is the closest to the truth, and one
/// offset for the whole run keeps consecutive segments contiguous in their metadata.
#[derive(Debug, Default, Clone, Copy)]
pub struct StreamClock {
    /// Wall-clock time of stream time zero.
    origin: Option<Timestamp>,
}

impl StreamClock {
    /// A segment ending at stream time `end_secs` was listed at `listed_at`.
    pub fn observe(&mut self, listed_at: Timestamp, end_secs: f64) {
        let Ok(origin) = listed_at.checked_sub(jiff::SignedDuration::from_secs_f64(end_secs.max(0.0))) else { return };
        self.origin = Some(self.origin.map_or(origin, |known| known.min(origin)));
    }

    /// The wall-clock time of stream time `secs`, once a segment has been observed.
    pub fn wall_time(&self, secs: f64) -> Option<Timestamp> {
        self.origin?.checked_add(jiff::SignedDuration::from_secs_f64(secs.max(0.0))).ok()
    }
}

/// FFmpeg's stderr: `-progress` lines say frames are flowing; everything else is its log, kept redacted.
async fn read_progress(
    stderr: tokio::process::ChildStderr,
    report: Arc<CameraReport>,
    redactor: Arc<Redactor>,
    tail: Arc<Mutex<LogTail>>,
    last_frame_at: Arc<Mutex<Instant>>,
) {
    let mut stderr = BufReader::new(stderr);
    let mut frames = 0u64;
    let mut buffer = Vec::new();
    while let Some(line) = ffmpeg::next_line_lossy(&mut stderr, &mut buffer).await {
        match ProgressLine::parse(&line) {
            Some(ProgressLine::Frame(n)) if n > frames => {
                frames = n;
                *last_frame_at.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
                report.data_flowing();
            }
            Some(_) => {}
            None if line.trim().is_empty() => {}
            None => {
                let line = redactor.redact(&line);
                tracing::debug!(camera = %report.id, "ffmpeg: {line}");
                tail.lock().unwrap_or_else(|p| p.into_inner()).push(line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StreamClock;
    use jiff::Timestamp;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn segments_of_one_run_tile_and_the_least_delayed_listing_sets_the_clock() {
        let mut clock = StreamClock::default();
        assert_eq!(clock.wall_time(0.0), None);
        // The first cut, at stream time 9.9 s, was listed 0.3 s late; the second one only 0.1 s late.
        clock.observe(ts("2026-01-01T00:00:10.2Z"), 9.9);
        clock.observe(ts("2026-01-01T00:00:20.0Z"), 19.9);
        assert_eq!(clock.wall_time(0.0), Some(ts("2026-01-01T00:00:00.1Z")));
        // The last segment, closed by SIGINT and listed 0.8 s late, does not move the clock.
        clock.observe(ts("2026-01-01T00:00:27.6Z"), 26.7);
        assert_eq!(clock.wall_time(19.9), Some(ts("2026-01-01T00:00:20.0Z")), "it starts where the previous one ended");
    }
}
