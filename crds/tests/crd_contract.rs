//! The CRD contract: the committed YAML is what the Rust types generate, the example Cameras are valid, and
//! each Camera in `tests/bad-cameras/` is rejected with the message its `# expect:` line names.
//!
//! Two validators stand in for the API server: a JSON-schema validator for the structural rules (required
//! fields, types, patterns, ranges, enums, unknown fields as under kubectl's default `--validate=strict`)
//! and kube's client-side CEL evaluator for the `x-kubernetes-validations` rules.

use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The openAPIV3Schema of the committed CRD.
fn committed_schema() -> Value {
    let crd: Value = serde_yaml::from_str(&read(&repo().join("crds/camera.yaml"))).unwrap();
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone()
}

/// Every YAML document in `path` whose kind is Camera.
fn cameras_in(path: &Path) -> Vec<Value> {
    read(path)
        .split("\n---")
        .filter_map(|doc| serde_yaml::from_str::<Value>(doc).ok())
        .filter(|doc| doc["kind"] == "Camera")
        .collect()
}

/// The API server prunes or (with kubectl's default strict field validation) rejects unknown fields;
/// JSON schema allows them unless told otherwise.
fn strict(schema: &mut Value) {
    if let Value::Object(map) = schema {
        let open = map.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
        if map.contains_key("properties") && !map.contains_key("additionalProperties") && !open {
            map.insert("additionalProperties".into(), Value::Bool(false));
        }
        for value in map.values_mut() {
            strict(value);
        }
    } else if let Value::Array(items) = schema {
        items.iter_mut().for_each(strict);
    }
}

/// Every problem either validator finds, one string each.
fn problems(schema: &Value, camera: &Value) -> Vec<String> {
    let mut structural = schema.clone();
    // metadata is validated by the API server itself, not by the CRD's schema.
    structural["properties"].as_object_mut().unwrap().remove("metadata");
    strict(&mut structural);
    // apiVersion, kind and metadata sit beside spec and status at the top.
    structural["additionalProperties"] = Value::Bool(true);
    let validator = jsonschema::draft4::new(&structural).expect("the CRD schema is a valid JSON schema");
    let mut found: Vec<String> =
        validator.iter_errors(camera).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    if let Err(errors) = kube::core::cel::Validator::new().validate(schema, camera, None) {
        found.push(errors.to_string());
    }
    found
}

#[test]
fn the_committed_crd_is_what_the_types_generate() {
    let committed = read(&repo().join("crds/camera.yaml"));
    let generated = crds::camera::crd_yaml();
    assert!(
        committed == generated,
        "crds/camera.yaml is stale: run `cargo run -p crds --bin crdgen > crds/camera.yaml` and commit it"
    );
}

#[test]
fn the_crd_has_the_names_and_columns_users_rely_on() {
    let crd: Value = serde_yaml::from_str(&crds::camera::crd_yaml()).unwrap();
    assert_eq!(crd["metadata"]["name"], "cameras.cto-cameras.io");
    assert_eq!(crd["spec"]["names"]["shortNames"][0], "cam");
    assert_eq!(crd["spec"]["scope"], "Namespaced");
    let version = &crd["spec"]["versions"][0];
    assert_eq!(version["name"], "v1alpha1");
    assert!(version["subresources"]["status"].is_object(), "status is a subresource");
    let columns: Vec<&str> =
        version["additionalPrinterColumns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    for name in ["Recording", "Last Segment", "Resolution", "Age"] {
        assert!(columns.contains(&name), "kubectl get cameras shows {name}: {columns:?}");
    }
    let conditions = &version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]["conditions"];
    assert_eq!(conditions["x-kubernetes-list-type"], "map");
    assert_eq!(conditions["x-kubernetes-list-map-keys"][0], "type");
}

#[test]
fn every_example_camera_is_valid() {
    let schema = committed_schema();
    let mut checked = 0;
    let mut files = vec![repo().join("packaging/tests/e2e/camera.yaml")];
    for dir in ["examples", "examples/cameras"] {
        for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    for path in files {
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        for camera in cameras_in(&path) {
            let found = problems(&schema, &camera);
            assert!(found.is_empty(), "{}: {found:#?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 5, "examples/, examples/cameras/ and the e2e job hold Cameras; found {checked}");
}

#[test]
fn each_bad_camera_is_rejected_with_a_message_a_person_understands() {
    let schema = committed_schema();
    let dir = repo().join("crds/tests/bad-cameras");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = read(&path);
        let expected = text.lines().find_map(|l| l.strip_prefix("# expect: ")).expect("an '# expect:' line");
        let camera = serde_yaml::from_str::<Value>(&text).unwrap();
        let found = problems(&schema, &camera);
        assert!(!found.is_empty(), "{} was accepted", path.display());
        assert!(found.iter().any(|p| p.contains(expected)), "{}: expected '{expected}' in {found:#?}", path.display());
        checked += 1;
    }
    assert!(checked >= 10);
}

#[test]
fn the_cel_rules_accept_the_durations_users_write() {
    let schema = committed_schema();
    for duration in ["10s", "15m", "1h", "60m", "1m30s"] {
        let camera = serde_json::json!({
            "apiVersion": "cto-cameras.io/v1alpha1", "kind": "Camera", "metadata": {"name": "c"},
            "spec": {"urlSecretRef": {"name": "s", "key": "url"}, "segmentDuration": duration}
        });
        assert_eq!(problems(&schema, &camera), Vec::<String>::new(), "{duration}");
    }
}
