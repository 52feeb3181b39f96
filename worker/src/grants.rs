//! Apps reached by an admin's consent (`upstream.auth.type` `authorizationCode`): one
//! [`GrantStore`] Durable Object per tenant keeps the consent in progress and the grant in
//! its durable storage, so every isolate uses the same grant, a refresh happens once (a
//! rotated refresh token must never be used twice), and the grant survives eviction and
//! deploys. The OAuth requests and answers themselves are the core's (`scimmap::proxy::oauth`).

use crate::config::{self, with_proxy};
use crate::reply::{log_and_respond, unavailable};
use crate::serve::now_ms;
use crate::upstream;
use futures_util::lock::Mutex;
use scimmap::proxy::oauth::{self, Consent, Grant};
use scimmap::proxy::{self, Callback, Unserved};
use worker::{
    console_error, console_log, durable_object, web_sys, DurableObject, Env, Method, Request,
    RequestInit, Response, Result, State,
};

/// The binding of the [`GrantStore`] class (wrangler.toml `durable_objects.bindings`).
const BINDING: &str = "GRANT_STORE";
const CONSENT_KEY: &str = "consent";
const GRANT_KEY: &str = "grant";

#[durable_object(fetch)]
pub struct GrantStore {
    state: State,
    env: Env,
    /// Held while a refresh is in flight: concurrent callers wait for its result instead of
    /// refreshing with a refresh token the first refresh has just rotated away.
    refreshing: Mutex<()>,
}

impl DurableObject for GrantStore {
    fn new(state: State, env: Env) -> Self {
        GrantStore {
            state,
            env,
            refreshing: Mutex::new(()),
        }
    }

    /// `PUT /consent` (a consent in progress, replacing any other), `DELETE /consent` (take
    /// it: answered once), `PUT /grant`, `GET /grant?tenant=…` (a fresh grant, refreshed
    /// here when needed; 404 when there is none).
    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let url = req.url()?;
        let storage = self.state.storage();
        match (req.method(), url.path()) {
            (Method::Put, "/consent") => {
                let c: Consent = req.json().await?;
                storage.put(CONSENT_KEY, c).await?;
                Response::empty()
            }
            (Method::Delete, "/consent") => {
                let c: Option<Consent> = storage.get(CONSENT_KEY).await?;
                storage.delete(CONSENT_KEY).await?;
                match c {
                    Some(c) => Response::from_json(&c),
                    None => Response::error("no consent in progress", 404),
                }
            }
            (Method::Put, "/grant") => {
                let g: Grant = req.json().await?;
                storage.put(GRANT_KEY, g).await?;
                Response::empty()
            }
            (Method::Get, "/grant") => {
                let tenant = url
                    .query_pairs()
                    .find(|(k, _)| k == "tenant")
                    .map(|(_, v)| v.to_string())
                    .filter(|t| !t.is_empty());
                match self.fresh_grant(tenant.as_deref()).await? {
                    Some(g) => Response::from_json(&g),
                    None => Response::error("no valid grant", 404),
                }
            }
            _ => Response::error("not found", 404),
        }
    }
}

impl GrantStore {
    async fn fresh_grant(&self, tenant: Option<&str>) -> Result<Option<Grant>> {
        let _one_at_a_time = self.refreshing.lock().await;
        let storage = self.state.storage();
        let Some(grant) = storage.get::<Grant>(GRANT_KEY).await? else {
            return Ok(None);
        };
        if grant.fresh_at(now_ms()) {
            return Ok(Some(grant));
        }
        let Some(refresh) = grant.refresh_token.clone() else {
            return Ok(None);
        };
        let Ok(key) = config::load(&self.env, tenant).await else {
            return Ok(None);
        };
        let Some((auth, timeout)) = with_proxy(&key, |p| {
            let auth = p.authorization_code()?.clone();
            Some((auth, p.config().ok()?.timeout_ms))
        })
        .flatten() else {
            return Ok(None);
        };
        let outcome = upstream::send(oauth::refresh_request(&auth, &refresh, timeout)).await;
        let answer = match outcome {
            proxy::FetchOutcome::Response(r) => oauth::grant_from(&r, now_ms(), Some(&refresh)),
            other => Err(format!("token endpoint: {other:?}")),
        };
        match answer {
            Ok(new) => {
                let rotated = new.refresh_token.as_deref() != Some(refresh.as_str());
                storage.put(GRANT_KEY, new.clone()).await?;
                console_log!(
                    "{}",
                    serde_json::json!({"event": "grant-refreshed", "tenant": tenant, "rotated": rotated})
                );
                Ok(Some(new))
            }
            Err(why) => {
                // A refused refresh (invalid_grant: revoked, or a rotated token reused) needs
                // a new consent; a transient failure keeps the grant for the next try.
                let refused = why.contains("invalid_grant");
                console_error!(
                    "{}",
                    serde_json::json!({"event": "grant-refresh-failed", "tenant": tenant, "fault": why})
                );
                if refused {
                    storage.delete(GRANT_KEY).await?;
                }
                Ok(None)
            }
        }
    }
}

