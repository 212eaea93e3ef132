//! Reads a recorder's `/status` through its Service.

use crds::contract::status::RecorderStatus;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub type StatusFuture<'a> = Pin<Box<dyn Future<Output = Result<RecorderStatus, String>> + Send + 'a>>;

/// Where recorder statuses come from: HTTP in a cluster, a fake in tests and benchmarks.
pub trait RecorderStatusSource: Send + Sync {
    /// The `/status` of the recorder behind Service `service` in `namespace`. Errors are one-line messages.
    fn status<'a>(&'a self, namespace: &'a str, service: &'a str) -> StatusFuture<'a>;
}

/// `GET http://<service>.<namespace>.svc:<port>/status`, with a timeout.
pub struct HttpRecorders {
    client: Client<HttpConnector, Empty<Bytes>>,
    port: i32,
    timeout: Duration,
}

impl HttpRecorders {
    pub fn new(port: i32) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(2)));
        HttpRecorders {
            client: Client::builder(TokioExecutor::new()).build(connector),
            port,
            timeout: Duration::from_secs(5),
        }
    }

    async fn fetch(&self, url: String) -> Result<RecorderStatus, String> {
        let uri: hyper::Uri = url.parse().map_err(|e| format!("bad URL {url}: {e}"))?;
        let response = self.client.get(uri).await.map_err(|e| format!("GET {url}: {e}"))?;
        let code = response.status();
        let body = response.into_body().collect().await.map_err(|e| format!("GET {url}: {e}"))?.to_bytes();
        if !code.is_success() {
            return Err(format!("GET {url}: HTTP {code}"));
        }
        serde_json::from_slice(&body).map_err(|e| format!("GET {url}: not a recorder status ({e})"))
    }
}

impl RecorderStatusSource for HttpRecorders {
    fn status<'a>(&'a self, namespace: &'a str, service: &'a str) -> StatusFuture<'a> {
        let url = format!("http://{service}.{namespace}.svc:{}/status", self.port);
        Box::pin(async move {
            tokio::time::timeout(self.timeout, self.fetch(url.clone()))
                .await
                .unwrap_or_else(|_| Err(format!("GET {url}: no answer within {}s", self.timeout.as_secs())))
        })
    }
}
