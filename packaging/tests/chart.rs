//! The Helm chart, checked with the real tools and against the operator's own code: `helm lint --strict`,
//! `kubernetes-validate --strict` on what it renders (default values and every option set), the copies it
//! ships equal to their sources, the operator's settings equal to what the operator's clap definition knows and
//! accepts, values.schema.json rejecting bad values with a message naming them, and RBAC granting exactly what
//! the operator uses.

mod support;

use clap::{CommandFactory, Parser};
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
    assert_eq!(skipped.len(), 3, "{printed}");
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
    assert_eq!(unset, ["DEFAULT_S3_ENDPOINT", "WATCH_NAMESPACES"], "unset by default: AWS S3, every namespace");
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
    assert_eq!(config.defaults.shutdown_grace, Duration::from_secs(90));
    assert_eq!(config.defaults.cpu_request, "100m");
    assert_eq!(config.defaults.memory_request, "96Mi");
    assert_eq!(config.defaults.memory_limit, "384Mi");
    assert_eq!(config.status_refresh, Duration::from_secs(20));
    assert_eq!(config.log_format, "text");
}

#[test]
fn the_values_schema_rejects_bad_values_with_a_message_naming_them() {
    let cases: [(&[&str], &str); 9] = [
        (&["s3.bucket=Bad_Bucket"], "s3.bucket: Does not match pattern"),
        (&["s3.bucket=null"], "bucket is required"),
        (&["recorder.segmentDuration=forever"], "recorder.segmentDuration: Does not match pattern"),
        (&["recorder.segmentDuration=2h"], "recorder.segmentDuration is 2h: it must be between 10s and 60m"),
        (&["recorder.spoolSize=lots"], "recorder.spoolSize: Does not match pattern"),
        (&["s3.endpoint=http://user:password@minio:9000"], "s3.endpoint: Does not match pattern"),
        (&["operator.logFormat=xml"], "operator.logFormat must be one of the following"),
        (&["recorder.resources.limits.cpu=1"], "Additional property cpu is not allowed"),
        (&["operator.replicas=2", "operator.leaderElection=false"], "operator.leaderElection is false"),
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
