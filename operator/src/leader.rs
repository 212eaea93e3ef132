//! Leader election on a `coordination.k8s.io/v1` Lease.
//!
//! # Why
//!
//! The operator runs as two replicas so that a node failure or a rollout does not stop reconciliation for
//! long. Two controllers reconciling the same Cameras at once would fight: both would create and update the same
//! recorder Deployments and write the same status, each undoing the other. So exactly one replica, the leader,
//! reconciles; the other stands by and takes over when the leader goes away.
//!
//! # How
//!
//! Both replicas compete for one Lease (`LeaseConfig::name` in `LeaseConfig::namespace`). The Lease records the
//! holder (`holderIdentity`, the pod name), when it last renewed its claim (`renewTime`) and how long a claim
//! lasts without renewal (`leaseDurationSeconds`). Every round reads the Lease, [`decide`]s what to do (a pure
//! function) and writes the result back:
//!
//! - no Lease: create it with us as holder (a create is atomic: of two concurrent creates one gets 409);
//! - held by us: renew it (`renewTime = now`);
//! - no holder, or the holder's claim expired (`renewTime + leaseDurationSeconds < now`): take it over;
//! - held by someone else with a live claim: stand by and poll again after `renew_every`.
//!
//! Every write is a `replace` carrying the `resourceVersion` that was read, so the API server applies it only if
//! nobody wrote the Lease in between: two replicas can never both win. A 409 Conflict (or AlreadyExists on create)
//! only means "someone else wrote first": read again and decide again.
//!
//! Once [`acquire`] wins, a background task renews the Lease every `renew_every` (capped at a third of
//! `lease_duration`). A standby may take the Lease over `lease_duration` after the last renewal the leader
//! wrote, so the leader must stop before that: if it cannot confirm a renewal within `lease_duration -
//! renew_every` of the last successful one (retrying every second meanwhile), it gives up while its claim is still
//! valid. With 15 s / 5 s that is 10 s, leaving 5 s for in-flight work to notice and for clock skew between nodes
//! (expiry is judged against `renewTime` by the standby's own clock, so the nodes' clocks are assumed to agree
//! within a few seconds, as NTP keeps them).
//!
//! # What happens on loss
//!
//! If renewals fail for too long, or a read shows that someone else holds (or held, or deleted) the Lease, the
//! renew task logs an error and cancels [`Leadership::lost`]. The caller stops reconciling and exits; Kubernetes
//! restarts the container, which then stands by in [`acquire`] until the Lease is free again. (If the restarted
//! container finds the Lease still recorded under its own pod name, nobody else took it and its previous process
//! is gone, so it simply resumes.)
//!
//! On a clean shutdown the caller calls [`Leadership::release`], which clears `holderIdentity` so that the standby
//! takes over at its next poll instead of waiting for the claim to expire.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::Client;
use kube::api::{Api, PostParams};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

/// Shortest pause between two rounds, so that a zero `renew_every` cannot turn into a busy loop.
const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// How soon the leader retries after a failed renewal (or `renew_every`, if shorter).
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);
/// Upper bound on [`Leadership::release`], so a dead API server cannot hold up shutdown.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct LeaseConfig {
    /// Where the Lease lives: the operator's namespace (from `POD_NAMESPACE`).
    pub namespace: String,
    /// Lease name, e.g. "camera-operator".
    pub name: String,
    /// This replica, e.g. the pod name (from `POD_NAME`).
    pub identity: String,
    /// How long a holder's claim lasts without renewal, e.g. 15 s. Written to the Lease in whole seconds
    /// (at least 1).
    pub lease_duration: Duration,
    /// How often the leader renews and a standby polls, e.g. 5 s. Renewals happen at least every
    /// `lease_duration / 3`.
    pub renew_every: Duration,
}

