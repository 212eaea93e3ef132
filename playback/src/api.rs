//! The HTTP API (`/api/v1`), the probes, `/metrics`, and the web UI's files.

use crate::auth::{Auth, SESSION_COOKIE, SESSION_SECS, Viewer};
use crate::catalog::Segment;
use crate::error::ApiError;
use crate::export::{ExportLayout, Read, file_name as export_file_name};
use crate::metrics::Metrics;
use crate::params;
use crate::plan::{self, Indexed, MediaGap, Piece, Plan};
use crate::store::Store;
use crate::timeline::{Gap, Span, timeline};
use crate::ui::Ui;
use crate::{body, hls};
use axum::Router;
use axum::extract::{Extension, MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{delete, get, post};
use futures_util::{StreamExt, TryStreamExt};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// How far a playback reaches when the client gives no end: a night's worth of scrubbing without a reload.
pub const PLAYBACK_WINDOW: SignedDuration = SignedDuration::from_hours(3);
/// Indexes fetched at once while planning.
const INDEX_FETCH_CONCURRENCY: usize = 8;

pub struct App {
    pub store: Arc<Store>,
    pub auth: Auth,
    pub export_max: SignedDuration,
    pub metrics: Arc<Metrics>,
    pub ui: Ui,
}

type AppState = State<Arc<App>>;
type Result<T> = std::result::Result<T, ApiError>;
type QueryMap = Query<HashMap<String, String>>;

pub fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .route("/api/v1/session", get(session))
        .route("/api/v1/cameras", get(cameras))
        .route("/api/v1/cameras/{id}/timeline", get(camera_timeline))
        .route("/api/v1/cameras/{id}/playback", get(playback))
        .route("/api/v1/cameras/{id}/playlist.m3u8", get(playlist))
        .route("/api/v1/cameras/{id}/media/{file}", get(media))
        .route("/api/v1/cameras/{id}/export", get(export))
        .route("/api/v1/cameras/{id}/holds", get(list_holds).post(create_hold))
        .route("/api/v1/cameras/{id}/holds/{hold}", delete(remove_hold))
        .route_layer(middleware::from_fn_with_state(app.clone(), require_viewer));
    Router::new()
        .route("/health", get(|| async { "ok\n" }))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/api/v1/login", post(login))
        .route("/api/v1/logout", post(logout))
        .route("/api/v1/openapi.json", get(openapi))
        .merge(api)
        .fallback(get(ui_file))
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        .with_state(app)
}

/// Counts and times every request by route, without logging its query (which may hold nothing secret, but
/// the camera names of someone's home).
async fn observe(State(app): AppState, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("other", |p| p.as_str()).to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    app.metrics.request_duration.with_label_values(&[&route]).observe(started.elapsed().as_secs_f64());
    app.metrics.requests.with_label_values(&[&route, response.status().as_str()]).inc();
    response
}

/// Lets a request in, or answers 401. Handlers that need to know who it is take the `Viewer` it leaves behind.
async fn require_viewer(State(app): AppState, mut request: Request, next: Next) -> Response {
    let Some(viewer) = app.auth.check(request.headers(), Timestamp::now()) else {
        return ApiError::unauthorized().into_response();
    };
    request.extensions_mut().insert(viewer);
    next.run(request).await
}

async fn ready(State(app): AppState) -> Response {
    match app.store.reachable().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(error) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready\n{error}\n")).into_response(),
    }
}

async fn metrics(State(app): AppState) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], app.metrics.render()).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], crate::OPENAPI).into_response()
}

async fn ui_file(State(app): AppState, request: Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") {
        return ApiError::not_found("no such API route; see /api/v1/openapi.json").into_response();
    }
    app.ui.serve(path)
}

#[derive(Deserialize)]
struct Login {
    token: String,
}

async fn login(State(app): AppState, headers: HeaderMap, body: axum::body::Bytes) -> Result<Response> {
    let login: Login =
        serde_json::from_slice(&body).map_err(|_| ApiError::bad_request("token: send JSON {\"token\": \"...\"}"))?;
    if !app.auth.accepts_token(&login.token) {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "token: not the viewer token; check PLAYBACK_TOKEN"));
    }
    let value = app
        .auth
        .session_value(Timestamp::now())
        .ok_or_else(|| ApiError::bad_request("token: this server does not use tokens"))?;
    Ok(with_cookie(StatusCode::NO_CONTENT, &headers, &value, SESSION_SECS))
}

