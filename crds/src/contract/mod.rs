//! The run-time contract between the operator and the recorder.

pub mod env;
pub mod status;
