//! A [`Plan`] as an HLS media playlist (fMP4, byte ranges). Pure.
//!
//! - Each media segment is a run of whole fragments (at least [`TARGET_SECS`] long, or the rest of a part),
//!   served by `media/<file>?shift=<µs>`, which rewrites the decode times so that all parts form one timeline.
//! - `EXT-X-PROGRAM-DATE-TIME` on every media segment gives its wall clock; a gap is just a jump in it.
//! - A change of init section (resolution, codec) gets `EXT-X-DISCONTINUITY` and a new `EXT-X-MAP`; parts with
//!   the same init bytes share one, so the decoder is not reset at every segment boundary.

use crate::plan::{Part, Plan, add_secs};
use jiff::Timestamp;
use std::fmt::Write;

/// Fragments are grouped into media segments of at least this many seconds: fewer requests than one per GOP,
/// and still a quick start.
pub const TARGET_SECS: f64 = 4.0;

/// The file name of a segment key: what `media/<file>` names.
pub fn file_name(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

struct MediaSegment {
    wall: Timestamp,
    duration: f64,
    offset: u64,
    length: u64,
}

fn media_segments(part: &Part) -> Vec<MediaSegment> {
    let mut out: Vec<MediaSegment> = Vec::new();
    let mut open: Option<MediaSegment> = None;
    let mut wall = part.wall_start;
    for fragment in part.fragments() {
        let duration = part.index.duration_secs(fragment);
        let group = open.get_or_insert(MediaSegment { wall, duration: 0.0, offset: fragment.offset, length: 0 });
        group.duration += duration;
        group.length = fragment.offset + fragment.size - group.offset;
        wall = add_secs(wall, duration);
        if group.duration >= TARGET_SECS {
            out.extend(open.take());
        }
    }
    // A last fragment without video time (trailing audio) joins the media segment before it: a media segment of
    // zero duration confuses players.
    match (open, out.last_mut()) {
        (Some(rest), Some(previous)) if rest.duration == 0.0 => {
            previous.length = rest.offset + rest.length - previous.offset
        }
        (rest, _) => out.extend(rest),
    }
    out
}

/// The playlist text. `live`: an EVENT playlist that players reload, without ENDLIST.
pub fn playlist(plan: &Plan, live: bool) -> String {
    let segments: Vec<(&Part, Vec<MediaSegment>)> = plan.parts.iter().map(|p| (p, media_segments(p))).collect();
    let longest = segments.iter().flat_map(|(_, s)| s.iter().map(|m| m.duration)).fold(TARGET_SECS, f64::max);
    let mut out = String::new();
    let _ = writeln!(out, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:{}", longest.ceil() as u64);
    let _ = writeln!(out, "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:{}", if live { "EVENT" } else { "VOD" });
    out.push_str("#EXT-X-INDEPENDENT-SEGMENTS\n");
    for (n, (part, media)) in segments.iter().enumerate() {
        let file = file_name(&part.key);
        if part.new_init {
            if n > 0 {
                out.push_str("#EXT-X-DISCONTINUITY\n");
            }
            let _ = writeln!(out, "#EXT-X-MAP:URI=\"media/{file}\",BYTERANGE=\"{}@0\"", part.index.init_size);
        }
        let shift = part.shift_micros();
        for segment in media {
            let _ = writeln!(
                out,
                "#EXT-X-PROGRAM-DATE-TIME:{}\n#EXTINF:{:.5},\n#EXT-X-BYTERANGE:{}@{}\nmedia/{file}?shift={shift}",
                segment.wall.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
                segment.duration,
                segment.length,
                segment.offset,
            );
        }
    }
    if !live {
        out.push_str("#EXT-X-ENDLIST\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::plan;
    use crate::plan::tests::{indexed, ts};

    #[test]
    fn a_playlist_maps_fragments_shifts_and_stream_changes() {
        let segments = [
            indexed("cam/2026/11/23/cam_20261123T100000Z.mp4", "2026-11-23T10:00:00Z", 10, "x", 640),
            indexed("cam/2026/11/23/cam_20261123T100010Z.mp4", "2026-11-23T10:00:10Z", 10, "x", 640),
            indexed("cam/2026/11/23/cam_20261123T100040Z.mp4", "2026-11-23T10:00:40Z", 10, "y", 1280),
        ];
        let plan = plan(&segments, ts("2026-11-23T10:00:05Z"), ts("2026-11-23T10:01:00Z"));
        let text = playlist(&plan, false);
        let expected_start = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n\
            #EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n\
            #EXT-X-MAP:URI=\"media/cam_20261123T100000Z.mp4\",BYTERANGE=\"500@0\"\n\
            #EXT-X-PROGRAM-DATE-TIME:2026-11-23T10:00:04.000Z\n#EXTINF:4.00000,\n#EXT-X-BYTERANGE:2000@2500\n\
            media/cam_20261123T100000Z.mp4?shift=-4000000\n\
            #EXT-X-PROGRAM-DATE-TIME:2026-11-23T10:00:08.000Z\n#EXTINF:2.00000,\n#EXT-X-BYTERANGE:1000@4500\n\
            media/cam_20261123T100000Z.mp4?shift=-4000000\n\
            #EXT-X-PROGRAM-DATE-TIME:2026-11-23T10:00:10.000Z\n";
        assert!(text.starts_with(expected_start), "{text}");
        assert_eq!(text.matches("#EXT-X-MAP").count(), 2, "b shares a's init; c brings its own");
        assert_eq!(text.matches("#EXT-X-DISCONTINUITY").count(), 1);
        assert!(
            text.contains("#EXT-X-PROGRAM-DATE-TIME:2026-11-23T10:00:40.000Z"),
            "the gap is a jump in the wall clock"
        );
        assert!(text.ends_with("#EXT-X-ENDLIST\n"));
        assert!(!playlist(&plan, true).contains("ENDLIST"));
        assert!(playlist(&plan, true).contains("#EXT-X-PLAYLIST-TYPE:EVENT"));
    }
}
