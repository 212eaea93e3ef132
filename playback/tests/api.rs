//! The playback API against footage the real recorder made (see `support`), read through the real
//! `camera-playback` by independent clients: curl for HTTP, FFmpeg and ffprobe for the media.

mod support;

use jiff::Timestamp;
use serde_json::Value;
use std::process::Command;
use support::{CAMERA, GOP_SECS, Recorded, plus, secs};
use testkit::http;
use testkit::playback::{Playback, TOKEN};

fn ts(value: &Value) -> Timestamp {
    value.as_str().unwrap_or_else(|| panic!("not a time: {value}")).parse().unwrap()
}

fn q(t: Timestamp) -> String {
    t.to_string()
}

/// `(time, is keyframe, width)` of every video frame FFmpeg decodes from `url` (given the bearer token).
fn decoded_frames(url: &str) -> Vec<(f64, bool, u32)> {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-headers", &format!("Authorization: Bearer {TOKEN}\r\n")])
        .args([
            "-select_streams",
            "v",
            "-show_entries",
            "frame=best_effort_timestamp_time,key_frame,width",
            "-of",
            "csv=p=0",
        ])
        .arg(url)
        .output()
        .unwrap();
    assert!(output.status.success(), "ffprobe {url}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(',');
            let key = fields.next()? == "1";
            let time = fields.next()?.parse().ok()?;
            let width = fields.next()?.parse().ok()?;
            Some((time, key, width))
        })
        .collect()
}

/// FFmpeg's complaints while decoding `url` with the token; empty when it plays cleanly.
fn decode_errors(url: &str) -> String {
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-headers", &format!("Authorization: Bearer {TOKEN}\r\n"), "-i", url])
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stderr).trim().to_owned()
}

fn file_errors(path: &std::path::Path) -> String {
    testkit::media::decodes_cleanly(path).err().unwrap_or_default()
}

fn longest_step(frames: &[(f64, bool, u32)]) -> f64 {
    frames.windows(2).map(|w| w[1].0 - w[0].0).fold(0.0, f64::max)
}

#[test]
fn recorded_footage_is_found_played_and_exported_through_the_api() {
    let recorded = support::record();
    let playback = Playback::start(&recorded.s3.endpoint(), &[]);
    timeline_matches_what_the_recorder_uploaded(&recorded, &playback);
    playback_starts_at_the_keyframe_and_runs_across_boundaries(&recorded, &playback);
    playback_skips_the_gap_and_survives_the_resolution_change(&recorded, &playback);
    exports_are_one_clean_file_of_the_requested_range(&recorded, &playback);
    segments_without_an_index_still_play(&recorded, &playback);
    nobody_gets_in_without_the_token(&playback);
    bad_input_gets_a_4xx_naming_the_parameter(&recorded, &playback);
    testkit::promtool_check_metrics(&http::get(&playback.url("/metrics"), &[]).text()).expect("promtool check metrics");
}

fn timeline_matches_what_the_recorder_uploaded(recorded: &Recorded, playback: &Playback) {
    let cameras = playback.get("/api/v1/cameras").json();
    let camera = &cameras["cameras"][0];
    assert_eq!(camera["id"], CAMERA, "{cameras}");
    assert_eq!(
        ts(&camera["first"]),
        recorded.hand_written.1,
        "the oldest footage is the hand-written object: {camera}"
    );
    let last = recorded.footage.last().unwrap();
    assert!(secs(last.end, ts(&camera["last"])).abs() < 0.01, "{camera}");
    assert_eq!((camera["codec"].as_str(), camera["resolution"].as_str()), (Some("h264"), Some("1280x720")));

    let (from, to) = (plus(recorded.footage[0].start, -60.0), plus(last.end, 60.0));
    let timeline = playback.get(&format!("/api/v1/cameras/{CAMERA}/timeline?start={}&end={}", q(from), q(to))).json();
    // What the recorder uploaded, merged the documented way: contiguous (< 1 s) and of one resolution.
    let mut expected: Vec<(Timestamp, Timestamp, u64)> = Vec::new();
    for f in &recorded.footage {
        match expected.last_mut() {
            Some(last) if secs(last.1, f.start) < 1.0 && last.2 == f.probed.width => last.1 = last.1.max(f.end),
            _ => expected.push((f.start, f.end, f.probed.width)),
        }
    }
    let spans = timeline["spans"].as_array().unwrap();
    assert_eq!(spans.len(), expected.len(), "spans {spans:?} vs uploaded {expected:?}");
    for (span, (start, end, width)) in spans.iter().zip(&expected) {
        assert!(
            secs(*start, ts(&span["start"])).abs() < 1.0 && secs(*end, ts(&span["end"])).abs() < 1.0,
            "{span} vs {start}..{end}"
        );
        assert!(span["resolution"].as_str().unwrap().starts_with(&format!("{width}x")), "{span}");
    }
    let gaps = timeline["gaps"].as_array().unwrap();
    let outage = gaps.iter().find(|g| secs(ts(&g["start"]), ts(&g["end"])) >= 19.0).expect("the outage is a gap");
    assert!(
        secs(recorded.gap.0, ts(&outage["start"])).abs() < 1.0 && secs(recorded.gap.1, ts(&outage["end"])).abs() < 1.0
    );
    for gap in gaps {
        let (start, end) = (ts(&gap["start"]), ts(&gap["end"]));
        let real =
            recorded.footage.windows(2).any(|w| secs(w[0].end, start).abs() < 1.0 && secs(w[1].start, end).abs() < 1.0);
        assert!(real, "gap {gap} is a hole between uploaded segments");
    }
    let day = recorded.footage[0].start.strftime("%Y-%m-%d").to_string();
    let by_day = playback.get(&format!("/api/v1/cameras/{CAMERA}/timeline?day={day}&tz=Europe/Berlin")).json();
    assert!(by_day["spans"].as_array().is_some_and(|s| !s.is_empty()), "a local day lists the footage: {by_day}");
    println!(
        "timeline: {} spans, {} gaps, matching the {} uploaded segments",
        spans.len(),
        gaps.len(),
        recorded.footage.len()
    );
}

