//! The web UI in a real browser (Debian's Chromium, driven by playwright-core) against the real
//! `camera-playback` serving footage the real recorder made (see `support`). The browser side is
//! `playback/ui/tests/browser.mjs`; this test records the footage, starts the server and runs it.

mod support;

use std::process::Command;
use support::{plus, secs};
use testkit::playback::{Playback, TOKEN};

#[test]
fn the_web_ui_finds_plays_and_exports_recorded_footage_in_chromium() {
    let recorded = support::record();
    let playback = Playback::start(&recorded.s3.endpoint(), &[]);
    // A boundary inside continuous footage with at least 3 s before it and 10 s after it.
    let boundary = *recorded
        .boundaries_high
        .iter()
        .find(|b| {
            recorded.footage.iter().any(|f| f.start <= plus(**b, -3.5))
                && secs(**b, recorded.footage.last().unwrap().end) > 10.0
        })
        .expect("a boundary with footage around it");
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
