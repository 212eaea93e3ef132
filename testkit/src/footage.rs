//! Checks on what landed in the bucket: layout, metadata, checksum, playability and coverage.

use super::bucket::Bucket;
use super::media::{self, Probed};
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Footage {
    pub key: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub metadata: HashMap<String, String>,
    pub probed: Probed,
}

/// Downloads every object of `camera` and checks each one:
/// - the key is `<camera>/<YYYY>/<MM>/<DD>/<camera>_<YYYYMMDDTHHMMSSZ>.mp4`, the date folders matching the stamp;
/// - the metadata carries start, end, duration, codec, resolution, fps and a sha256 that matches the bytes;
/// - ffprobe finds video and FFmpeg decodes it without an error.
pub fn check_all(bucket: &Bucket, camera: &str) -> Vec<Footage> {
    let dir = tempfile::tempdir().unwrap();
    let mut footage = Vec::new();
    for object in bucket.list(&format!("{camera}/")) {
        let key = object.key.clone();
        if !key.ends_with(".mp4") {
            continue; // a segment's companions (its fragment index) are checked by playback's tests
        }
        check_key_layout(camera, &key);
        let metadata = bucket.metadata(&key);
        for field in ["camera", "start", "end", "duration", "codec", "resolution", "fps", "sha256"] {
            assert!(metadata.contains_key(field), "{key}: metadata lacks '{field}': {metadata:?}");
        }
        let local = dir.path().join(key.replace('/', "_"));
        bucket.download(&key, &local);
        let bytes = std::fs::read(&local).unwrap();
        assert_eq!(bytes.len() as u64, object.size);
        let sha: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(metadata["sha256"], sha, "{key}: sha256 metadata does not match the object's bytes");
        let probed = media::probe(&local).unwrap_or_else(|e| panic!("{key} does not probe: {e}"));
        media::decodes_cleanly(&local).unwrap_or_else(|e| panic!("{key} does not decode cleanly: {e}"));
        assert_eq!(metadata["codec"], probed.video_codec, "{key}");
        assert_eq!(metadata["resolution"], format!("{}x{}", probed.width, probed.height), "{key}");
        let start: Timestamp = metadata["start"].parse().unwrap();
        let end: Timestamp = metadata["end"].parse().unwrap();
        let duration: f64 = metadata["duration"].parse().unwrap();
        assert!(
            (duration - probed.duration).abs() < 1.0,
            "{key}: metadata duration {duration} vs ffprobe {}",
            probed.duration
        );
        footage.push(Footage { key, start, end, metadata, probed });
    }
    footage.sort_by_key(|f| f.start);
    footage
}

fn check_key_layout(camera: &str, key: &str) {
    let parts: Vec<&str> = key.split('/').collect();
    assert_eq!(parts.len(), 5, "{key}: expected <camera>/<YYYY>/<MM>/<DD>/<file>");
    assert_eq!(parts[0], camera, "{key}");
    let stamp = parts[4]
        .strip_prefix(&format!("{camera}_"))
        .and_then(|s| s.strip_suffix("Z.mp4"))
        .unwrap_or_else(|| panic!("{key}: file name"));
    assert_eq!(stamp.len(), 15, "{key}: stamp YYYYMMDDTHHMMSS");
    assert_eq!(
        (parts[1], parts[2], parts[3]),
        (&stamp[0..4], &stamp[4..6], &stamp[6..8]),
        "{key}: date folders match the stamp"
    );
}

/// The gaps between consecutive segments longer than `tolerance_secs`, as (end of one, start of next, gap).
pub fn gaps(footage: &[Footage], tolerance_secs: f64) -> Vec<(Timestamp, Timestamp, f64)> {
    footage
        .windows(2)
        .filter_map(|pair| {
            let gap = pair[1].start.duration_since(pair[0].end).as_secs_f64();
            (gap > tolerance_secs).then_some((pair[0].end, pair[1].start, gap))
        })
        .collect()
}

pub fn covered_secs(footage: &[Footage]) -> f64 {
    footage.iter().map(|f| f.end.duration_since(f.start).as_secs_f64()).sum()
}
