//! The web UI's files: embedded in the binary, or read from a directory while developing the UI
//! (`PLAYBACK_UI_DIR=playback/ui`), so a browser reload shows an edit without a rebuild.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/ui_files.rs"));
}

/// What the page may load: only this server's own files; hls.js feeds MSE from `blob:` URLs.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; \
    form-action 'self'";

pub enum Ui {
    Embedded,
    Dir(PathBuf),
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

impl Ui {
    fn file(&self, path: &str) -> Option<Vec<u8>> {
        match self {
            Ui::Embedded => embedded::FILES.iter().find(|(name, _)| *name == path).map(|(_, bytes)| bytes.to_vec()),
            Ui::Dir(root) => {
                if path.split('/').any(|part| part == ".." || part.is_empty()) {
                    return None;
                }
                let local = if path == "vendor/hls.light.min.js" {
                    root.join("node_modules/hls.js/dist/hls.light.min.js")
                } else {
                    root.join(path)
                };
                std::fs::read(local).ok()
            }
        }
    }

    pub fn serve(&self, uri_path: &str) -> Response {
        let path = match uri_path.trim_start_matches('/') {
            "" => "index.html",
            other => other,
        };
        let Some(bytes) = self.file(path) else {
            return (StatusCode::NOT_FOUND, "not found\n").into_response();
        };
        let mut response = bytes.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_hls_js_are_embedded() {
        let names: Vec<&str> = embedded::FILES.iter().map(|(name, _)| *name).collect();
        assert!(names.contains(&"index.html") && names.contains(&"vendor/hls.light.min.js"), "{names:?}");
        assert!(!names.iter().any(|n| n.starts_with("node_modules") || n.starts_with("tests/")), "{names:?}");
        let page = Ui::Embedded.serve("/");
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("default-src 'self'"));
        assert_eq!(Ui::Embedded.serve("/../Cargo.toml").status(), StatusCode::NOT_FOUND);
        assert_eq!(Ui::Dir(PathBuf::from("ui")).serve("/../Cargo.toml").status(), StatusCode::NOT_FOUND);
    }
}
