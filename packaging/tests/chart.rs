//! The Helm chart, checked with the real tools and against the operator's own code: `helm lint --strict`,
//! `kubernetes-validate --strict` on what it renders (default values and every option set), the copies it
//! ships equal to their sources, the operator's settings equal to what the operator's clap definition knows and
//! accepts, values.schema.json rejecting bad values with a message naming them, and RBAC granting exactly what
//! the operator uses. camera-playback: on by default, every option rendered and validated, only settings it
//! reads (crds::contract::env), a restricted pod, and the viewer token only ever in a mounted Secret file.

mod support;

use clap::{CommandFactory, Parser};
use crds::contract::env::{self, playback};
use operator::config::OperatorConfig;
use operator::reconcile::build::HTTP_PORT;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use support::*;

#[test]
fn helm_lint_strict_passes_with_default_values_and_with_every_option_set() {
    let value_sets: [&[&str]; 2] = [&[], &["-f", FULL_VALUES]];
    for extra in value_sets {
        let printed = run(Command::new(bin("helm")).args(["lint", "--strict", CHART]).args(extra));
        assert!(printed.contains("0 chart(s) failed"), "{printed}");
    }
}

#[test]
fn the_rendered_chart_passes_kubernetes_validate_strict_and_only_monitoring_kinds_go_unchecked() {
    let dir = tempfile::tempdir().unwrap();
    let default = write(dir.path(), "default.yaml", &helm_template(&[]));
    let full = write(dir.path(), "full.yaml", &helm_template(&["-f", FULL_VALUES]));
    let printed = kubernetes_validate([&default, &full]);
    // kubernetes-validate knows core objects and CRDs; ServiceMonitor, PodMonitor and PrometheusRule it
    // skips with a warning (their shape is checked below).
    let skipped = kinds_without_schema(&printed);
    assert_eq!(skipped.len(), 4, "two ServiceMonitors, a PodMonitor, a PrometheusRule:\n{printed}");
    for kind in &skipped {
        assert!(kind.contains("monitoring.coreos.com/v1"), "kubernetes-validate did not check {kind}:\n{printed}");
    }
    let passed = printed.lines().filter(|line| line.contains(" passed for resource ")).count();
    let rendered = render_default().len() + render_full().len();
    assert_eq!(passed + skipped.len(), rendered, "every rendered object was checked:\n{printed}");
}

#[test]
fn the_chart_installs_the_crd_from_a_byte_identical_copy_of_crds_camera_yaml() {
    let chart_copy = read("charts/cto-cameras/crds/camera.yaml");
    assert!(
        chart_copy == read("crds/camera.yaml"),
        "charts/cto-cameras/crds/camera.yaml differs from crds/camera.yaml: \
         cp crds/camera.yaml charts/cto-cameras/crds/camera.yaml"
    );
    assert!(chart_copy == crds::camera::crd_yaml(), "the chart's CRD is what the Rust types generate");
    let crd = named(&render_default(), "CustomResourceDefinition", "cameras.cto-cameras.io").clone();
    let source: Value = serde_yaml::from_str(&chart_copy).unwrap();
    assert_eq!(crd, source, "helm template --include-crds renders the CRD unchanged");
}

#[test]
fn the_chart_ships_the_alerts_and_the_dashboard_as_byte_identical_copies() {
    for (copy, source) in [
        ("charts/cto-cameras/files/alerts.yaml", "observability/prometheus/alerts.yaml"),
        ("charts/cto-cameras/files/cto-cameras.json", "observability/grafana/cto-cameras.json"),
    ] {
        assert!(read(copy) == read(source), "{copy} differs from {source}: cp {source} {copy}");
    }
}

#[test]
fn the_monitoring_objects_are_off_by_default_and_have_the_shape_the_prometheus_operator_expects() {
    let default = render_default();
    for kind in ["ServiceMonitor", "PodMonitor", "PrometheusRule"] {
        assert!(of_kind(&default, kind).is_empty(), "{kind} is off by default");
    }
    assert!(
        of_kind(&default, "ConfigMap").iter().all(|c| c["metadata"]["labels"]["grafana_dashboard"].is_null()),
        "no dashboard by default"
    );

    let full = render_full();
    let service = named(&full, "Service", "cto-cameras-operator");
    let monitor = named(&full, "ServiceMonitor", "cto-cameras-operator");
    assert_eq!(monitor["apiVersion"], "monitoring.coreos.com/v1");
    for (key, value) in monitor["spec"]["selector"]["matchLabels"].as_object().unwrap() {
        assert_eq!(&service["metadata"]["labels"][key], value, "the ServiceMonitor selects the operator's Service");
    }
    let endpoint = &monitor["spec"]["endpoints"][0];
    assert_eq!(endpoint["port"], service["spec"]["ports"][0]["name"]);
    assert_eq!(endpoint["path"], "/metrics");
    assert_eq!(endpoint["honorLabels"], true, "keeps the Camera's namespace label (docs/alerts.md)");
    assert_eq!(monitor["metadata"]["labels"]["release"], "kube-prometheus-stack", "extra labels from values");

    let playback_service = named(&full, "Service", "cto-cameras-playback");
    let playback_monitor = named(&full, "ServiceMonitor", "cto-cameras-playback");
    for (key, value) in playback_monitor["spec"]["selector"]["matchLabels"].as_object().unwrap() {
        assert_eq!(&playback_service["metadata"]["labels"][key], value, "it selects playback's Service");
    }
    assert_ne!(
        playback_monitor["spec"]["selector"], monitor["spec"]["selector"],
        "the operator's and playback's monitors select different Services"
    );
    let endpoint = &playback_monitor["spec"]["endpoints"][0];
    assert_eq!(endpoint["port"], playback_service["spec"]["ports"][0]["name"]);
    assert_eq!(endpoint["path"], "/metrics");
    assert!(endpoint["honorLabels"].is_null(), "playback's metrics have no labels of their own to keep");
    assert_eq!(playback_monitor["metadata"]["labels"]["release"], "kube-prometheus-stack");
    let off = documents(&helm_template(&["-f", FULL_VALUES, "--set", "playback.enabled=false"]));
    assert_eq!(of_kind(&off, "ServiceMonitor").len(), 1, "no playback, no monitor for it");

    let pods = named(&full, "PodMonitor", "cto-cameras-recorders");
    assert_eq!(pods["apiVersion"], "monitoring.coreos.com/v1");
    // The labels and port name camera-operator gives every recorder pod (operator/src/reconcile/build.rs).
    assert_eq!(pods["spec"]["selector"]["matchLabels"], json!({"app.kubernetes.io/name": "camera-recorder"}));
    assert_eq!(pods["spec"]["podMetricsEndpoints"][0]["port"], "http");
    assert_eq!(pods["spec"]["podMetricsEndpoints"][0]["path"], "/metrics");
    assert_eq!(pods["spec"]["namespaceSelector"]["matchNames"], json!(["cameras", "shop"]));

    let rule = named(&full, "PrometheusRule", "cto-cameras");
    assert_eq!(rule["apiVersion"], "monitoring.coreos.com/v1");
    let alerts: Value = serde_yaml::from_str(&read("observability/prometheus/alerts.yaml")).unwrap();
    assert_eq!(rule["spec"]["groups"], alerts["groups"], "the PrometheusRule holds the rule groups verbatim");
    assert!(rule["spec"]["groups"][0]["rules"].as_array().is_some_and(|rules| rules.len() >= 8));

    let dashboard = named(&full, "ConfigMap", "cto-cameras-dashboard");
    assert_eq!(dashboard["metadata"]["namespace"], "monitoring");
    assert_eq!(dashboard["metadata"]["labels"]["grafana_dashboard"], "1");
    let json_text = dashboard["data"]["cto-cameras.json"].as_str().expect("the dashboard JSON");
    let shipped: Value = serde_json::from_str(json_text).expect("the ConfigMap holds valid JSON");
    let source: Value = serde_json::from_str(&read("observability/grafana/cto-cameras.json")).unwrap();
    assert_eq!(shipped, source);
}

