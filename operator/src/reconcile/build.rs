//! Build: the objects a Camera needs, from its [`Plan`]. Pure.
//!
//! - A Deployment running one recorder (zero when the Camera is disabled).
//! - A Service in front of its HTTP port, for `/status` (read by the operator) and `/metrics`.
//!
//! **Strategy: RollingUpdate with maxSurge 1, maxUnavailable 0.** The new recorder starts and must pass its
//! readiness probe (recording and uploading) before the old one gets SIGTERM; the old one then closes its
//! segment and uploads it. The two overlap for a few seconds, so an upgrade loses no footage. The overlap
//! cannot overwrite a full segment with a partial one: two recorders name a segment after the same clock
//! boundary only when both cut at it, and the new recorder's full segment is uploaded a segment later than the
//! old recorder's last, partial one. It needs a camera that allows two RTSP sessions, which nearly all do.

use super::validate::{ACCESS_KEY, Plan, SECRET_KEY};
use crds::Camera;
use crds::camera::{AudioMode, Transport};
use crds::contract::env::{self, CameraVar};
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, EnvVarSource, HTTPGetAction,
    ObjectFieldSelector, PodSecurityContext, PodSpec, PodTemplateSpec, Probe, SeccompProfile, SecretKeySelector,
    SecurityContext, Service, ServicePort, ServiceSpec, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::{Resource, ResourceExt};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Field manager for server-side apply.
pub const FIELD_MANAGER: &str = "camera-operator";
/// Label on every child, and the selector the operator watches them by.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "camera-operator");
pub const CAMERA_LABEL: &str = "cto-cameras.io/camera";
pub const CONFIG_HASH: &str = "cto-cameras.io/config-hash";
/// The recorder image's binary, user and port. Dockerfile.recorder must agree (a test checks it).
pub const RECORDER_COMMAND: &str = "camera-recorder";
pub const RECORDER_UID: i64 = 65532;
pub const HTTP_PORT: i32 = 8080;
pub const SPOOL_PATH: &str = "/var/spool/camera-recorder";
/// Time FFmpeg gets to close its segment after the recorder's SIGTERM, on top of the upload grace.
const STOP_MARGIN_SECONDS: i64 = 30;

/// Name of a Camera's Deployment and Service: `recorder-<camera>`. It starts with a letter (Service names
/// must) and fits the 63 characters of a DNS label, shortened with a hash when the Camera's name is long.
pub fn child_name(camera: &str) -> String {
    let name = format!("recorder-{camera}");
    if name.len() <= 63 {
        return name;
    }
    let hash: String = Sha256::digest(camera.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{}-{hash}", name[..54].trim_end_matches(['-', '.']))
}

fn labels(camera: &Camera) -> BTreeMap<String, String> {
    let name = camera.name_any();
    BTreeMap::from([
        ("app.kubernetes.io/name".to_owned(), "camera-recorder".to_owned()),
        ("app.kubernetes.io/instance".to_owned(), name.clone()),
        ("app.kubernetes.io/component".to_owned(), "recorder".to_owned()),
        ("app.kubernetes.io/part-of".to_owned(), "cto-cameras".to_owned()),
        (MANAGED_BY.0.to_owned(), MANAGED_BY.1.to_owned()),
        (CAMERA_LABEL.to_owned(), name),
    ])
}

/// The labels that select the pods: stable for the Deployment's lifetime (a selector cannot change).
fn selector(camera: &Camera) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/name".to_owned(), "camera-recorder".to_owned()),
        ("app.kubernetes.io/instance".to_owned(), camera.name_any()),
    ])
}

fn metadata(camera: &Camera) -> ObjectMeta {
    ObjectMeta {
        name: Some(child_name(&camera.name_any())),
        namespace: camera.namespace(),
        labels: Some(labels(camera)),
        owner_references: camera.controller_owner_ref(&()).map(|owner| vec![owner]),
        ..ObjectMeta::default()
    }
}

fn value(name: &str, value: impl Into<String>) -> EnvVar {
    EnvVar { name: name.to_owned(), value: Some(value.into()), value_from: None }
}

