//! `camera-recorder`: see the crate documentation and the README.

use clap::Parser;
use crds::contract::{env, names};
use recorder::config::{self, Config, ConfigError};
use recorder::redact::Redactor;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Records IP cameras (RTSP) into fragmented-MP4 segments and uploads them to S3.
///
/// Configuration comes from an optional TOML file (--config) and the environment, which overrides the
/// file: CAMERA_1_URL, S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY, TEMP_DIR, SEGMENT_DURATION, ...
/// See config.example.toml and the README.
#[derive(Parser)]
#[command(name = "camera-recorder", version)]
struct Args {
    /// TOML configuration file.
    #[arg(long, env = env::CONFIG_FILE)]
    config: Option<PathBuf>,
    /// Validate the configuration, print a summary and exit.
    #[arg(long)]
    check_config: bool,
    /// Run one retention pass over the cameras named with --camera and exit, recording nothing: for footage
    /// whose recorder no longer runs. Needs only the S3 settings (S3_* or [storage]).
    #[arg(long, requires = "cameras")]
    retention_pass: bool,
    /// With --retention-pass: a camera id whose footage to apply the retention to (repeatable).
    #[arg(long = "camera", value_name = "ID", requires = "retention_pass")]
    cameras: Vec<String>,
    /// With --retention-pass: how long to keep the footage, e.g. 30d. Default: RETENTION or [storage] retention.
    #[arg(long, value_name = "DURATION", requires = "retention_pass")]
    retention: Option<String>,
    /// With --retention-pass: log what would be deleted, delete nothing (also RETENTION_DRY_RUN=true).
    #[arg(long, requires = "retention_pass")]
    dry_run: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_logging();
    if args.retention_pass {
        return retention_pass(&args);
    }
    let config = match load_config(&args) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    if args.check_config {
        println!("configuration OK: {}", config.summary());
        return ExitCode::SUCCESS;
    }
    tracing::info!("starting: {}", config.summary());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "recorder failed");
            ExitCode::FAILURE
        }
    }
}

fn config_text(args: &Args) -> Result<Option<String>, ConfigError> {
    match &args.config {
        Some(path) => Ok(Some(std::fs::read_to_string(path).map_err(|e| ConfigError {
            field: format!("--config (or {})", env::CONFIG_FILE),
            problem: format!("cannot read {}: {e}; pass the path of a readable TOML file", path.display()),
        })?)),
        None => Ok(None),
    }
}

fn load_config(args: &Args) -> Result<Config, ConfigError> {
    let text = config_text(args)?;
    let vars: HashMap<String, String> = std::env::vars().collect();
    let config = config::load(text.as_deref(), &vars)?;
    config::check_spool_dir(&config.recording.spool_dir)?;
    Ok(config)
}

/// What `--retention-pass` runs: the storage, the cameras and the retention.
struct OnePass {
    store: recorder::retention::Store,
    cameras: Vec<String>,
    retention: Duration,
}

fn one_pass(args: &Args) -> Result<OnePass, ConfigError> {
    let text = config_text(args)?;
    let vars: HashMap<String, String> = std::env::vars().collect();
    let (storage, default_retention, settings) = config::load_storage(text.as_deref(), &vars)?;
    let cameras = args
        .cameras
        .iter()
        .map(|id| names::camera_id(id).map_err(|problem| ConfigError { field: "--camera".into(), problem }))
        .collect::<Result<Vec<_>, _>>()?;
    let retention = match &args.retention {
        Some(text) => env::retention(text).map_err(|problem| ConfigError { field: "--retention".into(), problem })?,
        None => default_retention,
    };
    let retention = retention.ok_or_else(|| ConfigError {
        field: "--retention".into(),
        problem: format!(
            "no retention is set, so nothing would be deleted; pass one like --retention 30d (or set {})",
            env::RETENTION
        ),
    })?;
    let redactor = Arc::new(Redactor::new(storage.credentials.iter().map(|c| c.secret_key.clone())));
    let store = recorder::retention::Store {
        client: recorder::storage::client(&storage),
        bucket: storage.bucket.clone(),
        prefix: storage.prefix.clone(),
        redactor,
        dry_run: args.dry_run || settings.dry_run,
        delete_batch: settings.delete_batch,
        pace: recorder::retention::Pace::per_second(recorder::retention::DELETE_REQUESTS_PER_SECOND),
    };
    Ok(OnePass { store, cameras, retention })
}

/// `--retention-pass`: one pass per camera; a JSON summary of each on stdout. Exit 0 when every pass
/// succeeded, 1 when one failed, 2 for a configuration error.
fn retention_pass(args: &Args) -> ExitCode {
    let job = match one_pass(args) {
        Ok(job) => job,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let mut failed = false;
    for camera in &job.cameras {
        let began = std::time::Instant::now();
        let (report, result) = runtime.block_on(job.store.pass(camera, job.retention, jiff::Timestamp::now()));
        recorder::retention::log_pass(&report, result.as_ref().err());
        let summary = serde_json::json!({
            "camera": camera,
            "ok": result.is_ok(),
            "error": result.as_ref().err().map(|e| serde_json::json!({"kind": e.kind.as_str(), "message": e.message})),
            "seconds": (began.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            "report": report,
        });
        println!("{summary}");
        failed |= result.is_err();
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

async fn run(config: Config) -> std::io::Result<()> {
    let shutdown = CancellationToken::new();
    let signals = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("signal received");
        signals.cancel();
    });
    recorder::app::run(config, shutdown).await
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    // mp4-atom reports every box it does not model (an MP4's `udta` tags) as a warning: noise for an operator.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info"))
        .add_directive("mp4_atom=error".parse().expect("a valid directive"));
    let json = std::env::var(env::LOG_FORMAT).is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
