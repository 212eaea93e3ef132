//! Fragmented MP4 as FFmpeg writes it for the recorder (`frag_keyframe+empty_moov+default_base_moof`): an init
//! section (`ftyp` + `moov`), then `moof` + `mdat` pairs, each starting with a video keyframe.
//!
//! - [`index`]: builds a segment's [`crds::contract::storage::SegmentIndex`] from its bytes in one streaming
//!   pass (the recorder feeds it the bytes it hashes anyway; playback feeds it a segment that has no index).
//! - [`rewrite`]: shifts the decode times of fragments as they stream by, so that fragments of different
//!   segments play as one continuous timeline.
//! - [`boxes`]: reading box headers, the one piece of the format both need.

pub mod boxes;
pub mod codec;
pub mod index;
pub mod rewrite;

/// Why bytes are not fragmented MP4 this crate can use.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Fmp4Error {
    #[error("malformed MP4 at byte {offset}: {what}")]
    Malformed { offset: u64, what: String },
    #[error("not a fragmented MP4 with video: {0}")]
    Unsupported(String),
    /// An init section and nothing else: FFmpeg stopped before it finished the first fragment.
    #[error("the file holds no complete fragment, so no frame")]
    NoFragments,
}
