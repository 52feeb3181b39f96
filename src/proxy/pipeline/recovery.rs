//! Creates that survive a lost answer. When a POST's outcome is unknown (the connection
//! dropped or timed out after sending) or a retried POST collides with itself (409), the
//! resource is looked up by its matching attribute before answering: found → 201 with it,
//! as if the first answer had arrived; not found → the original answer.

use super::answer::{json_response, Stop};
use super::methods::upstream;
use super::{Ctx, Expect, Proxy, State, Step};
use crate::proxy::http::{self, FetchOutcome, Response};
use crate::proxy::rewrite;
use crate::proxy::ResourceKind;
use crate::scim::Path;
use serde_json::Value as Json;

/// The value at a client attribute path (`userName`, `name.givenName`,
/// `urn:…:enterprise:2.0:User:employeeNumber`), when it is a string.
fn value_at<'a>(body: &'a Json, path: &str) -> Option<&'a str> {
    let p = Path::parse_lenient(path).ok()?;
    let get = |o: &'a Json, k: &str| -> Option<&'a Json> {
        o.as_object()?
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v)
    };
    let mut at = body;
    if let Some(uri) = p
        .attr
        .uri
        .as_deref()
        .filter(|u| !crate::proxy::config::is_core_urn(u))
    {
        at = get(at, uri)?;
    }
    at = get(at, &p.attr.attr)?;
    if let Some(sub) = p.attr.sub.as_deref().or(p.sub.as_deref()) {
        at = get(at, sub)?;
    }
    at.as_str()
}

impl Proxy {
    /// For a create whose outcome is unknown, the lookup by matching attribute; for
    /// anything else (or a create without that attribute), `answer`.
    pub(super) fn recover_or(
        &mut self,
        ctx: &mut Ctx,
        state: State,
        answer: Response,
    ) -> Result<Step, Stop> {
        let State::Forward(Expect::Written { asked }) = state else {
            return Err(answer.into());
        };
        let Some(lookup) = self.lookup_url(ctx, &asked) else {
            return Err(answer.into());
        };
        let Ok(cfg) = &self.cfg else {
            return Err(answer.into());
        };
        let req = upstream(cfg, "GET", lookup, None);
        let state = State::CreateLookup {
            asked,
            fallback: answer,
            upstream_status: ctx.upstream_status,
        };
        Ok(self.send(ctx, req, state, true))
    }

    /// `GET /Users?filter=<matching attribute> eq "<value>"` in the app's vocabulary.
    fn lookup_url(&self, ctx: &Ctx, asked: &Json) -> Option<String> {
        let cfg = self.cfg.as_ref().ok()?;
        if !ctx.method.eq_ignore_ascii_case("POST") || ctx.id.is_some() {
            return None;
        }
        let kind = ctx.kind?;
        let matching = match kind {
            ResourceKind::Users => &cfg.user_matching,
            ResourceKind::Groups => &cfg.group_matching,
            _ => return None,
        };
        let value = value_at(asked, matching)?;
        let filter = format!("{matching} eq {}", Json::String(value.to_string()));
        let app_filter =
            rewrite::translate_filter(&filter, cfg.rules(kind)?, &cfg.client_compat).ok()?;
        let q = http::build_query(&[("filter".to_string(), app_filter)]);
        Some(format!("{}/{}?{q}", cfg.upstream_url, kind.as_str()))
    }

    /// The lookup's answer: exactly one resource that does not contradict the create
    /// (same `externalId` when both have one) is the one the create made.
    pub(super) fn create_found(
        &mut self,
        ctx: &mut Ctx,
        asked: Json,
        fallback: Response,
        outcome: FetchOutcome,
        now_ms: u64,
    ) -> Result<Step, Stop> {
        let FetchOutcome::Response(resp) = outcome else {
            return Err(fallback.into());
        };
        let found = (200..300)
            .contains(&resp.status)
            .then(|| resp.json())
            .flatten()
            .and_then(|list| match list.get("Resources") {
                Some(Json::Array(items)) if items.len() == 1 => items.first().cloned(),
                _ => None,
            });
        let Some(found) = found else {
            return Err(fallback.into());
        };
        let out = self.to_client(ctx, &found, now_ms)?;
        let ext = |v: &Json| {
            v.get("externalId")
                .and_then(Json::as_str)
                .map(str::to_string)
        };
        if let (Some(a), Some(b)) = (ext(&asked), ext(&out)) {
            if a != b {
                return Err(fallback.into());
            }
        }
        ctx.action = Some("recovered");
        ctx.id = out.get("id").and_then(Json::as_str).map(str::to_string);
        let kind = ctx.kind.map_or("Users", ResourceKind::as_str);
        let loc = format!(
            "{}/{kind}/{}",
            ctx.client_base,
            http::encode(ctx.id.as_deref().unwrap_or_default())
        );
        let resp = json_response(201, &out, vec![("Location".into(), loc)]);
        Ok(self.finish(std::mem::take(ctx), resp, now_ms))
    }
}
