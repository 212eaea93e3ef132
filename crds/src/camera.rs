//! The `Camera` custom resource: `cto-cameras.io/v1alpha1`, plural `cameras`, short name `cam`.
//!
//! A minimal Camera names the Secret that holds its RTSP URL; everything else has a default, either here or
//! in the operator's configuration (S3 endpoint, credentials Secret, bucket, recorder image):
//!
//! ```yaml
//! apiVersion: cto-cameras.io/v1alpha1
//! kind: Camera
//! metadata:
//!   name: front-door
//! spec:
//!   urlSecretRef:
//!     name: front-door-camera
//!     key: url
//! ```
//!
//! Validation lives in the schema (required fields, patterns, ranges, enums, CEL rules), so `kubectl apply`
//! rejects a bad spec with a message a person understands. What the schema cannot know (a Secret that does
//! not exist, a URL inside it that does not parse) the operator reports in the `Degraded` condition.

use k8s_openapi::api::core::v1::{Affinity, ResourceRequirements, Toleration};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::{CustomResource, KubeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Condition types the operator maintains.
pub mod condition {
    /// The recorder pod is available.
    pub const READY: &str = "Ready";
    /// The recorder reports fresh data from the camera.
    pub const RECORDING: &str = "Recording";
    /// Something the user can fix keeps the camera from being recorded or uploaded as configured.
    pub const DEGRADED: &str = "Degraded";
}

/// An IP camera recorded 24/7 into S3 by its own recorder pod.
// Each printcolumn(...) repeats the same keys, which clippy takes for duplicated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "cto-cameras.io",
    version = "v1alpha1",
    kind = "Camera",
    plural = "cameras",
    shortname = "cam",
    category = "cto-cameras",
    namespaced,
    status = "CameraStatus",
    derive = "PartialEq",
    doc = "An IP camera recorded 24/7 into S3-compatible storage by its own recorder pod.",
    printcolumn(
        name = "Recording",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Recording\")].status",
        description = "Whether the recorder reports fresh data from the camera"
    ),
    printcolumn(
        name = "Last Segment",
        type_ = "date",
        json_path = ".status.lastSegmentStart",
        description = "When the last finished segment started"
    ),
    printcolumn(name = "Resolution", type_ = "string", json_path = ".status.stream.resolution"),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp"),
    printcolumn(name = "Codec", type_ = "string", json_path = ".status.stream.codec", priority = 1),
    printcolumn(name = "FPS", type_ = "number", json_path = ".status.stream.fps", priority = 1),
    printcolumn(name = "Uploaded", type_ = "integer", json_path = ".status.segmentsUploaded", priority = 1),
    printcolumn(
        name = "Reason",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Degraded\")].reason",
        priority = 1
    ),
    printcolumn(name = "Pod", type_ = "string", json_path = ".status.recorderPod", priority = 1)
)]
#[serde(rename_all = "camelCase")]
pub struct CameraSpec {
    /// The Secret key that holds the camera's RTSP URL, credentials included
    /// (`rtsp://user:password@host:554/path`; percent-encode @ : / # in the password). The URL never
    /// appears in the Camera, the Deployment, logs or status.
    pub url_secret_ref: SecretKeySelector,

    /// Record this camera. `false` scales its recorder to zero and keeps everything else.
    #[serde(default = "default_true")]
    pub enabled: bool,

    /// Expected resolution, `WIDTHxHEIGHT`. A camera that sends something else is reported
    /// (Degraded, reason StreamMismatch) and still recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$"))]
    pub resolution: Option<String>,

    /// Expected frames per second; a mismatch is reported like the resolution's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 240))]
    pub fps: Option<u32>,

    /// Bucket for this camera's segments. Default: the operator's default bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 3, max = 63), regex(pattern = r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$"))]
    pub bucket: Option<String>,

    /// Key prefix: objects go to `<prefix>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<YYYYMMDDTHHMMSSZ>.mp4`.
    /// Use it to keep namespaces apart when they share a bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$"))]
    #[x_kube(validation = Rule::new("!self.matches('(^|/)[.][.]?(/|$)')").message("prefix parts cannot be '.' or '..'"))]
    pub prefix: Option<String>,

    /// Length of each segment, such as `15m`, `10m` or `30s`: between 10s and 60m. Segments are aligned to the
    /// UTC wall clock. Default: the operator's default (15m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^([0-9]+h)?([0-9]+m)?([0-9]+s)?$"))]
    #[x_kube(validation = Rule::new("self != '' && duration(self) >= duration('10s') && duration(self) <= duration('60m')").message("segmentDuration must be between 10s and 60m, written like 15m or 30s"))]
    pub segment_duration: Option<String>,