fn from_secret(name: &str, secret: &str, key: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: None,
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.to_owned(),
                key: key.to_owned(),
                optional: Some(false),
            }),
            ..EnvVarSource::default()
        }),
    }
}

/// The recorder's environment, with the names both crates share. Credentials come from Secrets by reference;
/// their values never appear in the Deployment.
pub fn recorder_env(plan: &Plan) -> Vec<EnvVar> {
    let camera = |var| env::camera(1, var);
    let mut vars = vec![
        from_secret(&camera(CameraVar::Url), &plan.url_secret.name, &plan.url_secret.key),
        value(&camera(CameraVar::Id), &plan.camera_id),
        value(&camera(CameraVar::Transport), transport(plan.transport)),
        value(&camera(CameraVar::Audio), audio(plan.audio)),
    ];
    if let Some(resolution) = &plan.resolution {
        vars.push(value(&camera(CameraVar::Resolution), resolution));
    }
    if let Some(fps) = plan.fps {
        vars.push(value(&camera(CameraVar::Fps), fps.to_string()));
    }
    if let Some(endpoint) = &plan.endpoint {
        vars.push(value(env::S3_ENDPOINT, endpoint));
    }
    vars.push(value(env::S3_REGION, &plan.region));
    vars.push(value(env::S3_BUCKET, &plan.bucket));
    if !plan.prefix.is_empty() {
        vars.push(value(env::S3_PREFIX, &plan.prefix));
    }
    if let Some(secret) = &plan.credentials_secret {
        vars.push(from_secret(env::S3_ACCESS_KEY, secret, ACCESS_KEY));
        vars.push(from_secret(env::S3_SECRET_KEY, secret, SECRET_KEY));
    }
    if let Some(retention) = &plan.retention {
        vars.push(value(env::RETENTION, retention));
    }
    vars.extend([
        value(env::SEGMENT_DURATION, &plan.segment_duration),
        value(env::TEMP_DIR, SPOOL_PATH),
        value(env::SPOOL_MAX_BYTES, plan.spool_max_bytes.to_string()),
        value(env::SHUTDOWN_GRACE, format!("{}s", plan.shutdown_grace.as_secs())),
        value(env::LISTEN_ADDR, format!("0.0.0.0:{HTTP_PORT}")),
        value(env::LOG_FORMAT, "json"),
        EnvVar {
            name: env::POD_NAME.to_owned(),
            value: None,
            value_from: Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector { field_path: "metadata.name".to_owned(), api_version: None }),
                ..EnvVarSource::default()
            }),
        },
    ]);
    vars
}

fn transport(transport: Transport) -> &'static str {
    match transport {
        Transport::Tcp => "tcp",
        Transport::Udp => "udp",
    }
}

fn audio(audio: AudioMode) -> &'static str {
    match audio {
        AudioMode::Auto => "auto",
        AudioMode::Copy => "copy",
        AudioMode::Aac => "aac",
        AudioMode::None => "none",
    }
}

fn http_probe(path: &str, initial_delay: i32, period: i32, failures: i32) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::String("http".to_owned()),
            ..HTTPGetAction::default()
        }),
        initial_delay_seconds: Some(initial_delay),
        period_seconds: Some(period),
        timeout_seconds: Some(3),
        failure_threshold: Some(failures),
        ..Probe::default()
    }
}

