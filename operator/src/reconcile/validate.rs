//! Validate: a Camera, the Secrets it references and the operator's defaults become a [`Plan`] — everything
//! the builders need — or one [`Problem`] the user can fix. Pure: the Secrets are fetched by the caller.
//!
//! The CRD schema already rejects what it can; this catches what it cannot know: a missing Secret or key, a
//! URL inside the Secret that does not parse, a default that does not fit this Camera.

use crate::config::RecorderDefaults;
use crate::reasons::Reason;
use crds::camera::{AudioMode, Camera, SecretKeySelector, Transport};
use crds::contract::camera_url::CameraUrl;
use crds::contract::{env, names};
use k8s_openapi::api::core::v1::{Affinity, ResourceRequirements, Secret, Toleration};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::ResourceExt;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;

/// Keys of the S3 credentials Secret.
pub const ACCESS_KEY: &str = "accessKey";
pub const SECRET_KEY: &str = "secretKey";

/// A problem with the Camera that keeps it from being deployed as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub reason: Reason,
    pub message: String,
}

impl Problem {
    fn new(reason: Reason, message: impl Into<String>) -> Self {
        Problem { reason, message: message.into() }
    }
}

/// How the S3 credentials Secret was found.
#[derive(Debug, Clone, Copy)]
pub enum Credentials<'a> {
    /// Neither the Camera nor the operator names one: requests go unsigned.
    NotConfigured,
    /// Named, but not found in the Camera's namespace.
    Missing(&'a str),
    Found(&'a Secret),
}

/// Everything needed to build a Camera's children.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub camera_id: String,
    pub enabled: bool,
    pub url_secret: SecretKeySelector,
    pub resolution: Option<String>,
    pub fps: Option<u32>,
    pub transport: Transport,
    pub audio: AudioMode,
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    pub prefix: String,
    pub credentials_secret: Option<String>,
    pub segment_duration: String,
    /// The recorder's RETENTION (`30d`, `forever`); `None`: unset, footage is kept forever.
    pub retention: Option<String>,
    pub image: String,
    pub spool_size: Quantity,
    /// The recorder's SPOOL_MAX_BYTES: 90 % of the emptyDir, so the kubelet never evicts the pod for filling it.
    pub spool_max_bytes: u64,
    pub shutdown_grace: Duration,
    pub resources: ResourceRequirements,
    pub node_selector: Option<BTreeMap<String, String>>,
    pub tolerations: Option<Vec<Toleration>>,
    pub affinity: Option<Affinity>,
    /// Changes whenever the spec, the defaults or a referenced Secret's contents change; put on the pod
    /// template, it rolls the recorder.
    pub fingerprint: String,
}

