//! Prometheus metrics of the playback server. No camera labels: `/metrics` is unauthenticated (for scrapers)
//! and says how the server is doing, not what it holds.

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder};

const NS: &str = "camera_playback";

pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub request_duration: HistogramVec,
    pub s3_requests: IntCounterVec,
    pub served_bytes: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help).namespace(NS), labels).expect("valid counter");
            registry.register(Box::new(c.clone())).expect("unique metric");
            c
        };
        let requests = counter("http_requests_total", "HTTP requests by route and status", &["route", "status"]);
        let s3_requests = counter("s3_requests_total", "S3 requests by operation", &["operation"]);
        let served_bytes = counter("served_bytes_total", "Video bytes sent to clients", &["route"]);
        let request_duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to the response head, by route")
                .namespace(NS)
                .buckets(vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["route"],
        )
        .expect("valid histogram");
        registry.register(Box::new(request_duration.clone())).expect("unique metric");
        Metrics { registry, requests, request_duration, s3_requests, served_bytes }
    }

    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out).expect("text encoding");
        String::from_utf8(out).expect("metrics are UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
