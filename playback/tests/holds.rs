//! Holds through the real camera-playback into a real SeaweedFS, checked with an independent S3 client: they
//! land where the storage contract says, as the contract's JSON, and nothing else in the bucket changes.

use crds::contract::storage::{self, Hold};
use testkit::bucket::Bucket;
use testkit::http;
use testkit::playback::{Playback, TOKEN};
use testkit::seaweed::SeaweedFs;

const CAMERA: &str = "yard";

fn post(playback: &Playback, path: &str, body: &str) -> http::Response {
    http::request("POST", &playback.url(path), &[&format!("Authorization: Bearer {TOKEN}")], Some(body))
}

fn delete(playback: &Playback, path: &str) -> http::Response {
    http::request("DELETE", &playback.url(path), &[&format!("Authorization: Bearer {TOKEN}")], None)
}

#[test]
fn holds_are_created_listed_and_removed_in_the_bucket() {
    let s3 = SeaweedFs::start();
    let bucket = Bucket::on(&s3, "camera-recordings");
    bucket.create();
    // Two seconds of footage, uploaded by hand (no metadata, no index): camera-playback indexes it itself.
    let dir = tempfile::tempdir().unwrap();
    let footage = dir.path().join("segment.mp4");
    testkit::media::write_fragmented_mp4(&footage, 2, "160x90");
    let segment = storage::segment_key("", CAMERA, "2026-11-23T22:00:00Z".parse().unwrap());
    bucket.upload(&footage, &segment);
    let playback = Playback::start(&s3.endpoint(), &[]);
    let holds = format!("/api/v1/cameras/{CAMERA}/holds");

    assert_eq!(playback.get(&holds).json()["holds"], serde_json::json!([]));
    let created = post(
        &playback,
        &holds,
        r#"{"start":"2026-11-23T22:10:00Z","end":"2026-11-24T01:30:00Z","reason":"break-in, report 4711"}"#,
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let hold: Hold = serde_json::from_slice(&created.body).unwrap();
    assert_eq!((hold.camera.as_str(), hold.reason.as_str()), (CAMERA, "break-in, report 4711"));

    // Where the contract says, as the contract's JSON, read with the aws CLI.
    let key = storage::hold_key("", CAMERA, &hold.id);
    let keys: Vec<String> = bucket.list(&format!("{CAMERA}/")).into_iter().map(|o| o.key).collect();
    assert_eq!(keys, [segment.clone(), key.clone()], "one new object: the hold");
    let stored = dir.path().join("hold.json");
    bucket.download(&key, &stored);
    let stored: Hold = serde_json::from_slice(&std::fs::read(&stored).unwrap()).unwrap();
    assert_eq!(stored, hold);

    // A month in one request: one listing runs across the days (and past the holds folder, which is no day).
    let month = playback
        .get(&format!("/api/v1/cameras/{CAMERA}/timeline?start=2026-11-01T00:00:00Z&end=2026-12-01T00:00:00Z"))
        .json();
    assert_eq!(month["spans"][0]["start"], "2026-11-23T22:00:00Z", "{month}");
    assert_eq!(month["spans"].as_array().map(Vec::len), Some(1), "{month}");
    // The holds folder sorts after the date folders: the camera's newest footage is still found.
    let camera = &playback.get("/api/v1/cameras").json()["cameras"][0];
    assert_eq!(camera["last"], "2026-11-23T22:00:02Z", "the last footage, with a hold in the bucket: {camera}");
    let second = post(&playback, &holds, r#"{"start":"2026-11-23T20:00:00Z","end":"2026-11-23T20:05:00Z"}"#);
    assert_eq!(second.status, 201);
    let listed = playback.get(&holds).json();
    let starts: Vec<&str> = listed["holds"].as_array().unwrap().iter().map(|h| h["start"].as_str().unwrap()).collect();
    assert_eq!(starts, ["2026-11-23T20:00:00Z", "2026-11-23T22:10:00Z"], "sorted by start");

    assert_eq!(delete(&playback, &format!("{holds}/{}", hold.id)).status, 204);
    assert_eq!(delete(&playback, &format!("{holds}/{}", hold.id)).status, 404, "a removed hold is gone");
    assert_eq!(playback.get(&holds).json()["holds"].as_array().unwrap().len(), 1);
    assert!(!bucket.list(&format!("{CAMERA}/")).iter().any(|o| o.key == key));

    for (body, names) in [
        (r#"{"start":"2026-11-24T01:00:00Z","end":"2026-11-23T01:00:00Z"}"#, "end:"),
        (r#"{"end":"2026-11-23T01:00:00Z"}"#, "start:"),
        (r#"{"start":"soon","end":"2026-11-23T01:00:00Z"}"#, "start:"),
        ("not json", "start:"),
    ] {
        let response = post(&playback, &holds, body);
        assert_eq!(response.status, 400, "{body}");
        assert!(response.json()["error"].as_str().unwrap().starts_with(names), "{body}: {}", response.text());
    }
    let long =
        format!(r#"{{"start":"2026-11-23T20:00:00Z","end":"2026-11-23T21:00:00Z","reason":"{}"}}"#, "x".repeat(501));
    assert!(post(&playback, &holds, &long).json()["error"].as_str().unwrap().starts_with("reason:"));
    assert_eq!(delete(&playback, &format!("{holds}/..%2F..%2Fsegment")).status, 400, "path tricks in a hold id");
    assert_eq!(
        post(
            &playback,
            "/api/v1/cameras/nobody/holds",
            r#"{"start":"2026-11-23T20:00:00Z","end":"2026-11-23T21:00:00Z"}"#
        )
        .status,
        404
    );
    let anonymous = http::request(
        "POST",
        &playback.url(&holds),
        &[],
        Some(r#"{"start":"2026-11-23T20:00:00Z","end":"2026-11-23T21:00:00Z"}"#),
    );
    assert_eq!(anonymous.status, 401);
    assert_eq!(playback.get(&holds).json()["holds"].as_array().unwrap().len(), 1, "no bad request wrote anything");
}
