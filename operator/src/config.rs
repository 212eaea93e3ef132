//! The operator's own configuration: flags or environment variables, which the Helm chart sets.
//!
//! The `Default*` settings fill in what a Camera leaves out, so a minimal Camera names only its URL Secret.

use clap::Parser;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Parser, Debug, Clone)]
#[command(name = "camera-operator", version, about = "Reconciles Camera resources into recorder Deployments")]
pub struct OperatorConfig {
    /// Namespaces to watch, comma-separated. Empty: all namespaces.
    #[arg(long, env = "WATCH_NAMESPACES", value_delimiter = ',', default_value = "")]
    pub watch_namespaces: Vec<String>,

    #[command(flatten)]
    pub defaults: RecorderDefaults,

    /// How often each Camera's status is refreshed from its recorder, at the latest.
    #[arg(long, env = "STATUS_REFRESH", default_value = "30s", value_parser = parse_duration)]
    pub status_refresh: Duration,

    /// Address of /health, /ready and /metrics.
    #[arg(long, env = "LISTEN_ADDR", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,

    /// Run only while holding the Lease, so that several replicas are safe.
    #[arg(long, env = "LEADER_ELECTION", default_value_t = false)]
    pub leader_election: bool,
    #[arg(long, env = "LEASE_NAME", default_value = "camera-operator")]
    pub lease_name: String,
    /// Namespace of the Lease: the operator's own (downward API).
    #[arg(long, env = "POD_NAMESPACE", default_value = "default")]
    pub lease_namespace: String,
    /// This replica's identity in the Lease: its pod name (downward API).
    #[arg(long, env = "POD_NAME", default_value = "camera-operator")]
    pub identity: String,

    /// `json` for one JSON object per log line.
    #[arg(long, env = "LOG_FORMAT", default_value = "text")]
    pub log_format: String,
}

/// What a Camera gets when its spec does not say.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct RecorderDefaults {
    /// S3 endpoint, e.g. http://seaweedfs-s3.storage:8333. Unset: AWS S3.
    #[arg(long = "default-s3-endpoint", env = "DEFAULT_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    #[arg(long = "default-s3-region", env = "DEFAULT_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,
    #[arg(long = "default-bucket", env = "DEFAULT_S3_BUCKET", default_value = "camera-recordings")]
    pub bucket: String,
    /// Name of a Secret with keys accessKey and secretKey, looked up in each Camera's namespace.
    #[arg(long = "default-credentials-secret", env = "DEFAULT_S3_CREDENTIALS_SECRET")]
    pub credentials_secret: Option<String>,
    #[arg(
        long = "default-recorder-image",
        env = "DEFAULT_RECORDER_IMAGE",
        default_value = "ghcr.io/cto-cameras/camera-recorder:0.1.0"
    )]
    pub recorder_image: String,
    #[arg(long = "default-segment-duration", env = "DEFAULT_SEGMENT_DURATION", default_value = "15m")]
    pub segment_duration: String,
    /// Size of each recorder's spool (an emptyDir).
    #[arg(long = "default-spool-size", env = "DEFAULT_SPOOL_SIZE", default_value = "2Gi")]
    pub spool_size: String,
    /// How long footage is kept, e.g. 30d (1h to 10y, or forever). Unset: kept forever.
    #[arg(long = "default-retention", env = "DEFAULT_RETENTION")]
    pub retention: Option<String>,
    /// Time a recorder gets after SIGTERM to close its segment and upload the spool.
    #[arg(long = "recorder-shutdown-grace", env = "RECORDER_SHUTDOWN_GRACE", default_value = "60s", value_parser = parse_duration)]
    pub shutdown_grace: Duration,
    #[arg(long = "recorder-cpu-request", env = "RECORDER_CPU_REQUEST", default_value = "50m")]
    pub cpu_request: String,
    #[arg(long = "recorder-memory-request", env = "RECORDER_MEMORY_REQUEST", default_value = "64Mi")]
    pub memory_request: String,
    #[arg(long = "recorder-memory-limit", env = "RECORDER_MEMORY_LIMIT", default_value = "256Mi")]
    pub memory_limit: String,
}

impl Default for RecorderDefaults {
    fn default() -> Self {
        RecorderDefaults {
            s3_endpoint: None,
            s3_region: "us-east-1".into(),
            bucket: "camera-recordings".into(),
            credentials_secret: None,
            recorder_image: "ghcr.io/cto-cameras/camera-recorder:0.1.0".into(),
            segment_duration: "15m".into(),
            spool_size: "2Gi".into(),
            retention: None,
            shutdown_grace: Duration::from_secs(60),
            cpu_request: "50m".into(),
            memory_request: "64Mi".into(),
            memory_limit: "256Mi".into(),
        }
    }
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let parsed: jiff::SignedDuration = text.parse().map_err(|_| format!("'{text}' is not a duration like 30s"))?;
    Duration::try_from(parsed).map_err(|_| format!("'{text}' is negative"))
}

impl OperatorConfig {
    /// The namespaces to watch; `None` means all of them.
    pub fn namespaces(&self) -> Option<Vec<String>> {
        let namespaces: Vec<String> =
            self.watch_namespaces.iter().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).collect();
        (!namespaces.is_empty()).then_some(namespaces)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_give_a_working_operator_and_the_environment_names_match_the_chart() {
        let config = OperatorConfig::try_parse_from(["camera-operator"]).unwrap();
        assert_eq!(config.namespaces(), None);
        assert_eq!(config.defaults, RecorderDefaults::default());
        assert_eq!(config.status_refresh, Duration::from_secs(30));
        let config = OperatorConfig::try_parse_from([
            "camera-operator",
            "--watch-namespaces",
            "cameras, shop",
            "--default-s3-endpoint",
            "http://seaweedfs:8333",
        ])
        .unwrap();
        assert_eq!(config.namespaces(), Some(vec!["cameras".to_owned(), "shop".to_owned()]));
        assert_eq!(config.defaults.s3_endpoint.as_deref(), Some("http://seaweedfs:8333"));
    }
}
