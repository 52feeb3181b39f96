//! The request state machine: [`Proxy::handle`] → [`Step`] → [`Proxy::resume`] → … →
//! [`Step::Respond`].

use crate::entra::EvalOptions;
use crate::proxy::config::{
    constant_time_eq, Config, ConfigError, LogLevel, Rename, ResourceRules, UpstreamAuth,
};
use crate::proxy::http::{self, FetchOutcome, Request, Response, UpstreamRequest};
use crate::proxy::rewrite::{self, Dir, PatchPlan};
use crate::proxy::{route, ResourceKind};
use crate::scim::{DiffShape, PatchOp, Schemas, ScimError, ScimType};
use serde_json::{json, Value as Json};

const SCIM_JSON: &str = "application/scim+json";
/// Seconds a client should wait after a fault (RFC 9110 §10.2.3); Entra retries anyway.
const RETRY_AFTER: &str = "30";
/// Refresh OAuth tokens this long before they expire.
const TOKEN_MARGIN_MS: u64 = 60_000;

/// What the runtime must do next.
#[derive(Debug)]
pub enum Step {
    /// Send this response; log the line (one JSON object) if there is one.
    Respond(Response, Option<String>),
    /// Send this request upstream, then call [`Proxy::resume`] with the outcome.
    Fetch(UpstreamRequest, Pending),
}

/// A request in flight (opaque to the runtime).
#[derive(Debug)]
pub struct Pending {
    ctx: Box<Ctx>,
    state: Box<State>,
}

fn pending(ctx: Ctx, state: State) -> Pending {
    Pending {
        ctx: Box::new(ctx),
        state: Box::new(state),
    }
}

#[derive(Debug, Clone, Default)]
struct Ctx {
    request_id: String,
    tenant: Option<String>,
    method: String,
    kind: Option<ResourceKind>,
    id: Option<String>,
    start_ms: u64,
    changed: Vec<String>,
    upstream_status: Option<u16>,
    action: Option<&'static str>,
    fault: Option<String>,
    dry_run: bool,
    /// The client's base URL (`https://edge/t/acme/scim/v2`).
    client_base: String,
    /// The client's query string, translated (for the final write of read-modify-write).
    query: String,
}

#[derive(Debug)]
enum State {
    /// Waiting for an OAuth token; then send `next`.
    Token(Box<(UpstreamRequest, State)>),
    /// The final upstream call; map its response back.
    Forward(Expect),
    /// Read-modify-write PATCH: the resource was read.
    RmwRead { patch: PatchOp, retries: u8 },
    /// Genesys-style group adoption: looked up the displayName.
    AdoptLookup { body: Json },
}

#[derive(Debug)]
enum Expect {
    List,
    Resource,
    Patch { retry: Option<(PatchOp, u8)> },
    Delete,
    Discovery,
}

/// One proxy deployment (one config): holds the cached OAuth token between requests.
#[derive(Debug)]
pub struct Proxy {
    cfg: Result<Config, ConfigError>,
    token: Option<(String, u64)>,
}

fn error_response(e: &ScimError) -> Response {
    json_response(e.status, &e.to_json(), Vec::new())
}

