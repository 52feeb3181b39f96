//! One JSON log line per request. It names attributes, never values, so `Redact(...)`
//! values and credentials cannot appear in it.

use super::Ctx;
use crate::proxy::config::CredentialExpiry;
use crate::proxy::http::Response;
use serde_json::{json, Map, Value as Json};

fn opt<T: Into<Json>>(v: Option<T>) -> Json {
    v.map_or(Json::Null, Into::into)
}

/// `expiry`: the app credential's configured expiry, so every line warns ahead of it.
pub(super) fn line(
    ctx: &Ctx,
    resp: &Response,
    now_ms: u64,
    expiry: Option<&CredentialExpiry>,
) -> String {
    let mut m = Map::new();
    m.insert("requestId".into(), ctx.request_id.clone().into());
    m.insert("tenant".into(), opt(ctx.tenant.clone()));
    m.insert("method".into(), ctx.method.clone().into());
    m.insert("resourceType".into(), opt(ctx.kind.map(|k| k.as_str())));
    m.insert("id".into(), opt(ctx.id.clone()));
    m.insert("status".into(), resp.status.into());
    m.insert("upstreamStatus".into(), opt(ctx.upstream_status));
    if let Some(t) = &ctx.upstream_scim_type {
        m.insert("upstreamScimType".into(), t.clone().into());
    }
    m.insert("changed".into(), json!(ctx.changed));
    if !ctx.ignored.is_empty() {
        let ignored: Vec<Json> = ctx
            .ignored
            .iter()
            .map(|a| json!({"attribute": a, "reason": "computed"}))
            .collect();
        m.insert("ignored".into(), Json::Array(ignored));
    }
    if !ctx.drift.is_empty() {
        m.insert("drift".into(), json!(ctx.drift));
        m.insert("driftCount".into(), ctx.drift.len().into());
    }
    if let Some(a) = ctx.action {
        m.insert("action".into(), a.into());
    }
    if let Some(r) = ctx.reason {
        m.insert("reason".into(), r.into());
    }
    if let Some(f) = &ctx.fault {
        m.insert("fault".into(), f.clone().into());
    }
    if let Some(e) = expiry {
        super::credential::log_fields(e, now_ms, &mut m);
    }
    m.insert(
        "durationMs".into(),
        now_ms.saturating_sub(ctx.start_ms).into(),
    );
    Json::Object(m).to_string()
}
