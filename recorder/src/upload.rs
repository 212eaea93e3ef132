//! Uploading one segment file to S3, and proving it arrived whole.
//!
//! 1. One read of the file computes its SHA-256, which goes into the object's metadata (so it must be known
//!    before the upload starts; SHA-256 runs on the CPU's SHA instructions and costs little).
//! 2. Small files go up in one `PutObject`, larger ones as a multipart upload with several parts in flight.
//!    Every request carries `Content-MD5`, so S3 itself rejects a body that changed on the way. Each part's
//!    MD5 is computed in that part's own task, so hashing one part overlaps with sending the others.
//! 3. `HeadObject` confirms the size, our SHA-256 in the metadata, and the ETag where S3 defines it as the MD5.
//!
//! Only then does the caller delete the local file.
//!
//! Parts are byte ranges of a file ([`PartRange`]), streamed from disk, so memory stays flat whatever the
//! segment size. Uploading a segment while it is still being written fits the same shape: a later
//! `upload_growing` would start the multipart upload early and send each range as soon as the file has
//! grown past it, and the last range once FFmpeg lists the segment as finished.

use crate::redact::Redactor;
use crate::segment;
use crate::spool::SegmentMedia;
use crate::storage::{StorageError, classify};
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, ServerSideEncryption};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use crds::contract::status::FaultKind;
use crds::contract::storage::{self, IndexName, SegmentIndex, SegmentMetadata};
use fmp4::index::IndexBuilder;
use jiff::Timestamp;
use md5::{Digest, Md5};
use sha2::Sha256;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::task::JoinSet;

/// Where and how segments are uploaded.
#[derive(Clone)]
pub struct Uploader {
    pub client: Client,
    pub bucket: String,
    pub prefix: String,
    pub part_size: u64,
    pub concurrency: usize,
    pub redactor: Arc<Redactor>,
}

/// A segment to upload.
#[derive(Debug, Clone)]
pub struct SegmentFile<'a> {
    pub camera: &'a str,
    pub path: &'a Path,
    /// The time in the file's name: the key is derived from it.
    pub start: Timestamp,
    pub media: &'a SegmentMedia,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Uploaded {
    pub key: String,
    pub bytes: u64,
}

/// A byte range of the file, uploaded as one part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartRange {
    pub number: i32,
    pub offset: u64,
    pub len: u64,
}

/// Splits `size` bytes into parts of `part_size`; the last part takes the rest.
pub fn plan_parts(size: u64, part_size: u64) -> Vec<PartRange> {
    let part_size = part_size.max(1);
    let count = size.div_ceil(part_size).max(1);
    (0..count)
        .map(|i| {
            let offset = i * part_size;
            PartRange { number: (i + 1) as i32, offset, len: part_size.min(size - offset) }
        })
        .collect()
}

/// The checksums of one read of the file, and the fragment index built from the same bytes.
pub struct Digests {
    pub size: u64,
    pub sha256_hex: String,
    /// MD5 of each part, in part order; one entry for a single-part upload.
    pub part_md5: Vec<[u8; 16]>,
    pub index: IndexBuilder,
}

impl Digests {
    /// The ETag S3 gives an object uploaded with these parts (when the ETag is an MD5 at all).
    pub fn expected_etag(&self) -> String {
        if self.part_md5.len() == 1 {
            hex(&self.part_md5[0])
        } else {
            let mut outer = Md5::new();
            for md5 in &self.part_md5 {
                outer.update(md5);
            }
            format!("{}-{}", hex(&outer.finalize()), self.part_md5.len())
        }
    }
}

/// Reads the `size` bytes of the file once: SHA-256 and the fragment index always, and the MD5 too if
/// `with_md5` (a single-part upload sends it as Content-MD5; multipart uploads hash each part in its own task,
/// see [`range_md5`]).
pub fn digest(path: &Path, size: u64, with_md5: bool) -> std::io::Result<Digests> {
    let mut file = std::fs::File::open(path)?;
    let mut sha = Sha256::new();
    let mut md5 = Md5::new();
    let mut index = IndexBuilder::new();
    read_chunks(&mut file, size, |chunk| {
        if with_md5 {
            md5.update(chunk);
        }
        sha.update(chunk);
        index.push(chunk);
    })?;
    let part_md5 = if with_md5 { vec![md5.finalize().into()] } else { Vec::new() };
    Ok(Digests { size, sha256_hex: hex(&sha.finalize()), part_md5, index })
}

