//! The controller: watches Cameras (and the Deployments they own) and runs [`reconcile`] for each.

use crate::config::{OperatorConfig, RecorderDefaults};
use crate::metrics::Metrics;
use crate::reconcile::build::MANAGED_BY;
use crate::reconcile::{error_policy, reconcile};
use crate::recorder_client::RecorderStatusSource;
use crds::Camera;
use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use kube::core::DeserializeGuard;
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::{Controller, WatchStreamExt, predicates, reflector, watcher};
use kube::{Api, Client, ResourceExt};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// What every reconcile shares, built once.
pub struct Context {
    pub client: Client,
    pub defaults: RecorderDefaults,
    pub recorders: Arc<dyn RecorderStatusSource>,
    pub metrics: Arc<Metrics>,
    pub events: Recorder,
    /// How often a Camera is reconciled without any change, to refresh its recording facts.
    pub refresh: Duration,
}

impl Context {
    pub fn new(
        client: Client,
        config: &OperatorConfig,
        recorders: Arc<dyn RecorderStatusSource>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let reporter = Reporter { controller: "camera-operator".into(), instance: Some(config.identity.clone()) };
        Context {
            events: Recorder::new(client.clone(), reporter),
            client,
            defaults: config.defaults.clone(),
            recorders,
            metrics,
            refresh: config.status_refresh,
        }
    }
}

/// Runs one controller per watched namespace (or one for the whole cluster) until `shutdown`.
pub async fn run(ctx: Arc<Context>, namespaces: Option<Vec<String>>, shutdown: CancellationToken) {
    let scopes: Vec<Option<String>> = match namespaces {
        Some(namespaces) => namespaces.into_iter().map(Some).collect(),
        None => vec![None],
    };
    let controllers = scopes.into_iter().map(|namespace| run_scope(ctx.clone(), namespace, shutdown.clone()));
    futures::future::join_all(controllers).await;
}

fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = kube::core::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    match namespace {
        Some(namespace) => Api::namespaced(client.clone(), namespace),
        None => Api::all(client.clone()),
    }
}

async fn run_scope(ctx: Arc<Context>, namespace: Option<String>, shutdown: CancellationToken) {
    info!(namespace = namespace.as_deref().unwrap_or("<all>"), "watching Cameras");
    let cameras: Api<DeserializeGuard<Camera>> = api(&ctx.client, namespace.as_deref());
    let deployments: Api<Deployment> = api(&ctx.client, namespace.as_deref());
    let (reader, writer) = reflector::store();
    // Only spec changes (a new generation) trigger a reconcile from the Camera itself: the operator's own
    // status writes do not. Deployment changes and the periodic refresh do the rest.
    let trigger = watcher(cameras, watcher::Config::default())
        .default_backoff()
        .reflect(writer)
        .applied_objects()
        .predicate_filter(predicates::generation, Default::default());
    let owned = watcher::Config::default().labels(&format!("{}={}", MANAGED_BY.0, MANAGED_BY.1));

    let store = reader.clone();
    let scope = namespace.clone();
    let metrics = ctx.metrics.clone();
    let forget = shutdown.clone();
    tokio::spawn(async move {
        // Deleted Cameras leave the per-camera metrics.
        loop {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(60)) => {}
                () = forget.cancelled() => return,
            }
            let present: Vec<(String, String)> =
                store.state().iter().map(|c| (c.namespace().unwrap_or_default(), c.name_any())).collect();
            metrics.retain(|ns, name| keep_metrics(scope.as_deref(), &present, ns, name));
        }
    });

    let stop = shutdown.clone();
    Controller::for_stream(trigger, reader)
        .owns(deployments, owned)
        .graceful_shutdown_on(async move { stop.cancelled().await })
        .run(reconcile, error_policy, ctx)
        .for_each(|result| async move {
            if let Err(error) = result {
                warn!("controller: {error}");
            }
        })
        .await;
}

/// Whether a Camera's metrics stay, as seen from the controller watching `scope` (`None`: all namespaces)
/// whose cache holds `present`. A scope forgets only Cameras of its own namespace: those of other watched
/// namespaces are not in its cache, and are for their own scope to forget.
fn keep_metrics(scope: Option<&str>, present: &[(String, String)], namespace: &str, name: &str) -> bool {
    let in_scope = scope.is_none_or(|own| own == namespace);
    !in_scope || present.iter().any(|(n, c)| n == namespace && c == name)
}

#[cfg(test)]
mod tests {
    use super::keep_metrics;

    #[test]
    fn a_scope_forgets_only_its_own_deleted_cameras() {
        let present = vec![("cameras".to_owned(), "door".to_owned())];
        assert!(keep_metrics(Some("cameras"), &present, "cameras", "door"));
        assert!(!keep_metrics(Some("cameras"), &present, "cameras", "deleted"));
        assert!(
            keep_metrics(Some("cameras"), &present, "shop", "till"),
            "another scope's Camera is not ours to forget"
        );
        assert!(!keep_metrics(None, &present, "shop", "till"), "watching all namespaces, a missing Camera is gone");
    }
}
