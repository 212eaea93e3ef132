//! The S3 edge of retention, and one pass over a camera: read the holds, list the camera's footage day by
//! day from the oldest, delete what [`plan_deletions`] says in batches, abort old incomplete uploads.
//!
//! Requests per pass and camera:
//!
//! - holds: one listing of `holds/`, one GET per hold; one more listing before each batch of deletions, to
//!   honour a hold set while the pass runs (the holds are read again only when that listing changed);
//! - footage: one listing of up to 1,000 keys (about five days of 15-minute segments with their indexes),
//!   from the camera's oldest key up to the cut-off's day, so at most one per camera-day, and in the steady
//!   state (hourly, an hour's worth expiring) one or two; a HEAD only for a segment without an index that
//!   might have expired;
//! - deletions: DeleteObjects with up to [`crate::config::MAX_DELETE_BATCH`] keys, the companions' request
//!   before their segments', paced to [`DELETE_REQUESTS_PER_SECOND`] for the whole process (AbortMultipartUpload
//!   shares the pace);
//! - one ListMultipartUploads under the camera's folder.

use super::plan::{
    Deletions, Footage, Listed, Span, Upload, cutoff, day_of, group, held, plan_deletions, stale_uploads, utc_day,
};
use crate::redact::Redactor;
use crate::storage::{StorageError, classify};
use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use crds::contract::status::FaultKind;
use crds::contract::storage::{self, Hold, SegmentMetadata, StoredObject};
use jiff::Timestamp;
use md5::{Digest, Md5};
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tracing::{debug, info, warn};

/// Requests that change the bucket (DeleteObjects, AbortMultipartUpload), per second, per recorder process:
/// at most 2,000 objects a second, a load even a small SeaweedFS takes beside the uploads.
pub const DELETE_REQUESTS_PER_SECOND: u32 = 2;
/// Error messages a failed pass quotes, at most.
const QUOTED_ERRORS: usize = 3;

/// Spaces the requests that change the bucket evenly, across every camera of the process.
#[derive(Clone)]
pub struct Pace {
    next: Arc<tokio::sync::Mutex<tokio::time::Instant>>,
    gap: Duration,
}

impl Pace {
    pub fn per_second(requests: u32) -> Pace {
        Pace {
            next: Arc::new(tokio::sync::Mutex::new(tokio::time::Instant::now())),
            gap: Duration::from_secs(1) / requests.max(1),
        }
    }

    /// Waits for the next slot.
    pub async fn wait(&self) {
        let mut next = self.next.lock().await;
        tokio::time::sleep_until(*next).await;
        *next = tokio::time::Instant::now() + self.gap;
    }
}

/// Where and how retention deletes.
#[derive(Clone)]
pub struct Store {
    pub client: Client,
    pub bucket: String,
    pub prefix: String,
    pub redactor: Arc<Redactor>,
    /// Log what would be deleted; delete nothing.
    pub dry_run: bool,
    /// Keys per DeleteObjects request.
    pub delete_batch: usize,
    pub pace: Pace,
}

/// The S3 requests of one pass, by operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Requests {
    pub list_objects: u64,
    pub get_object: u64,
    pub head_object: u64,
    pub delete_objects: u64,
    pub list_multipart_uploads: u64,
    pub abort_multipart_upload: u64,
}

impl Requests {
    pub fn total(&self) -> u64 {
        self.list_objects
            + self.get_object
            + self.head_object
            + self.delete_objects
            + self.list_multipart_uploads
            + self.abort_multipart_upload
    }
}

/// What one pass over a camera did, whether it succeeded or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassReport {
    pub camera: String,
    pub started_at: Timestamp,
    pub cutoff: Timestamp,
    pub dry_run: bool,
    /// Objects deleted (in a dry run: that would have been), segments and companions.
    pub deleted_objects: u64,
    pub deleted_bytes: u64,
    /// Expired segments kept because a hold covers them.
    pub held_segments: u64,
    /// Segments kept because nothing says when their footage ends.
    pub unknown_segments: u64,
    pub holds: u64,
    pub aborted_uploads: u64,
    /// Start of the oldest footage left, if the pass saw any.
    pub oldest_kept: Option<Timestamp>,
    pub requests: Requests,
}