/// Pure decision: given the current Lease spec (None if the Lease does not exist), who am I and what time is it,
/// what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Create the Lease (it does not exist) with us as holder.
    Create,
    /// We hold it: renew (update renewTime).
    Renew,
    /// It expired (renewTime + leaseDurationSeconds < now) or has no holder: take it over (holderIdentity = us,
    /// acquireTime = now, renewTime = now, leaseTransitions + 1).
    TakeOver,
    /// Someone else holds a live lease.
    Standby { holder: String },
}

/// Decides what to do with the Lease.
///
/// `lease` is the Lease's spec, `None` if the Lease does not exist (an existing Lease without a spec should be
/// passed as an empty spec: it has no holder). An empty `holderIdentity` counts as no holder, a missing
/// `renewTime` as expired, and a missing or non-positive `leaseDurationSeconds` is replaced by
/// `default_duration`. A Lease held by `identity` is always renewed, expired or not: nobody else has taken it.
pub fn decide(lease: Option<&LeaseSpec>, identity: &str, now: Timestamp, default_duration: Duration) -> Decision {
    let Some(spec) = lease else {
        return Decision::Create;
    };
    let holder = match spec.holder_identity.as_deref() {
        None | Some("") => return Decision::TakeOver,
        Some(holder) => holder,
    };
    if holder == identity {
        return Decision::Renew;
    }
    let Some(renewed) = spec.renew_time.as_ref().map(|time| time.0) else {
        return Decision::TakeOver;
    };
    let duration = match spec.lease_duration_seconds {
        Some(seconds) if seconds > 0 => SignedDuration::from_secs(i64::from(seconds)),
        _ => SignedDuration::try_from(default_duration).unwrap_or(SignedDuration::MAX),
    };
    if now.duration_since(renewed) > duration {
        Decision::TakeOver
    } else {
        Decision::Standby { holder: holder.to_owned() }
    }
}

/// Proof of leadership, returned by [`acquire`].
///
/// Dropping it without calling [`Leadership::release`] leaves the renew task running until the `shutdown` token
/// given to [`acquire`] is cancelled.
#[derive(Debug)]
pub struct Leadership {
    /// Cancelled when leadership is lost (or `shutdown` is cancelled, or on [`Leadership::release`]): stop
    /// reconciling and exit. A child of the `shutdown` token given to [`acquire`].
    pub lost: CancellationToken,
    renewer: JoinHandle<()>,
    api: Api<Lease>,
    config: LeaseConfig,
}

