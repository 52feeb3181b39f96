//! The request state machine: [`Proxy::handle`] → [`Step`] → [`Proxy::resume`] → … →
//! [`Step::Respond`].
//!
//! A request passes through named stages, each in its own module:
//! authenticate → route → read body ([`inbound`]) → per-method handling ([`methods`]) →
//! the upstream calls ([`upstream`]) → the answer mapped back ([`outbound`]) → respond
//! (here: [`Proxy::finish`] and the log line in [`log`]).

mod answer;
mod capabilities;
mod consent;
mod coordination;
mod credential;
mod drift;
mod inbound;
mod links;
mod log;
mod methods;
mod outbound;
mod recovery;
mod upstream;

use crate::entra::EvalOptions;
use crate::proxy::config::{Config, ConfigError, LogLevel};
use crate::proxy::http::{FetchOutcome, Request, Response, UpstreamRequest};
use crate::proxy::ResourceKind;
use crate::scim::PatchOp;
use answer::Stop;
pub use consent::Callback;
use serde_json::Value as Json;
use std::sync::Arc;

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

/// What one request has learnt so far; most of it ends up in the log line.
#[derive(Debug, Clone, Default)]
struct Ctx {
    request_id: String,
    tenant: Option<String>,
    method: String,
    kind: Option<ResourceKind>,
    id: Option<String>,
    start_ms: u64,
    /// Attribute names the request changes (app names once translated).
    changed: Vec<String>,
    /// Client attributes the proxy did not pass on (computed by a transform).
    ignored: Vec<String>,
    /// Client attributes the app did not store as sent.
    drift: Vec<String>,
    upstream_status: Option<u16>,
    upstream_scim_type: Option<String>,
    action: Option<&'static str>,
    fault: Option<String>,
    /// Why the proxy itself refused the request (a stable code, never a value).
    reason: Option<&'static str>,
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
    AdoptLookup { app: Json, asked: Json },
    /// A create whose outcome is unknown (answer lost, or 409 on a retry): looked the
    /// resource up by its matching attribute; `fallback` is the answer when not found.
    CreateLookup {
        asked: Json,
        fallback: Response,
        upstream_status: Option<u16>,
    },
}

#[derive(Debug)]
enum Expect {
    List,
    Resource,
    /// POST or PUT: the client's body, to compare with what the app stored.
    Written {
        asked: Json,
    },
    /// PATCH; `retries` is `Some` on the final write of read-modify-write.
    Patch {
        patch: PatchOp,
        retries: Option<u8>,
    },
    Delete,
    Discovery,
}

/// One proxy deployment (one config): holds the cached OAuth token between requests.
#[derive(Debug)]
pub struct Proxy {
    /// Shared, so a request holds the config while the pipeline borrows the proxy mutably
    /// (for the OAuth token) without copying its compiled rules every time.
    cfg: Result<Arc<Config>, ConfigError>,
    token: Option<(String, u64)>,
    /// For a config that does not load: the inbound tokens it names, read leniently, so
    /// its own admins (and nobody else) are told what is wrong.
    admin_tokens: Vec<String>,
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
    /// A proxy for a config; an invalid config answers every request with a 500 (the
    /// detail only to a caller holding one of its inbound tokens) and logs the problem,
    /// instead of failing to start.
    pub fn new(cfg: Result<Config, ConfigError>) -> Proxy {
        Proxy {
            cfg: cfg.map(Arc::new),
            token: None,
            admin_tokens: Vec::new(),
        }
    }

    /// A proxy for config text; `secret` looks up a secret by name. When the config does
    /// not load, the inbound tokens it names still let their holders read the problem.
    pub fn from_config_text(text: &str, secret: &dyn Fn(&str) -> Option<String>) -> Proxy {
        let cfg = Config::from_json_text(text, secret);
        let admin_tokens = match &cfg {
            Ok(_) => Vec::new(),
            Err(_) => inbound::named_tokens(text, secret),
        };
        Proxy {
            cfg: cfg.map(Arc::new),
            token: None,
            admin_tokens,
        }
    }