pub fn plan(
    camera: &Camera,
    defaults: &RecorderDefaults,
    url_secret: Option<&Secret>,
    credentials: Credentials,
) -> Result<Plan, Problem> {
    let spec = &camera.spec;
    let name = camera.name_any();
    let namespace = camera.namespace().unwrap_or_default();
    let camera_id = names::camera_id(&name).map_err(|problem| {
        Problem::new(Reason::InvalidSpec, format!("metadata.name: {problem}; recreate the Camera with a shorter name"))
    })?;

    let url_ref = &spec.url_secret_ref;
    let secret = url_secret.ok_or_else(|| {
        Problem::new(
            Reason::SecretNotFound,
            format!(
                "Secret '{}' (spec.urlSecretRef) not found in namespace '{namespace}'; create it with the camera's \
                 RTSP URL under key '{}' (see examples/camera-secret.yaml)",
                url_ref.name, url_ref.key
            ),
        )
    })?;
    let url = secret_value(secret, &url_ref.key).ok_or_else(|| {
        Problem::new(
            Reason::SecretKeyMissing,
            format!(
                "Secret '{}' has no key '{}' (it has: {}); add the camera's RTSP URL under that key or point \
                 spec.urlSecretRef.key at the right one",
                url_ref.name,
                url_ref.key,
                secret_keys(secret)
            ),
        )
    })?;
    CameraUrl::parse(&url).map_err(|problem| {
        Problem::new(
            Reason::InvalidCameraURL,
            format!("the URL in Secret '{}' key '{}' {problem}", url_ref.name, url_ref.key),
        )
    })?;

    let segment_duration = spec.segment_duration.clone().unwrap_or_else(|| defaults.segment_duration.clone());
    check_segment_duration(&segment_duration).map_err(|problem| {
        let field = if spec.segment_duration.is_some() {
            "spec.segmentDuration"
        } else {
            "the operator's DEFAULT_SEGMENT_DURATION"
        };
        Problem::new(Reason::InvalidSpec, format!("{field}: {problem}"))
    })?;

    let retention = spec.retention.clone().or_else(|| defaults.retention.clone()).filter(|r| !r.trim().is_empty());
    if let Some(text) = &retention {
        env::retention(text).map_err(|problem| {
            let field = if spec.retention.is_some() { "spec.retention" } else { "the operator's DEFAULT_RETENTION" };
            Problem::new(Reason::InvalidSpec, format!("{field}: {problem}"))
        })?;
    }

    let bucket = spec.bucket.clone().unwrap_or_else(|| defaults.bucket.clone());
    names::bucket_name(&bucket).map_err(|problem| {
        let field = if spec.bucket.is_some() { "spec.bucket" } else { "the operator's DEFAULT_S3_BUCKET" };
        Problem::new(Reason::InvalidBucketName, format!("{field}: {problem}"))
    })?;
    let prefix = names::key_prefix(spec.prefix.as_deref().unwrap_or_default())
        .map_err(|problem| Problem::new(Reason::InvalidSpec, format!("spec.prefix: {problem}")))?;

    let storage = spec.storage.clone().unwrap_or_default();
    let endpoint = storage.endpoint.clone().or_else(|| defaults.s3_endpoint.clone());
    let region = storage.region.clone().unwrap_or_else(|| defaults.s3_region.clone());
    let credentials_secret = match credentials {
        Credentials::NotConfigured => None,
        Credentials::Missing(name) => {
            return Err(Problem::new(
                Reason::SecretNotFound,
                format!(
                    "S3 credentials Secret '{name}' not found in namespace '{namespace}'; create it with keys \
                     '{ACCESS_KEY}' and '{SECRET_KEY}', or set spec.storage.credentialsSecretRef"
                ),
            ));
        }
        Credentials::Found(secret) => {
            for key in [ACCESS_KEY, SECRET_KEY] {
                if secret_value(secret, key).is_none() {
                    return Err(Problem::new(
                        Reason::SecretKeyMissing,
                        format!(
                            "S3 credentials Secret '{}' has no key '{key}' (it has: {}); it needs '{ACCESS_KEY}' and \
                             '{SECRET_KEY}'",
                            secret.name_any(),
                            secret_keys(secret)
                        ),
                    ));
                }
            }
            Some(secret.name_any())
        }
    };

    let overrides = spec.recorder.clone().unwrap_or_default();
    let spool_size = overrides.spool_size.clone().unwrap_or_else(|| Quantity(defaults.spool_size.clone()));
    let spool_bytes = names::byte_size(&spool_size.0)
        .map_err(|problem| Problem::new(Reason::InvalidSpec, format!("spec.recorder.spoolSize: {problem}")))?;
    if spool_bytes < 64 << 20 {
        return Err(Problem::new(
            Reason::InvalidSpec,
            format!("spec.recorder.spoolSize: {} is too small; give the spool at least 64Mi", spool_size.0),
        ));
    }

    let fingerprint = fingerprint(camera, defaults, secret, &credentials);
    Ok(Plan {
        camera_id,
        enabled: spec.enabled,
        url_secret: url_ref.clone(),
        resolution: spec.resolution.clone(),
        fps: spec.fps,
        transport: spec.transport,
        audio: spec.audio,
        endpoint,
        region,
        bucket,
        prefix,
        credentials_secret,
        segment_duration,
        retention,
        image: overrides.image.clone().unwrap_or_else(|| defaults.recorder_image.clone()),
        spool_size,
        spool_max_bytes: spool_bytes / 10 * 9,
        shutdown_grace: defaults.shutdown_grace,
        resources: overrides.resources.clone().unwrap_or_else(|| default_resources(defaults)),
        node_selector: overrides.node_selector.clone(),
        tolerations: overrides.tolerations.clone(),
        affinity: overrides.affinity.clone(),
        fingerprint,
    })
}

