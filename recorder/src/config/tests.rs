use super::*;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn error(file: Option<&str>, pairs: &[(&str, &str)]) -> ConfigError {
    load(file, &env(pairs)).expect_err("configuration should be rejected")
}

const URL: &str = "rtsp://admin:s3cr%40t@cam.local:554/stream";

#[test]
fn a_url_and_an_endpoint_give_fifteen_minute_segments_into_the_default_bucket() {
    let config = load(None, &env(&[("CAMERA_1_URL", URL), ("S3_ENDPOINT", "http://seaweedfs:8333")])).unwrap();
    assert_eq!(config.recording.segment_duration, Duration::from_secs(900));
    assert_eq!(config.storage.bucket, "camera-recordings");
    assert_eq!(config.recording.spool_dir, PathBuf::from("/tmp/camera-recordings"));
    assert_eq!(config.cameras.len(), 1);
    assert_eq!(config.cameras[0].id, "camera-1");
    assert_eq!(config.cameras[0].transport, Transport::Tcp);
    assert_eq!(config.listen.port(), 8080);
    assert_eq!(config.recording.max_backoff, Duration::from_secs(10), "reconnects are retried at least every 10 s");
    assert!(!config.summary().contains("s3cr"));
}

const FILE: &str = r#"
[[cameras]]
id = "front-door"
name = "Front door"
url = "rtsp://cam1.local/stream"
enabled = true
resolution = "1920x1080"
fps = 15

[[cameras]]
id = "yard"
url = "rtsp://cam2.local/stream"
enabled = false

[storage]
s3_endpoint = "http://seaweedfs:8333"
s3_bucket = "footage"
s3_region = "eu-west-1"
segment_duration_minutes = 5
"#;

#[test]
fn the_file_describes_many_cameras() {
    let config = load(Some(FILE), &HashMap::new()).unwrap();
    assert_eq!(config.cameras.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["front-door", "yard"]);
    assert_eq!(config.cameras[0].expected_resolution, Some((1920, 1080)));
    assert_eq!(config.cameras[0].expected_fps, Some(15));
    assert!(!config.cameras[1].enabled);
    assert_eq!(config.storage.bucket, "footage");
    assert_eq!(config.storage.region, "eu-west-1");
    assert_eq!(config.recording.segment_duration, Duration::from_secs(300));
    assert_eq!(config.enabled_cameras().count(), 1);
}

#[test]
fn the_environment_overrides_the_file() {
    let config = load(
        Some(FILE),
        &env(&[("CAMERA_2_URL", "rtsp://other/stream"), ("S3_BUCKET", "override"), ("SEGMENT_DURATION", "10s")]),
    )
    .unwrap();
    assert_eq!(config.cameras[1].url.expose(), "rtsp://other/stream");
    assert_eq!(config.cameras[1].id, "yard");
    assert_eq!(config.storage.bucket, "override");
    assert_eq!(config.recording.segment_duration, Duration::from_secs(10));
}

#[test]
fn the_file_accepts_the_duration_form_too() {
    let file = "[[cameras]]\nurl = \"rtsp://c/s\"\n[storage]\nsegment_duration = \"10m\"\n";
    assert_eq!(load(Some(file), &HashMap::new()).unwrap().recording.segment_duration, Duration::from_secs(600));
    let both =
        "[[cameras]]\nurl = \"rtsp://c/s\"\n[storage]\nsegment_duration = \"10m\"\nsegment_duration_minutes = 10\n";
    assert!(error(Some(both), &[]).problem.contains("keep only one"));
}

