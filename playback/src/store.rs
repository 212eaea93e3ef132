//! Reading the bucket: listings, indexes and byte ranges, with bounded caches so that warm requests cost no S3
//! round trip. Everything here is I/O; what the bytes mean is decided by the pure modules.
//!
//! - A camera-day is one listing (plus one HEAD per segment without an index, once), cached briefly for days
//!   that may still grow and longer for older ones.
//! - Indexes are cached by segment key, bounded by their total number of fragments. A segment without an index
//!   object is indexed from its video once, then served from the cache like the others.

use crate::catalog::{self, Listed, ListedSegment, Segment};
use crate::metrics::Metrics;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use crds::contract::storage::{self, SegmentIndex, SegmentMetadata};
use fmp4::index::{IndexBuilder, footage_secs};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Days that may still receive segments (today and yesterday, UTC) are listed again after this long.
const RECENT_DAY_TTL: Duration = Duration::from_secs(5);
/// Older days change only when a backlog arrives late or retention deletes; listed again after this long.
const OLD_DAY_TTL: Duration = Duration::from_secs(300);
const CAMERAS_TTL: Duration = Duration::from_secs(10);
/// The index cache holds at most this many fragments in all: about 10 MB, some 250 hours of 15-minute segments.
const MAX_CACHED_FRAGMENTS: usize = 250_000;
const MAX_CACHED_DAYS: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage request {operation} failed: {message}")]
    S3 { operation: &'static str, message: String },
    #[error("segment {key} is not playable: {reason}")]
    Unplayable { key: String, reason: String },
    #[error("segment {0} does not exist")]
    NotFound(String),
}

pub(crate) fn s3_error<E: ProvideErrorMetadata, R>(operation: &'static str, error: &SdkError<E, R>) -> StoreError {
    let message = match error {
        SdkError::ServiceError(service) => {
            let e = service.err();
            format!("{}: {}", e.code().unwrap_or("error"), e.message().unwrap_or("no message"))
        }
        SdkError::TimeoutError(_) => "timed out".to_owned(),
        SdkError::DispatchFailure(_) => "storage unreachable".to_owned(),
        SdkError::ResponseError(_) => "the response could not be read".to_owned(),
        _ => "the request could not be built".to_owned(),
    };
    StoreError::S3 { operation, message }
}

/// A camera found in the bucket.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CameraSummary {
    pub id: String,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub codec: Option<String>,
    pub resolution: Option<String>,
    pub recording: bool,
}

/// A day's segments and when they were listed.
type CachedDay = (Instant, Arc<Vec<Segment>>);

struct IndexCache {
    entries: LruCache<String, Arc<SegmentIndex>>,
    fragments: usize,
}

pub struct Store {
    pub(crate) client: Client,
    pub bucket: String,
    pub prefix: String,
    metrics: Arc<Metrics>,
    days: Mutex<LruCache<(String, Date), CachedDay>>,
    indexes: Mutex<IndexCache>,
    cameras: Mutex<Option<(Instant, Arc<Vec<CameraSummary>>)>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Store {
    pub fn new(client: Client, bucket: String, prefix: String, metrics: Arc<Metrics>) -> Store {
        Store {
            client,
            bucket,
            prefix,
            metrics,
            days: Mutex::new(LruCache::new(NonZeroUsize::new(MAX_CACHED_DAYS).unwrap())),
            indexes: Mutex::new(IndexCache { entries: LruCache::unbounded(), fragments: 0 }),
            cameras: Mutex::new(None),
        }
    }

    pub(crate) fn count(&self, operation: &str) {
        self.metrics.s3_requests.with_label_values(&[operation]).inc();
    }

    /// Hands each page of `prefix`'s listing, as `(objects, common prefixes)`, to `page` until it returns false
    /// or the listing ends. `start_after` skips the keys up to it (keys sort by time, so this skips days).
    async fn list_pages(
        &self,
        prefix: &str,
        delimiter: bool,
        max_keys: Option<i32>,
        start_after: Option<&str>,
        mut page: impl FnMut(Vec<Listed>, Vec<String>) -> bool,
    ) -> Result<(), StoreError> {
        let mut token: Option<String> = None;
        loop {
            self.count("ListObjectsV2");
            let response = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_delimiter(delimiter.then(|| "/".to_owned()))
                .set_max_keys(max_keys)
                .set_start_after(start_after.filter(|_| token.is_none()).map(str::to_owned))
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| s3_error("ListObjectsV2", &e))?;
            let objects = response
                .contents()
                .iter()
                .filter_map(|o| Some(Listed { key: o.key()?.to_owned(), size: o.size().unwrap_or(0).max(0) as u64 }))
                .collect();
            let folders = response.common_prefixes().iter().filter_map(|p| p.prefix().map(str::to_owned)).collect();
            token = response.next_continuation_token().map(str::to_owned);
            if !page(objects, folders) || token.is_none() {
                return Ok(());
            }
        }
    }