impl Leadership {
    /// Releases the Lease on clean shutdown (sets holderIdentity to None / renewTime so the standby takes over at
    /// once), best effort.
    ///
    /// Stops the renew task first (and cancels [`Leadership::lost`]), then clears the holder only if the Lease is
    /// still ours, with the `resourceVersion` just read, so it never clears a Lease someone else has taken.
    /// Failures are logged, never returned; the whole release gives up after 5 s.
    pub async fn release(self) {
        let Self { lost, renewer, api, config } = self;
        lost.cancel();
        renewer.abort();
        if let Err(error) = renewer.await
            && error.is_panic()
        {
            warn!(lease = %config.name, %error, "the lease renew task panicked");
        }
        match timeout(RELEASE_TIMEOUT, release_lease(&api, &config)).await {
            Ok(Ok(true)) => info!(lease = %config.name, identity = %config.identity, "released leadership"),
            Ok(Ok(false)) => info!(lease = %config.name, "lease no longer held by this replica; nothing to release"),
            Ok(Err(error)) => warn!(lease = %config.name, %error, "could not release the lease"),
            Err(_) => warn!(lease = %config.name, "timed out releasing the lease"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("leader election cancelled by shutdown")]
    Cancelled,
    #[error("lease API error: {0}")]
    Kube(#[from] kube::Error),
}

/// Waits until this replica leads, then keeps the Lease renewed in the background.
///
/// Blocks until this replica holds the Lease (polling every `renew_every`, or returning early if `shutdown` is
/// cancelled: then Err(Error::Cancelled)). Then spawns a background task that renews the Lease every
/// `renew_every`; if a renewal fails for longer than `lease_duration` or someone else took the Lease, that task
/// logs an error and cancels `lost` (a child token the caller gets back) so the caller stops reconciling and exits —
/// Kubernetes restarts the pod, which then stands by. Optimistic concurrency: updates use `replace` with the
/// resourceVersion read, so two replicas cannot both win; a 409 Conflict just means "re-read and decide again".
///
/// Transient API errors (network, 5xx, 408, 429) are logged and retried; other API errors (403 Forbidden from
/// missing RBAC, 404 from a missing namespace, ...) are returned as [`Error::Kube`]. "Fails for longer than
/// `lease_duration`" is implemented conservatively: the leader gives up once `lease_duration - renew_every` has
/// passed without a successful renewal, so it stops before any standby may take over (see the module docs).
pub async fn acquire(client: Client, config: LeaseConfig, shutdown: CancellationToken) -> Result<Leadership, Error> {
    let api: Api<Lease> = Api::namespaced(client, &config.namespace);
    let poll_every = config.renew_every.max(MIN_INTERVAL);
    let mut last_holder: Option<String> = None;
    loop {
        let started = Instant::now();
        let Some(result) = shutdown.run_until_cancelled(round(&api, &config, Mode::Acquire)).await else {
            return Err(Error::Cancelled);
        };
        match result {
            Ok(Round::Holding(decision)) => {
                info!(
                    lease = %config.name,
                    namespace = %config.namespace,
                    identity = %config.identity,
                    how = ?decision,
                    "acquired leadership"
                );
                let lost = shutdown.child_token();
                let renewer = tokio::spawn(keep_renewing(api.clone(), config.clone(), lost.clone(), started));
                return Ok(Leadership { lost, renewer, api, config });
            }
            Ok(Round::Conflict) => {
                debug!(lease = %config.name, "lease changed while we wrote it; reading it again");
                continue;
            }
            Ok(Round::NotHolding(decision)) => {
                let holder = holder_of(&decision);
                if last_holder.as_deref() == Some(holder) {
                    debug!(lease = %config.name, holder, "standing by");
                } else {
                    info!(
                        lease = %config.name, holder, identity = %config.identity,
                        "standing by: another replica leads"
                    );
                    last_holder = Some(holder.to_owned());
                }
            }
            Err(error) if is_transient(&error) => {
                warn!(lease = %config.name, %error, "lease API error while acquiring leadership; retrying");
            }
            Err(error) => {
                error!(lease = %config.name, %error, "lease API error while acquiring leadership");
                return Err(error.into());
            }
        }
        if shutdown.run_until_cancelled(sleep(poll_every)).await.is_none() {
            return Err(Error::Cancelled);
        }
    }
}

/// Whether a round may write: while acquiring, anything but Standby; while renewing, only Renew (anything else
/// means someone else held, deleted or released the Lease since our last renewal, so we already lost it).
#[derive(Debug, Clone, Copy)]
enum Mode {
    Acquire,
    Renew,
}

/// The result of one read, decide, write round.
#[derive(Debug)]
enum Round {
    /// We hold the Lease after this round; the decision says how we got it.
    Holding(Decision),
    /// We do not hold the Lease (and did not write): Standby, or, when renewing, whatever else was decided.
    NotHolding(Decision),
    /// Our write lost a race (409): read again and decide again.
    Conflict,
}

async fn round(api: &Api<Lease>, config: &LeaseConfig, mode: Mode) -> Result<Round, kube::Error> {
    let current = api.get_opt(&config.name).await?;
    let now = Timestamp::now();
    let no_spec = LeaseSpec::default();
    let decision = decide(
        current.as_ref().map(|lease| lease.spec.as_ref().unwrap_or(&no_spec)),
        &config.identity,
        now,
        config.lease_duration,
    );
    let write = match mode {
        Mode::Acquire => !matches!(decision, Decision::Standby { .. }),
        Mode::Renew => decision == Decision::Renew,
    };
    if !write {
        return Ok(Round::NotHolding(decision));
    }
    let params = PostParams::default();
    let written = match current {
        None => {
            let mut spec = LeaseSpec::default();
            claim(&mut spec, &decision, config, now);
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(config.name.clone()),
                    namespace: Some(config.namespace.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(spec),
            };
            api.create(&params, &lease).await
        }
        Some(mut lease) => {
            // `lease.metadata.resource_version` is the one just read: the API server rejects this replace with
            // 409 if anyone wrote the Lease since.
            claim(lease.spec.get_or_insert_with(LeaseSpec::default), &decision, config, now);
            api.replace(&config.name, &params, &lease).await
        }
    };
    match written {
        Ok(_) => Ok(Round::Holding(decision)),
        Err(kube::Error::Api(status)) if status.is_conflict() || status.is_already_exists() => Ok(Round::Conflict),
        Err(error) => Err(error),
    }
}

/// Writes our claim into `spec` according to `decision` (Create, Renew or TakeOver).
fn claim(spec: &mut LeaseSpec, decision: &Decision, config: &LeaseConfig, now: Timestamp) {
    spec.holder_identity = Some(config.identity.clone());
    spec.renew_time = Some(MicroTime(now));
    spec.lease_duration_seconds = Some(lease_duration_seconds(config.lease_duration));
    match decision {
        Decision::Create => {
            spec.acquire_time = Some(MicroTime(now));
            spec.lease_transitions = Some(0);
        }
        Decision::TakeOver => {
            spec.acquire_time = Some(MicroTime(now));
            spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0).saturating_add(1));
        }
        Decision::Renew | Decision::Standby { .. } => {}
    }
}

fn lease_duration_seconds(duration: Duration) -> i32 {
    let seconds = duration.as_secs().saturating_add(u64::from(duration.subsec_nanos() > 0));
    i32::try_from(seconds).unwrap_or(i32::MAX).max(1)
}

/// Who holds the Lease, for logs, given a decision that left us without it.
fn holder_of(decision: &Decision) -> &str {
    match decision {
        Decision::Standby { holder } => holder,
        Decision::Create => "nobody (the Lease was deleted)",
        Decision::TakeOver => "nobody (the Lease was released or expired under another holder)",
        Decision::Renew => "this replica",
    }
}

/// Network errors and 5xx/408/429 answers are worth retrying; other API answers (403, 404, 422, ...) mean a
/// misconfiguration that retrying will not fix.
fn is_transient(error: &kube::Error) -> bool {
    match error {
        kube::Error::Api(status) => status.code == 0 || status.code >= 500 || matches!(status.code, 408 | 409 | 429),
        kube::Error::BuildRequest(_) => false,
        _ => true,
    }
}

/// The renew task: renews every `renew_every` (at most `lease_duration / 3`) until `lost` is cancelled, and
/// cancels `lost` itself when leadership is lost. `last_renewed` is when the winning round started (before the
/// `renewTime` it wrote, so deadlines computed from it are conservative).
async fn keep_renewing(api: Api<Lease>, config: LeaseConfig, lost: CancellationToken, mut last_renewed: Instant) {
    let every = config.renew_every.min(config.lease_duration / 3).max(MIN_INTERVAL);
    // Give up while the claim written at `last_renewed` still has at least `every` to run.
    let deadline = config.lease_duration.saturating_sub(every);
    let retry = every.min(RETRY_AFTER_FAILURE);
    let mut wait = every;
    loop {
        if lost.run_until_cancelled(sleep(wait)).await.is_none() {
            return;
        }
        let started = Instant::now();
        let since_renewal = started.duration_since(last_renewed);
        if since_renewal >= deadline {
            error!(
                lease = %config.name,
                identity = %config.identity,
                ?deadline,
                "could not renew the lease in time; giving up leadership before it expires"
            );
            lost.cancel();
            return;
        }
        let attempt = timeout(deadline - since_renewal, round(&api, &config, Mode::Renew));
        let Some(result) = lost.run_until_cancelled(attempt).await else {
            return;
        };
        match result {
            Ok(Ok(Round::Holding(_))) => {
                debug!(lease = %config.name, "renewed the lease");
                last_renewed = started;
                wait = every;
            }
            Ok(Ok(Round::NotHolding(decision))) => {
                error!(
                    lease = %config.name,
                    identity = %config.identity,
                    holder = holder_of(&decision),
                    "lost leadership: the lease is no longer ours"
                );
                lost.cancel();
                return;
            }
            Ok(Ok(Round::Conflict)) => {
                debug!(lease = %config.name, "lease changed while we renewed it; reading it again");
                wait = Duration::ZERO;
            }
            Ok(Err(error)) => {
                warn!(lease = %config.name, %error, "lease renewal failed; retrying");
                wait = retry;
            }
            Err(_) => {
                error!(
                    lease = %config.name,
                    identity = %config.identity,
                    ?deadline,
                    "lease renewal timed out; giving up leadership before it expires"
                );
                lost.cancel();
                return;
            }
        }
    }
}

/// Clears `holderIdentity` if the Lease is still ours. Returns whether it did.
async fn release_lease(api: &Api<Lease>, config: &LeaseConfig) -> Result<bool, kube::Error> {
    let Some(mut lease) = api.get_opt(&config.name).await? else {
        return Ok(false);
    };
    let Some(spec) = lease.spec.as_mut() else {
        return Ok(false);
    };
    if spec.holder_identity.as_deref() != Some(config.identity.as_str()) {
        return Ok(false);
    }
    // As client-go does: no holder, and a 1 s duration for candidates that only look at the expiry.
    spec.holder_identity = None;
    spec.renew_time = Some(MicroTime(Timestamp::now()));
    spec.lease_duration_seconds = Some(1);
    api.replace(&config.name, &PostParams::default(), &lease).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{Method, Request, Response};
    use kube::client::Body;
    use serde_json::{Value, json};
    use tower_test::mock::{Handle, SendResponse};

    type ApiServer = Handle<Request<Body>, Response<Body>>;
    type Reply = SendResponse<Response<Body>>;

    const NS: &str = "cameras";
    const NAME: &str = "camera-operator";
    const LEASES: &str = "/apis/coordination.k8s.io/v1/namespaces/cameras/leases";
    const LEASE: &str = "/apis/coordination.k8s.io/v1/namespaces/cameras/leases/camera-operator";
    /// Real time for the plain tests, virtual time for the `start_paused` ones.
    const TEST_TIMEOUT: Duration = Duration::from_secs(30);
    const FIFTEEN_S: Duration = Duration::from_secs(15);

    fn config() -> LeaseConfig {
        LeaseConfig {
            namespace: NS.to_owned(),
            name: NAME.to_owned(),
            identity: "me".to_owned(),
            lease_duration: FIFTEEN_S,
            renew_every: Duration::from_secs(5),
        }
    }

    fn now() -> Timestamp {
        "2025-06-01T12:00:00Z".parse().unwrap()
    }

    fn spec(holder: Option<&str>, renewed: Option<Timestamp>, duration_seconds: Option<i32>) -> LeaseSpec {
        LeaseSpec {
            holder_identity: holder.map(str::to_owned),
            renew_time: renewed.map(MicroTime),
            lease_duration_seconds: duration_seconds,
            ..LeaseSpec::default()
        }
    }

    // ---- decide ----

    #[test]
    fn no_lease_is_created() {
        assert_eq!(decide(None, "me", now(), FIFTEEN_S), Decision::Create);
    }

    #[test]
    fn own_lease_is_renewed() {
        let fresh = spec(Some("me"), Some(now()), Some(15));
        assert_eq!(decide(Some(&fresh), "me", now(), FIFTEEN_S), Decision::Renew);
        // Even when expired: nobody else has taken it.
        let stale = spec(Some("me"), Some(now() - SignedDuration::from_secs(3600)), Some(15));
        assert_eq!(decide(Some(&stale), "me", now(), FIFTEEN_S), Decision::Renew);
    }

    #[test]
    fn fresh_lease_of_another_replica_means_standby() {
        let lease = spec(Some("other"), Some(now() - SignedDuration::from_secs(10)), Some(15));
        assert_eq!(decide(Some(&lease), "me", now(), FIFTEEN_S), Decision::Standby { holder: "other".to_owned() });
        // Exactly at renewTime + leaseDurationSeconds the claim still holds.
        let boundary = spec(Some("other"), Some(now() - SignedDuration::from_secs(15)), Some(15));
        assert_eq!(decide(Some(&boundary), "me", now(), FIFTEEN_S), Decision::Standby { holder: "other".to_owned() });
        // A renewTime slightly in the future (clock skew) is fresh.
        let ahead = spec(Some("other"), Some(now() + SignedDuration::from_secs(2)), Some(15));
        assert_eq!(decide(Some(&ahead), "me", now(), FIFTEEN_S), Decision::Standby { holder: "other".to_owned() });
    }

    #[test]
    fn expired_lease_of_another_replica_is_taken_over() {
        let lease = spec(Some("other"), Some(now() - SignedDuration::from_secs(16)), Some(15));
        assert_eq!(decide(Some(&lease), "me", now(), FIFTEEN_S), Decision::TakeOver);
    }

    #[test]
    fn lease_without_holder_is_taken_over() {
        let none = spec(None, Some(now()), Some(15));
        assert_eq!(decide(Some(&none), "me", now(), FIFTEEN_S), Decision::TakeOver);
        let empty = spec(Some(""), Some(now()), Some(15));
        assert_eq!(decide(Some(&empty), "me", now(), FIFTEEN_S), Decision::TakeOver);
        assert_eq!(decide(Some(&LeaseSpec::default()), "me", now(), FIFTEEN_S), Decision::TakeOver);
    }

    #[test]
    fn lease_without_renew_time_is_taken_over() {
        let lease = spec(Some("other"), None, Some(15));
        assert_eq!(decide(Some(&lease), "me", now(), FIFTEEN_S), Decision::TakeOver);
    }

    #[test]
    fn missing_lease_duration_uses_the_default() {
        let lease = spec(Some("other"), Some(now() - SignedDuration::from_secs(20)), None);
        assert_eq!(decide(Some(&lease), "me", now(), FIFTEEN_S), Decision::TakeOver);
        assert_eq!(
            decide(Some(&lease), "me", now(), Duration::from_secs(30)),
            Decision::Standby { holder: "other".to_owned() }
        );
        // A non-positive duration is as good as missing.
        let zero = spec(Some("other"), Some(now() - SignedDuration::from_secs(20)), Some(0));
        assert_eq!(
            decide(Some(&zero), "me", now(), Duration::from_secs(30)),
            Decision::Standby { holder: "other".to_owned() }
        );
    }

    #[test]
    fn lease_duration_is_written_in_whole_seconds() {
        assert_eq!(lease_duration_seconds(FIFTEEN_S), 15);
        assert_eq!(lease_duration_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(lease_duration_seconds(Duration::ZERO), 1);
        assert_eq!(lease_duration_seconds(Duration::MAX), i32::MAX);
    }

    // ---- against a mocked API server ----

    fn mock_client() -> (Client, ApiServer) {
        let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
        (Client::new(service, "default"), handle)
    }

    fn lease(spec: LeaseSpec, resource_version: &str) -> Lease {
        Lease {
            metadata: ObjectMeta {
                name: Some(NAME.to_owned()),
                namespace: Some(NS.to_owned()),
                resource_version: Some(resource_version.to_owned()),
                ..ObjectMeta::default()
            },
            spec: Some(spec),
        }
    }

    /// Waits for the next request, checks its method and path, and returns its body (empty for a GET).
    async fn expect(server: &mut ApiServer, method: Method, path: &str) -> (Vec<u8>, Reply) {
        let (request, reply) = server.next_request().await.expect("the operator stopped sending requests");
        assert_eq!(*request.method(), method, "method of {}", request.uri());
        assert_eq!(request.uri().path(), path);
        let body = request.into_body().collect_bytes().await.unwrap().to_vec();
        (body, reply)
    }

    fn respond(reply: Reply, status: u16, body: Vec<u8>) {
        reply.send_response(Response::builder().status(status).body(Body::from(body)).unwrap());
    }

    fn respond_lease(reply: Reply, lease: &Lease) {
        respond(reply, 200, serde_json::to_vec(lease).unwrap());
    }

    fn respond_status(reply: Reply, code: u16, reason: &str, message: &str) {
        let status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        });
        respond(reply, code, serde_json::to_vec(&status).unwrap());
    }

