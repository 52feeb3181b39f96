//! Calls to the app: dry-run interception, the app's credentials (with the OAuth token
//! cache), and what an upstream outcome means before its body is looked at.

use super::answer::{fault, json_response, set_retry_after, Stop};
use super::{pending, Ctx, Proxy, State, Step};
use crate::proxy::config::UpstreamAuth;
use crate::proxy::http::{self, FetchOutcome, Response, UpstreamRequest};
use serde_json::{json, Value as Json};

/// Refresh OAuth tokens this long before they expire.
const TOKEN_MARGIN_MS: u64 = 60_000;

/// Whether a request may have changed something at the app (RFC 9110 §9.2.1: not safe).
fn writes(method: &str) -> bool {
    !matches!(method.to_ascii_uppercase().as_str(), "GET" | "HEAD")
}

impl Proxy {
    /// Emits an upstream request: dry-run interception, then authentication (fetching an
    /// OAuth token first when the cached one is missing or about to expire).
    /// `internal_read` marks reads the proxy makes for itself, which a dry run performs.
    pub(super) fn send(
        &mut self,
        ctx: &mut Ctx,
        mut req: UpstreamRequest,
        state: State,
        internal_read: bool,
    ) -> Step {
        let mut ctx = std::mem::take(ctx);
        if ctx.dry_run && !internal_read {
            ctx.action = Some("dry-run");
            let now = ctx.start_ms;
            return self.finish(ctx, dry_run_answer(&req), now);
        }
        let Ok(cfg) = &self.cfg else {
            let now = ctx.start_ms;
            return self.finish(ctx, fault(500, "proxy misconfigured"), now);
        };
        if let Some(stop) = super::credential::refuse_expired(cfg, ctx.start_ms) {
            let now = ctx.start_ms;
            return self.stop(ctx, stop, now);
        }
        let bearer = match &cfg.upstream_auth {
            UpstreamAuth::None => None,
            UpstreamAuth::Bearer(t) => Some(t.clone()),
            UpstreamAuth::AuthorizationCode(_) => match &self.token {
                Some((tok, _)) if self.has_grant(ctx.start_ms) => Some(tok.clone()),
                _ => {
                    let now = ctx.start_ms;
                    let stop = super::coordination::consent_needed(&ctx);
                    return self.stop(ctx, stop, now);
                }
            },
            UpstreamAuth::ClientCredentials { .. } => match &self.token {
                Some((tok, exp)) if *exp > ctx.start_ms.saturating_add(TOKEN_MARGIN_MS) => {
                    Some(tok.clone())
                }
                _ => {
                    let Some(token_req) = self.token_request() else {
                        return Step::Fetch(req, pending(ctx, state));
                    };
                    return Step::Fetch(
                        token_req,
                        pending(ctx, State::Token(Box::new((req, state)))),
                    );
                }
            },
        };
        if let Some(t) = bearer {
            req.headers
                .push(("Authorization".into(), format!("Bearer {t}")));
        }
        Step::Fetch(req, pending(ctx, state))
    }

