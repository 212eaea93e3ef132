//! FFmpeg's command line and the machine-readable things it prints. Pure: nothing here spawns a process.
//!
//! FFmpeg writes three streams we use:
//! - stdout: the CSV segment list, one `name,start,end` line per finished segment ([`crate::segment::ListedSegment`]);
//! - stderr: `-progress` blocks of `key=value` lines, which tell us data is flowing ([`ProgressLine`]);
//! - stderr: its log, kept (redacted) in a [`LogTail`] only to explain a failure.

use crate::config::{AudioMode, Transport};
use crate::segment;
use crds::contract::status::FaultKind;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

/// What the recorder does with the camera's audio track, decided from [`AudioMode`] and the probed codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioPlan {
    None,
    Copy,
    TranscodeToAac,
}

impl AudioPlan {
    /// MP4 holds AAC; G.711 and most other camera audio it cannot. Video never depends on this choice.
    pub fn choose(mode: AudioMode, probed_codec: Option<&str>) -> AudioPlan {
        match (mode, probed_codec) {
            (_, None) | (AudioMode::Off, _) => AudioPlan::None,
            (AudioMode::Aac, Some(_)) => AudioPlan::TranscodeToAac,
            (AudioMode::Auto | AudioMode::Copy, Some(codec)) if mp4_holds(codec) => AudioPlan::Copy,
            (AudioMode::Auto, Some(_)) => AudioPlan::TranscodeToAac,
            (AudioMode::Copy, Some(_)) => AudioPlan::None,
        }
    }

    /// The word `/status` shows for this plan.
    pub fn describe(self) -> Option<&'static str> {
        match self {
            AudioPlan::None => None,
            AudioPlan::Copy => Some("copy"),
            AudioPlan::TranscodeToAac => Some("aac"),
        }
    }
}

fn mp4_holds(audio_codec: &str) -> bool {
    matches!(audio_codec, "aac" | "mp3" | "opus" | "alac" | "ac3" | "eac3")
}

/// Everything that varies between two recording runs.
#[derive(Debug, Clone)]
pub struct RecordSpec<'a> {
    pub url: &'a str,
    pub transport: Transport,
    pub audio: AudioPlan,
    pub segment_duration: Duration,
    pub output_dir: &'a Path,
}

/// The `ffmpeg` arguments that record `spec` into wall-clock-aligned fragmented MP4 segments.
///
/// - `-c:v copy`: never transcode video.
/// - fragmented MP4 (`frag_keyframe+empty_moov`): every finished fragment is playable on disk, so a crash
///   loses at most the fragment being written, about one GOP.
/// - `-segment_atclocktime 1` with `-strftime 1` and `TZ=UTC`: segments start at :00, :15, :30, :45 and are
///   named after their UTC start.
/// - `-segment_list pipe:1`: one CSV line per finished segment on stdout.
/// - `-progress pipe:2`: `key=value` progress every second on stderr, for stall detection.
pub fn record_args(spec: &RecordSpec) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::with_capacity(48);
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    // Progress every 2 s: often enough for a stall window of seconds, half the wake-ups of every second.
    push(&["-hide_banner", "-nostdin", "-loglevel", "warning", "-nostats"]);
    push(&["-progress", "pipe:2", "-stats_period", "2"]);
    push(&["-rtsp_transport", transport_name(spec.transport)]);
    push(&["-i", spec.url, "-map", "0:v:0"]);
    match spec.audio {
        AudioPlan::None => push(&["-an"]),
        AudioPlan::Copy => push(&["-map", "0:a:0?", "-c:a", "copy"]),
        AudioPlan::TranscodeToAac => push(&["-map", "0:a:0?", "-c:a", "aac", "-b:a", "64k"]),
    }
    let seconds = spec.segment_duration.as_secs().to_string();
    push(&["-c:v", "copy", "-f", "segment", "-segment_time", &seconds]);
    push(&["-segment_atclocktime", "1", "-reset_timestamps", "1", "-strftime", "1"]);
    push(&["-segment_format", "mp4"]);
    push(&["-segment_format_options", "movflags=+frag_keyframe+empty_moov+default_base_moof:flush_packets=1"]);
    push(&["-segment_list", "pipe:1", "-segment_list_type", "csv"]);
    args.push(spec.output_dir.join(segment::FILE_PATTERN).into_os_string());
    args
}

