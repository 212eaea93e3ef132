//! The S3 client, configured as the recorder's is: path-style for SeaweedFS and MinIO, checksums only where
//! S3 requires them (not every S3-compatible server understands the SDK's default CRC trailers).

use crate::config::Storage;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_smithy_http_client::tls;
use std::time::Duration;

pub fn client(storage: &Storage) -> Client {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https();
    let mut builder = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(storage.region.clone()))
        .http_client(http_client)
        .force_path_style(storage.endpoint.is_some())
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .read_timeout(Duration::from_secs(30))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(2));
    if let Some(endpoint) = &storage.endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    builder = match &storage.credentials {
        Some((access, secret)) => {
            builder.credentials_provider(Credentials::new(access, secret, None, None, "playback-config"))
        }
        None => builder.allow_no_auth(),
    };
    Client::from_conf(builder.build())
}
