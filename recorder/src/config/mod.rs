//! The recorder's configuration: an optional TOML file, overridden by environment variables.
//!
//! [`load`] is pure: it takes the file's text and the environment as a map, and returns either a complete,
//! validated [`Config`] or one [`ConfigError`] that names the field and the fix. The only check that needs
//! the file system, whether the spool directory is writable, is [`check_spool_dir`].

pub mod values;

use crds::contract::env::{self, CameraVar};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crds::contract::camera_url::{self as url, CameraUrl};
use values::human_duration;

pub const DEFAULT_SEGMENT: Duration = Duration::from_secs(15 * 60);
pub const MIN_SEGMENT: Duration = Duration::from_secs(10);
pub const MAX_SEGMENT: Duration = Duration::from_secs(60 * 60);
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(60);
/// Cap of the reconnection backoff. Short, because every second the camera is back but not yet reconnected is
/// footage lost; a probe every 10 s of a camera that is gone costs nothing.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(10);
pub const DEFAULT_SPOOL_MAX_BYTES: u64 = 10 << 30;
pub const DEFAULT_REGION: &str = "us-east-1";
/// Multipart parts: S3's minimum is 5 MiB. 16 MiB keeps a 15-minute 8 Mbit/s segment under 60 parts.
pub const DEFAULT_PART_SIZE: u64 = 16 << 20;
pub const MIN_PART_SIZE: u64 = 5 << 20;
pub const DEFAULT_UPLOAD_CONCURRENCY: usize = 4;
/// The first retention pass runs this long after start-up (within a minute, as promised), then every
/// [`DEFAULT_RETENTION_INTERVAL`] at the latest.
pub const DEFAULT_RETENTION_FIRST_PASS_DELAY: Duration = Duration::from_secs(30);
pub const DEFAULT_RETENTION_INTERVAL: Duration = Duration::from_secs(3600);
/// S3's maximum number of keys in one DeleteObjects request.
pub const MAX_DELETE_BATCH: usize = 1000;

#[derive(Debug, Clone)]
pub struct Config {
    pub cameras: Vec<CameraConfig>,
    pub storage: StorageConfig,
    pub recording: RecordingConfig,
    pub retention: RetentionConfig,
    pub listen: SocketAddr,
}

#[derive(Debug, Clone)]
pub struct CameraConfig {
    /// Used in S3 keys, spool paths and the `camera` metric label.
    pub id: String,
    pub name: String,
    pub url: CameraUrl,
    pub enabled: bool,
    pub expected_resolution: Option<(u32, u32)>,
    pub expected_fps: Option<u32>,
    pub transport: Transport,
    pub audio: AudioMode,
    /// How long the camera's footage is kept in the bucket; `None`: forever (no retention pass).
    pub retention: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Udp,
}

/// What to do with the camera's audio. MP4 holds AAC; G.711 (PCMA/PCMU), common on cameras, it cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioMode {
    /// Keep AAC as it is; transcode any other audio to AAC. Video is always copied.
    Auto,
    /// Keep AAC; drop any other audio with a warning.
    Copy,
    /// Transcode all audio to AAC.
    Aac,
    /// Record video only.
    Off,
}

#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// `None` means AWS S3.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    /// Put before `<camera>/...` in every key; empty for none.
    pub prefix: String,
    pub credentials: Option<S3Credentials>,
    pub part_size: u64,
    pub upload_concurrency: usize,
}

#[derive(Clone)]
pub struct S3Credentials {
    pub access_key: String,
    pub secret_key: String,
}

impl fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("S3Credentials(***)")
    }
}

/// How retention passes run (how long footage is kept is per camera: [`CameraConfig::retention`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionConfig {
    /// Log what would be deleted; delete nothing.
    pub dry_run: bool,
    pub first_pass_delay: Duration,
    pub interval: Duration,
    /// Keys per DeleteObjects request, at most [`MAX_DELETE_BATCH`].
    pub delete_batch: usize,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            dry_run: false,
            first_pass_delay: DEFAULT_RETENTION_FIRST_PASS_DELAY,
            interval: DEFAULT_RETENTION_INTERVAL,
            delete_batch: MAX_DELETE_BATCH,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RecordingConfig {
    pub segment_duration: Duration,
    pub spool_dir: PathBuf,
    pub spool_max_bytes: u64,
    pub stall_timeout: Duration,
    pub shutdown_grace: Duration,
    /// Upper bound of the delay between reconnection attempts.
    pub max_backoff: Duration,
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
}

