//! Retention against a real SeaweedFS, checked with an independent S3 client (the aws CLI): objects with the
//! documented key layout and metadata 40, 31, 30 (straddling the cut-off) and 29 days old, beside recent
//! footage from the real recorder. Holds, a SIGKILL mid-pass, two passes at once, wrong credentials, a broken
//! hold, the dry run, and incomplete multipart uploads.

use crds::contract::status::{FaultKind, RecorderStatus};
use crds::contract::storage::{Hold, IndexName, hold_key, index_key, segment_key};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use testkit::bucket::Bucket;
use testkit::camera::{CameraOptions, CameraSim};
use testkit::recorder::Recorder;
use testkit::seaweed::SeaweedFs;
use testkit::wait_until;

const DAY: SignedDuration = SignedDuration::from_hours(24);
const RETENTION_DAYS: i64 = 30;

fn storage() -> (SeaweedFs, Bucket) {
    let s3 = SeaweedFs::start();
    let bucket = Bucket::on(&s3, "camera-recordings");
    bucket.create();
    (s3, bucket)
}

/// Whole seconds, as segment keys have them.
fn second(at: Timestamp) -> Timestamp {
    Timestamp::from_second(at.as_second()).unwrap()
}

/// A segment as a recorder stores it (the documented key, the metadata), with its index unless `indexed` is
/// false, and any `extra` companions (`<segment key>.<extra>`). Returns every key it wrote.
fn put_segment(
    bucket: &Bucket,
    dir: &Path,
    camera: &str,
    start: Timestamp,
    end: Timestamp,
    indexed: bool,
    extra: &[&str],
) -> Vec<String> {
    let key = segment_key("", camera, second(start));
    let file = dir.join(key.replace('/', "_"));
    std::fs::write(&file, format!("not really video: {key}")).unwrap();
    let (start_text, end_text) = (start.to_string(), end.to_string());
    let duration = format!("{:.3}", end.duration_since(start).as_secs_f64());
    bucket.put(
        &file,
        &key,
        "video/mp4",
        &[
            ("camera", camera),
            ("start", &start_text),
            ("end", &end_text),
            ("duration", &duration),
            ("codec", "h264"),
            ("resolution", "640x360"),
            ("fps", "15"),
        ],
    );
    let mut keys = vec![key.clone()];
    if indexed {
        let index = index_key(&key, &IndexName { start, end, codec: "h264".into(), width: 640, height: 360 });
        let body = dir.join("index.json");
        std::fs::write(&body, "{\"version\":1}").unwrap();
        bucket.put(&body, &index, "application/json", &[]);
        keys.push(index);
    }
    for suffix in extra {
        let companion = format!("{key}.{suffix}");
        bucket.put(&file, &companion, "application/octet-stream", &[]);
        keys.push(companion);
    }
    keys
}

fn put_hold(bucket: &Bucket, dir: &Path, camera: &str, id: &str, start: Timestamp, end: Timestamp) -> String {
    let hold = Hold {
        id: id.into(),
        camera: camera.into(),
        start,
        end,
        reason: "break-in, police report 2026-1123".into(),
        created: Timestamp::now(),
        created_by: Some("test".into()),
    };
    let file = dir.join(format!("{id}.json"));
    std::fs::write(&file, serde_json::to_vec(&hold).unwrap()).unwrap();
    let key = hold_key("", camera, id);
    bucket.put(&file, &key, "application/json", &[]);
    key
}

fn present(bucket: &Bucket, camera: &str) -> BTreeSet<String> {
    bucket.keys(&format!("{camera}/")).into_iter().collect()
}

fn retention_of(status: &RecorderStatus) -> &crds::contract::status::RetentionStatus {
    &status.cameras[0].retention
}