pub fn transport_name(transport: Transport) -> &'static str {
    match transport {
        Transport::Tcp => "tcp",
        Transport::Udp => "udp",
    }
}

/// One line of FFmpeg's `-progress` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressLine {
    /// Frames written so far in this run.
    Frame(u64),
    /// `progress=end`: FFmpeg is finishing.
    End,
    /// Another progress key.
    Other,
}

impl ProgressLine {
    /// `None` for a line that is not progress output (it is FFmpeg's log).
    pub fn parse(line: &str) -> Option<ProgressLine> {
        let (key, value) = line.trim_end().split_once('=')?;
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return None;
        }
        Some(match key {
            "frame" => value.trim().parse().map_or(ProgressLine::Other, ProgressLine::Frame),
            "progress" if value == "end" => ProgressLine::End,
            _ => ProgressLine::Other,
        })
    }
}

/// The last lines FFmpeg logged, already redacted, to attach to the error when a run fails.
#[derive(Debug, Clone)]
pub struct LogTail {
    lines: VecDeque<String>,
    capacity: usize,
}

impl LogTail {
    pub fn new(capacity: usize) -> Self {
        LogTail { lines: VecDeque::with_capacity(capacity), capacity }
    }

    pub fn push(&mut self, redacted_line: String) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
        }
        self.lines.push_back(redacted_line);
    }

    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(String::as_str)
    }

    /// The lines joined with " | ", for a one-line error message.
    pub fn joined(&self) -> String {
        self.lines().collect::<Vec<_>>().join(" | ")
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Which fault FFmpeg's (or ffprobe's) last words point to. Only used to pick a reason the user can act on;
/// segments are never detected from log text.
pub fn classify_failure<'a>(lines: impl IntoIterator<Item = &'a str>) -> FaultKind {
    let mut kind = FaultKind::RecorderFailed;
    for line in lines {
        let line = line.to_ascii_lowercase();
        if ["401 unauthorized", "authorization failed", "403 forbidden"].iter().any(|needle| line.contains(needle)) {
            return FaultKind::CameraAuthFailed;
        }
        let unreachable = [
            "connection refused",
            "connection timed out",
            "no route to host",
            "network is unreachable",
            "name or service not known",
            "temporary failure in name resolution",
            "connection reset",
            "404 not found",
            "end of file",
            "immediate exit requested",
        ];
        if unreachable.iter().any(|needle| line.contains(needle)) {
            kind = FaultKind::CameraUnreachable;
        }
    }
    kind
}