impl Config {
    /// Every secret in the configuration, for the log and error [`crate::redact::Redactor`].
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets: Vec<String> = self.cameras.iter().flat_map(|c| c.url.secrets().map(str::to_owned)).collect();
        if let Some(creds) = &self.storage.credentials {
            secrets.push(creds.secret_key.clone());
        }
        secrets
    }

    pub fn enabled_cameras(&self) -> impl Iterator<Item = &CameraConfig> {
        self.cameras.iter().filter(|c| c.enabled)
    }

    /// A one-paragraph summary without credentials, for `--check-config` and the start-up log.
    pub fn summary(&self) -> String {
        let cameras: Vec<String> = self
            .cameras
            .iter()
            .map(|c| {
                let retention = c.retention.map_or(String::new(), |r| format!(", kept {}", env::format_retention(r)));
                format!("{} ({}{}{retention})", c.id, c.url, if c.enabled { "" } else { ", disabled" })
            })
            .collect();
        format!(
            "{} camera(s): {}; bucket {} at {}; {} segments; spool {} (max {} bytes); http on {}",
            self.cameras.len(),
            cameras.join(", "),
            self.storage.bucket,
            self.storage.endpoint.as_deref().unwrap_or("AWS S3"),
            human_duration(self.recording.segment_duration),
            self.recording.spool_dir.display(),
            self.recording.spool_max_bytes,
            self.listen,
        )
    }
}

/// A configuration error: the field (environment variable or TOML path), the problem and the fix, on one
/// line. Never carries a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration error: {field}: {problem}")]
pub struct ConfigError {
    pub field: String,
    pub problem: String,
}