    fn parse(body: &[u8]) -> Value {
        serde_json::from_slice(body).unwrap()
    }

    /// Answers the GET for a missing Lease with 404 and the POST creating it with 201.
    async fn serve_creation(server: &mut ApiServer) {
        let (_, reply) = expect(server, Method::GET, LEASE).await;
        respond_status(reply, 404, "NotFound", "not found");
        let (body, reply) = expect(server, Method::POST, LEASES).await;
        let created = parse(&body);
        assert_eq!(created["metadata"]["name"], NAME);
        assert_eq!(created["spec"]["holderIdentity"], "me");
        assert_eq!(created["spec"]["leaseDurationSeconds"], 15);
        assert_eq!(created["spec"]["leaseTransitions"], 0);
        assert!(created["spec"]["renewTime"].is_string());
        respond(reply, 201, body);
    }

    /// Waits for the mock API server task, surfacing its assertion failures.
    async fn finish(api_server: JoinHandle<()>) {
        timeout(TEST_TIMEOUT, api_server)
            .await
            .expect("the mock API server still expected requests")
            .expect("the mock API server's assertions failed");
    }

    #[tokio::test]
    async fn acquire_creates_a_missing_lease() {
        let (client, mut server) = mock_client();
        let api_server = tokio::spawn(async move { serve_creation(&mut server).await });

        let acquired = timeout(TEST_TIMEOUT, acquire(client, config(), CancellationToken::new())).await;
        finish(api_server).await;
        let leadership = acquired.expect("acquire timed out").expect("acquire failed");
        assert!(!leadership.lost.is_cancelled());
    }

