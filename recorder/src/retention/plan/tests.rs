use super::*;
use crds::contract::storage::{IndexName, index_key, segment_key};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

const DAY: Duration = Duration::from_secs(86_400);

fn listed(key: &str, size: u64, uploaded: Timestamp) -> Listed {
    Listed { key: key.to_owned(), size, last_modified: Some(uploaded) }
}

fn index_of(segment: &str, start: Timestamp, end: Timestamp) -> String {
    index_key(segment, &IndexName { start, end, codec: "h264".into(), width: 640, height: 360 })
}

fn hold(start: &str, end: &str) -> Hold {
    Hold {
        id: "h".into(),
        camera: "yard".into(),
        start: ts(start),
        end: ts(end),
        reason: "break-in".into(),
        created: ts("2026-12-01T00:00:00Z"),
        created_by: None,
    }
}

/// A recorder segment with its index: opened at `opened`, `minutes` long.
fn recorded(opened: &str, minutes: i64) -> Vec<Listed> {
    let opened = ts(opened);
    let end = opened + SignedDuration::from_mins(minutes);
    let segment = segment_key("", "yard", opened);
    vec![listed(&segment, 1000, end), listed(&index_of(&segment, opened, end), 10, end)]
}

#[test]
fn only_footage_whose_end_is_older_than_the_cutoff_goes_with_its_index_first() {
    let now = ts("2026-12-31T12:00:00Z");
    // Cut-off: 2026-12-01T12:00:00Z.
    let mut listing = Vec::new();
    listing.extend(recorded("2026-12-01T11:30:00Z", 15)); // ended 11:45: expired
    listing.extend(recorded("2026-12-01T11:50:00Z", 15)); // 11:50-12:05 straddles the cut-off: kept
    listing.extend(recorded("2026-12-01T12:00:00Z", 15)); // newer: kept
    listing.push(listed("yard/2026/12/01/notes.txt", 5, ts("2026-12-01T00:00:00Z"))); // not footage: never
    let footage = group("", "yard", listing);
    assert_eq!(footage.len(), 3, "notes.txt is not footage");
    let plan = plan_deletions("", &footage, &[], now, 30 * DAY);
    let first = segment_key("", "yard", ts("2026-12-01T11:30:00Z"));
    let end = ts("2026-12-01T11:45:00Z");
    assert_eq!(plan.keys(), [index_of(&first, ts("2026-12-01T11:30:00Z"), end), first.clone()]);
    assert_eq!(plan.objects(), 2);
    assert_eq!((plan.held, plan.unknown), (0, 0));

    // An hour later the straddling one has expired too.
    let later = plan_deletions("", &footage, &[], now + SignedDuration::from_mins(6), 30 * DAY);
    assert_eq!(later.segments().count(), 2);
}

#[test]
fn a_hold_keeps_what_it_overlaps_and_only_that() {
    let now = ts("2026-12-31T00:00:00Z");
    let mut listing = Vec::new();
    for opened in ["2026-11-20T10:00:00Z", "2026-11-20T10:15:00Z", "2026-11-20T10:30:00Z"] {
        listing.extend(recorded(opened, 15));
    }
    let footage = group("", "yard", listing);
    // 10:20-10:25 lies in the second segment; the hold's end is exclusive, so 10:30 is not held.
    let holds = [hold("2026-11-20T10:20:00Z", "2026-11-20T10:30:00Z")];
    let plan = plan_deletions("", &footage, &holds, now, 30 * DAY);
    let kept = segment_key("", "yard", ts("2026-11-20T10:15:00Z"));
    assert_eq!(plan.segments().count(), 2);
    assert!(plan.keys().iter().all(|k| !k.starts_with(&kept)), "{:?}", plan.keys());
    assert_eq!(plan.held, 1);
    assert_eq!(plan_deletions("", &footage, &[], now, 30 * DAY).segments().count(), 3, "without the hold");
}

