//! Types shared by `camera-operator` and `camera-recorder`.
//!
//! [`contract`] is what the two binaries agree on at run time: the recorder's environment variable names
//! (the operator writes them into the Deployment, the recorder reads them) and the JSON the recorder serves
//! on `/status` (the recorder writes it, the operator reads it). Keeping both here means neither side can
//! drift from the other without a compile error.

#[cfg(feature = "resource")]
pub mod camera;
pub mod contract;

#[cfg(feature = "resource")]
pub use camera::{Camera, CameraSpec, CameraStatus};
