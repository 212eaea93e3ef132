//! The run-time contract between the binaries: the operator, the recorder and playback.

pub mod camera_url;
pub mod env;
pub mod names;
pub mod status;
pub mod storage;