    /// `(objects, common prefixes)` under `prefix`: every page, or only the first with `max_keys`.
    pub(crate) async fn list(
        &self,
        prefix: &str,
        delimiter: bool,
        max_keys: Option<i32>,
    ) -> Result<(Vec<Listed>, Vec<String>), StoreError> {
        let (mut objects, mut folders) = (Vec::new(), Vec::new());
        self.list_pages(prefix, delimiter, max_keys, None, |page_objects, page_folders| {
            objects.extend(page_objects);
            folders.extend(page_folders);
            max_keys.is_none()
        })
        .await?;
        Ok((objects, folders))
    }

    /// Whether the bucket answers (for `/ready`).
    pub async fn reachable(&self) -> Result<(), StoreError> {
        self.count("HeadBucket");
        self.client.head_bucket().bucket(&self.bucket).send().await.map_err(|e| s3_error("HeadBucket", &e))?;
        Ok(())
    }

    /// Whether `camera` has any object in the bucket.
    pub async fn camera_exists(&self, camera: &str) -> Result<bool, StoreError> {
        if let Some((_, cameras)) = &*lock(&self.cameras)
            && cameras.iter().any(|c| c.id == camera)
        {
            return Ok(true);
        }
        let (objects, _) = self.list(&storage::camera_prefix(&self.prefix, camera), false, Some(1)).await?;
        Ok(!objects.is_empty())
    }

    /// The cameras in the bucket, each with its first and last footage.
    pub async fn cameras(&self) -> Result<Arc<Vec<CameraSummary>>, StoreError> {
        if let Some((at, cameras)) = &*lock(&self.cameras)
            && at.elapsed() < CAMERAS_TTL
        {
            return Ok(cameras.clone());
        }
        let root = storage::cameras_prefix(&self.prefix);
        let (_, folders) = self.list(&root, true, None).await?;
        let mut cameras = Vec::new();
        for folder in folders {
            let id = folder[root.len()..].trim_end_matches('/');
            if crds::contract::names::camera_id(id).is_ok() {
                cameras.push(self.summary(id).await?);
            }
        }
        let cameras = Arc::new(cameras);
        *lock(&self.cameras) = Some((Instant::now(), cameras.clone()));
        Ok(cameras)
    }

    async fn summary(&self, camera: &str) -> Result<CameraSummary, StoreError> {
        let camera_prefix = storage::camera_prefix(&self.prefix, camera);
        // Keys sort by time, so the first key of the camera is its oldest footage.
        let (first, _) = self.list(&camera_prefix, false, Some(1)).await?;
        let first_day = first.first().and_then(|o| day_of(&self.prefix, &o.key));
        let mut last_day = None;
        let mut folder = camera_prefix.clone();
        // The newest day: the last year, its last month, its last day (one short listing each). Only date
        // folders count: the camera's `holds/` sorts after them.
        for _ in 0..3 {
            let (_, folders) = self.list(&folder, true, None).await?;
            let is_date = |f: &String| f[folder.len()..].trim_end_matches('/').bytes().all(|b| b.is_ascii_digit());
            let Some(last) = folders.into_iter().filter(is_date).max() else { break };
            folder = last;
        }
        if let Some(day) = day_of(&self.prefix, &format!("{folder}{camera}_")) {
            last_day = Some(day);
        }
        let mut summary = CameraSummary {
            id: camera.to_owned(),
            first: None,
            last: None,
            codec: None,
            resolution: None,
            recording: false,
        };
        if let Some(day) = first_day {
            summary.first = self.day(camera, day).await?.first().map(|s| s.start);
        }
        if let Some(day) = last_day
            && let Some(latest) = self.day(camera, day).await?.iter().max_by_key(|s| s.end)
        {
            summary.last = Some(latest.end);
            summary.codec = Some(latest.codec.clone());
            summary.resolution = Some(latest.resolution());
            let segment_secs = latest.end.duration_since(latest.start).as_secs_f64();
            let age = Timestamp::now().duration_since(latest.end).as_secs_f64();
            summary.recording = age < 2.0 * segment_secs + 60.0;
        }
        Ok(summary)
    }

    /// The segments that started on UTC `day`, with their spans, sorted by start.
    pub async fn day(&self, camera: &str, day: Date) -> Result<Arc<Vec<Segment>>, StoreError> {
        if let Some(segments) = self.cached_day(camera, day) {
            return Ok(segments);
        }
        let (listing, _) = self.list(&storage::day_prefix(&self.prefix, camera, day), false, None).await?;
        Ok(self.remember_day(camera, day, &listing).await)
    }

