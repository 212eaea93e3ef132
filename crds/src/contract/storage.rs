//! The storage layout every binary shares: where a segment and its companions live in the bucket, what the
//! segment's metadata says, and the fragment index playback reads instead of scanning video.
//!
//! Layout version 2 (version 1 had no index objects; its segments still play):
//!
//! ```text
//! <prefix>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<YYYYMMDDTHHMMSSZ>.mp4                              the segment
//! <prefix>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<YYYYMMDDTHHMMSSZ>.mp4.<startMs>-<endMs>.<codec>-<W>x<H>.idx.json
//!                                                                                            its index
//! <prefix>/<camera>/holds/<id>.json                                                          a hold (Hold)
//! ```
//!
//! - The date folders and the stamp are the UTC time FFmpeg opened the file. Keys sort by time, and a camera's
//!   day is one prefix listing.
//! - The index object's name carries the footage span in Unix milliseconds and the video stream, so one listing
//!   of a day gives every segment with its exact span: a timeline costs one request per camera-day, never one
//!   per segment.
//! - The index is written after its segment has been uploaded and verified, so an index implies its segment.
//!   A segment without one (layout 1, a hand upload) still plays: readers build the index from the video.
//! - Every object whose key is a segment's key followed by `.` is that segment's companion ([`is_companion`]):
//!   whoever deletes a segment deletes its companions with it, and a companion whose segment is gone is
//!   debris that may be deleted.
//! - A hold protects a camera's time range from retention until it is removed. Holds are small JSON objects
//!   under the camera's `holds/` folder, so recorders, playback and a user's own tools see the same ones.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The version of this layout, documented in the README.
pub const LAYOUT_VERSION: u32 = 2;
/// The version of [`SegmentIndex`]'s JSON.
pub const INDEX_VERSION: u32 = 1;

const STAMP_FORMAT: &str = "%Y%m%dT%H%M%SZ";
const SEGMENT_SUFFIX: &str = ".mp4";
const INDEX_SUFFIX: &str = ".idx.json";

/// The names of the segment object's `x-amz-meta-*` metadata.
pub mod meta {
    pub const CAMERA: &str = "camera";
    pub const START: &str = "start";
    pub const END: &str = "end";
    pub const DURATION: &str = "duration";
    pub const CODEC: &str = "codec";
    pub const RESOLUTION: &str = "resolution";
    pub const FPS: &str = "fps";
    pub const AUDIO_CODEC: &str = "audio-codec";
    pub const SHA256: &str = "sha256";
}

fn root(prefix: &str) -> String {
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() { String::new() } else { format!("{prefix}/") }
}

/// `<prefix>/`: where the camera folders are.
pub fn cameras_prefix(prefix: &str) -> String {
    root(prefix)
}

/// `<prefix>/<camera>/`.
pub fn camera_prefix(prefix: &str, camera: &str) -> String {
    format!("{}{camera}/", root(prefix))
}

/// `<prefix>/<camera>/<YYYY>/<MM>/<DD>/`: one listing holds the camera's segments that started that UTC day.
pub fn day_prefix(prefix: &str, camera: &str, day: Date) -> String {
    format!("{}{}/", camera_prefix(prefix, camera), day.strftime("%Y/%m/%d"))
}

/// `<prefix>/<camera>/holds/`: the camera's holds, one object each.
pub fn holds_prefix(prefix: &str, camera: &str) -> String {
    format!("{}holds/", camera_prefix(prefix, camera))
}

/// The key of hold `id` of `camera`. `id` must satisfy [`hold_id`].
pub fn hold_key(prefix: &str, camera: &str, id: &str) -> String {
    format!("{}{id}.json", holds_prefix(prefix, camera))
}

/// Hold ids: 1-64 of `a-z`, `0-9` and `-`, so they are safe in keys and URLs.
pub fn hold_id(text: &str) -> Result<String, String> {
    let id = text.trim();
    let valid =
        (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(id.to_owned())
    } else {
        Err(format!("'{id}' is not a hold id; hold ids are 1-64 of a-z, 0-9 and '-'"))
    }
}

/// Whether `key` is a companion of the segment at `segment_key` (its index, or any later kind of side object).
pub fn is_companion(segment_key: &str, key: &str) -> bool {
    key.len() > segment_key.len() + 1 && key.starts_with(segment_key) && key.as_bytes()[segment_key.len()] == b'.'
}

/// The key of the segment whose companion `key` is by its shape, whether or not that segment exists: the
/// inverse of [`is_companion`], so a companion whose segment is gone can be recognised as debris.
pub fn companion_segment_key(prefix: &str, key: &str) -> Option<String> {
    // A camera id may itself contain ".mp4.", so every occurrence is a candidate.
    key.match_indices(".mp4.").map(|(at, _)| &key[..at + SEGMENT_SUFFIX.len()]).find_map(|segment| {
        let parsed = matches!(parse_key(prefix, segment), Some(StoredObject::Segment { .. }));
        (parsed && is_companion(segment, key)).then(|| segment.to_owned())
    })
}

