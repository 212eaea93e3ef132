//! Faults: the camera goes away or freezes, S3 goes away or refuses, the recorder is killed, the spool
//! fills up. Nothing already recorded may be lost, and every fault shows in /status and /ready.

use crds::contract::status::FaultKind;
use std::time::{Duration, Instant};
use testkit::bucket::Bucket;
use testkit::camera::{CameraOptions, CameraSim};
use testkit::footage;
use testkit::recorder::Recorder;
use testkit::seaweed::SeaweedFs;
use testkit::{free_port, wait_until};

fn storage() -> (SeaweedFs, Bucket) {
    let s3 = SeaweedFs::start();
    let bucket = Bucket::on(&s3, "camera-recordings");
    bucket.create();
    (s3, bucket)
}

fn uploaded(recorder: &Recorder) -> u64 {
    recorder.status().cameras[0].counters.segments_uploaded
}

/// Keeps a fault in place for the length of the scenario. This is the fault's duration, not a wait for
/// some condition: every condition in these tests is awaited with `wait_until`.
fn hold_fault_for(duration: Duration) {
    std::thread::sleep(duration);
}

fn capture_fault(recorder: &Recorder) -> Option<FaultKind> {
    recorder.status().cameras[0].capture_error.as_ref().map(|f| f.kind)
}

#[test]
fn a_camera_that_is_down_for_20_seconds_is_reconnected_and_only_the_outage_is_missing() {
    let (s3, bucket) = storage();
    let mut camera = CameraSim::start(CameraOptions::default());
    let mut recorder = Recorder::start(&[
        ("CAMERA_1_URL", &camera.url()),
        ("CAMERA_1_ID", "porch"),
        ("S3_ENDPOINT", &s3.endpoint()),
        ("SEGMENT_DURATION", "10s"),
        ("STALL_TIMEOUT", "10s"),
    ]);
    wait_until(Duration::from_secs(60), "a first upload", || (uploaded(&recorder) >= 1).then_some(()));

    camera.stop();
    let outage = Instant::now();
    wait_until(Duration::from_secs(30), "the outage to show as CameraUnreachable", || {
        (capture_fault(&recorder) == Some(FaultKind::CameraUnreachable)).then_some(())
    });
    assert_eq!(recorder.ready().0, 503, "/ready fails while the camera is down");
    hold_fault_for(Duration::from_secs(20).saturating_sub(outage.elapsed()));
    camera.restart();
    let back = Instant::now();

    wait_until(Duration::from_secs(60), "recording again after the camera came back", || {
        recorder.status().cameras[0].recording.then_some(())
    });
    let reconnect = back.elapsed();
    let after = uploaded(&recorder);
    wait_until(Duration::from_secs(60), "two more uploads", || (uploaded(&recorder) >= after + 2).then_some(()));
    let status = recorder.status();
    assert!(status.cameras[0].counters.ffmpeg_restarts >= 1);
    assert_eq!(status.cameras[0].capture_error, None, "the fault clears once recording resumes");
    assert!(recorder.terminate(Duration::from_secs(60)).success());

    let footage = footage::check_all(&bucket, "porch");
    let gaps = footage::gaps(&footage, 0.5);
    println!(
        "camera outage 20 s: reconnected {:.1} s after the camera came back; gaps {gaps:?}",
        reconnect.as_secs_f64()
    );
    assert_eq!(gaps.len(), 1, "one gap, the outage: {gaps:?}");
    assert!(
        gaps[0].2 < 20.0 + 10.0 + 10.0,
        "the gap is the outage plus at most the capped backoff and a probe: {gaps:?}"
    );
    assert!(
        reconnect < Duration::from_secs(25),
        "reconnect within the 10 s backoff cap (plus probe), took {reconnect:?}"
    );
}