fn err(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Response {
    error_response(&ScimError {
        status,
        scim_type,
        detail: detail.into(),
    })
}

fn json_response(status: u16, body: &Json, mut headers: Vec<(String, String)>) -> Response {
    headers.push(("Content-Type".into(), SCIM_JSON.into()));
    Response {
        status,
        headers,
        body: serde_json::to_vec(body).unwrap_or_default(),
    }
}

fn fault(status: u16, detail: &str) -> Response {
    let mut r = err(status, None, detail);
    r.headers.push(("Retry-After".into(), RETRY_AFTER.into()));
    r
}

/// JSON nesting depth of a body, counted on the bytes before parsing (strings skipped),
/// so a deeply nested body is refused without recursing into it.
fn depth_exceeds(body: &[u8], max: usize) -> bool {
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for &b in body {
        if in_str {
            match (esc, b) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

fn eval_opts(now_ms: u64) -> EvalOptions<'static> {
    EvalOptions {
        now: i64::try_from(now_ms)
            .ok()
            .and_then(chrono::DateTime::from_timestamp_millis),
        seed: Some(now_ms),
        ..EvalOptions::default()
    }
}

impl Proxy {
    /// A proxy for a config; an invalid config answers every request with a 500 that
    /// names the problem (and logs it), instead of failing to start.
    pub fn new(cfg: Result<Config, ConfigError>) -> Proxy {
        Proxy { cfg, token: None }
    }

    /// The config, if valid.
    pub fn config(&self) -> Result<&Config, &ConfigError> {
        self.cfg.as_ref()
    }

    /// Starts a request.
    pub fn handle(&mut self, req: Request, now_ms: u64) -> Step {
        let mut ctx = Ctx {
            request_id: req.request_id.clone(),
            method: req.method.clone(),
            start_ms: now_ms,
            ..Ctx::default()
        };
        match self.start(&mut ctx, &req, now_ms) {
            Ok(step) => step,
            Err(resp) => self.finish(ctx, resp, now_ms),
        }
    }

    fn start(&mut self, ctx: &mut Ctx, req: &Request, now_ms: u64) -> Result<Step, Response> {
        let (origin, path, query) = http::split_url(&req.url);
        let Some(rt) = route(path) else {
            return Err(err(
                404,
                None,
                "not a SCIM endpoint of this proxy (expected /scim/v2/… or /t/{tenant}/scim/v2/…)",
            ));
        };
        ctx.tenant = rt.tenant.clone();
        ctx.client_base = format!("{origin}{}", rt.prefix);
        let cfg = match &self.cfg {
            Ok(c) => c.clone(),
            Err(e) => {
                ctx.fault = Some(e.to_string());
                return Err(err(500, None, format!("proxy misconfigured: {e}")));
            }
        };
        // RFC 6750 §2.1 bearer token; every configured token is compared in full.
        let presented = req
            .get_header("Authorization")
            .and_then(|h| {
                let (scheme, tok) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| tok.trim())
            })
            .unwrap_or("");
        let ok = cfg.inbound_tokens.iter().fold(false, |acc, t| {
            acc | constant_time_eq(t.as_bytes(), presented.as_bytes())
        });
        if !ok || presented.is_empty() {
            let mut r = err(401, None, "missing or invalid bearer token");
            r.headers
                .push(("WWW-Authenticate".into(), "Bearer realm=\"scimmap\"".into()));
            return Err(r);
        }
        if req.body.len() > cfg.max_body_bytes {
            return Err(err(
                413,
                None,
                format!("request body larger than {} bytes", cfg.max_body_bytes),
            ));
        }

        let mut pairs = http::parse_query(query.unwrap_or(""));
        let flag = |v: &str| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes");
        ctx.dry_run = req.get_header("X-Scimmap-Dry-Run").is_some_and(flag)
            || pairs.iter().any(|(k, v)| k == "dryRun" && flag(v));
        // Entra's Tenant URL feature flags (spec §4.3) and ours are not the app's business.
        pairs.retain(|(k, _)| {
            !(k == "dryRun"
                || k.eq_ignore_ascii_case("aadOptscim062020")
                || k.eq_ignore_ascii_case("AzureAdScimPatch2017"))
        });

        let segs: Vec<&str> = rt.rest.split('/').filter(|s| !s.is_empty()).collect();
        let kind = match segs.first() {
            None => return Err(err(404, None, "no resource type in the path")),
            Some(&".search")
                if segs.len() == 1
                    && req.method.eq_ignore_ascii_case("POST")
                    && cfg.users.is_identity()
                    && cfg.groups.is_identity() =>
            {
                // RFC 7644 §3.4.3 search across resource types: one filter cannot be
                // translated into two vocabularies, so only without renames/transforms.
                if depth_exceeds(&req.body, cfg.max_depth) {
                    return Err(err(
                        400,
                        Some(ScimType::InvalidSyntax),
                        "body nested too deep",
                    ));
                }
                let b: Json = serde_json::from_slice(&req.body).map_err(|e| {
                    err(
                        400,
                        Some(ScimType::InvalidSyntax),
                        format!("body is not JSON: {e}"),
                    )
                })?;
                let up = UpstreamRequest {
                    method: "POST".into(),
                    url: format!("{}/.search", cfg.upstream_url),
                    headers: vec![
                        ("Accept".into(), SCIM_JSON.into()),
                        ("Content-Type".into(), SCIM_JSON.into()),
                    ],
                    body: Some(serde_json::to_vec(&b).unwrap_or_default()),
                    timeout_ms: cfg.timeout_ms,
                };
                return Ok(self.send(ctx, up, State::Forward(Expect::List), now_ms, false));
            }
            Some(s)
                if s.eq_ignore_ascii_case("Bulk")
                    || s.eq_ignore_ascii_case("Me")
                    || s.starts_with(".search") =>
            {
                return Err(err(
                    501,
                    None,
                    format!("/{s} is not supported by this proxy"),
                ));
            }
            Some(s) => ResourceKind::parse(s)
                .ok_or_else(|| err(404, None, format!("unknown endpoint /{s}")))?,
        };
        ctx.kind = Some(kind);
        let id = segs.get(1).map(|s| (*s).to_string());
        ctx.id = id.as_ref().map(|s| http::decode(s));
        if segs.len() > 2 {
            return Err(err(404, None, "path too deep"));
        }
        let method = req.method.to_ascii_uppercase();
        let is_resource = matches!(kind, ResourceKind::Users | ResourceKind::Groups);
        if !is_resource && method != "GET" {
            // RFC 7644 §4: discovery endpoints are read-only; answered before any body
            // parsing so the status is 405 whatever the body.
            let mut r = err(
                405,
                None,
                format!("{method} is not allowed on /{}", kind.as_str()),
            );
            r.headers.push(("Allow".into(), "GET".into()));
            return Err(r);
        }
        let body: Option<Json> = if matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
            if depth_exceeds(&req.body, cfg.max_depth) {
                return Err(err(
                    400,
                    Some(ScimType::InvalidSyntax),
                    format!("body nested deeper than {}", cfg.max_depth),
                ));
            }
            let v: Json = serde_json::from_slice(&req.body).map_err(|e| {
                err(
                    400,
                    Some(ScimType::InvalidSyntax),
                    format!("body is not JSON: {e}"),
                )
            })?;
            if !v.is_object() {
                return Err(err(
                    400,
                    Some(ScimType::InvalidSyntax),
                    "body must be a JSON object",
                ));
            }
            Some(v)
        } else {
            None
        };

        let empty = ResourceRules::default();
        let rules = cfg.rules(kind).unwrap_or(&empty);
        let opts = eval_opts(now_ms);
        let mut url = format!("{}/{}", cfg.upstream_url, kind.as_str());
        if let Some(i) = &id {
            url.push('/');
            url.push_str(i);
        }
        for (k, v) in pairs.iter_mut() {
            if !is_resource {
                break;
            }
            if k == "filter" {
                *v = rewrite::translate_filter(v, rules, &cfg.client_compat)
                    .map_err(|e| error_response(&e))?;
            } else if k == "attributes" || k == "excludedAttributes" || k == "sortBy" {
                *v = rewrite::translate_attribute_list(v, rules);
            }
        }
        ctx.query = http::build_query(&pairs);
        let with_query = |u: &str| {
            if pairs.is_empty() {
                u.to_string()
            } else {
                format!("{u}?{}", http::build_query(&pairs))
            }
        };
        let up = |method: &str, url: String, body: Option<&Json>| UpstreamRequest {
            method: method.to_string(),
            url,
            headers: {
                let mut h = vec![(
                    "Accept".to_string(),
                    format!("{SCIM_JSON}, application/json"),
                )];
                if body.is_some() {
                    h.push(("Content-Type".into(), SCIM_JSON.into()));
                }
                h
            },
            body: body.map(|b| serde_json::to_vec(b).unwrap_or_default()),
            timeout_ms: cfg.timeout_ms,
        };

        let step = match (is_resource, method.as_str(), &id, body) {
            (false, "GET", _, _) => self.send(
                ctx,
                up("GET", with_query(&url), None),
                State::Forward(Expect::Discovery),
                now_ms,
                false,
            ),
            (false, _, _, _) => {
                return Err(err(
                    405,
                    None,
                    format!("{method} is not allowed on /{}", kind.as_str()),
                ))
            }
            (true, "GET", None, _) => self.send(
                ctx,
                up("GET", with_query(&url), None),
                State::Forward(Expect::List),
                now_ms,
                false,
            ),
            (true, "GET", Some(_), _) => self.send(
                ctx,
                up("GET", with_query(&url), None),
                State::Forward(Expect::Resource),
                now_ms,
                false,
            ),
            (true, "POST", Some(i), Some(mut b)) if i == ".search" => {
                // RFC 7644 §3.4.3: the query in the body, translated like a GET's.
                if let Some(o) = b.as_object_mut() {
                    for (k, v) in o.iter_mut() {
                        let Some(text) = v.as_str() else { continue };
                        if k == "filter" {
                            *v = Json::String(
                                rewrite::translate_filter(text, rules, &cfg.client_compat)
                                    .map_err(|e| error_response(&e))?,
                            );
                        } else if k == "sortBy" {
                            *v = Json::String(rewrite::translate_attribute_list(text, rules));
                        }
                    }
                }
                ctx.id = None;
                self.send(
                    ctx,
                    up("POST", url, Some(&b)),
                    State::Forward(Expect::List),
                    now_ms,
                    false,
                )
            }
            (true, "POST", None, Some(b)) => {
                let app = rewrite::map_resource(&b, rules, Dir::ToApp, &opts)
                    .map_err(|e| error_response(&e))?;
                ctx.changed = rewrite::changed_attributes(&app);
                if kind == ResourceKind::Groups && cfg.group_switches.adopt_existing {
                    let name = app
                        .get("displayName")
                        .and_then(Json::as_str)
                        .unwrap_or_default();
                    let filter = format!("displayName eq {}", Json::String(name.to_string()));
                    let q = http::build_query(&[
                        ("filter".to_string(), filter),
                        ("excludedAttributes".into(), "members".into()),
                    ]);
                    let lookup = up("GET", format!("{url}?{q}"), None);
                    self.send(ctx, lookup, State::AdoptLookup { body: app }, now_ms, true)
                } else {
                    self.send(
                        ctx,
                        up("POST", with_query(&url), Some(&app)),
                        State::Forward(Expect::Resource),
                        now_ms,
                        false,
                    )
                }
            }
            (true, "PUT", Some(_), Some(b)) => {
                let app = rewrite::map_resource(&b, rules, Dir::ToApp, &opts)
                    .map_err(|e| error_response(&e))?;
                ctx.changed = rewrite::changed_attributes(&app);
                self.send(
                    ctx,
                    up("PUT", with_query(&url), Some(&app)),
                    State::Forward(Expect::Resource),
                    now_ms,
                    false,
                )
            }
            (true, "PATCH", Some(_), Some(b)) => {
                let (patch, plan) =
                    rewrite::plan_patch(&b, rules, &cfg.client_compat, &cfg.upstream_compat)
                        .map_err(|e| error_response(&e))?;
                match plan {
                    PatchPlan::Direct(app) => {
                        ctx.changed = rewrite::changed_attributes(&app);
                        self.send(
                            ctx,
                            up("PATCH", with_query(&url), Some(&app)),
                            State::Forward(Expect::Patch { retry: None }),
                            now_ms,
                            false,
                        )
                    }
                    PatchPlan::ReadModifyWrite => {
                        ctx.action = Some("read-modify-write");
                        self.send(
                            ctx,
                            up("GET", url, None),
                            State::RmwRead { patch, retries: 1 },
                            now_ms,
                            true,
                        )
                    }
                }
            }
            (true, "DELETE", Some(_), _) => {
                if kind == ResourceKind::Groups && cfg.group_switches.detach_on_delete {
                    ctx.action = Some("detached");
                    return Err(Response {
                        status: 204,
                        headers: Vec::new(),
                        body: Vec::new(),
                    });
                }
                self.send(
                    ctx,
                    up("DELETE", with_query(&url), None),
                    State::Forward(Expect::Delete),
                    now_ms,
                    false,
                )
            }
            (true, "POST" | "PUT" | "PATCH", _, None) => {
                return Err(err(
                    400,
                    Some(ScimType::InvalidSyntax),
                    "a body is required",
                ))
            }
            _ => {
                return Err(err(
                    405,
                    None,
                    format!("{method} is not allowed on {}", rt.rest),
                ))
            }
        };
        Ok(step)
    }

    /// Emits an upstream request: dry-run interception, then authentication (fetching an
    /// OAuth token first when the cached one is missing or about to expire).
    fn send(
        &mut self,
        ctx: &mut Ctx,
        mut req: UpstreamRequest,
        state: State,
        now_ms: u64,
        internal_read: bool,
    ) -> Step {
        let ctx_owned = std::mem::take(ctx);
        if ctx_owned.dry_run && !internal_read {
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
            let mut c = ctx_owned;
            c.action = Some("dry-run");
            return self.finish(c, json_response(200, &out, Vec::new()), now_ms);
        }
        let Ok(cfg) = &self.cfg else {
            return self.finish(ctx_owned, err(500, None, "proxy misconfigured"), now_ms);
        };
        match &cfg.upstream_auth {
            UpstreamAuth::None => {}
            UpstreamAuth::Bearer(t) => req
                .headers
                .push(("Authorization".into(), format!("Bearer {t}"))),
            UpstreamAuth::ClientCredentials {
                token_url,
                client_id,
                client_secret,
                scope,
            } => {
                match &self.token {
                    Some((tok, exp)) if *exp > now_ms.saturating_add(TOKEN_MARGIN_MS) => {
                        req.headers
                            .push(("Authorization".into(), format!("Bearer {tok}")));
                    }
                    _ => {
                        // RFC 6749 §4.4.2: client credentials in the form body (§2.3.1).
                        let mut form = vec![
                            ("grant_type".to_string(), "client_credentials".to_string()),
                            ("client_id".into(), client_id.clone()),
                            ("client_secret".into(), client_secret.clone()),
                        ];
                        if let Some(s) = scope {
                            form.push(("scope".into(), s.clone()));
                        }
                        let token_req = UpstreamRequest {
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
                        };
                        return Step::Fetch(
                            token_req,
                            pending(ctx_owned, State::Token(Box::new((req, state)))),
                        );
                    }
                }
            }
        }
        Step::Fetch(req, pending(ctx_owned, state))
    }

    /// Continues a request with the outcome of its upstream fetch.
    pub fn resume(&mut self, pending: Pending, outcome: FetchOutcome, now_ms: u64) -> Step {
        let Pending { ctx, state } = pending;
        let (mut ctx, state) = (*ctx, *state);
        let resp = match outcome {
            FetchOutcome::Timeout => {
                ctx.fault = Some("upstream timeout".into());
                return self.finish(
                    ctx,
                    fault(504, "the app did not answer in time; nothing is confirmed"),
                    now_ms,
                );
            }
            FetchOutcome::Unreachable(why) => {
                ctx.fault = Some(format!("upstream unreachable: {why}"));
                return self.finish(
                    ctx,
                    fault(502, "the app is unreachable; nothing was changed"),
                    now_ms,
                );
            }
            FetchOutcome::Response(r) => r,
        };
        if let State::Token(next) = state {
            return self.token_received(ctx, *next, &resp, now_ms);
        }
        ctx.upstream_status = Some(resp.status);
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
                f.headers.retain(|(k, _)| k != "Retry-After");
                f.headers.push(("Retry-After".into(), ra.to_string()));
            }
            return self.finish(ctx, f, now_ms);
        }
        if resp.status == 401 || resp.status == 403 {
            // The client's credentials were fine; the proxy's were not.
            self.token = None;
            ctx.fault = Some(format!(
                "upstream rejected the proxy's credentials ({})",
                resp.status
            ));
            return self.finish(
                ctx,
                fault(502, "the app rejected the proxy's credentials"),
                now_ms,
            );
        }
        let out = match state {
            State::Token(_) => err(500, None, "unreachable state"),
            State::Forward(expect) => match self.forward_done(&mut ctx, expect, &resp, now_ms) {
                Ok(Some(step)) => return step,
                Ok(None) => return self.finish(ctx, err(500, None, "unreachable state"), now_ms),
                Err(r) => r,
            },
            State::RmwRead { patch, retries } => {
                match self.rmw(&mut ctx, patch, retries, &resp, now_ms) {
                    Ok(step) => return step,
                    Err(r) => r,
                }
            }
            State::AdoptLookup { body } => match self.adopt(&mut ctx, body, &resp, now_ms) {
                Ok(step) => return step,
                Err(r) => r,
            },
        };
        self.finish(ctx, out, now_ms)
    }

    fn token_received(
        &mut self,
        ctx: Ctx,
        next: (UpstreamRequest, State),
        resp: &Response,
        now_ms: u64,
    ) -> Step {
        let parsed = (resp.status == 200)
            .then(|| resp.json())
            .flatten()
            .and_then(|j| {
                let tok = j.get("access_token")?.as_str()?.to_string();
                let secs = j.get("expires_in").and_then(Json::as_u64).unwrap_or(300);
                Some((tok, now_ms.saturating_add(secs.saturating_mul(1000))))
            });
        let Some((tok, exp)) = parsed else {
            let mut c = ctx;
            c.fault = Some(format!("token endpoint answered {}", resp.status));
            return self.finish(
                c,
                fault(502, "could not obtain a token for the app"),
                now_ms,
            );
        };
        let (mut req, state) = next;
        req.headers
            .push(("Authorization".into(), format!("Bearer {tok}")));
        self.token = Some((tok, exp));
        Step::Fetch(req, pending(ctx, state))
    }

    fn rules(&self, kind: Option<ResourceKind>) -> ResourceRules {
        match (&self.cfg, kind) {
            (Ok(c), Some(k)) => c.rules(k).cloned().unwrap_or_default(),
            _ => ResourceRules::default(),
        }
    }

    fn upstream_url(&self) -> String {
        self.cfg
            .as_ref()
            .map(|c| c.upstream_url.clone())
            .unwrap_or_default()
    }

    /// Maps an app response body into the client's view and URLs.
    fn to_client(&self, ctx: &Ctx, body: &Json, now_ms: u64) -> Result<Json, Response> {
        let rules = self.rules(ctx.kind);
        let mut out = rewrite::map_response(body, &rules, &eval_opts(now_ms))
            .map_err(|e| error_response(&e))?;
        rewrite::rewrite_urls(&mut out, &self.upstream_url(), &ctx.client_base);
        Ok(out)
    }

    fn pass_headers(&self, ctx: &Ctx, resp: &Response) -> Vec<(String, String)> {
        let mut h = Vec::new();
        if let Some(e) = resp.get_header("ETag") {
            h.push(("ETag".into(), e.to_string()));
        }
        if let Some(l) = resp.get_header("Location") {
            let mut v = Json::String(l.to_string());
            rewrite::rewrite_urls(&mut v, &self.upstream_url(), &ctx.client_base);
            if let Json::String(s) = v {
                h.push(("Location".into(), s));
            }
        }
        h
    }

    fn client_error(&self, ctx: &Ctx, resp: &Response) -> Response {
        // Upstream 4xx: passed back, as an RFC 7644 §3.12 body whatever the app sent.
        let body = resp
            .json()
            .filter(|j| j.get("schemas").is_some() || j.get("detail").is_some());
        match body {
            Some(mut j) => {
                rewrite::rewrite_urls(&mut j, &self.upstream_url(), &ctx.client_base);
                if let Some(o) = j.as_object_mut() {
                    o.insert("schemas".into(), json!([crate::scim::error::ERROR_URN]));
                    o.insert("status".into(), Json::String(resp.status.to_string()));
                }
                json_response(resp.status, &j, Vec::new())
            }
            None => err(
                resp.status,
                None,
                format!("the app answered {}", resp.status),
            ),
        }
    }

    fn body_json(resp: &Response, ctx: &mut Ctx) -> Result<Json, Response> {
        resp.json().filter(Json::is_object).ok_or_else(|| {
            ctx.fault = Some("upstream body is not a JSON object".into());
            fault(
                502,
                "the app's answer could not be read; the change is not confirmed",
            )
        })
    }

    fn forward_done(
        &mut self,
        ctx: &mut Ctx,
        expect: Expect,
        resp: &Response,
        now_ms: u64,
    ) -> Result<Option<Step>, Response> {
        if resp.status == 412 {
            if let Expect::Patch {
                retry: Some((patch, retries)),
            } = expect
            {
                if retries == 0 {
                    return Err(self.client_error(ctx, resp));
                }
                {
                    // Someone changed the resource between our read and write: read again.
                    let cfg = self
                        .cfg
                        .as_ref()
                        .map_err(|_| err(500, None, "proxy misconfigured"))?;
                    let url = self.item_url(cfg, ctx);
                    let req = UpstreamRequest {
                        method: "GET".into(),
                        url,
                        headers: vec![("Accept".into(), SCIM_JSON.into())],
                        body: None,
                        timeout_ms: cfg.timeout_ms,
                    };
                    return Ok(Some(self.send(
                        ctx,
                        req,
                        State::RmwRead {
                            patch,
                            retries: retries - 1,
                        },
                        now_ms,
                        true,
                    )));
                }
            }
        }
        if resp.status >= 400 {
            return Err(self.client_error(ctx, resp));
        }
        let headers = self.pass_headers(ctx, resp);
        let out = match expect {
            Expect::Delete => Response {
                status: 204,
                headers: Vec::new(),
                body: Vec::new(),
            },
            Expect::Patch { .. } if resp.body.iter().all(u8::is_ascii_whitespace) => Response {
                status: 204,
                headers,
                body: Vec::new(),
            },
            Expect::Discovery => {
                let mut body = Self::body_json(resp, ctx)?;
                self.discovery(ctx, &mut body);
                json_response(resp.status, &body, headers)
            }
            Expect::List | Expect::Resource | Expect::Patch { .. } => {
                let body = Self::body_json(resp, ctx)?;
                let out = self.to_client(ctx, &body, now_ms)?;
                json_response(resp.status, &out, headers)
            }
        };
        Ok(Some(self.finish(std::mem::take(ctx), out, now_ms)))
    }

    fn item_url(&self, cfg: &Config, ctx: &Ctx) -> String {
        let kind = ctx.kind.map_or("Users", ResourceKind::as_str);
        format!(
            "{}/{kind}/{}",
            cfg.upstream_url,
            http::encode(ctx.id.as_deref().unwrap_or_default())
        )
    }

    fn rmw(
        &mut self,
        ctx: &mut Ctx,
        patch: PatchOp,
        retries: u8,
        resp: &Response,
        now_ms: u64,
    ) -> Result<Step, Response> {
        if resp.status >= 400 {
            return Err(self.client_error(ctx, resp));
        }
        let cfg = self
            .cfg
            .as_ref()
            .map_err(|_| err(500, None, "proxy misconfigured"))?
            .clone();
        let old = Self::body_json(resp, ctx)?;
        let etag = resp.get_header("ETag").map(str::to_string).or_else(|| {
            old.pointer("/meta/version")
                .and_then(Json::as_str)
                .map(str::to_string)
        });
        let rules = self.rules(ctx.kind);
        let opts = eval_opts(now_ms);
        let client_view = rewrite::map_resource(&old, &rules, Dir::ToClient, &opts)
            .map_err(|e| error_response(&e))?;
        let patched = patch
            .apply(&client_view, Schemas::shared_core(), &cfg.client_compat)
            .map_err(|e| error_response(&e))?;
        let new = rewrite::map_resource(&patched, &rules, Dir::ToApp, &opts)
            .map_err(|e| error_response(&e))?;
        let body = crate::scim::diff(&old, &new, DiffShape::Strict, Schemas::shared_core());
        ctx.changed = rewrite::changed_attributes(&body);
        if body
            .get("Operations")
            .and_then(Json::as_array)
            .map_or(true, Vec::is_empty)
        {
            ctx.action = Some("no-op");
            return Ok(self.finish(
                std::mem::take(ctx),
                Response {
                    status: 204,
                    headers: Vec::new(),
                    body: Vec::new(),
                },
                now_ms,
            ));
        }
        let mut headers = vec![
            ("Content-Type".to_string(), SCIM_JSON.to_string()),
            ("Accept".into(), SCIM_JSON.into()),
        ];
        if let Some(e) = etag {
            // RFC 7644 §3.14: only apply if nobody changed the resource since the read.
            headers.push(("If-Match".into(), e));
        }
        let mut url = self.item_url(&cfg, ctx);
        if !ctx.query.is_empty() {
            url = format!("{url}?{}", ctx.query);
        }
        let req = UpstreamRequest {
            method: "PATCH".into(),
            url,
            headers,
            body: Some(serde_json::to_vec(&body).unwrap_or_default()),
            timeout_ms: cfg.timeout_ms,
        };
        Ok(self.send(
            ctx,
            req,
            State::Forward(Expect::Patch {
                retry: Some((patch, retries)),
            }),
            now_ms,
            false,
        ))
    }

    fn adopt(
        &mut self,
        ctx: &mut Ctx,
        body: Json,
        resp: &Response,
        now_ms: u64,
    ) -> Result<Step, Response> {
        if resp.status >= 400 {
            return Err(self.client_error(ctx, resp));
        }
        let list = Self::body_json(resp, ctx)?;
        let found = list
            .get("Resources")
            .and_then(Json::as_array)
            .and_then(|a| a.first())
            .cloned();
        let cfg = self
            .cfg
            .as_ref()
            .map_err(|_| err(500, None, "proxy misconfigured"))?
            .clone();
        if let Some(group) = found {
            ctx.action = Some("adopted");
            ctx.id = group.get("id").and_then(Json::as_str).map(str::to_string);
            let out = self.to_client(ctx, &group, now_ms)?;
            let loc = format!(
                "{}/Groups/{}",
                ctx.client_base,
                http::encode(ctx.id.as_deref().unwrap_or_default())
            );
            return Ok(self.finish(
                std::mem::take(ctx),
                json_response(201, &out, vec![("Location".into(), loc)]),
                now_ms,
            ));
        }
        let req = UpstreamRequest {
            method: "POST".into(),
            url: format!("{}/Groups", cfg.upstream_url),
            headers: vec![
                ("Content-Type".into(), SCIM_JSON.into()),
                ("Accept".into(), SCIM_JSON.into()),
            ],
            body: Some(serde_json::to_vec(&body).unwrap_or_default()),
            timeout_ms: cfg.timeout_ms,
        };
        Ok(self.send(ctx, req, State::Forward(Expect::Resource), now_ms, false))
    }

    /// Discovery answers consistent with the mapping: URLs point at the proxy, renamed
    /// attributes carry the client's names, and the auth scheme is the proxy's own.
    fn discovery(&self, ctx: &Ctx, body: &mut Json) {
        rewrite::rewrite_urls(body, &self.upstream_url(), &ctx.client_base);
        match ctx.kind {
            Some(ResourceKind::ServiceProviderConfig) => {
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
            Some(ResourceKind::Schemas) => {
                let rename = |schema: &mut Json| {
                    let id = schema
                        .get("id")
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_string();
                    let rules = if id.eq_ignore_ascii_case(crate::scim::schema::USER) {
                        self.rules(Some(ResourceKind::Users))
                    } else if id.eq_ignore_ascii_case(crate::scim::schema::GROUP) {
                        self.rules(Some(ResourceKind::Groups))
                    } else {
                        return;
                    };
                    let Some(Json::Array(attrs)) = schema.get_mut("attributes") else {
                        return;
                    };
                    for a in attrs {
                        let Some(name) = a.get("name").and_then(Json::as_str).map(str::to_string)
                        else {
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
                };
                match body.get_mut("Resources") {
                    Some(Json::Array(items)) => items.iter_mut().for_each(rename),
                    _ => rename(body),
                }
            }
            _ => {}
        }
    }

    fn finish(&self, ctx: Ctx, resp: Response, now_ms: u64) -> Step {
        let level = self.cfg.as_ref().map_or(LogLevel::Error, |c| c.log);
        let log = match level {
            LogLevel::Off => None,
            LogLevel::Error if resp.status < 400 => None,
            _ => Some(log_line(&ctx, &resp, now_ms)),
        };
        Step::Respond(resp, log)
    }
}

/// One JSON log line. It names attributes, never values, so `Redact(...)` values and
/// credentials cannot appear in it.
fn log_line(ctx: &Ctx, resp: &Response, now_ms: u64) -> String {
    let mut m = serde_json::Map::new();
    m.insert("requestId".into(), ctx.request_id.clone().into());
    m.insert(
        "tenant".into(),
        ctx.tenant.clone().map_or(Json::Null, Json::String),
    );
    m.insert("method".into(), ctx.method.clone().into());
    m.insert(
        "resourceType".into(),
        ctx.kind.map_or(Json::Null, |k| k.as_str().into()),
    );
    m.insert("id".into(), ctx.id.clone().map_or(Json::Null, Json::String));
    m.insert("status".into(), resp.status.into());
    m.insert(
        "upstreamStatus".into(),
        ctx.upstream_status.map_or(Json::Null, Json::from),
    );
    m.insert("changed".into(), json!(ctx.changed));
    if let Some(a) = ctx.action {
        m.insert("action".into(), a.into());
    }
    if let Some(f) = &ctx.fault {
        m.insert("fault".into(), f.clone().into());
    }
    m.insert(
        "durationMs".into(),
        now_ms.saturating_sub(ctx.start_ms).into(),
    );
    Json::Object(m).to_string()
}

#[cfg(test)]
mod tests;
