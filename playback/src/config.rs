//! Settings from flags, the environment and the TOML file the recorder reads (`[storage]` is shared; playback's
//! own settings are under `[playback]`). Flags win over the environment, which wins over the file. Pure: the
//! environment and the file's text come in as values.

use crate::auth::Auth;
use crds::contract::env::{self, playback};
use crds::contract::names;
use jiff::SignedDuration;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Tokens shorter than this are refused: a viewer's token guards every camera.
const MIN_TOKEN_LEN: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{field}: {problem}")]
pub struct ConfigError {
    pub field: String,
    pub problem: String,
}

fn problem(field: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError { field: field.to_owned(), problem: problem.into() }
}

#[derive(Clone)]
pub struct Storage {
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    pub prefix: String,
    /// `(access key, secret key)`; `None` sends unsigned requests.
    pub credentials: Option<(String, String)>,
}

#[derive(Clone)]
pub struct Settings {
    pub storage: Storage,
    pub listen: SocketAddr,
    pub auth: Auth,
    pub export_max: SignedDuration,
}

impl Settings {
    /// One line for the start-up log, without secrets.
    pub fn summary(&self) -> String {
        format!(
            "bucket '{}' at {} (prefix '{}', {}), auth {}, exports up to {}",
            self.storage.bucket,
            self.storage.endpoint.as_deref().unwrap_or("AWS S3"),
            self.storage.prefix,
            if self.storage.credentials.is_some() { "signed" } else { "unsigned" },
            self.auth.mode(),
            jiff::fmt::friendly::SpanPrinter::new().duration_to_string(&self.export_max),
        )
    }
}

/// Values given as command-line flags.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub auth: Option<String>,
    pub listen: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    storage: FileStorage,
    #[serde(default)]
    playback: FilePlayback,
}

