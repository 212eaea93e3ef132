//! API errors: a status and one message that names the parameter and the fix, as JSON.

use crate::store::StoreError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// For 416: the size the range was checked against.
    pub size: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), size: None }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "not logged in; send Authorization: Bearer <token>, or log in at /")
    }

    pub fn range_not_satisfiable(message: impl Into<String>, size: u64) -> ApiError {
        ApiError { status: StatusCode::RANGE_NOT_SATISFIABLE, message: message.into(), size: Some(size) }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound(_) => ApiError::not_found(error.to_string()),
            // The bucket holds something that cannot be played: not the client's fault, and not ours to hide.
            StoreError::Unplayable { .. } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error.to_string()),
            StoreError::S3 { .. } => ApiError::new(StatusCode::BAD_GATEWAY, error.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(serde_json::json!({ "error": self.message }))).into_response();
        if let Some(size) = self.size
            && let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}"))
        {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"cto-cameras\""));
        }
        response
    }
}
