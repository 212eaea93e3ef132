//! Builds a segment's fragment index in one pass over its bytes, fed in chunks of any size.
//!
//! Only the init section and each `moof` are buffered (kilobytes); `mdat` payloads stream past uncopied, so
//! the recorder can index a segment while it hashes it, at no extra read and little memory.

use crate::Fmp4Error;
use crate::boxes::{self, BoxHeader};
use crate::codec;
use crds::contract::storage::{INDEX_VERSION, IndexFragment, IndexTrack, SegmentIndex};
use jiff::Timestamp;
use mp4_atom::{Decode, Moof, Moov};
use sha2::{Digest, Sha256};

/// The largest `moov` or `moof` accepted. FFmpeg's are a few KiB; anything near this is not a camera segment.
const MAX_BUFFERED_BOX: u64 = 16 << 20;
/// ISO BMFF sample flags: `sample_is_non_sync_sample`.
const NON_SYNC_SAMPLE: u32 = 0x0001_0000;

#[derive(Debug)]
enum State {
    /// Collecting the next box header in `pending`.
    Header,
    /// Collecting a whole box (`ftyp`, `moov`, `moof`, ...) in `pending`.
    Buffer { header: BoxHeader, start: u64, size: u64 },
    /// Passing over a box body (`mdat`) without keeping it; `remaining: None` runs to the end.
    Skip { header: BoxHeader, start: u64, remaining: Option<u64> },
}

#[derive(Debug, Clone)]
struct Track {
    id: u32,
    handler: String,
    timescale: u32,
    default_duration: u32,
    default_flags: u32,
    first_time: Option<u64>,
}

#[derive(Debug, Clone)]
struct Stream {
    codec: String,
    mime: String,
    width: u32,
    height: u32,
}

/// A `moof` whose `mdat` has not ended yet.
#[derive(Debug, Clone, Copy)]
struct OpenFragment {
    offset: u64,
    time: u64,
    duration: u64,
    keyframe: bool,
}

pub struct IndexBuilder {
    position: u64,
    state: State,
    pending: Vec<u8>,
    /// Everything before the first `moof`; `None` once that was seen.
    init: Option<Vec<u8>>,
    init_size: u64,
    init_sha256: String,
    tracks: Vec<Track>,
    stream: Option<Stream>,
    open: Option<OpenFragment>,
    fragments: Vec<IndexFragment>,
    /// Where the last video sample seen so far ends, in the video timescale.
    video_end: u64,
    error: Option<Fmp4Error>,
}

impl Default for IndexBuilder {
    fn default() -> Self {
        IndexBuilder {
            position: 0,
            state: State::Header,
            pending: Vec::new(),
            init: Some(Vec::new()),
            init_size: 0,
            init_sha256: String::new(),
            tracks: Vec::new(),
            stream: None,
            open: None,
            fragments: Vec::new(),
            video_end: 0,
            error: None,
        }
    }
}

impl IndexBuilder {
    pub fn new() -> IndexBuilder {
        IndexBuilder::default()
    }

    /// Feeds the next bytes of the file. After the first error the rest is ignored and `finish` reports it.
    pub fn push(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() && self.error.is_none() {
            let used = match self.step(bytes) {
                Ok(used) => used,
                Err(what) => {
                    self.error = Some(Fmp4Error::Malformed { offset: self.position, what });
                    return;
                }
            };
            self.position += used as u64;
            bytes = &bytes[used..];
        }
    }

    /// Consumes some of `bytes` and returns how many.
    fn step(&mut self, bytes: &[u8]) -> Result<usize, String> {
        match self.state {
            State::Header => {
                let (take, header) = boxes::collect_header(&mut self.pending, bytes)?;
                if let Some(header) = header {
                    let start = self.position + take as u64 - header.header_len;
                    self.begin_box(header, start)?;
                }
                Ok(take)
            }
            State::Buffer { header, start, size } => {
                let take = ((size - self.pending.len() as u64) as usize).min(bytes.len());
                self.pending.extend_from_slice(&bytes[..take]);
                if self.pending.len() as u64 == size {
                    let whole = std::mem::take(&mut self.pending);
                    self.state = State::Header;
                    self.end_buffered(header, start, whole)?;
                }
                Ok(take)
            }
            State::Skip { header, start, remaining } => {
                let take = remaining.map_or(bytes.len(), |left| (left as usize).min(bytes.len()));
                match remaining {
                    Some(left) if left == take as u64 => {
                        self.state = State::Header;
                        self.end_skipped(header, start + header.size.unwrap_or(0));
                    }
                    Some(left) => self.state = State::Skip { header, start, remaining: Some(left - take as u64) },
                    None => {}
                }
                Ok(take)
            }
        }
    }