    /// How long footage is kept in the bucket: `30d`, `12h`, `2w`, `1y` (1h to 10y), or `forever`. The
    /// recorder deletes a segment once all of its footage is older than this, except where a hold covers it.
    /// Default: the operator's default (unset: kept forever).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^([1-9][0-9]{0,5}(h|d|w|y)|forever)$"))]
    pub retention: Option<String>,

    /// RTSP transport.
    #[serde(default)]
    pub transport: Transport,

    /// What to do with the camera's audio: `auto` keeps AAC and transcodes other audio (G.711) to AAC;
    /// `copy` keeps AAC and drops the rest; `aac` always transcodes; `none` records video only.
    #[serde(default)]
    pub audio: AudioMode,

    /// Where to upload, if not to the operator's default storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<StorageOverrides>,

    /// How to run this camera's recorder pod, if not with the operator's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorder: Option<RecorderOverrides>,
}

fn default_true() -> bool {
    true
}

impl CameraSpec {
    /// A spec with every default, recording the URL in Secret `secret` under `key`.
    pub fn for_url_secret(secret: &str, key: &str) -> CameraSpec {
        CameraSpec {
            url_secret_ref: SecretKeySelector { name: secret.to_owned(), key: key.to_owned() },
            enabled: true,
            resolution: None,
            fps: None,
            bucket: None,
            prefix: None,
            segment_duration: None,
            retention: None,
            transport: Transport::default(),
            audio: AudioMode::default(),
            storage: None,
            recorder: None,
        }
    }
}

/// A key in a Secret in the Camera's namespace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
pub struct SecretKeySelector {
    /// Name of the Secret.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Key in the Secret whose value is used.
    #[schemars(length(min = 1, max = 253))]
    pub key: String,
}

/// A Secret in the Camera's namespace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
pub struct SecretReference {
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    #[default]
    Tcp,
    Udp,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AudioMode {
    #[default]
    Auto,
    Copy,
    Aac,
    /// Video only. (Not `off`: YAML 1.1 parsers, kubectl's among them, read a bare `off` as `false`.)
    None,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct StorageOverrides {
    /// S3 endpoint, e.g. `http://seaweedfs.storage:8333`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^https?://[^/@\s]+(/.*)?$"))]
    pub endpoint: Option<String>,
    /// Secret with keys `accessKey` and `secretKey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_secret_ref: Option<SecretReference>,
    /// Region for request signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecorderOverrides {
    /// Recorder container image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub image: Option<String>,
    /// Requests and limits of the recorder container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<Toleration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    /// Size of the local spool, where segments wait for upload (an emptyDir of this size). When it is full
    /// the oldest unuploaded segment is dropped, so size it for the storage outage you want to ride out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spool_size: Option<Quantity>,
}

/// What the operator observed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CameraStatus {
    /// The generation of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `Ready`, `Recording` and `Degraded`, in the Kubernetes API conventions.
    #[serde(default)]
    #[schemars(schema_with = "conditions_schema")]
    pub conditions: Vec<Condition>,
    /// Start of the last finished segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_segment_start: Option<Time>,
    /// Time of the last verified upload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_upload_time: Option<Time>,
    /// Segments uploaded by the current recorder pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments_uploaded: Option<u64>,
    /// The stream the camera actually sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<StreamStatus>,
    /// The recorder pod that reported this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorder_pod: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamStatus {
    pub codec: String,
    /// `WIDTHxHEIGHT`.
    pub resolution: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_codec: Option<String>,
}

/// Conditions are a list keyed by `type`, so server-side apply merges them entry by entry.
fn conditions_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut schema = generator.subschema_for::<Vec<Condition>>();
    schema.insert("x-kubernetes-list-type".into(), "map".into());
    schema.insert("x-kubernetes-list-map-keys".into(), serde_json::json!(["type"]));
    schema
}

impl Camera {
    pub fn segments_uploaded(&self) -> Option<u64> {
        self.status.as_ref()?.segments_uploaded
    }

    /// The condition of `type_`, if the status has one.
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.status.as_ref()?.conditions.iter().find(|c| c.type_ == type_)
    }
}

/// The CRD as the YAML committed in `crds/camera.yaml`.
pub fn crd_yaml() -> String {
    use kube::CustomResourceExt;
    let header = "# Generated by `cargo run -p crds --bin crdgen > crds/camera.yaml`. Do not edit.\n";
    let yaml = serde_yaml::to_string(&Camera::crd()).expect("the CRD serializes to YAML");
    format!("{header}{yaml}")
}