pub fn deployment(camera: &Camera, plan: &Plan) -> Deployment {
    let mut pod_labels = labels(camera);
    pod_labels.extend(selector(camera));
    let annotations = BTreeMap::from([
        (CONFIG_HASH.to_owned(), plan.fingerprint.clone()),
        ("prometheus.io/scrape".to_owned(), "true".to_owned()),
        ("prometheus.io/port".to_owned(), HTTP_PORT.to_string()),
        ("prometheus.io/path".to_owned(), "/metrics".to_owned()),
    ]);
    let container = Container {
        name: "recorder".to_owned(),
        image: Some(plan.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        command: Some(vec![RECORDER_COMMAND.to_owned()]),
        env: Some(recorder_env(plan)),
        ports: Some(vec![ContainerPort {
            name: Some("http".to_owned()),
            container_port: HTTP_PORT,
            protocol: Some("TCP".to_owned()),
            ..ContainerPort::default()
        }]),
        // Liveness only asks whether the process answers: a camera that is down must not restart the pod
        // (the recorder reconnects by itself). Readiness asks whether it records and uploads.
        liveness_probe: Some(http_probe("/health", 10, 10, 3)),
        readiness_probe: Some(http_probe("/ready", 5, 10, 3)),
        resources: Some(plan.resources.clone()),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            capabilities: Some(Capabilities { drop: Some(vec!["ALL".to_owned()]), add: None }),
            ..SecurityContext::default()
        }),
        volume_mounts: Some(vec![
            VolumeMount { name: "spool".to_owned(), mount_path: SPOOL_PATH.to_owned(), ..VolumeMount::default() },
            VolumeMount { name: "tmp".to_owned(), mount_path: "/tmp".to_owned(), ..VolumeMount::default() },
        ]),
        ..Container::default()
    };
    let pod = PodSpec {
        containers: vec![container],
        // The recorder needs no Kubernetes API access.
        automount_service_account_token: Some(false),
        enable_service_links: Some(false),
        termination_grace_period_seconds: Some(plan.shutdown_grace.as_secs() as i64 + STOP_MARGIN_SECONDS),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(RECORDER_UID),
            run_as_group: Some(RECORDER_UID),
            fs_group: Some(RECORDER_UID),
            seccomp_profile: Some(SeccompProfile { type_: "RuntimeDefault".to_owned(), localhost_profile: None }),
            ..PodSecurityContext::default()
        }),
        node_selector: plan.node_selector.clone(),
        tolerations: plan.tolerations.clone(),
        affinity: plan.affinity.clone(),
        volumes: Some(vec![
            Volume {
                name: "spool".to_owned(),
                empty_dir: Some(EmptyDirVolumeSource { size_limit: Some(plan.spool_size.clone()), medium: None }),
                ..Volume::default()
            },
            Volume {
                name: "tmp".to_owned(),
                empty_dir: Some(EmptyDirVolumeSource { size_limit: Some(Quantity("64Mi".to_owned())), medium: None }),
                ..Volume::default()
            },
        ]),
        ..PodSpec::default()
    };
    Deployment {
        metadata: metadata(camera),
        spec: Some(DeploymentSpec {
            replicas: Some(i32::from(plan.enabled)),
            revision_history_limit: Some(3),
            selector: LabelSelector { match_labels: Some(selector(camera)), match_expressions: None },
            strategy: Some(DeploymentStrategy {
                type_: Some("RollingUpdate".to_owned()),
                rolling_update: Some(RollingUpdateDeployment {
                    max_surge: Some(IntOrString::Int(1)),
                    max_unavailable: Some(IntOrString::Int(0)),
                }),
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    annotations: Some(annotations),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod),
            },
            ..DeploymentSpec::default()
        }),
        status: None,
    }
}