impl ConfigError {
    fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigError { field: field.into(), problem: problem.into() }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The file, as written. Every value goes through the same string parsers as the environment, so a file and
// an environment variable can never disagree on what `15m` means.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    cameras: Vec<FileCamera>,
    #[serde(default)]
    storage: FileStorage,
    #[serde(default)]
    recorder: FileRecorder,
    /// camera-playback's settings, so both can run from one file; the recorder does not read them.
    #[serde(default, rename = "playback")]
    _playback: Option<toml::Table>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCamera {
    id: Option<Scalar>,
    name: Option<Scalar>,
    url: Option<Scalar>,
    enabled: Option<Scalar>,
    resolution: Option<Scalar>,
    fps: Option<Scalar>,
    transport: Option<Scalar>,
    audio: Option<Scalar>,
    retention: Option<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileStorage {
    s3_endpoint: Option<Scalar>,
    s3_bucket: Option<Scalar>,
    s3_region: Option<Scalar>,
    s3_prefix: Option<Scalar>,
    s3_access_key: Option<Scalar>,
    s3_secret_key: Option<Scalar>,
    segment_duration_minutes: Option<Scalar>,
    segment_duration: Option<Scalar>,
    temp_dir: Option<Scalar>,
    spool_max_bytes: Option<Scalar>,
    multipart_part_size: Option<Scalar>,
    upload_concurrency: Option<Scalar>,
    retention: Option<Scalar>,
    retention_dry_run: Option<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRecorder {
    listen: Option<Scalar>,
    stall_timeout: Option<Scalar>,
    shutdown_grace: Option<Scalar>,
    max_backoff: Option<Scalar>,
    ffmpeg: Option<Scalar>,
    ffprobe: Option<Scalar>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl Scalar {
    fn into_text(self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Text(s) => s,
        }
    }
}

/// A raw value and where it came from, so an error can name the field the user actually wrote.
struct Raw {
    text: String,
    field: String,
}

impl Raw {
    fn parse<T>(self, parse: impl FnOnce(&str) -> Result<T, String>) -> Result<T, ConfigError> {
        parse(&self.text).map_err(|problem| ConfigError::new(self.field, problem))
    }
}

/// Looks a setting up in the environment first, then in the file.
struct Sources<'a> {
    env: &'a HashMap<String, String>,
}

impl Sources<'_> {
    fn get(&self, env_name: Option<&str>, file_field: impl Into<String>, file_value: Option<Scalar>) -> Option<Raw> {
        if let Some(name) = env_name
            && let Some(text) = self.env.get(name).filter(|v| !v.trim().is_empty())
        {
            return Some(Raw { text: text.clone(), field: name.to_owned() });
        }
        file_value.map(|v| Raw { text: v.into_text(), field: file_field.into() })
    }
}

/// Builds the configuration from the file's text (if any) and the environment.
pub fn load(file: Option<&str>, env_vars: &HashMap<String, String>) -> Result<Config, ConfigError> {
    let file = parse_file(file)?;
    let sources = Sources { env: env_vars };
    let FileConfig { cameras: file_cameras, storage, recorder, .. } = file;

    let listen = match sources.get(Some(env::LISTEN_ADDR), "recorder.listen", recorder.listen.clone()) {
        Some(raw) => raw.parse(listen_addr)?,
        None => SocketAddr::from(([0, 0, 0, 0], env::DEFAULT_HTTP_PORT)),
    };
    let recording = recording_config(&sources, &storage, recorder)?;
    let default_retention = default_retention(&sources, &storage)?;
    let retention = retention_config(&sources, &storage)?;
    let storage = storage_config(&sources, storage)?;
    let cameras = cameras(&sources, file_cameras, default_retention)?;
    Ok(Config { cameras, storage, recording, retention, listen })
}

/// The storage settings alone, for `--retention-pass`, which needs no camera URL: the bucket and its
/// credentials, the retention every camera gets by default, and how passes run.
pub fn load_storage(
    file: Option<&str>,
    env_vars: &HashMap<String, String>,
) -> Result<(StorageConfig, Option<Duration>, RetentionConfig), ConfigError> {
    let file = parse_file(file)?;
    let sources = Sources { env: env_vars };
    let default_retention = default_retention(&sources, &file.storage)?;
    let retention = retention_config(&sources, &file.storage)?;
    let storage = storage_config(&sources, file.storage)?;
    Ok((storage, default_retention, retention))
}

/// The retention a camera gets when its own entry does not say: `RETENTION`, else `[storage] retention`.
fn default_retention(sources: &Sources, storage: &FileStorage) -> Result<Option<Duration>, ConfigError> {
    match sources.get(Some(env::RETENTION), "storage.retention", storage.retention.clone()) {
        Some(raw) => raw.parse(env::retention),
        None => Ok(None),
    }
}

fn retention_config(sources: &Sources, storage: &FileStorage) -> Result<RetentionConfig, ConfigError> {
    let defaults = RetentionConfig::default();
    let dry_run =
        match sources.get(Some(env::RETENTION_DRY_RUN), "storage.retention_dry_run", storage.retention_dry_run.clone())
        {
            Some(raw) => raw.parse(values::boolean)?,
            None => defaults.dry_run,
        };
    let duration = |name: &str, default: Duration, min: Duration, max: Duration| match sources.get(Some(name), "", None)
    {
        Some(raw) => raw.parse(|t| values::duration(t).and_then(|d| values::in_range(d, min, max, human_duration))),
        None => Ok(default),
    };
    let first_pass_delay =
        duration(env::RETENTION_FIRST_PASS_DELAY, defaults.first_pass_delay, Duration::ZERO, Duration::from_secs(60))?;
    let interval =
        duration(env::RETENTION_INTERVAL, defaults.interval, Duration::from_secs(1), DEFAULT_RETENTION_INTERVAL)?;
    let delete_batch = match sources.get(Some(env::RETENTION_DELETE_BATCH), "", None) {
        Some(raw) => raw.parse(|t| {
            let n: usize = t.trim().parse().map_err(|_| format!("'{t}' is not a whole number"))?;
            values::in_range(n, 1, MAX_DELETE_BATCH, |n| n.to_string())
        })?,
        None => defaults.delete_batch,
    };
    Ok(RetentionConfig { dry_run, first_pass_delay, interval, delete_batch })
}

fn parse_file(file: Option<&str>) -> Result<FileConfig, ConfigError> {
    match file {
        Some(text) => toml::from_str(text).map_err(|e| {
            let message = e.message().replace('\n', " ");
            let line = e.span().map(|span| text[..span.start].matches('\n').count() + 1);
            ConfigError::new(
                line.map_or("config file".to_owned(), |l| format!("config file line {l}")),
                format!("{message}; see config.example.toml"),
            )
        }),
        None => Ok(FileConfig::default()),
    }
}

fn listen_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = text.trim().parse::<u16>() {
        return Ok(SocketAddr::from(([0, 0, 0, 0], port)));
    }
    text.trim().parse().map_err(|_| format!("'{text}' is not an address; write it like 0.0.0.0:8080 or 8080"))
}

