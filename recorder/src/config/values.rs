//! Parsers for the value forms users type: durations, sizes, resolutions, booleans.
//! Each returns a problem phrased to follow "`<field>`: ", and says what form is expected.

use std::time::Duration;

/// `15m`, `10s`, `1h`, `1h 30m`, `90s` (jiff's friendly format) or ISO 8601 `PT15M`.
pub fn duration(text: &str) -> Result<Duration, String> {
    let parsed: jiff::SignedDuration =
        text.trim().parse().map_err(|_| format!("'{text}' is not a duration; write it like 15m, 10s or 1h"))?;
    Duration::try_from(parsed).map_err(|_| format!("'{text}' is negative; write it like 15m, 10s or 1h"))
}

pub use crds::contract::names::byte_size;

/// `1920x1080`.
pub fn resolution(text: &str) -> Result<(u32, u32), String> {
    let hint = || format!("'{text}' is not a resolution; write it like 1920x1080");
    let (w, h) = text.trim().split_once(['x', 'X']).ok_or_else(hint)?;
    let w: u32 = w.parse().map_err(|_| hint())?;
    let h: u32 = h.parse().map_err(|_| hint())?;
    if w == 0 || h == 0 || w > 16384 || h > 16384 {
        return Err(hint());
    }
    Ok((w, h))
}

pub fn boolean(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("'{text}' is not a boolean; write true or false")),
    }
}

pub fn in_range<T: PartialOrd + Copy>(value: T, min: T, max: T, describe: impl Fn(T) -> String) -> Result<T, String> {
    if value < min || value > max {
        Err(format!("{} is out of range; choose between {} and {}", describe(value), describe(min), describe(max)))
    } else {
        Ok(value)
    }
}

/// A duration the way a person writes it: `15m`, `10s`, `1h`, `90s`.
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s if d.subsec_millis() == 0 => format!("{s}s"),
        _ => format!("{}ms", d.as_millis()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_the_forms_users_write() {
        assert_eq!(duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(duration("PT15M"), Ok(Duration::from_secs(900)));
        assert!(duration("fifteen").unwrap_err().contains("like 15m"));
        assert!(duration("-5m").unwrap_err().contains("negative"));
    }

    #[test]
    fn resolutions_and_booleans() {
        assert_eq!(resolution("1920x1080"), Ok((1920, 1080)));
        assert!(resolution("1080p").is_err());
        assert_eq!(boolean("TRUE"), Ok(true));
        assert!(boolean("maybe").is_err());
    }

    #[test]
    fn range_errors_name_the_limits() {
        let err = in_range(Duration::from_secs(5), Duration::from_secs(10), Duration::from_secs(3600), human_duration)
            .unwrap_err();
        assert_eq!(err, "5s is out of range; choose between 10s and 1h");
    }
}
