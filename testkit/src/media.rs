//! ffprobe and ffmpeg as independent judges of what was recorded.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

#[derive(Debug, Clone, PartialEq)]
pub struct Probed {
    pub video_codec: String,
    pub width: u64,
    pub height: u64,
    pub audio_codec: Option<String>,
    pub duration: f64,
}

pub fn probe(path: &Path) -> Result<Probed, String> {
    let output = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-of",
            "json",
            "-show_entries",
            "format=duration:stream=codec_type,codec_name,width,height",
        ])
        .arg(path)
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let json: Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    let streams = json["streams"].as_array().cloned().unwrap_or_default();
    let video = streams.iter().find(|s| s["codec_type"] == "video").ok_or("no video stream")?;
    let audio = streams.iter().find(|s| s["codec_type"] == "audio");
    Ok(Probed {
        video_codec: video["codec_name"].as_str().unwrap_or_default().to_owned(),
        width: video["width"].as_u64().unwrap_or(0),
        height: video["height"].as_u64().unwrap_or(0),
        audio_codec: audio.and_then(|a| a["codec_name"].as_str()).map(str::to_owned),
        duration: json["format"]["duration"].as_str().and_then(|d| d.parse().ok()).unwrap_or(0.0),
    })
}

/// Decodes every frame; `Ok` only if FFmpeg reports no error. This is what "plays" means here.
pub fn decodes_cleanly(path: &Path) -> Result<(), String> {
    let output = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .map_err(|e| e.to_string())?;
    let errors = String::from_utf8_lossy(&output.stderr).into_owned();
    if output.status.success() && errors.trim().is_empty() { Ok(()) } else { Err(errors) }
}

/// Writes `seconds` of H.264 test video (1 s GOPs at 15 fps, `size` like `320x180`) muxed as the recorder
/// muxes segments: fragmented MP4, a fragment per keyframe.
pub fn write_fragmented_mp4(path: &Path, seconds: u32, size: &str) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc=size={size}:rate=15:duration={seconds}"))
        .args(["-c:v", "libx264", "-g", "15", "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-f", "mp4"])
        .arg(path)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg could not write {}", path.display());
}
