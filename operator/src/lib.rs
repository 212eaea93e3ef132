//! camera-operator: reconciles `Camera` resources into one recorder Deployment each, and tells the truth
//! about whether each camera is recording.

pub mod conditions;
pub mod config;
pub mod controller;
pub mod error;
pub mod events;
pub mod http;
pub mod leader;
pub mod metrics;
pub mod reasons;
pub mod reconcile;
pub mod recorder_client;

#[cfg(test)]
pub mod fixtures;
