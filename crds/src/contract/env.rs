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
/// How long footage is kept: `30d`, `12h`, `2w`, `1y`, or `forever` ([`retention`]). Unset: kept forever.
/// The default for every camera of the process; `CAMERA_<N>_RETENTION` sets one camera's.
pub const RETENTION: &str = "RETENTION";
/// `true`: retention passes log what they would delete, and delete nothing.
pub const RETENTION_DRY_RUN: &str = "RETENTION_DRY_RUN";
/// Delay of the first retention pass after start-up: `30s` (at most `60s`). Tests shorten it.
pub const RETENTION_FIRST_PASS_DELAY: &str = "RETENTION_FIRST_PASS_DELAY";
/// Time between retention passes: `1h` (at most; tests shorten it).
pub const RETENTION_INTERVAL: &str = "RETENTION_INTERVAL";
/// Keys per DeleteObjects request: 1000 (S3's maximum). Tests lower it to make a pass long.
pub const RETENTION_DELETE_BATCH: &str = "RETENTION_DELETE_BATCH";

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

/// The shortest and longest retention [`retention`] accepts. Passes run hourly, so less than an hour would not
/// be kept to; beyond ten years, `forever` says what is meant.
pub const MIN_RETENTION: std::time::Duration = std::time::Duration::from_secs(3600);
pub const MAX_RETENTION: std::time::Duration = std::time::Duration::from_secs(10 * 365 * 86_400);
/// The word for "keep forever", for overriding a default retention.
pub const RETENTION_FOREVER: &str = "forever";

/// How long footage is kept, as users write it: a whole number and a unit, `h` (hours), `d` (days), `w`
/// (weeks) or `y` (365 days): `12h`, `30d`, `90d`, `2w`, `1y`; between 1h and 10y. `forever` is `None`: keep
/// everything (to override a default). Returns a problem phrased to follow "`<field>`: ".
pub fn retention(text: &str) -> Result<Option<std::time::Duration>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case(RETENTION_FOREVER) {
        return Ok(None);
    }
    let hint = || format!("'{text}' is not a retention; write it like 30d, 12h, 2w or 1y, or forever");
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(hint)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| hint())?;
    let hours: u64 = match unit {
        "h" => 1,
        "d" => 24,
        "w" => 7 * 24,
        "y" => 365 * 24,
        _ => return Err(hint()),
    };
    let seconds = number.checked_mul(hours * 3600).ok_or_else(hint)?;
    let retention = std::time::Duration::from_secs(seconds);
    if !(MIN_RETENTION..=MAX_RETENTION).contains(&retention) {
        return Err(format!("{text} is out of range; choose between 1h and 10y, or forever"));
    }
    Ok(Some(retention))
}

/// A retention the way [`retention`] reads it, in the largest whole unit of years, days or hours: `30d`,
/// `36h`, `1y` (`2w` reads back as `14d`).
pub fn format_retention(retention: std::time::Duration) -> String {
    let hours = retention.as_secs() / 3600;
    if hours > 0 && hours.is_multiple_of(365 * 24) {
        format!("{}y", hours / (365 * 24))
    } else if hours > 0 && hours.is_multiple_of(24) {
        format!("{}d", hours / 24)
    } else {
        format!("{hours}h")
    }
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
    /// How long this camera's footage is kept ([`retention`]); overrides [`RETENTION`].
    Retention,
}

impl CameraVar {
    pub const ALL: [CameraVar; 9] = [
        CameraVar::Url,
        CameraVar::Id,
        CameraVar::Name,
        CameraVar::Enabled,
        CameraVar::Resolution,
        CameraVar::Fps,
        CameraVar::Transport,
        CameraVar::Audio,
        CameraVar::Retention,
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
            CameraVar::Retention => "RETENTION",
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
        assert_eq!(camera(2, CameraVar::Retention), "CAMERA_2_RETENTION");
    }

    #[test]
    fn retention_is_hours_to_ten_years_or_forever() {
        let hours = |h: u64| Ok(Some(std::time::Duration::from_secs(h * 3600)));
        assert_eq!(retention("30d"), hours(30 * 24));
        assert_eq!(retention(" 12h "), hours(12));
        assert_eq!(retention("90d"), hours(90 * 24));
        assert_eq!(retention("2w"), hours(14 * 24));
        assert_eq!(retention("1y"), hours(365 * 24));
        assert_eq!(retention("1h"), hours(1));
        assert_eq!(retention("10y"), hours(10 * 365 * 24));
        assert_eq!(retention("forever"), Ok(None));
        assert_eq!(retention("Forever"), Ok(None));
        for bad in ["30", "d", "30 days", "1.5d", "-1d", "30m", "", "99999999999999999999y"] {
            assert!(retention(bad).unwrap_err().contains("like 30d, 12h"), "{bad}");
        }
        for out in ["0h", "0d", "11y", "3651d"] {
            assert_eq!(
                retention(out).unwrap_err(),
                format!("{out} is out of range; choose between 1h and 10y, or forever")
            );
        }
        for text in ["30d", "36h", "1y", "1h", "10y"] {
            assert_eq!(format_retention(retention(text).unwrap().unwrap()), text);
        }
        assert_eq!(format_retention(retention("2w").unwrap().unwrap()), "14d");
    }
}