#[test]
fn a_segment_without_an_index_is_judged_by_its_metadata_then_by_its_upload_time() {
    let now = ts("2026-12-31T00:00:00Z");
    let cut = cutoff(now, 30 * DAY);
    let opened = ts("2026-11-30T23:00:00Z");
    let key = segment_key("", "yard", opened);
    let bare = |uploaded: Timestamp| Footage {
        key: key.clone(),
        opened,
        segment: Some(listed(&key, 100, uploaded)),
        companions: Vec::new(),
        metadata: None,
    };
    let unread = bare(ts("2026-12-20T00:00:00Z"));
    assert!(unread.needs_head("", cut), "no index: a HEAD reads its metadata");
    let late = bare(ts("2026-11-30T23:59:00Z"));
    let newer = Footage { opened: ts("2026-12-05T00:00:00Z"), ..late.clone() };
    assert!(!newer.needs_head("", cut), "opened after the cut-off: it cannot have expired");

    // Uploaded by hand long after it was recorded: the metadata says it ended in time.
    let mut read = unread.clone();
    read.metadata = Some(SegmentMetadata {
        start: Some(opened),
        end: Some(ts("2026-11-30T23:15:00Z")),
        ..SegmentMetadata::default()
    });
    assert!(!read.needs_head("", cut));
    assert_eq!(plan_deletions("", &[read], &[], now, 30 * DAY).segments().count(), 1);

    // No metadata at all: the upload time bounds the end.
    let mut blank = unread.clone();
    blank.metadata = Some(SegmentMetadata::default());
    assert_eq!(blank.span("").unwrap().end, ts("2026-12-20T00:00:00Z"));
    assert_eq!(plan_deletions("", &[blank], &[], now, 30 * DAY).segments().count(), 0, "uploaded after the cut-off");
    let mut old_blank = late.clone();
    old_blank.metadata = Some(SegmentMetadata::default());
    assert_eq!(plan_deletions("", &[old_blank.clone()], &[], now, 30 * DAY).segments().count(), 1);
    // ... and a hold near its name's time still protects it: its start is taken an hour early.
    let holds = [hold("2026-11-30T22:30:00Z", "2026-11-30T22:40:00Z")];
    assert_eq!(plan_deletions("", &[old_blank.clone()], &holds, now, 30 * DAY).held, 1);

    // Nothing at all says when it ends: kept.
    let mut unknown = old_blank;
    unknown.segment.as_mut().unwrap().last_modified = None;
    let plan = plan_deletions("", &[unknown], &[], now, 30 * DAY);
    assert_eq!((plan.objects(), plan.unknown), (0, 1));
}

#[test]
fn companions_whose_segment_is_gone_are_debris_judged_by_their_own_span() {
    let now = ts("2026-12-31T00:00:00Z");
    let segment = segment_key("site", "yard", ts("2026-11-01T10:00:00Z"));
    let index = index_of(&segment, ts("2026-11-01T10:00:00Z"), ts("2026-11-01T10:15:00Z"));
    let thumb = format!("{segment}.thumb.jpg");
    let footage = group(
        "site",
        "yard",
        vec![listed(&index, 10, ts("2026-11-01T10:16:00Z")), listed(&thumb, 3, ts("2026-11-01T10:16:00Z"))],
    );
    assert_eq!(footage.len(), 1);
    assert_eq!(footage[0].segment, None);
    assert_eq!(footage[0].key, segment);
    assert!(!footage[0].needs_head("site", now), "there is no segment to HEAD");
    assert_eq!(plan_deletions("site", &footage, &[], now, 30 * DAY).keys(), [index, thumb]);
    let holds = [hold("2026-11-01T10:05:00Z", "2026-11-01T10:06:00Z")];
    assert!(plan_deletions("site", &footage, &holds, now, 30 * DAY).keys().is_empty());
}

#[test]
fn two_indexes_of_one_segment_join_their_spans() {
    // Two recorders during a rollout wrote the same key: the later (full) segment, and an index from each.
    let opened = ts("2026-11-01T10:00:00Z");
    let segment = segment_key("", "yard", opened);
    let partial = index_of(&segment, ts("2026-11-01T10:05:00Z"), ts("2026-11-01T10:06:00Z"));
    let full = index_of(&segment, opened, ts("2026-11-01T10:15:00Z"));
    let footage =
        group("", "yard", vec![listed(&segment, 1, opened), listed(&partial, 1, opened), listed(&full, 1, opened)]);
    assert_eq!(footage[0].span("").unwrap(), Span { start: opened, end: ts("2026-11-01T10:15:00Z") });
}