/// The recorder's own rule, in the form the CRD writes it: `15m`, `30s`, `1h`, `1m30s`.
fn check_segment_duration(text: &str) -> Result<(), String> {
    let parsed: jiff::SignedDuration =
        text.parse().map_err(|_| format!("'{text}' is not a duration; write it like 15m or 30s"))?;
    let seconds = parsed.as_secs();
    if !(10..=3600).contains(&seconds) || parsed.subsec_nanos() != 0 {
        return Err(format!("{text} is out of range; choose between 10s and 60m"));
    }
    Ok(())
}

fn default_resources(defaults: &RecorderDefaults) -> ResourceRequirements {
    // No CPU limit: throttling a stream copy makes it fall behind the camera and stall.
    ResourceRequirements {
        requests: Some(BTreeMap::from([
            ("cpu".to_owned(), Quantity(defaults.cpu_request.clone())),
            ("memory".to_owned(), Quantity(defaults.memory_request.clone())),
        ])),
        limits: Some(BTreeMap::from([("memory".to_owned(), Quantity(defaults.memory_limit.clone()))])),
        ..ResourceRequirements::default()
    }
}

/// A Secret's value for `key`, from `data` or `stringData`, as UTF-8.
fn secret_value(secret: &Secret, key: &str) -> Option<String> {
    if let Some(bytes) = secret.data.as_ref().and_then(|d| d.get(key)) {
        return String::from_utf8(bytes.0.clone()).ok().filter(|v| !v.trim().is_empty());
    }
    secret.string_data.as_ref().and_then(|d| d.get(key)).cloned().filter(|v| !v.trim().is_empty())
}

fn secret_keys(secret: &Secret) -> String {
    let mut keys: Vec<&str> = secret.data.iter().flat_map(|d| d.keys()).map(String::as_str).collect();
    keys.extend(secret.string_data.iter().flat_map(|d| d.keys()).map(String::as_str));
    if keys.is_empty() { "no keys".to_owned() } else { keys.join(", ") }
}

