//! Uploads one file the way the recorder uploads a segment, and prints the throughput as JSON.
//! Used by `scripts/bench.py` to compare against `aws s3 cp` on the same file and server.
//!
//!     cargo run --release -p recorder --example upload_file -- ENDPOINT BUCKET FILE [PART_SIZE] [CONCURRENCY]

use recorder::config::{DEFAULT_PART_SIZE, DEFAULT_UPLOAD_CONCURRENCY, StorageConfig, values};
use recorder::probe::MediaInfo;
use recorder::redact::Redactor;
use recorder::spool::SegmentMedia;
use recorder::upload::{SegmentFile, Uploader};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, bucket, file, rest @ ..] = args.as_slice() else {
        eprintln!("usage: upload_file ENDPOINT BUCKET FILE [PART_SIZE] [CONCURRENCY]");
        std::process::exit(2);
    };
    let part_size = rest.first().map_or(DEFAULT_PART_SIZE, |s| values::byte_size(s).expect("part size"));
    let concurrency = rest.get(1).map_or(DEFAULT_UPLOAD_CONCURRENCY, |s| s.parse().expect("concurrency"));
    let storage = StorageConfig {
        endpoint: Some(endpoint.clone()),
        bucket: bucket.clone(),
        region: "us-east-1".into(),
        prefix: "bench".into(),
        credentials: None,
        part_size,
        upload_concurrency: concurrency,
    };
    let uploader = Uploader {
        client: recorder::storage::client(&storage),
        bucket: bucket.clone(),
        prefix: storage.prefix.clone(),
        part_size,
        concurrency,
        redactor: Arc::new(Redactor::default()),
    };
    let path = PathBuf::from(file);
    let start = jiff::Timestamp::now();
    let media = SegmentMedia { start, duration_secs: 900.0, stream: MediaInfo::default() };
    let segment = SegmentFile { camera: "bench", path: &path, start, media: &media };
    let began = Instant::now();
    let uploaded = uploader.upload(&segment).await.unwrap_or_else(|e| panic!("upload failed: {e}"));
    let seconds = began.elapsed().as_secs_f64();
    println!(
        "{{\"key\":\"{}\",\"bytes\":{},\"seconds\":{seconds:.3},\"mb_per_s\":{:.1}}}",
        uploaded.key,
        uploaded.bytes,
        uploaded.bytes as f64 / 1e6 / seconds
    );
}