#[test]
fn expired_footage_goes_within_a_minute_the_straddling_segment_when_it_ends_and_held_footage_when_released() {
    let (s3, bucket) = storage();
    let dir = tempfile::tempdir().unwrap();
    let now = second(Timestamp::now());
    let ago = |days: i64| now - DAY * days as i32;
    let minutes = |m: i64| SignedDuration::from_mins(m);

    // 40 days: an indexed segment, and one without an index (layout 1: its metadata says when it ended).
    let forty = put_segment(&bucket, dir.path(), "porch", ago(40), ago(40) + minutes(15), true, &[]);
    let forty_unindexed =
        put_segment(&bucket, dir.path(), "porch", ago(40) + minutes(15), ago(40) + minutes(30), false, &[]);
    // 35 days: an index whose segment is gone (debris).
    let debris_of = put_segment(&bucket, dir.path(), "porch", ago(35), ago(35) + minutes(15), true, &[]);
    bucket.delete(&debris_of[0]);
    let debris = vec![debris_of[1].clone()];
    // 31 days, under a hold, with its index and a thumbnail companion.
    let held = put_segment(&bucket, dir.path(), "porch", ago(31), ago(31) + minutes(15), true, &["thumb.jpg"]);
    let hold =
        put_hold(&bucket, dir.path(), "porch", "night-of-the-break-in", ago(31) - minutes(60), ago(31) + minutes(5));
    // 30 days: straddles the cut-off; all of it expires 100 s from now, well after the first pass (at most
    // 30 s after the recorder starts, which is some 20 s from now).
    let straddle_end = ago(RETENTION_DAYS) + SignedDuration::from_secs(100);
    let straddling = put_segment(&bucket, dir.path(), "porch", straddle_end - minutes(15), straddle_end, true, &[]);
    // 29 days: kept.
    let recent_enough = put_segment(&bucket, dir.path(), "porch", ago(29), ago(29) + minutes(15), true, &[]);
    // Not footage, in an expired day folder: never deleted.
    let notes = format!("porch/{}/notes.txt", ago(40).strftime("%Y/%m/%d"));
    std::fs::write(dir.path().join("notes.txt"), "keep me").unwrap();
    bucket.upload(&dir.path().join("notes.txt"), &notes);

    let camera = CameraSim::start(CameraOptions::default());
    let started = Instant::now();
    let recorder = Recorder::start(&[
        ("CAMERA_1_URL", &camera.url()),
        ("CAMERA_1_ID", "porch"),
        ("S3_ENDPOINT", &s3.endpoint()),
        ("SEGMENT_DURATION", "10s"),
        ("RETENTION", "30d"),
        // The first pass keeps the product's default (within a minute); later passes come every 5 s, so
        // the test sees the straddling segment go when it ends, and the hold's release take effect.
        ("RETENTION_INTERVAL", "5s"),
    ]);
    let status = recorder.status();
    assert_eq!(retention_of(&status).retention.as_deref(), Some("30d"));
    assert!(retention_of(&status).next_pass_at.is_some(), "/status says when the first pass is due");

    let expired: BTreeSet<String> = forty.iter().chain(&forty_unindexed).chain(&debris).cloned().collect();
    wait_until(Duration::from_secs(60), "the first pass to delete the expired footage", || {
        let keys = present(&bucket, "porch");
        expired.is_disjoint(&keys).then_some(())
    });
    let first_pass = started.elapsed();
    println!("first retention pass done {:.1} s after the recorder started", first_pass.as_secs_f64());
    assert!(first_pass < Duration::from_secs(60), "within a minute of start-up: {first_pass:?}");
    let keys = present(&bucket, "porch");
    for kept in held.iter().chain(&straddling).chain(&recent_enough).chain([&notes, &hold]) {
        assert!(keys.contains(kept), "{kept} must stay: {keys:#?}");
    }
    let status = wait_until(Duration::from_secs(10), "the pass in /status", || {
        let status = recorder.status();
        retention_of(&status).last_success_at.is_some().then_some(status)
    });
    let pass = retention_of(&status).last_pass.clone().expect("the pass is in /status");
    assert!(pass.ok, "{pass:?}");
    assert!(pass.holds >= 1 && pass.held_segments >= 1, "{pass:?}");
    assert_eq!(retention_of(&status).oldest_footage, Some(second(ago(31))), "the held segment is the oldest left");

    // Released: the next pass deletes the held segment and its companions.
    bucket.delete(&hold);
    wait_until(Duration::from_secs(30), "the released footage to go", || {
        let keys = present(&bucket, "porch");
        held.iter().all(|k| !keys.contains(k)).then_some(())
    });

    // The straddling segment goes only once all of it is older than 30 days, and then soon.
    let expires = straddle_end + DAY * RETENTION_DAYS as i32;
    let mut seen_before_it_expired = false;
    wait_until(Duration::from_secs(240), "the straddling segment to go once it ended", || {
        let checked_at = Timestamp::now();
        let keys = present(&bucket, "porch");
        if straddling.iter().any(|k| keys.contains(k)) {
            seen_before_it_expired |= checked_at < expires;
            return None;
        }
        let deleted_by = Timestamp::now();
        assert!(deleted_by >= expires, "deleted at {deleted_by} or before, though it ends at {expires} + retention");
        Some(())
    });
    assert!(seen_before_it_expired, "the straddling segment was still there while part of it was newer");
    assert!(Timestamp::now() < expires + SignedDuration::from_secs(30), "and went within a pass of expiring");

    // Nothing else went: the 29-day-old segment, the notes, and every segment the recorder uploaded.
    wait_until(Duration::from_secs(60), "two uploads of the real recorder", || {
        (recorder.status().cameras[0].counters.segments_uploaded >= 2).then_some(())
    });
    let keys = present(&bucket, "porch");
    for kept in recent_enough.iter().chain([&notes]) {
        assert!(keys.contains(kept), "{kept} must stay: {keys:#?}");
    }
    let today = format!("porch/{}/", Timestamp::now().strftime("%Y/%m/%d"));
    let uploaded = recorder.status().cameras[0].counters.segments_uploaded;
    let fresh = keys.iter().filter(|k| k.starts_with(&today) && k.ends_with(".mp4")).count() as u64;
    assert!(fresh >= uploaded, "every uploaded segment stays: {fresh} of {uploaded}");

    let deleted = forty.len() + forty_unindexed.len() + debris.len() + held.len() + straddling.len();
    wait_until(Duration::from_secs(20), "the deletions in the metrics", || {
        let counted = recorder.sample("camera_recorder_retention_deleted_objects_total{camera=\"porch\"}")?;
        (counted == deleted as f64).then_some(())
    });
    let metrics = recorder.metrics();
    assert!(recorder.sample("camera_recorder_retention_passes_total{camera=\"porch\"}").unwrap() >= 3.0);
    assert_eq!(recorder.sample("camera_recorder_retention_seconds{camera=\"porch\"}"), Some(30.0 * 86_400.0));
    assert!(
        recorder.sample("camera_recorder_retention_last_success_timestamp_seconds{camera=\"porch\"}").unwrap() > 0.0
    );
    let oldest =
        recorder.sample("camera_recorder_retention_oldest_footage_timestamp_seconds{camera=\"porch\"}").unwrap();
    assert_eq!(oldest as i64, second(ago(29)).as_second(), "the 29-day-old segment is the oldest left");
    testkit::promtool_check_metrics(&metrics).unwrap_or_else(|e| panic!("promtool check metrics: {e}\n{metrics}"));
}

