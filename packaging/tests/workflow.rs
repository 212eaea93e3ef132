//! The GitHub Actions workflow: actionlint (with shellcheck on its `run:` scripts) finds nothing, and it has
//! the jobs the project relies on: tests, chart checks, multi-arch images pushed only from main and tags, and
//! an end-to-end run on kind that waits for a Camera to record, finds a segment in the bucket, and lists the
//! camera through camera-playback with the chart's generated token. Every image has a Dockerfile.* at the
//! root, and every one of them is linted, built and pushed.

mod support;

use serde_json::Value;
use std::process::Command;
use support::*;

const WORKFLOW: &str = ".github/workflows/ci.yaml";

fn workflow() -> Value {
    serde_yaml::from_str(&read(WORKFLOW)).unwrap()
}

/// Every `run:` script of a job, joined.
fn scripts(job: &Value) -> String {
    let steps = job["steps"].as_array().expect("steps");
    steps.iter().filter_map(|step| step["run"].as_str()).collect::<Vec<_>>().join("\n")
}

#[test]
fn actionlint_finds_nothing_in_the_workflow() {
    // actionlint must run inside the git repository; shellcheck from .tools/venv checks the run: scripts.
    let printed = run(Command::new(testkit::tool("actionlint")).arg(WORKFLOW).env("PATH", path_with_tools()));
    assert!(printed.trim().is_empty(), "{printed}");
}

#[test]
fn the_workflow_tests_checks_the_chart_builds_images_and_records_on_kind() {
    let workflow = workflow();
    let jobs = &workflow["jobs"];
    assert!(scripts(&jobs["test"]).contains("scripts/test.sh"));

    let chart = scripts(&jobs["chart-lint"]);
    for check in ["helm lint --strict", "helm template", "kubernetes-validate --strict", "hadolint", "actionlint"] {
        assert!(chart.contains(check), "chart-lint runs {check}");
    }

    let images = &jobs["images"];
    let build = images["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["uses"].as_str().is_some_and(|uses| uses.starts_with("docker/build-push-action@")))
        .expect("images builds with docker/build-push-action");
    assert_eq!(build["with"]["platforms"], "linux/amd64,linux/arm64");
    assert_eq!(build["with"]["push"], "${{ env.PUSH == 'true' }}");
    let push = images["env"]["PUSH"].as_str().unwrap();
    assert!(
        push.contains("refs/heads/main") && push.contains("refs/tags/") && push.contains("github.event_name == 'push'"),
        "images are pushed from main and tags only: {push}"
    );

    let e2e = scripts(&jobs["e2e"]);
    for step in [
        "kind load docker-image",
        "helm install cto-cameras charts/cto-cameras",
        "kubectl -n cameras wait --for=condition=Recording=True camera/e2e",
        "s3 ls s3://camera-recordings/",
        "--set playback.image.repository=",
        "get secret cto-cameras-playback-token",
        "port-forward service/cto-cameras-playback",
        "/api/v1/cameras",
    ] {
        assert!(e2e.contains(step), "e2e runs {step:?}");
    }
    let uses: Vec<&str> =
        jobs["e2e"]["steps"].as_array().unwrap().iter().filter_map(|step| step["uses"].as_str()).collect();
    assert!(uses.iter().any(|u| u.starts_with("helm/kind-action@")), "{uses:?}");
}

#[test]
fn every_action_is_pinned_to_a_version_tag() {
    let workflow = workflow();
    for (name, job) in workflow["jobs"].as_object().unwrap() {
        for step in job["steps"].as_array().unwrap() {
            let Some(uses) = step["uses"].as_str() else { continue };
            let (_, version) = uses.split_once('@').unwrap_or_else(|| panic!("{name}: {uses} has no version"));
            assert!(
                version.strip_prefix('v').is_some_and(|number| number.starts_with(|c: char| c.is_ascii_digit())),
                "{name}: {uses} is pinned to a branch, not a version tag"
            );
        }
    }
}

#[test]
fn every_image_is_linted_and_built_by_the_workflow() {
    let mut dockerfiles: Vec<String> = std::fs::read_dir(root())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("Dockerfile."))
        .collect();
    dockerfiles.sort();
    assert!(dockerfiles.len() >= 3 && dockerfiles.contains(&"Dockerfile.playback".to_owned()), "{dockerfiles:?}");

    let workflow = workflow();
    let jobs = &workflow["jobs"];
    let matrix = jobs["images"]["strategy"]["matrix"]["include"].as_array().expect("an image matrix");
    let built: Vec<(String, String)> = matrix
        .iter()
        .map(|entry| (entry["image"].as_str().unwrap().to_owned(), entry["dockerfile"].as_str().unwrap().to_owned()))
        .collect();
    for dockerfile in &dockerfiles {
        let image = format!("camera-{}", dockerfile.trim_start_matches("Dockerfile."));
        assert!(
            built.contains(&(image.clone(), dockerfile.clone())),
            "the images job builds {image} from {dockerfile}"
        );
        let hadolint = scripts(&jobs["chart-lint"]);
        assert!(
            hadolint.lines().any(|l| l.contains("hadolint") && l.contains(dockerfile.as_str())),
            "hadolint {dockerfile}"
        );
        let e2e_builds: Vec<&str> =
            jobs["e2e"]["steps"].as_array().unwrap().iter().filter_map(|step| step["with"]["file"].as_str()).collect();
        assert!(e2e_builds.contains(&dockerfile.as_str()), "e2e runs the image of {dockerfile}: {e2e_builds:?}");
    }
    assert_eq!(built.len(), dockerfiles.len());
}
