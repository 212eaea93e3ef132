//! Query and path parameters, each checked with an error that names it and says what is expected. Pure.

use crate::error::ApiError;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// The longest timeline one request may ask for.
pub const MAX_TIMELINE_DAYS: i64 = 93;

pub fn camera_id(id: &str) -> Result<String, ApiError> {
    crds::contract::names::camera_id(id).map_err(|e| ApiError::bad_request(format!("camera: {e}")))
}

pub fn time(name: &str, value: Option<&str>) -> Result<Timestamp, ApiError> {
    let value = value.ok_or_else(|| {
        ApiError::bad_request(format!("{name}: missing; give an RFC 3339 time like 2026-11-23T14:32:00Z"))
    })?;
    value.trim().parse().map_err(|_| {
        ApiError::bad_request(format!("{name}: '{value}' is not an RFC 3339 time; write it like 2026-11-23T14:32:00Z"))
    })
}

/// `start < end`, and no longer than `max`.
pub fn range(start: Timestamp, end: Timestamp, max: SignedDuration, what: &str) -> Result<(), ApiError> {
    if end <= start {
        return Err(ApiError::bad_request(format!("end: {end} is not after start {start}; give end later than start")));
    }
    if end.duration_since(start) > max {
        let max = jiff::fmt::friendly::SpanPrinter::new().duration_to_string(&max);
        return Err(ApiError::bad_request(format!("end: {what} is limited to {max}; ask for a shorter range")));
    }
    Ok(())
}

/// A local `day` in time zone `tz` (IANA; UTC when absent) as the instants it starts and ends: 23 or 25 hours on
/// the days clocks change.
pub fn local_day(day: &str, tz: Option<&str>) -> Result<(Timestamp, Timestamp), ApiError> {
    let date: Date = day
        .trim()
        .parse()
        .map_err(|_| ApiError::bad_request(format!("day: '{day}' is not a date; write it like 2026-11-23")))?;
    let zone = match tz.map(str::trim).filter(|t| !t.is_empty()) {
        None => TimeZone::UTC,
        Some(name) => TimeZone::get(name).map_err(|_| {
            ApiError::bad_request(format!("tz: '{name}' is not an IANA time zone; write it like Europe/Berlin or UTC"))
        })?,
    };
    let start_of = |date: Date| {
        date.to_zoned(zone.clone())
            .and_then(|z| z.start_of_day())
            .map(|z| z.timestamp())
            .map_err(|e| ApiError::bad_request(format!("day: {e}")))
    };
    let next = date.tomorrow().map_err(|e| ApiError::bad_request(format!("day: {e}")))?;
    Ok((start_of(date)?, start_of(next)?))
}

/// The playback shift of a media request, in microseconds (at most ten years either way).
pub fn shift(value: Option<&str>) -> Result<i64, ApiError> {
    let Some(value) = value else { return Ok(0) };
    value
        .parse::<i64>()
        .ok()
        .filter(|s| s.unsigned_abs() < 10 * 366 * 86_400 * 1_000_000)
        .ok_or_else(|| ApiError::bad_request(format!("shift: '{value}' is not a shift in microseconds")))
}

/// A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range of an object of `size` bytes, as `start..end`.
pub fn byte_range(header: &str, size: u64) -> Result<(u64, u64), ApiError> {
    let bad = || {
        ApiError::range_not_satisfiable(
            format!("Range: '{header}' is not one satisfiable byte range of {size} bytes"),
            size,
        )
    };
    let spec = header.trim().strip_prefix("bytes=").ok_or_else(bad)?;
    if spec.contains(',') {
        return Err(bad());
    }
    let (first, last) = spec.split_once('-').ok_or_else(bad)?;
    let (start, end) = match (first.trim(), last.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().map_err(|_| bad())?;
            (size.saturating_sub(n), size)
        }
        (first, "") => (first.parse().map_err(|_| bad())?, size),
        (first, last) => {
            let (a, b): (u64, u64) = (first.parse().map_err(|_| bad())?, last.parse().map_err(|_| bad())?);
            (a, b.saturating_add(1).min(size))
        }
    };
    if start >= end {
        return Err(bad());
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_days_follow_the_clock_changes() {
        let hours = |day: &str, tz: &str| {
            let (a, b) = local_day(day, Some(tz)).unwrap();
            b.duration_since(a).as_secs() / 3600
        };
        assert_eq!(hours("2026-03-29", "Europe/Berlin"), 23);
        assert_eq!(hours("2026-10-25", "Europe/Berlin"), 25);
        assert_eq!(hours("2026-11-23", "Europe/Berlin"), 24);
        let (start, _) = local_day("2026-11-23", Some("Europe/Berlin")).unwrap();
        assert_eq!(start.to_string(), "2026-11-22T23:00:00Z");
        assert_eq!(local_day("2026-11-23", None).unwrap().0.to_string(), "2026-11-23T00:00:00Z");
        assert!(local_day("2026-13-01", None).unwrap_err().message.starts_with("day:"));
        assert!(local_day("2026-11-23", Some("Mars/Olympus")).unwrap_err().message.starts_with("tz:"));
    }

    #[test]
    fn times_ranges_and_byte_ranges() {
        assert!(time("start", Some("2026-11-23T14:32:00Z")).is_ok());
        assert!(time("start", Some("2026-11-23T15:32:00+01:00")).is_ok());
        assert!(time("start", Some("yesterday")).unwrap_err().message.starts_with("start:"));
        assert!(time("end", None).unwrap_err().message.starts_with("end:"));
        let (a, b) =
            (time("s", Some("2026-11-23T10:00:00Z")).unwrap(), time("e", Some("2026-11-23T11:00:00Z")).unwrap());
        assert!(range(b, a, SignedDuration::from_hours(24), "an export").unwrap_err().message.starts_with("end:"));
        assert!(
            range(a, b, SignedDuration::from_mins(30), "an export").unwrap_err().message.contains("limited to 30m")
        );
        assert_eq!(byte_range("bytes=0-99", 1000).unwrap(), (0, 100));
        assert_eq!(byte_range("bytes=900-", 1000).unwrap(), (900, 1000));
        assert_eq!(byte_range("bytes=-10", 1000).unwrap(), (990, 1000));
        assert_eq!(byte_range("bytes=0-5000", 1000).unwrap(), (0, 1000));
        for bad in ["bytes=1000-", "bytes=5-1", "items=0-1", "bytes=0-1,5-6", "bytes=x-"] {
            assert_eq!(byte_range(bad, 1000).unwrap_err().status.as_u16(), 416, "{bad}");
        }
        assert!(shift(Some("12x")).is_err() && shift(Some("-4000000")) == Ok(-4_000_000) && shift(None) == Ok(0));
        assert!(camera_id("../etc").unwrap_err().message.starts_with("camera:"));
    }
}