    fn begin_box(&mut self, header: BoxHeader, start: u64) -> Result<(), String> {
        let before_first_fragment = self.init.is_some() && !header.is(b"moof");
        if header.is(b"moof") || header.is(b"moov") || before_first_fragment && !header.is(b"mdat") {
            let size = header.size.ok_or("a metadata box without a size")?;
            if size > MAX_BUFFERED_BOX {
                return Err(format!("'{}' box of {size} bytes is too large", String::from_utf8_lossy(&header.kind)));
            }
            self.state = State::Buffer { header, start, size };
            if size == header.header_len {
                let whole = std::mem::take(&mut self.pending);
                self.state = State::Header;
                self.end_buffered(header, start, whole)?;
            }
        } else {
            self.pending.clear();
            let remaining = header.size.map(|s| s - header.header_len);
            self.state = State::Skip { header, start, remaining };
            if remaining == Some(0) {
                self.state = State::Header;
                self.end_skipped(header, start + header.header_len);
            }
        }
        Ok(())
    }

    fn end_buffered(&mut self, header: BoxHeader, start: u64, whole: Vec<u8>) -> Result<(), String> {
        if header.is(b"moof") {
            if let Some(init) = self.init.take() {
                self.init_size = start;
                self.init_sha256 = hex(&Sha256::digest(&init));
            }
            self.open = Some(self.read_moof(&whole, start)?);
            return Ok(());
        }
        if header.is(b"moov") {
            self.read_moov(&whole)?;
        }
        if let Some(init) = &mut self.init {
            init.extend_from_slice(&whole);
        }
        Ok(())
    }

    fn end_skipped(&mut self, header: BoxHeader, end: u64) {
        if header.is(b"mdat")
            && let Some(open) = self.open.take()
        {
            self.fragments.push(IndexFragment {
                offset: open.offset,
                size: end - open.offset,
                time: open.time,
                duration: open.duration,
                keyframe: open.keyframe,
            });
        }
    }

    fn read_moov(&mut self, whole: &[u8]) -> Result<(), String> {
        let moov = Moov::decode(&mut &whole[..]).map_err(|e| format!("moov: {e}"))?;
        for trak in &moov.trak {
            let id = trak.tkhd.track_id;
            let trex = moov.mvex.as_ref().and_then(|mvex| mvex.trex.iter().find(|t| t.track_id == id));
            let handler = trak.mdia.hdlr.handler.to_string();
            if handler == "vide"
                && self.stream.is_none()
                && let Some(sample_entry) = trak.mdia.minf.stbl.stsd.codecs.first()
            {
                let (name, codec_string) = codec::describe(sample_entry).unwrap_or(("unknown", String::new()));
                self.stream = Some(Stream {
                    codec: name.to_owned(),
                    mime: codec_string,
                    width: (trak.tkhd.width.integer()).into(),
                    height: (trak.tkhd.height.integer()).into(),
                });
            }
            if handler == "soun"
                && let Some(stream) = &mut self.stream
                && let Some((_, audio)) = trak.mdia.minf.stbl.stsd.codecs.first().and_then(codec::describe)
            {
                stream.mime = format!("{}, {audio}", stream.mime);
            }
            self.tracks.push(Track {
                id,
                handler,
                timescale: trak.mdia.mdhd.timescale.max(1),
                default_duration: trex.map_or(0, |t| t.default_sample_duration),
                default_flags: trex.map_or(0, |t| t.default_sample_flags),
                first_time: None,
            });
        }
        Ok(())
    }