impl Store {
    /// One pass over `camera`: deletes its footage that ended more than `retention` before `now`, outside
    /// its holds, and its incomplete uploads older than a day. Dropping the future mid-way is as harmless as
    /// a crash (see [`super::plan`] on the order of deletions).
    pub async fn pass(
        &self,
        camera: &str,
        retention: Duration,
        now: Timestamp,
    ) -> (PassReport, Result<(), StorageError>) {
        let mut pass = Pass {
            store: self,
            camera,
            retention,
            now,
            cutoff: cutoff(now, retention),
            holds: Vec::new(),
            hold_tags: BTreeSet::new(),
            queue: Vec::new(),
            errors: Vec::new(),
            report: PassReport {
                camera: camera.to_owned(),
                started_at: now,
                cutoff: cutoff(now, retention),
                dry_run: self.dry_run,
                deleted_objects: 0,
                deleted_bytes: 0,
                held_segments: 0,
                unknown_segments: 0,
                holds: 0,
                aborted_uploads: 0,
                oldest_kept: None,
                requests: Requests::default(),
            },
        };
        let result = pass.run().await;
        (pass.report, result)
    }

    fn failure<E>(
        &self,
        operation: &str,
        error: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    ) -> StorageError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let mut error = classify(operation, &self.bucket, error, &self.redactor);
        if matches!(error.kind, FaultKind::UploadFailed | FaultKind::UploadVerifyFailed) {
            error.kind = FaultKind::RetentionFailed;
        }
        error
    }
}

struct Pass<'a> {
    store: &'a Store,
    camera: &'a str,
    retention: Duration,
    now: Timestamp,
    cutoff: Timestamp,
    holds: Vec<Hold>,
    /// The hold objects' keys and ETags when the holds were read, to notice a change cheaply.
    hold_tags: BTreeSet<(String, String)>,
    /// Expired footage waiting for the next batch of deletions.
    queue: Vec<(Footage, Span)>,
    /// Keys S3 refused to delete, with its reason.
    errors: Vec<String>,
    report: PassReport,
}

