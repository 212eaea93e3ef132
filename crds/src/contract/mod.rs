//! The run-time contract between the operator and the recorder.

pub mod camera_url;
pub mod env;
pub mod names;
pub mod status;
