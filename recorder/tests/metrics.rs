//! The metrics endpoint passes promtool, and large segments go up as verified multipart uploads.

use recorder::config::{MIN_PART_SIZE, StorageConfig};
use recorder::probe::MediaInfo;
use recorder::redact::Redactor;
use recorder::spool::SegmentMedia;
use recorder::upload::{SegmentFile, Uploader};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use testkit::bucket::Bucket;
use testkit::camera::{CameraOptions, CameraSim};
use testkit::recorder::Recorder;
use testkit::seaweed::SeaweedFs;
use testkit::wait_until;

/// Every metric the README documents.
const DOCUMENTED: &[&str] = &[
    "camera_recorder_segments_recorded_total",
    "camera_recorder_segments_uploaded_total",
    "camera_recorder_uploaded_bytes_total",
    "camera_recorder_upload_duration_seconds",
    "camera_recorder_recording_active",
    "camera_recorder_spool_segments",
    "camera_recorder_spool_bytes",
    "camera_recorder_last_segment_start_timestamp_seconds",
    "camera_recorder_last_upload_timestamp_seconds",
    "camera_recorder_segment_target_duration_seconds",
    "camera_recorder_storage_reachable",
    "camera_recorder_spool_max_bytes",
    "camera_recorder_ffmpeg_restarts_total",
    "camera_recorder_upload_failures_total",
    "camera_recorder_segments_dropped_total",
];

#[test]
fn metrics_pass_promtool_and_count_what_happened() {
    let s3 = SeaweedFs::start();
    Bucket::on(&s3, "camera-recordings").create();
    let camera = CameraSim::start(CameraOptions::default());
    let recorder = Recorder::start(&[
        ("CAMERA_1_URL", &camera.url()),
        ("CAMERA_1_ID", "hall"),
        ("CAMERA_2_URL", "rtsp://127.0.0.1:1/nothing-listens-here"),
        ("CAMERA_2_ID", "attic"),
        ("S3_ENDPOINT", &s3.endpoint()),
        ("SEGMENT_DURATION", "10s"),
    ]);
    let uploaded = "camera_recorder_segments_uploaded_total{camera=\"hall\"}";
    wait_until(Duration::from_secs(60), "an upload to be counted", || recorder.sample(uploaded).filter(|&n| n >= 1.0));
    // The unreachable camera has been restarted at least once by now.
    wait_until(Duration::from_secs(30), "attic's restarts to be counted", || {
        recorder
            .sample("camera_recorder_ffmpeg_restarts_total{camera=\"attic\",reason=\"CameraUnreachable\"}")
            .filter(|&n| n >= 1.0)
    });
    let metrics = recorder.metrics();

    testkit::promtool_check_metrics(&metrics)
        .unwrap_or_else(|complaints| panic!("promtool check metrics: {complaints}"));

    for name in DOCUMENTED {
        assert!(metrics.contains(&format!("# TYPE {name} ")), "{name} is documented but not exported");
    }
    assert_eq!(recorder.sample("camera_recorder_recording_active{camera=\"hall\"}"), Some(1.0));
    assert_eq!(recorder.sample("camera_recorder_recording_active{camera=\"attic\"}"), Some(0.0));
    assert_eq!(recorder.sample("camera_recorder_storage_reachable"), Some(1.0));
    assert!(recorder.sample("camera_recorder_uploaded_bytes_total{camera=\"hall\"}").unwrap() > 10_000.0);
    assert!(recorder.sample("camera_recorder_upload_duration_seconds_count{camera=\"hall\"}").unwrap() >= 1.0);
    assert!(recorder.sample("camera_recorder_last_segment_start_timestamp_seconds{camera=\"hall\"}").unwrap() > 1.7e9);
    assert!(!metrics.contains("rtsp://"), "no URL in any label");
}

#[test]
fn a_large_segment_goes_up_as_a_verified_multipart_upload() {
    let s3 = SeaweedFs::start();
    let bucket = Bucket::on(&s3, "camera-recordings");
    bucket.create();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("20261123T141500Z.mp4");
    // 12 MiB of incompressible bytes: three parts of 5 MiB, 5 MiB and 2 MiB.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let bytes: Vec<u8> = (0..12 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(&path, &bytes).unwrap();

    let storage = StorageConfig {
        endpoint: Some(s3.endpoint()),
        bucket: "camera-recordings".into(),
        region: "us-east-1".into(),
        prefix: "site-a".into(),
        credentials: None,
        part_size: MIN_PART_SIZE,
        upload_concurrency: 2,
    };
    let uploader = Uploader {
        client: recorder::storage::client(&storage),
        bucket: storage.bucket.clone(),
        prefix: storage.prefix.clone(),
        part_size: storage.part_size,
        concurrency: storage.upload_concurrency,
        redactor: Arc::new(Redactor::default()),
    };
    let start: jiff::Timestamp = "2026-11-23T14:15:00Z".parse().unwrap();
    let media = SegmentMedia { start, duration_secs: 900.0, stream: MediaInfo::default() };
    let segment = SegmentFile { camera: "drive", path: &path, start, media: &media };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let uploaded = runtime.block_on(uploader.upload(&segment)).expect("multipart upload");

    assert_eq!(uploaded.key, "site-a/drive/2026/11/23/drive_20261123T141500Z.mp4");
    assert_eq!(uploaded.bytes, 12 << 20);
    let copy = dir.path().join("copy.mp4");
    bucket.download(&uploaded.key, &copy);
    assert_eq!(
        Sha256::digest(std::fs::read(&copy).unwrap()),
        Sha256::digest(&bytes),
        "the object is the file, byte for byte"
    );
    assert_eq!(bucket.metadata(&uploaded.key)["duration"], "900.000");
}