#[test]
fn a_frozen_camera_is_detected_within_the_stall_window_and_recording_resumes_when_it_thaws() {
    let (s3, _bucket) = storage();
    let camera = CameraSim::start(CameraOptions::default());
    let recorder = Recorder::start(&[
        ("CAMERA_1_URL", &camera.url()),
        ("S3_ENDPOINT", &s3.endpoint()),
        ("SEGMENT_DURATION", "10s"),
        ("STALL_TIMEOUT", "5s"),
    ]);
    wait_until(Duration::from_secs(30), "recording", || recorder.status().cameras[0].recording.then_some(()));

    camera.freeze();
    let frozen = Instant::now();
    wait_until(Duration::from_secs(20), "/status to stop saying recording", || {
        (!recorder.status().cameras[0].recording).then_some(())
    });
    let noticed = frozen.elapsed();
    wait_until(Duration::from_secs(30), "the stall to be reported", || {
        (capture_fault(&recorder) == Some(FaultKind::StreamStalled)).then_some(())
    });
    let restarted = frozen.elapsed();
    assert_eq!(recorder.ready().0, 503);
    println!(
        "frozen camera: not recording after {:.1} s, FFmpeg restarted after {:.1} s (stall window 5 s)",
        noticed.as_secs_f64(),
        restarted.as_secs_f64()
    );
    assert!(restarted < Duration::from_secs(15), "stall detected within the window, took {restarted:?}");

    camera.thaw();
    wait_until(Duration::from_secs(60), "recording after the camera thawed", || {
        recorder.status().cameras[0].recording.then_some(())
    });
    assert_eq!(
        wait_until(Duration::from_secs(10), "ready", || {
            let r = recorder.ready();
            (r.0 == 200).then_some(r.0)
        }),
        200
    );
}

#[test]
fn storage_down_for_60_seconds_loses_nothing() {
    let (mut s3, bucket) = storage();
    let camera = CameraSim::start(CameraOptions::default());
    let mut recorder = Recorder::start(&[
        ("CAMERA_1_URL", &camera.url()),
        ("CAMERA_1_ID", "garage"),
        ("S3_ENDPOINT", &s3.endpoint()),
        ("SEGMENT_DURATION", "10s"),
    ]);
    wait_until(Duration::from_secs(60), "a first upload", || (uploaded(&recorder) >= 1).then_some(()));

    s3.stop();
    let outage = Instant::now();
    wait_until(Duration::from_secs(40), "the outage to show in /status", || {
        let status = recorder.status();
        (!status.storage.reachable && status.storage.last_error.as_ref()?.kind == FaultKind::StorageUnreachable)
            .then_some(())
    });
    assert_eq!(recorder.ready().0, 503, "/ready fails while S3 is down");
    hold_fault_for(Duration::from_secs(60).saturating_sub(outage.elapsed()));
    let recorded_during_outage = recorder.status().cameras[0].counters.segments_recorded;
    assert!(recorder.spooled("garage").len() >= 4, "segments wait in the spool during the outage");
    s3.restart();

    wait_until(Duration::from_secs(90), "the backlog to drain", || {
        let status = recorder.status();
        let cam = &status.cameras[0];
        (cam.counters.segments_uploaded >= recorded_during_outage && cam.spool.segments == 0).then_some(())
    });
    assert!(recorder.status().cameras[0].counters.upload_failures >= 1);
    assert!(recorder.terminate(Duration::from_secs(60)).success());

    let footage = footage::check_all(&bucket, "garage");
    let gaps = footage::gaps(&footage, 0.5);
    assert!(gaps.is_empty(), "no footage lost to the S3 outage: {gaps:?}");
    assert!(footage::covered_secs(&footage) >= 60.0, "the outage's minute is in the bucket");
}