/// A short hash of everything that should roll the recorder when it changes. Secret values go in hashed,
/// never in the clear.
fn fingerprint(camera: &Camera, defaults: &RecorderDefaults, url_secret: &Secret, credentials: &Credentials) -> String {
    let mut hash = Sha256::new();
    hash.update(serde_json::to_vec(&camera.spec).unwrap_or_default());
    hash.update(format!("{defaults:?}"));
    let url_ref = &camera.spec.url_secret_ref;
    hash.update(secret_value(url_secret, &url_ref.key).unwrap_or_default());
    if let Credentials::Found(secret) = credentials {
        for key in [ACCESS_KEY, SECRET_KEY] {
            hash.update([0]);
            hash.update(secret_value(secret, key).unwrap_or_default());
        }
    }
    hash.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{camera, secret};

    fn defaults() -> RecorderDefaults {
        RecorderDefaults { s3_endpoint: Some("http://seaweedfs:8333".into()), ..RecorderDefaults::default() }
    }

    #[test]
    fn a_minimal_camera_gets_the_operators_defaults() {
        let cam = camera("front-door");
        let url = secret("front-door-camera", &[("url", "rtsp://admin:pw@10.0.0.5/stream")]);
        let plan = plan(&cam, &defaults(), Some(&url), Credentials::NotConfigured).unwrap();
        assert_eq!(plan.camera_id, "front-door");
        assert_eq!(plan.bucket, "camera-recordings");
        assert_eq!(plan.endpoint.as_deref(), Some("http://seaweedfs:8333"));
        assert_eq!(plan.segment_duration, "15m");
        assert_eq!(plan.spool_max_bytes, (2u64 << 30) / 10 * 9);
        assert_eq!(plan.retention, None, "nothing is deleted unless somebody set a retention");
        assert_eq!(plan.fingerprint.len(), 16);
    }

    #[test]
    fn each_problem_names_what_is_wrong_and_the_fix() {
        let cam = camera("front-door");
        let missing = plan(&cam, &defaults(), None, Credentials::NotConfigured).unwrap_err();
        assert_eq!(missing.reason, Reason::SecretNotFound);
        assert!(missing.message.contains("Secret 'front-door-camera'") && missing.message.contains("create it"));

        let no_key = secret("front-door-camera", &[("uri", "rtsp://x/y")]);
        let err = plan(&cam, &defaults(), Some(&no_key), Credentials::NotConfigured).unwrap_err();
        assert_eq!(err.reason, Reason::SecretKeyMissing);
        assert!(err.message.contains("no key 'url' (it has: uri)"), "{}", err.message);

        let bad_url = secret("front-door-camera", &[("url", "http://admin:hunter2@cam/stream")]);
        let err = plan(&cam, &defaults(), Some(&bad_url), Credentials::NotConfigured).unwrap_err();
        assert_eq!(err.reason, Reason::InvalidCameraURL);
        assert!(err.message.contains("scheme 'http' is not supported"), "{}", err.message);
        assert!(!err.message.contains("hunter2"), "credentials never reach the status");

        let good = secret("front-door-camera", &[("url", "rtsp://cam/stream")]);
        let mut bad_bucket = defaults();
        bad_bucket.bucket = "Camera_Recordings".into();
        let err = plan(&cam, &bad_bucket, Some(&good), Credentials::NotConfigured).unwrap_err();
        assert_eq!(err.reason, Reason::InvalidBucketName);
        assert!(err.message.starts_with("the operator's DEFAULT_S3_BUCKET"), "{}", err.message);

        let err = plan(&cam, &defaults(), Some(&good), Credentials::Missing("s3-credentials")).unwrap_err();
        assert_eq!(err.reason, Reason::SecretNotFound);
        assert!(err.message.contains("'accessKey' and 'secretKey'"));

        let half = secret("s3-credentials", &[("accessKey", "AKID")]);
        let err = plan(&cam, &defaults(), Some(&good), Credentials::Found(&half)).unwrap_err();
        assert_eq!(err.reason, Reason::SecretKeyMissing);
        assert!(err.message.contains("no key 'secretKey'"));
    }

    #[test]
    fn what_the_schema_cannot_check_is_caught_here() {
        let good = secret("front-door-camera", &[("url", "rtsp://cam/stream")]);
        let mut cam = camera("front-door");
        cam.spec.segment_duration = Some("5s".into());
        let err = plan(&cam, &defaults(), Some(&good), Credentials::NotConfigured).unwrap_err();
        assert_eq!(
            (err.reason, err.message.as_str()),
            (Reason::InvalidSpec, "spec.segmentDuration: 5s is out of range; choose between 10s and 60m")
        );

        let mut cam = camera("front-door");
        cam.spec.retention = Some("20y".into());
        let err = plan(&cam, &defaults(), Some(&good), Credentials::NotConfigured).unwrap_err();
        assert_eq!(
            (err.reason, err.message.as_str()),
            (Reason::InvalidSpec, "spec.retention: 20y is out of range; choose between 1h and 10y, or forever")
        );
        let mut bad_default = defaults();
        bad_default.retention = Some("30 days".into());
        let err = plan(&camera("front-door"), &bad_default, Some(&good), Credentials::NotConfigured).unwrap_err();
        assert!(
            err.message.starts_with("the operator's DEFAULT_RETENTION: '30 days' is not a retention"),
            "{}",
            err.message
        );

        let mut cam = camera(&"a".repeat(64));
        cam.spec.url_secret_ref.name = "front-door-camera".into();
        assert_eq!(
            plan(&cam, &defaults(), Some(&good), Credentials::NotConfigured).unwrap_err().reason,
            Reason::InvalidSpec
        );
    }

    #[test]
    fn the_fingerprint_follows_the_spec_and_the_secret_contents() {
        let cam = camera("front-door");
        let a = secret("front-door-camera", &[("url", "rtsp://cam/a")]);
        let b = secret("front-door-camera", &[("url", "rtsp://cam/b")]);
        let plan_a = plan(&cam, &defaults(), Some(&a), Credentials::NotConfigured).unwrap();
        let plan_b = plan(&cam, &defaults(), Some(&b), Credentials::NotConfigured).unwrap();
        assert_ne!(plan_a.fingerprint, plan_b.fingerprint, "a new URL rolls the pod");
        let again = plan(&cam, &defaults(), Some(&a), Credentials::NotConfigured).unwrap();
        assert_eq!(plan_a.fingerprint, again.fingerprint, "nothing changed, nothing rolls");
        let mut fps = cam.clone();
        fps.spec.fps = Some(20);
        assert_ne!(
            plan(&fps, &defaults(), Some(&a), Credentials::NotConfigured).unwrap().fingerprint,
            plan_a.fingerprint
        );
    }
}