fn playback_starts_at_the_keyframe_and_runs_across_boundaries(recorded: &Recorded, playback: &Playback) {
    let boundary = recorded.boundaries_low[0];
    let at = plus(boundary, -3.3);
    let plan = playback
        .get(&format!("/api/v1/cameras/{CAMERA}/playback?start={}&end={}", q(at), q(plus(boundary, 12.0))))
        .json();
    let start = ts(&plan["start"]);
    assert!(start <= at && secs(start, at) < GOP_SECS + 0.1, "starts at the keyframe at or before {at}: {plan}");
    let position = plan["startPosition"].as_f64().unwrap();
    assert!((position - secs(start, at)).abs() < 0.01, "startPosition is the media time of the instant: {plan}");
    assert_eq!(ts(&plan["pieces"][0]["wall"]), start);
    let frames = decoded_frames(&playback.url(plan["playlist"].as_str().unwrap()));
    assert!(frames[0].1, "the first decoded frame is a keyframe");
    let step = longest_step(&frames);
    let covered = frames.last().unwrap().0 - frames[0].0;
    assert!(step < 3.0 / 15.0, "decoded timestamps run on across the boundary: longest step {step:.3} s");
    assert!(covered > secs(start, boundary) + 5.0, "playback went on past the boundary: {covered:.1} s");
    println!(
        "playback from {at}: first frame {:.2} s earlier (a keyframe), longest step {:.0} ms over {covered:.1} s",
        secs(start, at),
        step * 1000.0
    );
}

fn playback_skips_the_gap_and_survives_the_resolution_change(recorded: &Recorded, playback: &Playback) {
    let (gap_start, gap_end) = recorded.gap;
    let at = plus(gap_start, -6.0);
    let plan = playback
        .get(&format!("/api/v1/cameras/{CAMERA}/playback?start={}&end={}", q(at), q(plus(gap_end, 8.0))))
        .json();
    let gap = &plan["gaps"][0];
    assert!(secs(gap_start, ts(&gap["start"])).abs() < 1.0 && secs(gap_end, ts(&gap["end"])).abs() < 1.0, "{plan}");
    let pieces = plan["pieces"].as_array().unwrap();
    let after =
        pieces.iter().find(|p| secs(gap_end, ts(&p["wall"])).abs() < 1.0).expect("a piece starts where the gap ends");
    assert_eq!(after["resolution"], "1280x720");
    assert!(
        (after["media"].as_f64().unwrap() - gap["media"].as_f64().unwrap()).abs() < 0.01,
        "the gap takes no media time"
    );
    let url = playback.url(plan["playlist"].as_str().unwrap());
    assert_eq!(decode_errors(&url), "", "the playlist across the gap and the resolution change decodes cleanly");
    let frames = decoded_frames(&url);
    assert!(frames.iter().any(|f| f.2 == 640) && frames.iter().any(|f| f.2 == 1280), "both resolutions play");
    assert!(longest_step(&frames) < 3.0 / 15.0, "the gap is collapsed, not a stall");
}