/// The operator's environment variables, from its own clap definition: (name, long flag, takes a value).
fn operator_env() -> BTreeMap<String, (String, bool)> {
    OperatorConfig::command()
        .get_arguments()
        .filter_map(|arg| {
            let env = arg.get_env()?.to_string_lossy().into_owned();
            let long = arg.get_long().expect("every setting has a long flag").to_owned();
            Some((env, (long, arg.get_action().takes_values())))
        })
        .collect()
}

/// The environment the chart gives the operator: the ConfigMap it reads through envFrom, then `env`.
/// Values from the downward API appear as `fieldRef:<path>`.
fn chart_env(documents: &[Value]) -> BTreeMap<String, String> {
    let container = operator_container(documents);
    let from = &container["envFrom"];
    assert_eq!(from.as_array().map(Vec::len), Some(1), "one envFrom: the operator's ConfigMap");
    let config = named(documents, "ConfigMap", from[0]["configMapRef"]["name"].as_str().unwrap());
    let mut env = BTreeMap::new();
    for (name, value) in config["data"].as_object().expect("ConfigMap data") {
        env.insert(name.clone(), value.as_str().expect("ConfigMap values are strings").to_owned());
    }
    for var in container["env"].as_array().expect("env") {
        let name = var["name"].as_str().unwrap().to_owned();
        let value = match var["value"].as_str() {
            Some(value) => value.to_owned(),
            None => format!("fieldRef:{}", var["valueFrom"]["fieldRef"]["fieldPath"].as_str().expect("a fieldRef")),
        };
        assert!(env.insert(name.clone(), value).is_none(), "{name} is set twice");
    }
    env
}

/// Parses the chart's environment with the operator's own parser, as flags (setting the test process's
/// environment would race with other tests).
fn parse_as_operator(env: &BTreeMap<String, String>) -> OperatorConfig {
    let known = operator_env();
    let mut args = vec!["camera-operator".to_owned()];
    for (name, value) in env {
        let (long, takes_value) = known.get(name).unwrap_or_else(|| panic!("camera-operator has no setting {name}"));
        let value = value.strip_prefix("fieldRef:").map_or(value.as_str(), |_| "from-the-downward-api");
        if *takes_value {
            args.push(format!("--{long}={value}"));
        } else {
            assert!(value == "true" || value == "false", "{name} is a boolean, not {value:?}");
            if value == "true" {
                args.push(format!("--{long}"));
            }
        }
    }
    OperatorConfig::try_parse_from(&args).unwrap_or_else(|e| panic!("camera-operator rejects {args:?}: {e}"))
}

#[test]
fn the_chart_sets_only_settings_the_operator_knows_and_with_every_option_set_all_of_them() {
    let known: BTreeSet<String> = operator_env().into_keys().collect();
    assert!(known.len() >= 19, "the operator's clap definition lists its environment variables: {known:?}");

    let default = chart_env(&render_default());
    let unknown: Vec<&String> = default.keys().filter(|name| !known.contains(*name)).collect();
    assert!(unknown.is_empty(), "the chart sets settings camera-operator does not have: {unknown:?}");
    let unset: Vec<&String> = known.iter().filter(|name| !default.contains_key(*name)).collect();
    assert_eq!(
        unset,
        ["DEFAULT_RETENTION", "DEFAULT_S3_ENDPOINT", "WATCH_NAMESPACES"],
        "unset by default: footage kept forever, AWS S3, every namespace"
    );
    assert_eq!(default["LOG_FORMAT"], "json");
    assert_eq!(default["LEADER_ELECTION"], "true");
    assert_eq!(default["LISTEN_ADDR"], format!("0.0.0.0:{HTTP_PORT}"));
    assert_eq!(default["POD_NAMESPACE"], "fieldRef:metadata.namespace");
    assert_eq!(default["POD_NAME"], "fieldRef:metadata.name");

    let full = chart_env(&render_full());
    let names: BTreeSet<String> = full.keys().cloned().collect();
    assert_eq!(names, known, "with every option set, the chart sets every setting the operator has");
}

