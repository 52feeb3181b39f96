//! Responses out of the shell: the pipeline's, with their log line, and the few the shell
//! makes itself, as the runtime's own `Response` (the Worker returns it as it is).

use scimmap::proxy::{self, Step};
use worker::web_sys::Response;
use worker::{console_log, Result};

/// Sends the pipeline's answer and logs its line.
pub fn log_and_respond(step: Step) -> Result<Response> {
    match step {
        Step::Respond(r, line) => {
            if let Some(line) = line {
                console_log!("{line}");
            }
            respond(r)
        }
        Step::Fetch(..) => scim_error(502, "the proxy gave up after too many upstream calls"),
    }
}

/// An RFC 7644 §3.12 error made by the shell itself (the pipeline makes all others).
pub fn scim_error(status: u16, detail: &str) -> Result<Response> {
    respond(error_response(status, detail))
}

/// 503 with `Retry-After: 1` (RFC 9110 §10.2.3): a coordination object did not answer;
/// the request did not reach the app through it and may be sent again.
pub fn unavailable(detail: &str) -> Result<Response> {
    let mut r = error_response(503, detail);
    r.headers.push(("Retry-After".into(), "1".into()));
    respond(r)
}

/// The pipeline lost the tenant's pipeline between two steps (cannot happen while the
/// isolate lives; answered rather than assumed).
pub fn lost() -> Result<Response> {
    scim_error(500, "the proxy lost its configuration mid-request")
}

fn error_response(status: u16, detail: &str) -> proxy::Response {
    let e = scimmap::scim::ScimError {
        status,
        scim_type: None,
        detail: detail.into(),
    };
    proxy::Response {
        status,
        headers: vec![("Content-Type".into(), "application/scim+json".into())],
        body: e.to_json().to_string().into_bytes(),
    }
}

fn respond(r: proxy::Response) -> Result<Response> {
    crate::js::response(&r)
}
