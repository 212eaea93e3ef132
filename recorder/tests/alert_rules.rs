//! The observability users drop in: promtool accepts the alerting rules and their unit tests pass, every alert
//! carries a severity, a summary, a description and a runbook that exists in docs/alerts.md, and the rules and
//! the Grafana dashboard use only metrics the recorder and the operator export.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::process::Command;
use testkit::repo_root;

const RULES: &str = "observability/prometheus/alerts.yaml";
const RULE_TESTS: &str = "observability/prometheus/alerts.test.yaml";
const DASHBOARD: &str = "observability/grafana/cto-cameras.json";
const RUNBOOKS: &str = "docs/alerts.md";
const RUNBOOK_URL: &str = "https://github.com/cto-cameras/cto-cameras/blob/main/docs/alerts.md#";

/// The alerts the issue asked for; the rules file may add more, never fewer.
const EXPECTED_ALERTS: &[&str] = &[
    "CameraNotRecording",
    "NoRecentSegment",
    "SegmentsNotUploaded",
    "UploadFailures",
    "RecorderRestartingOften",
    "StorageUnreachable",
    "OperatorReconcileErrors",
    "CameraDegraded",
];

/// Every metric the recorder exports (the README's table).
const RECORDER_METRICS: &[&str] = &[
    "camera_recorder_segments_recorded_total",
    "camera_recorder_segments_uploaded_total",
    "camera_recorder_uploaded_bytes_total",
    "camera_recorder_upload_failures_total",
    "camera_recorder_upload_duration_seconds",
    "camera_recorder_recording_active",
    "camera_recorder_spool_segments",
    "camera_recorder_spool_bytes",
    "camera_recorder_ffmpeg_restarts_total",
    "camera_recorder_segments_dropped_total",
    "camera_recorder_last_segment_start_timestamp_seconds",
    "camera_recorder_last_upload_timestamp_seconds",
    "camera_recorder_segment_target_duration_seconds",
    "camera_recorder_storage_reachable",
    "camera_recorder_spool_max_bytes",
    "camera_recorder_retention_seconds",
    "camera_recorder_retention_deleted_objects_total",
    "camera_recorder_retention_deleted_bytes_total",
    "camera_recorder_retention_passes_total",
    "camera_recorder_retention_pass_failures_total",
    "camera_recorder_retention_last_success_timestamp_seconds",
    "camera_recorder_retention_oldest_footage_timestamp_seconds",
    "camera_recorder_retention_held_segments",
];

/// Every metric camera-operator exports.
const OPERATOR_METRICS: &[&str] = &[
    "camera_operator_reconcile_total",
    "camera_operator_reconcile_errors_total",
    "camera_operator_reconcile_duration_seconds",
    "camera_operator_cameras",
    "camera_operator_camera_condition",
    "camera_operator_leader",
];

/// Histograms are queried through their `_bucket`, `_count` and `_sum` series, never by the bare name.
const HISTOGRAMS: &[&str] = &["camera_recorder_upload_duration_seconds", "camera_operator_reconcile_duration_seconds"];

/// Recorder metrics without a `camera` label (one per recorder process).
const PER_RECORDER: &[&str] = &["camera_recorder_storage_reachable", "camera_recorder_spool_max_bytes"];

/// What the dashboard must show.
const DASHBOARD_SHOWS: &[&str] = &[
    "camera_recorder_recording_active",
    "camera_recorder_last_segment_start_timestamp_seconds",
    "camera_recorder_segments_recorded_total",
    "camera_recorder_segments_uploaded_total",
    "camera_recorder_upload_duration_seconds_bucket",
    "camera_recorder_upload_failures_total",
    "camera_recorder_spool_segments",
    "camera_recorder_spool_bytes",
    "camera_recorder_ffmpeg_restarts_total",
    "camera_recorder_uploaded_bytes_total",
    "camera_recorder_retention_oldest_footage_timestamp_seconds",
    "camera_recorder_retention_deleted_bytes_total",
    "camera_operator_cameras",
    "camera_operator_reconcile_errors_total",
];

fn read(path: &str) -> String {
    let full = repo_root().join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()))
}

/// Runs promtool from the repository root; panics with its output unless it succeeds.
fn promtool(args: &[&str]) -> String {
    let output = Command::new("promtool")
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("run promtool (Debian package prometheus)");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "promtool {} failed:\n{text}", args.join(" "));
    text
}

/// One alerting rule: its name and the lines that follow `- alert: NAME` up to the next rule or group.
struct Alert {
    name: String,
    body: String,
}

impl Alert {
    /// The value of the first `key:` line in the rule, e.g. `severity`.
    fn field(&self, key: &str) -> Option<String> {
        self.body.lines().find_map(|line| {
            let value = line.trim_start().strip_prefix(key)?.strip_prefix(':')?;
            Some(value.trim().trim_matches('"').to_owned())
        })
    }
}