/// `camera-recorder --retention-pass` with exactly these arguments and S3 environment.
fn retention_pass(s3: &SeaweedFs, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(testkit::recorder_binary());
    command
        .arg("--retention-pass")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("S3_ENDPOINT", s3.endpoint())
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn summary(output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .last()
        .unwrap_or_else(|| panic!("no summary; stderr: {}", String::from_utf8_lossy(&output.stderr)));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("the summary is JSON ({e}): {line}"))
}

/// A short real fMP4 file muxed as the recorder muxes segments (a fragment per keyframe).
fn real_segment(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("segment.mp4");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=15:duration=4"])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-pix_fmt", "yuv420p"])
        .args(["-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-f", "mp4"])
        .arg(&path)
        .status()
        .expect("run ffmpeg");
    assert!(status.success());
    path
}

/// Uploads `file` once per start through the recorder's own upload path (segment, metadata, verification,
/// index), each as a 15-minute segment of `camera`, as recorder/examples/fill_bucket.rs does.
fn upload_like_the_recorder(s3: &SeaweedFs, camera: &str, file: &Path, starts: &[Timestamp]) -> BTreeSet<String> {
    use recorder::probe::{MediaInfo, VideoInfo};
    use recorder::spool::SegmentMedia;
    use recorder::upload::{SegmentFile, Uploader};
    let storage = recorder::config::StorageConfig {
        endpoint: Some(s3.endpoint()),
        bucket: "camera-recordings".into(),
        region: "us-east-1".into(),
        prefix: String::new(),
        credentials: None,
        part_size: recorder::config::DEFAULT_PART_SIZE,
        upload_concurrency: 4,
    };
    let uploader = Uploader {
        client: recorder::storage::client(&storage),
        bucket: storage.bucket.clone(),
        prefix: String::new(),
        part_size: storage.part_size,
        concurrency: 4,
        redactor: std::sync::Arc::new(recorder::redact::Redactor::default()),
    };
    let stream = MediaInfo {
        video: Some(VideoInfo { codec: "h264".into(), width: 96, height: 64, fps: Some(15.0) }),
        audio_codec: None,
        duration_secs: Some(900.0),
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let keys: Vec<String> = runtime.block_on(async {
        let mut keys = Vec::new();
        for start in starts {
            let media = SegmentMedia { start: second(*start), duration_secs: 900.0, stream: stream.clone() };
            let segment = SegmentFile { camera, path: file, start: second(*start), media: &media };
            keys.push(uploader.upload(&segment).await.expect("upload").key);
        }
        keys
    });
    let listed: BTreeSet<String> = present_in(s3, camera);
    let written: BTreeSet<String> =
        listed.into_iter().filter(|k| keys.iter().any(|s| k == s || k.starts_with(&format!("{s}.")))).collect();
    assert_eq!(written.len(), keys.len() * 2, "each segment with its index: {written:#?}");
    written
}

fn present_in(s3: &SeaweedFs, camera: &str) -> BTreeSet<String> {
    present(&Bucket::on(s3, "camera-recordings"), camera)
}

/// 40 segments of 15 minutes with their indexes, 40 to 30.2 days old, and 5 from 10 days ago. Returns
/// (expired keys, kept keys).
fn fill_old_footage(s3: &SeaweedFs, camera: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let dir = tempfile::tempdir().unwrap();
    let file = real_segment(dir.path());
    let now = Timestamp::now();
    let old: Vec<Timestamp> = (0..40).map(|n| now - DAY * 40 + SignedDuration::from_hours(6) * n).collect();
    let recent: Vec<Timestamp> = (0..5).map(|n| now - DAY * 10 + SignedDuration::from_mins(15) * n).collect();
    (upload_like_the_recorder(s3, camera, &file, &old), upload_like_the_recorder(s3, camera, &file, &recent))
}

/// The bucket is consistent: every index has its segment.
fn assert_consistent(keys: &BTreeSet<String>) {
    for key in keys.iter().filter(|k| k.ends_with(".idx.json")) {
        let segment = &key[..key.find(".mp4.").unwrap() + 4];
        assert!(keys.contains(segment), "index {key} outlived its segment");
    }
}

#[test]
fn a_pass_killed_midway_leaves_a_consistent_bucket_and_two_passes_at_once_finish_it() {
    let (s3, bucket) = storage();
    let (expired, kept) = fill_old_footage(&s3, "yard");
    assert_eq!(present(&bucket, "yard").len(), expired.len() + kept.len());

    // Two keys per DeleteObjects at the product's pace: 40 requests, about 20 seconds.
    let mut child =
        retention_pass(&s3, &["--camera", "yard", "--retention", "30d"], &[("RETENTION_DELETE_BATCH", "2")])
            .spawn()
            .unwrap();
    let left = wait_until(Duration::from_secs(60), "the pass to be part-way", || {
        let keys = present(&bucket, "yard");
        let gone = expired.iter().filter(|k| !keys.contains(*k)).count();
        (gone >= expired.len() / 3 && gone < expired.len() - 4).then_some(keys)
    });
    testkit::signal(child.id(), libc::SIGKILL);
    let _ = child.wait();
    let after_kill = present(&bucket, "yard");
    let unindexed = after_kill
        .iter()
        .filter(|k| {
            k.ends_with(".mp4") && expired.contains(*k) && !after_kill.iter().any(|i| i.starts_with(&format!("{k}.")))
        })
        .count();
    println!(
        "killed with {} of {} expired objects left, {unindexed} segment(s) without their index",
        after_kill.intersection(&expired).count(),
        expired.len()
    );
    assert!(after_kill.len() <= left.len());
    assert_consistent(&after_kill);
    assert!(kept.is_subset(&after_kill), "the kill lost footage that had not expired");

    // Rerun, as two recorders of the same camera would during a rollout: both at once.
    let first = retention_pass(&s3, &["--camera", "yard", "--retention", "30d"], &[("RETENTION_DELETE_BATCH", "4")])
        .spawn()
        .unwrap();
    let second_pass =
        retention_pass(&s3, &["--camera", "yard", "--retention", "30d"], &[("RETENTION_DELETE_BATCH", "4")])
            .spawn()
            .unwrap();
    for output in [first.wait_with_output().unwrap(), second_pass.wait_with_output().unwrap()] {
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(summary(&output)["ok"], true);
    }
    let end = present(&bucket, "yard");
    assert_eq!(end, kept, "exactly the expired objects are gone");
}

#[test]
fn the_one_shot_pass_dry_runs_deletes_refuses_a_broken_hold_and_fails_loudly_on_bad_input() {
    let (s3, bucket) = storage();
    let dir = tempfile::tempdir().unwrap();
    let now = Timestamp::now();
    let old = put_segment(
        &bucket,
        dir.path(),
        "gate",
        now - DAY * 40,
        now - DAY * 40 + SignedDuration::from_mins(15),
        true,
        &[],
    );

    // A dry run logs what it would delete and deletes nothing.
    let output = retention_pass(&s3, &["--camera", "gate", "--retention", "30d", "--dry-run"], &[]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report = summary(&output);
    assert_eq!((report["ok"].clone(), report["report"]["dryRun"].clone()), (true.into(), true.into()));
    assert_eq!(report["report"]["deletedObjects"], 2);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("would delete") && log.contains(&old[0]), "{log}");
    assert_eq!(present(&bucket, "gate").len(), 2, "a dry run deletes nothing");

    // A hold that cannot be read stops the pass before anything is deleted.
    std::fs::write(dir.path().join("bad.json"), "{not json").unwrap();
    let bad_hold = hold_key("", "gate", "bad");
    bucket.put(&dir.path().join("bad.json"), &bad_hold, "application/json", &[]);
    let output = retention_pass(&s3, &["--camera", "gate", "--retention", "30d"], &[]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = summary(&output);
    assert_eq!(report["error"]["kind"], FaultKind::RetentionFailed.as_str());
    assert!(report["error"]["message"].as_str().unwrap().contains(&bad_hold), "{report}");
    assert_eq!(present(&bucket, "gate").len(), 3, "nothing deleted while a hold is unreadable");
    bucket.delete(&bad_hold);

    // RETENTION from the environment, as the operator sets it.
    let output = retention_pass(&s3, &["--camera", "gate"], &[("RETENTION", "30d")]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report = summary(&output);
    assert_eq!(report["report"]["deletedObjects"], 2);
    assert!(report["report"]["requests"]["deleteObjects"].as_u64().unwrap() == 2, "{report}");
    assert!(present(&bucket, "gate").is_empty());

    // No retention anywhere, or a bad one: a configuration error, exit 2, one line naming the field.
    for (args, field) in [
        (&["--camera", "gate"][..], "--retention"),
        (&["--camera", "gate", "--retention", "5m"][..], "--retention"),
        (&["--camera", "../x", "--retention", "30d"][..], "--camera"),
    ] {
        let output = retention_pass(&s3, args, &[]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with(&format!("configuration error: {field}: ")), "{args:?}: {stderr}");
    }
}

#[test]
fn wrong_credentials_fail_the_pass_loudly_without_crashing_the_recorder() {
    let s3 = SeaweedFs::with_credentials("recorder-key", "recorder-secret");
    let bucket = Bucket::on(&s3, "camera-recordings");
    bucket.create();
    let camera = CameraSim::start(CameraOptions::default());
    let recorder = Recorder::start(&[
        ("CAMERA_1_URL", &camera.url()),
        ("CAMERA_1_ID", "porch"),
        ("S3_ENDPOINT", &s3.endpoint()),
        ("S3_ACCESS_KEY", "recorder-key"),
        ("S3_SECRET_KEY", "not-the-secret-x9"),
        ("RETENTION", "30d"),
        ("RETENTION_FIRST_PASS_DELAY", "1s"),
    ]);
    let fault = wait_until(Duration::from_secs(30), "the failed pass in /status", || {
        let pass = retention_of(&recorder.status()).last_pass.clone()?;
        (!pass.ok).then_some(pass.error?)
    });
    assert_eq!(fault.kind, FaultKind::StorageAuthFailed, "{fault:?}");
    assert_eq!(recorder.ready().0, 503, "and the storage problem shows in /ready as ever");
    assert_eq!(
        recorder.sample("camera_recorder_retention_pass_failures_total{camera=\"porch\",reason=\"StorageAuthFailed\"}"),
        Some(1.0)
    );
    assert!(
        testkit::recorder::http_get(recorder.port, "/health").is_some_and(|(code, _)| code == 200),
        "still running"
    );
    let logs = recorder.logs();
    assert!(logs.contains("retention pass failed"), "{logs}");
    for text in [logs, recorder.metrics(), serde_json::to_string(&recorder.status()).unwrap()] {
        assert!(!text.contains("not-the-secret-x9"), "the secret leaked: {text}");
    }

    let output = retention_pass(
        &s3,
        &["--camera", "porch", "--retention", "30d"],
        &[("S3_ACCESS_KEY", "recorder-key"), ("S3_SECRET_KEY", "not-the-secret-x9")],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1), "a failed one-shot pass exits 1");
    assert_eq!(summary(&output)["error"]["kind"], "StorageAuthFailed");
    let everything = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!everything.contains("not-the-secret-x9"));
}

#[tokio::test]
async fn incomplete_uploads_older_than_a_day_are_aborted_under_the_camera_only() {
    let (s3, bucket) = storage();
    let ours = bucket.start_multipart("porch/2026/01/01/porch_20260101T000000Z.mp4");
    let theirs = bucket.start_multipart("gate/2026/01/01/gate_20260101T000000Z.mp4");
    let store = recorder::retention::Store {
        client: recorder::storage::client(&recorder::config::StorageConfig {
            endpoint: Some(s3.endpoint()),
            bucket: "camera-recordings".into(),
            region: "us-east-1".into(),
            prefix: String::new(),
            credentials: None,
            part_size: recorder::config::DEFAULT_PART_SIZE,
            upload_concurrency: 1,
        }),
        bucket: "camera-recordings".into(),
        prefix: String::new(),
        redactor: std::sync::Arc::new(recorder::redact::Redactor::default()),
        dry_run: false,
        delete_batch: 1000,
        pace: recorder::retention::Pace::per_second(recorder::retention::DELETE_REQUESTS_PER_SECOND),
    };
    let retention = Duration::from_secs(30 * 86_400);
    // Started just now: not old enough.
    let (report, result) = store.pass("porch", retention, Timestamp::now()).await;
    result.unwrap();
    assert_eq!(report.aborted_uploads, 0);
    assert_eq!(bucket.multipart_uploads("porch/").len(), 1);
    // A day and an hour later, as the pass sees it.
    let (report, result) = store.pass("porch", retention, Timestamp::now() + SignedDuration::from_hours(25)).await;
    result.unwrap();
    assert_eq!(report.aborted_uploads, 1);
    assert_eq!(report.requests.abort_multipart_upload, 1);
    assert!(bucket.multipart_uploads("porch/").iter().all(|(_, id)| *id != ours), "ours is aborted");
    assert!(bucket.multipart_uploads("gate/").iter().any(|(_, id)| *id == theirs), "another camera's is left alone");
}