/// The recorder's `[storage]`: playback reads the S3 settings and ignores the recorder's own.
#[derive(Debug, Default, Deserialize)]
struct FileStorage {
    s3_endpoint: Option<String>,
    s3_bucket: Option<String>,
    s3_region: Option<String>,
    s3_prefix: Option<String>,
    s3_access_key: Option<String>,
    s3_secret_key: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePlayback {
    listen: Option<String>,
    auth: Option<String>,
    token_file: Option<PathBuf>,
    trusted_header: Option<String>,
    export_max: Option<String>,
}

/// Reads the settings. `read_file` reads the token file (a seam for tests).
pub fn load(
    flags: &Flags,
    vars: &HashMap<String, String>,
    file_text: Option<&str>,
    read_file: impl Fn(&PathBuf) -> std::io::Result<String>,
) -> Result<Settings, ConfigError> {
    let file: File = match file_text {
        Some(text) => toml::from_str(text).map_err(|e| problem(env::CONFIG_FILE, e.message().to_owned()))?,
        None => File::default(),
    };
    let var = |name: &str| vars.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let pick = |name: &str, from_file: Option<String>| var(name).or(from_file);

    let bucket =
        names::bucket_name(&pick(env::S3_BUCKET, file.storage.s3_bucket).unwrap_or(env::DEFAULT_BUCKET.into()))
            .map_err(|e| problem(env::S3_BUCKET, e))?;
    let prefix = names::key_prefix(&pick(env::S3_PREFIX, file.storage.s3_prefix).unwrap_or_default())
        .map_err(|e| problem(env::S3_PREFIX, e))?;
    let credentials = match (
        pick(env::S3_ACCESS_KEY, file.storage.s3_access_key),
        pick(env::S3_SECRET_KEY, file.storage.s3_secret_key),
    ) {
        (Some(access), Some(secret)) => Some((access, secret)),
        (None, None) => None,
        _ => {
            return Err(problem(
                env::S3_SECRET_KEY,
                "set both S3_ACCESS_KEY and S3_SECRET_KEY, or neither for unsigned requests",
            ));
        }
    };
    let storage = Storage {
        endpoint: pick(env::S3_ENDPOINT, file.storage.s3_endpoint),
        region: pick(env::S3_REGION, file.storage.s3_region).unwrap_or_else(|| "us-east-1".into()),
        bucket,
        prefix,
        credentials,
    };

    let listen_text = flags
        .listen
        .clone()
        .or_else(|| var(playback::LISTEN_ADDR))
        .or(file.playback.listen)
        .or_else(|| var(env::LISTEN_ADDR))
        .unwrap_or_else(|| format!("0.0.0.0:{}", env::DEFAULT_HTTP_PORT));
    let listen = parse_listen(&listen_text).ok_or_else(|| {
        problem(env::LISTEN_ADDR, format!("'{listen_text}' is not an address; write it like 0.0.0.0:8080 or 8080"))
    })?;

    let mode =
        flags.auth.clone().or_else(|| var(playback::AUTH)).or(file.playback.auth).unwrap_or_else(|| "token".into());
    let auth = match mode.as_str() {
        "token" => {
            let token = match (
                var(playback::TOKEN),
                var(playback::TOKEN_FILE).map(PathBuf::from).or(file.playback.token_file),
            ) {
                (Some(token), _) => token,
                (None, Some(path)) => read_file(&path)
                    .map_err(|e| problem(playback::TOKEN_FILE, format!("cannot read {}: {e}", path.display())))?
                    .trim()
                    .to_owned(),
                (None, None) => {
                    return Err(problem(
                        playback::TOKEN,
                        "no viewer token is set; set PLAYBACK_TOKEN or PLAYBACK_TOKEN_FILE, or choose --auth trusted-header (behind an auth proxy) or --auth none",
                    ));
                }
            };
            if token.chars().count() < MIN_TOKEN_LEN {
                return Err(problem(
                    playback::TOKEN,
                    format!(
                        "the token is too short; use at least {MIN_TOKEN_LEN} characters, e.g. from `openssl rand -hex 24`"
                    ),
                ));
            }
            Auth::Token { token }
        }
        "trusted-header" => Auth::TrustedHeader {
            header: var(playback::TRUSTED_HEADER)
                .or(file.playback.trusted_header)
                .unwrap_or_else(|| playback::DEFAULT_TRUSTED_HEADER.into()),
        },
        "none" => Auth::None,
        other => {
            return Err(problem(
                playback::AUTH,
                format!("'{other}' is not an auth mode; choose token, trusted-header or none"),
            ));
        }
    };

    let export_text = var(playback::EXPORT_MAX).or(file.playback.export_max).unwrap_or_else(|| "24h".into());
    let export_max: SignedDuration =
        export_text.parse().ok().filter(|d: &SignedDuration| d.is_positive()).ok_or_else(|| {
            problem(playback::EXPORT_MAX, format!("'{export_text}' is not a duration; write it like 24h or 90m"))
        })?;

    Ok(Settings { storage, listen, auth, export_max })
}

fn parse_listen(text: &str) -> Option<SocketAddr> {
    text.parse().ok().or_else(|| text.parse::<u16>().ok().map(|port| SocketAddr::from(([0, 0, 0, 0], port))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn no_file(_: &PathBuf) -> std::io::Result<String> {
        Err(std::io::Error::other("no file"))
    }

    #[test]
    fn the_recorders_file_and_env_configure_playback() {
        let text = r#"
            [storage]
            s3_endpoint = "http://127.0.0.1:8333"
            s3_bucket = "footage"
            temp_dir = "/var/spool/cameras"   # the recorder's; ignored here
            [[cameras]]
            url = "rtsp://cam/1"
            [playback]
            listen = "127.0.0.1:9000"
            token_file = "/run/secrets/token"
            export_max = "2h"
        "#;
        let read = |path: &PathBuf| {
            assert_eq!(path, &PathBuf::from("/run/secrets/token"));
            Ok("from-the-secret-file-0123\n".to_owned())
        };
        let settings = load(&Flags::default(), &vars(&[("S3_PREFIX", "site-a")]), Some(text), read).unwrap();
        assert_eq!(settings.storage.bucket, "footage");
        assert_eq!(settings.storage.prefix, "site-a");
        assert_eq!(settings.listen.to_string(), "127.0.0.1:9000");
        assert!(settings.auth.accepts_token("from-the-secret-file-0123"));
        assert_eq!(settings.export_max, SignedDuration::from_hours(2));
        assert!(!settings.summary().contains("from-the-secret"), "{}", settings.summary());
    }

    #[test]
    fn the_recorders_example_file_configures_playback_beside_it() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../config.example.toml")).unwrap();
        let settings =
            load(&Flags::default(), &vars(&[]), Some(&text), |_| Ok("a-token-from-the-file-0123".into())).unwrap();
        assert_eq!(settings.listen.port(), 8081, "its own port, not the recorder's");
        assert_eq!(settings.storage.bucket, "camera-recordings");
        assert_eq!(settings.storage.endpoint.as_deref(), Some("http://seaweedfs:8333"));
    }

    #[test]
    fn each_bad_value_names_its_field() {
        let token = ("PLAYBACK_TOKEN", "0123456789abcdef");
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "PLAYBACK_TOKEN"),
            (&[("PLAYBACK_TOKEN", "short")], "PLAYBACK_TOKEN"),
            (&[token, ("PLAYBACK_AUTH", "open")], "PLAYBACK_AUTH"),
            (&[token, ("S3_BUCKET", "Bad_Bucket")], "S3_BUCKET"),
            (&[token, ("S3_ACCESS_KEY", "a")], "S3_SECRET_KEY"),
            (&[token, ("PLAYBACK_EXPORT_MAX", "forever")], "PLAYBACK_EXPORT_MAX"),
            (&[token, ("LISTEN_ADDR", "here")], "LISTEN_ADDR"),
            (&[token, ("PLAYBACK_TOKEN", ""), ("PLAYBACK_TOKEN_FILE", "/nope")], "PLAYBACK_TOKEN_FILE"),
        ];
        for (pairs, field) in cases {
            let error = load(&Flags::default(), &vars(pairs), None, no_file)
                .err()
                .unwrap_or_else(|| panic!("{pairs:?} accepted"));
            assert_eq!(error.field, *field, "{pairs:?}: {error}");
        }
        let none =
            load(&Flags { auth: Some("none".into()), listen: Some("8081".into()) }, &vars(&[]), None, no_file).unwrap();
        assert_eq!(none.auth.mode(), "none");
        assert_eq!(none.listen.port(), 8081);
        assert!(
            load(&Flags::default(), &vars(&[]), Some("[playback]\ntoken = 'x'"), no_file).is_err(),
            "no tokens in files"
        );
    }
}
