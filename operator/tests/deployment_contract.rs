//! The Deployment contract, end to end: the operator builds a recorder Deployment for a Camera, and the real
//! `camera-recorder` runs with exactly that Deployment's command, args and environment — Secret references and
//! field references resolved as the kubelet would — against the camera simulator and SeaweedFS. Its real
//! `/status` then drives the operator's status computation.
//!
//! What a container runtime would do is the only translation: the container's mount paths become temp
//! directories, and its port becomes a free loopback port (the pod would have its own network namespace).

use crds::camera::{Camera, CameraSpec};
use crds::contract::env;
use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus};
use k8s_openapi::api::core::v1::{Container, EnvVar, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use operator::config::RecorderDefaults;
use operator::reconcile::build;
use operator::reconcile::status::{Observation, compute};
use operator::reconcile::validate::{Credentials, plan};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use testkit::bucket::Bucket;
use testkit::camera::{CameraOptions, CameraSim};
use testkit::recorder::{Recorder, http_get};
use testkit::seaweed::SeaweedFs;
use testkit::{free_port, wait_until};

const POD_NAME: &str = "recorder-porch-7c9d8-x2k4q";

fn camera() -> Camera {
    let mut spec = CameraSpec::for_url_secret("porch-camera", "url");
    spec.resolution = Some("1280x720".into());
    spec.fps = Some(15);
    spec.prefix = Some("site-a".into());
    spec.segment_duration = Some("10s".into());
    let mut camera = Camera::new("porch", spec);
    camera.metadata.namespace = Some("cameras".into());
    camera.metadata.uid = Some("uid-porch".into());
    camera.metadata.generation = Some(1);
    camera
}

fn secret(name: &str, data: &[(&str, &str)]) -> Secret {
    Secret {
        metadata: ObjectMeta { name: Some(name.into()), ..ObjectMeta::default() },
        data: Some(data.iter().map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec()))).collect()),
        ..Secret::default()
    }
}

/// Resolves the container's environment as the kubelet does: plain values, `secretKeyRef` from the given
/// Secrets, `fieldRef` from the pod's metadata.
fn resolve_env(env: &[EnvVar], secrets: &[&Secret]) -> BTreeMap<String, String> {
    env.iter()
        .map(|var| {
            let value = match (&var.value, &var.value_from) {
                (Some(value), _) => value.clone(),
                (None, Some(from)) => match (&from.secret_key_ref, &from.field_ref) {
                    (Some(key_ref), _) => {
                        let secret = secrets
                            .iter()
                            .find(|s| s.metadata.name.as_deref() == Some(key_ref.name.as_str()))
                            .unwrap_or_else(|| panic!("{} refers to a missing Secret {}", var.name, key_ref.name));
                        let bytes = &secret.data.as_ref().unwrap()[&key_ref.key];
                        String::from_utf8(bytes.0.clone()).unwrap()
                    }
                    (None, Some(field)) if field.field_path == "metadata.name" => POD_NAME.to_owned(),
                    other => panic!("{}: a value source the test does not resolve: {other:?}", var.name),
                },
                (None, None) => String::new(),
            };
            (var.name.clone(), value)
        })
        .collect()
}

struct Pod {
    recorder: Recorder,
    container: Container,
    _mounts: tempfile::TempDir,
}

/// Starts the recorder as the Deployment's pod would run.
fn run_pod(deployment: &Deployment, secrets: &[&Secret]) -> Pod {
    let pod = deployment.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
    let container = pod.containers[0].clone();
    let mut vars = resolve_env(container.env.as_deref().unwrap_or_default(), secrets);

    // The container's filesystem: each volume mount is a temp directory.
    let mounts = tempfile::tempdir().unwrap();
    let mut spool = PathBuf::new();
    for mount in container.volume_mounts.as_deref().unwrap_or_default() {
        let host = mounts.path().join(&mount.name);
        std::fs::create_dir_all(&host).unwrap();
        for value in vars.values_mut() {
            if *value == mount.mount_path {
                *value = host.display().to_string();
            }
        }
        if mount.mount_path == build::SPOOL_PATH {
            spool = host;
        }
    }
    // The pod's network namespace: its container port becomes a free loopback port.
    let container_port = container.ports.as_ref().unwrap()[0].container_port;
    let port = free_port();
    let listen = vars.get_mut(env::LISTEN_ADDR).expect("the Deployment sets LISTEN_ADDR");
    assert_eq!(*listen, format!("0.0.0.0:{container_port}"), "the recorder listens on the container port");
    *listen = format!("127.0.0.1:{port}");

    let command = container.command.clone().expect("the Deployment sets the command");
    assert_eq!(command, [build::RECORDER_COMMAND], "the image runs camera-recorder");
    let recorder = Recorder::start_exact(
        testkit::recorder_binary(),
        container.args.clone().unwrap_or_default(),
        vars,
        port,
        spool,
    );
    Pod { recorder, container, _mounts: mounts }
}

