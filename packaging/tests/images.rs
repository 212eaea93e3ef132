//! The container images: hadolint on every Dockerfile, and the runtime stages agree with what runs them.
//! camera-operator creates recorder pods with `command: ["camera-recorder"]`, user 65532 and port 8080
//! (`operator::reconcile::build`); the chart runs the operator image with `command: ["camera-operator"]`,
//! the same user and port. No Docker engine runs here, so the Dockerfiles are read, not built (CI builds them).

mod support;

use operator::reconcile::build::{HTTP_PORT, RECORDER_COMMAND, RECORDER_UID};
use serde_json::Value;
use std::process::Command;
use support::*;

const DOCKERFILES: [&str; 4] = [
    "Dockerfile.operator",
    "Dockerfile.recorder",
    "packaging/tests/e2e/Dockerfile.camera-sim",
    "packaging/tests/e2e/Dockerfile.seaweedfs",
];

#[test]
fn hadolint_finds_nothing_in_any_dockerfile() {
    let printed = run(Command::new(testkit::tool("hadolint")).args(DOCKERFILES));
    assert!(printed.trim().is_empty(), "{printed}");
}

/// One Dockerfile instruction: keyword (upper case) and its arguments, continuation lines joined.
struct Instruction {
    keyword: String,
    args: String,
}

/// The instructions of each stage, in order (a stage starts at FROM).
fn stages(path: &str) -> Vec<Vec<Instruction>> {
    let text = read(path);
    let mut stages: Vec<Vec<Instruction>> = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if pending.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        if let Some(continued) = trimmed.strip_suffix('\\') {
            pending.push_str(continued);
            pending.push(' ');
            continue;
        }
        pending.push_str(trimmed);
        let (keyword, args) = pending.split_once(char::is_whitespace).unwrap_or((pending.as_str(), ""));
        let instruction = Instruction { keyword: keyword.to_uppercase(), args: args.trim().to_owned() };
        if instruction.keyword == "FROM" {
            stages.push(Vec::new());
        }
        stages.last_mut().unwrap_or_else(|| panic!("{path}: an instruction before FROM")).push(instruction);
        pending.clear();
    }
    stages
}

fn args_of<'a>(stage: &'a [Instruction], keyword: &str) -> Vec<&'a str> {
    stage.iter().filter(|i| i.keyword == keyword).map(|i| i.args.as_str()).collect()
}

/// What the runtime (last) stage of a Dockerfile says about the binary, the user and the port.
struct Runtime {
    base: String,
    binary_path: String,
    entrypoint: Vec<String>,
    uid: i64,
    ports: Vec<String>,
}

fn runtime(path: &str, binary: &str) -> Runtime {
    let stages = stages(path);
    assert!(stages.len() >= 2, "{path}: a build stage and a small runtime stage");
    let build = &stages[0];
    let base = args_of(build, "FROM")[0];
    let image = base.split_whitespace().next().unwrap();
    let tag = image.split_once(':').map_or("", |(_, tag)| tag);
    assert!(
        image.starts_with("rust:")
            && (image.contains("@sha256:") || tag.split('-').next().unwrap().split('.').count() == 3),
        "{path}: the Rust builder is pinned to an exact version: {image}"
    );
    let package = if binary == "camera-operator" { "operator" } else { "recorder" };
    let cargo = format!("cargo build --release --locked -p {package} --bin {binary}");
    assert!(args_of(build, "RUN").iter().any(|run| run.contains(&cargo)), "{path}: the build runs `{cargo}`");

    let last = stages.last().unwrap();
    let copies = args_of(last, "COPY");
    let binary_path = copies
        .iter()
        .filter(|copy| copy.starts_with("--from="))
        .filter_map(|copy| copy.split_whitespace().last())
        .find(|target| target.ends_with(&format!("/{binary}")))
        .unwrap_or_else(|| panic!("{path}: the runtime stage copies {binary} from the build stage: {copies:?}"))
        .to_owned();
    let users = args_of(last, "USER");
    assert_eq!(users.len(), 1, "{path}: one USER in the runtime stage");
    let uid: i64 = users[0].split(':').next().unwrap().parse().unwrap_or_else(|_| panic!("{path}: USER is numeric"));
    let entrypoints = args_of(last, "ENTRYPOINT");
    assert_eq!(entrypoints.len(), 1, "{path}: one ENTRYPOINT");
    let entrypoint: Vec<String> =
        serde_json::from_str(entrypoints[0]).unwrap_or_else(|e| panic!("{path}: ENTRYPOINT in exec form: {e}"));
    let ports: Vec<String> =
        args_of(last, "EXPOSE").iter().flat_map(|p| p.split_whitespace()).map(str::to_owned).collect();
    Runtime { base: args_of(last, "FROM")[0].to_owned(), binary_path, entrypoint, uid, ports }
}

