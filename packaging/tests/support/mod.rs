//! Shared by the packaging tests: the pinned tools (scripts/install-deps.sh puts helm and kubectl in
//! .tools/bin, the PyPI tools in .tools/venv/bin), running them, and reading multi-document YAML.
// Each test file uses a different part of this module.
#![allow(dead_code)]

use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const CHART: &str = "charts/cto-cameras";
/// Values that set every option away from its default (namespaced RBAC, two replicas, monitoring objects).
pub const FULL_VALUES: &str = "charts/cto-cameras/ci/full-values.yaml";
/// The Kubernetes version the rendered objects are validated against.
pub const KUBERNETES: &str = "1.30";

pub fn root() -> PathBuf {
    testkit::repo_root()
}

pub fn read(path: impl AsRef<Path>) -> String {
    let path = root().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// helm or kubectl: the pinned binary in .tools/bin, else the one on PATH.
pub fn bin(name: &str) -> PathBuf {
    let pinned = root().join(".tools/bin").join(name);
    if pinned.exists() { pinned } else { PathBuf::from(name) }
}

/// PATH with .tools/venv/bin first, for tools that call other pinned tools (actionlint runs shellcheck).
pub fn path_with_tools() -> String {
    let venv = root().join(".tools/venv/bin");
    let tools = root().join(".tools/bin");
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{}:{rest}", venv.display(), tools.display())
}

pub fn output(command: &mut Command) -> Output {
    command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e} (scripts/install-deps.sh installs it)"))
}

/// Runs `command` from the repository root; panics with everything it printed unless it succeeds.
/// Returns stdout.
pub fn run(command: &mut Command) -> String {
    let output = output(command.current_dir(root()));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the output is UTF-8")
}

/// `helm template cto-cameras charts/cto-cameras --namespace cto-cameras --include-crds ARGS...`.
pub fn helm_template(args: &[&str]) -> String {
    run(Command::new(bin("helm"))
        .args(["template", "cto-cameras", CHART, "--namespace", "cto-cameras", "--include-crds"])
        .args(args))
}

/// The chart rendered with its default values, as documents.
pub fn render_default() -> Vec<Value> {
    documents(&helm_template(&[]))
}

/// The chart rendered with ci/full-values.yaml, as documents.
pub fn render_full() -> Vec<Value> {
    documents(&helm_template(&["-f", FULL_VALUES]))
}

/// The YAML documents of a multi-document text (separated by `---` lines), without empty ones.
pub fn documents(text: &str) -> Vec<Value> {
    let mut found = Vec::new();
    let mut current = String::new();
    for line in text.lines().chain(std::iter::once("---")) {
        if line != "---" {
            current.push_str(line);
            current.push('\n');
            continue;
        }
        let has_content = current.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        if has_content {
            let document: Value = serde_yaml::from_str(&current).unwrap_or_else(|e| panic!("not YAML: {e}\n{current}"));
            if !document.is_null() {
                found.push(document);
            }
        }
        current.clear();
    }
    found
}

pub fn of_kind<'a>(documents: &'a [Value], kind: &str) -> Vec<&'a Value> {
    documents.iter().filter(|d| d["kind"] == kind).collect()
}

/// The one document of `kind` named `name`.
pub fn named<'a>(documents: &'a [Value], kind: &str, name: &str) -> &'a Value {
    let found: Vec<&Value> = documents.iter().filter(|d| d["kind"] == kind && d["metadata"]["name"] == name).collect();
    assert_eq!(found.len(), 1, "expected one {kind} named {name}, found {}", found.len());
    found[0]
}

/// The operator's Deployment and its one container.
pub fn operator_container(documents: &[Value]) -> &Value {
    let deployment = named(documents, "Deployment", "cto-cameras-operator");
    let containers = deployment["spec"]["template"]["spec"]["containers"].as_array().expect("containers");
    assert_eq!(containers.len(), 1, "the operator pod has one container");
    &containers[0]
}

/// `kubernetes-validate --strict -k 1.30 FILES...`; panics on any error. Returns what it printed.
pub fn kubernetes_validate<I, S>(files: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(Command::new(testkit::tool("kubernetes-validate")).args(["--strict", "-k", KUBERNETES]).args(files))
}

/// Kinds kubernetes-validate found no schema for (it warns and moves on), from what it printed.
pub fn kinds_without_schema(printed: &str) -> Vec<String> {
    printed
        .lines()
        .filter_map(|line| line.split("Couldn't find schema for kind ").nth(1))
        .map(|rest| rest.split(" for kubernetes version").next().unwrap_or(rest).to_owned())
        .collect()
}

/// Writes `text` into `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map_or_else(Vec::new, |items| items.iter().map(|item| item.as_str().expect("a string").to_owned()).collect())
}
