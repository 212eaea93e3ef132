//! The plain manifests (manifests/) are what scripts/render-manifests.sh renders from the chart, byte for
//! byte, and everything users apply by hand passes `kubernetes-validate --strict`: the manifests as
//! kustomize assembles them, the Secrets template, the examples and the e2e objects.

mod support;

use std::collections::BTreeSet;
use std::process::Command;
use support::*;

/// Files of manifests/ written by the script; the others are written by hand.
const RENDERED: [&str; 4] = ["config.yaml", "crd.yaml", "operator-deployment.yaml", "rbac.yaml"];
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
    for kind in ["Namespace", "CustomResourceDefinition", "ClusterRole", "ConfigMap", "ServiceAccount", "Deployment"] {
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
