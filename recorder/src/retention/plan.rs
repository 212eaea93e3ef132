//! The pure core of retention: from what a listing shows, which objects a pass deletes, and which incomplete
//! uploads it aborts. No I/O: [`super::store`] lists, reads and deletes; this decides.
//!
//! The rules, each one conservative (keeping is always safe, deleting never is):
//!
//! - A segment is deleted only when the **end** of its footage is older than the cut-off (now − retention),
//!   so a segment that straddles the cut-off stays until all of it has expired.
//! - Its span comes from its index object's name (no request needed); for a segment without one, from its
//!   metadata (a HEAD); with neither, the upload time stands in for the end (the footage cannot end after it
//!   was uploaded). A segment whose end is unknown even so is kept.
//! - Nothing that overlaps a hold is deleted ([`Hold::protects`]).
//! - A segment goes with its companions ([`storage::is_companion`]): the companions are deleted **first**, in
//!   their own requests, and a segment only once all of its companions are gone. After a crash between the
//!   two, a segment without its index is left, which still plays and which the next pass deletes after one
//!   HEAD; an index never outlives its segment, so "an index implies its segment" holds at every instant.
//! - Companions whose segment is gone (debris from a hand deletion) are judged like a segment: by their own
//!   span, holds included.
//! - Keys this layout does not know are never deleted.

use crds::contract::storage::{self, Hold, SegmentMetadata, StoredObject};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long before its name's time a segment's footage may start when nothing else says: the longest segment.
/// (A recorder segment starts at most a second or two before its name's time.) Only ever widens a span, so
/// it can only make a hold protect more.
pub const UNKNOWN_START_SLACK: SignedDuration = SignedDuration::from_secs(3600);
/// Incomplete multipart uploads older than this are aborted: a recorder finishes or aborts its own uploads
/// within minutes.
pub const STALE_UPLOAD_AGE: SignedDuration = SignedDuration::from_hours(24);

/// An object as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    pub size: u64,
    /// When S3 stored it (the upload time).
    pub last_modified: Option<Timestamp>,
}

/// A span of footage, `start..end` (end exclusive, as in [`Hold::protects`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// One segment and its companions, from one day's listing. `segment` is `None` for debris: companions whose
/// segment is not in the bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Footage {
    /// The segment's key (also for debris, where it is the key the segment had).
    pub key: String,
    /// The time in the key: when FFmpeg opened the file.
    pub opened: Timestamp,
    pub segment: Option<Listed>,
    pub companions: Vec<Listed>,
    /// The segment's metadata, read with a HEAD for a segment without an index ([`Footage::needs_head`]).
    pub metadata: Option<SegmentMetadata>,
}

impl Footage {
    /// The spans the companions' index names give, joined.
    fn indexed_span(&self, prefix: &str) -> Option<Span> {
        self.companions
            .iter()
            .filter_map(|c| match storage::parse_key(prefix, &c.key) {
                Some(StoredObject::Index { name, .. }) => Some(Span { start: name.start, end: name.end }),
                _ => None,
            })
            .reduce(|a, b| Span { start: a.start.min(b.start), end: a.end.max(b.end) })
    }

    /// The footage's span, or one that contains it; `None` when nothing says when it ends.
    pub fn span(&self, prefix: &str) -> Option<Span> {
        if let Some(span) = self.indexed_span(prefix) {
            return Some(span);
        }
        let fallback_start = self.opened.checked_sub(UNKNOWN_START_SLACK).unwrap_or(Timestamp::MIN);
        if let Some(end) = self.metadata.as_ref().and_then(|m| m.end) {
            let start = self.metadata.as_ref().and_then(|m| m.start).unwrap_or(fallback_start).min(end);
            return Some(Span { start, end });
        }
        // Footage cannot end after it was uploaded: the upload time bounds the end from above.
        let uploaded = match &self.segment {
            Some(segment) => segment.last_modified,
            None => self.companions.iter().filter_map(|c| c.last_modified).max(),
        }?;
        Some(Span { start: fallback_start.min(uploaded), end: uploaded })
    }

    /// Whether the pass must read the segment's metadata (a HEAD) to know its span: a segment without an
    /// index that might have expired (one opened after the cut-off has not: its footage starts at most
    /// seconds before its name's time).
    pub fn needs_head(&self, prefix: &str, cutoff: Timestamp) -> bool {
        self.segment.is_some()
            && self.metadata.is_none()
            && self.opened <= cutoff
            && self.indexed_span(prefix).is_none()
    }

    /// When the footage starts, as exactly as known: its index or metadata, else its name's time.
    pub fn start(&self, prefix: &str) -> Timestamp {
        self.indexed_span(prefix)
            .map(|s| s.start)
            .or_else(|| self.metadata.as_ref().and_then(|m| m.start))
            .unwrap_or(self.opened)
    }

    pub fn objects(&self) -> impl Iterator<Item = &Listed> {
        self.companions.iter().chain(self.segment.iter())
    }

    pub fn bytes(&self) -> u64 {
        self.objects().map(|o| o.size).sum()
    }
}

/// The cut-off: footage that ended before it has expired.
pub fn cutoff(now: Timestamp, retention: Duration) -> Timestamp {
    SignedDuration::try_from(retention).ok().and_then(|r| now.checked_sub(r).ok()).unwrap_or(Timestamp::MIN)
}