    fn cached_day(&self, camera: &str, day: Date) -> Option<Arc<Vec<Segment>>> {
        let today = Timestamp::now().to_zoned(TimeZone::UTC).date();
        let ttl = if day >= today.yesterday().unwrap_or(today) { RECENT_DAY_TTL } else { OLD_DAY_TTL };
        let mut days = lock(&self.days);
        let (at, segments) = days.get(&(camera.to_owned(), day))?;
        (at.elapsed() < ttl).then(|| segments.clone())
    }

    /// Resolves and caches the segments of one day's whole listing.
    async fn remember_day(&self, camera: &str, day: Date, listing: &[Listed]) -> Arc<Vec<Segment>> {
        let mut segments = Vec::new();
        for listed in catalog::segments_of(&self.prefix, camera, listing) {
            match &listed.index {
                Some((index_key, name)) => segments.push(Segment::from_index_name(&listed, index_key, name)),
                None => match self.unindexed(&listed).await {
                    Ok(segment) => segments.push(segment),
                    // One broken object must not hide a day of footage: it is left out and logged.
                    Err(error) => tracing::warn!(key = listed.key, %error, "segment left out of the timeline"),
                },
            }
        }
        segments.sort_by_key(|s| s.start);
        let segments = Arc::new(segments);
        lock(&self.days).put((camera.to_owned(), day), (Instant::now(), segments.clone()));
        segments
    }

    /// Lists the days `first..=last` of a camera in one paged listing (keys sort by day, and a page holds 1,000
    /// keys: some five days of 15-minute segments) and caches each day.
    async fn list_days(&self, camera: &str, first: Date, last: Date) -> Result<(), StoreError> {
        let start_after = storage::day_prefix(&self.prefix, camera, first).trim_end_matches('/').to_owned();
        // Every key of `last` sorts before this: after the folder come file names of the safe id alphabet.
        let beyond = format!("{}~", storage::day_prefix(&self.prefix, camera, last));
        let mut by_day: std::collections::BTreeMap<Date, Vec<Listed>> = std::collections::BTreeMap::new();
        let camera_prefix = storage::camera_prefix(&self.prefix, camera);
        self.list_pages(&camera_prefix, false, None, Some(&start_after), |objects, _| {
            for object in objects {
                if object.key.as_str() > beyond.as_str() {
                    return false;
                }
                if let Some(day) = day_of(&self.prefix, &object.key) {
                    by_day.entry(day).or_default().push(object);
                }
            }
            true
        })
        .await?;
        let mut day = first;
        while day <= last {
            self.remember_day(camera, day, by_day.get(&day).map_or(&[][..], Vec::as_slice)).await;
            day = day.tomorrow().map_err(|e| StoreError::S3 { operation: "date", message: e.to_string() })?;
        }
        Ok(())
    }

    /// The segments whose footage may overlap `from..to`, sorted by start.
    pub async fn segments(&self, camera: &str, from: Timestamp, to: Timestamp) -> Result<Vec<Segment>, StoreError> {
        // A segment is listed under the day it started, and lasts at most an hour.
        let first_day = (from - SignedDuration::from_hours(1)).to_zoned(TimeZone::UTC).date();
        let last_day = (to - SignedDuration::from_millis(1)).to_zoned(TimeZone::UTC).date().max(first_day);
        let days = || std::iter::successors(Some(first_day), |d| d.tomorrow().ok()).take_while(|d| *d <= last_day);
        let missing: Vec<Date> = days().filter(|d| self.cached_day(camera, *d).is_none()).collect();
        // More than a couple of days: one listing across them is cheaper than one per day.
        if let (true, Some(first), Some(last)) = (missing.len() > 2, missing.first(), missing.last()) {
            self.list_days(camera, *first, *last).await?;
        }
        let mut out = Vec::new();
        let mut day = first_day;
        while day <= last_day {
            out.extend(self.day(camera, day).await?.iter().filter(|s| s.end > from && s.start < to).cloned());
            day = day.tomorrow().map_err(|e| StoreError::S3 { operation: "date", message: e.to_string() })?;
        }
        out.sort_by_key(|s| s.start);
        Ok(out)
    }

    /// Span and stream of a segment without an index: its metadata if complete, else its video.
    async fn unindexed(&self, listed: &ListedSegment) -> Result<Segment, StoreError> {
        let metadata = self.metadata(&listed.key).await?;
        let from_metadata = || {
            let (width, height) = metadata.resolution.as_deref()?.split_once('x')?;
            Some(Segment {
                key: listed.key.clone(),
                size: listed.size,
                start: metadata.start?,
                end: metadata.end?,
                codec: metadata.codec.clone()?,
                width: width.parse().ok()?,
                height: height.parse().ok()?,
                index_key: None,
            })
        };
        if let Some(segment) = from_metadata() {
            return Ok(segment);
        }
        let index = self.build_index(&listed.key, metadata.start.unwrap_or(listed.opened), None).await?;
        Ok(Segment {
            key: listed.key.clone(),
            size: listed.size,
            start: index.start,
            end: index.end,
            codec: index.codec.clone(),
            width: index.width,
            height: index.height,
            index_key: None,
        })
    }