fn recording_config(
    sources: &Sources,
    storage: &FileStorage,
    recorder: FileRecorder,
) -> Result<RecordingConfig, ConfigError> {
    let segment_duration = segment_duration(sources, storage)?;
    let spool_dir = sources
        .get(Some(env::TEMP_DIR), "storage.temp_dir", storage.temp_dir.clone())
        .map_or_else(|| PathBuf::from(env::DEFAULT_TEMP_DIR), |raw| PathBuf::from(raw.text));
    let spool_max_bytes =
        match sources.get(Some(env::SPOOL_MAX_BYTES), "storage.spool_max_bytes", storage.spool_max_bytes.clone()) {
            Some(raw) => raw.parse(|t| {
                values::byte_size(t).and_then(|b| values::in_range(b, 1 << 20, u64::MAX, |b| format!("{b} bytes")))
            })?,
            None => DEFAULT_SPOOL_MAX_BYTES,
        };
    let duration_setting =
        |env_name: &str, field: &str, value: Option<Scalar>, default: Duration, min: Duration, max: Duration| {
            match sources.get(Some(env_name), field, value) {
                Some(raw) => {
                    raw.parse(|t| values::duration(t).and_then(|d| values::in_range(d, min, max, human_duration)))
                }
                None => Ok(default),
            }
        };
    let stall_timeout = duration_setting(
        env::STALL_TIMEOUT,
        "recorder.stall_timeout",
        recorder.stall_timeout,
        DEFAULT_STALL_TIMEOUT,
        Duration::from_secs(2),
        Duration::from_secs(300),
    )?;
    let shutdown_grace = duration_setting(
        env::SHUTDOWN_GRACE,
        "recorder.shutdown_grace",
        recorder.shutdown_grace,
        DEFAULT_SHUTDOWN_GRACE,
        Duration::from_secs(1),
        Duration::from_secs(3600),
    )?;
    let max_backoff = match sources.get(None, "recorder.max_backoff", recorder.max_backoff) {
        Some(raw) => raw.parse(|t| {
            values::duration(t)
                .and_then(|d| values::in_range(d, Duration::from_secs(1), Duration::from_secs(30), human_duration))
        })?,
        None => DEFAULT_MAX_BACKOFF,
    };
    let program = |value: Option<Scalar>, default: &str| {
        value.map_or_else(|| PathBuf::from(default), |v| PathBuf::from(v.into_text()))
    };
    Ok(RecordingConfig {
        segment_duration,
        spool_dir,
        spool_max_bytes,
        stall_timeout,
        shutdown_grace,
        max_backoff,
        ffmpeg: program(recorder.ffmpeg, "ffmpeg"),
        ffprobe: program(recorder.ffprobe, "ffprobe"),
    })
}

fn segment_duration(sources: &Sources, storage: &FileStorage) -> Result<Duration, ConfigError> {
    let check = |d: Duration| {
        let d = values::in_range(d, MIN_SEGMENT, MAX_SEGMENT, human_duration)?;
        if d.subsec_nanos() != 0 {
            return Err(format!("{} is not a whole number of seconds", human_duration(d)));
        }
        Ok(d)
    };
    if let Some(raw) =
        sources.get(Some(env::SEGMENT_DURATION), "storage.segment_duration", storage.segment_duration.clone())
    {
        if raw.field == "storage.segment_duration" && storage.segment_duration_minutes.is_some() {
            return Err(ConfigError::new(
                "storage.segment_duration",
                "is set together with storage.segment_duration_minutes; keep only one of them",
            ));
        }
        return raw.parse(|t| values::duration(t).and_then(check));
    }
    match sources.get(None, "storage.segment_duration_minutes", storage.segment_duration_minutes.clone()) {
        Some(raw) => raw.parse(|t| {
            let minutes: u64 =
                t.trim().parse().map_err(|_| format!("'{t}' is not a whole number of minutes; write it like 15"))?;
            check(Duration::from_secs(minutes.saturating_mul(60)))
        }),
        None => Ok(DEFAULT_SEGMENT),
    }
}