async fn logout(headers: HeaderMap) -> Response {
    with_cookie(StatusCode::NO_CONTENT, &headers, "", 0)
}

/// `Secure` only behind HTTPS (said by the proxy): a session on plain http on a home network must still work.
fn with_cookie(status: StatusCode, headers: &HeaderMap, value: &str, max_age: i64) -> Response {
    let https = headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if https { "; Secure" } else { "" }
    );
    let mut response = status.into_response();
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn session(State(app): AppState, Extension(viewer): Extension<Viewer>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "auth": app.auth.mode(), "user": viewer.user }))
}

async fn cameras(State(app): AppState) -> Result<Json<serde_json::Value>> {
    let cameras = app.store.cameras().await?;
    Ok(Json(serde_json::json!({ "cameras": &*cameras })))
}

/// The camera named in the path, checked and known to the bucket.
async fn known_camera(app: &App, id: &str) -> Result<String> {
    let id = params::camera_id(id)?;
    if !app.store.camera_exists(&id).await? {
        return Err(ApiError::not_found(format!(
            "camera: '{id}' has no footage in bucket '{}'; GET /api/v1/cameras lists the cameras",
            app.store.bucket
        )));
    }
    Ok(id)
}

#[derive(Serialize)]
struct TimelineBody {
    camera: String,
    start: Timestamp,
    end: Timestamp,
    spans: Vec<Span>,
    gaps: Vec<Gap>,
}

async fn camera_timeline(
    State(app): AppState,
    Path(id): Path<String>,
    Query(query): QueryMap,
) -> Result<Json<TimelineBody>> {
    let camera = params::camera_id(&id)?;
    let (start, end) = match query.get("day") {
        Some(day) => params::local_day(day, query.get("tz").map(String::as_str))?,
        None => (
            params::time("start", query.get("start").map(String::as_str))?,
            params::time("end", query.get("end").map(String::as_str))?,
        ),
    };
    params::range(start, end, SignedDuration::from_hours(24 * params::MAX_TIMELINE_DAYS), "a timeline")?;
    let segments = app.store.segments(&camera, start, end).await?;
    // Footage proves the camera exists; only an empty answer costs the extra request that tells 404 from "no
    // footage in this range", so a timeline costs one listing per camera-day.
    if segments.is_empty() {
        known_camera(&app, &camera).await?;
    }
    let found = timeline(&segments, start, end);
    Ok(Json(TimelineBody { camera, start, end, spans: found.spans, gaps: found.gaps }))
}

/// The plan for `camera` from `at` to `until`, with every index it needs.
async fn plan_for(app: &App, camera: &str, at: Timestamp, until: Timestamp) -> Result<Plan> {
    let segments: Vec<Segment> = app.store.segments(camera, at, until).await?;
    let store = &app.store;
    let indexed: Vec<Indexed> = futures_util::stream::iter(segments)
        .map(|segment| async move {
            let index = store.index(&segment).await?;
            Ok::<_, ApiError>(Indexed { segment, index })
        })
        .buffered(INDEX_FETCH_CONCURRENCY)
        .try_collect()
        .await?;
    let plan = plan::plan(&indexed, at, until);
    if plan.is_empty() {
        return Err(ApiError::not_found(format!("start: camera '{camera}' has no footage between {at} and {until}")));
    }
    Ok(plan)
}