#[test]
fn a_recorder_killed_mid_segment_uploads_the_partial_segment_after_restart() {
    let (s3, bucket) = storage();
    let camera = CameraSim::start(CameraOptions::default());
    let mut recorder = Recorder::start(&[
        ("CAMERA_1_URL", &camera.url()),
        ("CAMERA_1_ID", "shed"),
        ("S3_ENDPOINT", &s3.endpoint()),
        ("SEGMENT_DURATION", "60s"),
    ]);
    wait_until(Duration::from_secs(30), "recording", || recorder.status().cameras[0].recording.then_some(()));
    let ffmpeg_pid =
        wait_until(Duration::from_secs(10), "the ffmpeg child", || testkit::child_pid(recorder.pid(), "ffmpeg"));
    // Kill once the segment being written holds several GOPs (the camera's GOP is 2 s).
    let partial = wait_until(Duration::from_secs(60), "a segment with 8 s of footage", || {
        let file = recorder.spooled("shed").pop()?;
        let start = recorder::segment::start_from_file_name(&file)?;
        let age = jiff::Timestamp::now().duration_since(start).as_secs_f64();
        (age >= 8.0).then_some(file)
    });
    recorder.kill();
    let killed_at = jiff::Timestamp::now();
    wait_until(Duration::from_secs(10), "ffmpeg to die with the recorder", || {
        (!std::path::Path::new(&format!("/proc/{ffmpeg_pid}")).exists()).then_some(())
    });
    assert!(partial.exists(), "the partial segment survives the kill in the spool");

    recorder.restart();
    let start = recorder::segment::start_from_file_name(&partial).unwrap();
    let key = recorder::segment::object_key("", "shed", start);
    wait_until(Duration::from_secs(60), "the partial segment to be uploaded", || {
        bucket.list("shed/").iter().any(|o| o.key == key).then_some(())
    });
    assert!(!partial.exists(), "the local copy goes once S3 confirmed it");

    let footage = footage::check_all(&bucket, "shed");
    let recovered = footage.iter().find(|f| f.key == key).expect("the partial segment is in the bucket and plays");
    let written_for = killed_at.duration_since(start).as_secs_f64();
    let lost = written_for - recovered.probed.duration;
    println!(
        "SIGKILL mid-segment: segment open for {written_for:.1} s, {:.1} s recovered, {lost:.1} s lost (GOP 2 s; file-name time has 1 s resolution)",
        recovered.probed.duration
    );
    assert!(lost <= 2.0 + 1.0 + 0.5, "at most about one GOP is lost, lost {lost:.1} s");
}

#[test]
fn a_full_spool_drops_the_oldest_segment_and_says_so() {
    let camera = CameraSim::start(CameraOptions {
        width: 640,
        height: 360,
        pattern: "snow",
        bitrate_kbps: 3000,
        ..Default::default()
    });
    let unreachable = format!("http://127.0.0.1:{}", free_port());
    let recorder = Recorder::start(&[
        ("CAMERA_1_URL", &camera.url()),
        ("CAMERA_1_ID", "lot"),
        ("S3_ENDPOINT", &unreachable),
        ("SEGMENT_DURATION", "10s"),
        ("SPOOL_MAX_BYTES", "6Mi"),
    ]);
    let dropped = "camera_recorder_segments_dropped_total{camera=\"lot\",reason=\"spool_full\"}";
    wait_until(Duration::from_secs(120), "a segment dropped for space", || {
        recorder.sample(dropped).filter(|&n| n >= 1.0)
    });
    let status = recorder.status();
    assert!(!status.storage.reachable);
    assert_eq!(status.storage.last_error.as_ref().map(|f| f.kind), Some(FaultKind::StorageUnreachable));
    assert_eq!(status.cameras[0].last_error.as_ref().map(|f| f.kind), Some(FaultKind::SpoolFull));
    assert!(status.cameras[0].counters.segments_dropped >= 1);
    assert!(status.cameras[0].recording, "recording goes on while the spool is full");
    assert!(recorder.logs().contains("spool full"), "the drop is logged");
    let on_disk: u64 = recorder.spooled("lot").iter().map(|f| std::fs::metadata(f).map_or(0, |m| m.len())).sum();
    assert!(
        on_disk <= (6 << 20) + (5 << 20),
        "the spool stays near its bound (plus the segment being written): {on_disk}"
    );
}