fn exports_are_one_clean_file_of_the_requested_range(recorded: &Recorded, playback: &Playback) {
    let dir = tempfile::tempdir().unwrap();
    let (b1, b2) = (recorded.boundaries_high[0], recorded.boundaries_high[1]);
    let (start, end) = (plus(b1, -3.0), plus(b2, 3.0));
    let path = format!("/api/v1/cameras/{CAMERA}/export?start={}&end={}", q(start), q(end));
    let head = http::request("HEAD", &playback.url(&path), &[&format!("Authorization: Bearer {TOKEN}")], None);
    assert_eq!(head.status, 200);
    let length: usize = head.header("content-length").unwrap().parse().unwrap();
    let disposition = head.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"porch_") && disposition.ends_with(".mp4\""),
        "{disposition}"
    );
    let whole = playback.get(&path);
    assert_eq!((whole.status, whole.header("content-type")), (200, Some("video/mp4")));
    assert_eq!(whole.body.len(), length, "Content-Length was known up front");
    let file = dir.path().join("clip.mp4");
    std::fs::write(&file, &whole.body).unwrap();
    assert_eq!(file_errors(&file), "", "ffmpeg -v error prints nothing for the export");
    let probed = testkit::media::probe(&file).unwrap();
    let header_time = |name: &str| -> Timestamp { whole.header(name).unwrap().parse().unwrap() };
    let (footage_start, footage_end) = (header_time("x-footage-start"), header_time("x-footage-end"));
    assert!(
        footage_start <= start && secs(footage_start, start) < GOP_SECS + 0.1,
        "starts within a GOP before {start}: {footage_start}"
    );
    assert!(
        footage_end >= end && secs(end, footage_end) < GOP_SECS + 0.1,
        "ends within a GOP after {end}: {footage_end}"
    );
    let requested = secs(start, end);
    assert!((probed.duration - secs(footage_start, footage_end)).abs() < 0.3, "{probed:?}");
    println!(
        "export across two boundaries: {requested:.1} s asked, {:.2} s in the file ({length} bytes)",
        probed.duration
    );

    // A resumed download gets exactly the rest of the same bytes.
    let etag = whole.header("etag").unwrap().to_owned();
    let tail = playback.get_with(&path, &["Range: bytes=100000-", &format!("If-Range: {etag}")]);
    assert_eq!(tail.status, 206);
    assert_eq!(tail.header("content-range"), Some(format!("bytes 100000-{}/{length}", length - 1).as_str()));
    assert!(tail.body == whole.body[100000..], "the range is the same bytes as the whole file's tail");

    // Across the outage and the resolution change: one file that plays, with both resolutions.
    let (gap_start, gap_end) = recorded.gap;
    let across = playback.get(&format!(
        "/api/v1/cameras/{CAMERA}/export?start={}&end={}",
        q(plus(gap_start, -5.0)),
        q(plus(gap_end, 5.0))
    ));
    let file = dir.path().join("across.mp4");
    std::fs::write(&file, &across.body).unwrap();
    assert_eq!(file_errors(&file), "", "the export across the resolution change decodes cleanly");
    let url = file.display().to_string();
    let widths: std::collections::BTreeSet<u32> = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v", "-show_entries", "frame=width", "-of", "csv=p=0", &url])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().filter_map(|l| l.trim().parse().ok()).collect())
        .unwrap();
    assert!(widths.contains(&640) && widths.contains(&1280), "{widths:?}");
}

fn segments_without_an_index_still_play(recorded: &Recorded, playback: &Playback) {
    let dir = tempfile::tempdir().unwrap();
    let segment = &recorded.unindexed;
    let path = format!(
        "/api/v1/cameras/{CAMERA}/export?start={}&end={}",
        q(plus(segment.start, 1.0)),
        q(plus(segment.end, -1.0))
    );
    let export = playback.get(&path);
    assert_eq!(export.status, 200, "{}", export.text());
    let file = dir.path().join("unindexed.mp4");
    std::fs::write(&file, &export.body).unwrap();
    assert_eq!(file_errors(&file), "", "a segment without an index object is indexed from its video and plays");

    let (_, opened) = &recorded.hand_written;
    let timeline = playback
        .get(&format!(
            "/api/v1/cameras/{CAMERA}/timeline?start={}&end={}",
            q(plus(*opened, -10.0)),
            q(plus(*opened, 60.0))
        ))
        .json();
    let span = &timeline["spans"][0];
    assert_eq!(ts(&span["start"]), *opened, "a hand-written object starts at its name's time: {timeline}");
    let length = secs(ts(&span["start"]), ts(&span["end"]));
    assert!((length - recorded.footage[1].probed.duration).abs() < 0.5, "its length comes from its video: {length}");
    let export =
        playback.get(&format!("/api/v1/cameras/{CAMERA}/export?start={}&end={}", q(*opened), q(plus(*opened, 5.0))));
    let file = dir.path().join("hand.mp4");
    std::fs::write(&file, &export.body).unwrap();
    assert_eq!(file_errors(&file), "", "the hand-written object plays");
    assert!(playback.logs().contains("indexed a segment that had no index object"));
}

