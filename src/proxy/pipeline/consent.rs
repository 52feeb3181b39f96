//! The admin's consent to the app (`upstream.auth.type` `authorizationCode`, RFC 6749
//! §4.1): the start (the consent secret checked, the browser sent to the app's authorize
//! endpoint) and the callback (the code exchanged for a grant). The runtime keeps the
//! consent in progress and the grant; each answer here carries its log line.

use super::answer::{err, refuse, Stop};
use super::{Ctx, Proxy, Step};
use crate::proxy::http::{self, FetchOutcome, Request, Response, UpstreamRequest};
use crate::proxy::oauth::{self, Consent, Grant};
use serde_json::json;

/// What the runtime does after a consent callback.
#[derive(Debug)]
pub enum Callback {
    /// Send this code exchange to the app's token endpoint, then call
    /// [`Proxy::consent_done`] with the outcome.
    Exchange(UpstreamRequest),
    /// Answer this (a refused callback).
    Respond(Step),
}

fn ctx_for(req: &Request, now_ms: u64) -> Ctx {
    Ctx {
        request_id: req.request_id.clone(),
        method: req.method.clone(),
        start_ms: now_ms,
        tenant: crate::proxy::tenant_of(http::split_url(&req.url).1),
        ..Ctx::default()
    }
}

/// `{origin}/t/{tenant}/oauth/callback` for the request's tenant.
fn redirect_uri(req: &Request) -> String {
    let (origin, path, _) = http::split_url(&req.url);
    let base = path.strip_suffix("/oauth/start").unwrap_or(path);
    format!("{origin}{base}/oauth/callback")
}

fn page(status: u16, text: &str) -> Response {
    Response {
        status,
        headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        body: text.as_bytes().to_vec(),
    }
}

impl Proxy {
    fn consent_refused(&self, mut ctx: Ctx, stop: Stop, now_ms: u64) -> Step {
        ctx.reason = stop.reason;
        self.finish(ctx, stop.resp, now_ms)
    }

    /// `GET …/oauth/start` with `Authorization: Bearer <consentSecret>`: 302 to the app's
    /// authorize endpoint, and the consent the runtime must keep for the callback.
    /// `random`: 64 bytes from a CSPRNG.
    pub fn consent_start(
        &self,
        req: &Request,
        random: &[u8; 64],
        now_ms: u64,
    ) -> (Step, Option<Consent>) {
        let mut ctx = ctx_for(req, now_ms);
        ctx.action = Some("consent-start");
        let Some(auth) = self.authorization_code() else {
            let stop = refuse(
                "no-consent",
                404,
                None,
                "this tenant's app is not reached by consent (`upstream.auth.type` is not `authorizationCode`)",
            );
            return (self.consent_refused(ctx, stop, now_ms), None);
        };
        let presented = req
            .get_header("Authorization")
            .and_then(|h| h.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map_or("", |(_, t)| t.trim());
        let ok = !presented.is_empty()
            && crate::proxy::config::constant_time_eq(
                auth.consent_secret.as_bytes(),
                presented.as_bytes(),
            );
        if !ok {
            let mut stop = refuse(
                "unauthenticated",
                401,
                None,
                "starting a consent needs the tenant's consent secret as a bearer token",
            );
            stop.resp
                .headers
                .push(("WWW-Authenticate".into(), "Bearer realm=\"scimmap\"".into()));
            return (self.consent_refused(ctx, stop, now_ms), None);
        }
        let (url, consent) = oauth::start(auth, &redirect_uri(req), random, now_ms);
        let body = json!({"authorizeUrl": url});
        let resp = Response {
            status: 302,
            headers: vec![
                ("Location".into(), url),
                ("Content-Type".into(), "application/json".into()),
                ("Cache-Control".into(), "no-store".into()),
            ],
            body: serde_json::to_vec(&body).unwrap_or_default(),
        };
        (self.finish(ctx, resp, now_ms), Some(consent))
    }

    /// `GET …/oauth/callback?code=…&state=…`: the code exchange, once the state matches
    /// the consent in progress.
    pub fn consent_callback(
        &self,
        req: &Request,
        pending: Option<&Consent>,
        now_ms: u64,
    ) -> Callback {
        let mut ctx = ctx_for(req, now_ms);
        ctx.action = Some("consent-callback");
        let (Some(auth), Ok(cfg)) = (self.authorization_code(), self.cfg.as_ref()) else {
            let stop = refuse(
                "no-consent",
                404,
                None,
                "this tenant's app is not reached by consent",
            );
            return Callback::Respond(self.consent_refused(ctx, stop, now_ms));
        };
        let query = http::split_url(&req.url).2.unwrap_or("");
        match (oauth::callback_code(query, pending, now_ms), pending) {
            (Ok(code), Some(consent)) => {
                Callback::Exchange(oauth::code_request(auth, &code, consent, cfg.timeout_ms))
            }
            (Err(e), _) => {
                let stop = Stop {
                    resp: page(400, &format!("Consent not recorded: {e}.")),
                    reason: Some("consent-refused"),
                };
                Callback::Respond(self.consent_refused(ctx, stop, now_ms))
            }
            (Ok(_), None) => {
                let stop = Stop {
                    resp: page(400, "Consent not recorded: no consent is in progress."),
                    reason: Some("consent-refused"),
                };
                Callback::Respond(self.consent_refused(ctx, stop, now_ms))
            }
        }
    }

    /// The token endpoint's answer to the code exchange: the grant to keep, and the page
    /// for the admin (never a token).
    pub fn consent_done(
        &mut self,
        req: &Request,
        outcome: FetchOutcome,
        now_ms: u64,
    ) -> (Step, Option<Grant>) {
        let mut ctx = ctx_for(req, now_ms);
        ctx.action = Some("consent-callback");
        let grant = match outcome {
            FetchOutcome::Response(r) => {
                ctx.upstream_status = Some(r.status);
                oauth::grant_from(&r, now_ms, None)
            }
            FetchOutcome::Timeout => Err("token endpoint did not answer in time".into()),
            FetchOutcome::Unreachable(why) => Err(format!("token endpoint unreachable: {why}")),
        };
        match grant {
            Ok(g) => {
                self.use_grant(Some(&g));
                let resp = page(200, "Consent recorded: the proxy can now call the app.");
                (self.finish(ctx, resp, now_ms), Some(g))
            }
            Err(why) => {
                ctx.fault = Some(why);
                ctx.reason = Some("consent-exchange-failed");
                let resp = err(
                    502,
                    None,
                    "the app did not grant access for this consent; start it again",
                );
                (self.finish(ctx, resp, now_ms), None)
            }
        }
    }
}
