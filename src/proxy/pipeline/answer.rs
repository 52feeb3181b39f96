//! Responses the proxy makes itself: every error is an RFC 7644 §3.12 body.

use crate::proxy::http::Response;
use crate::scim::{ScimError, ScimType};
use serde_json::Value as Json;

pub(super) const SCIM_JSON: &str = "application/scim+json";
/// Seconds a client should wait after a fault (RFC 9110 §10.2.3); Entra retries anyway.
pub(super) const RETRY_AFTER: &str = "30";
/// After a lost race on one resource (412), the next attempt can come at once.
pub(super) const RETRY_AFTER_CONFLICT: &str = "1";

/// A response that ends the request early, with the reason code for the log when the
/// proxy itself refused.
#[derive(Debug)]
pub(super) struct Stop {
    pub(super) resp: Response,
    pub(super) reason: Option<&'static str>,
}

impl From<Response> for Stop {
    fn from(resp: Response) -> Stop {
        Stop { resp, reason: None }
    }
}

/// A refusal by the proxy: `reason` is a stable code for the log (never a value).
pub(super) fn refuse(
    reason: &'static str,
    status: u16,
    scim_type: Option<ScimType>,
    detail: impl Into<String>,
) -> Stop {
    Stop {
        resp: err(status, scim_type, detail),
        reason: Some(reason),
    }
}

/// A library error (bad filter, bad PatchOp, failed transform) as a refusal.
pub(super) fn refuse_scim(reason: &'static str, e: &ScimError) -> Stop {
    Stop {
        resp: error_response(e),
        reason: Some(reason),
    }
}

pub(super) fn error_response(e: &ScimError) -> Response {
    json_response(e.status, &e.to_json(), Vec::new())
}

pub(super) fn err(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Response {
    error_response(&ScimError {
        status,
        scim_type,
        detail: detail.into(),
    })
}

pub(super) fn json_response(
    status: u16,
    body: &Json,
    mut headers: Vec<(String, String)>,
) -> Response {
    headers.push(("Content-Type".into(), SCIM_JSON.into()));
    Response {
        status,
        headers,
        body: serde_json::to_vec(body).unwrap_or_default(),
    }
}

pub(super) fn no_content(headers: Vec<(String, String)>) -> Response {
    Response {
        status: 204,
        headers,
        body: Vec::new(),
    }
}

/// A fault on the app's side (502/504), which the client may retry.
pub(super) fn fault(status: u16, detail: &str) -> Response {
    retry_later(status, detail)
}

/// An error the client should retry, with `Retry-After` (RFC 9110 §10.2.3).
pub(super) fn retry_later(status: u16, detail: &str) -> Response {
    let mut r = err(status, None, detail);
    let wait = if status == 412 {
        RETRY_AFTER_CONFLICT
    } else {
        RETRY_AFTER
    };
    r.headers.push(("Retry-After".into(), wait.into()));
    r
}

/// Sets `Retry-After`, replacing any already there.
pub(super) fn set_retry_after(r: &mut Response, value: &str) {
    r.headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case("Retry-After"));
    r.headers.push(("Retry-After".into(), value.to_string()));
}
