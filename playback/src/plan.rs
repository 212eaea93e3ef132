//! Which bytes of which segments play a wall-clock range, and where each lands on one continuous media
//! timeline. HLS playlists and exports are both renderings of a [`Plan`]. Pure.
//!
//! - Playback starts at the keyframe fragment at or before the requested instant.
//! - Gaps are collapsed: the next footage follows on the media timeline at once, and the plan records where
//!   the wall clock jumps ([`MediaGap`]), so the UI can say so and always show the true time.
//! - Footage recorded twice (two recorders overlap during a rollout) plays once: a fragment that starts before
//!   the footage already planned has ended is skipped.

use crate::catalog::Segment;
use crate::timeline::CONTIGUOUS_SECS;
use crds::contract::storage::{IndexFragment, SegmentIndex};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::sync::Arc;

/// Two pieces of footage closer than this on the wall clock map onto the media timeline as one piece.
const SAME_PIECE_SECS: f64 = 0.05;
/// A fragment that starts up to this long before the planned footage ends still plays (it is jitter of the
/// segments' anchoring, not footage recorded twice).
const OVERLAP_TOLERANCE_SECS: f64 = 0.5;

/// A segment with its fragment index.
#[derive(Debug, Clone)]
pub struct Indexed {
    pub segment: Segment,
    pub index: Arc<SegmentIndex>,
}

/// A run of consecutive fragments of one segment: contiguous bytes, played from `media_start` on.
#[derive(Debug, Clone)]
pub struct Part {
    pub key: String,
    pub index: Arc<SegmentIndex>,
    /// `index.fragments[first..=last]`.
    pub first: usize,
    pub last: usize,
    /// Media time of the first fragment, in seconds.
    pub media_start: f64,
    pub wall_start: Timestamp,
    /// Its init section differs from the previous part's: the decoder must be reset (new resolution, codec).
    pub new_init: bool,
}

impl Part {
    pub fn fragments(&self) -> &[IndexFragment] {
        &self.index.fragments[self.first..=self.last]
    }

    /// `(offset, length)` of the part's bytes in its segment object.
    pub fn byte_range(&self) -> (u64, u64) {
        let fragments = self.fragments();
        let start = fragments[0].offset;
        let last = fragments[fragments.len() - 1];
        (start, last.offset + last.size - start)
    }

    pub fn duration_secs(&self) -> f64 {
        self.fragments().iter().map(|f| self.index.duration_secs(f)).sum()
    }

    /// What to add to the decode times of this part's fragments, in microseconds: the same wall-clock shift for
    /// every track keeps audio and video in step. See [`shifts_for`].
    pub fn shift_micros(&self) -> i64 {
        let raw_secs = self.fragments()[0].time as f64 / f64::from(self.index.video_timescale());
        ((self.media_start - raw_secs) * 1e6).round() as i64
    }
}

/// The per-track tick shifts for a shift of `micros`, in each track's own timescale.
pub fn shifts_for(index: &SegmentIndex, micros: i64) -> Vec<(u32, i64)> {
    index.tracks.iter().map(|t| (t.id, (i128::from(micros) * i128::from(t.timescale) / 1_000_000) as i64)).collect()
}

/// A stretch of the media timeline where wall time runs along with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Piece {
    pub media: f64,
    pub wall: Timestamp,
    pub duration: f64,
    pub codec: String,
    pub resolution: String,
    pub mime: String,
}

/// At media time `media`, the wall clock jumps from `start` to `end`: footage missing in between.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaGap {
    pub media: f64,
    pub start: Timestamp,
    pub end: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub parts: Vec<Part>,
    pub pieces: Vec<Piece>,
    pub gaps: Vec<MediaGap>,
    /// Media time of the requested instant (0 when it falls before the first footage).
    pub start_position: f64,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    pub fn wall_start(&self) -> Option<Timestamp> {
        self.pieces.first().map(|p| p.wall)
    }

    pub fn wall_end(&self) -> Option<Timestamp> {
        self.pieces.last().map(|p| add_secs(p.wall, p.duration))
    }

    pub fn duration_secs(&self) -> f64 {
        self.parts.iter().map(Part::duration_secs).sum()
    }
}

/// `t` plus `secs`, to the millisecond: every time the API derives is as precise as the clock it came from, and
/// `Date.parse` in a browser reads milliseconds, not nanoseconds.
pub fn add_secs(t: Timestamp, secs: f64) -> Timestamp {
    let sum = t.checked_add(SignedDuration::from_secs_f64(secs)).unwrap_or(t);
    sum.round(jiff::Unit::Millisecond).unwrap_or(sum)
}

fn secs_between(a: Timestamp, b: Timestamp) -> f64 {
    b.duration_since(a).as_secs_f64()
}