/// The UTC day folder a key is in (`<prefix>/<camera>/<YYYY>/<MM>/<DD>/...`), if it is in one.
pub fn day_of(camera_prefix: &str, key: &str) -> Option<Date> {
    let rest = key.strip_prefix(camera_prefix)?;
    let mut parts = rest.splitn(4, '/');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    parts.next()?;
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?).ok()
}

/// The UTC day of an instant.
pub fn utc_day(at: Timestamp) -> Date {
    at.to_zoned(TimeZone::UTC).date()
}

/// Groups one day's listing of `camera` into segments with their companions, in key order. Keys this layout
/// does not know are left out, so they are never deleted.
pub fn group(prefix: &str, camera: &str, listed: Vec<Listed>) -> Vec<Footage> {
    fn entry(footage: &mut BTreeMap<String, Footage>, key: String, opened: Timestamp) -> &mut Footage {
        footage.entry(key.clone()).or_insert_with(|| Footage {
            key,
            opened,
            segment: None,
            companions: Vec::new(),
            metadata: None,
        })
    }
    let mut footage: BTreeMap<String, Footage> = BTreeMap::new();
    for object in listed {
        match storage::parse_key(prefix, &object.key) {
            Some(StoredObject::Segment { camera: owner, opened }) if owner == camera => {
                let key = object.key.clone();
                entry(&mut footage, key, opened).segment = Some(object);
            }
            Some(StoredObject::Index { camera: owner, opened, segment_key, .. }) if owner == camera => {
                entry(&mut footage, segment_key, opened).companions.push(object);
            }
            Some(_) => {}
            None => {
                let Some(segment_key) = storage::companion_segment_key(prefix, &object.key) else { continue };
                let Some(StoredObject::Segment { camera: owner, opened }) = storage::parse_key(prefix, &segment_key)
                else {
                    continue;
                };
                if owner == camera {
                    entry(&mut footage, segment_key, opened).companions.push(object);
                }
            }
        }
    }
    footage.into_values().collect()
}

/// What a pass deletes from some footage: every companion before any segment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deletions {
    /// The footage to delete, whole (segment and companions).
    pub expired: Vec<(Footage, Span)>,
    /// Expired segments kept because a hold covers them.
    pub held: u64,
    /// Segments kept because nothing says when their footage ends.
    pub unknown: u64,
}

impl Deletions {
    /// Companion keys, in the order they are deleted: all of them before any segment.
    pub fn companions(&self) -> impl Iterator<Item = &Listed> {
        self.expired.iter().flat_map(|(f, _)| f.companions.iter())
    }

    pub fn segments(&self) -> impl Iterator<Item = &Listed> {
        self.expired.iter().filter_map(|(f, _)| f.segment.as_ref())
    }

    /// Every key, in deletion order.
    pub fn keys(&self) -> Vec<String> {
        self.companions().chain(self.segments()).map(|o| o.key.clone()).collect()
    }

    pub fn objects(&self) -> usize {
        self.expired.iter().map(|(f, _)| f.objects().count()).sum()
    }
}

/// Whether any hold covers `span`.
pub fn held(span: Span, holds: &[Hold]) -> bool {
    holds.iter().any(|h| h.protects(span.start, span.end))
}

/// Which of `footage` a pass at `now` deletes with `retention`, honouring `holds`.
pub fn plan_deletions(
    prefix: &str,
    footage: &[Footage],
    holds: &[Hold],
    now: Timestamp,
    retention: Duration,
) -> Deletions {
    let cutoff = cutoff(now, retention);
    let mut plan = Deletions::default();
    for item in footage {
        let Some(span) = item.span(prefix) else {
            plan.unknown += u64::from(item.segment.is_some());
            continue;
        };
        if span.end >= cutoff {
            continue;
        }
        if held(span, holds) {
            plan.held += u64::from(item.segment.is_some());
            continue;
        }
        plan.expired.push((item.clone(), span));
    }
    plan
}

/// An incomplete multipart upload, as ListMultipartUploads shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub key: String,
    pub upload_id: String,
    pub initiated: Option<Timestamp>,
}

/// The uploads to abort: started more than a day before `now`. One whose start is unknown is left alone.
pub fn stale_uploads(uploads: &[Upload], now: Timestamp) -> Vec<&Upload> {
    let before = now.checked_sub(STALE_UPLOAD_AGE).unwrap_or(Timestamp::MIN);
    uploads.iter().filter(|u| u.initiated.is_some_and(|at| at < before)).collect()
}

/// When the next pass starts, counted from the start of the previous one (or from start-up for the first):
/// the first within `first_delay` (between half of it and all of it), then every 90 to 100 % of `interval`,
/// so a fleet of recorders started together spreads its passes. `jitter` is in `[0, 1)`.
pub fn delay_before_pass(pass: u64, first_delay: Duration, interval: Duration, jitter: f64) -> Duration {
    let jitter = jitter.clamp(0.0, 1.0);
    if pass == 0 { first_delay.mul_f64(0.5 + jitter / 2.0) } else { interval.mul_f64(0.9 + jitter / 10.0) }
}

#[cfg(test)]
mod tests;