    #[tokio::test(start_paused = true)]
    async fn standby_polls_until_shutdown() {
        let (client, mut server) = mock_client();
        let shutdown = CancellationToken::new();
        let cancel = shutdown.clone();
        let api_server = tokio::spawn(async move {
            for poll in 1..=3 {
                let (_, reply) = expect(&mut server, Method::GET, LEASE).await;
                if poll == 3 {
                    cancel.cancel();
                }
                respond_lease(reply, &lease(spec(Some("other"), Some(Timestamp::now()), Some(15)), "42"));
            }
        });

        let result = timeout(TEST_TIMEOUT, acquire(client, config(), shutdown)).await;
        finish(api_server).await;
        match result.expect("acquire did not return after shutdown") {
            Err(Error::Cancelled) => {}
            Err(error) => panic!("expected Cancelled, got {error}"),
            Ok(_) => panic!("acquired a lease held by another replica"),
        }
    }

    #[tokio::test]
    async fn expired_lease_is_taken_over_and_a_conflict_is_read_again() {
        let (client, mut server) = mock_client();
        let api_server = tokio::spawn(async move {
            let mut expired = spec(Some("other"), Some(Timestamp::now() - SignedDuration::from_secs(3600)), Some(15));
            expired.lease_transitions = Some(2);
            let (_, reply) = expect(&mut server, Method::GET, LEASE).await;
            respond_lease(reply, &lease(expired, "42"));

            // The take-over carries the resourceVersion read; someone else wrote first.
            let (body, reply) = expect(&mut server, Method::PUT, LEASE).await;
            let taken = parse(&body);
            assert_eq!(taken["metadata"]["resourceVersion"], "42");
            assert_eq!(taken["spec"]["holderIdentity"], "me");
            assert_eq!(taken["spec"]["leaseTransitions"], 3);
            assert!(taken["spec"]["acquireTime"].is_string());
            respond_status(reply, 409, "Conflict", "the object has been modified; please apply your changes");

            // Read again: the other replica has meanwhile released it.
            let mut released = spec(None, Some(Timestamp::now()), Some(1));
            released.lease_transitions = Some(3);
            let (_, reply) = expect(&mut server, Method::GET, LEASE).await;
            respond_lease(reply, &lease(released, "43"));

            let (body, reply) = expect(&mut server, Method::PUT, LEASE).await;
            let taken = parse(&body);
            assert_eq!(taken["metadata"]["resourceVersion"], "43");
            assert_eq!(taken["spec"]["holderIdentity"], "me");
            assert_eq!(taken["spec"]["leaseTransitions"], 4);
            assert_eq!(taken["spec"]["leaseDurationSeconds"], 15);
            respond(reply, 200, body);
        });

        let acquired = timeout(TEST_TIMEOUT, acquire(client, config(), CancellationToken::new())).await;
        finish(api_server).await;
        acquired.expect("acquire timed out").expect("acquire failed");
    }