fn wall_of(index: &SegmentIndex, fragment: &IndexFragment) -> Timestamp {
    add_secs(index.start, index.offset_secs(fragment))
}

/// Plans playback of `segments` (sorted by start) from `at` until `until`.
pub fn plan(segments: &[Indexed], at: Timestamp, until: Timestamp) -> Plan {
    let mut plan = Plan { parts: Vec::new(), pieces: Vec::new(), gaps: Vec::new(), start_position: 0.0 };
    let mut cursor = 0.0;
    let mut planned_until: Option<Timestamp> = None;
    let mut last_init: Option<&str> = None;
    for Indexed { segment, index } in segments {
        if segment.end <= at && planned_until.is_none() || segment.start >= until {
            continue;
        }
        let fragments = &index.fragments;
        let walls: Vec<Timestamp> = fragments.iter().map(|f| wall_of(index, f)).collect();
        let first = match planned_until {
            // The first part starts at the keyframe at or before `at`.
            None => (0..fragments.len())
                .rev()
                .find(|&i| fragments[i].keyframe && walls[i] <= at)
                .or_else(|| (0..fragments.len()).find(|&i| fragments[i].keyframe)),
            // Later parts go on with the first keyframe after what is planned already.
            Some(done) => (0..fragments.len())
                .find(|&i| fragments[i].keyframe && secs_between(done, walls[i]) > -OVERLAP_TOLERANCE_SECS),
        };
        let Some(first) = first else { continue };
        let Some(last) = (first..fragments.len()).rev().find(|&i| walls[i] < until) else { continue };
        let part = Part {
            key: segment.key.clone(),
            index: index.clone(),
            first,
            last,
            media_start: cursor,
            wall_start: walls[first],
            new_init: last_init != Some(index.init_sha256.as_str()),
        };
        if planned_until.is_none() && at > part.wall_start {
            plan.start_position = secs_between(part.wall_start, at).min(part.duration_secs());
        }
        if let Some(done) = planned_until
            && secs_between(done, part.wall_start) >= CONTIGUOUS_SECS
        {
            plan.gaps.push(MediaGap { media: cursor, start: done, end: part.wall_start });
        }
        let duration = part.duration_secs();
        extend_pieces(&mut plan.pieces, &part, duration, segment, index);
        cursor += duration;
        planned_until = Some(add_secs(part.wall_start, duration));
        last_init = Some(index.init_sha256.as_str());
        plan.parts.push(part);
    }
    plan
}