/// The MD5 of one byte range of the file.
pub fn range_md5(path: &Path, part: PartRange) -> std::io::Result<[u8; 16]> {
    use std::io::{Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(part.offset))?;
    let mut md5 = Md5::new();
    read_chunks(&mut file, part.len, |chunk| md5.update(chunk))?;
    Ok(md5.finalize().into())
}

/// Feeds the next `len` bytes of `file` to `consume`, in chunks. A file shorter than that is an error, not a
/// short upload.
fn read_chunks(file: &mut std::fs::File, len: u64, mut consume: impl FnMut(&[u8])) -> std::io::Result<()> {
    let mut buffer = vec![0u8; 256 * 1024];
    let mut left = len;
    while left > 0 {
        let want = buffer.len().min(left as usize);
        let read = file.read(&mut buffer[..want])?;
        if read == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "segment shrank while it was read"));
        }
        consume(&buffer[..read]);
        left -= read as u64;
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The object metadata a reader gets from a HEAD request, without downloading the segment.
pub fn object_metadata(segment: &SegmentFile, sha256_hex: &str) -> SegmentMetadata {
    let video = segment.media.stream.video.as_ref();
    SegmentMetadata {
        camera: segment.camera.to_owned(),
        start: Some(segment.media.start),
        end: Some(segment.end()),
        duration_secs: Some(segment.media.duration_secs),
        codec: video.map(|v| v.codec.clone()),
        resolution: video.map(|v| format!("{}x{}", v.width, v.height)),
        fps: video.and_then(|v| v.fps),
        audio_codec: segment.media.stream.audio_codec.clone(),
        sha256: Some(sha256_hex.to_owned()),
    }
}

impl SegmentFile<'_> {
    /// When the footage ends.
    pub fn end(&self) -> Timestamp {
        let duration = std::time::Duration::from_secs_f64(self.media.duration_secs.max(0.0));
        self.media.start.checked_add(duration).unwrap_or(self.media.start)
    }
}

impl Uploader {
    pub fn key_for(&self, camera: &str, start: Timestamp) -> String {
        segment::object_key(&self.prefix, camera, start)
    }

    /// Uploads and verifies one segment. The file is left in place; the caller deletes it on `Ok`.
    pub async fn upload(&self, segment: &SegmentFile<'_>) -> Result<Uploaded, StorageError> {
        let key = self.key_for(segment.camera, segment.start);
        let size = tokio::fs::metadata(segment.path)
            .await
            .map_err(|e| {
                StorageError::new(FaultKind::UploadFailed, format!("cannot read {}: {e}", segment.path.display()))
            })?
            .len();
        let parts =
            if size > self.part_size { plan_parts(size, self.part_size) } else { plan_parts(size, size.max(1)) };
        let path = segment.path.to_path_buf();
        let single = parts.len() == 1;
        let mut digests = tokio::task::spawn_blocking(move || digest(&path, size, single))
            .await
            .map_err(|e| StorageError::new(FaultKind::UploadFailed, format!("checksum task failed: {e}")))?
            .map_err(|e| {
                StorageError::new(FaultKind::UploadFailed, format!("cannot read {}: {e}", segment.path.display()))
            })?;
        let metadata = object_metadata(segment, &digests.sha256_hex).to_map();
        if single {
            self.put_single(segment.path, &key, &digests, metadata).await?;
        } else {
            digests.part_md5 = self.put_multipart(segment.path, &key, &parts, metadata).await?;
        }
        self.verify(&key, &digests).await?;
        // The index goes up only once its segment is confirmed, so an index in the bucket implies its segment.
        let index = std::mem::take(&mut digests.index).finish(segment.media.start, segment.end());
        match index {
            Ok(index) => self.put_index(&key, &index).await?,
            // Playback indexes such a segment itself when it is first played; recording goes on either way.
            Err(error) => {
                tracing::warn!(camera = segment.camera, key, %error, "segment uploaded without a fragment index")
            }
        }
        Ok(Uploaded { key, bytes: digests.size })
    }