    /// RFC 6749 §4.4.2: client credentials in the form body (§2.3.1).
    fn token_request(&self) -> Option<UpstreamRequest> {
        let cfg = self.cfg.as_ref().ok()?;
        let UpstreamAuth::ClientCredentials {
            token_url,
            client_id,
            client_secret,
            scope,
        } = &cfg.upstream_auth
        else {
            return None;
        };
        let mut form = vec![
            ("grant_type".to_string(), "client_credentials".to_string()),
            ("client_id".into(), client_id.clone()),
            ("client_secret".into(), client_secret.clone()),
        ];
        if let Some(s) = scope {
            form.push(("scope".into(), s.clone()));
        }
        Some(UpstreamRequest {
            method: "POST".into(),
            url: token_url.clone(),
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("Accept".into(), "application/json".into()),
            ],
            body: Some(http::build_query(&form).into_bytes()),
            timeout_ms: cfg.timeout_ms,
        })
    }

    /// An upstream outcome: faults end the request here, anything else goes on to the
    /// state's handler.
    pub(super) fn received(
        &mut self,
        ctx: &mut Ctx,
        state: State,
        outcome: FetchOutcome,
        now_ms: u64,
    ) -> Result<Step, Stop> {
        if let State::CreateLookup {
            asked,
            fallback,
            upstream_status,
        } = state
        {
            ctx.upstream_status = upstream_status;
            return self.create_found(ctx, asked, fallback, outcome, now_ms);
        }
        let resp = match outcome {
            FetchOutcome::Response(r) => r,
            FetchOutcome::Timeout => {
                ctx.fault = Some("upstream timeout".into());
                let answer = lost(504, &ctx.method, "the app did not answer in time");
                return self.recover_or(ctx, state, answer);
            }
            FetchOutcome::Unreachable(why) => {
                ctx.fault = Some(format!("upstream unreachable: {why}"));
                let answer = lost(502, &ctx.method, "the connection to the app failed");
                return self.recover_or(ctx, state, answer);
            }
        };
        if let State::Token(next) = state {
            return self.token_received(ctx, *next, &resp);
        }
        ctx.upstream_status = Some(resp.status);
        ctx.upstream_scim_type = scim_type_of(&resp);
        if resp.status >= 500 || (300..400).contains(&resp.status) {
            ctx.fault = Some(format!("upstream status {}", resp.status));
            let mut f = fault(
                502,
                &format!(
                    "the app answered {}; the change is not confirmed",
                    resp.status
                ),
            );
            if let Some(ra) = resp.get_header("Retry-After") {
                set_retry_after(&mut f, ra);
            }
            return Err(f.into());
        }
        if resp.status == 401 || resp.status == 403 {
            // The client's credentials were fine; the proxy's were not.
            self.token = None;
            ctx.fault = Some(format!(
                "upstream rejected the proxy's credentials ({})",
                resp.status
            ));
            return Err(fault(502, "the app rejected the proxy's credentials").into());
        }
        match state {
            State::Token(_) => Err(fault(500, "unexpected token state").into()),
            State::Forward(expect) => self.forwarded(ctx, expect, &resp, now_ms),
            State::RmwRead { patch, retries } => self.rmw(ctx, patch, retries, &resp, now_ms),
            State::AdoptLookup { app, asked } => self.adopt(ctx, app, asked, &resp, now_ms),
            State::CreateLookup { .. } => Err(fault(500, "unexpected lookup state").into()),
        }
    }

    fn token_received(
        &mut self,
        ctx: &mut Ctx,
        next: (UpstreamRequest, State),
        resp: &Response,
    ) -> Result<Step, Stop> {
        let parsed = (resp.status == 200)
            .then(|| resp.json())
            .flatten()
            .and_then(|j| {
                let tok = j.get("access_token")?.as_str()?.to_string();
                let secs = j.get("expires_in").and_then(Json::as_u64).unwrap_or(300);
                Some((tok, ctx.start_ms.saturating_add(secs.saturating_mul(1000))))
            });
        let Some((tok, exp)) = parsed else {
            ctx.fault = Some(format!("token endpoint answered {}", resp.status));
            return Err(fault(502, "could not obtain a token for the app").into());
        };
        let (mut req, state) = next;
        req.headers
            .push(("Authorization".into(), format!("Bearer {tok}")));
        self.token = Some((tok, exp));
        Ok(Step::Fetch(req, pending(std::mem::take(ctx), state)))
    }
}

/// A request whose answer never came: for a write, the app may have acted on it.
fn lost(status: u16, method: &str, what: &str) -> Response {
    let detail = if writes(method) {
        format!("{what}; the app may have applied the change, so read the resource before retrying")
    } else {
        format!("{what}; nothing was changed")
    };
    fault(status, &detail)
}

/// The app's `scimType` for the log: a keyword (RFC 7644 §3.12), never free text.
fn scim_type_of(resp: &Response) -> Option<String> {
    if resp.status < 400 {
        return None;
    }
    let t = resp.json()?.get("scimType")?.as_str()?.to_string();
    (!t.is_empty() && t.len() <= 40 && t.chars().all(|c| c.is_ascii_alphabetic())).then_some(t)
}

fn dry_run_answer(req: &UpstreamRequest) -> Response {
    let headers: serde_json::Map<String, Json> = req
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), Json::String(v.clone())))
        .chain(std::iter::once((
            "Authorization".to_string(),
            Json::String("[redacted]".into()),
        )))
        .collect();
    let body = req
        .body
        .as_ref()
        .and_then(|b| serde_json::from_slice::<Json>(b).ok());
    let out = json!({"dryRun": true, "request": {"method": req.method, "url": req.url, "headers": headers, "body": body}});
    json_response(200, &out, Vec::new())
}