    fn read_moof(&mut self, whole: &[u8], offset: u64) -> Result<OpenFragment, String> {
        let moof = Moof::decode(&mut &whole[..]).map_err(|e| format!("moof: {e}"))?;
        // A fragment without video (FFmpeg flushes trailing audio samples when it closes a segment) sits where the
        // video ended and lasts no video time.
        let mut fragment = OpenFragment { offset, time: self.video_end, duration: 0, keyframe: false };
        for traf in &moof.traf {
            let Some(track) = self.tracks.iter_mut().find(|t| t.id == traf.tfhd.track_id) else { continue };
            let time = traf.tfdt.as_ref().map_or(0, |t| t.base_media_decode_time);
            track.first_time.get_or_insert(time);
            if track.handler != "vide" {
                continue;
            }
            let default_duration = traf.tfhd.default_sample_duration.unwrap_or(track.default_duration);
            let default_flags = traf.tfhd.default_sample_flags.unwrap_or(track.default_flags);
            let samples = traf.trun.iter().flat_map(|run| run.samples.iter());
            fragment.duration = samples.clone().map(|s| u64::from(s.duration.unwrap_or(default_duration))).sum();
            fragment.time = time;
            fragment.keyframe = samples.take(1).any(|s| s.flags.unwrap_or(default_flags) & NON_SYNC_SAMPLE == 0);
            self.video_end = time + fragment.duration;
        }
        Ok(fragment)
    }

    /// The index of the bytes fed so far, for footage spanning `start..end`.
    pub fn finish(mut self, start: Timestamp, end: Timestamp) -> Result<SegmentIndex, Fmp4Error> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        // An mdat that runs to the end of the file ends with it; a truncated one (a crash) is left out.
        if let State::Skip { header, start: at, remaining: None } = self.state {
            self.end_skipped(header, self.position.max(at));
        }
        let stream = self.stream.ok_or_else(|| Fmp4Error::Unsupported("no video track in the moov".into()))?;
        if self.init.is_some() || self.fragments.is_empty() {
            return Err(Fmp4Error::NoFragments);
        }
        Ok(SegmentIndex {
            version: INDEX_VERSION,
            start,
            end,
            size: self.position,
            init_size: self.init_size,
            init_sha256: self.init_sha256,
            mime: format!("video/mp4; codecs=\"{}\"", stream.mime),
            codec: stream.codec,
            width: stream.width,
            height: stream.height,
            tracks: self
                .tracks
                .into_iter()
                .map(|t| IndexTrack {
                    id: t.id,
                    handler: t.handler,
                    timescale: t.timescale,
                    first_time: t.first_time.unwrap_or(0),
                })
                .collect(),
            fragments: self.fragments,
        })
    }
}

/// Indexes a whole file in memory (tests, small files).
pub fn index_bytes(bytes: &[u8], start: Timestamp, end: Timestamp) -> Result<SegmentIndex, Fmp4Error> {
    let mut builder = IndexBuilder::new();
    builder.push(bytes);
    builder.finish(start, end)
}

/// The seconds of footage in the complete fragments of the file at `path`. `Ok(None)` is the definite verdict
/// "an init section and no frame" (a kill right after FFmpeg opened the file); a file that is not fragmented
/// MP4 with video at all is an error, not a verdict.
pub fn footage_in_file(path: &std::path::Path) -> std::io::Result<Result<Option<f64>, Fmp4Error>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut builder = IndexBuilder::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        builder.push(&buffer[..read]);
    }
    Ok(match builder.finish(Timestamp::UNIX_EPOCH, Timestamp::UNIX_EPOCH) {
        Ok(index) => Ok(Some(footage_secs(&index))),
        Err(Fmp4Error::NoFragments) => Ok(None),
        Err(error) => Err(error),
    })
}

/// The footage duration the index covers, in seconds: from the first fragment to the end of the last.
pub fn footage_secs(index: &SegmentIndex) -> f64 {
    index.fragments.last().map_or(0.0, |last| index.offset_secs(last) + index.duration_secs(last))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