    async fn put_index(&self, segment_key: &str, index: &SegmentIndex) -> Result<(), StorageError> {
        let name = IndexName {
            start: index.start,
            end: index.end,
            codec: index.codec.clone(),
            width: index.width,
            height: index.height,
        };
        let body = serde_json::to_vec(index)
            .map_err(|e| StorageError::new(FaultKind::UploadFailed, format!("cannot encode the index: {e}")))?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(storage::index_key(segment_key, &name))
            .content_md5(BASE64.encode(Md5::digest(&body)))
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| classify("PutObject", &self.bucket, &e, &self.redactor))?;
        Ok(())
    }

    async fn put_single(
        &self,
        path: &Path,
        key: &str,
        digests: &Digests,
        metadata: HashMap<String, String>,
    ) -> Result<(), StorageError> {
        let body = file_range(path, 0, digests.size).await?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(body)
            .content_length(digests.size as i64)
            .content_md5(BASE64.encode(digests.part_md5[0]))
            .content_type("video/mp4")
            .set_metadata(Some(metadata))
            .send()
            .await
            .map_err(|e| classify("PutObject", &self.bucket, &e, &self.redactor))?;
        Ok(())
    }

    /// Returns the MD5 of each part, in part order.
    async fn put_multipart(
        &self,
        path: &Path,
        key: &str,
        parts: &[PartRange],
        metadata: HashMap<String, String>,
    ) -> Result<Vec<[u8; 16]>, StorageError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type("video/mp4")
            .set_metadata(Some(metadata))
            .send()
            .await
            .map_err(|e| classify("CreateMultipartUpload", &self.bucket, &e, &self.redactor))?;
        let upload_id = created
            .upload_id()
            .ok_or_else(|| StorageError::new(FaultKind::UploadFailed, "CreateMultipartUpload returned no upload id"))?
            .to_owned();
        match self.send_parts(path, key, &upload_id, parts).await {
            Ok((completed, md5s)) => self
                .client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(&upload_id)
                .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(completed)).build())
                .send()
                .await
                .map(|_| md5s)
                .map_err(|e| classify("CompleteMultipartUpload", &self.bucket, &e, &self.redactor)),
            Err(error) => {
                // Best effort: a failed abort leaves parts that a bucket lifecycle rule cleans up.
                let _ = self
                    .client
                    .abort_multipart_upload()
                    .bucket(&self.bucket)
                    .key(key)
                    .upload_id(&upload_id)
                    .send()
                    .await;
                Err(error)
            }
        }
    }

    /// Sends the parts with up to `concurrency` in flight. Each part task hashes its byte range (MD5, for
    /// Content-MD5) and then streams it from the file. Returns the completed parts and their MD5s, in order.
    async fn send_parts(
        &self,
        path: &Path,
        key: &str,
        upload_id: &str,
        parts: &[PartRange],
    ) -> Result<(Vec<CompletedPart>, Vec<[u8; 16]>), StorageError> {
        let mut in_flight = JoinSet::new();
        let mut completed = Vec::with_capacity(parts.len());
        let mut queue = parts.iter();
        loop {
            while in_flight.len() < self.concurrency.max(1) {
                let Some(part) = queue.next() else { break };
                let request = self
                    .client
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(key)
                    .upload_id(upload_id)
                    .part_number(part.number)
                    .content_length(part.len as i64);
                let (path, part, bucket, redactor): (PathBuf, PartRange, String, Arc<Redactor>) =
                    (path.to_path_buf(), *part, self.bucket.clone(), self.redactor.clone());
                in_flight.spawn(async move {
                    let hashed = path.clone();
                    let md5 = tokio::task::spawn_blocking(move || range_md5(&hashed, part))
                        .await
                        .map_err(|e| e.to_string())
                        .and_then(|read| read.map_err(|e| e.to_string()))
                        .map_err(|e| {
                            StorageError::new(FaultKind::UploadFailed, format!("cannot read {}: {e}", path.display()))
                        })?;
                    let body = file_range(&path, part.offset, part.len).await?;
                    let output = request
                        .content_md5(BASE64.encode(md5))
                        .body(body)
                        .send()
                        .await
                        .map_err(|e| classify("UploadPart", &bucket, &e, &redactor))?;
                    let done = CompletedPart::builder().part_number(part.number).set_e_tag(output.e_tag).build();
                    Ok::<_, StorageError>((done, md5))
                });
            }
            match in_flight.join_next().await {
                Some(Ok(Ok(part))) => completed.push(part),
                Some(Ok(Err(error))) => return Err(error),
                Some(Err(join_error)) => {
                    return Err(StorageError::new(
                        FaultKind::UploadFailed,
                        format!("part upload task failed: {join_error}"),
                    ));
                }
                None => break,
            }
        }
        completed.sort_by_key(|(part, _)| part.part_number());
        Ok(completed.into_iter().unzip())
    }

    /// Confirms the object S3 stored is the one we sent.
    async fn verify(&self, key: &str, digests: &Digests) -> Result<(), StorageError> {
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| classify("HeadObject", &self.bucket, &e, &self.redactor))?;
        let mismatch = |what: String| {
            StorageError::new(FaultKind::UploadVerifyFailed, format!("{key}: {what}; the upload will be retried"))
        };
        let stored_size = head.content_length().unwrap_or(-1);
        if stored_size != digests.size as i64 {
            return Err(mismatch(format!("stored size is {stored_size} bytes, sent {}", digests.size)));
        }
        let stored_sha = head.metadata().and_then(|m| m.get("sha256")).map(String::as_str).unwrap_or_default();
        if stored_sha != digests.sha256_hex {
            return Err(mismatch(format!("stored sha256 metadata is '{stored_sha}', sent {}", digests.sha256_hex)));
        }
        // S3 defines the ETag as the MD5 (of the part MD5s) except for KMS and customer-key encryption.
        let etag_is_md5 = head.sse_customer_algorithm().is_none()
            && !matches!(
                head.server_side_encryption(),
                Some(ServerSideEncryption::AwsKms | ServerSideEncryption::AwsKmsDsse)
            );
        let etag = head.e_tag().unwrap_or_default().trim_matches('"');
        if etag_is_md5 && etag != digests.expected_etag() {
            return Err(mismatch(format!("stored ETag is '{etag}', expected {}", digests.expected_etag())));
        }
        Ok(())
    }
}

