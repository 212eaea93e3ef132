//! ffprobe: what a camera actually sends, and what a segment file holds.

use crate::config::Transport;
use crate::ffmpeg::{LogTail, transport_name};
use crate::redact::Redactor;
use serde::Deserialize;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

/// The media facts of a stream or a file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MediaInfo {
    pub video: Option<VideoInfo>,
    pub audio_codec: Option<String>,
    /// Container duration in seconds (files only).
    pub duration_secs: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    pub codec: String,
    pub width: u32,
    pub height: u32,
    pub fps: Option<f64>,
}

/// Why a probe failed: the redacted last lines ffprobe printed, or a timeout.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProbeError {
    #[error("ffprobe did not answer within {0:?}")]
    Timeout(Duration),
    #[error("ffprobe failed: {}", .0.joined())]
    Failed(LogTail),
    #[error("cannot run ffprobe: {0}")]
    Spawn(String),
}

/// Probes a live camera. Used before each recording run, to choose the audio handling and to report the
/// real resolution and frame rate.
pub async fn camera(
    ffprobe: &Path,
    url: &str,
    transport: Transport,
    timeout: Duration,
    redactor: &Redactor,
) -> Result<MediaInfo, ProbeError> {
    let args = ["-rtsp_transport", transport_name(transport), "-i", url];
    run(ffprobe, &args, timeout, redactor).await
}

/// Probes a segment file, e.g. one left in the spool by a crash, whose duration we did not see finish.
pub async fn file(ffprobe: &Path, path: &Path, redactor: &Redactor) -> Result<MediaInfo, ProbeError> {
    let path = path.to_string_lossy();
    run(ffprobe, &["-i", &path], Duration::from_secs(30), redactor).await
}

async fn run(
    ffprobe: &Path,
    input_args: &[&str],
    timeout: Duration,
    redactor: &Redactor,
) -> Result<MediaInfo, ProbeError> {
    let mut command = Command::new(ffprobe);
    command
        .args(["-hide_banner", "-v", "error", "-of", "json", "-show_entries"])
        .arg("format=duration:stream=codec_type,codec_name,width,height,avg_frame_rate,r_frame_rate")
        .args(input_args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command.spawn().map_err(|e| ProbeError::Spawn(e.to_string()))?;
    let output =
        tokio::time::timeout(timeout, child.wait_with_output()).await.map_err(|_| ProbeError::Timeout(timeout))?;
    let output = output.map_err(|e| ProbeError::Spawn(e.to_string()))?;
    if !output.status.success() {
        let mut tail = LogTail::new(8);
        for line in String::from_utf8_lossy(&output.stderr).lines().filter(|l| !l.trim().is_empty()) {
            tail.push(redactor.redact(line));
        }
        return Err(ProbeError::Failed(tail));
    }
    Ok(parse(&output.stdout))
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    streams: Vec<Stream>,
    format: Option<Format>,
}

#[derive(Deserialize)]
struct Stream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
}

#[derive(Deserialize)]
struct Format {
    duration: Option<String>,
}

/// Parses ffprobe's JSON. Unknown or missing fields leave the matching facts empty.
pub fn parse(json: &[u8]) -> MediaInfo {
    let Ok(probe) = serde_json::from_slice::<Probe>(json) else {
        return MediaInfo::default();
    };
    let video = probe.streams.iter().find(|s| s.codec_type.as_deref() == Some("video")).and_then(|s| {
        Some(VideoInfo {
            codec: s.codec_name.clone()?,
            width: s.width?,
            height: s.height?,
            fps: s.avg_frame_rate.as_deref().and_then(rate).or_else(|| s.r_frame_rate.as_deref().and_then(rate)),
        })
    });
    let audio_codec =
        probe.streams.iter().find(|s| s.codec_type.as_deref() == Some("audio")).and_then(|s| s.codec_name.clone());
    let duration_secs = probe.format.and_then(|f| f.duration?.parse().ok());
    MediaInfo { video, audio_codec, duration_secs }
}

/// `"15/1"` → 15.0; `"0/0"` → None.
fn rate(text: &str) -> Option<f64> {
    let (num, den) = text.split_once('/')?;
    let (num, den): (f64, f64) = (num.parse().ok()?, den.parse().ok()?);
    (den > 0.0 && num > 0.0).then(|| (num / den * 1000.0).round() / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ffprobe_json() {
        let json = br#"{"streams":[
            {"codec_name":"h264","codec_type":"video","width":1280,"height":720,"r_frame_rate":"15/1","avg_frame_rate":"0/0"},
            {"codec_name":"pcm_alaw","codec_type":"audio"}],
            "format":{"duration":"9.933000"}}"#;
        let info = parse(json);
        let video = info.video.unwrap();
        assert_eq!((video.codec.as_str(), video.width, video.height, video.fps), ("h264", 1280, 720, Some(15.0)));
        assert_eq!(info.audio_codec.as_deref(), Some("pcm_alaw"));
        assert_eq!(info.duration_secs, Some(9.933));
        assert_eq!(parse(b"not json"), MediaInfo::default());
        assert_eq!(rate("30000/1001"), Some(29.97));
    }
}
