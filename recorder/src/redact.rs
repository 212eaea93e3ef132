//! Keeps credentials out of everything the recorder says: logs, `/status`, metrics and errors.
//!
//! FFmpeg prints the input URL, password included, in its own messages (a 401 says so in full), so every
//! line that leaves an FFmpeg child goes through [`Redactor::redact`] before it is stored or logged.

const MASK: &str = "***";

/// Removes URL user-info and known secret strings from text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Secrets to mask wherever they appear, longest first so that a secret containing another is masked
    /// whole.
    secrets: Vec<String>,
}

impl Redactor {
    /// `secrets` are the raw strings to hide (passwords, user names, S3 keys). Percent-decoded forms of
    /// each are hidden too, because FFmpeg prints passwords decoded.
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut all: Vec<String> = Vec::new();
        for secret in secrets {
            let secret = secret.as_ref();
            // Very short strings (a user called "a") would mask half of every message.
            if secret.len() < 3 {
                continue;
            }
            all.push(secret.to_owned());
            let decoded = percent_decode(secret);
            if decoded != secret {
                all.push(decoded);
            }
        }
        all.sort_by_key(|s| std::cmp::Reverse(s.len()));
        all.dedup();
        Redactor { secrets: all }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = strip_userinfo(text);
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }
}

/// Replaces the user-info of every `scheme://user:pass@host` in `text` with `***`.
///
/// The authority is taken to end at the last `@` before whitespace or a quote, so a password that
/// contains raw `@`, `/` or `:` is still masked whole.
pub fn strip_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let token_end =
            tail.find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '<' | '>')).unwrap_or(tail.len());
        let token = &tail[..token_end];
        match token.rfind('@') {
            Some(at) => {
                out.push_str(MASK);
                out.push_str(&token[at..]);
            }
            None => out.push_str(token),
        }
        rest = &tail[token_end..];
    }
    out.push_str(rest);
    out
}

/// Decodes `%XX` escapes; anything malformed is kept as it is.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(value) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(value);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_masked_including_raw_special_characters() {
        assert_eq!(
            strip_userinfo("rtsp://admin:p%40ss%3A%2F%23@10.0.0.5:554/stream: 401 Unauthorized"),
            "rtsp://***@10.0.0.5:554/stream: 401 Unauthorized"
        );
        assert_eq!(strip_userinfo("open 'rtsp://u:a@b/c@cam/s' failed"), "open 'rtsp://***@cam/s' failed");
        assert_eq!(strip_userinfo("rtsp://cam.local/stream"), "rtsp://cam.local/stream");
        assert_eq!(strip_userinfo("no url here"), "no url here");
        assert_eq!(strip_userinfo("two: rtsp://a:b@x/1 and http://c:d@y/2"), "two: rtsp://***@x/1 and http://***@y/2");
    }

    #[test]
    fn known_secrets_are_masked_in_raw_and_decoded_form() {
        let redactor = Redactor::new(["p%40ss%3A%2F%23", "AKIDEXAMPLE"]);
        assert_eq!(redactor.redact("password p@ss:/# rejected"), "password *** rejected");
        assert_eq!(redactor.redact("key AKIDEXAMPLE"), "key ***");
        assert_eq!(redactor.redact("rtsp://admin:p%40ss%3A%2F%23@cam/s"), "rtsp://***@cam/s");
    }

    #[test]
    fn percent_decoding_leaves_malformed_escapes_alone() {
        assert_eq!(percent_decode("a%40b"), "a@b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
