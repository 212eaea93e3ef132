//! The container images: hadolint on every Dockerfile, and the runtime stages agree with what runs them.
//! camera-operator creates recorder pods with `command: ["camera-recorder"]`, user 65532 and port 8080
//! (`operator::reconcile::build`); the chart runs the operator image with `command: ["camera-operator"]` and
//! the playback image with `command: ["camera-playback"]`, the same user and port. No Docker engine runs here,
//! so the Dockerfiles are read, not built (CI builds them), and .dockerignore is evaluated by its rules.

mod support;

use operator::reconcile::build::{HTTP_PORT, RECORDER_COMMAND, RECORDER_UID};
use serde_json::Value;
use std::process::Command;
use support::*;

const DOCKERFILES: [&str; 5] = [
    "Dockerfile.operator",
    "Dockerfile.playback",
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

/// The stage that runs cargo: the one FROM a Rust image.
fn rust_stage(stages: &[Vec<Instruction>]) -> &[Instruction] {
    stages.iter().find(|stage| args_of(stage, "FROM")[0].starts_with("rust:")).expect("a stage FROM rust:")
}

fn runtime(path: &str, binary: &str) -> Runtime {
    let stages = stages(path);
    assert!(stages.len() >= 2, "{path}: a build stage and a small runtime stage");
    let build = rust_stage(&stages);
    let base = args_of(build, "FROM")[0];
    let image = base.split_whitespace().next().unwrap();
    let tag = image.split_once(':').map_or("", |(_, tag)| tag);
    assert!(
        image.starts_with("rust:")
            && (image.contains("@sha256:") || tag.split('-').next().unwrap().split('.').count() == 3),
        "{path}: the Rust builder is pinned to an exact version: {image}"
    );
    let package = binary.strip_prefix("camera-").expect("binaries are camera-<package>");
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

#[test]
fn the_playback_image_runs_what_the_chart_deploys_without_ffmpeg() {
    let image = runtime("Dockerfile.playback", "camera-playback");
    let rendered = render_default();
    let deployment = named(&rendered, "Deployment", "cto-cameras-playback");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["command"], serde_json::json!(["camera-playback"]));
    assert_eq!(image.binary_path, "/usr/local/bin/camera-playback", "on PATH in every base image");
    assert_eq!(image.entrypoint, ["camera-playback"], "docker run behaves like the pod");
    assert_eq!(container["securityContext"]["runAsUser"], image.uid);
    assert_eq!(deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"], Value::from(image.uid));
    assert_eq!(image.uid, RECORDER_UID, "every image runs as the same non-root user");
    assert_eq!(container["ports"][0]["containerPort"], HTTP_PORT);
    assert_eq!(image.ports, [HTTP_PORT.to_string()]);
    // distroless cc: glibc and CA certificates, nothing to install, no shell.
    assert_eq!(image.base, "gcr.io/distroless/cc-debian12:nonroot");

    let stages = stages("Dockerfile.playback");
    let text = read("Dockerfile.playback").to_lowercase();
    let instructions: String = stages.iter().flatten().map(|i| format!("{} {}\n", i.keyword, i.args)).collect();
    assert!(!instructions.to_lowercase().contains("ffmpeg"), "playback needs no FFmpeg: {instructions}");
    assert!(text.contains("ffmpeg"), "the header says why this is not the recorder's image");

    // The UI's npm packages come from a pinned Node.js stage that runs scripts/build-ui.sh on the lock alone;
    // the Rust stage copies them in before cargo build (playback/build.rs embeds hls.js from them).
    let ui = &stages[0];
    let node = args_of(ui, "FROM")[0].split_whitespace().find(|word| word.starts_with("node:")).expect("FROM node:");
    let version = node.trim_start_matches("node:").split('-').next().unwrap();
    assert_eq!(version.split('.').count(), 3, "Node.js pinned to an exact version: {node}");
    assert!(args_of(ui, "RUN").iter().any(|run| run.contains("scripts/build-ui.sh")), "the UI stage runs build-ui.sh");
    let ui_copies: Vec<&str> = args_of(ui, "COPY");
    assert!(
        ui_copies.iter().all(|copy| copy.contains("build-ui.sh") || copy.contains("package")),
        "only the script and the lock go into the npm layer, so it is reused until the lock changes: {ui_copies:?}"
    );
    let build = rust_stage(&stages);
    let order: Vec<String> = build.iter().map(|i| format!("{} {}", i.keyword, i.args)).collect();
    let copied = order.iter().position(|i| i.starts_with("COPY --from=ui ") && i.contains("playback/ui/node_modules"));
    let cargo = order.iter().position(|i| i.contains("cargo build --release --locked -p playback"));
    assert!(
        copied.is_some() && cargo.is_some() && copied < cargo,
        "the Rust stage copies the UI's node_modules before cargo build: {order:?}"
    );
}

/// Whether `.dockerignore` keeps `path` in the build context: the last pattern that matches decides, `!`
/// keeps. The patterns are Docker's, as far as this file uses them: `*` (everything at the top), `dir/` and
/// `dir/file` (that path and everything under it), `**/dir/` (a directory of that name anywhere).
fn in_context(ignore: &str, path: &str) -> bool {
    let mut kept = true;
    for line in ignore.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (keep, pattern) = match line.strip_prefix('!') {
            Some(pattern) => (true, pattern),
            None => (false, line),
        };
        let pattern = pattern.trim_end_matches('/');
        let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
        let matches = if pattern == "*" {
            true
        } else if let Some(name) = pattern.strip_prefix("**/") {
            path.split('/').any(|part| part == name)
        } else {
            under(pattern)
        };
        if matches {
            kept = keep;
        }
    }
    kept
}

#[test]
fn the_build_context_has_what_the_dockerfiles_copy_and_not_the_hosts_node_modules_or_builds() {
    let ignore = read(".dockerignore");
    // The .dockerignore reader itself, on what it must get right.
    assert!(!in_context("*\n!a/\na/b/\n", "a/b/c") && in_context("*\n!a/\na/b/\n", "a/c") && !in_context("*\n", "x"));

    for kept in [
        "Cargo.toml",
        "playback/build.rs",
        "playback/openapi.json",
        "playback/ui/index.html",
        "playback/ui/app.js",
        "playback/ui/style.css",
        "playback/ui/src/player.js",
        "playback/ui/package.json",
        "playback/ui/package-lock.json",
        "fmp4/src/lib.rs",
        "scripts/build-ui.sh",
    ] {
        assert!(in_context(&ignore, kept), ".dockerignore must keep {kept}: the playback image build needs it");
    }
    for left_out in [
        "playback/ui/node_modules/hls.js/dist/hls.light.min.js",
        "playback/ui/test-results/trace.zip",
        "target/release/camera-playback",
        "playback/target/debug/x",
        "packaging/tests/chart.rs",
        ".git/HEAD",
        ".tools/bin/helm",
    ] {
        assert!(!in_context(&ignore, left_out), ".dockerignore must leave out {left_out}");
    }
    // Every file the three images COPY from the context is in it.
    for dockerfile in ["Dockerfile.operator", "Dockerfile.playback", "Dockerfile.recorder"] {
        for stage in stages(dockerfile) {
            for copy in args_of(&stage, "COPY").iter().filter(|copy| !copy.starts_with("--from=")) {
                let words: Vec<&str> = copy.split_whitespace().filter(|w| !w.starts_with("--")).collect();
                for source in &words[..words.len() - 1] {
                    if *source != "." {
                        assert!(
                            in_context(&ignore, source),
                            "{dockerfile} copies {source}, which .dockerignore leaves out"
                        );
                    }
                }
            }
        }
    }
}