/// `start` and the end of a playback request; `live` when the range reaches into the future.
fn playback_range(query: &HashMap<String, String>) -> Result<(Timestamp, Timestamp, bool)> {
    let start = params::time("start", query.get("start").map(String::as_str))?;
    let end = match query.get("end") {
        Some(end) => params::time("end", Some(end))?,
        None => start.checked_add(PLAYBACK_WINDOW).unwrap_or(start),
    };
    params::range(start, end, SignedDuration::from_hours(24), "a playback window")?;
    Ok((start, end, end > Timestamp::now()))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlaybackBody {
    camera: String,
    requested: Timestamp,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    live: bool,
    playlist: String,
    start_position: f64,
    pieces: Vec<Piece>,
    gaps: Vec<MediaGap>,
}

async fn playback(State(app): AppState, Path(id): Path<String>, Query(query): QueryMap) -> Result<Json<PlaybackBody>> {
    let camera = known_camera(&app, &id).await?;
    let (start, end, live) = playback_range(&query)?;
    let plan = plan_for(&app, &camera, start, end).await?;
    Ok(Json(PlaybackBody {
        playlist: format!("/api/v1/cameras/{camera}/playlist.m3u8?start={start}&end={end}"),
        camera,
        requested: start,
        start: plan.wall_start(),
        end: plan.wall_end(),
        live,
        start_position: plan.start_position,
        pieces: plan.pieces,
        gaps: plan.gaps,
    }))
}

async fn playlist(State(app): AppState, Path(id): Path<String>, Query(query): QueryMap) -> Result<Response> {
    let camera = known_camera(&app, &id).await?;
    let (start, end, live) = playback_range(&query)?;
    let until = if live { Timestamp::now() } else { end };
    let plan = plan_for(&app, &camera, start, until.max(start + SignedDuration::from_secs(1))).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/vnd.apple.mpegurl"), (header::CACHE_CONTROL, "no-cache")],
        hls::playlist(&plan, live),
    )
        .into_response())
}

/// `<camera>_<YYYYMMDDTHHMMSSZ>.mp4` back to its segment.
async fn segment_named(app: &App, camera: &str, file: &str) -> Result<Segment> {
    let bad = || ApiError::bad_request(format!("file: '{file}' is not a segment of camera '{camera}'"));
    let stamp = file
        .strip_prefix(camera)
        .and_then(|s| s.strip_prefix('_'))
        .and_then(|s| s.strip_suffix(".mp4"))
        .ok_or_else(bad)?;
    let opened: Timestamp = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%S", stamp.trim_end_matches('Z'))
        .ok()
        .and_then(|civil| civil.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|zoned| zoned.timestamp())
        .ok_or_else(bad)?;
    let key = crds::contract::storage::segment_key(&app.store.prefix, camera, opened);
    let day = opened.to_zoned(jiff::tz::TimeZone::UTC).date();
    let segments = app.store.day(camera, day).await?;
    segments
        .iter()
        .find(|s| s.key == key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("file: '{file}' is not in the bucket")))
}

/// Bytes of one segment with its decode times shifted: what the playlist's media segments and map point at.
async fn media(
    State(app): AppState,
    Path((id, file)): Path<(String, String)>,
    Query(query): QueryMap,
    headers: HeaderMap,
) -> Result<Response> {
    let camera = params::camera_id(&id)?;
    let shift = params::shift(query.get("shift").map(String::as_str))?;
    let segment = segment_named(&app, &camera, &file).await?;
    let index = app.store.index(&segment).await?;
    let (start, end) = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(range) => params::byte_range(range, index.size)?,
        None => (0, index.size),
    };
    // A moof can only be rewritten whole: a range must start at the init or at a fragment, and end at a box end.
    let starts_on_box = start == 0 || index.fragments.iter().any(|f| f.offset == start);
    let ends_on_box =
        end == index.init_size || end == index.size || index.fragments.iter().any(|f| f.offset + f.size == end);
    if !starts_on_box || !ends_on_box {
        return Err(ApiError::range_not_satisfiable(
            "Range: must cover whole fragments, as the playlist's byte ranges do",
            index.size,
        ));
    }
    let retime = fmp4::rewrite::Retime { shifts: plan::shifts_for(&index, shift), first_sequence: None };
    let read = Read {
        key: segment.key.clone(),
        offset: start,
        length: end - start,
        retime: Some(retime),
        skip: 0,
        take: end - start,
    };
    let metrics = app.metrics.clone();
    let body = body::stream(app.store.clone(), vec![read], move |n| {
        metrics.served_bytes.with_label_values(&["media"]).inc_by(n)
    });
    let mut response = Response::new(body);
    let partial = headers.contains_key(header::RANGE);
    *response.status_mut() = if partial { StatusCode::PARTIAL_CONTENT } else { StatusCode::OK };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("video/mp4"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // The bytes of a (file, shift) never change: a viewer scrubbing back re-uses them.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400, immutable"));
    if partial {
        h.insert(header::CONTENT_RANGE, header_value(&format!("bytes {start}-{}/{}", end - 1, index.size))?);
    }
    Ok(response)
}