#[test]
fn the_operator_accepts_the_settings_the_chart_renders() {
    let config = parse_as_operator(&chart_env(&render_default()));
    assert_eq!(config.namespaces(), None);
    assert_eq!(config.defaults.bucket, "camera-recordings");
    assert_eq!(config.defaults.credentials_secret.as_deref(), Some("s3-credentials"));
    assert_eq!(config.defaults.recorder_image, "ghcr.io/cto-cameras/camera-recorder:0.1.0");
    assert_eq!(config.defaults.retention, None, "footage is kept forever unless somebody sets a retention");
    assert_eq!(config.listen.port(), u16::try_from(HTTP_PORT).unwrap());
    assert!(config.leader_election);
    assert_eq!(config.lease_name, "cto-cameras-operator");

    let config = parse_as_operator(&chart_env(&render_full()));
    assert_eq!(config.namespaces(), Some(vec!["cameras".to_owned(), "shop".to_owned()]));
    assert_eq!(config.defaults.s3_endpoint.as_deref(), Some("http://seaweedfs-s3.storage.svc:8333"));
    assert_eq!(config.defaults.s3_region, "eu-central-1");
    assert_eq!(config.defaults.bucket, "shop-footage");
    assert_eq!(config.defaults.credentials_secret.as_deref(), Some("seaweedfs-s3"));
    assert_eq!(config.defaults.recorder_image, "registry.example.com/cto-cameras/camera-recorder:0.1.0-rc.1");
    assert_eq!(config.defaults.segment_duration, "10m");
    assert_eq!(config.defaults.spool_size, "4Gi");
    assert_eq!(config.defaults.retention.as_deref(), Some("30d"));
    assert_eq!(config.defaults.shutdown_grace, Duration::from_secs(90));
    assert_eq!(config.defaults.cpu_request, "100m");
    assert_eq!(config.defaults.memory_request, "96Mi");
    assert_eq!(config.defaults.memory_limit, "384Mi");
    assert_eq!(config.status_refresh, Duration::from_secs(20));
    assert_eq!(config.log_format, "text");
}

#[test]
fn the_values_schema_rejects_bad_values_with_a_message_naming_them() {
    let cases: [(&[&str], &str); 21] = [
        (&["s3.bucket=Bad_Bucket"], "s3.bucket: Does not match pattern"),
        (&["s3.bucket=null"], "bucket is required"),
        (&["recorder.segmentDuration=forever"], "recorder.segmentDuration: Does not match pattern"),
        (&["recorder.segmentDuration=2h"], "recorder.segmentDuration is 2h: it must be between 10s and 60m"),
        (&["recorder.spoolSize=lots"], "recorder.spoolSize: Does not match pattern"),
        (&["recorder.retention=30 days"], "recorder.retention: Does not match pattern"),
        (&["recorder.retention=30m"], "recorder.retention: Does not match pattern"),
        (&["recorder.retention=11y"], "recorder.retention is 11y: it must be between 1h and 10y"),
        (&["s3.endpoint=http://user:password@minio:9000"], "s3.endpoint: Does not match pattern"),
        (&["operator.logFormat=xml"], "operator.logFormat must be one of the following"),
        (&["recorder.resources.limits.cpu=1"], "Additional property cpu is not allowed"),
        (&["operator.replicas=2", "operator.leaderElection=false"], "operator.leaderElection is false"),
        (&["playback.auth.mode=open"], "playback.auth.mode must be one of the following"),
        (&["playback.replicas=-1"], "playback.replicas: Must be greater than or equal to 0"),
        (&["playback.exportMax=forever"], "playback.exportMax: Does not match pattern"),
        (&["playback.exportMax=0h"], "playback.exportMax: Does not match pattern"),
        (&["playback.service.type=ExternalName"], "playback.service.type must be one of the following"),
        (&["playback.auth.tokenSecret=Viewer_Token"], "playback.auth.tokenSecret: Does not match pattern"),
        // No value can hold the token itself: it would end up in the release's values, readable by anyone
        // who can read the release.
        (&["playback.auth.token=0123456789abcdef"], "Additional property token is not allowed"),
        (&["playback.ingress.enabled=true"], "playback.ingress.enabled is true but playback.ingress.hosts is empty"),
        // What `helm upgrade --reuse-values` gives a release installed before the chart had playback.
        (&["playback=null"], "Upgrade with --reset-then-reuse-values"),
    ];
    for (sets, message) in cases {
        let mut command = Command::new(bin("helm"));
        command.current_dir(root()).args(["template", "cto-cameras", CHART]);
        for set in sets {
            command.arg("--set").arg(set);
        }
        let output = output(&mut command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "helm template accepted {sets:?}");
        assert!(stderr.contains(message), "helm template with {sets:?} should say {message:?}, said:\n{stderr}");
    }
}

/// (apiGroup, resource, verb) for every rule of a Role or ClusterRole; resourceNames are part of the resource.
fn grants(role: &Value) -> BTreeSet<(String, String, String)> {
    let mut found = BTreeSet::new();
    for rule in role["rules"].as_array().expect("rules") {
        let names = strings(&rule["resourceNames"]);
        for group in strings(&rule["apiGroups"]) {
            for resource in strings(&rule["resources"]) {
                let resource = if names.is_empty() { resource } else { format!("{resource}/{}", names.join(",")) };
                for verb in strings(&rule["verbs"]) {
                    found.insert((group.clone(), resource.clone(), verb));
                }
            }
        }
    }
    found
}

fn expected(rules: &[(&str, &str, &[&str])]) -> BTreeSet<(String, String, String)> {
    rules
        .iter()
        .flat_map(|(group, resource, verbs)| {
            verbs.iter().map(move |verb| (group.to_string(), resource.to_string(), verb.to_string()))
        })
        .collect()
}

/// What the operator does in each watched namespace. cameras/finalizers: setting blockOwnerDeletion on its
/// children's owner references needs it where the OwnerReferencesPermissionEnforcement admission plugin runs.
fn camera_rules() -> BTreeSet<(String, String, String)> {
    expected(&[
        ("cto-cameras.io", "cameras", &["get", "list", "watch"]),
        ("cto-cameras.io", "cameras/status", &["get", "patch", "update"]),
        ("cto-cameras.io", "cameras/finalizers", &["update"]),
        ("apps", "deployments", &["get", "list", "watch", "create", "patch", "update"]),
        ("", "services", &["get", "list", "watch", "create", "patch", "update"]),
        ("", "secrets", &["get"]),
        ("events.k8s.io", "events", &["create", "patch"]),
    ])
}

