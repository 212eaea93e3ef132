//! camera-recorder: records IP cameras into crash-safe fragmented-MP4 segments and uploads them to S3.

pub mod backoff;
pub mod config;
pub mod redact;
pub mod segment;