fn header_value(text: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(text).map_err(|_| ApiError::bad_request("a header value could not be formed"))
}

async fn export(
    State(app): AppState,
    Path(id): Path<String>,
    Query(query): QueryMap,
    method: Method,
    headers: HeaderMap,
) -> Result<Response> {
    let camera = known_camera(&app, &id).await?;
    let start = params::time("start", query.get("start").map(String::as_str))?;
    let end = params::time("end", query.get("end").map(String::as_str))?;
    params::range(start, end, app.export_max, "an export")?;
    let plan = plan_for(&app, &camera, start, end).await?;
    let layout = ExportLayout::from_plan(&plan).ok_or_else(|| ApiError::not_found("start: no footage in the range"))?;
    let etag = format!("\"{}\"", layout_etag(&layout));
    // A resumed download whose file changed meanwhile (a late segment arrived) starts over, as RFC 9110 says.
    let if_range_ok = headers.get(header::IF_RANGE).is_none_or(|v| v.as_bytes() == etag.as_bytes());
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(range) if if_range_ok => Some(params::byte_range(range, layout.total)?),
        _ => None,
    };
    let (from, to) = range.unwrap_or((0, layout.total));
    let name = export_file_name(&camera, start, end);
    let body = if method == Method::HEAD {
        axum::body::Body::empty()
    } else {
        let metrics = app.metrics.clone();
        body::stream(app.store.clone(), layout.reads(from, to), move |n| {
            metrics.served_bytes.with_label_values(&["export"]).inc_by(n)
        })
    };
    let mut response = Response::new(body);
    *response.status_mut() = if range.is_some() { StatusCode::PARTIAL_CONTENT } else { StatusCode::OK };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("video/mp4"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(to - from));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CONTENT_DISPOSITION, header_value(&format!("attachment; filename=\"{name}\""))?);
    h.insert(header::ETAG, header_value(&etag)?);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    h.insert("x-footage-start", header_value(&plan.wall_start().map(|t| t.to_string()).unwrap_or_default())?);
    h.insert("x-footage-end", header_value(&plan.wall_end().map(|t| t.to_string()).unwrap_or_default())?);
    if range.is_some() {
        h.insert(header::CONTENT_RANGE, header_value(&format!("bytes {from}-{}/{}", to - 1, layout.total))?);
    }
    Ok(response)
}

/// Changes whenever the export's bytes would: the segments, their sizes and the shifts.
fn layout_etag(layout: &ExportLayout) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    layout.total.hash(&mut hasher);
    for part in &layout.parts {
        (&part.key, part.out_start, &part.fragments, &part.shifts).hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

async fn list_holds(State(app): AppState, Path(id): Path<String>) -> Result<Json<serde_json::Value>> {
    let camera = known_camera(&app, &id).await?;
    let holds = app.store.holds(&camera).await?;
    Ok(Json(serde_json::json!({ "holds": holds })))
}

async fn create_hold(
    State(app): AppState,
    Path(id): Path<String>,
    Extension(viewer): Extension<Viewer>,
    body: axum::body::Bytes,
) -> Result<Response> {
    let camera = known_camera(&app, &id).await?;
    let request: crate::holds::NewHold = serde_json::from_slice(&body).map_err(|_| {
        ApiError::bad_request("start: send JSON {\"start\": RFC 3339, \"end\": RFC 3339, \"reason\": \"...\"}")
    })?;
    let hold = crate::holds::make_hold(&camera, &request, Timestamp::now(), viewer.user)?;
    app.store.put_hold(&hold).await?;
    tracing::info!(camera, hold = hold.id, start = %hold.start, end = %hold.end, "hold created");
    Ok((StatusCode::CREATED, Json(hold)).into_response())
}

async fn remove_hold(State(app): AppState, Path((id, hold)): Path<(String, String)>) -> Result<StatusCode> {
    let camera = known_camera(&app, &id).await?;
    let hold = crds::contract::storage::hold_id(&hold).map_err(|e| ApiError::bad_request(format!("hold: {e}")))?;
    if !app.store.delete_hold(&camera, &hold).await? {
        return Err(ApiError::not_found(format!("hold: camera '{camera}' has no hold '{hold}'")));
    }
    tracing::info!(camera, hold, "hold removed");
    Ok(StatusCode::NO_CONTENT)
}