/// A hold, as stored at [`hold_key`] (JSON, `application/json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub id: String,
    pub camera: String,
    /// The protected range: footage overlapping `start..end` is not deleted by retention.
    pub start: Timestamp,
    pub end: Timestamp,
    /// Why, in the user's words ("break-in, police report 2026-1123").
    #[serde(default)]
    pub reason: String,
    pub created: Timestamp,
    /// Who created it, when the creator knew (the auth proxy's user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

impl Hold {
    /// Whether footage spanning `start..end` overlaps the hold, so retention must keep it.
    pub fn protects(&self, start: Timestamp, end: Timestamp) -> bool {
        start < self.end && end > self.start
    }
}

/// The key of `camera`'s segment whose file FFmpeg opened at `opened` (UTC, whole seconds).
pub fn segment_key(prefix: &str, camera: &str, opened: Timestamp) -> String {
    let utc = opened.to_zoned(TimeZone::UTC);
    format!("{}{camera}_{}{SEGMENT_SUFFIX}", day_prefix(prefix, camera, utc.date()), utc.strftime(STAMP_FORMAT))
}

/// What an index object's name says about its segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexName {
    pub start: Timestamp,
    pub end: Timestamp,
    /// `h264`, `hevc`: letters and digits only.
    pub codec: String,
    pub width: u32,
    pub height: u32,
}

/// The key of the index of the segment at `segment_key`.
pub fn index_key(segment_key: &str, name: &IndexName) -> String {
    let codec: String = name.codec.chars().filter(char::is_ascii_alphanumeric).collect();
    format!(
        "{segment_key}.{}-{}.{codec}-{}x{}{INDEX_SUFFIX}",
        name.start.as_millisecond(),
        name.end.as_millisecond(),
        name.width,
        name.height
    )
}

fn parse_index_name(text: &str) -> Option<IndexName> {
    let (span, stream) = text.split_once('.')?;
    let (start, end) = span.split_once('-')?;
    let start = Timestamp::from_millisecond(start.parse().ok()?).ok()?;
    let end = Timestamp::from_millisecond(end.parse().ok()?).ok()?;
    let (codec, size) = stream.split_once('-')?;
    let (width, height) = size.split_once('x')?;
    let valid_codec = !codec.is_empty() && codec.chars().all(|c| c.is_ascii_alphanumeric());
    let (width, height) = (width.parse().ok()?, height.parse().ok()?);
    (start <= end && valid_codec).then(|| IndexName { start, end, codec: codec.to_owned(), width, height })
}

/// What a key in the bucket is, read back from the key alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredObject {
    Segment { camera: String, opened: Timestamp },
    Index { camera: String, opened: Timestamp, segment_key: String, name: IndexName },
}

/// Parses a key of this layout under `prefix`; `None` for anything else (which readers ignore).
pub fn parse_key(prefix: &str, key: &str) -> Option<StoredObject> {
    let rest = key.strip_prefix(&root(prefix))?;
    let mut parts = rest.split('/');
    let (camera, year, month, day, file) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let stamp_and_rest = file.strip_prefix(camera)?.strip_prefix('_')?;
    let (stamp, after) = stamp_and_rest.split_at_checked(16)?;
    let opened = DateTime::strptime(STAMP_FORMAT, stamp).ok()?.to_zoned(TimeZone::UTC).ok()?.timestamp();
    if opened.to_zoned(TimeZone::UTC).strftime("%Y/%m/%d").to_string() != format!("{year}/{month}/{day}") {
        return None;
    }
    let camera = camera.to_owned();
    if after == SEGMENT_SUFFIX {
        return Some(StoredObject::Segment { camera, opened });
    }
    let name = parse_index_name(after.strip_prefix(SEGMENT_SUFFIX)?.strip_prefix('.')?.strip_suffix(INDEX_SUFFIX)?)?;
    let segment_key = key[..key.len() - after.len() + SEGMENT_SUFFIX.len()].to_owned();
    Some(StoredObject::Index { camera, opened, segment_key, name })
}

/// A segment's metadata, typed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SegmentMetadata {
    pub camera: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub duration_secs: Option<f64>,
    pub codec: Option<String>,
    /// `1920x1080`.
    pub resolution: Option<String>,
    pub fps: Option<f64>,
    pub audio_codec: Option<String>,
    pub sha256: Option<String>,
}