fn check_bindings(documents: &[Value], kind: &str, role_kind: &str) {
    for binding in of_kind(documents, kind) {
        assert_eq!(binding["roleRef"]["kind"], role_kind);
        assert_eq!(binding["roleRef"]["name"], binding["metadata"]["name"], "each binding binds its own role");
        assert_eq!(
            binding["subjects"],
            json!([{"kind": "ServiceAccount", "name": "cto-cameras-operator", "namespace": "cto-cameras"}])
        );
    }
}

#[test]
fn rbac_grants_exactly_what_the_operator_uses_cluster_wide_or_per_watched_namespace() {
    let default = render_default();
    let lease_name = chart_env(&default)["LEASE_NAME"].clone();
    let lease = expected(&[
        ("coordination.k8s.io", "leases", &["create"]),
        ("coordination.k8s.io", &format!("leases/{lease_name}"), &["get", "update"]),
    ]);

    // watchNamespaces empty: a ClusterRole for the Cameras, a Role for the Lease in the operator's namespace.
    let cluster_roles = of_kind(&default, "ClusterRole");
    assert_eq!(cluster_roles.len(), 1);
    assert_eq!(grants(cluster_roles[0]), camera_rules());
    let leader = named(&default, "Role", "cto-cameras-operator-leader-election");
    assert_eq!(leader["metadata"]["namespace"], "cto-cameras");
    assert_eq!(grants(leader), lease);
    assert_eq!(of_kind(&default, "Role").len(), 1);
    check_bindings(&default, "ClusterRoleBinding", "ClusterRole");
    check_bindings(&default, "RoleBinding", "Role");
    assert_eq!(of_kind(&default, "ClusterRoleBinding").len(), 1);

    // watchNamespaces [cameras, shop]: a Role and RoleBinding in each, nothing cluster-wide.
    let full = render_full();
    assert!(of_kind(&full, "ClusterRole").is_empty() && of_kind(&full, "ClusterRoleBinding").is_empty());
    let mut namespaces = Vec::new();
    for role in of_kind(&full, "Role") {
        if role["metadata"]["name"] == "cto-cameras-operator-leader-election" {
            assert_eq!(grants(role), lease);
            continue;
        }
        assert_eq!(grants(role), camera_rules(), "{role}");
        namespaces.push(role["metadata"]["namespace"].as_str().unwrap().to_owned());
    }
    assert_eq!(namespaces, ["cameras", "shop"]);
    assert_eq!(of_kind(&full, "RoleBinding").len(), 3);
    check_bindings(&full, "RoleBinding", "Role");
}