impl Pass<'_> {
    fn prefix(&self) -> &str {
        &self.store.prefix
    }

    async fn run(&mut self) -> Result<(), StorageError> {
        self.read_holds().await?;
        let camera_prefix = storage::camera_prefix(self.prefix(), self.camera);
        let last_day = utc_day(self.cutoff);
        let mut token: Option<String> = None;
        let mut day: Option<(jiff::civil::Date, Vec<Listed>)> = None;
        let mut first_newer: Option<Timestamp> = None;
        'listing: loop {
            let (page, next) = self.list_page(&camera_prefix, token.take()).await?;
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                // Keys outside the day folders (holds/, anything else) are not footage.
                let Some(key_day) = day_of(&camera_prefix, key) else { continue };
                if key_day > last_day {
                    // Keys sort by time: nothing from here on can have expired.
                    first_newer = match storage::parse_key(self.prefix(), key) {
                        Some(StoredObject::Segment { opened, .. } | StoredObject::Index { opened, .. }) => Some(opened),
                        None => None,
                    };
                    break 'listing;
                }
                let listed = Listed {
                    key: key.to_owned(),
                    size: object.size().unwrap_or(0).max(0) as u64,
                    last_modified: object.last_modified().and_then(timestamp),
                };
                match &mut day {
                    Some((current, objects)) if *current == key_day => objects.push(listed),
                    _ => {
                        if let Some((_, objects)) = day.replace((key_day, vec![listed])) {
                            self.day(objects).await?;
                        }
                    }
                }
            }
            match next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        if let Some((_, objects)) = day.take() {
            self.day(objects).await?;
        }
        self.flush().await?;
        if self.report.oldest_kept.is_none() {
            self.report.oldest_kept = first_newer;
        }
        self.abort_stale_uploads().await?;
        if self.errors.is_empty() {
            return Ok(());
        }
        let quoted: Vec<&str> = self.errors.iter().take(QUOTED_ERRORS).map(String::as_str).collect();
        Err(StorageError::new(
            FaultKind::RetentionFailed,
            self.store.redactor.redact(&format!(
                "S3 refused to delete {} object(s) ({}); they stay and the next pass tries again",
                self.errors.len(),
                quoted.join("; ")
            )),
        ))
    }

    /// One day's listing: read what is missing, plan, queue.
    async fn day(&mut self, objects: Vec<Listed>) -> Result<(), StorageError> {
        let mut footage = group(self.prefix(), self.camera, objects);
        for item in &mut footage {
            if item.needs_head(self.prefix(), self.cutoff) {
                match self.head(&item.key).await? {
                    Some(metadata) => item.metadata = Some(metadata),
                    // Gone since the listing (another recorder's pass): what is left of it is debris.
                    None => item.segment = None,
                }
            }
        }
        let Deletions { expired, held, unknown } =
            plan_deletions(self.prefix(), &footage, &self.holds, self.now, self.retention);
        self.report.held_segments += held;
        self.report.unknown_segments += unknown;
        if self.report.oldest_kept.is_none() {
            self.report.oldest_kept = footage
                .iter()
                .filter(|f| f.segment.is_some() && !expired.iter().any(|(e, _)| e.key == f.key))
                .map(|f| f.start(self.prefix()))
                .next();
        }
        for item in expired {
            self.queue.push(item);
            let companions: usize = self.queue.iter().map(|(f, _)| f.companions.len()).sum();
            if companions >= self.store.delete_batch || self.queue.len() >= self.store.delete_batch {
                self.flush().await?;
            }
        }
        Ok(())
    }

    async fn head(&mut self, key: &str) -> Result<Option<SegmentMetadata>, StorageError> {
        self.report.requests.head_object += 1;
        match self.store.client.head_object().bucket(&self.store.bucket).key(key).send().await {
            Ok(head) => Ok(Some(SegmentMetadata::from_map(&head.metadata().cloned().unwrap_or_default()))),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(self.store.failure("HeadObject", &e)),
        }
    }

    /// The keys and ETags of the camera's hold objects.
    async fn list_holds(&mut self) -> Result<BTreeSet<(String, String)>, StorageError> {
        let holds_prefix = storage::holds_prefix(self.prefix(), self.camera);
        let mut tags = BTreeSet::new();
        let mut token: Option<String> = None;
        loop {
            let (page, next) = self.list_page(&holds_prefix, token.take()).await?;
            for object in page.contents() {
                if let Some(key) = object.key().filter(|k| k.ends_with(".json")) {
                    tags.insert((key.to_owned(), object.e_tag().unwrap_or_default().to_owned()));
                }
            }
            match next {
                Some(next) => token = Some(next),
                None => return Ok(tags),
            }
        }
    }

    /// One page of `prefix`'s listing, counted, and the token of the next page if there is one.
    async fn list_page(
        &mut self,
        prefix: &str,
        token: Option<String>,
    ) -> Result<(aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output, Option<String>), StorageError> {
        self.report.requests.list_objects += 1;
        let page = self
            .store
            .client
            .list_objects_v2()
            .bucket(&self.store.bucket)
            .prefix(prefix)
            .set_continuation_token(token)
            .send()
            .await
            .map_err(|e| self.store.failure("ListObjectsV2", &e))?;
        let next = page.next_continuation_token().filter(|_| page.is_truncated() == Some(true)).map(str::to_owned);
        Ok((page, next))
    }

    /// Reads every hold of the camera. One that cannot be read fails the pass: it might be the one that
    /// protects the footage about to go.
    async fn read_holds(&mut self) -> Result<(), StorageError> {
        let tags = self.list_holds().await?;
        let mut holds = Vec::with_capacity(tags.len());
        for (key, _) in &tags {
            self.report.requests.get_object += 1;
            let object = match self.store.client.get_object().bucket(&self.store.bucket).key(key).send().await {
                Ok(object) => object,
                // Removed since the listing: it protects nothing any more.
                Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => continue,
                Err(e) => return Err(self.store.failure("GetObject", &e)),
            };
            let body = object.body.collect().await.map_err(|e| {
                StorageError::new(FaultKind::StorageUnreachable, format!("GetObject {key} failed while reading: {e}"))
            })?;
            let hold: Hold = serde_json::from_slice(&body.into_bytes()).map_err(|e| {
                StorageError::new(
                    FaultKind::RetentionFailed,
                    format!(
                        "hold {key} is not a valid hold ({e}); no footage of camera {} is deleted until it is fixed or removed",
                        self.camera
                    ),
                )
            })?;
            if hold.end <= hold.start {
                return Err(StorageError::new(
                    FaultKind::RetentionFailed,
                    format!(
                        "hold {key} ends ({}) before it starts ({}); no footage of camera {} is deleted until it is fixed or removed",
                        hold.end, hold.start, self.camera
                    ),
                ));
            }
            holds.push(hold);
        }
        debug!(camera = self.camera, holds = holds.len(), "holds read");
        self.report.holds = holds.len() as u64;
        self.holds = holds;
        self.hold_tags = tags;
        Ok(())
    }

    /// Deletes the queued footage: every companion first, then each segment whose companions are all gone.
    async fn flush(&mut self) -> Result<(), StorageError> {
        if self.queue.is_empty() {
            return Ok(());
        }
        // A hold set since the pass began counts too.
        if self.list_holds().await? != self.hold_tags {
            self.read_holds().await?;
            let holds = std::mem::take(&mut self.holds);
            let before = self.queue.len();
            let mut newly_held = 0;
            self.queue.retain(|(footage, span)| {
                let keep = !held(*span, &holds);
                newly_held += u64::from(!keep && footage.segment.is_some());
                keep
            });
            self.holds = holds;
            self.report.held_segments += newly_held;
            info!(
                camera = self.camera,
                kept = before - self.queue.len(),
                "the holds changed during the pass; honouring the new ones"
            );
        }
        let queue = std::mem::take(&mut self.queue);
        if self.store.dry_run {
            for (footage, span) in &queue {
                info!(
                    camera = self.camera,
                    key = footage.key,
                    footage_end = %span.end,
                    objects = footage.objects().count(),
                    bytes = footage.bytes(),
                    "retention dry run: would delete"
                );
                self.report.deleted_objects += footage.objects().count() as u64;
                self.report.deleted_bytes += footage.bytes();
            }
            return Ok(());
        }
        let companions: Vec<&Listed> = queue.iter().flat_map(|(f, _)| f.companions.iter()).collect();
        let refused = self.delete(&companions).await?;
        let segments: Vec<&Listed> = queue
            .iter()
            .filter(|(f, _)| f.companions.iter().all(|c| !refused.contains(&c.key)))
            .filter_map(|(f, _)| f.segment.as_ref())
            .collect();
        self.delete(&segments).await?;
        let last = queue.iter().map(|(_, span)| span.end).max();
        info!(
            camera = self.camera,
            deleted_objects = self.report.deleted_objects,
            deleted_bytes = self.report.deleted_bytes,
            footage_up_to = ?last.map(|t| t.to_string()),
            "retention: deleted expired footage"
        );
        Ok(())
    }

    /// DeleteObjects in batches; returns the keys S3 refused (and notes why), so their segments stay.
    async fn delete(&mut self, objects: &[&Listed]) -> Result<BTreeSet<String>, StorageError> {
        let mut refused = BTreeSet::new();
        for batch in objects.chunks(self.store.delete_batch.max(1)) {
            let identifiers = batch
                .iter()
                .map(|o| ObjectIdentifier::builder().key(&o.key).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| {
                    StorageError::new(FaultKind::RetentionFailed, format!("cannot build DeleteObjects: {e}"))
                })?;
            let delete = Delete::builder().set_objects(Some(identifiers)).quiet(true).build().map_err(|e| {
                StorageError::new(FaultKind::RetentionFailed, format!("cannot build DeleteObjects: {e}"))
            })?;
            self.store.pace.wait().await;
            self.report.requests.delete_objects += 1;
            let output = self
                .store
                .client
                .delete_objects()
                .bucket(&self.store.bucket)
                .delete(delete)
                .customize()
                // S3 requires a checksum of the body; MD5 is the one every S3-compatible server checks (the SDK
                // adds a CRC32 too).
                .mutate_request(|request| {
                    if let Some(body) = request.body().bytes() {
                        let md5 = BASE64.encode(Md5::digest(body));
                        request.headers_mut().insert("content-md5", md5);
                    }
                })
                .send()
                .await
                .map_err(|e| self.store.failure("DeleteObjects", &e))?;
            let mut batch_refused = BTreeSet::new();
            for error in output.errors() {
                let key = error.key().unwrap_or_default().to_owned();
                // Deleting what is already gone is success (another recorder's pass got there first).
                if error.code() == Some("NoSuchKey") {
                    continue;
                }
                self.errors.push(format!(
                    "{key}: {} {}",
                    error.code().unwrap_or("error"),
                    error.message().unwrap_or_default()
                ));
                batch_refused.insert(key);
            }
            for object in batch.iter().filter(|o| !batch_refused.contains(&o.key)) {
                debug!(camera = self.camera, key = object.key, "retention: deleted");
                self.report.deleted_objects += 1;
                self.report.deleted_bytes += object.size;
            }
            refused.extend(batch_refused);
        }
        Ok(refused)
    }

    /// Aborts the camera's multipart uploads that started more than a day ago.
    async fn abort_stale_uploads(&mut self) -> Result<(), StorageError> {
        let camera_prefix = storage::camera_prefix(self.prefix(), self.camera);
        let mut uploads = Vec::new();
        let (mut key_marker, mut id_marker): (Option<String>, Option<String>) = (None, None);
        loop {
            self.report.requests.list_multipart_uploads += 1;
            let page = match self
                .store
                .client
                .list_multipart_uploads()
                .bucket(&self.store.bucket)
                .prefix(&camera_prefix)
                .set_key_marker(key_marker.take())
                .set_upload_id_marker(id_marker.take())
                .send()
                .await
            {
                Ok(page) => page,
                Err(e) if e.code() == Some("NotImplemented") => {
                    warn!(
                        camera = self.camera,
                        "this S3 does not list multipart uploads; incomplete uploads are left to it"
                    );
                    return Ok(());
                }
                Err(e) => return Err(self.store.failure("ListMultipartUploads", &e)),
            };
            uploads.extend(page.uploads().iter().filter_map(|u| {
                Some(Upload {
                    key: u.key()?.to_owned(),
                    upload_id: u.upload_id()?.to_owned(),
                    initiated: u.initiated().and_then(timestamp),
                })
            }));
            match (page.is_truncated(), page.next_key_marker(), page.next_upload_id_marker()) {
                (Some(true), Some(key), id) => {
                    key_marker = Some(key.to_owned());
                    id_marker = id.map(str::to_owned);
                }
                _ => break,
            }
        }
        for upload in stale_uploads(&uploads, self.now) {
            if self.store.dry_run {
                info!(camera = self.camera, key = upload.key, initiated = ?upload.initiated.map(|t| t.to_string()), "retention dry run: would abort an incomplete upload");
                self.report.aborted_uploads += 1;
                continue;
            }
            self.store.pace.wait().await;
            self.report.requests.abort_multipart_upload += 1;
            match self
                .store
                .client
                .abort_multipart_upload()
                .bucket(&self.store.bucket)
                .key(&upload.key)
                .upload_id(&upload.upload_id)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_upload()) => {}
                Err(e) => return Err(self.store.failure("AbortMultipartUpload", &e)),
            }
            info!(camera = self.camera, key = upload.key, "retention: aborted an incomplete upload older than a day");
            self.report.aborted_uploads += 1;
        }
        Ok(())
    }
}

fn timestamp(at: &aws_smithy_types::DateTime) -> Option<Timestamp> {
    Timestamp::new(at.secs(), at.subsec_nanos() as i32).ok()
}
