//! What the runtime needs to coordinate requests across isolates: which requests must run
//! one at a time per resource, and the answer to a call the tenant's rate limit refuses.

use super::answer::{refuse, retry_later, set_retry_after, Stop};
use super::{inbound, Ctx, Pending, Proxy, Step};
use crate::proxy::config::{RateLimit, UpstreamAuth};
use crate::proxy::http::Request;
use crate::proxy::oauth::{AuthCode, Grant};
use crate::proxy::rewrite::{self, PatchPlan};
use crate::proxy::ResourceKind;
use serde_json::Value as Json;

impl Proxy {
    /// The key under which this request must run alone, when it reads the resource before
    /// writing it: a read-modify-write PATCH (`Users/{id}`), or a group create that
    /// adopts an existing group by name (`Groups?displayName={name}`). Two such requests
    /// for one key, run at once, would each write over the other's read.
    pub fn serial_key(&self, req: &Request) -> Option<String> {
        let cfg = self.cfg.as_ref().ok()?;
        // A caller without a valid token is answered 401 wherever it runs: not worth a lock.
        if !self.caller_is_admin(req) {
            return None;
        }
        let mut ctx = Ctx::default();
        let rest = match inbound::locate(&mut ctx, req).ok()? {
            inbound::Located::Scim(rest) => rest,
            inbound::Located::Health => return None,
        };
        let call = inbound::route(&mut ctx, cfg, req, &rest).ok()?;
        let kind = call.kind?;
        let rules = cfg.rules(kind)?;
        match (call.method.as_str(), call.id.as_deref()) {
            ("PATCH", Some(id)) => {
                let body = inbound::read_body(cfg, req, &call).ok()??;
                let (_, plan) =
                    rewrite::plan_patch(&body, rules, &cfg.client_compat, &cfg.upstream_compat)
                        .ok()?;
                (plan == PatchPlan::ReadModifyWrite).then(|| format!("{}/{id}", kind.as_str()))
            }
            ("POST", None) if kind == ResourceKind::Groups && cfg.group_switches.adopt_existing => {
                let body = inbound::read_body(cfg, req, &call).ok()??;
                let name = body.get("displayName").and_then(Json::as_str)?;
                Some(format!("Groups?displayName={name}"))
            }
            _ => None,
        }
    }

    /// The app's authorization code settings, when the app is reached by an admin's
    /// consent: the runtime then keeps the grant and hands its access token in with
    /// [`Proxy::use_grant`] before each request.
    pub fn authorization_code(&self) -> Option<&AuthCode> {
        match &self.cfg.as_ref().ok()?.upstream_auth {
            UpstreamAuth::AuthorizationCode(a) => Some(a),
            _ => None,
        }
    }

    /// The current grant (from the runtime's store), or `None` when there is no valid one:
    /// requests then answer 502 "consent needed", and /health says so.
    pub fn use_grant(&mut self, grant: Option<&Grant>) {
        self.token = grant.map(|g| (g.access_token.clone(), g.access_expires_ms));
    }

    /// Whether the grant this isolate holds is good beyond its refresh margin at `now_ms`:
    /// then the runtime need not ask its store for the current one.
    pub fn grant_fresh(&self, now_ms: u64) -> bool {
        self.has_grant(now_ms.saturating_add(crate::proxy::oauth::REFRESH_MARGIN_MS))
    }

    /// Whether a grant handed in with [`Proxy::use_grant`] is good at `now_ms`.
    pub(super) fn has_grant(&self, now_ms: u64) -> bool {
        self.token.as_ref().is_some_and(|(_, exp)| *exp > now_ms)
    }

    /// The tenant's rate limit on calls to the app, when it has one.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.cfg.as_ref().ok()?.rate_limit
    }

    /// Ends a request whose next call to the app the rate limit refused: 429 with
    /// `Retry-After`, the app untouched by this call.
    pub fn throttled(&self, pending: Pending, retry_after_s: u64, now_ms: u64) -> Step {
        let mut ctx = *pending.ctx;
        ctx.reason = Some("rate-limited");
        let mut resp = retry_later(
            429,
            "too many requests for this tenant's app; retry after the time given",
        );
        set_retry_after(&mut resp, &retry_after_s.max(1).to_string());
        self.finish(ctx, resp, now_ms)
    }
}

/// The path of a tenant's consent start, from its SCIM base URL (`…/t/acme/scim/v2`).
pub(super) fn consent_start_url(client_base: &str) -> String {
    let base = client_base.strip_suffix("/scim/v2").unwrap_or(client_base);
    format!("{base}/oauth/start")
}

/// No valid grant: an admin must consent (again) before the app can be called.
pub(super) fn consent_needed(ctx: &Ctx) -> Stop {
    let mut stop = refuse(
        "consent-needed",
        502,
        None,
        format!(
            "the app needs an admin's consent before the proxy can call it: an admin holding the consent secret opens {}",
            consent_start_url(&ctx.client_base)
        ),
    );
    set_retry_after(&mut stop.resp, super::answer::RETRY_AFTER);
    stop
}
