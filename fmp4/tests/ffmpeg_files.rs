//! The index and the rewrite against files made by the real FFmpeg, muxed the way the recorder muxes them.

use fmp4::index::{IndexBuilder, footage_secs, index_bytes};
use fmp4::rewrite::{FragmentRewriter, Retime};
use jiff::Timestamp;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `seconds` of H.264 (2 s GOPs at 15 fps) with AAC, as fragmented MP4 with the recorder's movflags.
fn make_segment(dir: &Path, name: &str, seconds: u32, size: &str) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc=size={size}:rate=15:duration={seconds}"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=440:duration={seconds}"))
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-c:a", "aac", "-shortest"])
        .args(["-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-f", "mp4"])
        .arg(&path)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg failed to make {name}");
    path
}

fn times() -> (Timestamp, Timestamp) {
    ("2026-11-23T14:00:00Z".parse().unwrap(), "2026-11-23T14:00:06Z".parse().unwrap())
}

/// `(duration, error output)` of decoding `path` with FFmpeg.
fn decode(path: &Path) -> (f64, String) {
    let out = Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(path).args(["-f", "null", "-"]).output().unwrap();
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    let duration = String::from_utf8_lossy(&probe.stdout).trim().parse().unwrap_or(-1.0);
    (duration, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn an_index_lists_every_keyframe_fragment_whatever_the_chunk_size() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(make_segment(dir.path(), "a.mp4", 6, "320x240")).unwrap();
    let (start, end) = times();
    let index = index_bytes(&bytes, start, end).unwrap();
    assert_eq!(index.codec, "h264");
    assert_eq!((index.width, index.height), (320, 240));
    assert!(index.mime.starts_with("video/mp4; codecs=\"avc1.") && index.mime.contains("mp4a.40.2"), "{}", index.mime);
    assert_eq!(index.fragments.iter().filter(|f| f.duration > 0).count(), 3, "6 s of 2 s GOPs: {:?}", index.fragments);
    let video: Vec<_> = index.fragments.iter().filter(|f| f.duration > 0).collect();
    assert!(video.iter().all(|f| f.keyframe), "every video fragment starts with a keyframe");
    assert!(
        index.fragments.windows(2).all(|w| w[1].time >= w[0].time + w[0].duration),
        "times never run back: {:?}",
        index.fragments
    );
    assert_eq!(index.fragments[0].offset, index.init_size);
    let last = index.fragments.last().unwrap();
    // After the last fragment FFmpeg writes only an `mfra` (the random-access table) when it closes the file.
    let tail = &bytes[(last.offset + last.size) as usize..];
    assert_eq!(&tail[4..8], b"mfra", "fragments cover the file between the init and the mfra");
    assert_eq!(u32::from_be_bytes(tail[..4].try_into().unwrap()) as usize, tail.len());
    assert!((footage_secs(&index) - 6.0).abs() < 0.1, "{}", footage_secs(&index));
    for chunk in [1, 7, 4096] {
        let mut builder = IndexBuilder::new();
        bytes.chunks(chunk).for_each(|c| builder.push(c));
        assert_eq!(builder.finish(start, end).unwrap(), index, "chunks of {chunk} bytes");
    }
}

#[test]
fn a_truncated_file_keeps_its_complete_fragments_only() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(make_segment(dir.path(), "a.mp4", 6, "320x240")).unwrap();
    let (start, end) = times();
    let whole = index_bytes(&bytes, start, end).unwrap();
    let cut = (whole.fragments[2].offset + 100) as usize;
    let truncated = index_bytes(&bytes[..cut], start, end).unwrap();
    assert_eq!(truncated.fragments, whole.fragments[..2]);
    assert_eq!(index_bytes(&bytes[..whole.init_size as usize], start, end), Err(fmp4::Fmp4Error::NoFragments));
    let init_only = dir.path().join("init-only.mp4");
    std::fs::write(&init_only, &bytes[..whole.init_size as usize]).unwrap();
    assert_eq!(fmp4::index::footage_in_file(&init_only).unwrap(), Ok(None), "a definite verdict: no frame");
    let truncated_file = dir.path().join("truncated.mp4");
    std::fs::write(&truncated_file, &bytes[..cut]).unwrap();
    let footage = fmp4::index::footage_in_file(&truncated_file).unwrap().unwrap().unwrap();
    assert!((footage - 4.0).abs() < 0.1, "the two complete fragments: {footage} s");
    assert!(fmp4::index::footage_in_file(&dir.path().join("missing.mp4")).is_err());
    assert!(index_bytes(b"not an mp4 at all", start, end).is_err());
}

#[test]
fn rewritten_segments_concatenate_into_one_file_that_decodes_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let first = std::fs::read(make_segment(dir.path(), "a.mp4", 6, "320x240")).unwrap();
    let second = std::fs::read(make_segment(dir.path(), "b.mp4", 4, "320x240")).unwrap();
    let (start, end) = times();
    let a = index_bytes(&first, start, end).unwrap();
    let b = index_bytes(&second, start, end).unwrap();
    let mut out = first[..a.init_size as usize].to_vec();
    let mut sequence = Some(1);
    for (bytes, index, offset_secs) in [(&first, &a, 0.0), (&second, &b, footage_secs(&a))] {
        let shifts = index
            .tracks
            .iter()
            .map(|t| (t.id, (offset_secs * f64::from(t.timescale)).round() as i64 - t.first_time as i64))
            .collect();
        let mut rewriter = FragmentRewriter::new(Retime { shifts, first_sequence: sequence });
        for chunk in bytes[index.init_size as usize..].chunks(1000) {
            rewriter.push(chunk, &mut out).unwrap();
        }
        rewriter.finish().unwrap();
        sequence = rewriter.next_sequence();
    }
    assert_eq!(sequence, Some(6), "five fragments renumbered");
    let joined = dir.path().join("joined.mp4");
    std::fs::write(&joined, &out).unwrap();
    let (duration, errors) = decode(&joined);
    assert_eq!(errors, "", "the joined file decodes without errors");
    assert!((duration - 10.0).abs() < 0.2, "6 s + 4 s played back to back: {duration}");
    let rejoined = index_bytes(&out, start, end).unwrap();
    let second_start = rejoined.offset_secs(&rejoined.fragments[3]);
    let first_ends = footage_secs(&a);
    assert!((second_start - first_ends).abs() < 0.001, "the second segment continues at {first_ends}: {second_start}");
}
