//! Footage made by the real recorder from the camera simulator into SeaweedFS, shaped like what users have:
//! 10 s segments, a 20 s camera outage, a restart at another resolution, a recorder SIGKILL (a crash leftover
//! uploaded by the next run), a segment whose index object is missing (layout 1, or a failed index upload)
//! and an object written by hand, with no metadata and no index.

#![allow(dead_code)] // each test binary uses its own part of this

use jiff::{SignedDuration, Timestamp};
use std::time::Duration;
use testkit::bucket::Bucket;
use testkit::camera::{CameraOptions, CameraSim};
use testkit::footage::{self, Footage};
use testkit::recorder::Recorder;
use testkit::seaweed::SeaweedFs;
use testkit::wait_until;

pub const CAMERA: &str = "porch";
/// The simulator's keyframe interval: 30 frames at 15 fps.
pub const GOP_SECS: f64 = 2.0;

pub struct Recorded {
    pub s3: SeaweedFs,
    pub bucket: Bucket,
    /// Every segment the recorder uploaded, checked, sorted by start.
    pub footage: Vec<Footage>,
    /// The outage: end of the footage before it, start of the footage after.
    pub gap: (Timestamp, Timestamp),
    /// Boundaries between contiguous segments of one run, at 640x360 and at 1280x720.
    pub boundaries_low: Vec<Timestamp>,
    pub boundaries_high: Vec<Timestamp>,
    /// The segment whose index object was deleted.
    pub unindexed: Footage,
    /// The hand-written object: no metadata, no index.
    pub hand_written: (String, Timestamp),
}

/// Keeps a fault in place for the length of the scenario: the fault's duration, not a wait for a condition.
fn hold_fault_for(duration: Duration) {
    std::thread::sleep(duration);
}

fn uploaded(recorder: &Recorder) -> u64 {
    recorder.status().cameras[0].counters.segments_uploaded
}

fn wait_for_uploads(recorder: &Recorder, count: u64, what: &str) {
    wait_until(Duration::from_secs(120), what, || (uploaded(recorder) >= count).then_some(()));
}

pub fn secs(a: Timestamp, b: Timestamp) -> f64 {
    b.duration_since(a).as_secs_f64()
}

pub fn record() -> Recorded {
    let s3 = SeaweedFs::start();
    let bucket = Bucket::on(&s3, "camera-recordings");
    bucket.create();
    let mut camera =
        CameraSim::start(CameraOptions { width: 640, height: 360, audio: "aac", ..CameraOptions::default() });
    let mut recorder = Recorder::start(&[
        ("CAMERA_1_URL", &camera.url()),
        ("CAMERA_1_ID", CAMERA),
        ("S3_ENDPOINT", &s3.endpoint()),
        ("SEGMENT_DURATION", "10s"),
        ("STALL_TIMEOUT", "10s"),
    ]);
    wait_for_uploads(&recorder, 4, "four segments at 640x360");

    camera.stop();
    hold_fault_for(Duration::from_secs(20));
    camera.options.width = 1280;
    camera.options.height = 720;
    camera.restart();
    let before = uploaded(&recorder);
    wait_for_uploads(&recorder, before + 4, "four segments at 1280x720 after the outage");

    // A crash mid-segment: the segment being written (a few fragments in) stays in the spool, and the next run
    // uploads it.
    wait_until(Duration::from_secs(30), "a few fragments in the segment being written", || {
        let newest = recorder.spooled(CAMERA).pop()?;
        (std::fs::metadata(newest).ok()?.len() > 150_000).then_some(())
    });
    recorder.kill();
    recorder.restart();
    wait_for_uploads(&recorder, 2, "the crash leftover and a new segment uploaded by the next run");
    recorder.terminate(Duration::from_secs(60));
    drop(camera);

    let recorded = footage::check_all(&bucket, CAMERA);
    let gaps = footage::gaps(&recorded, 5.0);
    let gap =
        gaps.iter().find(|(_, _, secs)| *secs >= 19.0).map(|(a, b, _)| (*a, *b)).expect("the 20 s outage is a gap");
    let boundaries = |width: u64| -> Vec<Timestamp> {
        recorded
            .windows(2)
            .filter(|p| {
                p[0].probed.width == width && p[1].probed.width == width && secs(p[0].end, p[1].start).abs() < 0.2
            })
            .map(|p| p[1].start)
            .collect()
    };
    let (boundaries_low, boundaries_high) = (boundaries(640), boundaries(1280));
    assert!(boundaries_low.len() >= 2 && boundaries_high.len() >= 2, "contiguous segments on both sides of the outage");

    // Layout 1 (or a lost index upload): the segment is there with its metadata, its index is not.
    let unindexed = recorded[recorded.len() / 2 - 1].clone();
    let index_keys: Vec<String> = bucket
        .list(&format!("{CAMERA}/"))
        .into_iter()
        .map(|o| o.key)
        .filter(|k| k.starts_with(&format!("{}.", unindexed.key)))
        .collect();
    assert_eq!(index_keys.len(), 1, "the recorder wrote one index for {}: {index_keys:?}", unindexed.key);
    bucket.delete(&index_keys[0]);

    // By hand: a copy of a segment an hour before the first footage, with neither metadata nor index.
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("copy.mp4");
    bucket.download(&recorded[1].key, &local);
    let opened = Timestamp::from_second(recorded[0].start.as_second() - 3600).unwrap();
    let key = crds::contract::storage::segment_key("", CAMERA, opened);
    bucket.upload(&local, &key);
    let hand_written = (key, opened);

    Recorded { s3, bucket, footage: recorded, gap, boundaries_low, boundaries_high, unindexed, hand_written }
}

pub fn plus(t: Timestamp, secs: f64) -> Timestamp {
    t.checked_add(SignedDuration::from_secs_f64(secs)).unwrap()
}
