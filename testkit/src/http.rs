//! HTTP requests with curl: an HTTP client independent of the servers' own code, that tests can give any
//! header (Authorization, Range, Cookie) and that keeps binary bodies intact.

use std::collections::HashMap;
use std::process::Command;

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Lower-cased names; the last value of a repeated header.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

/// `method url` with `headers` (`"Name: value"`) and an optional body.
pub fn request(method: &str, url: &str, headers: &[&str], body: Option<&str>) -> Response {
    let dir = tempfile::tempdir().unwrap();
    let (head, out) = (dir.path().join("head"), dir.path().join("body"));
    let mut curl = Command::new("curl");
    curl.args(["-s", "-g", "--max-time", "120", "-D"]).arg(&head).arg("-o").arg(&out);
    if method == "HEAD" {
        curl.arg("-I");
    } else {
        curl.args(["-X", method]);
    }
    for header in headers {
        curl.args(["-H", header]);
    }
    if let Some(body) = body {
        curl.args(["--data-binary", body, "-H", "Content-Type: application/json"]);
    }
    let status = curl.arg(url).status().expect("run curl");
    assert!(status.success(), "curl {method} {url} failed: {status}");
    let head = std::fs::read_to_string(&head).unwrap_or_default();
    // With -I, curl prints the head to the -o file as well; the last block of `head` is the final response.
    let block = head.trim_end().rsplit("\r\n\r\n").next().unwrap_or_default().to_owned();
    let mut lines = block.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let body = if method == "HEAD" { Vec::new() } else { std::fs::read(&out).unwrap_or_default() };
    Response { status, headers, body }
}

pub fn get(url: &str, headers: &[&str]) -> Response {
    request("GET", url, headers, None)
}