fn extend_pieces(pieces: &mut Vec<Piece>, part: &Part, duration: f64, segment: &Segment, index: &SegmentIndex) {
    let resolution = segment.resolution();
    if let Some(last) = pieces.last_mut() {
        let expected_wall = add_secs(last.wall, last.duration);
        if secs_between(expected_wall, part.wall_start).abs() < SAME_PIECE_SECS
            && last.codec == segment.codec
            && last.resolution == resolution
        {
            last.duration += duration;
            return;
        }
    }
    pieces.push(Piece {
        media: part.media_start,
        wall: part.wall_start,
        duration,
        codec: segment.codec.clone(),
        resolution,
        mime: index.mime.clone(),
    });
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crds::contract::storage::IndexTrack;

    pub fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// A segment of `seconds` 2-second keyframe fragments of 1000 bytes, at 90 kHz, starting at `start`.
    pub fn indexed(key: &str, start: &str, seconds: u64, init: &str, width: u32) -> Indexed {
        let start = ts(start);
        let end = add_secs(start, seconds as f64);
        let fragments = (0..seconds / 2)
            .map(|i| IndexFragment {
                offset: 500 + i * 1000,
                size: 1000,
                time: i * 180_000,
                duration: 180_000,
                keyframe: true,
            })
            .collect();
        let index = SegmentIndex {
            version: 1,
            start,
            end,
            size: 500 + seconds / 2 * 1000,
            init_size: 500,
            init_sha256: init.into(),
            mime: "video/mp4; codecs=\"avc1.42c01e\"".into(),
            codec: "h264".into(),
            width,
            height: 360,
            tracks: vec![
                IndexTrack { id: 1, handler: "vide".into(), timescale: 90_000, first_time: 0 },
                IndexTrack { id: 2, handler: "soun".into(), timescale: 48_000, first_time: 0 },
            ],
            fragments,
        };
        let segment = Segment {
            key: key.into(),
            size: index.size,
            start,
            end,
            codec: "h264".into(),
            width,
            height: 360,
            index_key: None,
        };
        Indexed { segment, index: Arc::new(index) }
    }

    #[test]
    fn playback_starts_at_the_keyframe_before_the_instant_and_collapses_gaps() {
        let segments = [
            indexed("a", "2026-11-23T10:00:00Z", 10, "x", 640),
            indexed("b", "2026-11-23T10:00:10Z", 10, "x", 640),
            indexed("c", "2026-11-23T10:00:40Z", 10, "y", 1280),
        ];
        let plan = plan(&segments, ts("2026-11-23T10:00:05Z"), ts("2026-11-23T10:01:00Z"));
        assert_eq!(
            plan.parts.iter().map(|p| (p.key.as_str(), p.first, p.last)).collect::<Vec<_>>(),
            [("a", 2, 4), ("b", 0, 4), ("c", 0, 4)]
        );
        assert_eq!(plan.wall_start(), Some(ts("2026-11-23T10:00:04Z")), "the keyframe at or before 10:00:05");
        assert!((plan.start_position - 1.0).abs() < 1e-9);
        assert_eq!(plan.parts.iter().map(|p| p.media_start).collect::<Vec<_>>(), [0.0, 6.0, 16.0]);
        assert_eq!(plan.parts.iter().map(|p| p.new_init).collect::<Vec<_>>(), [true, false, true]);
        assert_eq!(
            plan.gaps,
            [MediaGap { media: 16.0, start: ts("2026-11-23T10:00:20Z"), end: ts("2026-11-23T10:00:40Z") }]
        );
        assert_eq!(plan.pieces.len(), 2, "a and b are one piece; c comes after a gap");
        assert_eq!((plan.pieces[1].media, plan.pieces[1].wall), (16.0, ts("2026-11-23T10:00:40Z")));
        assert_eq!(plan.wall_end(), Some(ts("2026-11-23T10:00:50Z")));
        // b's first fragment (raw time 0) lands at media 6 s: +6 s in every track.
        assert_eq!(plan.parts[1].shift_micros(), 6_000_000);
        assert_eq!(shifts_for(&plan.parts[1].index, 6_000_000), [(1, 540_000), (2, 288_000)]);
        // a starts at its third fragment (raw 4 s) at media 0: -4 s.
        assert_eq!(plan.parts[0].shift_micros(), -4_000_000);
        assert_eq!(plan.parts[0].byte_range(), (2500, 3000));
    }

    #[test]
    fn footage_recorded_twice_plays_once_and_the_range_end_is_honoured() {
        let segments = [
            indexed("old", "2026-11-23T10:00:00Z", 10, "x", 640),
            // a second recorder, overlapping the first by 4 s
            indexed("new", "2026-11-23T10:00:06Z", 10, "x", 640),
        ];
        let plan = plan(&segments, ts("2026-11-23T10:00:00Z"), ts("2026-11-23T10:00:13Z"));
        assert_eq!(
            plan.parts.iter().map(|p| (p.key.as_str(), p.first, p.last)).collect::<Vec<_>>(),
            [("old", 0, 4), ("new", 2, 3)]
        );
        assert!(plan.gaps.is_empty());
        assert_eq!(plan.pieces.len(), 1);
        assert!((plan.duration_secs() - 14.0).abs() < 1e-9);
        assert!(super::plan(&segments, ts("2026-11-23T11:00:00Z"), ts("2026-11-23T12:00:00Z")).is_empty());
    }

    #[test]
    fn a_trailing_audio_only_fragment_does_not_stretch_the_range() {
        let mut segment = indexed("a", "2026-11-23T10:00:00Z", 10, "x", 640);
        let index = Arc::make_mut(&mut segment.index);
        index.fragments.push(IndexFragment { offset: 5500, size: 300, time: 900_000, duration: 0, keyframe: false });
        let short = plan(std::slice::from_ref(&segment), ts("2026-11-23T10:00:01Z"), ts("2026-11-23T10:00:03Z"));
        assert_eq!((short.parts[0].first, short.parts[0].last), (0, 1));
        let whole = plan(&[segment], ts("2026-11-23T10:00:00Z"), ts("2026-11-23T10:01:00Z"));
        assert_eq!(whole.parts[0].last, 5, "the trailing audio plays when the range reaches past the video");
        let text = crate::hls::playlist(&whole, false);
        assert!(!text.contains("#EXTINF:0.0"), "no media segment of zero duration:\n{text}");
        assert!(text.contains("#EXT-X-BYTERANGE:1300@4500"), "the audio joins the last media segment:\n{text}");
    }

    #[test]
    fn an_instant_inside_a_gap_starts_at_the_next_footage() {
        let segments =
            [indexed("a", "2026-11-23T10:00:00Z", 10, "x", 640), indexed("b", "2026-11-23T10:00:30Z", 10, "x", 640)];
        let plan = plan(&segments, ts("2026-11-23T10:00:20Z"), ts("2026-11-23T10:01:00Z"));
        assert_eq!(plan.parts.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(), ["b"]);
        assert_eq!(plan.start_position, 0.0);
        assert!(plan.gaps.is_empty());
    }
}