#[test]
fn wrong_storage_credentials_are_reported_and_the_spool_waits_for_the_right_ones() {
    let s3 = SeaweedFs::with_credentials("recorder", "right-secret-1234");
    let bucket = Bucket::on(&s3, "camera-recordings");
    bucket.create();
    let camera = CameraSim::start(CameraOptions::default());
    let spool = tempfile::tempdir().unwrap();
    let spool_dir = spool.path().display().to_string();
    let env = |secret: &'static str| {
        vec![
            ("CAMERA_1_URL", camera.url()),
            ("CAMERA_1_ID", "gate".to_owned()),
            ("S3_ENDPOINT", s3.endpoint()),
            ("S3_ACCESS_KEY", "recorder".to_owned()),
            ("S3_SECRET_KEY", secret.to_owned()),
            ("SEGMENT_DURATION", "10s".to_owned()),
            ("TEMP_DIR", spool_dir.clone()),
            // After SIGTERM the recorder keeps retrying uploads for the grace period; keep it short here.
            ("SHUTDOWN_GRACE", "3s".to_owned()),
        ]
    };
    let wrong = env("wrong-secret-5678");
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut recorder = Recorder::start(&wrong);
    wait_until(Duration::from_secs(60), "StorageAuthFailed", || {
        let status = recorder.status();
        let refused = status.storage.last_error.as_ref()?.kind == FaultKind::StorageAuthFailed;
        (refused && status.cameras[0].counters.segments_recorded >= 1).then_some(())
    });
    wait_until(Duration::from_secs(30), "an upload attempt to fail", || {
        (recorder.status().cameras[0].upload_error.as_ref()?.kind == FaultKind::StorageAuthFailed).then_some(())
    });
    assert_eq!(recorder.ready().0, 503);
    let status_json = serde_json::to_string(&recorder.status()).unwrap();
    assert!(status_json.contains("S3_SECRET_KEY"), "the message says what to fix: {status_json}");
    assert!(recorder.terminate(Duration::from_secs(30)).success(), "a storage fault does not crash the recorder");
    let kept = testkit::recorder::spooled_in(&spool.path().join("gate"));
    assert!(!kept.is_empty(), "segments stay in the spool");
    for text in [recorder.logs(), status_json] {
        assert!(!text.contains("wrong-secret-5678"), "the S3 secret leaked");
    }

    let right = env("right-secret-1234");
    let right: Vec<(&str, &str)> = right.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let recorder = Recorder::start(&right);
    wait_until(Duration::from_secs(60), "the kept segments to be uploaded", || {
        let names: Vec<String> = bucket.list("gate/").into_iter().map(|o| o.key).collect();
        kept.iter().all(|f| names.iter().any(|k| k.ends_with(f.file_name().unwrap().to_str().unwrap()))).then_some(())
    });
    assert!(recorder.status().storage.reachable);
}

#[test]
fn a_missing_bucket_is_reported_with_the_fix() {
    let s3 = SeaweedFs::start();
    let camera = CameraSim::start(CameraOptions::default());
    let recorder = Recorder::start(&[
        ("CAMERA_1_URL", &camera.url()),
        ("S3_ENDPOINT", &s3.endpoint()),
        ("S3_BUCKET", "no-such-bucket"),
    ]);
    let fault = wait_until(Duration::from_secs(30), "BucketNotFound", || {
        let fault = recorder.status().storage.last_error?;
        (fault.kind == FaultKind::BucketNotFound).then_some(fault)
    });
    assert!(fault.message.contains("create bucket 'no-such-bucket'"), "{}", fault.message);
    assert!(recorder.ready().1.contains("no-such-bucket"));
}

#[test]
fn a_camera_that_refuses_the_password_is_reported_without_the_password() {
    let camera = CameraSim::start(CameraOptions {
        user: Some("admin".into()),
        password: "right:pass@1".into(),
        ..Default::default()
    });
    let wrong_password = "wr0ng/p@ss#word";
    let recorder = Recorder::start(&[
        ("CAMERA_1_URL", &camera.url_with_password(wrong_password)),
        ("S3_ENDPOINT", &format!("http://127.0.0.1:{}", free_port())),
    ]);
    let fault = wait_until(Duration::from_secs(30), "CameraAuthFailed", || {
        let fault = recorder.status().cameras[0].capture_error.clone()?;
        (fault.kind == FaultKind::CameraAuthFailed).then_some(fault)
    });
    assert!(fault.message.contains("401"), "FFmpeg's own words are kept: {}", fault.message);
    let (code, ready) = recorder.ready();
    assert_eq!(code, 503);
    let status = serde_json::to_string(&recorder.status()).unwrap();
    let encoded = testkit::camera::encode(wrong_password);
    for text in [recorder.logs(), status, ready, recorder.metrics()] {
        assert!(
            !text.contains(wrong_password) && !text.contains(&encoded) && !text.contains("wr0ng"),
            "password leaked: {text}"
        );
    }
}