#[test]
fn keys_of_other_cameras_and_other_layouts_are_never_grouped() {
    let other = segment_key("", "gate", ts("2026-11-01T10:00:00Z"));
    let misplaced = "yard/2026/11/02/yard_20261101T100000Z.mp4"; // its date folder disagrees with its stamp
    let footage = group(
        "",
        "yard",
        vec![listed(&other, 1, ts("2026-11-01T10:20:00Z")), listed(misplaced, 1, ts("2026-11-01T10:20:00Z"))],
    );
    assert!(footage.is_empty(), "{footage:?}");
}

#[test]
fn day_folders_and_the_cutoff() {
    assert_eq!(day_of("p/yard/", "p/yard/2026/11/23/yard_20261123T141500Z.mp4"), Some("2026-11-23".parse().unwrap()));
    assert_eq!(day_of("p/yard/", "p/yard/holds/abc.json"), None);
    assert_eq!(day_of("p/yard/", "p/yard/2026/13/23/x"), None);
    assert_eq!(day_of("p/yard/", "p/yard/2026/11/23"), None, "a folder alone is no object in it");
    assert_eq!(cutoff(ts("2026-12-31T00:00:00Z"), 30 * DAY), ts("2026-12-01T00:00:00Z"));
    assert_eq!(utc_day(ts("2026-12-31T23:59:59Z")), "2026-12-31".parse().unwrap());
}

#[test]
fn only_multipart_uploads_older_than_a_day_are_aborted() {
    let now = ts("2026-12-31T12:00:00Z");
    let upload = |id: &str, at: Option<&str>| Upload { key: "k".into(), upload_id: id.into(), initiated: at.map(ts) };
    let uploads = [
        upload("old", Some("2026-12-30T11:59:59Z")),
        upload("today", Some("2026-12-31T11:00:00Z")),
        upload("exactly-a-day", Some("2026-12-30T12:00:00Z")),
        upload("undated", None),
    ];
    let stale: Vec<&str> = stale_uploads(&uploads, now).iter().map(|u| u.upload_id.as_str()).collect();
    assert_eq!(stale, ["old"]);
}

#[test]
fn the_first_pass_comes_within_its_delay_and_the_next_within_the_interval() {
    let (first, hour) = (Duration::from_secs(30), Duration::from_secs(3600));
    for jitter in [0.0, 0.5, 0.999_999] {
        let d = delay_before_pass(0, first, hour, jitter);
        assert!(d >= Duration::from_secs(15) && d <= first, "{d:?}");
        let d = delay_before_pass(7, first, hour, jitter);
        assert!(d >= Duration::from_secs(3240) && d <= hour, "{d:?}");
    }
    assert_eq!(delay_before_pass(0, Duration::ZERO, hour, 0.3), Duration::ZERO);
}

// ---------------------------------------------------------------------------------------------------------
// Property test over generated timelines. A small seeded generator (fastrand, already a dependency) rather
// than proptest: no new crate to build on a 2-core machine, every run checks the same 3,000 timelines, and a
// failure prints the seed and the case, which is what shrinking would otherwise give. Set
// RETENTION_PROPERTY_SEED to replay one timeline.

/// One generated object with the truth about its footage, which the planner never sees.
#[derive(Debug, Clone)]
struct Truth {
    key: String,
    /// The real span of the footage the object belongs to; `None` for keys that are not footage.
    span: Option<Span>,
}

#[derive(Debug)]
struct Timeline {
    prefix: &'static str,
    now: Timestamp,
    retention: Duration,
    holds: Vec<Hold>,
    truths: Vec<Truth>,
    /// Per segment key: its metadata as a HEAD would return it (`None`: the HEAD finds no object).
    metadata: BTreeMap<String, Option<SegmentMetadata>>,
    listing: Vec<Listed>,
}

