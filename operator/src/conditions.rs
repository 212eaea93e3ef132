//! Conditions in the Kubernetes API conventions (metav1.Condition).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

/// The three condition statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    True,
    False,
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::True => "True",
            Status::False => "False",
            Status::Unknown => "Unknown",
        }
    }
}

/// Builds a condition. `lastTransitionTime` comes from `previous` when the status did not flip, so it tells
/// when the camera last changed state, not when the operator last looked.
pub fn condition(
    previous: &[Condition],
    type_: &str,
    status: Status,
    reason: &str,
    message: String,
    generation: Option<i64>,
    now: jiff::Timestamp,
) -> Condition {
    let unchanged = previous.iter().find(|c| c.type_ == type_).filter(|c| c.status == status.as_str());
    Condition {
        type_: type_.to_owned(),
        status: status.as_str().to_owned(),
        reason: reason.to_owned(),
        // The API server caps messages at 32 KiB; keep them readable in `kubectl describe`.
        message: truncate(&message, 1024),
        observed_generation: generation,
        last_transition_time: unchanged.map_or(Time(now), |c| c.last_transition_time.clone()),
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn the_transition_time_changes_only_when_the_status_flips() {
        let t0 = ts("2026-01-01T00:00:00Z");
        let first = condition(&[], "Recording", Status::True, "Recording", "ok".into(), Some(1), t0);
        assert_eq!(first.last_transition_time, Time(t0));

        let t1 = ts("2026-01-01T00:05:00Z");
        let same = condition(
            std::slice::from_ref(&first),
            "Recording",
            Status::True,
            "Recording",
            "still ok".into(),
            Some(2),
            t1,
        );
        assert_eq!(same.last_transition_time, Time(t0), "same status: the transition time stays");
        assert_eq!(same.observed_generation, Some(2));
        assert_eq!(same.message, "still ok");

        let flipped = condition(&[same], "Recording", Status::False, "StreamStalled", "frozen".into(), Some(2), t1);
        assert_eq!(flipped.last_transition_time, Time(t1), "status flipped: the transition time moves");
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        let message = "é".repeat(1000);
        let c = condition(&[], "Degraded", Status::True, "X", message, None, ts("2026-01-01T00:00:00Z"));
        assert!(c.message.len() <= 1024 + '…'.len_utf8());
        assert!(c.message.ends_with('…'));
    }
}
