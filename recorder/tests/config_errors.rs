//! Bad configuration: one clear line naming the field and the fix, exit code 2, and nothing written.

use std::process::{Command, Output};

fn run(env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(testkit::recorder_binary())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .args(args)
        .output()
        .expect("run camera-recorder")
}

/// Runs a configuration that must be rejected, and checks the shape of the rejection.
fn rejected(env: &[(&str, &str)], args: &[&str], field: &str, fix: &str) -> String {
    let output = run(env, args);
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    assert_eq!(output.status.code(), Some(2), "{env:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with(&format!("configuration error: {field}: ")), "names {field}: {stderr}");
    assert!(stderr.contains(fix), "says how to fix it ({fix}): {stderr}");
    stderr
}

const URL: &str = "rtsp://admin:hunter2@cam.local/stream";

/// An environment, the field its error must name, and a phrase of the fix.
type Case = (&'static [(&'static str, &'static str)], &'static str, &'static str);

#[test]
fn each_bad_configuration_is_one_line_naming_the_field_and_the_fix_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let spool = spool.to_str().unwrap();
    let cases: &[Case] = &[
        (&[], "CAMERA_1_URL", "set CAMERA_1_URL"),
        (&[("CAMERA_1_URL", "cam.local/stream")], "CAMERA_1_URL", "rtsp://[user:password@]host"),
        (&[("CAMERA_1_URL", "http://admin:hunter2@cam.local/stream")], "CAMERA_1_URL", "use rtsp://"),
        (&[("CAMERA_1_URL", "rtsp://admin:hun@ter2@cam/s")], "CAMERA_1_URL", "percent-encode"),
        (&[("CAMERA_1_URL", "rtsp://admin:hunter2%x@cam/s")], "CAMERA_1_URL", "'%' not followed by two hex digits"),
        (&[("CAMERA_1_URL", URL), ("SEGMENT_DURATION", "5s")], "SEGMENT_DURATION", "choose between 10s and 1h"),
        (&[("CAMERA_1_URL", URL), ("SEGMENT_DURATION", "61m")], "SEGMENT_DURATION", "choose between 10s and 1h"),
        (
            &[("CAMERA_1_URL", URL), ("CAMERA_2_URL", URL), ("CAMERA_2_ID", "camera-1")],
            "CAMERA_2_ID (or cameras[1].id)",
            "its own id",
        ),
    ];
    for (env, field, fix) in cases {
        let mut env = env.to_vec();
        env.push(("TEMP_DIR", spool));
        let line = rejected(&env, &[], field, fix);
        assert!(!line.contains("hunter2"), "no credentials in errors: {line}");
        assert!(!dir.path().join("spool").exists(), "nothing is written for a bad configuration ({field})");
    }
}

#[test]
fn an_unwritable_spool_directory_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"").unwrap();
    let spool = blocker.join("spool");
    rejected(
        &[("CAMERA_1_URL", "rtsp://cam/s"), ("TEMP_DIR", spool.to_str().unwrap())],
        &[],
        "TEMP_DIR (or storage.temp_dir)",
        "point it at a writable directory",
    );
}

#[test]
fn duplicate_ids_in_the_file_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("recorder.toml");
    std::fs::write(
        &file,
        "[[cameras]]\nid = \"door\"\nurl = \"rtsp://a/s\"\n\n[[cameras]]\nid = \"door\"\nurl = \"rtsp://b/s\"\n",
    )
    .unwrap();
    let spool = dir.path().join("spool");
    rejected(
        &[("TEMP_DIR", spool.to_str().unwrap())],
        &["--config", file.to_str().unwrap()],
        "CAMERA_2_ID (or cameras[1].id)",
        "used twice",
    );
    assert!(!spool.exists());
}

#[test]
fn check_config_validates_the_shipped_example_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let example = testkit::repo_root().join("config.example.toml");
    let spool = dir.path().join("spool");
    let output =
        run(&[("TEMP_DIR", spool.to_str().unwrap())], &["--config", example.to_str().unwrap(), "--check-config"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.starts_with("configuration OK: "), "{stdout}");
    assert!(!stdout.contains("change-me"), "credentials are not printed: {stdout}");
}