/// The alerting rules of a rule file, read line by line (no YAML parser is available to the tests).
fn alerts(rules: &str) -> Vec<Alert> {
    let mut found: Vec<Alert> = Vec::new();
    let mut current: Option<usize> = None;
    for line in rules.lines() {
        let item = line.trim_start();
        if let Some(name) = item.strip_prefix("- alert:") {
            found.push(Alert { name: name.trim().trim_matches('"').to_owned(), body: String::new() });
            current = Some(found.len() - 1);
        } else if item.starts_with("- record:") || item.starts_with("- name:") {
            current = None;
        } else if let Some(index) = current {
            found[index].body.push_str(line);
            found[index].body.push('\n');
        }
    }
    found
}

/// The alert names a promtool test file expects to fire (`exp_alerts:` with entries) and to stay quiet
/// (`exp_alerts: []`) at some evaluation time.
fn rule_test_expectations(tests: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let lines: Vec<&str> =
        tests.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).collect();
    let mut fires = BTreeSet::new();
    let mut quiet = BTreeSet::new();
    for pair in lines.windows(2) {
        let Some(name) = pair[0].strip_prefix("alertname:") else { continue };
        let name = name.trim().trim_matches('"').to_owned();
        match pair[1] {
            "exp_alerts: []" => quiet.insert(name),
            "exp_alerts:" => fires.insert(name),
            other => panic!("{RULE_TESTS}: `alertname: {name}` should be followed by exp_alerts, not `{other}`"),
        };
    }
    (fires, quiet)
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

/// Every `camera_recorder_*` and `camera_operator_*` name in `text`, with the text that follows it.
fn metric_occurrences(text: &str) -> Vec<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("camera_") {
        let start = from + at;
        let end = start + text[start..].bytes().take_while(|&b| is_name_byte(b)).count();
        let name = &text[start..end];
        let inside_another_name = start > 0 && is_name_byte(bytes[start - 1]);
        if !inside_another_name && (name.starts_with("camera_recorder_") || name.starts_with("camera_operator_")) {
            found.push((name, &text[end..]));
        }
        from = end;
    }
    found
}

fn metric_names(text: &str) -> BTreeSet<String> {
    metric_occurrences(text).into_iter().map(|(name, _)| name.to_owned()).collect()
}

/// A series name PromQL can select: a known metric, or a histogram's `_bucket`, `_count` or `_sum`.
fn queryable(name: &str) -> bool {
    if HISTOGRAMS.contains(&name) {
        return false;
    }
    RECORDER_METRICS.contains(&name)
        || OPERATOR_METRICS.contains(&name)
        || ["_bucket", "_count", "_sum"]
            .iter()
            .any(|suffix| name.strip_suffix(*suffix).is_some_and(|base| HISTOGRAMS.contains(&base)))
}

/// Every panel, rows' nested panels included.
fn all_panels(list: &Value) -> Vec<&Value> {
    let mut panels = Vec::new();
    for panel in list.as_array().expect("`panels` is an array") {
        panels.push(panel);
        if let Some(nested) = panel.get("panels") {
            panels.extend(all_panels(nested));
        }
    }
    panels
}

#[test]
fn promtool_accepts_the_rules_and_their_unit_tests_pass() {
    let checked = promtool(&["check", "rules", RULES]);
    assert!(checked.contains("SUCCESS"), "promtool check rules: {checked}");
    let tested = promtool(&["test", "rules", RULE_TESTS]);
    assert!(tested.contains("SUCCESS"), "promtool test rules: {tested}");
}

#[test]
fn every_alert_has_a_severity_a_summary_a_description_a_runbook_and_unit_tests() {
    let alerts = alerts(&read(RULES));
    let names: BTreeSet<String> = alerts.iter().map(|a| a.name.clone()).collect();
    for expected in EXPECTED_ALERTS {
        assert!(names.contains(*expected), "{RULES} has no alert {expected}; it has {names:?}");
    }
    let runbooks = read(RUNBOOKS);
    let headings: BTreeSet<&str> =
        runbooks.lines().filter_map(|line| line.strip_prefix("## ")).map(str::trim).collect();
    let (fires, quiet) = rule_test_expectations(&read(RULE_TESTS));

    for alert in &alerts {
        let name = &alert.name;
        assert!(alert.field("expr").is_some(), "{name}: no expr");
        let severity = alert.field("severity").unwrap_or_default();
        assert!(["critical", "warning"].contains(&severity.as_str()), "{name}: severity is '{severity}'");
        for annotation in ["summary", "description"] {
            assert!(alert.field(annotation).is_some_and(|text| !text.is_empty()), "{name}: no {annotation} annotation");
        }
        assert_eq!(
            alert.field("runbook_url"),
            Some(format!("{RUNBOOK_URL}{}", name.to_lowercase())),
            "{name}: runbook_url must point at its section of {RUNBOOKS}"
        );
        assert!(headings.contains(name.as_str()), "{RUNBOOKS} has no `## {name}` section (the runbook_url anchor)");
        assert!(fires.contains(name), "{RULE_TESTS} never expects {name} to fire");
        assert!(quiet.contains(name), "{RULE_TESTS} never expects {name} to stay quiet (exp_alerts: [])");
    }
}

