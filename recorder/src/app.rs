//! Wires the parts together and runs them until shutdown.
//!
//! Start-up: spool directories are scanned (leftovers are queued first), the HTTP server binds, then one
//! supervisor (FFmpeg) and one delivery (uploads) task start per camera, and one retention task for the
//! cameras with a retention.
//!
//! Shutdown (SIGTERM or SIGINT): a retention pass in progress stops where it is (as harmless as a crash),
//! supervisors stop FFmpeg so it closes its segment, then the deliveries
//! drain the spool to S3 for what is left of the grace period. The process exits 0 either way; anything not
//! uploaded by then stays in the spool and goes first after the next start.

use crate::config::Config;
use crate::delivery::Delivery;
use crate::redact::Redactor;
use crate::retention::{self, DELETE_REQUESTS_PER_SECOND, Kept, Pace};
use crate::spool::{CameraSpool, SpoolBudget};
use crate::storage;
use crate::supervisor::Supervisor;
use crate::telemetry::Board;
use crate::upload::Uploader;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

/// How often the bucket is checked when nothing is being uploaded, so `/ready` notices an outage between
/// segments.
const STORAGE_CHECK_INTERVAL: Duration = Duration::from_secs(15);
const SPOOL_CHECK_INTERVAL: Duration = Duration::from_secs(2);

pub async fn run(config: Config, shutdown: CancellationToken) -> std::io::Result<()> {
    let redactor = Arc::new(Redactor::new(config.secrets()));
    let board = Board::new(&config);
    let client = storage::client(&config.storage);
    let uploader = Uploader {
        client: client.clone(),
        bucket: config.storage.bucket.clone(),
        prefix: config.storage.prefix.clone(),
        part_size: config.storage.part_size,
        concurrency: config.storage.upload_concurrency,
        redactor: redactor.clone(),
    };

    let mut spools = Vec::new();
    for camera in &config.cameras {
        let report = board.camera(&camera.id).expect("a report exists for every configured camera");
        let spool = CameraSpool::new(&config.recording.spool_dir, report)?;
        let adopted = spool.adopt_leftovers()?;
        if adopted > 0 {
            info!(camera = %camera.id, "found {adopted} segment(s) in the spool from an earlier run; uploading them first");
        }
        spools.push(spool);
    }

    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    info!(addr = %listener.local_addr()?, "http server listening");
    let router = crate::http::router(board.clone());
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            error!(error = %e, "http server failed");
        }
    });

    let kept: Vec<Kept> = config
        .cameras
        .iter()
        .filter_map(|camera| {
            Some(Kept { camera: camera.id.clone(), retention: camera.retention?, report: board.camera(&camera.id)? })
        })
        .collect();
    for camera in &kept {
        info!(
            camera = camera.camera,
            retention = crds::contract::env::format_retention(camera.retention),
            dry_run = config.retention.dry_run,
            "footage older than the retention is deleted, except where a hold covers it"
        );
    }
    let store = retention::Store {
        client: client.clone(),
        bucket: config.storage.bucket.clone(),
        prefix: config.storage.prefix.clone(),
        redactor: redactor.clone(),
        dry_run: config.retention.dry_run,
        delete_batch: config.retention.delete_batch,
        pace: Pace::per_second(DELETE_REQUESTS_PER_SECOND),
    };
    tokio::spawn(retention::run(
        store,
        kept,
        config.retention.first_pass_delay,
        config.retention.interval,
        shutdown.clone(),
    ));

    let background = CancellationToken::new();
    tokio::spawn(check_storage(
        client,
        config.storage.bucket.clone(),
        board.clone(),
        redactor.clone(),
        background.clone(),
    ));
    tokio::spawn(keep_spool_bounded(
        SpoolBudget::new(spools.clone(), config.recording.spool_max_bytes),
        board.clone(),
        background.clone(),
    ));

    let drain = CancellationToken::new();
    let mut recorders = JoinSet::new();
    let mut deliveries = JoinSet::new();
    for (camera, spool) in config.cameras.iter().zip(&spools) {
        let report = board.camera(&camera.id).expect("a report exists for every configured camera");
        deliveries.spawn(
            Delivery {
                spool: spool.clone(),
                uploader: uploader.clone(),
                report: report.clone(),
                board: board.clone(),
                ffprobe: config.recording.ffprobe.clone(),
                redactor: redactor.clone(),
            }
            .run(drain.clone()),
        );
        if camera.enabled {
            recorders.spawn(
                Supervisor {
                    camera: camera.clone(),
                    recording: config.recording.clone(),
                    spool: spool.clone(),
                    report,
                    redactor: redactor.clone(),
                }
                .run(shutdown.clone()),
            );
        } else {
            info!(camera = %camera.id, "camera is disabled; uploading what its spool holds, recording nothing");
        }
    }

    shutdown.cancelled().await;
    let deadline = tokio::time::Instant::now() + config.recording.shutdown_grace;
    info!(grace = ?config.recording.shutdown_grace, "shutting down: closing segments, then flushing the spool");
    while recorders.join_next().await.is_some() {}
    drain.cancel();
    let flushed = tokio::time::timeout_at(deadline, async { while deliveries.join_next().await.is_some() {} }).await;
    let left: usize = spools.iter().map(|s| s.queued()).sum();
    match flushed {
        Ok(()) => info!("spool flushed; exiting"),
        Err(_) => warn!(
            left,
            "grace period over with segments still in the spool; they will be uploaded after the next start"
        ),
    }
    background.cancel();
    server.abort();
    Ok(())
}

async fn check_storage(
    client: aws_sdk_s3::Client,
    bucket: String,
    board: Arc<Board>,
    redactor: Arc<Redactor>,
    stop: CancellationToken,
) {
    let mut was_ok = None;
    loop {
        match storage::check_bucket(&client, &bucket, &redactor).await {
            Ok(()) => {
                if was_ok != Some(true) {
                    info!(bucket, "bucket is reachable");
                }
                board.storage_ok();
                was_ok = Some(true);
            }
            Err(e) => {
                if was_ok != Some(false) {
                    warn!(bucket, reason = e.kind.as_str(), "storage check failed: {}", e.message);
                }
                board.storage_failed(e.kind, e.message);
                was_ok = Some(false);
            }
        }
        tokio::select! {
            () = tokio::time::sleep(STORAGE_CHECK_INTERVAL) => {}
            () = stop.cancelled() => return,
        }
    }
}

async fn keep_spool_bounded(budget: SpoolBudget, board: Arc<Board>, stop: CancellationToken) {
    let mut tick = tokio::time::interval(SPOOL_CHECK_INTERVAL);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = stop.cancelled() => return,
        }
        // A few directory listings: cheap enough to run on the runtime.
        board.spool_total(budget.enforce());
    }
}