impl SegmentMetadata {
    pub fn to_map(&self) -> HashMap<String, String> {
        let mut map = HashMap::new();
        map.insert(meta::CAMERA.into(), self.camera.clone());
        let mut put = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                map.insert(name.into(), value);
            }
        };
        put(meta::START, self.start.map(|t| t.to_string()));
        put(meta::END, self.end.map(|t| t.to_string()));
        put(meta::DURATION, self.duration_secs.map(|d| format!("{d:.3}")));
        put(meta::CODEC, self.codec.clone());
        put(meta::RESOLUTION, self.resolution.clone());
        put(meta::FPS, self.fps.map(|f| format!("{f}")));
        put(meta::AUDIO_CODEC, self.audio_codec.clone());
        put(meta::SHA256, self.sha256.clone());
        map
    }

    /// Reads what it can; a value that does not parse is left out, never an error (objects may be old or
    /// written by hand).
    pub fn from_map(map: &HashMap<String, String>) -> SegmentMetadata {
        let text = |name: &str| map.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        SegmentMetadata {
            camera: text(meta::CAMERA).unwrap_or_default(),
            start: text(meta::START).and_then(|v| v.parse().ok()),
            end: text(meta::END).and_then(|v| v.parse().ok()),
            duration_secs: text(meta::DURATION).and_then(|v| v.parse().ok()),
            codec: text(meta::CODEC),
            resolution: text(meta::RESOLUTION),
            fps: text(meta::FPS).and_then(|v| v.parse().ok()),
            audio_codec: text(meta::AUDIO_CODEC),
            sha256: text(meta::SHA256),
        }
    }
}

