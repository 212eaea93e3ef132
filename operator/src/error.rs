//! The operator's one error type. Camera problems are not errors (they become conditions); these are
//! failures to talk to the API server, retried with backoff.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Kubernetes API request failed: {0}")]
    Kube(#[from] kube::Error),
    #[error("the Camera has no namespace")]
    NotNamespaced,
}

impl Error {
    /// Label for `camera_operator_reconcile_errors_total{reason}`.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Error::Kube(kube::Error::Api(status)) if status.code == 409 => "conflict",
            Error::Kube(kube::Error::Api(status)) if status.code == 403 => "forbidden",
            Error::Kube(kube::Error::Api(status)) if status.code == 404 => "not_found",
            Error::Kube(kube::Error::Api(_)) => "api",
            Error::Kube(_) => "transport",
            Error::NotNamespaced => "invalid_object",
        }
    }

    /// When to try again. A conflict resolves on the next read; a forbidden request needs an admin, so it
    /// is retried slowly; anything else is probably the API server being busy or away.
    pub fn requeue_after(&self) -> Duration {
        match self.metric_label() {
            "conflict" => Duration::from_secs(1),
            "forbidden" | "invalid_object" => Duration::from_secs(300),
            _ => Duration::from_secs(15),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16) -> Error {
        Error::Kube(kube::Error::Api(Box::new(kube::core::Status::failure("x", "y").with_code(code))))
    }

    #[test]
    fn errors_map_to_labels_and_requeue_delays() {
        assert_eq!((api(409).metric_label(), api(409).requeue_after()), ("conflict", Duration::from_secs(1)));
        assert_eq!((api(403).metric_label(), api(403).requeue_after()), ("forbidden", Duration::from_secs(300)));
        assert_eq!((api(500).metric_label(), api(500).requeue_after()), ("api", Duration::from_secs(15)));
        assert_eq!(Error::NotNamespaced.metric_label(), "invalid_object");
    }
}