    async fn metadata(&self, key: &str) -> Result<SegmentMetadata, StoreError> {
        self.count("HeadObject");
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| s3_error("HeadObject", &e))?;
        Ok(head.metadata().map(SegmentMetadata::from_map).unwrap_or_default())
    }

    /// The fragment index of `segment`: cached, else its index object, else built from its video.
    pub async fn index(&self, segment: &Segment) -> Result<Arc<SegmentIndex>, StoreError> {
        if let Some(index) = lock(&self.indexes).entries.get(&segment.key) {
            return Ok(index.clone());
        }
        let index = match &segment.index_key {
            Some(index_key) => self.fetch_index(index_key, &segment.key).await?,
            None => self.build_index(&segment.key, segment.start, Some(segment.end)).await?,
        };
        Ok(self.remember(&segment.key, index))
    }

    fn remember(&self, key: &str, index: SegmentIndex) -> Arc<SegmentIndex> {
        let index = Arc::new(index);
        let mut cache = lock(&self.indexes);
        if let Some(old) = cache.entries.put(key.to_owned(), index.clone()) {
            cache.fragments -= old.fragments.len();
        }
        cache.fragments += index.fragments.len();
        while cache.fragments > MAX_CACHED_FRAGMENTS && cache.entries.len() > 1 {
            if let Some((_, evicted)) = cache.entries.pop_lru() {
                cache.fragments -= evicted.fragments.len();
            }
        }
        index
    }

    async fn fetch_index(&self, index_key: &str, segment_key: &str) -> Result<SegmentIndex, StoreError> {
        let bytes = self.read_all(index_key).await?;
        serde_json::from_slice(&bytes).map_err(|e| StoreError::Unplayable {
            key: segment_key.to_owned(),
            reason: format!("its index does not parse: {e}"),
        })
    }

    /// Reads the whole segment once to index it (a segment without an index object). `end`: its span's end if
    /// known, else it is the start plus the footage found.
    async fn build_index(
        &self,
        key: &str,
        start: Timestamp,
        end: Option<Timestamp>,
    ) -> Result<SegmentIndex, StoreError> {
        let mut body = self.open(key, None).await?;
        let mut builder = IndexBuilder::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| StoreError::S3 { operation: "GetObject", message: e.to_string() })?;
            builder.push(&chunk);
        }
        let index = builder
            .finish(start, end.unwrap_or(start))
            .map_err(|e| StoreError::Unplayable { key: key.to_owned(), reason: e.to_string() })?;
        let end = end.unwrap_or_else(|| crate::plan::add_secs(start, footage_secs(&index)));
        let index = SegmentIndex { end, ..index };
        tracing::info!(key, fragments = index.fragments.len(), "indexed a segment that had no index object");
        Ok(index)
    }

    /// A small object's bytes, whole (an index, a hold).
    pub(crate) async fn read_all(&self, key: &str) -> Result<bytes::Bytes, StoreError> {
        let body = self.open(key, None).await?;
        let collected =
            body.collect().await.map_err(|e| StoreError::S3 { operation: "GetObject", message: e.to_string() })?;
        Ok(collected.into_bytes())
    }

    /// The object's bytes, or a range `(offset, length)` of them.
    pub async fn open(&self, key: &str, range: Option<(u64, u64)>) -> Result<ByteStream, StoreError> {
        self.count("GetObject");
        let mut request = self.client.get_object().bucket(&self.bucket).key(key);
        if let Some((offset, length)) = range {
            request = request.range(format!("bytes={offset}-{}", offset + length.max(1) - 1));
        }
        match request.send().await {
            Ok(object) => Ok(object.body),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                Err(StoreError::NotFound(key.to_owned()))
            }
            Err(error) => Err(s3_error("GetObject", &error)),
        }
    }
}

/// The UTC day folder a key of this layout is under.
fn day_of(prefix: &str, key: &str) -> Option<Date> {
    let rest = key.strip_prefix(&storage::cameras_prefix(prefix))?;
    let mut parts = rest.split('/').skip(1);
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_folders_read_back_from_keys() {
        let date = Date::new(2026, 11, 23).unwrap();
        assert_eq!(day_of("p", "p/cam/2026/11/23/cam_20261123T100000Z.mp4"), Some(date));
        assert_eq!(day_of("", "cam/2026/11/23/cam_"), Some(date));
        assert_eq!(day_of("", "cam/2026/11/"), None);
    }
}
