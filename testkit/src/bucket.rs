//! An S3 client independent of the recorder's code: the aws CLI (botocore).

use super::seaweed::SeaweedFs;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

pub struct Bucket {
    pub endpoint: String,
    pub name: String,
    access_key: String,
    secret_key: String,
}

#[derive(Debug, Clone)]
pub struct Object {
    pub key: String,
    pub size: u64,
}

impl Bucket {
    pub fn on(server: &SeaweedFs, name: &str) -> Bucket {
        let (access_key, secret_key) = server.credentials.clone().unwrap_or(("any".into(), "any".into()));
        Bucket { endpoint: server.endpoint(), name: name.to_owned(), access_key, secret_key }
    }

    fn aws(&self) -> Command {
        let mut command = Command::new(super::tool("aws"));
        command
            .args(["--endpoint-url", &self.endpoint, "--region", "us-east-1", "--output", "json"])
            .env("AWS_ACCESS_KEY_ID", &self.access_key)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret_key)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE");
        command
    }

    fn run(&self, args: &[&str]) -> Result<String, String> {
        let output = self.aws().args(args).output().map_err(|e| format!("cannot run aws (pip install awscli): {e}"))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    pub fn create(&self) {
        self.run(&["s3api", "create-bucket", "--bucket", &self.name]).expect("create bucket");
    }

    /// Every object under `prefix`, in key order.
    pub fn list(&self, prefix: &str) -> Vec<Object> {
        let out =
            self.run(&["s3api", "list-objects-v2", "--bucket", &self.name, "--prefix", prefix]).expect("list objects");
        if out.trim().is_empty() {
            return Vec::new();
        }
        let listing: Value = serde_json::from_str(&out).expect("list-objects-v2 JSON");
        let mut objects: Vec<Object> = listing["Contents"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|o| Object { key: o["Key"].as_str().unwrap().to_owned(), size: o["Size"].as_u64().unwrap() })
                    .collect()
            })
            .unwrap_or_default();
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        objects
    }

    /// The object's user metadata (x-amz-meta-*), lower-case keys.
    pub fn metadata(&self, key: &str) -> HashMap<String, String> {
        let out = self.run(&["s3api", "head-object", "--bucket", &self.name, "--key", key]).expect("head object");
        let head: Value = serde_json::from_str(&out).expect("head-object JSON");
        head["Metadata"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.to_lowercase(), v.as_str().unwrap_or_default().to_owned())).collect())
            .unwrap_or_default()
    }

    pub fn download(&self, key: &str, to: &Path) {
        let uri = format!("s3://{}/{key}", self.name);
        self.run(&["s3", "cp", "--only-show-errors", &uri, &to.to_string_lossy()]).expect("download object");
    }

    /// Uploads a local file as `key`, with no metadata: an object written by hand.
    pub fn upload(&self, from: &Path, key: &str) {
        let uri = format!("s3://{}/{key}", self.name);
        self.run(&["s3", "cp", "--only-show-errors", &from.to_string_lossy(), &uri]).expect("upload object");
    }

    /// Uploads a local file as `key` with user metadata (`x-amz-meta-*`), as a recorder or a tool would.
    pub fn put(&self, from: &Path, key: &str, content_type: &str, metadata: &[(&str, &str)]) {
        let metadata: serde_json::Map<String, Value> =
            metadata.iter().map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned()))).collect();
        let metadata = Value::Object(metadata).to_string();
        let body = from.to_string_lossy();
        self.run(&[
            "s3api",
            "put-object",
            "--bucket",
            &self.name,
            "--key",
            key,
            "--body",
            &body,
            "--content-type",
            content_type,
            "--metadata",
            &metadata,
        ])
        .expect("put object");
    }

    /// Uploads every file under `dir` in one command, each as `<prefix><its path under dir>`.
    pub fn upload_tree(&self, dir: &Path, prefix: &str) {
        let uri = format!("s3://{}/{prefix}", self.name);
        self.run(&["s3", "cp", "--recursive", "--only-show-errors", &dir.to_string_lossy(), &uri])
            .expect("upload a tree");
    }

    /// Every key under `prefix`, in key order.
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        self.list(prefix).into_iter().map(|o| o.key).collect()
    }

    /// Starts a multipart upload of `key` and leaves it incomplete; returns its upload id.
    pub fn start_multipart(&self, key: &str) -> String {
        let out = self
            .run(&["s3api", "create-multipart-upload", "--bucket", &self.name, "--key", key])
            .expect("create multipart upload");
        let created: Value = serde_json::from_str(&out).expect("create-multipart-upload JSON");
        created["UploadId"].as_str().expect("an upload id").to_owned()
    }

    /// The incomplete multipart uploads under `prefix`, as (key, upload id).
    pub fn multipart_uploads(&self, prefix: &str) -> Vec<(String, String)> {
        let out = self
            .run(&["s3api", "list-multipart-uploads", "--bucket", &self.name, "--prefix", prefix])
            .expect("list multipart uploads");
        if out.trim().is_empty() {
            return Vec::new();
        }
        let listing: Value = serde_json::from_str(&out).expect("list-multipart-uploads JSON");
        listing["Uploads"]
            .as_array()
            .map(|uploads| {
                uploads
                    .iter()
                    .map(|u| (u["Key"].as_str().unwrap().to_owned(), u["UploadId"].as_str().unwrap().to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn delete(&self, key: &str) {
        self.run(&["s3api", "delete-object", "--bucket", &self.name, "--key", key]).expect("delete object");
    }
}
