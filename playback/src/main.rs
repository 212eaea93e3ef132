//! `camera-playback`: see the crate documentation and the README.

use clap::Parser;
use crds::contract::env;
use playback::api::{self, App};
use playback::config::{self, ConfigError, Flags, Settings};
use playback::metrics::Metrics;
use playback::store::Store;
use playback::ui::Ui;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Serves the footage that camera-recorder wrote to S3: a web UI, a JSON API, HLS playback and MP4 exports.
///
/// Configuration: the recorder's S3 settings (S3_ENDPOINT, S3_BUCKET, S3_REGION, S3_PREFIX, S3_ACCESS_KEY,
/// S3_SECRET_KEY, or the same TOML file's [storage]), LISTEN_ADDR, and PLAYBACK_* (see the README).
#[derive(Parser)]
#[command(name = "camera-playback", version)]
struct Args {
    /// TOML configuration file (the recorder's file works: [storage] and [playback] are read).
    #[arg(long, env = env::CONFIG_FILE)]
    config: Option<PathBuf>,
    /// Who may watch: token (default), trusted-header (behind an auth proxy) or none.
    #[arg(long)]
    auth: Option<String>,
    /// Address to listen on, e.g. 0.0.0.0:8080 or 8080.
    #[arg(long)]
    listen: Option<String>,
    /// Validate the configuration, print a summary and exit.
    #[arg(long)]
    check_config: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_logging();
    let settings = match load(&args) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    if args.check_config {
        println!("configuration OK: {}", settings.summary());
        return ExitCode::SUCCESS;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(run(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "camera-playback failed");
            ExitCode::FAILURE
        }
    }
}

fn load(args: &Args) -> Result<Settings, ConfigError> {
    let text = match &args.config {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| ConfigError {
            field: format!("--config (or {})", env::CONFIG_FILE),
            problem: format!("cannot read {}: {e}; pass the path of a readable TOML file", path.display()),
        })?),
        None => None,
    };
    let vars: HashMap<String, String> = std::env::vars().collect();
    let flags = Flags { auth: args.auth.clone(), listen: args.listen.clone() };
    config::load(&flags, &vars, text.as_deref(), |path| std::fs::read_to_string(path))
}

async fn run(settings: Settings) -> std::io::Result<()> {
    tracing::info!("starting: {}", settings.summary());
    if matches!(settings.auth, playback::auth::Auth::None) {
        tracing::warn!("--auth none: anyone who can reach {} can watch every camera", settings.listen);
    }
    let metrics = Arc::new(Metrics::new());
    let client = playback::s3::client(&settings.storage);
    let store =
        Arc::new(Store::new(client, settings.storage.bucket.clone(), settings.storage.prefix.clone(), metrics.clone()));
    // For UI development only: serve the files from a directory instead of the binary.
    let ui = std::env::var_os("PLAYBACK_UI_DIR").map_or(Ui::Embedded, |dir| Ui::Dir(PathBuf::from(dir)));
    let app = Arc::new(App { store, auth: settings.auth.clone(), export_max: settings.export_max, metrics, ui });
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    // Without TCP_NODELAY a response's head and first bytes wait on the client's delayed ACK (Nagle): about
    // 40 ms each, measured as 100 ms to the first media byte of a playback.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, api::router(app)).with_graceful_shutdown(wait_for_signal()).await
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::info!("signal received; finishing open responses");
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
