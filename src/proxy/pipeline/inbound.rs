//! The stages before anything reaches the app: locate (tenant and endpoint),
//! authenticate, route (resource type, id, query), read the body.

use super::answer::{refuse, Stop};
use super::{Ctx, Proxy};
use crate::proxy::config::{constant_time_eq, Config};
use crate::proxy::http::{self, Request};
use crate::proxy::{target, ResourceKind, Target};
use crate::scim::ScimType;
use serde_json::Value as Json;
use std::sync::Arc;

/// Where a request points once its tenant is known.
pub(super) enum Located {
    /// `/health` or `/t/{tenant}/health`.
    Health,
    /// A SCIM path below `/scim/v2` (the rest, starting with `/` or empty).
    Scim(String),
}

pub(super) fn locate(ctx: &mut Ctx, req: &Request) -> Result<Located, Stop> {
    let (origin, path, _) = http::split_url(&req.url);
    match target(path) {
        Target::Scim(rt) => {
            ctx.tenant = rt.tenant;
            ctx.client_base = format!("{origin}{}", rt.prefix);
            Ok(Located::Scim(rt.rest))
        }
        Target::Health { tenant } => {
            ctx.tenant = tenant;
            Ok(Located::Health)
        }
        // The consent round-trip has its own entry points (`Proxy::consent_start`, …),
        // because the runtime must keep what it produces.
        Target::Consent { .. } => Err(refuse(
            "unknown-path",
            404,
            None,
            "the consent endpoints are served by the runtime, not as SCIM",
        )),
        Target::Other => Err(refuse(
            "unknown-path",
            404,
            None,
            "not a SCIM endpoint of this proxy (expected /scim/v2/… or /t/{tenant}/scim/v2/…)",
        )),
    }
}

/// The RFC 6750 §2.1 bearer token of a request, or "".
fn bearer(req: &Request) -> &str {
    req.get_header("Authorization")
        .and_then(|h| {
            let (scheme, tok) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| tok.trim())
        })
        .unwrap_or("")
}

/// Every accepted token is compared in full, so timing does not tell which one is close.
fn accepted(tokens: &[String], presented: &str) -> bool {
    !presented.is_empty()
        && tokens.iter().fold(false, |acc, t| {
            acc | constant_time_eq(t.as_bytes(), presented.as_bytes())
        })
}

