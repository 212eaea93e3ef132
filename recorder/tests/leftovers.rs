//! Crash leftovers are judged before upload, and only a definite verdict deletes one: ffprobe killed (or
//! timing out, or missing) says nothing about the file, so the footage goes up with what the fragment parser
//! found in it; a file with an init section and no frame is removed and counted.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;
use testkit::bucket::Bucket;
use testkit::recorder::Recorder;
use testkit::seaweed::SeaweedFs;
use testkit::{free_port, wait_until};

#[test]
fn a_leftover_is_uploaded_when_ffprobe_is_killed_and_removed_only_when_it_holds_no_frame() {
    let s3 = SeaweedFs::start();
    let bucket = Bucket::on(&s3, "camera-recordings");
    bucket.create();
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let camera_dir = spool.join("porch");
    std::fs::create_dir_all(&camera_dir).unwrap();

    // Two leftovers as a crash leaves them: 4 s of fragments, and a file FFmpeg had only just opened.
    let footage = camera_dir.join("20261123T100000Z.mp4");
    testkit::media::write_fragmented_mp4(&footage, 4, "320x180");
    let bytes = std::fs::read(&footage).unwrap();
    let index = fmp4::index::index_bytes(&bytes, jiff::Timestamp::UNIX_EPOCH, jiff::Timestamp::UNIX_EPOCH).unwrap();
    let init_only = camera_dir.join("20261123T100010Z.mp4");
    std::fs::write(&init_only, &bytes[..index.init_size as usize]).unwrap();

    // An ffprobe that is killed whenever it runs (the OOM killer, a node under pressure).
    let ffprobe = dir.path().join("killed-ffprobe");
    std::fs::write(&ffprobe, "#!/bin/sh\nkill -KILL $$\n").unwrap();
    std::fs::set_permissions(&ffprobe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = dir.path().join("recorder.toml");
    std::fs::write(&config, format!("[recorder]\nffprobe = {:?}\n", ffprobe.display().to_string())).unwrap();

    let recorder = Recorder::start(&[
        ("CONFIG_FILE", &config.display().to_string()),
        // No camera answers here; the leftovers are uploaded all the same.
        ("CAMERA_1_URL", &format!("rtsp://127.0.0.1:{}/stream", free_port())),
        ("CAMERA_1_ID", "porch"),
        ("S3_ENDPOINT", &s3.endpoint()),
        ("TEMP_DIR", &spool.display().to_string()),
    ]);
    let key = crds::contract::storage::segment_key("", "porch", "2026-11-23T10:00:00Z".parse().unwrap());
    wait_until(Duration::from_secs(60), "the leftover with footage in the bucket", || {
        bucket.list("porch/").iter().any(|o| o.key == key).then_some(())
    });
    wait_until(Duration::from_secs(30), "both leftovers gone from the spool", || {
        (!footage.exists() && !init_only.exists()).then_some(())
    });
    let metadata = bucket.metadata(&key);
    let duration: f64 = metadata["duration"].parse().unwrap();
    assert!((duration - 4.0).abs() < 0.2, "its duration comes from its fragments: {metadata:?}");
    let keys: Vec<String> = bucket.list("porch/").into_iter().map(|o| o.key).filter(|k| k.ends_with(".mp4")).collect();
    assert_eq!(keys, [key], "the init-only leftover is not uploaded");
    let dropped = recorder.sample("camera_recorder_segments_dropped_total{camera=\"porch\",reason=\"unplayable\"}");
    assert_eq!(dropped, Some(1.0), "the frameless leftover is removed and counted");
    assert!(recorder.logs().contains("uploading a leftover segment with what is known of it"));
}
