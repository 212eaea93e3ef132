//! Segment files and their S3 object keys.
//!
//! FFmpeg names each segment after the UTC wall-clock time it opened it (`20261123T141500Z.mp4`), and the
//! object key is derived from that name alone, never from when the upload happened:
//!
//! ```text
//! <prefix>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<YYYYMMDDTHHMMSSZ>.mp4
//! ```
//!
//! Keys sort by time, and one camera's day is one prefix listing. The layout is defined once, in
//! `crds::contract::storage`, which playback reads with.

use jiff::{Timestamp, civil::DateTime, tz::TimeZone};
use std::path::{Path, PathBuf};

/// The strftime pattern FFmpeg names segments with. FFmpeg runs with `TZ=UTC` so this is UTC.
pub const FILE_PATTERN: &str = "%Y%m%dT%H%M%SZ.mp4";
const NAME_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// Start time of a segment file named by [`FILE_PATTERN`], or `None` for any other file.
pub fn start_from_file_name(path: &Path) -> Option<Timestamp> {
    let stem = path.file_name()?.to_str()?.strip_suffix(".mp4")?;
    let civil = DateTime::strptime(NAME_FORMAT, stem).ok()?;
    civil.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

pub fn file_name_for(start: Timestamp) -> String {
    format!("{}.mp4", start.to_zoned(TimeZone::UTC).strftime(NAME_FORMAT))
}

/// The S3 key of `camera`'s segment that started at `start` (the layout is `crds::contract::storage`'s).
pub fn object_key(prefix: &str, camera: &str, start: Timestamp) -> String {
    crds::contract::storage::segment_key(prefix, camera, start)
}

/// One line of FFmpeg's CSV segment list: `name,start,end`, times in seconds of stream time.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedSegment {
    pub file_name: String,
    pub start_secs: f64,
    pub end_secs: f64,
}

impl ListedSegment {
    pub fn parse(line: &str) -> Option<ListedSegment> {
        // The name comes first and may itself contain commas (CSV-quoted), so split from the right.
        let mut fields = line.trim_end().rsplitn(3, ',');
        let end_secs = fields.next()?.parse().ok()?;
        let start_secs = fields.next()?.parse().ok()?;
        let file_name = fields.next()?.trim_matches('"').to_owned();
        if file_name.is_empty() {
            return None;
        }
        Some(ListedSegment { file_name, start_secs, end_secs })
    }

    pub fn duration_secs(&self) -> f64 {
        (self.end_secs - self.start_secs).max(0.0)
    }

    pub fn path_in(&self, dir: &Path) -> PathBuf {
        dir.join(&self.file_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn file_names_round_trip_to_utc_timestamps() {
        let start = ts("2026-11-23T14:15:00Z");
        assert_eq!(file_name_for(start), "20261123T141500Z.mp4");
        assert_eq!(start_from_file_name(Path::new("/spool/cam/20261123T141500Z.mp4")), Some(start));
        assert_eq!(start_from_file_name(Path::new("notes.txt")), None);
        assert_eq!(start_from_file_name(Path::new("2026.mp4")), None);
    }

    #[test]
    fn keys_group_a_camera_day_under_one_prefix_and_sort_by_time() {
        let key = object_key("", "front-door", ts("2026-01-02T03:04:05Z"));
        assert_eq!(key, "front-door/2026/01/02/front-door_20260102T030405Z.mp4");
        assert_eq!(
            object_key("/site-a/", "yard", ts("2026-01-02T03:04:05Z")),
            "site-a/yard/2026/01/02/yard_20260102T030405Z.mp4"
        );
        let earlier = object_key("p", "yard", ts("2026-01-02T09:59:59Z"));
        let later = object_key("p", "yard", ts("2026-01-02T10:00:00Z"));
        assert!(earlier < later);
    }

    #[test]
    fn csv_lines_from_ffmpeg_parse() {
        let seg = ListedSegment::parse("20261123T233240Z.mp4,9.933333,19.933333\n").unwrap();
        assert_eq!(seg.file_name, "20261123T233240Z.mp4");
        assert!((seg.duration_secs() - 10.0).abs() < 1e-9);
        assert_eq!(ListedSegment::parse("garbage"), None);
        assert_eq!(ListedSegment::parse(",1,2"), None);
    }
}
