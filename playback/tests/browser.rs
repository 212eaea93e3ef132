//! The web UI in a real browser (Debian's Chromium, driven by playwright-core) against the real
//! `camera-playback` serving footage the real recorder made (see `support`). The browser side is
//! `playback/ui/tests/browser.mjs`; this test records the footage, starts the server and runs it.

mod support;

use std::process::Command;
use support::secs;
use testkit::playback::{Playback, TOKEN};

#[test]
fn the_web_ui_finds_plays_and_exports_recorded_footage_in_chromium() {
    let recorded = support::record();
    let playback = Playback::start(&recorded.s3.endpoint(), &[]);
    // A boundary between two whole segments: the browser test plays from 3 s before it and exports 7.5 s on
    // either side, all of which must be footage (the first segment after a reconnect is short).
    let whole = |f: &testkit::footage::Footage| secs(f.start, f.end) >= 9.0;
    let boundary = *recorded
        .boundaries_high
        .iter()
        .find(|b| {
            let ends_here = recorded.footage.iter().any(|f| whole(f) && secs(f.end, **b).abs() < 0.2);
            let starts_here = recorded.footage.iter().any(|f| whole(f) && secs(f.start, **b).abs() < 0.2);
            ends_here && starts_here
        })
        .expect("a boundary between two whole segments");
    let shots = testkit::repo_root().join("target/playback-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let ui = testkit::repo_root().join("playback/ui");
    let output = Command::new("node")
        .arg("tests/browser.mjs")
        .current_dir(&ui)
        .env("PLAYBACK_URL", playback.url(""))
        .env("PLAYBACK_TOKEN", TOKEN)
        .env("CAMERA", support::CAMERA)
        .env("BOUNDARY", boundary.to_string())
        .env("GAP_START", recorded.gap.0.to_string())
        .env("GAP_END", recorded.gap.1.to_string())
        .env("SCREENSHOT_DIR", &shots)
        .output()
        .expect("run node (installed with npm by scripts/install-deps.sh)");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    println!("{stdout}");
    assert!(output.status.success(), "the browser test failed:\n{stdout}\n{stderr}");
    println!("screenshots: {}", shots.display());
}
