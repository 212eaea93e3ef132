//! `camera-playback`: a stateless server that reads the bucket the recorders write, and serves a JSON API, HLS
//! playback, MP4 exports and the web UI. Any number of replicas can serve behind one Service.
//!
//! The pure core ([`catalog`], [`timeline`], [`plan`], [`hls`], [`export`], [`params`], [`auth`],
//! [`config`]) decides; [`store`], [`body`] and [`api`] do the I/O.

pub mod api;
pub mod auth;
pub mod body;
pub mod catalog;
pub mod config;
pub mod error;
pub mod export;
pub mod hls;
pub mod holds;
pub mod metrics;
pub mod params;
pub mod plan;
pub mod s3;
pub mod store;
pub mod timeline;
pub mod ui;

/// The OpenAPI document of `/api/v1`, served at `/api/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");