#[test]
fn the_recorder_image_runs_what_camera_operator_creates_pods_with() {
    let image = runtime("Dockerfile.recorder", RECORDER_COMMAND);
    // The pod's command is `camera-recorder`, found on PATH: /usr/local/bin is on every base image's PATH.
    assert_eq!(image.binary_path, format!("/usr/local/bin/{RECORDER_COMMAND}"));
    assert_eq!(image.entrypoint, [RECORDER_COMMAND], "docker run behaves like the pod");
    assert_eq!(image.uid, RECORDER_UID, "the pod runs as RECORDER_UID with runAsNonRoot: the image's user matches");
    assert_eq!(image.ports, [HTTP_PORT.to_string()]);
    assert!(image.base.starts_with("debian:") && !image.base.contains("latest"), "a pinned Debian: {}", image.base);
    let installs = args_of(stages("Dockerfile.recorder").last().unwrap(), "RUN").join(" ");
    assert!(installs.contains("--no-install-recommends") && installs.contains("ffmpeg"), "FFmpeg from Debian");
}

#[test]
fn the_operator_image_runs_what_the_chart_deploys() {
    let image = runtime("Dockerfile.operator", "camera-operator");
    let rendered = render_default();
    let container = operator_container(&rendered);
    let command = container["command"].as_array().expect("the chart sets the command");
    assert_eq!(command.len(), 1);
    let command = command[0].as_str().unwrap();
    assert_eq!(image.binary_path, format!("/usr/local/bin/{command}"));
    assert_eq!(image.entrypoint, [command]);
    assert_eq!(container["securityContext"]["runAsUser"], image.uid);
    let pod = &named(&rendered, "Deployment", "cto-cameras-operator")["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsUser"], Value::from(image.uid));
    assert_eq!(container["ports"][0]["containerPort"], HTTP_PORT);
    assert_eq!(image.ports, [HTTP_PORT.to_string()]);
    assert_eq!(image.uid, RECORDER_UID, "both images run as the same non-root user");
    assert!(image.base.contains(":nonroot") || image.base.starts_with("debian:"), "{}", image.base);
}

#[test]
fn the_docker_build_context_holds_every_workspace_member() {
    let manifest = read("Cargo.toml");
    let members_line = manifest.lines().find(|line| line.trim_start().starts_with("members")).expect("members");
    let members: Vec<&str> = members_line.split('"').skip(1).step_by(2).collect();
    assert!(members.contains(&"operator") && members.contains(&"recorder"), "{members:?}");
    let ignore = read(".dockerignore");
    let included: Vec<&str> = ignore.lines().filter_map(|line| line.trim().strip_prefix('!')).collect();
    for needed in ["Cargo.toml", "Cargo.lock"] {
        assert!(included.contains(&needed), ".dockerignore keeps {needed}");
    }
    for member in members {
        assert!(
            included.iter().any(|path| path.trim_end_matches('/') == member),
            ".dockerignore must keep workspace member {member}/: cargo needs every member to build one"
        );
    }
}