#[test]
fn the_rules_use_only_metrics_that_exist() {
    let rules = read(RULES);
    let names = metric_names(&rules);
    assert!(names.contains("camera_recorder_recording_active"), "no recorder metric found in {RULES}: {names:?}");
    let unknown: Vec<&String> = names.iter().filter(|name| !queryable(name)).collect();
    assert!(unknown.is_empty(), "{RULES} uses metrics nobody exports: {unknown:?}");
}

#[test]
fn the_known_recorder_metrics_are_the_readme_table() {
    let readme = read("README.md");
    let documented: BTreeSet<&str> = readme
        .lines()
        .filter_map(|line| line.strip_prefix("| `camera_recorder_"))
        .filter_map(|rest| rest.split('`').next())
        .collect();
    let documented: BTreeSet<String> = documented.iter().map(|rest| format!("camera_recorder_{rest}")).collect();
    let known: BTreeSet<String> = RECORDER_METRICS.iter().map(|name| (*name).to_owned()).collect();
    assert_eq!(documented, known, "README.md's metrics table and this test's RECORDER_METRICS differ");
}

#[test]
fn the_dashboard_has_its_variables_and_uses_only_metrics_that_exist_per_selected_camera() {
    let text = read(DASHBOARD);
    let dashboard: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{DASHBOARD} is not JSON: {e}"));
    let datasource = json!({"type": "prometheus", "uid": "${datasource}"});

    assert_eq!(dashboard["schemaVersion"], 39);
    assert_eq!(dashboard["uid"], "cto-cameras");
    assert!(dashboard["title"].as_str().is_some_and(|t| !t.is_empty()), "the dashboard needs a title");

    let variables = dashboard["templating"]["list"].as_array().expect("templating.list");
    let variable = |name: &str| {
        variables
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("{DASHBOARD}: no `{name}` variable"))
            .clone()
    };
    let source = variable("datasource");
    assert_eq!(source["type"], "datasource");
    assert_eq!(source["query"], "prometheus");
    let camera = variable("camera");
    assert_eq!(camera["type"], "query");
    assert_eq!(camera["datasource"], datasource);
    assert_eq!(camera["multi"], true);
    assert_eq!(camera["includeAll"], true);
    // Grafana stores a Prometheus variable query either as a string or as {"query": ...}.
    let query = camera["query"].as_str().or_else(|| camera["query"]["query"].as_str()).unwrap_or_default();
    assert_eq!(query, "label_values(camera_recorder_recording_active, camera)");

    let panels = all_panels(&dashboard["panels"]);
    let mut ids = BTreeSet::new();
    let mut used = BTreeSet::new();
    for panel in panels.iter().filter(|p| p["type"] != "row") {
        let title = panel["title"].as_str().unwrap_or("(untitled)");
        assert!(ids.insert(panel["id"].as_u64().expect("panel id")), "{title}: duplicate panel id");
        assert!(panel["gridPos"].is_object(), "{title}: no gridPos");
        assert_eq!(panel["datasource"], datasource, "{title}: datasource must be the `datasource` variable");
        let targets =
            panel["targets"].as_array().filter(|t| !t.is_empty()).unwrap_or_else(|| panic!("{title}: no queries"));
        for target in targets {
            assert_eq!(target["datasource"], datasource, "{title}: a query's datasource must be the variable");
            let expr = target["expr"].as_str().unwrap_or_else(|| panic!("{title}: a query without expr"));
            for (name, after) in metric_occurrences(expr) {
                used.insert(name.to_owned());
                assert!(queryable(name), "{title}: `{expr}` uses {name}, which nobody exports");
                if name.starts_with("camera_recorder_") && !PER_RECORDER.contains(&name) {
                    let selector = after.strip_prefix('{').and_then(|s| s.split('}').next()).unwrap_or_default();
                    assert!(
                        selector.contains("camera=~\"$camera\""),
                        "{title}: `{expr}` selects {name} without camera=~\"$camera\""
                    );
                }
            }
        }
    }
    for name in DASHBOARD_SHOWS {
        assert!(used.contains(*name), "{DASHBOARD} has no panel on {name}");
    }
    // The variables' and the annotations' queries name real metrics too.
    let queries = format!("{} {}", dashboard["templating"], dashboard["annotations"]);
    let unknown: Vec<String> = metric_names(&queries).into_iter().filter(|name| !queryable(name)).collect();
    assert!(unknown.is_empty(), "{DASHBOARD}: variables or annotations use metrics nobody exports: {unknown:?}");
}
