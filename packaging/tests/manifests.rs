//! The plain manifests (manifests/) are what scripts/render-manifests.sh renders from the chart, byte for
//! byte, and everything users apply by hand passes `kubernetes-validate --strict`: the manifests as
//! kustomize assembles them, the Secrets template, the examples and the e2e objects. Every Secret the plain
//! manifests' pods need is in the Secrets template, with a placeholder (the chart's random token cannot be).

mod support;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use support::*;

/// Files of manifests/ written by the script; the others are written by hand.
const RENDERED: [&str; 5] =
    ["config.yaml", "crd.yaml", "operator-deployment.yaml", "playback-deployment.yaml", "rbac.yaml"];
const BY_HAND: [&str; 4] = ["argocd-application.yaml", "kustomization.yaml", "namespace.yaml", "secrets-template.yaml"];

fn file_names(dir: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn the_committed_manifests_are_what_the_chart_renders() {
    let dir = tempfile::tempdir().unwrap();
    run(Command::new("bash").arg("scripts/render-manifests.sh").arg(dir.path()));
    assert_eq!(file_names(dir.path()), RENDERED.iter().map(|f| f.to_string()).collect::<BTreeSet<_>>());
    for file in RENDERED {
        let rendered = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(
            rendered == read(format!("manifests/{file}")),
            "manifests/{file} is stale: run scripts/render-manifests.sh and commit the result"
        );
    }
    let expected: BTreeSet<String> = RENDERED.iter().chain(BY_HAND.iter()).map(|f| f.to_string()).collect();
    assert_eq!(file_names(&root().join("manifests")), expected, "manifests/ holds only these files");
}

#[test]
fn the_plain_manifests_pass_kubernetes_validate_strict() {
    let assembled = run(Command::new(bin("kubectl")).args(["kustomize", "manifests"]));
    let kinds: BTreeSet<String> =
        documents(&assembled).iter().map(|d| d["kind"].as_str().unwrap().to_owned()).collect();
    for kind in
        ["Namespace", "CustomResourceDefinition", "ClusterRole", "ConfigMap", "ServiceAccount", "Deployment", "Service"]
    {
        assert!(kinds.contains(kind), "kubectl apply -k manifests/ installs a {kind}: {kinds:?}");
    }
    assert!(!kinds.contains("Secret"), "the Secrets template holds placeholders and is not applied with -k");
    let dir = tempfile::tempdir().unwrap();
    let kustomized = write(dir.path(), "kustomized.yaml", &assembled);
    let printed = kubernetes_validate([
        kustomized,
        root().join("manifests/secrets-template.yaml"),
        root().join("manifests/namespace.yaml"),
    ]);
    assert!(kinds_without_schema(&printed).is_empty(), "{printed}");
}

#[test]
fn the_examples_and_the_e2e_objects_pass_kubernetes_validate_strict() {
    let mut files = Vec::new();
    for dir in ["examples", "examples/cameras", "packaging/tests/e2e"] {
        for name in file_names(&root().join(dir)) {
            if name.ends_with(".yaml") {
                files.push(root().join(dir).join(name));
            }
        }
    }
    assert!(files.len() >= 12, "{files:?}");
    let printed = kubernetes_validate(files);
    // Cameras and ArgoCD Applications are custom resources: kubernetes-validate has no schema for them (the
    // crds tests check Cameras against the CRD).
    for kind in kinds_without_schema(&printed) {
        assert!(
            kind.starts_with("Camera with api version cto-cameras.io/")
                || kind.starts_with("Application with api version argoproj.io/"),
            "kubernetes-validate did not check {kind}"
        );
    }
}

/// The Secrets (namespace, name) → keys that the pods of `documents` read: secretKeyRef env and secret volumes.
fn secrets_used(documents: &[Value]) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut used: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for deployment in of_kind(documents, "Deployment") {
        let namespace = deployment["metadata"]["namespace"].as_str().unwrap().to_owned();
        let pod = &deployment["spec"]["template"]["spec"];
        for container in pod["containers"].as_array().unwrap() {
            for var in container["env"].as_array().map_or(&[][..], Vec::as_slice) {
                let secret = &var["valueFrom"]["secretKeyRef"];
                if let Some(name) = secret["name"].as_str() {
                    let key = secret["key"].as_str().unwrap().to_owned();
                    used.entry((namespace.clone(), name.to_owned())).or_default().insert(key);
                }
            }
        }
        for volume in pod["volumes"].as_array().map_or(&[][..], Vec::as_slice) {
            if let Some(name) = volume["secret"]["secretName"].as_str() {
                let keys = volume["secret"]["items"].as_array().expect("secret volumes name their keys");
                let entry = used.entry((namespace.clone(), name.to_owned())).or_default();
                entry.extend(keys.iter().map(|item| item["key"].as_str().unwrap().to_owned()));
            }
        }
    }
    used
}

#[test]
fn every_secret_the_plain_manifests_use_is_in_the_secrets_template_with_a_placeholder() {
    let assembled = documents(&run(Command::new(bin("kubectl")).args(["kustomize", "manifests"])));
    let used = secrets_used(&assembled);
    let playback_token = ("cto-cameras".to_owned(), "cto-cameras-playback-token".to_owned());
    assert_eq!(used.get(&playback_token), Some(&BTreeSet::from(["token".to_owned()])), "{used:?}");
    assert!(used.contains_key(&("cto-cameras".to_owned(), "s3-credentials".to_owned())), "playback's S3 key: {used:?}");

    let template = read("manifests/secrets-template.yaml");
    let secrets = documents(&template);
    for ((namespace, name), keys) in &used {
        let secret = secrets
            .iter()
            .find(|s| s["metadata"]["name"] == name.as_str() && s["metadata"]["namespace"] == namespace.as_str())
            .unwrap_or_else(|| panic!("the Secrets template lacks {namespace}/{name}, which the manifests use"));
        for key in keys {
            let value = secret["stringData"][key].as_str().unwrap_or_else(|| panic!("{name} has no key {key}"));
            assert!(value.contains("REPLACE_ME"), "{namespace}/{name} {key} is a placeholder, not {value:?}");
        }
    }
    // A forgotten placeholder cannot become the viewer token: camera-playback refuses tokens under 16
    // characters. The template says how to make a real one.
    let token = secrets.iter().find(|s| s["metadata"]["name"] == "cto-cameras-playback-token").unwrap();
    assert!(token["stringData"]["token"].as_str().unwrap().len() < 16);
    assert!(template.contains("openssl rand -hex 24"), "the template says how to make a token");
    assert!(
        !read("manifests/playback-deployment.yaml").contains("kind: Secret"),
        "the chart's random token is not rendered into the plain manifests"
    );
}
