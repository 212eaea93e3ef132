//! One Camera's reconcile: validate → build → apply → report status.
//!
//! ```text
//! fetch Secrets ─► validate::plan ─► build::{deployment, service} ─► server-side apply
//!                       │ Problem                                       │ Deployment status
//!                       ▼                                               ▼
//!                  (leave any running recorder alone)        recorder /status (HTTP)
//!                                          └──────► status::compute ◄───┘
//!                                                        │
//!                                      patch status if changed, publish events
//! ```
//! The pure steps (`validate`, `build`, `status`) hold the logic and most of the tests; this module only
//! moves data between them and the API server.

pub mod build;
pub mod status;
pub mod validate;

use crate::controller::Context;
use crate::error::Error;
use crate::events;
use crds::Camera;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Secret, Service};
use kube::api::{Api, Patch, PatchParams};
use kube::core::DeserializeGuard;
use kube::core::error_boundary::InvalidObject;
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use std::sync::Arc;
use std::time::Instant;
use tracing::{debug, info, warn};
use validate::{Credentials, Problem};

pub async fn reconcile(guard: Arc<DeserializeGuard<Camera>>, ctx: Arc<Context>) -> Result<Action, Error> {
    let started = Instant::now();
    let result = match &guard.0 {
        Ok(camera) => reconcile_camera(camera, &ctx).await,
        Err(invalid) => report_invalid(invalid, &ctx).await,
    };
    ctx.metrics.reconciled(started.elapsed(), result.as_ref().err());
    result
}

pub fn error_policy(_camera: Arc<DeserializeGuard<Camera>>, error: &Error, _ctx: Arc<Context>) -> Action {
    warn!(reason = error.metric_label(), "reconcile failed: {error}");
    Action::requeue(error.requeue_after())
}

#[tracing::instrument(skip_all, fields(namespace = camera.namespace().unwrap_or_default(), camera = camera.name_any()))]
async fn reconcile_camera(camera: &Camera, ctx: &Context) -> Result<Action, Error> {
    let namespace = camera.namespace().ok_or(Error::NotNamespaced)?;
    let name = camera.name_any();
    let secrets: Api<Secret> = Api::namespaced(ctx.client.clone(), &namespace);

    let url_secret = secrets.get_opt(&camera.spec.url_secret_ref.name).await?;
    let credentials_name = camera
        .spec
        .storage
        .as_ref()
        .and_then(|s| s.credentials_secret_ref.as_ref())
        .map(|r| r.name.clone())
        .or_else(|| ctx.defaults.credentials_secret.clone());
    let credentials_secret = match &credentials_name {
        Some(secret) => secrets.get_opt(secret).await?,
        None => None,
    };
    let credentials = match (&credentials_name, &credentials_secret) {
        (None, _) => Credentials::NotConfigured,
        (Some(secret), None) => Credentials::Missing(secret),
        (Some(_), Some(found)) => Credentials::Found(found),
    };
    let planned = validate::plan(camera, &ctx.defaults, url_secret.as_ref(), credentials);

    let child = build::child_name(&name);
    let deployments: Api<Deployment> = Api::namespaced(ctx.client.clone(), &namespace);
    let (deployment, problem): (Option<Deployment>, Option<&Problem>) = match &planned {
        Ok(plan) => {
            let apply = PatchParams::apply(build::FIELD_MANAGER).force();
            let applied = deployments.patch(&child, &apply, &Patch::Apply(build::deployment(camera, plan))).await?;
            let services: Api<Service> = Api::namespaced(ctx.client.clone(), &namespace);
            services.patch(&child, &apply, &Patch::Apply(build::service(camera))).await?;
            (Some(applied), None)
        }
        // A recorder that is already running keeps recording with what it has until the Camera is fixed:
        // tearing it down over a typo would lose footage.
        Err(problem) => (deployments.get_opt(&child).await?, Some(problem)),
    };

    let deployment_status = deployment.as_ref().map(|d| d.status.clone().unwrap_or_default());
    let recorder = match (&deployment, camera.spec.enabled) {
        (Some(_), true) => Some(ctx.recorders.status(&namespace, &child).await),
        _ => None,
    };
    let status = status::compute(&status::Observation {
        generation: camera.meta().generation,
        enabled: camera.spec.enabled,
        problem,
        deployment: deployment_status.as_ref(),
        recorder: recorder.as_ref(),
        previous: camera.status.as_ref(),
        now: jiff::Timestamp::now(),
    });

    // Only write what changed: an unchanged status is not patched, and a patch does not change the
    // generation, so the operator's own writes never wake it up again.
    if camera.status.as_ref() != Some(&status) {
        let cameras: Api<Camera> = Api::namespaced(ctx.client.clone(), &namespace);
        let patch = serde_json::json!({ "status": status });
        cameras.patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch)).await?;
        debug!("status updated");
    }
    let reference = camera.object_ref(&());
    for event in events::transitions(camera.status.as_ref(), &status) {
        info!(reason = event.reason, "{}", event.note.as_deref().unwrap_or_default());
        if let Err(error) = ctx.events.publish(&event, &reference).await {
            warn!(%error, "cannot publish an event");
        }
    }
    ctx.metrics.camera(&namespace, &name, &status);
    Ok(Action::requeue(ctx.refresh))
}

/// A Camera the operator cannot even read (it slipped past the schema, e.g. stored before a CRD upgrade)
/// gets a Degraded condition instead of breaking the watch for every other Camera.
async fn report_invalid(invalid: &InvalidObject, ctx: &Context) -> Result<Action, Error> {
    let (Some(namespace), Some(name)) = (invalid.metadata.namespace.as_deref(), invalid.metadata.name.as_deref())
    else {
        return Err(Error::NotNamespaced);
    };
    warn!(namespace, camera = name, "cannot read the Camera: {}", invalid.error);
    let problem = Problem {
        reason: crate::reasons::Reason::InvalidSpec,
        message: format!(
            "the Camera cannot be read: {}; fix its spec (see `kubectl explain camera.spec`)",
            invalid.error
        ),
    };
    let status = status::compute(&status::Observation {
        generation: invalid.metadata.generation,
        enabled: true,
        problem: Some(&problem),
        deployment: None,
        recorder: None,
        previous: None,
        now: jiff::Timestamp::now(),
    });
    let cameras: Api<Camera> = Api::namespaced(ctx.client.clone(), namespace);
    let patch = serde_json::json!({ "status": status });
    cameras.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch)).await?;
    // Nothing to refresh until the spec changes.
    Ok(Action::await_change())
}

#[cfg(test)]
mod mocked;