fn stub(env: &Env, key: &str) -> Result<worker::Stub> {
    env.durable_object(BINDING)?
        .id_from_name(&format!("grant:{key}"))?
        .get_stub()
}

async fn call(
    env: &Env,
    key: &str,
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<Response> {
    let mut init = RequestInit::new();
    init.with_method(method);
    if let Some(b) = body {
        init.with_body(Some(b.into()));
    }
    let req = Request::new_with_init(&format!("https://grant-store{path}"), &init)?;
    stub(env, key)?.fetch_with_request(req).await
}

/// Hands the tenant's current grant (refreshed when needed) to its pipeline, when the app
/// is reached by consent. Without a grant the pipeline answers "consent needed".
pub async fn hand_in(env: &Env, key: &str) {
    let needed = with_proxy(key, |p| {
        p.authorization_code().is_some() && !p.grant_fresh(now_ms())
    });
    if needed != Some(true) {
        // No consent-based auth, or this isolate's access token is good for a while yet.
        return;
    }
    let path = format!("/grant?tenant={}", urlencode(key));
    let grant = match call(env, key, Method::Get, &path, None).await {
        Ok(mut r) if r.status_code() == 200 => r.json::<Grant>().await.ok(),
        Ok(_) => None,
        Err(e) => {
            console_error!("the tenant's grant store did not answer: {e}");
            None
        }
    };
    with_proxy(key, |p| p.use_grant(grant.as_ref()));
}

fn urlencode(s: &str) -> String {
    // Tenant names are `[A-Za-z0-9_-]` (scimmap::proxy::target): nothing to escape.
    s.to_string()
}

/// `GET …/oauth/start` and `GET …/oauth/callback`.
pub async fn consent(
    env: &Env,
    preq: proxy::Request,
    tenant: Option<&str>,
    callback: bool,
) -> Result<web_sys::Response> {
    let key = match config::load(env, tenant).await {
        Ok(key) => key,
        Err(why) => return log_and_respond(proxy::unserved(&preq, why, now_ms())),
    };
    if callback {
        finish_consent(env, &key, preq).await
    } else {
        start_consent(env, &key, preq).await
    }
}

async fn start_consent(env: &Env, key: &str, preq: proxy::Request) -> Result<web_sys::Response> {
    let mut random = [0u8; 64];
    if getrandom::getrandom(&mut random).is_err() {
        return unavailable("no randomness for the consent's state; try again");
    }
    let Some((step, consent)) = with_proxy(key, |p| p.consent_start(&preq, &random, now_ms()))
    else {
        return log_and_respond(proxy::unserved(&preq, Unserved::NotFound, now_ms()));
    };
    if let Some(c) = consent {
        let body = serde_json::to_string(&c).unwrap_or_default();
        if call(env, key, Method::Put, "/consent", Some(body))
            .await
            .is_err()
        {
            return unavailable("the tenant's grant store did not answer; try again");
        }
    }
    log_and_respond(step)
}

async fn finish_consent(env: &Env, key: &str, preq: proxy::Request) -> Result<web_sys::Response> {
    let pending: Option<Consent> = match call(env, key, Method::Delete, "/consent", None).await {
        Ok(mut r) if r.status_code() == 200 => r.json().await.ok(),
        Ok(_) => None,
        Err(_) => return unavailable("the tenant's grant store did not answer; try again"),
    };
    let Some(next) = with_proxy(key, |p| {
        p.consent_callback(&preq, pending.as_ref(), now_ms())
    }) else {
        return log_and_respond(proxy::unserved(&preq, Unserved::NotFound, now_ms()));
    };
    let exchange = match next {
        Callback::Respond(step) => return log_and_respond(step),
        Callback::Exchange(up) => up,
    };
    let outcome = upstream::send(exchange).await;
    let Some((step, grant)) = with_proxy(key, |p| p.consent_done(&preq, outcome, now_ms())) else {
        return log_and_respond(proxy::unserved(&preq, Unserved::NotFound, now_ms()));
    };
    if let Some(g) = grant {
        let body = serde_json::to_string(&g).unwrap_or_default();
        if call(env, key, Method::Put, "/grant", Some(body))
            .await
            .is_err()
        {
            return unavailable("the grant could not be stored; start the consent again");
        }
    }
    log_and_respond(step)
}
