//! Environment variables the recorder reads. The names are the ones users of the original design know.
//!
//! Cameras are numbered from 1: `CAMERA_1_URL`, `CAMERA_2_URL`, ... Use [`camera`] to build those names.

/// S3 endpoint URL, e.g. `http://seaweedfs:8333`. Unset means AWS S3 for the configured region.
pub const S3_ENDPOINT: &str = "S3_ENDPOINT";
/// Bucket the segments go to. Default [`DEFAULT_BUCKET`].
pub const S3_BUCKET: &str = "S3_BUCKET";
/// Region used for request signing. Default `us-east-1`.
pub const S3_REGION: &str = "S3_REGION";
/// Optional key prefix put before `<camera>/<YYYY>/...`.
pub const S3_PREFIX: &str = "S3_PREFIX";
pub const S3_ACCESS_KEY: &str = "S3_ACCESS_KEY";
pub const S3_SECRET_KEY: &str = "S3_SECRET_KEY";
/// Spool directory: finished segments wait here until S3 has confirmed them.
pub const TEMP_DIR: &str = "TEMP_DIR";
/// Segment length: `15m`, `10s`, `1h`. Between 10 s and 60 min.
pub const SEGMENT_DURATION: &str = "SEGMENT_DURATION";
/// Upper bound of the spool, in bytes or with a suffix: `10Gi`, `500M`.
pub const SPOOL_MAX_BYTES: &str = "SPOOL_MAX_BYTES";
/// How long a camera may go without new data before FFmpeg is restarted: `30s`.
pub const STALL_TIMEOUT: &str = "STALL_TIMEOUT";
/// How long the recorder may spend uploading the spool after SIGTERM: `60s`.
pub const SHUTDOWN_GRACE: &str = "SHUTDOWN_GRACE";
/// Address of the HTTP server (`/health`, `/ready`, `/metrics`, `/status`), e.g. `0.0.0.0:8080`.
pub const LISTEN_ADDR: &str = "LISTEN_ADDR";
/// Path of an optional TOML configuration file. The environment overrides what it says.
pub const CONFIG_FILE: &str = "CONFIG_FILE";
/// `json` for one JSON object per log line; anything else is human-readable text.
pub const LOG_FORMAT: &str = "LOG_FORMAT";
/// The pod's name (Kubernetes' downward API), reported in `/status` so the operator can name the pod.
pub const POD_NAME: &str = "POD_NAME";

/// camera-playback's settings. It also reads the `S3_*` settings above, [`LISTEN_ADDR`] and [`CONFIG_FILE`].
pub mod playback {
    /// `token` (default), `trusted-header` or `none`.
    pub const AUTH: &str = "PLAYBACK_AUTH";
    /// The bearer token viewers log in with.
    pub const TOKEN: &str = "PLAYBACK_TOKEN";
    /// A file holding the token (a mounted Kubernetes Secret); read at start-up.
    pub const TOKEN_FILE: &str = "PLAYBACK_TOKEN_FILE";
    /// The header an auth proxy sets to the signed-in user, in `trusted-header` mode. Default
    /// [`DEFAULT_TRUSTED_HEADER`].
    pub const TRUSTED_HEADER: &str = "PLAYBACK_TRUSTED_HEADER";
    /// The longest export: `24h`.
    pub const EXPORT_MAX: &str = "PLAYBACK_EXPORT_MAX";
    /// Overrides [`super::LISTEN_ADDR`], so playback and a recorder can share one environment.
    pub const LISTEN_ADDR: &str = "PLAYBACK_LISTEN_ADDR";

    pub const DEFAULT_TRUSTED_HEADER: &str = "X-Forwarded-User";
}

pub const DEFAULT_BUCKET: &str = "camera-recordings";
pub const DEFAULT_TEMP_DIR: &str = "/tmp/camera-recordings";
pub const DEFAULT_HTTP_PORT: u16 = 8080;

/// Per-camera settings, numbered from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraVar {
    /// `rtsp://[user:password@]host[:port]/path`. Percent-encode `@ : / #` inside the password.
    Url,
    /// Camera id: the S3 key segment and the metric label. Default `camera-N`.
    Id,
    /// Human-readable name.
    Name,
    /// `true` or `false`.
    Enabled,
    /// Expected resolution, `1920x1080`. A mismatch with the real stream is a warning.
    Resolution,
    /// Expected frames per second.
    Fps,
    /// `tcp` (default) or `udp`.
    Transport,
    /// `auto` (keep AAC, transcode other audio to AAC), `copy`, `aac` or `none` (also `off`).
    Audio,
}

impl CameraVar {
    pub const ALL: [CameraVar; 8] = [
        CameraVar::Url,
        CameraVar::Id,
        CameraVar::Name,
        CameraVar::Enabled,
        CameraVar::Resolution,
        CameraVar::Fps,
        CameraVar::Transport,
        CameraVar::Audio,
    ];

    fn suffix(self) -> &'static str {
        match self {
            CameraVar::Url => "URL",
            CameraVar::Id => "ID",
            CameraVar::Name => "NAME",
            CameraVar::Enabled => "ENABLED",
            CameraVar::Resolution => "RESOLUTION",
            CameraVar::Fps => "FPS",
            CameraVar::Transport => "TRANSPORT",
            CameraVar::Audio => "AUDIO",
        }
    }
}

/// The name of camera `number`'s variable, e.g. `camera(1, CameraVar::Url)` is `CAMERA_1_URL`.
pub fn camera(number: usize, var: CameraVar) -> String {
    format!("CAMERA_{number}_{}", var.suffix())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_variables_keep_the_original_names() {
        assert_eq!(camera(1, CameraVar::Url), "CAMERA_1_URL");
        assert_eq!(camera(12, CameraVar::Resolution), "CAMERA_12_RESOLUTION");
    }
}
