//! Holds: time ranges of a camera that retention must keep. Each is one small JSON object under the camera's
//! `holds/` folder (`crds::contract::storage::Hold`), so the recorders that enforce retention, this server
//! and a user's own tools all see the same ones. Creating and removing them is the one thing this otherwise
//! read-only server writes.

use crate::error::ApiError;
use crate::store::{Store, StoreError, s3_error};
use aws_sdk_s3::primitives::ByteStream;
use crds::contract::storage::{self, Hold};
use jiff::Timestamp;
use std::hash::{BuildHasher, Hasher};

/// Longer reasons belong in a case file, not in a key's metadata.
pub const MAX_REASON_CHARS: usize = 500;

/// What a client asks for.
#[derive(Debug, serde::Deserialize)]
pub struct NewHold {
    pub start: Option<String>,
    pub end: Option<String>,
    #[serde(default)]
    pub reason: String,
}

/// Checks a request and makes the hold. Ids sort by creation time and carry 32 random bits, so two servers
/// creating holds at the same millisecond do not collide.
pub fn make_hold(camera: &str, request: &NewHold, now: Timestamp, user: Option<String>) -> Result<Hold, ApiError> {
    let start = crate::params::time("start", request.start.as_deref())?;
    let end = crate::params::time("end", request.end.as_deref())?;
    if end <= start {
        return Err(ApiError::bad_request(format!("end: {end} is not after start {start}; give end later than start")));
    }
    let reason = request.reason.trim().to_owned();
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::bad_request(format!("reason: longer than {MAX_REASON_CHARS} characters; shorten it")));
    }
    // RandomState is seeded from the OS per process: enough to keep ids apart, no crypto needed.
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish() as u32;
    let id = format!("{}-{random:08x}", now.as_millisecond());
    Ok(Hold { id, camera: camera.to_owned(), start, end, reason, created: now, created_by: user })
}

impl Store {
    /// The camera's holds, sorted by start. An object that is not a hold is skipped (and logged).
    pub async fn holds(&self, camera: &str) -> Result<Vec<Hold>, StoreError> {
        let (objects, _) = self.list(&storage::holds_prefix(&self.prefix, camera), false, None).await?;
        let mut holds = Vec::new();
        for object in objects {
            let read = self.read_all(&object.key).await.and_then(|bytes| {
                serde_json::from_slice(&bytes)
                    .map_err(|e| StoreError::Unplayable { key: object.key.clone(), reason: format!("not a hold: {e}") })
            });
            match read {
                Ok(hold) => holds.push(hold),
                Err(error) => tracing::warn!(key = object.key, %error, "not a hold; skipped"),
            }
        }
        holds.sort_by_key(|h: &Hold| (h.start, h.id.clone()));
        Ok(holds)
    }

    /// Stores a new hold; never replaces one (a conditional PUT).
    pub async fn put_hold(&self, hold: &Hold) -> Result<(), StoreError> {
        let body = serde_json::to_vec_pretty(hold)
            .map_err(|e| StoreError::S3 { operation: "PutObject", message: e.to_string() })?;
        self.count("PutObject");
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(storage::hold_key(&self.prefix, &hold.camera, &hold.id))
            .if_none_match("*")
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| s3_error("PutObject", &e))?;
        Ok(())
    }

    /// Removes hold `id`; `Ok(false)` if there is none.
    pub async fn delete_hold(&self, camera: &str, id: &str) -> Result<bool, StoreError> {
        let key = storage::hold_key(&self.prefix, camera, id);
        self.count("HeadObject");
        match self.client.head_object().bucket(&self.bucket).key(&key).send().await {
            Ok(_) => {}
            Err(error) if error.as_service_error().is_some_and(|e| e.is_not_found()) => return Ok(false),
            Err(error) => return Err(s3_error("HeadObject", &error)),
        }
        self.count("DeleteObject");
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
            .map_err(|e| s3_error("DeleteObject", &e))?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(start: &str, end: &str, reason: &str) -> NewHold {
        NewHold { start: Some(start.into()), end: Some(end.into()), reason: reason.into() }
    }

    #[test]
    fn a_hold_is_checked_and_gets_a_time_ordered_id() {
        let now: Timestamp = "2026-11-24T08:00:00Z".parse().unwrap();
        let hold = make_hold("yard", &request("2026-11-23T22:00:00Z", "2026-11-24T02:00:00Z", " break-in "), now, None)
            .unwrap();
        assert_eq!(hold.reason, "break-in");
        assert!(hold.id.starts_with(&format!("{}-", now.as_millisecond())));
        assert!(storage::hold_id(&hold.id).is_ok(), "the id is safe in keys and URLs: {}", hold.id);
        let error = |r: NewHold| make_hold("yard", &r, now, None).unwrap_err().message;
        assert!(error(request("2026-11-24T02:00:00Z", "2026-11-23T22:00:00Z", "")).starts_with("end:"));
        assert!(
            error(NewHold { start: None, end: Some("2026-11-24T02:00:00Z".into()), reason: String::new() })
                .starts_with("start:")
        );
        assert!(
            error(request("2026-11-23T22:00:00Z", "2026-11-24T02:00:00Z", &"x".repeat(501))).starts_with("reason:")
        );
    }
}