fn generate(seed: u64) -> Timeline {
    let mut rng = fastrand::Rng::with_seed(seed);
    let prefix = if rng.bool() { "" } else { "site-a" };
    let now = ts("2026-06-15T00:00:00Z") + SignedDuration::from_secs(rng.i64(0..86_400 * 365));
    let retention = Duration::from_secs(rng.u64(3600..=60 * 86_400));
    let secs = |n: i64| SignedDuration::from_secs(n);
    let mut truths: Vec<Truth> = Vec::new();
    let mut metadata = BTreeMap::new();
    let mut listing = Vec::new();
    let put = |listing: &mut Vec<Listed>, truths: &mut Vec<Truth>, key: String, span: Option<Span>, uploaded| {
        truths.push(Truth { key: key.clone(), span });
        listing.push(Listed { key, size: rng_size(seed, truths.len()), last_modified: uploaded });
    };
    for _ in 0..rng.usize(0..60) {
        // Seconds-resolution key times within 90 days before now.
        let opened = now - secs(rng.i64(0..90 * 86_400));
        let start = opened - secs(rng.i64(0..=2));
        let end = start + secs(rng.i64(1..=3600));
        let span = Span { start, end };
        // Uploaded after the footage ended (at once, or days later from a spool or by hand).
        let uploaded = end + secs(if rng.bool() { rng.i64(0..120) } else { rng.i64(0..3 * 86_400) });
        let segment = segment_key(prefix, "yard", opened);
        if truths.iter().any(|t| t.key == segment) {
            continue;
        }
        let index = index_of(&segment, start, end);
        let upload_time = if rng.u8(0..10) == 0 { None } else { Some(uploaded) };
        match rng.u8(0..7) {
            // A recorder segment and its index.
            0 | 1 => {
                put(&mut listing, &mut truths, segment.clone(), Some(span), upload_time);
                put(&mut listing, &mut truths, index, Some(span), upload_time);
                metadata.insert(segment.clone(), Some(full_metadata(span)));
            }
            // Unindexed (layout 1, or a crash between deleting the index and the segment): full metadata.
            2 => {
                put(&mut listing, &mut truths, segment.clone(), Some(span), upload_time);
                metadata.insert(segment.clone(), Some(full_metadata(span)));
            }
            // Metadata with an end only, or none at all (a hand upload).
            3 => {
                put(&mut listing, &mut truths, segment.clone(), Some(span), upload_time);
                let partial = SegmentMetadata { end: Some(end), ..SegmentMetadata::default() };
                metadata.insert(segment.clone(), Some(if rng.bool() { partial } else { SegmentMetadata::default() }));
            }
            // Gone between the listing and the HEAD (another recorder's pass deleted it).
            4 => {
                put(&mut listing, &mut truths, segment.clone(), Some(span), upload_time);
                metadata.insert(segment.clone(), None);
            }
            // Debris: the index, or another companion, without its segment.
            5 => put(&mut listing, &mut truths, index, Some(span), upload_time),
            _ => {
                put(&mut listing, &mut truths, segment.clone(), Some(span), upload_time);
                put(&mut listing, &mut truths, format!("{segment}.thumb.jpg"), Some(span), upload_time);
                metadata.insert(segment.clone(), Some(full_metadata(span)));
            }
        }
        // Now and then, an object in the day folder that is not footage.
        if rng.u8(0..8) == 0 {
            let folder = &segment[..segment.rfind('/').unwrap() + 1];
            put(&mut listing, &mut truths, format!("{folder}notes-{}.txt", rng.u32(..)), None, Some(uploaded));
        }
    }
    let holds = (0..rng.usize(0..4))
        .map(|i| {
            let start = now - secs(rng.i64(0..95 * 86_400));
            Hold {
                id: format!("h{i}"),
                camera: "yard".into(),
                start,
                end: start + secs(rng.i64(1..3 * 86_400)),
                reason: String::new(),
                created: now,
                created_by: None,
            }
        })
        .collect();
    listing.sort_by(|a, b| a.key.cmp(&b.key));
    Timeline { prefix, now, retention, holds, truths, metadata, listing }
}

fn rng_size(seed: u64, n: usize) -> u64 {
    seed.wrapping_mul(31).wrapping_add(n as u64) % 10_000
}

fn full_metadata(span: Span) -> SegmentMetadata {
    SegmentMetadata { start: Some(span.start), end: Some(span.end), ..SegmentMetadata::default() }
}