/// The next line of FFmpeg's output, decoded lossily: a camera's metadata or a file name in the camera's
/// code page can put bytes that are not UTF-8 into FFmpeg's log, and a strict reader would stop reading there
/// (and with it stall detection and the segment list). `None` at the end of the stream.
pub async fn next_line_lossy<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
    buffer: &mut Vec<u8>,
) -> Option<String> {
    use tokio::io::AsyncBufReadExt;
    buffer.clear();
    match reader.read_until(b'\n', buffer).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(String::from_utf8_lossy(buffer).trim_end_matches(['\n', '\r']).to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args_of(audio: AudioPlan) -> Vec<String> {
        let spec = RecordSpec {
            url: "rtsp://cam/s",
            transport: Transport::Tcp,
            audio,
            segment_duration: Duration::from_secs(900),
            output_dir: Path::new("/spool/cam"),
        };
        record_args(&spec).into_iter().map(|a| a.into_string().unwrap()).collect()
    }

    fn has_pair(args: &[String], flag: &str, value: &str) -> bool {
        args.windows(2).any(|w| w[0] == flag && w[1] == value)
    }

    #[test]
    fn records_by_stream_copy_into_clock_aligned_fragmented_mp4() {
        let args = args_of(AudioPlan::None);
        assert!(has_pair(&args, "-c:v", "copy"));
        assert!(has_pair(&args, "-segment_time", "900"));
        assert!(has_pair(&args, "-segment_atclocktime", "1"));
        assert!(has_pair(&args, "-segment_list", "pipe:1"));
        assert!(has_pair(&args, "-rtsp_transport", "tcp"));
        assert!(args.iter().any(|a| a.contains("frag_keyframe+empty_moov")));
        assert_eq!(args.last().unwrap(), "/spool/cam/%Y%m%dT%H%M%SZ.mp4");
        assert!(args.contains(&"-an".to_owned()));
        assert!(!args.iter().any(|a| a.starts_with("libx26")), "video is never transcoded");
    }

    #[test]
    fn audio_is_kept_when_mp4_can_hold_it_and_transcoded_otherwise() {
        assert_eq!(AudioPlan::choose(AudioMode::Auto, Some("aac")), AudioPlan::Copy);
        assert_eq!(AudioPlan::choose(AudioMode::Auto, Some("pcm_alaw")), AudioPlan::TranscodeToAac);
        assert_eq!(AudioPlan::choose(AudioMode::Copy, Some("pcm_mulaw")), AudioPlan::None);
        assert_eq!(AudioPlan::choose(AudioMode::Off, Some("aac")), AudioPlan::None);
        assert_eq!(AudioPlan::choose(AudioMode::Auto, None), AudioPlan::None);
        assert!(has_pair(&args_of(AudioPlan::TranscodeToAac), "-c:a", "aac"));
        assert!(has_pair(&args_of(AudioPlan::Copy), "-c:a", "copy"));
    }

    #[test]
    fn progress_lines_are_told_apart_from_log_lines() {
        assert_eq!(ProgressLine::parse("frame=37"), Some(ProgressLine::Frame(37)));
        assert_eq!(ProgressLine::parse("progress=end"), Some(ProgressLine::End));
        assert_eq!(ProgressLine::parse("out_time_us=2333398"), Some(ProgressLine::Other));
        assert_eq!(ProgressLine::parse("stream_0_0_q=-1.0"), Some(ProgressLine::Other));
        assert_eq!(ProgressLine::parse("[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized"), None);
        assert_eq!(ProgressLine::parse("Input #0, rtsp, from 'rtsp://a=b'"), None);
    }

    #[test]
    fn the_log_tail_keeps_the_last_lines() {
        let mut tail = LogTail::new(2);
        for line in ["a", "b", "c"] {
            tail.push(line.to_owned());
        }
        assert_eq!(tail.joined(), "b | c");
    }

    #[test]
    fn failures_are_classified_into_actionable_kinds() {
        let auth = ["[rtsp @ 0x5] method DESCRIBE failed: 401 Unauthorized", "rtsp://***@cam/s: Server returned 401"];
        assert_eq!(classify_failure(auth), FaultKind::CameraAuthFailed);
        assert_eq!(classify_failure(["rtsp://cam/s: Connection refused"]), FaultKind::CameraUnreachable);
        assert_eq!(classify_failure(["Invalid data found when processing input"]), FaultKind::RecorderFailed);
    }

    #[tokio::test]
    async fn output_that_is_not_utf8_is_read_on_lossily() {
        let mut output: &[u8] = b"Metadata: title=Caf\xe9 \xff\r\nframe=12\n20261123T141500Z.mp4,0.0,10.0";
        let mut buffer = Vec::new();
        assert_eq!(
            next_line_lossy(&mut output, &mut buffer).await.as_deref(),
            Some("Metadata: title=Caf\u{fffd} \u{fffd}")
        );
        assert_eq!(next_line_lossy(&mut output, &mut buffer).await.as_deref(), Some("frame=12"));
        assert_eq!(next_line_lossy(&mut output, &mut buffer).await.as_deref(), Some("20261123T141500Z.mp4,0.0,10.0"));
        assert_eq!(next_line_lossy(&mut output, &mut buffer).await, None);
        // What the readers used before: a strict line reader fails on the first such line, and stops.
        use tokio::io::AsyncBufReadExt;
        let strict: &[u8] = b"Metadata: title=Caf\xe9\nframe=12\n";
        assert!(strict.lines().next_line().await.is_err());
    }
}