/// The inbound tokens a config names, read without validating the rest, so the holders
/// of a broken config's tokens can be told what is wrong with it.
pub(super) fn named_tokens(text: &str, secret: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let Ok(json) = serde_json::from_str::<Json>(text) else {
        return Vec::new();
    };
    json.pointer("/inbound/tokens")
        .and_then(Json::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Json::as_str)
                .filter_map(secret)
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

impl Proxy {
    /// Whether the caller holds one of the config's inbound tokens (for a config that
    /// does not load: one of the tokens it names).
    pub(super) fn caller_is_admin(&self, req: &Request) -> bool {
        let tokens = match &self.cfg {
            Ok(c) => &c.inbound_tokens,
            Err(_) => &self.admin_tokens,
        };
        accepted(tokens, bearer(req))
    }

    pub(super) fn authenticate(&self, ctx: &mut Ctx, req: &Request) -> Result<&Arc<Config>, Stop> {
        let admin = self.caller_is_admin(req);
        match &self.cfg {
            Ok(cfg) if admin => Ok(cfg),
            Ok(_) => {
                let mut stop = refuse(
                    "unauthenticated",
                    401,
                    None,
                    "missing or invalid bearer token",
                );
                stop.resp
                    .headers
                    .push(("WWW-Authenticate".into(), "Bearer realm=\"scimmap\"".into()));
                Err(stop)
            }
            Err(e) => {
                ctx.fault = Some(e.to_string());
                // Nothing about the config to a caller who cannot prove it is its admin.
                let detail = if admin {
                    format!("proxy misconfigured: {e}")
                } else {
                    "the proxy is misconfigured; its log names the problem".into()
                };
                Err(refuse("misconfigured", 500, None, detail))
            }
        }
    }
}

/// A routed SCIM call.
#[derive(Debug)]
pub(super) struct Call {
    /// `None` for a search across resource types (`POST /.search`).
    pub(super) kind: Option<ResourceKind>,
    /// The resource id, percent-decoded and checked safe to put in the app's URL.
    pub(super) id: Option<String>,
    /// Upper case.
    pub(super) method: String,
    /// The query, decoded, without the proxy's and Entra's own flags.
    pub(super) query: Vec<(String, String)>,
}

impl Call {
    pub(super) fn is_resource(&self) -> bool {
        matches!(self.kind, Some(ResourceKind::Users | ResourceKind::Groups))
    }
}

pub(super) fn route(ctx: &mut Ctx, cfg: &Config, req: &Request, rest: &str) -> Result<Call, Stop> {
    if req.body.len() > cfg.max_body_bytes {
        return Err(refuse(
            "body-too-large",
            413,
            None,
            format!("request body larger than {} bytes", cfg.max_body_bytes),
        ));
    }
    let (_, _, query) = http::split_url(&req.url);
    let mut query = http::parse_query(query.unwrap_or(""));
    let flag = |v: &str| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes");
    ctx.dry_run = req.get_header("X-Scimmap-Dry-Run").is_some_and(flag)
        || query.iter().any(|(k, v)| k == "dryRun" && flag(v));
    // Entra's Tenant URL feature flags (spec §4.3) and ours are not the app's business.
    query.retain(|(k, _)| {
        !(k == "dryRun"
            || k.eq_ignore_ascii_case("aadOptscim062020")
            || k.eq_ignore_ascii_case("AzureAdScimPatch2017"))
    });
    let method = req.method.to_ascii_uppercase();
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let kind = endpoint(&segs, &method, cfg)?;
    ctx.kind = kind;
    if segs.len() > 2 {
        return Err(refuse("unknown-path", 404, None, "path too deep"));
    }
    let id = match segs.get(1) {
        Some(raw) => Some(safe_id(raw)?),
        None => None,
    };
    ctx.id.clone_from(&id);
    let call = Call {
        kind,
        id,
        method,
        query,
    };
    if let Some(k) = kind {
        if !call.is_resource() && call.method != "GET" {
            // RFC 7644 §4: discovery endpoints are read-only; answered before any body
            // parsing so the status is 405 whatever the body.
            let mut stop = refuse(
                "method-not-allowed",
                405,
                None,
                format!("{} is not allowed on /{}", call.method, k.as_str()),
            );
            stop.resp.headers.push(("Allow".into(), "GET".into()));
            return Err(stop);
        }
    }
    Ok(call)
}

/// The endpoint named by the first segment; `None` is a search across resource types.
fn endpoint(segs: &[&str], method: &str, cfg: &Config) -> Result<Option<ResourceKind>, Stop> {
    match segs.first() {
        None => Err(refuse(
            "unknown-path",
            404,
            None,
            "no resource type in the path",
        )),
        // RFC 7644 §3.4.3 search across resource types: one filter cannot be translated
        // into two vocabularies, so only without renames/transforms.
        Some(&".search")
            if segs.len() == 1
                && method == "POST"
                && cfg.users.is_identity()
                && cfg.groups.is_identity() =>
        {
            Ok(None)
        }
        Some(s)
            if s.eq_ignore_ascii_case("Bulk")
                || s.eq_ignore_ascii_case("Me")
                || s.starts_with(".search") =>
        {
            Err(refuse(
                "unsupported-endpoint",
                501,
                None,
                format!("/{s} is not supported by this proxy"),
            ))
        }
        Some(s) => ResourceKind::parse(s)
            .map(Some)
            .ok_or_else(|| refuse("unknown-path", 404, None, format!("unknown endpoint /{s}"))),
    }
}

/// A resource id from the URL, percent-decoded. An id that could address something else
/// once it is put in the app's URL (`/`, `\`, `.`/`..` segments, in any encoding) cannot
/// name a resource: 404, and the app is never asked.
fn safe_id(raw: &str) -> Result<String, Stop> {
    let id = http::decode(raw);
    // Decoded twice to catch `%252f`: an app (or a path normaliser in front of it) that
    // decodes once more would otherwise see the separator.
    let twice = http::decode(&id);
    let unsafe_text = |s: &str| {
        s.contains(['/', '\\', '?', '#'])
            || s.contains("..")
            || s == "."
            || s.chars().any(char::is_control)
    };
    if id.is_empty() || unsafe_text(&id) || unsafe_text(&twice) {
        return Err(refuse(
            "unsafe-id",
            404,
            None,
            "no resource has this id: ids never contain `/`, `\\` or `..`",
        ));
    }
    Ok(id)
}

pub(super) fn read_body(cfg: &Config, req: &Request, call: &Call) -> Result<Option<Json>, Stop> {
    if !matches!(call.method.as_str(), "POST" | "PUT" | "PATCH") {
        return Ok(None);
    }
    if depth_exceeds(&req.body, cfg.max_depth) {
        return Err(refuse(
            "invalid-body",
            400,
            Some(ScimType::InvalidSyntax),
            format!("body nested deeper than {}", cfg.max_depth),
        ));
    }
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let v: Json = serde_json::from_slice(&req.body).map_err(|e| {
        refuse(
            "invalid-body",
            400,
            Some(ScimType::InvalidSyntax),
            format!("body is not JSON: {e}"),
        )
    })?;
    if !v.is_object() {
        return Err(refuse(
            "invalid-body",
            400,
            Some(ScimType::InvalidSyntax),
            "body must be a JSON object",
        ));
    }
    Ok(Some(v))
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
