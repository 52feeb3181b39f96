//! What the runtime needs to coordinate requests across isolates: which requests must run
//! one at a time per resource, and the answer to a call the tenant's rate limit refuses.

use super::answer::{retry_later, set_retry_after};
use super::{inbound, Ctx, Pending, Proxy, Step};
use crate::proxy::config::RateLimit;
use crate::proxy::http::Request;
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
