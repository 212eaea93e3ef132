//! Prometheus metrics. The names of the original design are kept; every per-camera series has a `camera`
//! label whose value is the camera id (never its URL).

use prometheus::{
    Encoder, Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

const NS: &str = "camera_recorder";

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub segments_recorded: IntCounterVec,
    pub segments_uploaded: IntCounterVec,
    pub uploaded_bytes: IntCounterVec,
    pub upload_failures: IntCounterVec,
    pub upload_duration: HistogramVec,
    pub recording_active: IntGaugeVec,
    pub spool_segments: IntGaugeVec,
    pub spool_bytes: IntGaugeVec,
    pub ffmpeg_restarts: IntCounterVec,
    pub segments_dropped: IntCounterVec,
    pub last_segment_start: GaugeVec,
    pub last_upload: GaugeVec,
    pub segment_target_duration: GaugeVec,
    pub storage_reachable: Gauge,
    pub spool_max_bytes: Gauge,
    pub retention: GaugeVec,
    pub retention_deleted_objects: IntCounterVec,
    pub retention_deleted_bytes: IntCounterVec,
    pub retention_passes: IntCounterVec,
    pub retention_failures: IntCounterVec,
    pub retention_last_success: GaugeVec,
    pub retention_oldest_footage: GaugeVec,
    pub retention_held_segments: IntGaugeVec,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        fn opts(name: &str, help: &str) -> Opts {
            Opts::new(name, help).namespace(NS)
        }
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(opts(name, help), labels).expect("valid counter");
            registry.register(Box::new(c.clone())).expect("unique metric");
            c
        };
        let int_gauge = |name: &str, help: &str| {
            let g = IntGaugeVec::new(opts(name, help), &["camera"]).expect("valid gauge");
            registry.register(Box::new(g.clone())).expect("unique metric");
            g
        };
        let gauge = |name: &str, help: &str| {
            let g = GaugeVec::new(opts(name, help), &["camera"]).expect("valid gauge");
            registry.register(Box::new(g.clone())).expect("unique metric");
            g
        };
        let upload_duration = HistogramVec::new(
            HistogramOpts::new("upload_duration_seconds", "Time to upload and verify one segment.")
                .namespace(NS)
                .buckets(vec![0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0]),
            &["camera"],
        )
        .expect("valid histogram");
        registry.register(Box::new(upload_duration.clone())).expect("unique metric");
        let storage_reachable = Gauge::with_opts(opts(
            "storage_reachable",
            "1 if the last request to S3 (an upload or the periodic bucket check) succeeded, else 0.",
        ))
        .expect("valid gauge");
        registry.register(Box::new(storage_reachable.clone())).expect("unique metric");
        let spool_max_bytes =
            Gauge::with_opts(opts("spool_max_bytes", "Configured upper bound of the spool, in bytes."))
                .expect("valid gauge");
        registry.register(Box::new(spool_max_bytes.clone())).expect("unique metric");

        Metrics {
            segments_recorded: counter(
                "segments_recorded_total",
                "Segments FFmpeg finished writing to the spool.",
                &["camera"],
            ),
            segments_uploaded: counter("segments_uploaded_total", "Segments uploaded to S3 and verified.", &["camera"]),
            uploaded_bytes: counter(
                "uploaded_bytes_total",
                "Bytes of segments uploaded to S3 and verified.",
                &["camera"],
            ),
            upload_failures: counter(
                "upload_failures_total",
                "Failed segment upload attempts, by reason (each is retried).",
                &["camera", "reason"],
            ),
            ffmpeg_restarts: counter(
                "ffmpeg_restarts_total",
                "FFmpeg runs that ended other than by shutdown, by reason.",
                &["camera", "reason"],
            ),
            segments_dropped: counter(
                "segments_dropped_total",
                "Segments deleted from the spool without being uploaded, by reason.",
                &["camera", "reason"],
            ),
            recording_active: int_gauge(
                "recording_active",
                "1 while FFmpeg has produced data within the stall window, else 0.",
            ),
            spool_segments: int_gauge("spool_segments", "Finished segments waiting in the spool for upload."),
            spool_bytes: int_gauge(
                "spool_bytes",
                "Bytes in the spool for this camera, including the segment being written.",
            ),
            last_segment_start: gauge(
                "last_segment_start_timestamp_seconds",
                "Unix time at which the last finished segment started.",
            ),
            last_upload: gauge("last_upload_timestamp_seconds", "Unix time of the last verified upload."),
            segment_target_duration: gauge("segment_target_duration_seconds", "Configured segment duration."),
            retention: gauge(
                "retention_seconds",
                "How long the camera's footage is kept; absent when it is kept forever.",
            ),
            retention_deleted_objects: counter(
                "retention_deleted_objects_total",
                "Objects (segments and their companions) deleted by retention passes.",
                &["camera"],
            ),
            retention_deleted_bytes: counter(
                "retention_deleted_bytes_total",
                "Bytes of objects deleted by retention passes.",
                &["camera"],
            ),
            retention_passes: counter("retention_passes_total", "Retention passes that succeeded.", &["camera"]),
            retention_failures: counter(
                "retention_pass_failures_total",
                "Retention passes that failed, by reason (the next pass tries again).",
                &["camera", "reason"],
            ),
            retention_last_success: gauge(
                "retention_last_success_timestamp_seconds",
                "Unix time at which the last successful retention pass finished.",
            ),
            retention_oldest_footage: gauge(
                "retention_oldest_footage_timestamp_seconds",
                "Unix time at which the oldest footage kept starts, as the last successful pass found it.",
            ),
            retention_held_segments: int_gauge(
                "retention_held_segments",
                "Expired segments the last retention pass kept because a hold covers them.",
            ),
            upload_duration,
            storage_reachable,
            spool_max_bytes,
            registry,
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer).expect("text encoding cannot fail");
        String::from_utf8(buffer).expect("text encoding is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
