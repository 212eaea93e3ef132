//! Fills a bucket with days of one camera's footage through the recorder's own upload path (metadata,
//! verification and the fragment index, exactly as a recorder writes them), for the playback benchmark.
//! Every segment is the same FILE, stamped with its own start time.
//!
//!     cargo run --release -p recorder --example fill_bucket -- ENDPOINT BUCKET CAMERA FILE SECONDS DAYS PER_DAY [LIMIT]
//!
//! SECONDS is the file's duration; the segments of each UTC day start every 86400/PER_DAY seconds, for the DAYS
//! days before today, at most LIMIT segments in all. Prints the number of segments and the time it took as JSON.

use recorder::config::{DEFAULT_PART_SIZE, StorageConfig};
use recorder::probe::{MediaInfo, VideoInfo};
use recorder::redact::Redactor;
use recorder::spool::SegmentMedia;
use recorder::upload::{SegmentFile, Uploader};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, bucket, camera, file, seconds, days, per_day, rest @ ..] = args.as_slice() else {
        eprintln!("usage: fill_bucket ENDPOINT BUCKET CAMERA FILE SECONDS DAYS PER_DAY [LIMIT]");
        std::process::exit(2);
    };
    let limit: usize = rest.first().map_or(usize::MAX, |l| l.parse().expect("LIMIT"));
    let (seconds, days, per_day): (f64, i64, i64) =
        (seconds.parse().expect("SECONDS"), days.parse().expect("DAYS"), per_day.parse().expect("PER_DAY"));
    let storage = StorageConfig {
        endpoint: Some(endpoint.clone()),
        bucket: bucket.clone(),
        region: "us-east-1".into(),
        prefix: String::new(),
        credentials: None,
        part_size: DEFAULT_PART_SIZE,
        upload_concurrency: 4,
    };
    let uploader = Arc::new(Uploader {
        client: recorder::storage::client(&storage),
        bucket: bucket.clone(),
        prefix: String::new(),
        part_size: DEFAULT_PART_SIZE,
        concurrency: 4,
        redactor: Arc::new(Redactor::default()),
    });
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let first_day = today.checked_sub(jiff::Span::new().days(days)).expect("a date");
    let step = 86_400 / per_day;
    let stream = MediaInfo {
        video: Some(VideoInfo { codec: "h264".into(), width: 0, height: 0, fps: Some(15.0) }),
        audio_codec: None,
        duration_secs: Some(seconds),
    };
    let began = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut count = 0;
    for day in 0..days {
        let date = first_day.checked_add(jiff::Span::new().days(day)).expect("a date");
        let midnight = date.to_zoned(jiff::tz::TimeZone::UTC).expect("UTC midnight").timestamp();
        for slot in (0..per_day).take(limit.saturating_sub(count)) {
            let start = midnight + jiff::SignedDuration::from_secs(slot * step);
            let (uploader, camera, path, stream) =
                (uploader.clone(), camera.clone(), PathBuf::from(file), stream.clone());
            while tasks.len() >= 8 {
                tasks.join_next().await.expect("a task").expect("upload task");
            }
            tasks.spawn(async move {
                let media = SegmentMedia { start, duration_secs: seconds, stream };
                let segment = SegmentFile { camera: &camera, path: &path, start, media: &media };
                uploader.upload(&segment).await.unwrap_or_else(|e| panic!("upload failed: {e}"));
            });
            count += 1;
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("upload task");
    }
    println!("{{\"segments\":{count},\"seconds\":{:.1}}}", began.elapsed().as_secs_f64());
}
