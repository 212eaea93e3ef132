//! camera-recorder: records IP cameras into crash-safe fragmented-MP4 segments and uploads them to S3.
//!
//! The core is pure and tested on its own: [`config`], [`ffmpeg`] (command line and output parsing),
//! [`segment`] (names and keys), [`backoff`], [`redact`], [`retention::plan`]. The edges do I/O: [`supervisor`]
//! runs FFmpeg, [`spool`] is the on-disk queue, [`upload`] and [`storage`] talk to S3, [`delivery`] moves
//! segments from one to the other, [`retention`] deletes expired footage, [`telemetry`] and [`http`] report.
//! [`app`] wires them together.

pub mod app;
pub mod backoff;
pub mod config;
pub mod delivery;
pub mod ffmpeg;
pub mod http;
pub mod probe;
pub mod redact;
pub mod retention;
pub mod segment;
pub mod spool;
pub mod storage;
pub mod supervisor;
pub mod telemetry;
pub mod upload;
