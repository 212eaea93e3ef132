//! Who may watch. Three modes, chosen explicitly:
//!
//! - `token` (default): `Authorization: Bearer <token>`, compared in constant time, or a session cookie set by
//!   `POST /api/v1/login`. The cookie holds an expiry and an HMAC of it keyed by the token, never the token:
//!   any replica with the same token accepts it (the server stays stateless), and changing the token ends every
//!   session.
//! - `trusted-header`: an auth proxy in front (oauth2-proxy, ingress auth) sets a header with the user.
//! - `none`: everyone; the server warns at start-up.

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "cto_session";
/// How long a browser session lasts.
pub const SESSION_SECS: i64 = 12 * 3600;

#[derive(Clone)]
pub enum Auth {
    Token { token: String },
    TrustedHeader { header: String },
    None,
}

/// Who a request is from, once let in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user: Option<String>,
}

impl Auth {
    pub fn mode(&self) -> &'static str {
        match self {
            Auth::Token { .. } => "token",
            Auth::TrustedHeader { .. } => "trusted-header",
            Auth::None => "none",
        }
    }

    /// The viewer behind `headers`, or `None`: not let in.
    pub fn check(&self, headers: &HeaderMap, now: Timestamp) -> Option<Viewer> {
        match self {
            Auth::None => Some(Viewer { user: None }),
            Auth::TrustedHeader { header } => {
                let user = headers.get(header.as_str())?.to_str().ok()?.trim();
                (!user.is_empty()).then(|| Viewer { user: Some(user.to_owned()) })
            }
            Auth::Token { token } => {
                let bearer = headers
                    .get_all(AUTHORIZATION)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .filter_map(|v| v.strip_prefix("Bearer "))
                    .any(|given| token_matches(token, given.trim()));
                let session = cookie(headers, SESSION_COOKIE).is_some_and(|value| session_valid(token, value, now));
                (bearer || session).then_some(Viewer { user: None })
            }
        }
    }

    /// Whether `given` is the token (`POST /api/v1/login`).
    pub fn accepts_token(&self, given: &str) -> bool {
        matches!(self, Auth::Token { token } if token_matches(token, given.trim()))
    }

    /// The session cookie's value for a login at `now`.
    pub fn session_value(&self, now: Timestamp) -> Option<String> {
        let Auth::Token { token } = self else { return None };
        let expiry = now.as_second() + SESSION_SECS;
        Some(format!("v1.{expiry}.{}", hex(&session_mac(token, expiry))))
    }
}

/// Constant-time: both sides are hashed first, so neither the content nor the length leaks through timing.
fn token_matches(token: &str, given: &str) -> bool {
    Sha256::digest(token.as_bytes()).ct_eq(&Sha256::digest(given.as_bytes())).into()
}

fn session_mac(token: &str, expiry: i64) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("cto-cameras session v1 {expiry}").as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn session_valid(token: &str, value: &str, now: Timestamp) -> bool {
    let mut parts = value.split('.');
    let (Some("v1"), Some(expiry), Some(mac), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(expiry) = expiry.parse::<i64>() else { return false };
    let Some(mac) = unhex(mac) else { return false };
    let mut check = Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("HMAC takes any key length");
    check.update(format!("cto-cameras session v1 {expiry}").as_bytes());
    expiry > now.as_second() && check.verify_slice(&mac).is_ok()
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn bearer_tokens_and_sessions_let_in_nothing_else_does() {
        let auth = Auth::Token { token: "s3cret-token-123".into() };
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        assert!(auth.check(&headers(&[]), now).is_none());
        assert!(auth.check(&headers(&[("authorization", "Bearer s3cret-token-123")]), now).is_some());
        assert!(auth.check(&headers(&[("authorization", "Bearer s3cret-token-12")]), now).is_none());
        assert!(auth.check(&headers(&[("authorization", "Basic s3cret-token-123")]), now).is_none());
        let session = auth.session_value(now).unwrap();
        assert!(!session.contains("s3cret"), "the cookie never holds the token");
        let with_cookie = headers(&[("cookie", &format!("theme=dark; {SESSION_COOKIE}={session}"))]);
        assert!(auth.check(&with_cookie, now).is_some());
        let later = Timestamp::from_second(now.as_second() + SESSION_SECS + 1).unwrap();
        assert!(auth.check(&with_cookie, later).is_none(), "sessions expire");
        let other = Auth::Token { token: "another-token-456".into() };
        assert!(other.check(&with_cookie, now).is_none(), "a new token ends old sessions");
        let forged = session.replace("v1.", "v1.9").to_string();
        assert!(auth.check(&headers(&[("cookie", &format!("{SESSION_COOKIE}={forged}"))]), now).is_none());
        assert!(auth.accepts_token(" s3cret-token-123 ") && !auth.accepts_token("nope"));
    }

    #[test]
    fn trusted_header_and_none_modes() {
        let auth = Auth::TrustedHeader { header: "X-Forwarded-User".into() };
        let now = Timestamp::now();
        assert_eq!(
            auth.check(&headers(&[("x-forwarded-user", "ana")]), now),
            Some(Viewer { user: Some("ana".into()) })
        );
        assert!(auth.check(&headers(&[("x-forwarded-user", " ")]), now).is_none());
        assert!(auth.check(&headers(&[]), now).is_none());
        assert!(Auth::None.check(&headers(&[]), now).is_some());
        assert!(!Auth::None.accepts_token("anything"));
    }
}