fn probe_path(container: &Container) -> String {
    let get = container.readiness_probe.as_ref().unwrap().http_get.as_ref().unwrap();
    assert_eq!(get.port, IntOrString::String("http".into()), "the probe uses the named container port");
    get.path.clone().unwrap()
}

fn condition(status: &crds::CameraStatus, type_: &str) -> (String, String, String) {
    let c = status.conditions.iter().find(|c| c.type_ == type_).unwrap();
    (c.status.clone(), c.reason.clone(), c.message.clone())
}

#[test]
fn the_generated_deployment_records_and_the_operator_reads_the_truth_from_it() {
    let s3 = SeaweedFs::start();
    let bucket = Bucket::on(&s3, "camera-recordings");
    bucket.create();
    let camera_sim = CameraSim::start(CameraOptions {
        user: Some("admin".into()),
        password: "s3cret:p@ss".into(),
        ..CameraOptions::default()
    });
    let url_secret = secret("porch-camera", &[("url", &camera_sim.url())]);
    let defaults = RecorderDefaults { s3_endpoint: Some(s3.endpoint()), ..RecorderDefaults::default() };

    let cam = camera();
    let plan = plan(&cam, &defaults, Some(&url_secret), Credentials::NotConfigured).expect("a valid Camera");
    let deployment = build::deployment(&cam, &plan);
    let pod = run_pod(&deployment, &[&url_secret]);
    let recorder = &pod.recorder;

    // The kubelet's readiness probe, as the Deployment defines it.
    let ready_path = probe_path(&pod.container);
    wait_until(Duration::from_secs(60), "the readiness probe to pass", || {
        http_get(recorder.port, &ready_path).filter(|(code, _)| *code == 200)
    });
    wait_until(Duration::from_secs(60), "a segment in the bucket under the Camera's prefix", || {
        (!bucket.list("site-a/porch/").is_empty()).then_some(())
    });

    let available = DeploymentStatus { replicas: Some(1), available_replicas: Some(1), ..DeploymentStatus::default() };
    let observe = |previous: Option<&crds::CameraStatus>| {
        let answer = Ok(recorder.status());
        compute(&Observation {
            generation: Some(1),
            enabled: true,
            problem: None,
            deployment: Some(&available),
            recorder: Some(&answer),
            previous,
            now: jiff::Timestamp::now(),
        })
    };
    let recording = observe(None);
    assert_eq!(condition(&recording, "Recording").0, "True", "{recording:#?}");
    assert_eq!(condition(&recording, "Degraded").0, "False", "{recording:#?}");
    assert_eq!(recording.recorder_pod.as_deref(), Some(POD_NAME), "POD_NAME comes from the downward API");
    assert_eq!(recording.stream.as_ref().unwrap().resolution, "1280x720");

    // The camera freezes: within the recorder's stall window (30 s by default, which the Deployment keeps),
    // the operator's status says so, with a reason and a fix.
    camera_sim.freeze();
    let stalled = wait_until(Duration::from_secs(90), "Recording=False after the camera froze", || {
        let status = observe(Some(&recording));
        (condition(&status, "Recording").0 == "False").then_some(status)
    });
    let (_, reason, message) = condition(&stalled, "Recording");
    assert!(["StreamStalled", "CameraUnreachable", "Connecting"].contains(&reason.as_str()), "{reason}: {message}");
    let degraded = wait_until(Duration::from_secs(60), "Degraded with an actionable reason", || {
        let status = observe(Some(&stalled));
        let degraded = condition(&status, "Degraded");
        (degraded.0 == "True").then_some(degraded)
    });
    assert!(["StreamStalled", "CameraUnreachable"].contains(&degraded.1.as_str()), "{degraded:?}");
    assert!(degraded.2.contains("camera"), "the message points at the camera: {}", degraded.2);
    assert!(!format!("{stalled:?}{degraded:?}").contains("s3cret"), "no credentials in the status");
    camera_sim.thaw();
}
