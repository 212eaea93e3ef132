//! Recorded spans and the gaps between them, from a camera's segments. Pure.

use crate::catalog::Segment;
use jiff::Timestamp;
use serde::Serialize;

/// Segments closer than this are one span: the recorder makes the segments of one FFmpeg run contiguous to the
/// millisecond, and a reconnect costs seconds, so anything below a second is rounding, not lost footage.
pub const CONTIGUOUS_SECS: f64 = 1.0;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    pub start: Timestamp,
    pub end: Timestamp,
    pub codec: String,
    pub resolution: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub start: Timestamp,
    pub end: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    pub spans: Vec<Span>,
    pub gaps: Vec<Gap>,
}

fn secs_between(a: Timestamp, b: Timestamp) -> f64 {
    b.duration_since(a).as_secs_f64()
}

/// Spans of `segments` (sorted by start) clipped to `from..to`, merged where contiguous with the same stream,
/// and the gaps between consecutive spans.
pub fn timeline(segments: &[Segment], from: Timestamp, to: Timestamp) -> Timeline {
    let mut spans: Vec<Span> = Vec::new();
    for segment in segments {
        let (start, end) = (segment.start.max(from), segment.end.min(to));
        if start >= end {
            continue;
        }
        let resolution = segment.resolution();
        if let Some(last) = spans.last_mut()
            && secs_between(last.end, start) < CONTIGUOUS_SECS
            && last.codec == segment.codec
            && last.resolution == resolution
        {
            last.end = last.end.max(end);
            continue;
        }
        spans.push(Span { start, end, codec: segment.codec.clone(), resolution });
    }
    let gaps = spans
        .windows(2)
        .filter(|pair| secs_between(pair[0].end, pair[1].start) >= CONTIGUOUS_SECS)
        .map(|pair| Gap { start: pair[0].end, end: pair[1].start })
        .collect();
    Timeline { spans, gaps }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn segment(start: &str, end: &str, width: u32) -> Segment {
        Segment {
            key: start.into(),
            size: 1,
            start: ts(start),
            end: ts(end),
            codec: "h264".into(),
            width,
            height: 360,
            index_key: None,
        }
    }

    #[test]
    fn contiguous_segments_merge_and_holes_become_gaps() {
        let segments = [
            segment("2026-11-23T10:00:00Z", "2026-11-23T10:00:10Z", 640),
            segment("2026-11-23T10:00:10.3Z", "2026-11-23T10:00:20Z", 640),
            segment("2026-11-23T10:00:40Z", "2026-11-23T10:00:50Z", 640),
            // a resolution change without lost time: a new span, no gap
            segment("2026-11-23T10:00:50Z", "2026-11-23T10:01:00Z", 1280),
        ];
        let t = timeline(&segments, ts("2026-11-23T10:00:05Z"), ts("2026-11-23T10:00:55Z"));
        let spans: Vec<(String, String)> = t.spans.iter().map(|s| (s.start.to_string(), s.end.to_string())).collect();
        assert_eq!(
            spans,
            [
                ("2026-11-23T10:00:05Z".into(), "2026-11-23T10:00:20Z".into()),
                ("2026-11-23T10:00:40Z".into(), "2026-11-23T10:00:50Z".into()),
                ("2026-11-23T10:00:50Z".into(), "2026-11-23T10:00:55Z".into()),
            ]
        );
        assert_eq!(t.gaps, [Gap { start: ts("2026-11-23T10:00:20Z"), end: ts("2026-11-23T10:00:40Z") }]);
        assert_eq!(t.spans[2].resolution, "1280x360");
        let empty = timeline(&segments, ts("2026-11-23T11:00:00Z"), ts("2026-11-23T12:00:00Z"));
        assert!(empty.spans.is_empty() && empty.gaps.is_empty());
    }
}
