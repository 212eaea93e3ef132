//! Camera URLs: validated once, and never printed with their credentials.

use std::fmt;

/// An `rtsp://` or `rtsps://` URL. `Display` and `Debug` hide the user-info; only [`CameraUrl::expose`]
/// gives the real string, for the FFmpeg command line.
#[derive(Clone, PartialEq, Eq)]
pub struct CameraUrl {
    raw: String,
    user: Option<String>,
    password: Option<String>,
    /// The URL with `***` in place of the user-info.
    redacted: String,
}

/// Why a URL was rejected, phrased to follow "`<field>`: ". Never contains the URL itself.
pub const URL_SHAPE: &str = "use rtsp://[user:password@]host[:port]/path";
const ENCODE_HINT: &str = "percent-encode @ : / # % in the user name or password (%40 %3A %2F %23 %25)";

impl CameraUrl {
    pub fn parse(raw: &str) -> Result<CameraUrl, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(format!("is empty; {URL_SHAPE}"));
        }
        let Some((scheme, rest)) = raw.split_once("://") else {
            return Err(format!("is not a URL; {URL_SHAPE}"));
        };
        if !matches!(scheme.to_ascii_lowercase().as_str(), "rtsp" | "rtsps") {
            let scheme: String = scheme.chars().filter(|c| c.is_ascii_alphanumeric()).take(10).collect();
            return Err(format!("scheme '{scheme}' is not supported; {URL_SHAPE} (or rtsps://)"));
        }
        if raw.contains(char::is_whitespace) {
            return Err(format!("contains white space; {ENCODE_HINT}"));
        }
        if raw.contains('#') {
            return Err(format!("contains '#'; {ENCODE_HINT}"));
        }
        // FFmpeg decodes the escapes; a broken one makes the camera fail later with a confusing error.
        if !percent_escapes_are_whole(raw) {
            return Err(format!("has a '%' not followed by two hex digits; {ENCODE_HINT}"));
        }
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo), host_port),
            None => (None, authority),
        };
        // A raw '/' in the password ends the authority early and leaves its '@' in the path.
        if rest[authority.len()..].split('?').next().unwrap_or_default().contains('@') {
            return Err(format!("has an '@' after the host; {ENCODE_HINT}"));
        }
        if userinfo.is_some_and(|u| u.contains('@')) {
            return Err(format!("has more than one '@'; {ENCODE_HINT}"));
        }
        validate_host_port(host_port).map_err(|problem| match userinfo {
            Some(_) => format!("{problem}; {URL_SHAPE}, and {ENCODE_HINT}"),
            None => format!("{problem}; {URL_SHAPE}"),
        })?;
        let (user, password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((u, p)) => (Some(u.to_owned()), Some(p.to_owned())),
                None => (Some(info.to_owned()), None),
            },
            None => (None, None),
        };
        let redacted = match userinfo {
            Some(_) => format!("{scheme}://***@{}", &rest[rest.find('@').map_or(0, |at| at + 1)..]),
            None => raw.to_owned(),
        };
        Ok(CameraUrl { raw: raw.to_owned(), user, password, redacted })
    }

    /// The URL with its credentials, for FFmpeg's command line only.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The strings to mask in anything FFmpeg prints.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.user.iter().chain(self.password.iter()).map(String::as_str)
    }

    pub fn has_credentials(&self) -> bool {
        self.user.is_some()
    }
}

/// Every `%` starts a `%XX` escape with two hex digits.
fn percent_escapes_are_whole(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'%')
        .all(|(at, _)| bytes.get(at + 1..at + 3).is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)))
}

fn validate_host_port(host_port: &str) -> Result<(), String> {
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (addr, after) = v6.split_once(']').ok_or("has an unclosed '[' in the host")?;
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("has an invalid IPv6 host".into());
        }
        (addr, after.strip_prefix(':'))
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err("has no host".into());
    }
    let is_ipv6 = host_port.starts_with('[');
    let valid_name = host.starts_with(|c: char| c.is_ascii_alphanumeric())
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !is_ipv6 && !valid_name {
        return Err("has an invalid host name".into());
    }
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err("has an invalid port".into());
    }
    Ok(())
}

impl fmt::Display for CameraUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Debug for CameraUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CameraUrl({})", self.redacted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rtsp_urls_and_hides_their_credentials() {
        let url = CameraUrl::parse("rtsp://admin:p%40ss%3A%2F%23@192.168.1.10:554/Streaming/101").unwrap();
        assert_eq!(url.to_string(), "rtsp://***@192.168.1.10:554/Streaming/101");
        assert_eq!(format!("{url:?}"), "CameraUrl(rtsp://***@192.168.1.10:554/Streaming/101)");
        assert_eq!(url.secrets().collect::<Vec<_>>(), ["admin", "p%40ss%3A%2F%23"]);
        assert!(CameraUrl::parse("rtsps://cam.local/stream").is_ok());
        assert!(CameraUrl::parse("rtsp://[::1]:8554/s").is_ok());
        assert!(CameraUrl::parse("RTSP://cam/s").is_ok());
        assert!(CameraUrl::parse("rtsp://admin:100%25@cam/s").is_ok(), "a literal % is written %25");
    }

    #[test]
    fn rejects_bad_urls_without_echoing_them() {
        let cases = [
            ("", "is empty"),
            ("cam.local/stream", "is not a URL"),
            ("http://user:hunter2@cam/s", "scheme 'http' is not supported"),
            ("rtsp://admin:p@ss@cam/s", "more than one '@'"),
            ("rtsp://admin:pa#ss@cam/s", "contains '#'"),
            ("rtsp://admin:hunter2@/s", "has no host"),
            ("rtsp://cam:99999/s", "invalid port"),
            ("rtsp://admin:a/b@cam/s", "percent-encode"),
            ("rtsp://bad_host!/s", "invalid host name"),
            ("rtsp://admin:hunter2%x@cam/s", "'%' not followed by two hex digits"),
            ("rtsp://admin:100%@cam/s", "%25"),
            ("rtsp://cam/s?token=%zz", "'%' not followed"),
        ];
        for (input, expected) in cases {
            let err = CameraUrl::parse(input).unwrap_err();
            assert!(err.contains(expected), "{input:?}: {err}");
            assert!(!err.contains("hunter2") && !err.contains("p@ss"), "{err}");
        }
    }
}