#[test]
fn the_operator_runs_restricted_with_probes_on_its_http_port() {
    for (documents, replicas) in [(render_default(), 1), (render_full(), 2)] {
        let deployment = named(&documents, "Deployment", "cto-cameras-operator");
        assert_eq!(deployment["spec"]["replicas"], replicas);
        assert_eq!(deployment["spec"]["strategy"]["type"], "Recreate", "a standby is never ready: no rolling update");
        let pod = &deployment["spec"]["template"]["spec"];
        assert_eq!(pod["serviceAccountName"], "cto-cameras-operator");
        named(&documents, "ServiceAccount", "cto-cameras-operator");
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        assert_eq!(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");

        let container = operator_container(&documents);
        assert_eq!(container["command"], json!(["camera-operator"]));
        assert_eq!(container["ports"], json!([{"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"}]));
        assert_eq!(container["livenessProbe"]["httpGet"], json!({"path": "/health", "port": "http"}));
        assert_eq!(container["readinessProbe"]["httpGet"], json!({"path": "/ready", "port": "http"}));
        let security = &container["securityContext"];
        assert_eq!(security["runAsNonRoot"], true);
        assert_eq!(security["runAsUser"], 65532);
        assert_eq!(security["readOnlyRootFilesystem"], true);
        assert_eq!(security["allowPrivilegeEscalation"], false);
        assert_eq!(security["capabilities"]["drop"], json!(["ALL"]));
        assert_eq!(security["seccompProfile"]["type"], "RuntimeDefault");
        assert!(container["resources"]["requests"]["memory"].is_string());

        let service = named(&documents, "Service", "cto-cameras-operator");
        assert_eq!(service["spec"]["ports"][0]["port"], HTTP_PORT);
        assert_eq!(service["spec"]["ports"][0]["targetPort"], "http");
        for (key, value) in service["spec"]["selector"].as_object().unwrap() {
            assert_eq!(&pod_labels(deployment)[key], value, "the Service selects the operator's pods");
        }
    }
    let container = operator_container(&render_default()).clone();
    assert_eq!(container["image"], "ghcr.io/cto-cameras/camera-operator:0.1.0", "the appVersion by default");
}

fn pod_labels(deployment: &Value) -> &Value {
    &deployment["spec"]["template"]["metadata"]["labels"]
}

fn config_checksum(rendered: &[Value]) -> Value {
    let template = &named(rendered, "Deployment", "cto-cameras-operator")["spec"]["template"];
    template["metadata"]["annotations"]["checksum/config"].clone()
}

#[test]
fn a_change_to_the_settings_rolls_the_operator() {
    let before = config_checksum(&render_default());
    let after = config_checksum(&documents(&helm_template(&["--set", "s3.bucket=other-bucket"])));
    assert!(before.is_string());
    assert_ne!(before, after);
}

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// NOTES.txt as `helm install` would print it. Helm renders notes only when it talks to a cluster, so this
/// renders a copy of the chart in which a ConfigMap holds the notes through `tpl`.
fn notes(sets: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("cto-cameras");
    copy_tree(&root().join(CHART), &chart);
    std::fs::copy(chart.join("templates/NOTES.txt"), chart.join("files/notes.txt")).unwrap();
    std::fs::write(
        chart.join("templates/notes-preview.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\ndata:\n  \
         notes: {{ tpl (.Files.Get \"files/notes.txt\") . | quote }}\n",
    )
    .unwrap();
    let mut command = Command::new(bin("helm"));
    command.args(["template", "cto-cameras"]).arg(chart.as_path()).args([
        "--namespace",
        "cto-cameras",
        "--show-only",
        "templates/notes-preview.yaml",
    ]);
    for set in sets {
        command.arg("--set").arg(set);
    }
    let rendered = documents(&run(&mut command));
    rendered[0]["data"]["notes"].as_str().expect("the notes").to_owned()
}

#[test]
fn the_install_notes_tell_the_next_steps() {
    let default = notes(&[]);
    for step in [
        "kubectl -n cto-cameras rollout status deployment/cto-cameras-operator",
        "kubectl -n cameras create secret generic s3-credentials",
        "--from-literal=accessKey=",
        "kubectl -n cameras create secret generic front-door-camera",
        "kind: Camera",
        "kubectl -n cameras get cameras",
        "AWS S3 (us-east-1)",
    ] {
        assert!(default.contains(step), "the notes should say {step:?}:\n{default}");
    }
    let scoped = notes(&["watchNamespaces={shop}", "s3.credentialsSecret=", "s3.endpoint=http://minio:9000"]);
    assert!(scoped.contains("It reconciles Cameras in: shop."), "{scoped}");
    assert!(scoped.contains("kubectl -n shop get cameras"), "{scoped}");
    assert!(scoped.contains("unsigned S3 requests"), "{scoped}");
    assert!(scoped.contains("http://minio:9000"), "{scoped}");
}

/// The chart rendered with `--set` values.
fn render_with(sets: &[&str]) -> Vec<Value> {
    let args: Vec<&str> = sets.iter().flat_map(|set| ["--set", *set]).collect();
    documents(&helm_template(&args))
}

/// Each playback option away from its default, on its own: (what, `--set` values).
const PLAYBACK_OPTIONS: [(&str, &[&str]); 6] = [
    (
        "ingress",
        &[
            "playback.ingress.enabled=true",
            "playback.ingress.className=nginx",
            "playback.ingress.hosts={cameras.example.com}",
            "playback.ingress.tls[0].secretName=cameras-tls",
            "playback.ingress.tls[0].hosts={cameras.example.com}",
        ],
    ),
    ("an existing token Secret", &["playback.auth.tokenSecret=viewer-token"]),
    ("auth trusted-header", &["playback.auth.mode=trusted-header"]),
    ("auth none", &["playback.auth.mode=none"]),
    ("playback disabled", &["playback.enabled=false"]),
    ("two replicas", &["playback.replicas=2"]),
];

/// Every render with playback in it: default values, ci/full-values.yaml, and each option on its own.
fn playback_renders() -> Vec<(String, Vec<Value>)> {
    let mut renders =
        vec![("default values".to_owned(), render_default()), ("full-values.yaml".to_owned(), render_full())];
    for (what, sets) in PLAYBACK_OPTIONS {
        if what != "playback disabled" {
            renders.push((what.to_owned(), render_with(sets)));
        }
    }
    renders
}

fn playback_deployment(documents: &[Value]) -> &Value {
    named(documents, "Deployment", "cto-cameras-playback")
}

fn playback_container(documents: &[Value]) -> &Value {
    let containers = playback_deployment(documents)["spec"]["template"]["spec"]["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1, "the playback pod has one container");
    &containers[0]
}

/// Objects of the playback component, by kind.
fn playback_kinds(documents: &[Value]) -> BTreeSet<String> {
    documents
        .iter()
        .filter(|d| d["metadata"]["labels"]["app.kubernetes.io/name"] == "camera-playback")
        .map(|d| d["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// The standard base64 alphabet, decoded (the chart's Secret `data`).
fn base64_decode(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = Vec::new();
    let (mut bits, mut count) = (0u32, 0);
    for c in text.bytes().filter(|&c| c != b'=') {
        let value = ALPHABET.iter().position(|&a| a == c).unwrap_or_else(|| panic!("not base64: {text}"));
        bits = (bits << 6) | value as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(bytes).expect("a UTF-8 token")
}

/// The token in the Secret the chart generates.
fn generated_token(documents: &[Value]) -> String {
    let secret = named(documents, "Secret", "cto-cameras-playback-token");
    base64_decode(secret["data"]["token"].as_str().expect("data.token"))
}

#[test]
fn playback_is_on_by_default_with_a_deployment_a_service_and_a_generated_token() {
    let rendered = render_default();
    assert_eq!(
        playback_kinds(&rendered),
        BTreeSet::from(["ConfigMap", "Deployment", "Secret", "Service"].map(String::from)),
        "no Ingress and no PodDisruptionBudget by default"
    );
    let deployment = playback_deployment(&rendered);
    assert_eq!(deployment["spec"]["replicas"], 1);
    assert_eq!(deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], 0, "viewers see no gap");
    let container = playback_container(&rendered);
    assert_eq!(container["image"], "ghcr.io/cto-cameras/camera-playback:0.1.0", "the appVersion by default");
    assert_eq!(container["command"], json!(["camera-playback"]));
    assert_eq!(container["ports"], json!([{"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"}]));
    assert_eq!(container["livenessProbe"]["httpGet"], json!({"path": "/health", "port": "http"}));
    assert_eq!(container["readinessProbe"]["httpGet"], json!({"path": "/ready", "port": "http"}));
    assert_eq!(
        container["resources"],
        json!({"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}})
    );

    let service = named(&rendered, "Service", "cto-cameras-playback");
    assert_eq!(service["spec"]["type"], "ClusterIP");
    assert_eq!(
        service["spec"]["ports"],
        json!([{"name": "http", "port": HTTP_PORT, "targetPort": "http", "protocol": "TCP"}])
    );
    for (key, value) in service["spec"]["selector"].as_object().unwrap() {
        assert_eq!(&pod_labels(deployment)[key], value, "the Service selects playback's pods");
    }
    let operator = named(&rendered, "Deployment", "cto-cameras-operator");
    assert_ne!(
        pod_labels(operator)["app.kubernetes.io/name"],
        service["spec"]["selector"]["app.kubernetes.io/name"],
        "playback's Service does not select the operator"
    );

    // 32 random characters, new on each render without a cluster (lookup finds nothing to keep there).
    let token = generated_token(&rendered);
    assert_eq!(token.len(), 32, "{token:?}");
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric()), "{token:?}");
    assert_ne!(token, generated_token(&render_default()), "a random token, not a fixed one");
    let template = read("charts/cto-cameras/templates/playback-secret.yaml");
    assert!(
        template.contains(r#"lookup "v1" "Secret" .Release.Namespace $name"#),
        "the generated token is read back on upgrade, so that it does not change on every helm upgrade"
    );
}

#[test]
fn a_change_to_playback_settings_rolls_playback() {
    let checksum = |rendered: &[Value]| {
        playback_deployment(rendered)["spec"]["template"]["metadata"]["annotations"]["checksum/config"].clone()
    };
    let before = checksum(&render_default());
    assert!(before.is_string());
    assert_ne!(before, checksum(&render_with(&["playback.exportMax=2h"])));
    assert_eq!(before, checksum(&render_default()), "the checksum is of the settings, not of the random token");
}

#[test]
fn every_playback_option_renders_and_passes_kubernetes_validate_strict() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut rendered_objects = 0;
    let mut renders = Vec::new();
    for (index, (what, sets)) in PLAYBACK_OPTIONS.iter().enumerate() {
        let args: Vec<&str> = sets.iter().flat_map(|set| ["--set", *set]).collect();
        let text = helm_template(&args);
        let lint = run(Command::new(bin("helm")).args(["lint", "--strict", CHART]).args(&args));
        assert!(lint.contains("0 chart(s) failed"), "{what}: {lint}");
        files.push(write(dir.path(), &format!("option-{index}.yaml"), &text));
        let objects = documents(&text);
        rendered_objects += objects.len();
        renders.push((*what, objects));
    }
    let printed = kubernetes_validate(&files);
    assert!(kinds_without_schema(&printed).is_empty(), "{printed}");
    let passed = printed.lines().filter(|line| line.contains(" passed for resource ")).count();
    assert_eq!(passed, rendered_objects, "every rendered object was checked:\n{printed}");

    let by_option = |what: &str| &renders.iter().find(|(name, _)| *name == what).unwrap().1;
    let base = ["ConfigMap", "Deployment", "Service"].map(String::from);

    let ingress_render = by_option("ingress");
    let ingress = named(ingress_render, "Ingress", "cto-cameras-playback");
    assert_eq!(ingress["spec"]["ingressClassName"], "nginx");
    assert_eq!(ingress["spec"]["tls"], json!([{"secretName": "cameras-tls", "hosts": ["cameras.example.com"]}]));
    let rule = &ingress["spec"]["rules"][0];
    assert_eq!(rule["host"], "cameras.example.com");
    let path = &rule["http"]["paths"][0];
    assert_eq!((&path["path"], &path["pathType"]), (&json!("/"), &json!("Prefix")));
    let service = named(ingress_render, "Service", "cto-cameras-playback");
    assert_eq!(path["backend"]["service"]["name"], service["metadata"]["name"]);
    assert_eq!(path["backend"]["service"]["port"]["name"], service["spec"]["ports"][0]["name"]);

    let existing = by_option("an existing token Secret");
    assert_eq!(playback_kinds(existing), BTreeSet::from(base.clone()), "no Secret: the user's is used");
    let volumes = &playback_deployment(existing)["spec"]["template"]["spec"]["volumes"];
    assert_eq!(volumes[0]["secret"]["secretName"], "viewer-token");

    for mode in ["trusted-header", "none"] {
        let render = by_option(&format!("auth {mode}"));
        assert_eq!(playback_kinds(render), BTreeSet::from(base.clone()), "{mode}: no token, so no Secret for one");
        let pod = &playback_deployment(render)["spec"]["template"]["spec"];
        assert!(pod["volumes"].is_null() && playback_container(render)["volumeMounts"].is_null(), "{mode}: {pod}");
        assert_eq!(playback_env(render)[playback::AUTH], mode);
    }
    assert_eq!(
        playback_env(by_option("auth trusted-header"))[playback::TRUSTED_HEADER],
        playback::DEFAULT_TRUSTED_HEADER
    );

    let disabled = by_option("playback disabled");
    assert!(playback_kinds(disabled).is_empty(), "playback.enabled=false renders nothing of playback");
    named(disabled, "Deployment", "cto-cameras-operator");

    let two = by_option("two replicas");
    assert_eq!(playback_deployment(two)["spec"]["replicas"], 2);
    let budget = named(two, "PodDisruptionBudget", "cto-cameras-playback");
    assert_eq!(budget["spec"]["maxUnavailable"], 1, "a drain leaves viewers a replica");
    for (key, value) in budget["spec"]["selector"]["matchLabels"].as_object().unwrap() {
        assert_eq!(&pod_labels(playback_deployment(two))[key], value);
    }
    assert!(of_kind(&render_default(), "PodDisruptionBudget").is_empty(), "one replica: no budget to block drains");
}

/// Every environment variable camera-playback reads (crds/src/contract/env.rs; LOG_FORMAT: its main.rs).
fn playback_reads() -> BTreeSet<&'static str> {
    BTreeSet::from([
        env::S3_ENDPOINT,
        env::S3_BUCKET,
        env::S3_REGION,
        env::S3_PREFIX,
        env::S3_ACCESS_KEY,
        env::S3_SECRET_KEY,
        env::LISTEN_ADDR,
        env::CONFIG_FILE,
        env::LOG_FORMAT,
        playback::AUTH,
        playback::TOKEN,
        playback::TOKEN_FILE,
        playback::TRUSTED_HEADER,
        playback::EXPORT_MAX,
        playback::LISTEN_ADDR,
    ])
}

/// The environment the chart gives playback: its ConfigMap through envFrom, then `env`. Values from a Secret
/// appear as `secret:<name>/<key>`.
fn playback_env(documents: &[Value]) -> BTreeMap<String, String> {
    let container = playback_container(documents);
    let from = &container["envFrom"];
    assert_eq!(from.as_array().map(Vec::len), Some(1), "one envFrom: playback's ConfigMap");
    let config = named(documents, "ConfigMap", from[0]["configMapRef"]["name"].as_str().unwrap());
    let mut found = BTreeMap::new();
    for (name, value) in config["data"].as_object().expect("ConfigMap data") {
        found.insert(name.clone(), value.as_str().expect("ConfigMap values are strings").to_owned());
    }
    for var in container["env"].as_array().map_or(&[][..], Vec::as_slice) {
        let name = var["name"].as_str().unwrap().to_owned();
        let value = match var["value"].as_str() {
            Some(value) => value.to_owned(),
            None => {
                let secret = &var["valueFrom"]["secretKeyRef"];
                format!(
                    "secret:{}/{}",
                    secret["name"].as_str().expect("a secretKeyRef"),
                    secret["key"].as_str().unwrap()
                )
            }
        };
        assert!(found.insert(name.clone(), value).is_none(), "{name} is set twice");
    }
    found
}

#[test]
fn the_chart_sets_only_settings_camera_playback_reads_and_reads_the_bucket_the_recorders_write() {
    let reads = playback_reads();
    for (what, rendered) in playback_renders() {
        let set = playback_env(&rendered);
        let unknown: Vec<&String> = set.keys().filter(|name| !reads.contains(name.as_str())).collect();
        assert!(unknown.is_empty(), "{what}: the chart sets settings camera-playback does not read: {unknown:?}");
        assert_eq!(set[env::LISTEN_ADDR], format!("0.0.0.0:{HTTP_PORT}"), "{what}");
        assert!(!set.contains_key(playback::LISTEN_ADDR), "{what}: one listen setting, LISTEN_ADDR");
        // The recorders' bucket: the operator's defaults for every Camera.
        let operator = chart_env(&rendered);
        assert_eq!(set[env::S3_BUCKET], operator["DEFAULT_S3_BUCKET"], "{what}");
        assert_eq!(set[env::S3_REGION], operator["DEFAULT_S3_REGION"], "{what}");
        assert_eq!(set.get(env::S3_ENDPOINT), operator.get("DEFAULT_S3_ENDPOINT"), "{what}");
    }

    let default = playback_env(&render_default());
    let names: Vec<&str> = default.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "LISTEN_ADDR",
            "LOG_FORMAT",
            "PLAYBACK_AUTH",
            "PLAYBACK_EXPORT_MAX",
            "PLAYBACK_TOKEN_FILE",
            "S3_ACCESS_KEY",
            "S3_BUCKET",
            "S3_REGION",
            "S3_SECRET_KEY"
        ],
        "unset by default: S3_ENDPOINT (AWS S3), S3_PREFIX, the trusted header"
    );
    assert_eq!(default[playback::AUTH], "token");
    assert_eq!(default[playback::EXPORT_MAX], "24h");
    assert_eq!(default[env::LOG_FORMAT], "json");
    assert_eq!(default[env::S3_ACCESS_KEY], "secret:s3-credentials/accessKey");
    assert_eq!(default[env::S3_SECRET_KEY], "secret:s3-credentials/secretKey");

    let full = playback_env(&render_full());
    assert_eq!(full[env::S3_ENDPOINT], "http://seaweedfs-s3.storage.svc:8333");
    assert_eq!(full[env::S3_PREFIX], "shop");
    assert_eq!(full[env::S3_ACCESS_KEY], "secret:seaweedfs-s3-read-only/accessKey", "playback's own, read-only key");
    assert_eq!(full[playback::AUTH], "trusted-header");
    assert_eq!(full[playback::TRUSTED_HEADER], "X-Auth-Request-User");
    assert_eq!(full[playback::EXPORT_MAX], "2h");
    assert_eq!(full[env::LOG_FORMAT], "text");
    assert!(!full.contains_key(playback::TOKEN_FILE), "no token in trusted-header mode");

    let unsigned = playback_env(&render_with(&["s3.credentialsSecret="]));
    assert!(!unsigned.contains_key(env::S3_ACCESS_KEY) && !unsigned.contains_key(env::S3_SECRET_KEY), "{unsigned:?}");
}

/// What the restricted Pod Security Standard (Kubernetes 1.30) forbids in a pod spec, as messages.
fn restricted_violations(pod: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if pod[field] == true {
            found.push(format!("{field} is true"));
        }
    }
    let allowed_volumes =
        ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
    for volume in pod["volumes"].as_array().map_or(&[][..], Vec::as_slice) {
        let kinds: Vec<&String> = volume.as_object().unwrap().keys().filter(|k| *k != "name").collect();
        if kinds.iter().any(|kind| !allowed_volumes.contains(&kind.as_str())) {
            found.push(format!("volume {} is of a forbidden type: {kinds:?}", volume["name"]));
        }
    }
    let pod_context = &pod["securityContext"];
    if pod_context["sysctls"].is_array() {
        found.push("sysctls are set".to_owned());
    }
    let containers = ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .flat_map(|field| pod[*field].as_array().map_or(&[][..], Vec::as_slice));
    for container in containers {
        let name = &container["name"];
        let context = &container["securityContext"];
        // A container's setting wins over the pod's.
        let effective = |field: &str| if context[field].is_null() { &pod_context[field] } else { &context[field] };
        if context["privileged"] == true {
            found.push(format!("{name}: privileged"));
        }
        if context["allowPrivilegeEscalation"] != false {
            found.push(format!("{name}: allowPrivilegeEscalation is not false"));
        }
        if effective("runAsNonRoot") != true {
            found.push(format!("{name}: runAsNonRoot is not true"));
        }
        if effective("runAsUser") == 0 {
            found.push(format!("{name}: runAsUser is 0"));
        }
        let seccomp = &effective("seccompProfile")["type"];
        if seccomp != "RuntimeDefault" && seccomp != "Localhost" {
            found.push(format!("{name}: seccompProfile is {seccomp}, not RuntimeDefault or Localhost"));
        }
        if !strings(&context["capabilities"]["drop"]).contains(&"ALL".to_owned()) {
            found.push(format!("{name}: capabilities do not drop ALL"));
        }
        if strings(&context["capabilities"]["add"]).iter().any(|c| c != "NET_BIND_SERVICE") {
            found.push(format!("{name}: adds capabilities {}", context["capabilities"]["add"]));
        }
        if !context["procMount"].is_null() && context["procMount"] != "Default" {
            found.push(format!("{name}: procMount"));
        }
        if !context["windowsOptions"]["hostProcess"].is_null() || context["appArmorProfile"]["type"] == "Unconfined" {
            found.push(format!("{name}: host process or AppArmor unconfined"));
        }
        for port in container["ports"].as_array().map_or(&[][..], Vec::as_slice) {
            if !port["hostPort"].is_null() && port["hostPort"] != 0 {
                found.push(format!("{name}: hostPort"));
            }
        }
    }
    found
}

#[test]
fn the_playback_pod_meets_the_restricted_pod_security_standard_and_has_no_api_access() {
    let operator = render_default();
    let operator_pod = &named(&operator, "Deployment", "cto-cameras-operator")["spec"]["template"]["spec"];
    assert_eq!(restricted_violations(operator_pod), Vec::<String>::new(), "the check passes what is known restricted");
    let mut privileged = operator_pod.clone();
    privileged["hostNetwork"] = json!(true);
    privileged["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = json!(true);
    privileged["volumes"] = json!([{"name": "host", "hostPath": {"path": "/"}}]);
    assert_eq!(restricted_violations(&privileged).len(), 3, "and finds what is not");

    for (what, rendered) in playback_renders() {
        let deployment = playback_deployment(&rendered);
        let pod = &deployment["spec"]["template"]["spec"];
        assert_eq!(restricted_violations(pod), Vec::<String>::new(), "{what}");
        assert_eq!(pod["automountServiceAccountToken"], false, "{what}: no Kubernetes API access");
        assert!(pod["serviceAccountName"].is_null(), "{what}: no ServiceAccount of its own, nothing bound to it");
        let container = playback_container(&rendered);
        let security = &container["securityContext"];
        assert_eq!(security["readOnlyRootFilesystem"], true, "{what}: it writes nothing");
        assert_eq!(security["runAsUser"], 65532, "{what}");
        assert_eq!(pod["securityContext"]["runAsUser"], 65532, "{what}");
        let volumes = pod["volumes"].as_array().map_or(&[][..], Vec::as_slice);
        assert!(volumes.iter().all(|v| v["secret"].is_object()), "{what}: no volume but the token: {volumes:?}");
    }
}

#[test]
fn the_viewer_token_reaches_playback_only_as_a_mounted_secret_file() {
    for (what, rendered) in playback_renders() {
        let container = playback_container(&rendered);
        let env = playback_env(&rendered);
        assert!(!env.contains_key(playback::TOKEN), "{what}: PLAYBACK_TOKEN would put the token in the pod spec");
        let config = named(&rendered, "ConfigMap", "cto-cameras-playback");
        assert!(config["data"][playback::TOKEN].is_null(), "{what}");
        let Some(file) = env.get(playback::TOKEN_FILE) else {
            assert_ne!(env[playback::AUTH], "token", "{what}: token mode needs the token file");
            continue;
        };
        // The file is the token Secret's key "token", mounted read-only where PLAYBACK_TOKEN_FILE points.
        let pod = &playback_deployment(&rendered)["spec"]["template"]["spec"];
        let volume = &pod["volumes"][0];
        let mount = &container["volumeMounts"][0];
        assert_eq!(mount["name"], volume["name"], "{what}");
        assert_eq!(mount["readOnly"], true, "{what}");
        let item = &volume["secret"]["items"][0];
        assert_eq!(item["key"], "token", "{what}");
        let mounted = format!("{}/{}", mount["mountPath"].as_str().unwrap(), item["path"].as_str().unwrap());
        assert_eq!(*file, mounted, "{what}: PLAYBACK_TOKEN_FILE is the mounted key");
        // 0440 and the pod's fsGroup: the token file is readable by playback's user through its group.
        assert_eq!(volume["secret"]["defaultMode"], 0o440, "{what}");
        assert_eq!(pod["securityContext"]["fsGroup"], pod["securityContext"]["runAsGroup"], "{what}");
        let secret = volume["secret"]["secretName"].as_str().unwrap();
        if secret == "cto-cameras-playback-token" {
            // The generated token: in the Secret's data and nowhere else in what the chart renders.
            let token = generated_token(&rendered);
            for object in &rendered {
                if object["kind"] != "Secret" {
                    assert!(
                        !object.to_string().contains(&token),
                        "{what}: the token is in {}",
                        object["metadata"]["name"]
                    );
                }
            }
        } else {
            assert_eq!(secret, "viewer-token", "{what}");
            assert!(of_kind(&rendered, "Secret").iter().all(|s| s["metadata"]["name"] != "cto-cameras-playback-token"));
        }
    }
}

#[test]
fn the_install_notes_tell_how_to_open_playback_and_log_in() {
    let default = notes(&[]);
    for step in [
        "kubectl -n cto-cameras port-forward svc/cto-cameras-playback 8080:8080",
        "http://localhost:8080",
        "kubectl -n cto-cameras get secret cto-cameras-playback-token -o jsonpath='{.data.token}' | base64 -d",
        "kubectl -n cto-cameras create secret generic s3-credentials",
        "set playback.auth.tokenSecret",
    ] {
        assert!(default.contains(step), "the notes should say {step:?}:\n{default}");
    }
    assert!(!default.contains("WARNING"), "{default}");

    let existing = notes(&["playback.auth.tokenSecret=viewer-token", "playback.service.port=80"]);
    assert!(existing.contains("port-forward svc/cto-cameras-playback 8080:80"), "{existing}");
    assert!(existing.contains("get secret viewer-token -o jsonpath='{.data.token}' | base64 -d"), "{existing}");

    let proxied = notes(&[
        "playback.auth.mode=trusted-header",
        "playback.auth.trustedHeader=X-Auth-Request-User",
        "playback.ingress.enabled=true",
        "playback.ingress.hosts={cameras.example.com}",
        "playback.ingress.tls[0].secretName=cameras-tls",
    ]);
    for says in ["trusted-header", "\"X-Auth-Request-User\"", "https://cameras.example.com/", "NetworkPolicy"] {
        assert!(proxied.contains(says), "the notes should say {says:?}:\n{proxied}");
    }
    assert!(!proxied.contains("get secret"), "no token to read: {proxied}");

    let open = notes(&["playback.auth.mode=none"]);
    assert!(open.contains("WARNING: playback.auth.mode is none"), "{open}");
    assert!(open.contains("watches and exports every camera, with no login"), "{open}");

    let plain = notes(&["playback.ingress.enabled=true", "playback.ingress.hosts={cameras.example.com}"]);
    assert!(plain.contains("http://cameras.example.com/") && plain.contains("has no TLS"), "{plain}");

    let off = notes(&["playback.enabled=false"]);
    assert!(!off.contains("playback"), "{off}");
}