async fn file_range(path: &Path, offset: u64, len: u64) -> Result<ByteStream, StorageError> {
    ByteStream::read_from()
        .path(path)
        .offset(offset)
        .length(Length::Exact(len))
        .build()
        .await
        .map_err(|e| StorageError::new(FaultKind::UploadFailed, format!("cannot read {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn parts_cover_the_file_exactly() {
        let parts = plan_parts(12, 5);
        assert_eq!(
            parts.iter().map(|p| (p.number, p.offset, p.len)).collect::<Vec<_>>(),
            [(1, 0, 5), (2, 5, 5), (3, 10, 2)]
        );
        assert_eq!(plan_parts(10, 5).len(), 2);
        assert_eq!(plan_parts(0, 5), [PartRange { number: 1, offset: 0, len: 0 }]);
    }

    #[test]
    fn digests_match_known_values_and_predict_the_multipart_etag() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"abc").unwrap();
        let single = digest(file.path(), 3, true).unwrap();
        assert_eq!(single.sha256_hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(single.expected_etag(), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(range_md5(file.path(), plan_parts(3, 3)[0]).unwrap(), single.part_md5[0]);
        let without_md5 = digest(file.path(), 3, false).unwrap();
        assert_eq!(without_md5.sha256_hex, single.sha256_hex);
        let ranges: Vec<[u8; 16]> = plan_parts(3, 2).into_iter().map(|p| range_md5(file.path(), p).unwrap()).collect();
        assert_eq!(ranges[0], <[u8; 16]>::from(Md5::digest(b"ab")), "hashing a part on its own gives its MD5");
        assert_eq!(ranges[1], <[u8; 16]>::from(Md5::digest(b"c")));
        let multi =
            Digests { size: 3, sha256_hex: single.sha256_hex.clone(), part_md5: ranges, index: IndexBuilder::new() };
        assert!(multi.expected_etag().ends_with("-2"));
        assert!(digest(file.path(), 4, true).is_err(), "a short file is an error, not a short upload");
        let past_end = PartRange { number: 2, offset: 2, len: 2 };
        assert!(range_md5(file.path(), past_end).is_err(), "a short part is an error too");
    }
}
