//! Camera → recorder → SeaweedFS, checked with an independent S3 client and ffprobe.

use crds::contract::status::CameraState;
use std::time::Duration;
use testkit::bucket::Bucket;
use testkit::camera::{CameraOptions, CameraSim};
use testkit::footage::{self, Footage};
use testkit::recorder::Recorder;
use testkit::seaweed::SeaweedFs;
use testkit::wait_until;

const PASSWORD: &str = "p@ss:w/rd#1";

fn storage() -> (SeaweedFs, Bucket) {
    let s3 = SeaweedFs::start();
    let bucket = Bucket::on(&s3, "camera-recordings");
    bucket.create();
    (s3, bucket)
}

fn wait_for_uploads(recorder: &Recorder, camera: &str, count: u64, timeout: Duration) {
    wait_until(timeout, &format!("{count} uploaded segments of {camera}"), || {
        let status = recorder.status();
        let cam = status.cameras.iter().find(|c| c.id == camera)?;
        (cam.counters.segments_uploaded >= count).then_some(())
    });
}

#[test]
fn an_authenticated_h264_camera_with_g711_audio_lands_as_documented_playable_segments() {
    let (s3, bucket) = storage();
    let camera = CameraSim::start(CameraOptions {
        audio: "pcma",
        user: Some("admin".into()),
        password: PASSWORD.into(),
        ..Default::default()
    });
    let url = camera.url();
    let mut recorder = Recorder::start(&[
        ("CAMERA_1_URL", &url),
        ("CAMERA_1_ID", "front-door"),
        ("CAMERA_1_RESOLUTION", "1280x720"),
        ("CAMERA_1_FPS", "15"),
        ("S3_ENDPOINT", &s3.endpoint()),
        ("SEGMENT_DURATION", "10s"),
    ]);

    wait_until(Duration::from_secs(30), "/ready to say ready", || (recorder.ready().0 == 200).then_some(()));
    let status = recorder.status();
    let cam = &status.cameras[0];
    assert_eq!(cam.state, CameraState::Recording);
    let stream = cam.stream.as_ref().expect("the probed stream is reported");
    assert_eq!((stream.video_codec.as_str(), stream.width, stream.height), ("h264", 1280, 720));
    assert_eq!(stream.fps, Some(15.0));
    assert_eq!(stream.audio_codec.as_deref(), Some("pcm_alaw"));
    assert_eq!(stream.audio_handling.as_deref(), Some("aac"), "G.711 is transcoded to AAC, video is copied");
    assert_eq!(cam.stream_mismatch, None);

    wait_for_uploads(&recorder, "front-door", 3, Duration::from_secs(90));
    let metrics = recorder.metrics();
    let exit = recorder.terminate(Duration::from_secs(60));
    assert!(exit.success(), "SIGTERM ends the recorder with 0, got {exit}");
    assert!(recorder.spooled("front-door").is_empty(), "the spool is flushed before exit");

    let footage = footage::check_all(&bucket, "front-door");
    assert!(footage.len() >= 4, "three segments and the one closed by SIGTERM: {footage:#?}");
    for f in &footage {
        assert_eq!(f.probed.video_codec, "h264");
        assert_eq!(f.probed.audio_codec.as_deref(), Some("aac"), "{}", f.key);
        assert_eq!(f.metadata["fps"], "15");
    }
    let inner: Vec<&Footage> = footage[1..footage.len() - 1].iter().collect();
    for f in &inner {
        let seconds = f.end.duration_since(f.start).as_secs_f64();
        assert!(
            (seconds - 10.0).abs() <= 2.1,
            "{}: a full segment lasts 10 s give or take a GOP, got {seconds}",
            f.key
        );
        let second = f.key.rsplit('_').next().unwrap()[13..15].parse::<u32>().unwrap();
        assert!(second % 10 <= 3, "{}: segments are cut at the wall clock's 10-second marks (plus up to a GOP)", f.key);
    }
    let gaps = footage::gaps(&footage, 0.5);
    assert!(gaps.is_empty(), "segments follow each other without gaps: {gaps:?}");

    let logs = recorder.logs();
    for secret in [PASSWORD, "p%40ss", "w/rd#1"] {
        assert!(!logs.contains(secret), "the camera password leaked into the logs");
        assert!(!metrics.contains(secret), "the camera password leaked into the metrics");
    }
    assert!(metrics.contains("camera_recorder_segments_uploaded_total{camera=\"front-door\"}"));
}

#[test]
fn an_h265_camera_is_recorded_by_stream_copy() {
    let (s3, bucket) = storage();
    let camera = CameraSim::start(CameraOptions { codec: "h265", width: 640, height: 360, ..Default::default() });
    let mut recorder = Recorder::start(&[
        ("CAMERA_1_URL", &camera.url()),
        ("CAMERA_1_ID", "yard"),
        ("CAMERA_1_RESOLUTION", "1920x1080"),
        ("S3_ENDPOINT", &s3.endpoint()),
        ("SEGMENT_DURATION", "10s"),
    ]);
    wait_for_uploads(&recorder, "yard", 1, Duration::from_secs(60));
    let status = recorder.status();
    assert_eq!(
        status.cameras[0].stream_mismatch.as_deref(),
        Some("resolution is 640x360, expected 1920x1080"),
        "a resolution mismatch is reported, and recording goes on"
    );
    assert!(status.cameras[0].recording);
    assert!(recorder.terminate(Duration::from_secs(60)).success());
    let footage = footage::check_all(&bucket, "yard");
    assert!(!footage.is_empty());
    for f in &footage {
        assert_eq!(f.probed.video_codec, "hevc", "{}", f.key);
        assert_eq!((f.probed.width, f.probed.height), (640, 360));
        assert_eq!(f.probed.audio_codec, None);
    }
}

#[test]
fn a_url_and_an_endpoint_are_enough_for_fifteen_minute_segments_into_camera_recordings() {
    let (s3, _bucket) = storage();
    let camera = CameraSim::start(CameraOptions::default());
    let recorder = Recorder::start(&[("CAMERA_1_URL", &camera.url()), ("S3_ENDPOINT", &s3.endpoint())]);
    wait_until(Duration::from_secs(30), "recording", || recorder.status().cameras[0].recording.then_some(()));
    let status = recorder.status();
    assert_eq!(status.storage.bucket, "camera-recordings");
    assert_eq!(status.cameras[0].id, "camera-1");
    assert_eq!(recorder.sample("camera_recorder_segment_target_duration_seconds{camera=\"camera-1\"}"), Some(900.0));
    let ffmpeg = testkit::children_of(recorder.pid())
        .into_iter()
        .find(|args| args.first().is_some_and(|a| a.ends_with("ffmpeg")))
        .expect("an ffmpeg child runs");
    let segment_time = ffmpeg.windows(2).find(|w| w[0] == "-segment_time").map(|w| w[1].clone());
    assert_eq!(segment_time.as_deref(), Some("900"), "FFmpeg runs with 15-minute segments: {ffmpeg:?}");
}