/// The Service the operator reads `/status` through. It publishes pods that are not ready: a recorder is
/// unready exactly when it is not recording, and that is when the operator most needs to ask it why.
pub fn service(camera: &Camera) -> Service {
    Service {
        metadata: metadata(camera),
        spec: Some(ServiceSpec {
            selector: Some(selector(camera)),
            publish_not_ready_addresses: Some(true),
            ports: Some(vec![ServicePort {
                name: Some("http".to_owned()),
                port: HTTP_PORT,
                target_port: Some(IntOrString::String("http".to_owned())),
                protocol: Some("TCP".to_owned()),
                ..ServicePort::default()
            }]),
            type_: Some("ClusterIP".to_owned()),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RecorderDefaults;
    use crate::fixtures::{camera, secret};
    use crate::reconcile::validate::{Credentials, plan};

    fn built(cam: &Camera, credentials: Option<&k8s_openapi::api::core::v1::Secret>) -> (Plan, Deployment) {
        let url = secret("front-door-camera", &[("url", "rtsp://admin:pw@10.0.0.5/stream")]);
        let defaults = RecorderDefaults {
            s3_endpoint: Some("http://seaweedfs:8333".into()),
            credentials_secret: Some("s3-credentials".into()),
            ..RecorderDefaults::default()
        };
        let creds = credentials.map_or(Credentials::NotConfigured, Credentials::Found);
        let plan = plan(cam, &defaults, Some(&url), creds).unwrap();
        let deployment = deployment(cam, &plan);
        (plan, deployment)
    }

    fn pod(deployment: &Deployment) -> &PodSpec {
        deployment.spec.as_ref().unwrap().template.spec.as_ref().unwrap()
    }

    fn env_of(deployment: &Deployment) -> BTreeMap<String, EnvVar> {
        pod(deployment).containers[0].env.clone().unwrap().into_iter().map(|e| (e.name.clone(), e)).collect()
    }

    #[test]
    fn the_recorder_gets_the_shared_env_names_and_secrets_by_reference() {
        let creds = secret("s3-credentials", &[("accessKey", "AKID"), ("secretKey", "wJalr")]);
        let (plan, deployment) = built(&camera("front-door"), Some(&creds));
        let env = env_of(&deployment);
        let url = env["CAMERA_1_URL"].value_from.as_ref().unwrap().secret_key_ref.as_ref().unwrap();
        assert_eq!((url.name.as_str(), url.key.as_str()), ("front-door-camera", "url"));
        assert_eq!(env["CAMERA_1_ID"].value.as_deref(), Some("front-door"));
        assert_eq!(env["S3_ENDPOINT"].value.as_deref(), Some("http://seaweedfs:8333"));
        assert_eq!(env["S3_BUCKET"].value.as_deref(), Some("camera-recordings"));
        assert_eq!(env["SEGMENT_DURATION"].value.as_deref(), Some("15m"));
        assert_eq!(env["TEMP_DIR"].value.as_deref(), Some(SPOOL_PATH));
        assert_eq!(env["SPOOL_MAX_BYTES"].value.as_deref(), Some(plan.spool_max_bytes.to_string().as_str()));
        let access = env["S3_ACCESS_KEY"].value_from.as_ref().unwrap().secret_key_ref.as_ref().unwrap();
        assert_eq!((access.name.as_str(), access.key.as_str()), ("s3-credentials", "accessKey"));
        assert_eq!(
            env["POD_NAME"].value_from.as_ref().unwrap().field_ref.as_ref().unwrap().field_path,
            "metadata.name"
        );
        let text = serde_json::to_string(&deployment).unwrap();
        for secret in ["admin:pw", "AKID", "wJalr"] {
            assert!(!text.contains(secret), "secret values never appear in the Deployment");
        }
    }

    #[test]
    fn the_pod_is_locked_down_probed_and_given_time_to_upload() {
        let (_, deployment) = built(&camera("front-door"), None);
        let pod = pod(&deployment);
        let security = pod.security_context.as_ref().unwrap();
        assert_eq!(security.run_as_non_root, Some(true));
        assert_eq!(security.seccomp_profile.as_ref().unwrap().type_, "RuntimeDefault");
        assert_eq!(pod.automount_service_account_token, Some(false), "no Kubernetes API access");
        let container = &pod.containers[0];
        let sc = container.security_context.as_ref().unwrap();
        assert_eq!(sc.read_only_root_filesystem, Some(true));
        assert_eq!(sc.allow_privilege_escalation, Some(false));
        assert_eq!(sc.capabilities.as_ref().unwrap().drop.as_deref(), Some(&["ALL".to_owned()][..]));
        assert_eq!(
            container.liveness_probe.as_ref().unwrap().http_get.as_ref().unwrap().path.as_deref(),
            Some("/health")
        );
        assert_eq!(
            container.readiness_probe.as_ref().unwrap().http_get.as_ref().unwrap().path.as_deref(),
            Some("/ready")
        );
        let resources = container.resources.as_ref().unwrap();
        assert!(resources.requests.as_ref().unwrap().contains_key("memory"));
        assert!(resources.limits.as_ref().unwrap().contains_key("memory"));
        assert_eq!(
            pod.termination_grace_period_seconds,
            Some(90),
            "60 s of upload grace and 30 s to close the segment"
        );
        assert_eq!(container.command.as_deref(), Some(&[RECORDER_COMMAND.to_owned()][..]));
        let spool = pod.volumes.as_ref().unwrap().iter().find(|v| v.name == "spool").unwrap();
        assert_eq!(spool.empty_dir.as_ref().unwrap().size_limit, Some(Quantity("2Gi".into())));
    }

    #[test]
    fn children_are_owned_labelled_and_roll_with_the_fingerprint() {
        let cam = camera("front-door");
        let (plan, deployment) = built(&cam, None);
        let owner = &deployment.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!((owner.kind.as_str(), owner.name.as_str(), owner.controller), ("Camera", "front-door", Some(true)));
        let labels = deployment.metadata.labels.as_ref().unwrap();
        assert_eq!(labels["app.kubernetes.io/managed-by"], "camera-operator");
        assert_eq!(labels["app.kubernetes.io/part-of"], "cto-cameras");
        let spec = deployment.spec.as_ref().unwrap();
        assert_eq!(spec.replicas, Some(1));
        assert_eq!(spec.strategy.as_ref().unwrap().type_.as_deref(), Some("RollingUpdate"));
        let template = spec.template.metadata.as_ref().unwrap();
        assert_eq!(template.annotations.as_ref().unwrap()[CONFIG_HASH], plan.fingerprint);
        let selector = spec.selector.match_labels.as_ref().unwrap();
        assert!(selector.iter().all(|(k, v)| template.labels.as_ref().unwrap().get(k) == Some(v)));
        let service = service(&cam);
        assert_eq!(service.metadata.name.as_deref(), Some("recorder-front-door"));
        let service_spec = service.spec.unwrap();
        assert_eq!(service_spec.selector.as_ref(), Some(selector));
        assert_eq!(
            service_spec.publish_not_ready_addresses,
            Some(true),
            "an unready recorder must still answer /status, or the operator cannot say why it is not recording"
        );
    }

    #[test]
    fn the_retention_comes_from_the_camera_else_the_default_else_is_not_set() {
        let cam = camera("front-door");
        let (_, unset) = built(&cam, None);
        assert!(!env_of(&unset).contains_key("RETENTION"), "unset: kept forever");

        let url = secret("front-door-camera", &[("url", "rtsp://cam/stream")]);
        let defaults = RecorderDefaults { retention: Some("30d".into()), ..RecorderDefaults::default() };
        let with_default = plan(&cam, &defaults, Some(&url), Credentials::NotConfigured).unwrap();
        assert_eq!(env_of(&deployment(&cam, &with_default))["RETENTION"].value.as_deref(), Some("30d"));

        let mut own = cam.clone();
        own.spec.retention = Some("forever".into());
        let with_own = plan(&own, &defaults, Some(&url), Credentials::NotConfigured).unwrap();
        assert_eq!(env_of(&deployment(&own, &with_own))["RETENTION"].value.as_deref(), Some("forever"));
        assert_ne!(with_own.fingerprint, with_default.fingerprint, "a new retention rolls the recorder");
    }

    #[test]
    fn a_disabled_camera_scales_to_zero() {
        let mut cam = camera("front-door");
        cam.spec.enabled = false;
        let (_, deployment) = built(&cam, None);
        assert_eq!(deployment.spec.unwrap().replicas, Some(0));
    }

    #[test]
    fn child_names_are_valid_dns_labels() {
        assert_eq!(child_name("front-door"), "recorder-front-door");
        let long = child_name(&"1".repeat(63));
        assert!(long.len() <= 63 && long.starts_with("recorder-"), "{long}");
        assert_ne!(child_name(&format!("{}a", "x".repeat(62))), child_name(&format!("{}b", "x".repeat(62))));
    }
}
