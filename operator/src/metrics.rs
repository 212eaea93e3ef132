//! The operator's Prometheus metrics.
//!
//! | name | type | labels |
//! | --- | --- | --- |
//! | `camera_operator_reconcile_total` | counter | |
//! | `camera_operator_reconcile_errors_total` | counter | reason |
//! | `camera_operator_reconcile_duration_seconds` | histogram | |
//! | `camera_operator_cameras` | gauge | condition, status |
//! | `camera_operator_camera_condition` | gauge | namespace, camera, condition, reason |
//! | `camera_operator_leader` | gauge | |

use crate::error::Error;
use crds::camera::CameraStatus;
use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// (namespace, camera) → condition type → (status, reason)
type Conditions = BTreeMap<(String, String), BTreeMap<String, (String, String)>>;

pub struct Metrics {
    registry: Registry,
    reconciles: IntCounter,
    errors: IntCounterVec,
    duration: Histogram,
    cameras: IntGaugeVec,
    camera_condition: IntGaugeVec,
    pub leader: IntGauge,
    known: Mutex<Conditions>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let opts = |name: &str, help: &str| Opts::new(name, help).namespace("camera_operator");
        let reconciles =
            IntCounter::with_opts(opts("reconcile_total", "Reconciliations of Camera resources.")).expect("valid");
        let errors =
            IntCounterVec::new(opts("reconcile_errors_total", "Reconciliations that failed, by reason."), &["reason"])
                .expect("valid");
        let duration = Histogram::with_opts(
            HistogramOpts::new("reconcile_duration_seconds", "Time to reconcile one Camera.")
                .namespace("camera_operator")
                .buckets(vec![0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
        )
        .expect("valid");
        let cameras =
            IntGaugeVec::new(opts("cameras", "Cameras by condition type and status."), &["condition", "status"])
                .expect("valid");
        let camera_condition = IntGaugeVec::new(
            opts("camera_condition", "1 if the Camera's condition is True, else 0; reason is the condition's reason."),
            &["namespace", "camera", "condition", "reason"],
        )
        .expect("valid");
        let leader =
            IntGauge::with_opts(opts("leader", "1 while this replica holds the leader Lease.")).expect("valid");
        for collector in [
            Box::new(reconciles.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(errors.clone()),
            Box::new(duration.clone()),
            Box::new(cameras.clone()),
            Box::new(camera_condition.clone()),
            Box::new(leader.clone()),
        ] {
            registry.register(collector).expect("unique metric");
        }
        for reason in ["conflict", "forbidden", "not_found", "api", "transport", "invalid_object"] {
            errors.with_label_values(&[reason]).reset();
        }
        Metrics {
            registry,
            reconciles,
            errors,
            duration,
            cameras,
            camera_condition,
            leader,
            known: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn reconciled(&self, took: Duration, error: Option<&Error>) {
        self.reconciles.inc();
        self.duration.observe(took.as_secs_f64());
        if let Some(error) = error {
            self.errors.with_label_values(&[error.metric_label()]).inc();
        }
    }

    /// Records a Camera's conditions after a reconcile.
    pub fn camera(&self, namespace: &str, name: &str, status: &CameraStatus) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        let key = (namespace.to_owned(), name.to_owned());
        let conditions: BTreeMap<String, (String, String)> =
            status.conditions.iter().map(|c| (c.type_.clone(), (c.status.clone(), c.reason.clone()))).collect();
        if let Some(old) = known.get(&key) {
            for (type_, (_, reason)) in old {
                let _ = self.camera_condition.remove_label_values(&[namespace, name, type_, reason]);
            }
        }
        for (type_, (status, reason)) in &conditions {
            self.camera_condition.with_label_values(&[namespace, name, type_, reason]).set(i64::from(status == "True"));
        }
        known.insert(key, conditions);
        self.recount(&known);
    }

    /// Forgets Cameras that no longer exist.
    pub fn retain(&self, exists: impl Fn(&str, &str) -> bool) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        let gone: Vec<(String, String)> = known.keys().filter(|(ns, name)| !exists(ns, name)).cloned().collect();
        for key in gone {
            if let Some(conditions) = known.remove(&key) {
                for (type_, (_, reason)) in conditions {
                    let _ = self.camera_condition.remove_label_values(&[&key.0, &key.1, &type_, &reason]);
                }
            }
        }
        self.recount(&known);
    }

    fn recount(&self, known: &Conditions) {
        self.cameras.reset();
        for type_ in ["Ready", "Recording", "Degraded"] {
            for status in ["True", "False", "Unknown"] {
                let count = known.values().filter(|c| c.get(type_).is_some_and(|(s, _)| s == status)).count();
                self.cameras.with_label_values(&[type_, status]).set(count as i64);
            }
        }
    }

    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer).expect("text encoding");
        String::from_utf8(buffer).expect("utf-8")
    }
}
