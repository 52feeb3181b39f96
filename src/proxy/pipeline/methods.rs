//! Per-method handling: what each SCIM call becomes upstream.

use super::answer::{json_response, no_content, refuse, refuse_scim, Stop, SCIM_JSON};
use super::capabilities;
use super::inbound::Call;
use super::{eval_opts, Ctx, Expect, Proxy, State, Step};
use crate::proxy::config::{Config, ResourceRules};
use crate::proxy::http::{self, Request, Response, UpstreamRequest};
use crate::proxy::rewrite::{self, Dir, PatchPlan};
use crate::proxy::ResourceKind;
use crate::scim::{PatchOp, ScimType};
use serde_json::{json, Value as Json};

/// An upstream request in the app's content type.
pub(super) fn upstream(
    cfg: &Config,
    method: &str,
    url: String,
    body: Option<&Json>,
) -> UpstreamRequest {
    let mut headers = vec![(
        "Accept".to_string(),
        format!("{SCIM_JSON}, application/json"),
    )];
    if body.is_some() {
        headers.push(("Content-Type".into(), SCIM_JSON.into()));
    }
    UpstreamRequest {
        method: method.to_string(),
        url,
        headers,
        body: body.map(|b| serde_json::to_vec(b).unwrap_or_default()),
        timeout_ms: cfg.timeout_ms,
    }
}

/// The app's URL of one resource.
pub(super) fn item_url(cfg: &Config, kind: Option<ResourceKind>, id: Option<&str>) -> String {
    let kind = kind.map_or("Users", ResourceKind::as_str);
    format!(
        "{}/{kind}/{}",
        cfg.upstream_url,
        http::encode(id.unwrap_or_default())
    )
}

fn with_query(url: String, query: &str) -> String {
    if query.is_empty() {
        url
    } else {
        format!("{url}?{query}")
    }
}