/// An environment, the field its error must name, and a phrase of the problem or fix.
type Case = (&'static [(&'static str, &'static str)], &'static str, &'static str);

#[test]
fn each_bad_input_names_its_field_and_the_fix() {
    let cases: &[Case] = &[
        (&[], "CAMERA_1_URL", "no camera is configured"),
        (&[("CAMERA_1_URL", "cam.local/stream")], "CAMERA_1_URL", "use rtsp://"),
        (&[("CAMERA_1_URL", "http://admin:hunter2@cam/s")], "CAMERA_1_URL", "scheme 'http' is not supported"),
        (&[("CAMERA_1_URL", URL), ("SEGMENT_DURATION", "5s")], "SEGMENT_DURATION", "choose between 10s and 1h"),
        (&[("CAMERA_1_URL", URL), ("SEGMENT_DURATION", "2h")], "SEGMENT_DURATION", "out of range"),
        (&[("CAMERA_1_URL", URL), ("SEGMENT_DURATION", "soon")], "SEGMENT_DURATION", "like 15m"),
        (&[("CAMERA_1_URL", URL), ("CAMERA_3_URL", URL)], "CAMERA_2_URL (or cameras[1].url)", "is missing"),
        (
            &[("CAMERA_1_URL", URL), ("CAMERA_2_URL", URL), ("CAMERA_1_ID", "a"), ("CAMERA_2_ID", "a")],
            "CAMERA_2_ID (or cameras[1].id)",
            "used twice",
        ),
        (&[("CAMERA_1_URL", URL), ("S3_BUCKET", "My_Bucket")], "S3_BUCKET", "not a valid bucket name"),
        (&[("CAMERA_1_URL", URL), ("S3_ENDPOINT", "seaweedfs:8333")], "S3_ENDPOINT", "like http://"),
        (&[("CAMERA_1_URL", URL), ("S3_ACCESS_KEY", "AKID")], "S3_SECRET_KEY", "set both or neither"),
        (&[("CAMERA_1_URL", URL), ("CAMERA_1_FPS", "0")], "CAMERA_1_FPS", "out of range"),
        (&[("CAMERA_1_URL", URL), ("CAMERA_1_TRANSPORT", "quic")], "CAMERA_1_TRANSPORT", "write tcp or udp"),
        (&[("CAMERA_1_URL", URL), ("CAMERA_1_ID", "../etc")], "CAMERA_1_ID", "not a valid camera id"),
        (&[("CAMERA_1_URL", URL), ("SPOOL_MAX_BYTES", "lots")], "SPOOL_MAX_BYTES", "like 10Gi"),
        (&[("CAMERA_1_URL", URL), ("LISTEN_ADDR", "everywhere")], "LISTEN_ADDR", "like 0.0.0.0:8080"),
    ];
    for (pairs, field, problem) in cases {
        let err = error(None, pairs);
        assert_eq!(err.field, *field, "{pairs:?}: {err}");
        assert!(err.problem.contains(problem), "{pairs:?}: {err}");
        let line = err.to_string();
        assert!(!line.contains('\n') && !line.contains("hunter2") && !line.contains("s3cr"), "{line}");
    }
}

#[test]
fn file_errors_point_at_the_line() {
    let err = error(Some("[[cameras]]\nurl = \"rtsp://c/s\"\nurll = 1\n"), &[]);
    assert_eq!(err.field, "config file line 3");
    assert!(err.problem.contains("unknown field `urll`"), "{err}");
    let err = error(Some("[[cameras]]\nurl = \"rtsp://c/s\"\n[storage]\nsegment_duration_minutes = 90\n"), &[]);
    assert_eq!(err.field, "storage.segment_duration_minutes");
}

#[test]
fn secrets_cover_camera_passwords_and_the_s3_secret() {
    let config =
        load(None, &env(&[("CAMERA_1_URL", URL), ("S3_ACCESS_KEY", "AKID"), ("S3_SECRET_KEY", "wJalr")])).unwrap();
    let secrets = config.secrets();
    assert!(secrets.contains(&"s3cr%40t".to_owned()));
    assert!(secrets.contains(&"wJalr".to_owned()));
    assert_eq!(format!("{:?}", config.storage.credentials), "Some(S3Credentials(***))");
}

#[test]
fn an_unwritable_spool_dir_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"").unwrap();
    let err = check_spool_dir(&file.join("spool")).unwrap_err();
    assert_eq!(err.field, "TEMP_DIR (or storage.temp_dir)");
    assert!(check_spool_dir(&dir.path().join("spool")).is_ok());
}

#[test]
fn the_example_file_with_its_playback_section_is_a_valid_recorder_configuration() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../config.example.toml")).unwrap();
    let config = load(Some(&text), &env(&[])).expect("config.example.toml loads");
    assert!(!config.cameras.is_empty());
    assert_eq!(config.listen.port(), 8080, "the recorder keeps its own listen address, not [playback]'s");
}

