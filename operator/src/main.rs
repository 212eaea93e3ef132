//! `camera-operator`: see the crate documentation and the README.

use clap::Parser;
use operator::config::OperatorConfig;
use operator::controller::{self, Context};
use operator::http::{Health, router};
use operator::leader::{self, LeaseConfig};
use operator::metrics::Metrics;
use operator::reconcile::build::HTTP_PORT;
use operator::recorder_client::HttpRecorders;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

#[tokio::main]
async fn main() -> ExitCode {
    let config = OperatorConfig::parse();
    init_logging(&config.log_format);
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            error!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: OperatorConfig) -> Result<(), String> {
    let client = kube::Client::try_default().await.map_err(|e| format!("cannot reach the Kubernetes API: {e}"))?;
    let metrics = Arc::new(Metrics::new());
    let ready = Arc::new(AtomicBool::new(false));
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let app = router(Health { metrics: metrics.clone(), ready: ready.clone() });
    // Ready means "up and connected", whether leading or standing by: otherwise a second replica would never
    // be ready, and rollouts waiting for it would never finish. Leadership shows in camera_operator_leader.
    ready.store(true, Ordering::Relaxed);
    tokio::spawn(async move { axum::serve(listener, app).await });
    info!(addr = %config.listen, "serving /health, /ready and /metrics");

    // With leader election, only the replica holding the Lease reconciles; losing it stops this one.
    let leadership = if config.leader_election {
        let lease = LeaseConfig {
            namespace: config.lease_namespace.clone(),
            name: config.lease_name.clone(),
            identity: config.identity.clone(),
            lease_duration: Duration::from_secs(15),
            renew_every: Duration::from_secs(5),
        };
        match leader::acquire(client.clone(), lease, shutdown.clone()).await {
            Ok(leadership) => Some(leadership),
            Err(leader::Error::Cancelled) => return Ok(()),
            Err(e) => return Err(format!("leader election failed: {e}")),
        }
    } else {
        None
    };
    metrics.leader.set(1);
    let stop = match &leadership {
        Some(leadership) => leadership.lost.clone(),
        None => shutdown.clone(),
    };

    let ctx = Arc::new(Context::new(client, &config, Arc::new(HttpRecorders::new(HTTP_PORT)), metrics.clone()));
    controller::run(ctx, config.namespaces(), stop.clone()).await;
    metrics.leader.set(0);
    let lost = !shutdown.is_cancelled();
    if let Some(leadership) = leadership {
        leadership.release().await;
    }
    if lost {
        return Err("lost the leader Lease; exiting so that the standby takes over".into());
    }
    info!("stopped");
    Ok(())
}

async fn stop_on_signal(shutdown: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    info!("signal received; shutting down");
    shutdown.cancel();
}

fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,kube=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format.eq_ignore_ascii_case("json") {
        builder.json().init();
    } else {
        builder.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init();
    }
}