fn storage_config(sources: &Sources, storage: FileStorage) -> Result<StorageConfig, ConfigError> {
    let endpoint = match sources.get(Some(env::S3_ENDPOINT), "storage.s3_endpoint", storage.s3_endpoint) {
        Some(raw) => Some(raw.parse(endpoint_url)?),
        None => None,
    };
    let bucket = match sources.get(Some(env::S3_BUCKET), "storage.s3_bucket", storage.s3_bucket) {
        Some(raw) => raw.parse(bucket_name)?,
        None => env::DEFAULT_BUCKET.to_owned(),
    };
    let region = sources
        .get(Some(env::S3_REGION), "storage.s3_region", storage.s3_region)
        .map_or_else(|| DEFAULT_REGION.to_owned(), |raw| raw.text.trim().to_owned());
    let prefix = match sources.get(Some(env::S3_PREFIX), "storage.s3_prefix", storage.s3_prefix) {
        Some(raw) => raw.parse(key_prefix)?,
        None => String::new(),
    };
    let access = sources.get(Some(env::S3_ACCESS_KEY), "storage.s3_access_key", storage.s3_access_key);
    let secret = sources.get(Some(env::S3_SECRET_KEY), "storage.s3_secret_key", storage.s3_secret_key);
    let credentials = match (access, secret) {
        (Some(a), Some(s)) => {
            Some(S3Credentials { access_key: a.text.trim().to_owned(), secret_key: s.text.trim().to_owned() })
        }
        (None, None) => None,
        (Some(a), None) => {
            return Err(ConfigError::new(
                env::S3_SECRET_KEY,
                format!("is missing while {} is set; set both or neither (neither sends unsigned requests)", a.field),
            ));
        }
        (None, Some(s)) => {
            return Err(ConfigError::new(
                env::S3_ACCESS_KEY,
                format!("is missing while {} is set; set both or neither (neither sends unsigned requests)", s.field),
            ));
        }
    };
    let part_size = match sources.get(None, "storage.multipart_part_size", storage.multipart_part_size) {
        Some(raw) => raw.parse(|t| {
            values::byte_size(t).and_then(|b| values::in_range(b, MIN_PART_SIZE, 5 << 30, |b| format!("{b} bytes")))
        })?,
        None => DEFAULT_PART_SIZE,
    };
    let upload_concurrency = match sources.get(None, "storage.upload_concurrency", storage.upload_concurrency) {
        Some(raw) => raw.parse(|t| {
            let n: usize = t.trim().parse().map_err(|_| format!("'{t}' is not a whole number"))?;
            values::in_range(n, 1, 64, |n| n.to_string())
        })?,
        None => DEFAULT_UPLOAD_CONCURRENCY,
    };
    Ok(StorageConfig { endpoint, bucket, region, prefix, credentials, part_size, upload_concurrency })
}

fn endpoint_url(text: &str) -> Result<String, String> {
    let text = text.trim().trim_end_matches('/');
    let hint = "write it like http://seaweedfs:8333 or https://s3.example.com";
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(format!("is not a URL; {hint}"));
    };
    if !matches!(scheme, "http" | "https") {
        return Err(format!("scheme '{scheme}' is not supported; {hint}"));
    }
    if rest.contains('@') {
        return Err(format!(
            "must not carry credentials; put them in {} and {}",
            env::S3_ACCESS_KEY,
            env::S3_SECRET_KEY
        ));
    }
    if rest.is_empty() || rest.starts_with(['/', ':']) {
        return Err(format!("has no host; {hint}"));
    }
    Ok(text.to_owned())
}

use crds::contract::names::{bucket_name, camera_id, key_prefix};

fn cameras(
    sources: &Sources,
    file_cameras: Vec<FileCamera>,
    default_retention: Option<Duration>,
) -> Result<Vec<CameraConfig>, ConfigError> {
    let env_count = highest_env_camera(sources.env);
    let count = env_count.max(file_cameras.len());
    if count == 0 {
        return Err(ConfigError::new(
            env::camera(1, CameraVar::Url),
            "no camera is configured; set CAMERA_1_URL or add a [[cameras]] entry with a url to the config file",
        ));
    }
    let mut file_cameras = file_cameras.into_iter();
    let mut cameras = Vec::with_capacity(count);
    for number in 1..=count {
        let file = file_cameras.next().unwrap_or_default();
        cameras.push(camera(sources, number, file, default_retention)?);
    }
    let mut seen = BTreeSet::new();
    for (index, camera) in cameras.iter().enumerate() {
        if !seen.insert(camera.id.as_str()) {
            return Err(ConfigError::new(
                format!("{} (or cameras[{index}].id)", env::camera(index + 1, CameraVar::Id)),
                format!("camera id '{}' is used twice; give every camera its own id", camera.id),
            ));
        }
    }
    Ok(cameras)
}

