//! The one HTTP port: `/health`, `/ready`, `/metrics`, `/status`.

use crate::telemetry::Board;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use jiff::Timestamp;
use std::sync::Arc;

pub fn router(board: Arc<Board>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/status", get(status))
        .with_state(board)
}

/// Liveness: the process and its runtime answer.
async fn health() -> &'static str {
    "ok\n"
}

/// Readiness: every enabled camera produced data within the stall window, and S3 accepts requests.
async fn ready(State(board): State<Arc<Board>>) -> Response {
    let status = board.snapshot(Timestamp::now());
    if status.ready {
        return (StatusCode::OK, "ready\n").into_response();
    }
    let mut reasons = Vec::new();
    if !status.storage.reachable {
        reasons.push(match &status.storage.last_error {
            Some(fault) => format!("storage: {}", fault.message),
            None => "storage: not checked yet".to_owned(),
        });
    }
    for camera in
        status.cameras.iter().filter(|c| !c.recording && c.state != crds::contract::status::CameraState::Disabled)
    {
        let why = camera.capture_error.as_ref().map_or("no recent data", |f| f.message.as_str());
        reasons.push(format!("camera {}: {why}", camera.id));
    }
    (StatusCode::SERVICE_UNAVAILABLE, format!("not ready\n{}\n", reasons.join("\n"))).into_response()
}

async fn metrics(State(board): State<Arc<Board>>) -> Response {
    let body = board.render_metrics(Timestamp::now());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

async fn status(State(board): State<Arc<Board>>) -> Json<crds::contract::status::RecorderStatus> {
    Json(board.snapshot(Timestamp::now()))
}
