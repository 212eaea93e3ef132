//! Shifts the decode times of fragments as they stream by.
//!
//! FFmpeg restarts every segment's timestamps at zero (`-reset_timestamps 1`). To play segments back to back
//! as one stream (HLS, or one exported file), each fragment's `tfdt` must instead continue where the previous
//! segment ended. A `tfdt` is a fixed-size field in the `moof`, so it is rewritten in place: the bytes keep
//! their size, offsets stay valid, and a `Content-Length` computed from the index holds. `mdat` payloads pass
//! through untouched; only each `moof` (a few hundred bytes) is held while it is patched.

use crate::Fmp4Error;
use crate::boxes::{self, BoxHeader};

/// How to rewrite one segment's fragments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Retime {
    /// `(track id, ticks to add to its decode times)`.
    pub shifts: Vec<(u32, i64)>,
    /// When set, fragments are renumbered from this `mfhd` sequence number on (an export is one file).
    pub first_sequence: Option<u32>,
}

enum State {
    Header,
    /// Holding a whole `moof` in `pending`.
    Moof {
        size: u64,
    },
    /// Passing bytes through; `None` runs to the end.
    Pass {
        remaining: Option<u64>,
    },
}

pub struct FragmentRewriter {
    retime: Retime,
    next_sequence: Option<u32>,
    state: State,
    pending: Vec<u8>,
    position: u64,
}

impl FragmentRewriter {
    pub fn new(retime: Retime) -> FragmentRewriter {
        let next_sequence = retime.first_sequence;
        FragmentRewriter { retime, next_sequence, state: State::Header, pending: Vec::new(), position: 0 }
    }

    /// The next `mfhd` sequence number it would write: where the following segment's fragments continue.
    pub fn next_sequence(&self) -> Option<u32> {
        self.next_sequence
    }

    /// Rewrites `input` (the next bytes of a run of whole fragments), appending the result to `output`.
    pub fn push(&mut self, mut input: &[u8], output: &mut Vec<u8>) -> Result<(), Fmp4Error> {
        while !input.is_empty() {
            let used = self.step(input, output).map_err(|what| Fmp4Error::Malformed { offset: self.position, what })?;
            self.position += used as u64;
            input = &input[used..];
        }
        Ok(())
    }

    /// Fails if the input ended inside a `moof` or a box header (the bytes given were not whole fragments).
    pub fn finish(&self) -> Result<(), Fmp4Error> {
        match self.state {
            State::Header if self.pending.is_empty() => Ok(()),
            State::Pass { .. } => Ok(()),
            _ => Err(Fmp4Error::Malformed { offset: self.position, what: "input ended inside a box".into() }),
        }
    }

    fn step(&mut self, input: &[u8], output: &mut Vec<u8>) -> Result<usize, String> {
        match self.state {
            State::Header => {
                let (take, header) = boxes::collect_header(&mut self.pending, input)?;
                if let Some(header) = header {
                    if header.is(b"moof") {
                        let size = header.size.ok_or("moof without a size")?;
                        if size > 16 << 20 {
                            return Err(format!("moof of {size} bytes is too large"));
                        }
                        self.state = State::Moof { size };
                    } else {
                        output.extend_from_slice(&self.pending);
                        self.state = State::Pass { remaining: header.size.map(|s| s - header.header_len) };
                        self.pending.clear();
                        if header.size == Some(header.header_len) {
                            self.state = State::Header;
                        }
                    }
                }
                Ok(take)
            }
            State::Moof { size } => {
                let take = ((size - self.pending.len() as u64) as usize).min(input.len());
                self.pending.extend_from_slice(&input[..take]);
                if self.pending.len() as u64 == size {
                    let mut moof = std::mem::take(&mut self.pending);
                    self.patch_moof(&mut moof)?;
                    output.extend_from_slice(&moof);
                    self.state = State::Header;
                }
                Ok(take)
            }
            State::Pass { remaining } => {
                let take = remaining.map_or(input.len(), |left| (left as usize).min(input.len()));
                output.extend_from_slice(&input[..take]);
                self.state = match remaining {
                    Some(left) if left == take as u64 => State::Header,
                    Some(left) => State::Pass { remaining: Some(left - take as u64) },
                    None => State::Pass { remaining: None },
                };
                Ok(take)
            }
        }
    }

    fn patch_moof(&mut self, moof: &mut [u8]) -> Result<(), String> {
        let body_start = BoxHeader::read(moof)?.ok_or("moof header")?.header_len as usize;
        for (child, at) in boxes::children(&moof[body_start..])? {
            let at = body_start + at;
            let body = at + child.header_len as usize;
            if child.is(b"mfhd") {
                if let Some(sequence) = self.next_sequence {
                    // version + flags (4 bytes), then the sequence number.
                    write_u32(moof, body + 4, sequence)?;
                    self.next_sequence = Some(sequence.wrapping_add(1));
                }
            } else if child.is(b"traf") {
                let size = child.size.map_or(moof.len() - at, |s| s as usize);
                self.patch_traf(&mut moof[at..at + size], child.header_len as usize)?;
            }
        }
        Ok(())
    }

    fn patch_traf(&self, traf: &mut [u8], header_len: usize) -> Result<(), String> {
        let children = boxes::children(&traf[header_len..])?;
        let mut track = None;
        for (child, at) in &children {
            let body = header_len + at + child.header_len as usize;
            if child.is(b"tfhd") {
                track = Some(read_u32(traf, body + 4)?);
            }
        }
        let Some(track) = track else { return Err("traf without tfhd".into()) };
        let Some(&(_, shift)) = self.retime.shifts.iter().find(|(id, _)| *id == track) else { return Ok(()) };
        for (child, at) in &children {
            if !child.is(b"tfdt") {
                continue;
            }
            let body = header_len + at + child.header_len as usize;
            let version = *traf.get(body).ok_or("tfdt too short")?;
            if version == 1 {
                let time = read_u64(traf, body + 4)?;
                write_u64(traf, body + 4, shifted(time, shift)?)?;
            } else {
                let time = u64::from(read_u32(traf, body + 4)?);
                let new = u32::try_from(shifted(time, shift)?).map_err(|_| "shifted time exceeds a 32-bit tfdt")?;
                write_u32(traf, body + 4, new)?;
            }
        }
        Ok(())
    }
}

fn shifted(time: u64, shift: i64) -> Result<u64, String> {
    u64::try_from(i128::from(time) + i128::from(shift))
        .map_err(|_| format!("decode time {time} shifted by {shift} is negative"))
}

fn read_u32(bytes: &[u8], at: usize) -> Result<u32, String> {
    let field = bytes.get(at..at + 4).ok_or("box too short")?;
    Ok(u32::from_be_bytes(field.try_into().unwrap()))
}

fn read_u64(bytes: &[u8], at: usize) -> Result<u64, String> {
    let field = bytes.get(at..at + 8).ok_or("box too short")?;
    Ok(u64::from_be_bytes(field.try_into().unwrap()))
}

fn write_u32(bytes: &mut [u8], at: usize, value: u32) -> Result<(), String> {
    bytes.get_mut(at..at + 4).ok_or("box too short")?.copy_from_slice(&value.to_be_bytes());
    Ok(())
}

fn write_u64(bytes: &mut [u8], at: usize, value: u64) -> Result<(), String> {
    bytes.get_mut(at..at + 8).ok_or("box too short")?.copy_from_slice(&value.to_be_bytes());
    Ok(())
}