    /// The config, if valid.
    pub fn config(&self) -> Result<&Config, &ConfigError> {
        self.cfg.as_deref()
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
            Err(stop) => self.stop(ctx, stop, now_ms),
        }
    }

    fn start(&mut self, ctx: &mut Ctx, req: &Request, now_ms: u64) -> Result<Step, Stop> {
        let rest = match inbound::locate(ctx, req)? {
            inbound::Located::Health => return Ok(self.health(ctx, req, now_ms)),
            inbound::Located::Scim(rest) => rest,
        };
        let cfg = Arc::clone(self.authenticate(ctx, req)?);
        let call = inbound::route(ctx, &cfg, req, &rest)?;
        let body = inbound::read_body(&cfg, req, &call)?;
        self.dispatch(ctx, &cfg, call, body, now_ms)
    }

    /// Ends a request with a response the proxy made itself.
    fn stop(&self, mut ctx: Ctx, stop: Stop, now_ms: u64) -> Step {
        ctx.reason = ctx.reason.or(stop.reason);
        self.finish(ctx, stop.resp, now_ms)
    }

    /// Continues a request with the outcome of its upstream fetch.
    pub fn resume(&mut self, pending: Pending, outcome: FetchOutcome, now_ms: u64) -> Step {
        let Pending { ctx, state } = pending;
        let (mut ctx, state) = (*ctx, *state);
        match self.received(&mut ctx, state, outcome, now_ms) {
            Ok(step) => step,
            Err(stop) => self.stop(ctx, stop, now_ms),
        }
    }

    fn finish(&self, ctx: Ctx, resp: Response, now_ms: u64) -> Step {
        let level = self.cfg.as_ref().map_or(LogLevel::Error, |c| c.log);
        let line = match level {
            LogLevel::Off => None,
            LogLevel::Error if resp.status < 400 => None,
            _ => {
                let expiry = self
                    .cfg
                    .as_ref()
                    .ok()
                    .and_then(|c| c.credential_expiry.as_ref());
                Some(log::line(&ctx, &resp, now_ms, expiry))
            }
        };
        Step::Respond(resp, line)
    }
}

/// Why the runtime answers without a config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unserved {
    /// The path is not one of this proxy's (neither SCIM, health nor the playground).
    NotFound,
    /// `/t/{tenant}/…` names a tenant without a config.
    UnknownTenant,
    /// The tenant store could not be read; worth retrying.
    StoreUnavailable,
}

/// The answer, as an RFC 7644 §3.12 error with its log line, to a request the runtime
/// cannot hand to a [`Proxy`].
pub fn unserved(req: &Request, why: Unserved, now_ms: u64) -> Step {
    let ctx = Ctx {
        request_id: req.request_id.clone(),
        method: req.method.clone(),
        start_ms: now_ms,
        tenant: crate::proxy::tenant_of(crate::proxy::http::split_url(&req.url).1),
        ..Ctx::default()
    };
    let stop = match why {
        Unserved::NotFound => answer::refuse(
            "unknown-path",
            404,
            None,
            "not an endpoint of this proxy (expected /scim/v2/…, /t/{tenant}/scim/v2/… or /health)",
        ),
        Unserved::UnknownTenant => answer::refuse("unknown-tenant", 404, None, "unknown tenant"),
        Unserved::StoreUnavailable => Stop {
            resp: answer::retry_later(503, "the proxy's configuration store is unavailable"),
            reason: Some("config-store-unavailable"),
        },
    };
    let mut ctx = ctx;
    ctx.reason = stop.reason;
    let line = log::line(&ctx, &stop.resp, now_ms, None);
    Step::Respond(stop.resp, Some(line))
}

#[cfg(test)]
mod tests;
