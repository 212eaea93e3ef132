//! Retention: each camera's footage is deleted from the bucket once all of it is older than the camera's
//! retention, except where a hold covers it. The recorder does it for its own cameras, so it works without
//! Kubernetes; `camera-recorder --retention-pass` does it once for a camera whose recorder no longer runs.
//!
//! - [`plan`] (pure) decides: which objects go, in which order, and which incomplete uploads are aborted.
//! - [`store`] does the I/O of one pass over one camera: listings, holds, HEADs, batch deletes, aborts.
//! - [`run`] schedules passes: the first within a minute of start-up, then at least hourly.
//!
//! Safety: a pass deletes a segment's companions before the segment, so a crash (or a second recorder of the
//! same camera passing at the same time, during a rollout) leaves at worst a segment without its index,
//! which plays and goes in the next pass. Deleting what is already gone succeeds, so two passes never fail
//! each other. Holds are read at the start of every pass and checked again before every batch of deletions.

pub mod plan;
pub mod store;

pub use store::{DELETE_REQUESTS_PER_SECOND, Pace, PassReport, Requests, Store};

use crate::telemetry::CameraReport;
use jiff::Timestamp;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

/// A camera whose footage is kept for a limited time.
pub struct Kept {
    pub camera: String,
    pub retention: Duration,
    pub report: Arc<CameraReport>,
}

/// Runs retention passes over `cameras` until `stop`: the first after `first_delay` at most, the next ones
/// every `interval` at most. Each pass covers every camera, one after the other.
pub async fn run(store: Store, cameras: Vec<Kept>, first_delay: Duration, interval: Duration, stop: CancellationToken) {
    if cameras.is_empty() {
        return;
    }
    let announce = |at: Timestamp| {
        for camera in &cameras {
            camera.report.retention_next_pass(at);
        }
    };
    let pass = || async {
        for camera in &cameras {
            let (report, result) = store.pass(&camera.camera, camera.retention, Timestamp::now()).await;
            camera.report.retention_pass(&report, result.as_ref().err(), Timestamp::now());
            log_pass(&report, result.as_ref().err());
        }
    };
    schedule(first_delay, interval, &stop, announce, pass).await;
}

/// Logs a pass's outcome: one line, an error when it failed.
pub fn log_pass(report: &PassReport, error: Option<&crate::storage::StorageError>) {
    let requests = report.requests.total();
    match error {
        None => info!(
            camera = report.camera,
            cutoff = %report.cutoff,
            dry_run = report.dry_run,
            deleted_objects = report.deleted_objects,
            deleted_bytes = report.deleted_bytes,
            held_segments = report.held_segments,
            holds = report.holds,
            aborted_uploads = report.aborted_uploads,
            requests,
            "retention pass done"
        ),
        Some(e) => error!(
            camera = report.camera,
            reason = e.kind.as_str(),
            deleted_objects = report.deleted_objects,
            requests,
            "retention pass failed, the next one tries again: {}",
            e.message
        ),
    }
}

/// Calls `pass` after `first_delay` at most, then every `interval` at most, counted from the start of the
/// previous pass, until `stop`; `announce` hears when each pass is due (wall clock). Dropping a pass midway
/// at `stop` is as harmless as a crash.
pub async fn schedule<P, F>(
    first_delay: Duration,
    interval: Duration,
    stop: &CancellationToken,
    announce: impl Fn(Timestamp),
    pass: P,
) where
    P: Fn() -> F,
    F: Future<Output = ()>,
{
    let mut started = tokio::time::Instant::now();
    for number in 0u64.. {
        let due = started + plan::delay_before_pass(number, first_delay, interval, fastrand::f64());
        let wait = due.saturating_duration_since(tokio::time::Instant::now());
        announce(Timestamp::now() + wait);
        tokio::select! {
            () = tokio::time::sleep_until(due) => {}
            () = stop.cancelled() => return,
        }
        started = tokio::time::Instant::now();
        tokio::select! {
            () = pass() => {}
            () = stop.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test(start_paused = true)]
    async fn passes_run_within_a_minute_of_start_up_and_then_at_least_hourly() {
        let began = tokio::time::Instant::now();
        let starts = Arc::new(Mutex::new(Vec::new()));
        let stop = CancellationToken::new();
        let recorded = starts.clone();
        let task = tokio::spawn({
            let stop = stop.clone();
            async move {
                let pass = || {
                    let recorded = recorded.clone();
                    async move {
                        recorded.lock().unwrap().push(tokio::time::Instant::now());
                        // A pass that takes a while: the next is counted from this one's start.
                        tokio::time::sleep(Duration::from_secs(300)).await;
                    }
                };
                schedule(Duration::from_secs(30), Duration::from_secs(3600), &stop, |_| {}, pass).await;
            }
        });
        tokio::time::sleep(Duration::from_secs(5 * 3600 + 60)).await;
        stop.cancel();
        task.await.unwrap();
        let starts: Vec<Duration> = starts.lock().unwrap().iter().map(|at| *at - began).collect();
        assert!(starts.len() >= 5, "{starts:?}");
        assert!(starts[0] <= Duration::from_secs(30) && starts[0] >= Duration::from_secs(15), "{starts:?}");
        for pair in starts.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap <= Duration::from_secs(3600) && gap >= Duration::from_secs(3240), "{starts:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_ends_the_schedule_even_during_a_pass() {
        let stop = CancellationToken::new();
        let passes = Arc::new(Mutex::new(0));
        let counted = passes.clone();
        let task = tokio::spawn({
            let stop = stop.clone();
            async move {
                let pass = || {
                    let counted = counted.clone();
                    async move {
                        *counted.lock().unwrap() += 1;
                        std::future::pending::<()>().await;
                    }
                };
                schedule(Duration::ZERO, Duration::from_secs(3600), &stop, |_| {}, pass).await;
            }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        stop.cancel();
        task.await.unwrap();
        assert_eq!(*passes.lock().unwrap(), 1);
    }
}