/// Runs the planner as a pass does: day by day, a HEAD for each segment that needs one.
fn run_pass(t: &Timeline) -> Deletions {
    let camera_prefix = storage::camera_prefix(t.prefix, "yard");
    let cut = cutoff(t.now, t.retention);
    let mut days: BTreeMap<Date, Vec<Listed>> = BTreeMap::new();
    for object in &t.listing {
        if let Some(day) = day_of(&camera_prefix, &object.key) {
            days.entry(day).or_default().push(object.clone());
        }
    }
    let mut all = Deletions::default();
    for (_, listed) in days {
        let mut footage = group(t.prefix, "yard", listed);
        for item in &mut footage {
            if item.needs_head(t.prefix, cut) {
                match t.metadata.get(&item.key).cloned().flatten() {
                    Some(metadata) => item.metadata = Some(metadata),
                    None => item.segment = None,
                }
            }
        }
        let plan = plan_deletions(t.prefix, &footage, &t.holds, t.now, t.retention);
        all.expired.extend(plan.expired);
        all.held += plan.held;
        all.unknown += plan.unknown;
    }
    all
}

#[test]
fn no_generated_timeline_loses_footage_that_is_newer_than_the_cutoff_or_held() {
    let seeds: Vec<u64> = match std::env::var("RETENTION_PROPERTY_SEED") {
        Ok(seed) => vec![seed.parse().expect("RETENTION_PROPERTY_SEED is a number")],
        Err(_) => (0..3000).collect(),
    };
    let mut deleted_somewhere = 0;
    let mut held_somewhere = 0;
    for seed in seeds {
        let t = generate(seed);
        let cut = cutoff(t.now, t.retention);
        let plan = run_pass(&t);
        let keys = plan.keys();
        let context =
            || format!("seed {seed} (RETENTION_PROPERTY_SEED={seed}), cut-off {cut}: {t:#?}\ndeleted {keys:#?}");
        for key in &keys {
            let truth = t
                .truths
                .iter()
                .find(|x| &x.key == key)
                .unwrap_or_else(|| panic!("{key} was never listed; {}", context()));
            let span = truth.span.unwrap_or_else(|| panic!("{key} is not footage, yet deleted; {}", context()));
            assert!(span.end < cut, "{key} ends at {}, after the cut-off; {}", span.end, context());
            assert!(!held(span, &t.holds), "{key} lies in a hold; {}", context());
        }
        // Every companion of a deleted segment is deleted, and before it.
        for (footage, _) in &plan.expired {
            if let Some(segment) = &footage.segment {
                let at = keys.iter().position(|k| *k == segment.key).unwrap();
                for object in &t.listing {
                    if storage::is_companion(&segment.key, &object.key) {
                        let companion = keys.iter().position(|k| *k == object.key);
                        assert!(
                            companion.is_some_and(|c| c < at),
                            "{} before {}; {}",
                            object.key,
                            segment.key,
                            context()
                        );
                    }
                }
            }
        }
        // And nothing is kept that could go: every segment whose exact span is known (an index, or metadata
        // with start and end), expired and unheld, is deleted. (Where only the end is known, the planner widens
        // the start, so a hold nearby may keep it: conservative, and allowed.)
        for (key, metadata) in &t.metadata {
            let truth = t.truths.iter().find(|x| &x.key == key).unwrap();
            let span = truth.span.unwrap();
            let indexed = t.listing.iter().any(|o| storage::is_companion(key, &o.key) && o.key.ends_with(".idx.json"));
            let exact = indexed || metadata.as_ref().is_some_and(|m| m.start.is_some() && m.end.is_some());
            if exact && metadata.is_some() && span.end < cut && !held(span, &t.holds) {
                assert!(keys.contains(key), "{key} expired at {} and is not held, yet kept; {}", span.end, context());
            }
        }
        deleted_somewhere += usize::from(!keys.is_empty());
        held_somewhere += usize::from(plan.held > 0);
    }
    if std::env::var("RETENTION_PROPERTY_SEED").is_err() {
        assert!(
            deleted_somewhere > 1000 && held_somewhere > 100,
            "the generator exercises both: {deleted_somewhere}, {held_somewhere}"
        );
    }
}