/// The client attribute names a PATCH writes (for the log, before it is translated).
fn patch_attributes(patch: &PatchOp) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for op in &patch.operations {
        let names: Vec<String> = match (&op.path_text, &op.value) {
            (Some(p), _) => vec![p.clone()],
            (None, Some(Json::Object(m))) => m.keys().cloned().collect(),
            _ => Vec::new(),
        };
        for n in names {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

impl Proxy {
    /// `GET /health` (RFC-free, for load balancers and admins): 200 when the config
    /// loads, 500 when it does not, 503 once the app credential has expired; what is
    /// wrong only to a caller holding its token.
    pub(super) fn health(&self, ctx: &mut Ctx, req: &Request, now_ms: u64) -> Step {
        let admin = self.caller_is_admin(req);
        let resp = match (&self.cfg, admin) {
            (Ok(_), _) if self.authorization_code().is_some() && !self.has_grant(now_ms) => {
                // Not a secret: the app cannot be called until an admin consents.
                ctx.reason = Some("consent-needed");
                health_body(503, json!({"status": "consent-needed"}))
            }
            (Ok(c), admin) => config_health(c, admin, ctx.tenant.as_deref(), now_ms),
            (Err(e), admin) => {
                ctx.fault = Some(e.to_string());
                ctx.reason = Some("misconfigured");
                let detail = if admin {
                    format!("proxy misconfigured: {e}")
                } else {
                    "the proxy's configuration does not load; its log names the problem".into()
                };
                super::answer::err(500, None, detail)
            }
        };
        self.finish(std::mem::take(ctx), resp, now_ms)
    }

    pub(super) fn dispatch(
        &mut self,
        ctx: &mut Ctx,
        cfg: &Config,
        call: Call,
        body: Option<Json>,
        now_ms: u64,
    ) -> Result<Step, Stop> {
        let Some(kind) = call.kind else {
            return self.root_search(ctx, cfg, body);
        };
        capabilities::allow(cfg, kind, &call.method)?;
        let empty = ResourceRules::default();
        let rules = cfg.rules(kind).unwrap_or(&empty);
        let query = translate_query(&call, rules, cfg)?;
        ctx.query = http::build_query(&query);
        let mut url = format!("{}/{}", cfg.upstream_url, kind.as_str());
        if let Some(i) = &call.id {
            url = item_url(cfg, Some(kind), Some(i));
        }
        let step = match (call.is_resource(), call.method.as_str(), &call.id, body) {
            (false, _, _, _) => self.get(ctx, cfg, url, Expect::Discovery),
            (true, "GET", None, _) => self.get(ctx, cfg, url, Expect::List),
            (true, "GET", Some(_), _) => self.get(ctx, cfg, url, Expect::Resource),
            (true, "POST", Some(i), Some(b)) if i == ".search" => {
                self.search(ctx, cfg, (kind, rules), url, b)?
            }
            (true, "POST", None, Some(b)) => self.create(ctx, cfg, rules, kind, url, b, now_ms)?,
            (true, "PUT", Some(_), Some(b)) => self.replace(ctx, cfg, rules, url, b, now_ms)?,
            (true, "PATCH", Some(_), Some(b)) => self.patch(ctx, cfg, rules, url, &b)?,
            (true, "DELETE", Some(_), _) => self.delete(ctx, cfg, kind, url)?,
            (true, "POST" | "PUT" | "PATCH", _, None) => {
                return Err(refuse(
                    "invalid-body",
                    400,
                    Some(ScimType::InvalidSyntax),
                    "a body is required",
                ))
            }
            (true, m, _, _) => {
                return Err(refuse(
                    "method-not-allowed",
                    405,
                    None,
                    format!("{m} is not allowed on /{}", kind.as_str()),
                ))
            }
        };
        Ok(step)
    }

    fn get(&mut self, ctx: &mut Ctx, cfg: &Config, url: String, expect: Expect) -> Step {
        let url = with_query(url, &ctx.query);
        let req = upstream(cfg, "GET", url, None);
        self.send(ctx, req, State::Forward(expect), false)
    }

    /// RFC 7644 §3.4.3 search across resource types, passed on as it is (only offered
    /// when nothing is renamed; see [`super::inbound::route`]).
    fn root_search(
        &mut self,
        ctx: &mut Ctx,
        cfg: &Config,
        body: Option<Json>,
    ) -> Result<Step, Stop> {
        let b = body.ok_or_else(|| {
            refuse(
                "invalid-body",
                400,
                Some(ScimType::InvalidSyntax),
                "a body is required",
            )
        })?;
        // Across resource types, a filter must suit each type the app limits.
        if let Some(f) = b.get("filter").and_then(Json::as_str) {
            capabilities::check_filter(cfg, ResourceKind::Users, f)?;
            capabilities::check_filter(cfg, ResourceKind::Groups, f)?;
        }
        let req = upstream(
            cfg,
            "POST",
            format!("{}/.search", cfg.upstream_url),
            Some(&b),
        );
        Ok(self.send(ctx, req, State::Forward(Expect::List), false))
    }

    /// RFC 7644 §3.4.3: the query in the body, translated like a GET's.
    fn search(
        &mut self,
        ctx: &mut Ctx,
        cfg: &Config,
        (kind, rules): (ResourceKind, &ResourceRules),
        url: String,
        mut b: Json,
    ) -> Result<Step, Stop> {
        if let Some(o) = b.as_object_mut() {
            for (k, v) in o.iter_mut() {
                let Some(text) = v.as_str() else { continue };
                if k == "filter" {
                    let app_filter = rewrite::translate_filter(text, rules, &cfg.client_compat)
                        .map_err(|e| refuse_scim("untranslatable-filter", &e))?;
                    capabilities::check_filter(cfg, kind, &app_filter)?;
                    *v = Json::String(app_filter);
                } else if k == "sortBy" {
                    *v = Json::String(rewrite::translate_attribute_list(text, rules));
                }
            }
        }
        ctx.id = None;
        let req = upstream(cfg, "POST", url, Some(&b));
        Ok(self.send(ctx, req, State::Forward(Expect::List), false))
    }

    #[allow(clippy::too_many_arguments)]
    fn create(
        &mut self,
        ctx: &mut Ctx,
        cfg: &Config,
        rules: &ResourceRules,
        kind: ResourceKind,
        url: String,
        asked: Json,
        now_ms: u64,
    ) -> Result<Step, Stop> {
        let app = written_body(ctx, rules, &asked, now_ms)?;
        if kind == ResourceKind::Groups && cfg.group_switches.adopt_existing {
            // Genesys cannot create groups: adopt the one with the same displayName.
            let name = app
                .get("displayName")
                .and_then(Json::as_str)
                .unwrap_or_default();
            let filter = format!("displayName eq {}", Json::String(name.to_string()));
            let q = http::build_query(&[
                ("filter".to_string(), filter),
                ("excludedAttributes".into(), "members".into()),
            ]);
            let lookup = upstream(cfg, "GET", format!("{url}?{q}"), None);
            return Ok(self.send(ctx, lookup, State::AdoptLookup { app, asked }, true));
        }
        let req = upstream(cfg, "POST", with_query(url, &ctx.query), Some(&app));
        Ok(self.send(ctx, req, State::Forward(Expect::Written { asked }), false))
    }

    fn replace(
        &mut self,
        ctx: &mut Ctx,
        cfg: &Config,
        rules: &ResourceRules,
        url: String,
        asked: Json,
        now_ms: u64,
    ) -> Result<Step, Stop> {
        let app = written_body(ctx, rules, &asked, now_ms)?;
        let req = upstream(cfg, "PUT", with_query(url, &ctx.query), Some(&app));
        Ok(self.send(ctx, req, State::Forward(Expect::Written { asked }), false))
    }

    fn patch(
        &mut self,
        ctx: &mut Ctx,
        cfg: &Config,
        rules: &ResourceRules,
        url: String,
        b: &Json,
    ) -> Result<Step, Stop> {
        let (patch, plan) = rewrite::plan_patch(b, rules, &cfg.client_compat, &cfg.upstream_compat)
            .map_err(|e| refuse_scim("invalid-patch", &e))?;
        ctx.changed = patch_attributes(&patch);
        ctx.ignored = rewrite::computed_patch_writes(&patch, rules);
        Ok(match plan {
            PatchPlan::Direct(app) => {
                ctx.changed = rewrite::changed_attributes(&app);
                let req = upstream(cfg, "PATCH", with_query(url, &ctx.query), Some(&app));
                let expect = Expect::Patch {
                    patch,
                    retries: None,
                };
                self.send(ctx, req, State::Forward(expect), false)
            }
            PatchPlan::ReadModifyWrite => {
                ctx.action = Some("read-modify-write");
                let req = upstream(cfg, "GET", url, None);
                self.send(ctx, req, State::RmwRead { patch, retries: 1 }, true)
            }
        })
    }

    fn delete(
        &mut self,
        ctx: &mut Ctx,
        cfg: &Config,
        kind: ResourceKind,
        url: String,
    ) -> Result<Step, Stop> {
        if kind == ResourceKind::Groups && cfg.group_switches.detach_on_delete {
            // Genesys cannot delete groups: the group stays, Entra forgets it.
            ctx.action = Some("detached");
            return Err(Stop::from(no_content(Vec::new())));
        }
        let req = upstream(cfg, "DELETE", with_query(url, &ctx.query), None);
        Ok(self.send(ctx, req, State::Forward(Expect::Delete), false))
    }
}

/// A POST/PUT body in the app's view; the log learns what it changes and what the
/// mapping computes instead of taking it from the client.
fn written_body(
    ctx: &mut Ctx,
    rules: &ResourceRules,
    asked: &Json,
    now_ms: u64,
) -> Result<Json, Stop> {
    let app = rewrite::map_resource(asked, rules, Dir::ToApp, &eval_opts(now_ms))
        .map_err(|e| refuse_scim("transform-failed", &e))?;
    ctx.changed = rewrite::changed_attributes(&app);
    ctx.ignored = rewrite::computed_writes(asked, rules);
    Ok(app)
}

/// `/health` for a config that loads. The credential's expiry is the admin's business: a
/// stranger sees `ok` until it has passed, then 503 `unavailable` (every SCIM call would
/// fail), never a date or a name.
fn config_health(c: &Config, admin: bool, tenant: Option<&str>, now_ms: u64) -> Response {
    let credential = c
        .credential_expiry
        .as_ref()
        .map(|e| super::credential::health(e, now_ms));
    let state = credential.as_ref().map_or("ok", |(s, _)| *s);
    let status = if state == "expired" { 503 } else { 200 };
    if !admin {
        let word = if status == 200 { "ok" } else { "unavailable" };
        return health_body(status, json!({"status": word}));
    }
    let mut body = json!({"status": state, "preset": c.preset, "tenant": tenant});
    if let (Some((_, block)), Some(o)) = (credential, body.as_object_mut()) {
        o.insert("credential".into(), block);
    }
    health_body(status, body)
}

fn health_body(status: u16, body: Json) -> Response {
    let mut r = json_response(status, &body, Vec::new());
    for (k, v) in &mut r.headers {
        if k == "Content-Type" {
            *v = "application/json".into();
        }
    }
    r
}

/// Filter, attribute lists and sort key in the app's vocabulary.
fn translate_query(
    call: &Call,
    rules: &ResourceRules,
    cfg: &Config,
) -> Result<Vec<(String, String)>, Stop> {
    let mut query = call.query.clone();
    if !call.is_resource() {
        return Ok(query);
    }
    for (k, v) in query.iter_mut() {
        if k == "filter" {
            *v = rewrite::translate_filter(v, rules, &cfg.client_compat)
                .map_err(|e| refuse_scim("untranslatable-filter", &e))?;
            if let Some(kind) = call.kind {
                capabilities::check_filter(cfg, kind, v)?;
            }
        } else if k == "attributes" || k == "excludedAttributes" || k == "sortBy" {
            *v = rewrite::translate_attribute_list(v, rules);
        }
    }
    Ok(query)
}