/// The fragment index stored beside a segment (JSON, `application/json`).
///
/// Every fragment of a recorder segment starts with a video keyframe (`frag_keyframe`), so any fragment is a
/// place playback can start. Times are in the video track's timescale, as in the file (`tfdt`), so a reader can
/// rewrite them without rounding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentIndex {
    pub version: u32,
    /// The footage's wall-clock span (the segment metadata's `start` and `end`).
    pub start: Timestamp,
    pub end: Timestamp,
    /// Size of the segment object in bytes.
    pub size: u64,
    /// `ftyp` + `moov`: bytes `0..init_size`.
    pub init_size: u64,
    /// SHA-256 of the init bytes: segments with the same one can be played without a decoder reset.
    pub init_sha256: String,
    /// `video/mp4; codecs="avc1.64001f, mp4a.40.2"`, for `MediaSource.isTypeSupported`.
    pub mime: String,
    pub codec: String,
    pub width: u32,
    pub height: u32,
    pub tracks: Vec<IndexTrack>,
    /// Complete `moof` + `mdat` pairs, in file order. A truncated last fragment (a crash) is left out.
    pub fragments: Vec<IndexFragment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexTrack {
    pub id: u32,
    /// `vide` or `soun`.
    pub handler: String,
    pub timescale: u32,
    /// The decode time of the track's first sample in the file.
    pub first_time: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexFragment {
    /// Byte offset of the `moof`.
    pub offset: u64,
    /// Bytes of `moof` + `mdat` (and anything between them).
    pub size: u64,
    /// Decode time of the fragment's first video sample, in the video timescale.
    pub time: u64,
    /// Duration of the fragment's video samples, in the video timescale.
    pub duration: u64,
    /// Whether the first video sample is a sync sample.
    pub keyframe: bool,
}

impl SegmentIndex {
    pub fn video(&self) -> Option<&IndexTrack> {
        self.tracks.iter().find(|t| t.handler == "vide")
    }

    pub fn video_timescale(&self) -> u32 {
        self.video().map(|t| t.timescale).unwrap_or(1).max(1)
    }

    /// Seconds from the first video sample to the start of `fragment`.
    pub fn offset_secs(&self, fragment: &IndexFragment) -> f64 {
        let first = self.video().map(|t| t.first_time).unwrap_or(0);
        fragment.time.saturating_sub(first) as f64 / self.video_timescale() as f64
    }

    pub fn duration_secs(&self, fragment: &IndexFragment) -> f64 {
        fragment.duration as f64 / self.video_timescale() as f64
    }

    /// `1920x1080`.
    pub fn resolution(&self) -> String {
        format!("{}x{}", self.width, self.height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn segment_keys_group_a_day_and_sort_by_time() {
        let key = segment_key("", "front-door", ts("2026-01-02T03:04:05Z"));
        assert_eq!(key, "front-door/2026/01/02/front-door_20260102T030405Z.mp4");
        assert_eq!(
            segment_key("/site-a/", "yard", ts("2026-01-02T03:04:05Z")),
            "site-a/yard/2026/01/02/yard_20260102T030405Z.mp4"
        );
        assert!(segment_key("p", "y", ts("2026-01-02T09:59:59Z")) < segment_key("p", "y", ts("2026-01-02T10:00:00Z")));
        assert_eq!(day_prefix("p", "yard", "2026-01-02".parse().unwrap()), "p/yard/2026/01/02/");
    }

    #[test]
    fn keys_parse_back_into_camera_start_and_span() {
        let opened = ts("2026-11-23T14:15:00Z");
        let segment = segment_key("site", "cam.1", opened);
        assert_eq!(parse_key("site", &segment), Some(StoredObject::Segment { camera: "cam.1".into(), opened }));
        let name = IndexName {
            start: ts("2026-11-23T14:14:59.93Z"),
            end: ts("2026-11-23T14:29:59.93Z"),
            codec: "h264".into(),
            width: 1280,
            height: 720,
        };
        let index = index_key(&segment, &name);
        assert_eq!(index, format!("{segment}.1795443299930-1795444199930.h264-1280x720.idx.json"));
        assert_eq!(
            parse_key("site", &index),
            Some(StoredObject::Index { camera: "cam.1".into(), opened, segment_key: segment.clone(), name })
        );
        for foreign in [
            "site/cam.1/2026/11/23/notes.txt",
            "site/cam.1/2026/11/24/cam.1_20261123T141500Z.mp4",
            "other/cam.1/2026/11/23/cam.1_20261123T141500Z.mp4",
            "site/cam.1/2026/11/23/cam.2_20261123T141500Z.mp4",
            "site/cam.1/2026/11/23/cam.1_20261123T141500Z.mp4.9-1.h264-1x1.idx.json",
            "site/cam.1/2026/11/23/cam.1_20261123T141500Z.mp4.1-9.idx.json",
            "site/cam.1/2026/11/23/x/cam.1_20261123T141500Z.mp4",
        ] {
            assert_eq!(parse_key("site", foreign), None, "{foreign}");
        }
    }

    #[test]
    fn holds_live_under_the_camera_and_companions_follow_their_segment() {
        assert_eq!(hold_key("p", "yard", "1795443299930-ab12"), "p/yard/holds/1795443299930-ab12.json");
        assert_eq!(parse_key("p", &hold_key("p", "yard", "x")), None, "a hold is neither segment nor index");
        assert!(hold_id("../x").is_err() && hold_id("").is_err() && hold_id("Ab").is_err());
        let segment = segment_key("p", "yard", ts("2026-11-23T14:15:00Z"));
        assert!(is_companion(&segment, &format!("{segment}.1-2.h264-1x1.idx.json")));
        assert!(!is_companion(&segment, &segment));
        assert!(!is_companion(&segment, &format!("{segment}x")));
        assert!(!is_companion(&segment, &segment_key("p", "yard", ts("2026-11-23T14:15:01Z"))));
        let hold = Hold {
            id: "h".into(),
            camera: "yard".into(),
            start: ts("2026-11-23T10:00:00Z"),
            end: ts("2026-11-23T11:00:00Z"),
            reason: String::new(),
            created: ts("2026-11-24T08:00:00Z"),
            created_by: None,
        };
        assert!(hold.protects(ts("2026-11-23T09:50:00Z"), ts("2026-11-23T10:05:00Z")), "a straddling segment is held");
        assert!(!hold.protects(ts("2026-11-23T11:00:00Z"), ts("2026-11-23T11:15:00Z")), "end is exclusive");
    }

    #[test]
    fn a_companion_names_its_segment_even_when_the_segment_is_gone() {
        let segment = segment_key("p", "a.mp4.b", ts("2026-11-23T14:15:00Z"));
        let index = format!("{segment}.1-2.h264-1x1.idx.json");
        assert_eq!(companion_segment_key("p", &index), Some(segment.clone()));
        assert_eq!(companion_segment_key("p", &format!("{segment}.thumb.jpg")), Some(segment.clone()));
        assert_eq!(companion_segment_key("p", &segment), None, "a segment is not a companion");
        assert_eq!(companion_segment_key("p", "p/yard/2026/11/23/notes.mp4.txt"), None);
        assert_eq!(companion_segment_key("other", &index), None);
    }

    #[test]
    fn metadata_round_trips_and_tolerates_junk() {
        let record = SegmentMetadata {
            camera: "yard".into(),
            start: Some(ts("2026-11-23T14:14:59.93Z")),
            end: Some(ts("2026-11-23T14:29:59.93Z")),
            duration_secs: Some(900.0),
            codec: Some("h264".into()),
            resolution: Some("1280x720".into()),
            fps: Some(15.0),
            audio_codec: None,
            sha256: Some("ab".into()),
        };
        assert_eq!(SegmentMetadata::from_map(&record.to_map()), record);
        let junk = HashMap::from([("start".to_owned(), "yesterday".to_owned())]);
        assert_eq!(SegmentMetadata::from_map(&junk).start, None);
    }
}