fn nobody_gets_in_without_the_token(playback: &Playback) {
    let openapi = http::get(&playback.url("/api/v1/openapi.json"), &[]).json();
    let open_routes = ["/api/v1/login", "/api/v1/logout", "/api/v1/openapi.json"];
    let mut checked = 0;
    for (route, methods) in openapi["paths"].as_object().unwrap() {
        if open_routes.contains(&route.as_str()) {
            continue;
        }
        let path =
            route.replace("{id}", CAMERA).replace("{file}", "porch_20261123T100000Z.mp4").replace("{hold}", "1-a");
        for method in methods.as_object().unwrap().keys() {
            let method = method.to_ascii_uppercase();
            for headers in [
                vec![],
                vec!["Authorization: Bearer wrong-token-0123456789"],
                vec!["Cookie: cto_session=v1.9999999999.00"],
            ] {
                let response = http::request(&method, &playback.url(&path), &headers, None);
                assert_eq!(response.status, 401, "{method} {path} with {headers:?}: {}", response.text());
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 10 * 3, "each of the 10 protected routes and methods, three ways");

    let wrong = http::request("POST", &playback.url("/api/v1/login"), &[], Some(r#"{"token":"nope"}"#));
    assert_eq!(wrong.status, 401);
    let login = http::request("POST", &playback.url("/api/v1/login"), &[], Some(&format!(r#"{{"token":"{TOKEN}"}}"#)));
    assert_eq!(login.status, 204);
    let cookie = login.header("set-cookie").unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains(TOKEN), "{cookie}");
    let session = cookie.split(';').next().unwrap();
    let with_session = http::get(&playback.url("/api/v1/cameras"), &[&format!("Cookie: {session}")]);
    assert_eq!(with_session.status, 200, "the session cookie lets the browser in");
}

fn bad_input_gets_a_4xx_naming_the_parameter(recorded: &Recorded, playback: &Playback) {
    let t = recorded.footage[2].start;
    let (a, b) = (q(t), q(plus(t, 5.0)));
    let cases: Vec<(String, u16, &str)> = vec![
        (format!("/api/v1/cameras/nobody/timeline?start={a}&end={b}"), 404, "camera:"),
        (format!("/api/v1/cameras/..%2F..%2Fetc/timeline?start={a}&end={b}"), 400, "camera:"),
        (format!("/api/v1/cameras/{CAMERA}%2F..%2Fother/playback?start={a}"), 400, "camera:"),
        (format!("/api/v1/cameras/{CAMERA}/timeline?start=yesterday&end={b}"), 400, "start:"),
        (format!("/api/v1/cameras/{CAMERA}/timeline?start={b}&end={a}"), 400, "end:"),
        (format!("/api/v1/cameras/{CAMERA}/timeline?day=2026-02-30"), 400, "day:"),
        (format!("/api/v1/cameras/{CAMERA}/timeline?day=2026-11-23&tz=Mars%2FOlympus"), 400, "tz:"),
        (format!("/api/v1/cameras/{CAMERA}/playback"), 400, "start:"),
        (format!("/api/v1/cameras/{CAMERA}/playback?start=2001-01-01T00:00:00Z"), 404, "start:"),
        (format!("/api/v1/cameras/{CAMERA}/export?start={a}"), 400, "end:"),
        (format!("/api/v1/cameras/{CAMERA}/export?start={a}&end={}", q(plus(t, 25.0 * 3600.0))), 400, "end:"),
        (format!("/api/v1/cameras/{CAMERA}/media/..%2F..%2Fsecret.mp4"), 400, "file:"),
        (format!("/api/v1/cameras/{CAMERA}/media/porch_20261123T100000Z.mp4?shift=lots"), 400, "shift:"),
        ("/api/v1/nothing-here".to_owned(), 404, "no such API route"),
    ];
    for (path, status, names) in cases {
        let response = playback.get(&path);
        let message = response.json()["error"].as_str().unwrap_or_default().to_owned();
        assert_eq!(response.status, status, "{path}: {message}");
        assert!(message.starts_with(names) || message.contains(names), "{path}: '{message}' names '{names}'");
    }
    let segment = recorded.footage[2].key.rsplit('/').next().unwrap().to_owned();
    let unaligned = playback.get_with(&format!("/api/v1/cameras/{CAMERA}/media/{segment}"), &["Range: bytes=7-100"]);
    assert_eq!(unaligned.status, 416, "a range that splits a fragment: {}", unaligned.text());
}