/// The highest N for which any `CAMERA_N_*` variable is set.
fn highest_env_camera(env_vars: &HashMap<String, String>) -> usize {
    env_vars
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .filter_map(|(name, _)| name.strip_prefix("CAMERA_")?.split_once('_')?.0.parse::<usize>().ok())
        .filter(|&n| n > 0 && n <= 1000)
        .max()
        .unwrap_or(0)
}

fn camera(
    sources: &Sources,
    number: usize,
    file: FileCamera,
    default_retention: Option<Duration>,
) -> Result<CameraConfig, ConfigError> {
    let index = number - 1;
    let var = |v: CameraVar| env::camera(number, v);
    let field = |name: &str| format!("cameras[{index}].{name}");
    let get = |v: CameraVar, name: &str, value: Option<Scalar>| sources.get(Some(&var(v)), field(name), value);

    let url = get(CameraVar::Url, "url", file.url).ok_or_else(|| {
        ConfigError::new(
            format!("{} (or {})", var(CameraVar::Url), field("url")),
            format!("is missing; every camera needs a URL, {}", url::URL_SHAPE),
        )
    })?;
    let url = url.parse(CameraUrl::parse)?;
    let id = match get(CameraVar::Id, "id", file.id) {
        Some(raw) => raw.parse(camera_id)?,
        None => format!("camera-{number}"),
    };
    let name = get(CameraVar::Name, "name", file.name).map_or_else(|| id.clone(), |raw| raw.text);
    let enabled = match get(CameraVar::Enabled, "enabled", file.enabled) {
        Some(raw) => raw.parse(values::boolean)?,
        None => true,
    };
    let expected_resolution = get(CameraVar::Resolution, "resolution", file.resolution)
        .map(|raw| raw.parse(values::resolution))
        .transpose()?;
    let expected_fps = get(CameraVar::Fps, "fps", file.fps)
        .map(|raw| {
            raw.parse(|t| {
                let fps: u32 =
                    t.trim().parse().map_err(|_| format!("'{t}' is not a whole number of frames per second"))?;
                values::in_range(fps, 1, 240, |f| f.to_string())
            })
        })
        .transpose()?;
    let transport = match get(CameraVar::Transport, "transport", file.transport) {
        Some(raw) => raw.parse(|t| match t.trim().to_ascii_lowercase().as_str() {
            "tcp" => Ok(Transport::Tcp),
            "udp" => Ok(Transport::Udp),
            other => Err(format!("'{other}' is not a transport; write tcp or udp")),
        })?,
        None => Transport::Tcp,
    };
    let audio = match get(CameraVar::Audio, "audio", file.audio) {
        Some(raw) => raw.parse(|t| match t.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(AudioMode::Auto),
            "copy" => Ok(AudioMode::Copy),
            "aac" => Ok(AudioMode::Aac),
            "off" | "none" => Ok(AudioMode::Off),
            other => Err(format!("'{other}' is not an audio mode; write auto, copy, aac or none")),
        })?,
        None => AudioMode::Auto,
    };
    // The camera's own setting (environment or file) wins over the default for every camera.
    let retention = match get(CameraVar::Retention, "retention", file.retention) {
        Some(raw) => raw.parse(env::retention)?,
        None => default_retention,
    };
    Ok(CameraConfig { id, name, url, enabled, expected_resolution, expected_fps, transport, audio, retention })
}

/// Creates the spool directory if needed and proves it is writable, before anything is recorded into it.
pub fn check_spool_dir(dir: &Path) -> Result<(), ConfigError> {
    let field = || format!("{} (or storage.temp_dir)", env::TEMP_DIR);
    std::fs::create_dir_all(dir).map_err(|e| {
        ConfigError::new(field(), format!("cannot create {}: {e}; point it at a writable directory", dir.display()))
    })?;
    let probe = dir.join(format!(".write-check-{}", std::process::id()));
    std::fs::write(&probe, b"ok").and_then(|()| std::fs::remove_file(&probe)).map_err(|e| {
        ConfigError::new(field(), format!("{} is not writable: {e}; point it at a writable directory", dir.display()))
    })
}

#[cfg(test)]
mod tests;