    #[tokio::test]
    async fn forbidden_is_returned_not_retried() {
        let (client, mut server) = mock_client();
        let api_server = tokio::spawn(async move {
            let (_, reply) = expect(&mut server, Method::GET, LEASE).await;
            respond_status(reply, 403, "Forbidden", "leases.coordination.k8s.io is forbidden");
        });

        let result = timeout(TEST_TIMEOUT, acquire(client, config(), CancellationToken::new())).await;
        finish(api_server).await;
        match result.expect("acquire timed out") {
            Err(Error::Kube(kube::Error::Api(status))) => assert_eq!(status.code, 403),
            Err(error) => panic!("expected a 403 API error, got {error}"),
            Ok(_) => panic!("acquired without permission"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn renewal_that_finds_another_holder_cancels_lost() {
        let (client, mut server) = mock_client();
        let api_server = tokio::spawn(async move {
            serve_creation(&mut server).await;
            // The first renewal finds that someone else holds the Lease.
            let (_, reply) = expect(&mut server, Method::GET, LEASE).await;
            respond_lease(reply, &lease(spec(Some("other"), Some(Timestamp::now()), Some(15)), "50"));
        });

        let shutdown = CancellationToken::new();
        let leadership = timeout(TEST_TIMEOUT, acquire(client, config(), shutdown.clone()))
            .await
            .expect("acquire timed out")
            .expect("acquire failed");
        timeout(TEST_TIMEOUT, leadership.lost.cancelled()).await.expect("losing the lease did not cancel `lost`");
        finish(api_server).await;
        assert!(!shutdown.is_cancelled(), "losing leadership must not cancel the caller's shutdown token");
    }

    #[tokio::test]
    async fn release_clears_the_holder() {
        let (client, mut server) = mock_client();
        let api_server = tokio::spawn(async move {
            serve_creation(&mut server).await;
            let (_, reply) = expect(&mut server, Method::GET, LEASE).await;
            respond_lease(reply, &lease(spec(Some("me"), Some(Timestamp::now()), Some(15)), "7"));
            let (body, reply) = expect(&mut server, Method::PUT, LEASE).await;
            let released = parse(&body);
            assert_eq!(released["metadata"]["resourceVersion"], "7");
            assert!(released["spec"]["holderIdentity"].is_null());
            assert_eq!(released["spec"]["leaseDurationSeconds"], 1);
            respond(reply, 200, body);
        });

        let leadership = timeout(TEST_TIMEOUT, acquire(client, config(), CancellationToken::new()))
            .await
            .expect("acquire timed out")
            .expect("acquire failed");
        let lost = leadership.lost.clone();
        timeout(TEST_TIMEOUT, leadership.release()).await.expect("release timed out");
        finish(api_server).await;
        assert!(lost.is_cancelled());
    }
}
