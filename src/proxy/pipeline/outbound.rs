//! The app's answers mapped back to the client: bodies, headers, errors, and the steps
//! that need an answer before the next call (read-modify-write, group adoption).

use super::answer::{
    fault, json_response, no_content, refuse, refuse_scim, retry_later, set_retry_after, Stop,
    RETRY_AFTER, RETRY_AFTER_CONFLICT, SCIM_JSON,
};
use super::methods::{item_url, upstream};
use super::{drift, eval_opts, links, Ctx, Expect, Proxy, State, Step};
use crate::proxy::config::{Config, Rename, ResourceRules};
use crate::proxy::http::{self, Response, UpstreamRequest};
use crate::proxy::rewrite::{self, Dir};
use crate::proxy::ResourceKind;
use crate::scim::{DiffShape, PatchOp, Schemas};
use serde_json::{json, Value as Json};
use std::borrow::Cow;
use std::sync::Arc;

impl Proxy {
    /// The rules of `kind`, borrowed from the config: they hold compiled expressions, so
    /// a copy per response would cost more than the rewrite itself.
    fn rules(&self, kind: Option<ResourceKind>) -> Cow<'_, ResourceRules> {
        match (&self.cfg, kind) {
            (Ok(c), Some(k)) => c.rules(k).map_or_else(Cow::default, Cow::Borrowed),
            _ => Cow::default(),
        }
    }

    fn upstream_url(&self) -> &str {
        self.cfg.as_ref().map_or("", |c| c.upstream_url.as_str())
    }

    /// Maps an app response body into the client's view and URLs.
    pub(super) fn to_client(&self, ctx: &Ctx, body: &Json, now_ms: u64) -> Result<Json, Stop> {
        let rules = self.rules(ctx.kind);
        let mut out = rewrite::map_response(body, &rules, &eval_opts(now_ms))
            .map_err(|e| refuse_scim("transform-failed", &e))?;
        links::rewrite(&mut out, self.upstream_url(), &ctx.client_base);
        Ok(out)
    }

    /// The config, for a request that goes on to another call (it was valid when the
    /// request started, so this fails only if the proxy was rebuilt meanwhile).
    fn config_for_next_call(&self) -> Result<Arc<Config>, Stop> {
        self.cfg
            .clone()
            .map_err(|_| Stop::from(retry_later(503, "proxy misconfigured")))
    }

    /// The app's answer body in the client's view.
    fn client_body(&self, ctx: &mut Ctx, resp: &Response, now_ms: u64) -> Result<Json, Stop> {
        let body = Self::body_json(resp, ctx)?;
        self.to_client(ctx, &body, now_ms)
    }

    fn pass_headers(&self, ctx: &Ctx, resp: &Response) -> Vec<(String, String)> {
        let mut h = Vec::new();
        if let Some(e) = resp.get_header("ETag") {
            h.push(("ETag".into(), e.to_string()));
        }
        if let Some(l) = resp.get_header("Location") {
            let l = links::rewrite_link(l, self.upstream_url(), &ctx.client_base, true)
                .unwrap_or_else(|| l.to_string());
            h.push(("Location".into(), l));
        }
        h
    }

    /// An upstream 4xx, passed back as an RFC 7644 §3.12 body whatever the app sent,
    /// with the app's `Retry-After` (and one of ours on 412/429 when it sent none).
    fn client_error(&self, ctx: &Ctx, resp: &Response) -> Response {
        let body = resp
            .json()
            .filter(|j| j.get("schemas").is_some() || j.get("detail").is_some());
        let mut out = match body {
            Some(mut j) => {
                links::rewrite(&mut j, self.upstream_url(), &ctx.client_base);
                if let Some(o) = j.as_object_mut() {
                    o.insert("schemas".into(), json!([crate::scim::error::ERROR_URN]));
                    o.insert("status".into(), Json::String(resp.status.to_string()));
                }
                json_response(resp.status, &j, Vec::new())
            }
            None => super::answer::err(
                resp.status,
                None,
                format!("the app answered {}", resp.status),
            ),
        };
        match (resp.get_header("Retry-After"), resp.status) {
            (Some(ra), _) => set_retry_after(&mut out, ra),
            (None, 412) => set_retry_after(&mut out, RETRY_AFTER_CONFLICT),
            (None, 429) => set_retry_after(&mut out, RETRY_AFTER),
            _ => {}
        }
        out
    }

    fn body_json(resp: &Response, ctx: &mut Ctx) -> Result<Json, Stop> {
        resp.json().filter(Json::is_object).ok_or_else(|| {
            ctx.fault = Some("upstream body is not a JSON object".into());
            Stop::from(fault(
                502,
                "the app's answer could not be read; the change is not confirmed",
            ))
        })
    }

    /// The answer to the request's final upstream call.
    pub(super) fn forwarded(
        &mut self,
        ctx: &mut Ctx,
        expect: Expect,
        resp: &Response,
        now_ms: u64,
    ) -> Result<Step, Stop> {
        if let (
            412,
            Expect::Patch {
                patch,
                retries: Some(retries),
            },
        ) = (resp.status, &expect)
        {
            return self.lost_race(ctx, patch.clone(), *retries, resp);
        }
        if resp.status >= 400 {
            let answer = self.client_error(ctx, resp);
            if resp.status == 409 {
                // A create retried after a lost answer collides with itself.
                return self.recover_or(ctx, State::Forward(expect), answer);
            }
            return Err(answer.into());
        }
        let headers = self.pass_headers(ctx, resp);
        let out = match expect {
            Expect::Delete => no_content(Vec::new()),
            Expect::Patch { .. } if resp.body.iter().all(u8::is_ascii_whitespace) => {
                no_content(headers)
            }
            Expect::Discovery => {
                let mut body = Self::body_json(resp, ctx)?;
                self.discovery(ctx, &mut body);
                json_response(resp.status, &body, headers)
            }
            Expect::Written { asked } => {
                let out = self.client_body(ctx, resp, now_ms)?;
                if ctx.id.is_none() {
                    ctx.id = out.get("id").and_then(Json::as_str).map(str::to_string);
                }
                ctx.drift = drift::of_write(&asked, &out, &ctx.ignored);
                json_response(resp.status, &out, headers)
            }
            Expect::Patch { patch, .. } => {
                let out = self.client_body(ctx, resp, now_ms)?;
                let compat = self.cfg.as_ref().map(|c| c.client_compat);
                if let Ok(compat) = compat {
                    ctx.drift = drift::of_patch(&patch, &out, &compat, &ctx.ignored);
                }
                json_response(resp.status, &out, headers)
            }
            Expect::List | Expect::Resource => {
                let out = self.client_body(ctx, resp, now_ms)?;
                json_response(resp.status, &out, headers)
            }
        };
        Ok(self.finish(std::mem::take(ctx), out, now_ms))
    }

    /// Someone changed the resource between our read and write (412 on `If-Match`):
    /// read again, or give up with a 412 the client can retry at once.
    fn lost_race(
        &mut self,
        ctx: &mut Ctx,
        patch: PatchOp,
        retries: u8,
        resp: &Response,
    ) -> Result<Step, Stop> {
        if retries == 0 {
            ctx.fault = Some("the resource kept changing during read-modify-write".into());
            let mut r = self.client_error(ctx, resp);
            if r.get_header("Retry-After").is_none() {
                set_retry_after(&mut r, RETRY_AFTER_CONFLICT);
            }
            return Err(r.into());
        }
        let cfg = self
            .cfg
            .as_ref()
            .map_err(|_| Stop::from(retry_later(503, "proxy misconfigured")))?;
        let req = UpstreamRequest {
            method: "GET".into(),
            url: item_url(cfg, ctx.kind, ctx.id.as_deref()),
            headers: vec![("Accept".into(), SCIM_JSON.into())],
            body: None,
            timeout_ms: cfg.timeout_ms,
        };
        let state = State::RmwRead {
            patch,
            retries: retries - 1,
        };
        Ok(self.send(ctx, req, state, true))
    }

    /// Read-modify-write: the PATCH applied to the client's view of what the app holds,
    /// mapped back, and the difference sent under `If-Match` (RFC 7644 §3.14).
    pub(super) fn rmw(
        &mut self,
        ctx: &mut Ctx,
        patch: PatchOp,
        retries: u8,
        resp: &Response,
        now_ms: u64,
    ) -> Result<Step, Stop> {
        if resp.status >= 400 {
            return Err(self.client_error(ctx, resp).into());
        }
        let cfg = self.config_for_next_call()?;
        let old = Self::body_json(resp, ctx)?;
        let etag = resp.get_header("ETag").map(str::to_string).or_else(|| {
            old.pointer("/meta/version")
                .and_then(Json::as_str)
                .map(str::to_string)
        });
        let rules = self.rules(ctx.kind);
        let opts = eval_opts(now_ms);
        let client_view = rewrite::map_resource(&old, &rules, Dir::ToClient, &opts)
            .map_err(|e| refuse_scim("transform-failed", &e))?;
        let patched = patch
            .apply(&client_view, Schemas::shared_core(), &cfg.client_compat)
            .map_err(|e| refuse_scim("invalid-patch", &e))?;
        let new = rewrite::map_resource(&patched, &rules, Dir::ToApp, &opts)
            .map_err(|e| refuse_scim("transform-failed", &e))?;
        let body = crate::scim::diff(&old, &new, DiffShape::Strict, Schemas::shared_core());
        let ops = body.get("Operations").and_then(Json::as_array);
        if ops.map_or(true, Vec::is_empty) {
            ctx.action = Some("no-op");
            ctx.changed.clear();
            return Ok(self.finish(std::mem::take(ctx), no_content(Vec::new()), now_ms));
        }
        ctx.changed = rewrite::changed_attributes(&body);
        let mut req = upstream(
            &cfg,
            "PATCH",
            item_url(&cfg, ctx.kind, ctx.id.as_deref()),
            Some(&body),
        );
        if !ctx.query.is_empty() {
            req.url = format!("{}?{}", req.url, ctx.query);
        }
        if let Some(e) = etag {
            // RFC 7644 §3.14: only apply if nobody changed the resource since the read.
            req.headers.push(("If-Match".into(), e));
        }
        let expect = Expect::Patch {
            patch,
            retries: Some(retries),
        };
        Ok(self.send(ctx, req, State::Forward(expect), false))
    }

    /// Group adoption (Genesys): the lookup by displayName came back.
    pub(super) fn adopt(
        &mut self,
        ctx: &mut Ctx,
        app: Json,
        asked: Json,
        resp: &Response,
        now_ms: u64,
    ) -> Result<Step, Stop> {
        if resp.status >= 400 {
            return Err(self.client_error(ctx, resp).into());
        }
        let list = Self::body_json(resp, ctx)?;
        let found = list
            .get("Resources")
            .and_then(Json::as_array)
            .and_then(|a| a.first())
            .cloned();
        let cfg = self.config_for_next_call()?;
        let Some(group) = found else {
            if !cfg.app.create_groups {
                // The app cannot create groups: the one Entra asks for must exist there first.
                let name = app
                    .get("displayName")
                    .and_then(Json::as_str)
                    .unwrap_or_default();
                return Err(refuse(
                    "app-cannot-create-groups",
                    501,
                    None,
                    format!(
                        "{} cannot create groups, and has none named {}: create it in {} first, then provisioning adopts it",
                        cfg.app.name,
                        Json::String(name.to_string()),
                        cfg.app.name
                    ),
                ));
            }
            let req = upstream(
                &cfg,
                "POST",
                format!("{}/Groups", cfg.upstream_url),
                Some(&app),
            );
            return Ok(self.send(ctx, req, State::Forward(Expect::Written { asked }), false));
        };
        ctx.action = Some("adopted");
        ctx.id = group.get("id").and_then(Json::as_str).map(str::to_string);
        let out = self.to_client(ctx, &group, now_ms)?;
        let loc = format!(
            "{}/Groups/{}",
            ctx.client_base,
            http::encode(ctx.id.as_deref().unwrap_or_default())
        );
        Ok(self.finish(
            std::mem::take(ctx),
            json_response(201, &out, vec![("Location".into(), loc)]),
            now_ms,
        ))
    }

    /// Discovery answers consistent with the mapping: URLs point at the proxy, renamed
    /// attributes carry the client's names, and the auth scheme is the proxy's own.
    fn discovery(&self, ctx: &Ctx, body: &mut Json) {
        links::rewrite(body, self.upstream_url(), &ctx.client_base);
        match ctx.kind {
            Some(ResourceKind::ServiceProviderConfig) => service_provider_config(body),
            Some(ResourceKind::Schemas) => {
                let users = self.rules(Some(ResourceKind::Users));
                let groups = self.rules(Some(ResourceKind::Groups));
                let rename = |schema: &mut Json| {
                    let id = schema.get("id").and_then(Json::as_str).unwrap_or_default();
                    let rules = if id.eq_ignore_ascii_case(crate::scim::schema::USER) {
                        &users
                    } else if id.eq_ignore_ascii_case(crate::scim::schema::GROUP) {
                        &groups
                    } else {
                        return;
                    };
                    client_attribute_names(schema, rules);
                };
                match body.get_mut("Resources") {
                    Some(Json::Array(items)) => items.iter_mut().for_each(rename),
                    _ => rename(body),
                }
            }
            _ => {}
        }
    }
}

fn service_provider_config(body: &mut Json) {
    if let Some(o) = body.as_object_mut() {
        o.insert("authenticationSchemes".into(), json!([{
            "type": "oauthbearertoken", "name": "OAuth Bearer Token",
            "description": "Bearer token issued for the scimmap proxy (RFC 6750)", "primary": true}]));
        o.insert(
            "bulk".into(),
            json!({"supported": false, "maxOperations": 0, "maxPayloadSize": 0}),
        );
        o.insert("patch".into(), json!({"supported": true}));
    }
}

/// A schema's top-level attributes under the client's names (plain attribute renames).
fn client_attribute_names(schema: &mut Json, rules: &ResourceRules) {
    let Some(Json::Array(attrs)) = schema.get_mut("attributes") else {
        return;
    };
    for a in attrs {
        let Some(name) = a.get("name").and_then(Json::as_str).map(str::to_string) else {
            continue;
        };
        for r in &rules.renames {
            if let Rename::Attr { client, app } = r {
                if client.uri.is_none()
                    && client.sub.is_none()
                    && app.uri.is_none()
                    && app.sub.is_none()
                    && app.attr.eq_ignore_ascii_case(&name)
                {
                    a["name"] = Json::String(client.attr.clone());
                }
            }
        }
    }
}
