//! The S3 client, and turning S3 errors into faults a user can act on.

use crate::config::StorageConfig;
use crate::redact::Redactor;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls;
use crds::contract::status::FaultKind;
use std::time::Duration;

/// An S3 failure, classified and redacted.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct StorageError {
    pub kind: FaultKind,
    pub message: String,
}

impl StorageError {
    pub fn new(kind: FaultKind, message: impl Into<String>) -> Self {
        StorageError { kind, message: message.into() }
    }
}

pub fn client(config: &StorageConfig) -> Client {
    // ring, not aws-lc: one crypto provider for the whole workspace (kube uses ring), and no C build.
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https();
    let mut builder = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(config.region.clone()))
        .http_client(http_client)
        // SeaweedFS and MinIO serve buckets as paths, not as virtual hosts.
        .force_path_style(config.endpoint.is_some())
        // The SDK's default CRC trailers are not understood by every S3-compatible server; we send
        // Content-MD5 ourselves, which all of them verify.
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .read_timeout(Duration::from_secs(60))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(2));
    if let Some(endpoint) = &config.endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    builder = match &config.credentials {
        Some(creds) => builder.credentials_provider(Credentials::new(
            creds.access_key.clone(),
            creds.secret_key.clone(),
            None,
            None,
            "camera-recorder",
        )),
        None => builder.allow_no_auth(),
    };
    Client::from_conf(builder.build())
}

/// Classifies an SDK error. `HEAD` requests carry no error body, so the HTTP status decides for them.
pub fn classify<E>(
    operation: &str,
    bucket: &str,
    error: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    redactor: &Redactor,
) -> StorageError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = error.raw_response().map(|r| r.status().as_u16());
    let code = error.code().unwrap_or_default();
    let kind = match (code, status) {
        ("NoSuchBucket" | "InvalidBucketName", _) => FaultKind::BucketNotFound,
        (_, Some(404)) if operation == "HeadBucket" => FaultKind::BucketNotFound,
        (_, Some(404)) if operation == "HeadObject" => FaultKind::UploadVerifyFailed,
        ("InvalidAccessKeyId" | "SignatureDoesNotMatch" | "AccessDenied" | "InvalidToken" | "ExpiredToken", _)
        | (_, Some(401 | 403)) => FaultKind::StorageAuthFailed,
        ("BadDigest" | "InvalidDigest", _) => FaultKind::UploadVerifyFailed,
        (_, Some(500..=599)) | (_, None) => FaultKind::StorageUnreachable,
        _ => FaultKind::UploadFailed,
    };
    let detail = match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => match status {
            Some(status) => format!("HTTP {status}"),
            None => aws_sdk_s3::error::DisplayErrorContext(error).to_string(),
        },
    };
    let hint = match kind {
        FaultKind::BucketNotFound => format!("; create bucket '{bucket}' or set S3_BUCKET to an existing one"),
        FaultKind::StorageAuthFailed => {
            "; check S3_ACCESS_KEY and S3_SECRET_KEY and the key's permissions on the bucket".to_owned()
        }
        FaultKind::StorageUnreachable => "; check S3_ENDPOINT and that the storage is up".to_owned(),
        _ => String::new(),
    };
    StorageError::new(kind, redactor.redact(&format!("{operation} failed: {detail}{hint}")))
}

/// Checks that the bucket exists and the credentials may use it.
pub async fn check_bucket(client: &Client, bucket: &str, redactor: &Redactor) -> Result<(), StorageError> {
    client
        .head_bucket()
        .bucket(bucket)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| classify("HeadBucket", bucket, &e, redactor))
}
