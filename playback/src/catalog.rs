//! What one listing of a camera-day says: its segments, each with its footage span and stream when its index
//! object names them. Pure: the listing comes in as keys and sizes.

use crds::contract::storage::{IndexName, StoredObject, parse_key};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// A key and size from a bucket listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    pub size: u64,
}

/// A segment as the listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedSegment {
    pub key: String,
    pub size: u64,
    /// The time in its name (when FFmpeg opened it).
    pub opened: Timestamp,
    /// Its index object, if the recorder wrote one.
    pub index: Option<(String, IndexName)>,
}

/// A segment with its span and stream known: from its index name, or (unindexed) from its metadata or video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub key: String,
    pub size: u64,
    pub start: Timestamp,
    pub end: Timestamp,
    pub codec: String,
    pub width: u32,
    pub height: u32,
    /// The index object's key; `None` when playback has to build the index from the video.
    pub index_key: Option<String>,
}

impl Segment {
    pub fn resolution(&self) -> String {
        format!("{}x{}", self.width, self.height)
    }

    pub fn from_index_name(listed: &ListedSegment, index_key: &str, name: &IndexName) -> Segment {
        Segment {
            key: listed.key.clone(),
            size: listed.size,
            start: name.start,
            end: name.end,
            codec: name.codec.clone(),
            width: name.width,
            height: name.height,
            index_key: Some(index_key.to_owned()),
        }
    }
}

/// Pairs each segment of `camera` in a listing under `prefix` with its index. Other keys are ignored, and so is
/// an index whose segment is not listed (it was deleted, or is not uploaded yet).
pub fn segments_of(prefix: &str, camera: &str, listing: &[Listed]) -> Vec<ListedSegment> {
    let mut segments: BTreeMap<String, ListedSegment> = BTreeMap::new();
    let mut indexes: Vec<(String, String, IndexName)> = Vec::new();
    for object in listing {
        match parse_key(prefix, &object.key) {
            Some(StoredObject::Segment { camera: owner, opened }) if owner == camera => {
                let segment = ListedSegment { key: object.key.clone(), size: object.size, opened, index: None };
                segments.insert(object.key.clone(), segment);
            }
            Some(StoredObject::Index { camera: owner, segment_key, name, .. }) if owner == camera => {
                indexes.push((segment_key, object.key.clone(), name));
            }
            _ => {}
        }
    }
    for (segment_key, index_key, name) in indexes {
        if let Some(segment) = segments.get_mut(&segment_key) {
            segment.index = Some((index_key, name));
        }
    }
    let mut out: Vec<ListedSegment> = segments.into_values().collect();
    out.sort_by_key(|s| s.opened);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crds::contract::storage::{index_key, segment_key};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_listing_pairs_segments_with_their_indexes() {
        let a = segment_key("p", "cam", ts("2026-11-23T10:00:00Z"));
        let b = segment_key("p", "cam", ts("2026-11-23T10:00:10Z"));
        let name = IndexName {
            start: ts("2026-11-23T10:00:00.5Z"),
            end: ts("2026-11-23T10:00:10.5Z"),
            codec: "h264".into(),
            width: 640,
            height: 360,
        };
        let a_index = index_key(&a, &name);
        let orphan = index_key(&segment_key("p", "cam", ts("2026-11-23T09:00:00Z")), &name);
        let listing = [
            Listed { key: b.clone(), size: 20 },
            Listed { key: a_index.clone(), size: 1 },
            Listed { key: a.clone(), size: 10 },
            Listed { key: orphan, size: 1 },
            Listed { key: "p/cam/2026/11/23/readme.txt".into(), size: 1 },
            Listed { key: segment_key("p", "other", ts("2026-11-23T10:00:00Z")), size: 1 },
        ];
        let segments = segments_of("p", "cam", &listing);
        assert_eq!(segments.len(), 2);
        assert_eq!(segments[0].key, a);
        assert_eq!(segments[0].index, Some((a_index, name)));
        assert_eq!((segments[1].key.as_str(), segments[1].size, &segments[1].index), (b.as_str(), 20, &None));
    }
}
