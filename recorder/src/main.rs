//! `camera-recorder`: see the crate documentation and the README.

use clap::Parser;
use crds::contract::env;
use recorder::config::{self, Config, ConfigError};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
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
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_logging();
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

fn load_config(args: &Args) -> Result<Config, ConfigError> {
    let text = match &args.config {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| ConfigError {
            field: format!("--config (or {})", env::CONFIG_FILE),
            problem: format!("cannot read {}: {e}; pass the path of a readable TOML file", path.display()),
        })?),
        None => None,
    };
    let vars: HashMap<String, String> = std::env::vars().collect();
    let config = config::load(text.as_deref(), &vars)?;
    config::check_spool_dir(&config.recording.spool_dir)?;
    Ok(config)
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
