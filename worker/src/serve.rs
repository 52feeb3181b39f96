//! One request, from the runtime's `Request` to its `Response`: the tenant's config, the
//! hop into the resource's lock when the request must run alone, then the pipeline's
//! handle → fetch → resume loop. The Worker and [`crate::lock::ResourceLock`] both serve
//! through [`serve`], so a request runs the same code wherever it runs.

use crate::config::{self, with_proxy};
use crate::reply::{log_and_respond, lost};
use crate::{js, lock, shaper, upstream};
use scimmap::proxy::{self, shaping::Admission, Step, Unserved};
use std::cell::Cell;
use std::time::Duration;
use worker::web_sys::{Request, Response};
use worker::{Date, Delay, Env, Result, Url};

/// A request never needs more upstream calls than this (token + read + write + retry).
const MAX_FETCHES: usize = 8;

/// Carries the Worker's request id into the lock, so one request has one id in the log.
pub const REQUEST_ID_HEADER: &str = "scimmap-request-id";

thread_local! {
    static COUNTER: Cell<u64> = const { Cell::new(0) };
}

/// Where a request is being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The stateless Worker, as the client called it.
    Edge,
    /// Inside the resource's lock, forwarded by the Worker.
    InLock,
}

pub fn now_ms() -> u64 {
    Date::now().as_millis()
}

/// The id in the request's log line: Cloudflare's `cf-ray` at the edge (or a local
/// counter), and in the lock the id the Worker passed on (clients cannot reach a Durable
/// Object, so the header is the Worker's own).
fn request_id(headers: &[(String, String)], place: Place) -> String {
    let name = match place {
        Place::InLock => REQUEST_ID_HEADER,
        Place::Edge => "cf-ray",
    };
    let passed = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name));
    passed.map_or_else(
        || {
            let n = COUNTER.with(|c| {
                c.set(c.get() + 1);
                c.get()
            });
            format!("{:x}-{n}", now_ms())
        },
        |(_, v)| v.clone(),
    )
}

pub async fn serve(req: &Request, env: &Env, place: Place) -> Result<Response> {
    let url = Url::parse(&req.url())?;
    let mut headers = js::headers(&req.headers());
    let request_id = request_id(&headers, place);
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(REQUEST_ID_HEADER));
    let mut preq = proxy::Request {
        method: req.method(),
        url: url.to_string(),
        headers,
        body: Vec::new(),
        request_id,
    };
    let tenant = match proxy::target(url.path()) {
        proxy::Target::Scim(rt) => rt.tenant,
        proxy::Target::Health { tenant } => tenant,
        proxy::Target::Consent { tenant, callback } => {
            preq.body = js::body(req).await.unwrap_or_default();
            return crate::grants::consent(env, preq, tenant.as_deref(), callback).await;
        }
        proxy::Target::Other => {
            if let Some(r) = playground(&url, env).await {
                return r;
            }
            return unserved(&preq, Unserved::NotFound);
        }
    };
    let key = match config::load(env, tenant.as_deref()).await {
        Ok(key) => key,
        Err(why) => return unserved(&preq, why),
    };
    preq.body = js::body(req).await.unwrap_or_default();
    if place == Place::Edge {
        if let Some(serial) = with_proxy(&key, |p| p.serial_key(&preq)).flatten() {
            if let Some(answer) = lock::forward(env, &key, &serial, &preq).await {
                return answer;
            }
        }
    }
    run(env, &key, preq).await
}

fn unserved(preq: &proxy::Request, why: Unserved) -> Result<Response> {
    log_and_respond(proxy::unserved(preq, why, now_ms()))
}

/// The pipeline's loop: each upstream call booked with the tenant's shaper (when it has
/// a rate limit), sent, and its outcome handed back, until the pipeline answers.
async fn run(env: &Env, key: &str, preq: proxy::Request) -> Result<Response> {
    crate::grants::hand_in(env, key).await;
    let Some(mut step) = with_proxy(key, |p| p.handle(preq, now_ms())) else {
        return lost();
    };
    for _ in 0..MAX_FETCHES {
        let Step::Fetch(up, pending) = step else {
            return log_and_respond(step);
        };
        match shaper::admission(env, key, &up.url).await {
            Admission::Wait { ms } => {
                if ms > 0 {
                    Delay::from(Duration::from_millis(ms)).await;
                }
            }
            Admission::Refuse { retry_after_s } => {
                let Some(end) = with_proxy(key, |p| p.throttled(pending, retry_after_s, now_ms()))
                else {
                    return lost();
                };
                return log_and_respond(end);
            }
        }
        let outcome = upstream::send(up).await;
        match with_proxy(key, |p| p.resume(pending, outcome, now_ms())) {
            Some(next) => step = next,
            None => return lost(),
        }
    }
    crate::reply::scim_error(502, "the proxy gave up after too many upstream calls")
}

/// Not SCIM: the playground's static assets under /playground, when deployed with them
/// (`[assets]` in wrangler.toml); without them the proxy still works.
async fn playground(url: &Url, env: &Env) -> Option<Result<Response>> {
    let rest = url
        .path()
        .strip_prefix("/playground")
        .filter(|r| r.is_empty() || r.starts_with('/'))?;
    let assets = env.assets("ASSETS").ok()?;
    let mut u = url.clone();
    let answer = if rest.is_empty() {
        // The page uses relative URLs, so it must be addressed as a folder.
        u.set_path("/playground/");
        worker::Response::redirect(u)
    } else {
        u.set_path(rest);
        assets.fetch(u.to_string(), None).await
    };
    Some(answer.map(Into::into))
}