#[test]
fn retention_is_unset_by_default_and_a_camera_setting_beats_the_default() {
    let config = load(None, &env(&[("CAMERA_1_URL", URL)])).unwrap();
    assert_eq!(config.cameras[0].retention, None, "nothing is deleted unless somebody set a retention");
    assert_eq!(config.retention, RetentionConfig::default());
    assert_eq!(config.retention.first_pass_delay, Duration::from_secs(30), "the first pass within a minute");
    assert_eq!(config.retention.interval, Duration::from_secs(3600), "then at least hourly");

    let file = "[[cameras]]\nurl = \"rtsp://a/s\"\n[[cameras]]\nurl = \"rtsp://b/s\"\nretention = \"90d\"\n\
                [[cameras]]\nurl = \"rtsp://c/s\"\nretention = \"forever\"\n[storage]\nretention = \"30d\"\n";
    let config = load(Some(file), &HashMap::new()).unwrap();
    let days = |d: u64| Some(Duration::from_secs(d * 86_400));
    let kept: Vec<Option<Duration>> = config.cameras.iter().map(|c| c.retention).collect();
    assert_eq!(kept, [days(30), days(90), None]);
    assert!(config.summary().contains("camera-1 (rtsp://a/s, kept 30d)"), "{}", config.summary());

    let config =
        load(Some(file), &env(&[("RETENTION", "7d"), ("CAMERA_2_RETENTION", "12h"), ("RETENTION_DRY_RUN", "true")]))
            .unwrap();
    let kept: Vec<Option<Duration>> = config.cameras.iter().map(|c| c.retention).collect();
    assert_eq!(kept, [days(7), Some(Duration::from_secs(12 * 3600)), None]);
    assert!(config.retention.dry_run);

    let config = load(
        None,
        &env(&[
            ("CAMERA_1_URL", URL),
            ("RETENTION_FIRST_PASS_DELAY", "1s"),
            ("RETENTION_INTERVAL", "5s"),
            ("RETENTION_DELETE_BATCH", "2"),
        ]),
    )
    .unwrap();
    assert_eq!(
        config.retention,
        RetentionConfig {
            dry_run: false,
            first_pass_delay: Duration::from_secs(1),
            interval: Duration::from_secs(5),
            delete_batch: 2
        }
    );
}

#[test]
fn bad_retention_settings_name_their_field() {
    let cases: &[Case] = &[
        (&[("CAMERA_1_URL", URL), ("RETENTION", "30 days")], "RETENTION", "like 30d, 12h"),
        (&[("CAMERA_1_URL", URL), ("RETENTION", "20y")], "RETENTION", "choose between 1h and 10y"),
        (&[("CAMERA_1_URL", URL), ("CAMERA_1_RETENTION", "5m")], "CAMERA_1_RETENTION", "like 30d"),
        (&[("CAMERA_1_URL", URL), ("RETENTION_DRY_RUN", "perhaps")], "RETENTION_DRY_RUN", "write true or false"),
        (&[("CAMERA_1_URL", URL), ("RETENTION_FIRST_PASS_DELAY", "5m")], "RETENTION_FIRST_PASS_DELAY", "out of range"),
        (&[("CAMERA_1_URL", URL), ("RETENTION_INTERVAL", "2h")], "RETENTION_INTERVAL", "out of range"),
        (&[("CAMERA_1_URL", URL), ("RETENTION_DELETE_BATCH", "5000")], "RETENTION_DELETE_BATCH", "out of range"),
    ];
    for (pairs, field, problem) in cases {
        let err = error(None, pairs);
        assert_eq!(err.field, *field, "{pairs:?}: {err}");
        assert!(err.problem.contains(problem), "{pairs:?}: {err}");
    }
    let err = error(Some("[[cameras]]\nurl = \"rtsp://c/s\"\nretention = \"soon\"\n"), &[]);
    assert_eq!(err.field, "cameras[0].retention");
}

#[test]
fn the_storage_alone_loads_without_a_camera_for_a_retention_pass() {
    let (storage, retention, settings) = load_storage(
        Some("[storage]\ns3_bucket = \"footage\"\nretention = \"30d\"\n"),
        &env(&[("S3_ENDPOINT", "http://seaweedfs:8333")]),
    )
    .unwrap();
    assert_eq!(storage.bucket, "footage");
    assert_eq!(storage.endpoint.as_deref(), Some("http://seaweedfs:8333"));
    assert_eq!(retention, Some(Duration::from_secs(30 * 86_400)));
    assert!(!settings.dry_run);
    assert_eq!(load_storage(None, &HashMap::new()).unwrap().1, None);
}
