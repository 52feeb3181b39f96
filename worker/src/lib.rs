#![cfg(target_arch = "wasm32")]
//! Cloudflare Worker shell around `scimmap::proxy`: config from the environment, the
//! request into the pipeline, upstream fetches with a timeout, the response out. Every
//! decision lives in the pipeline, which is tested natively.

use futures_util::future::{select, Either};
use scimmap::proxy::{self, ConfigError, FetchOutcome, Proxy, Step, Unserved, UpstreamRequest};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;
use worker::*;

/// A request never needs more upstream calls than this (token + read + write + retry).
const MAX_FETCHES: usize = 8;

thread_local! {
    /// One pipeline per config text (per tenant): keeps the OAuth token cache warm
    /// across requests served by this isolate.
    static PROXIES: RefCell<HashMap<String, (String, Proxy)>> = RefCell::new(HashMap::new());
    static COUNTER: Cell<u64> = const { Cell::new(0) };
}

fn now_ms() -> u64 {
    Date::now().as_millis()
}

fn with_proxy<T>(key: &str, f: impl FnOnce(&mut Proxy) -> T) -> Option<T> {
    PROXIES.with(|m| m.borrow_mut().get_mut(key).map(|(_, p)| f(p)))
}

fn secret(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
}

/// Where a tenant's config comes from, and what went wrong reading it.
enum ConfigText {
    Found(String),
    /// The tenant has no config (404, not a configuration fault).
    UnknownTenant,
    /// The single-app variable is missing: the deployment itself is incomplete.
    Missing(&'static str),
    /// The tenant store could not be read (503, worth retrying).
    StoreUnavailable(String),
}

async fn config_text(env: &Env, tenant: Option<&str>) -> ConfigText {
    match tenant {
        None => match env.var("SCIMMAP_CONFIG") {
            Ok(v) => ConfigText::Found(v.to_string()),
            Err(_) => ConfigText::Missing("the SCIMMAP_CONFIG variable is not set"),
        },
        Some(t) => {
            let Ok(kv) = env.kv("SCIMMAP_TENANTS") else {
                return ConfigText::Missing("no SCIMMAP_TENANTS KV namespace is bound");
            };
            match kv.get(&format!("tenant:{t}")).text().await {
                Ok(Some(text)) => ConfigText::Found(text),
                Ok(None) => ConfigText::UnknownTenant,
                Err(e) => ConfigText::StoreUnavailable(format!("KV read failed: {e}")),
            }
        }
    }
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
    Some(if rest.is_empty() {
        // The page uses relative URLs, so it must be addressed as a folder.
        u.set_path("/playground/");
        Response::redirect(u)
    } else {
        u.set_path(rest);
        assets.fetch(u.to_string(), None).await
    })
}

fn log_and_respond(step: Step) -> Result<Response> {
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

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let url = req.url()?;
    let n = COUNTER.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let request_id = req
        .headers()
        .get("cf-ray")?
        .unwrap_or_else(|| format!("{:x}-{n}", now_ms()));
    let mut preq = proxy::Request {
        method: req.method().to_string(),
        url: url.to_string(),
        headers: req.headers().entries().collect(),
        body: Vec::new(),
        request_id,
    };
    let tenant = match proxy::target(url.path()) {
        proxy::Target::Scim(rt) => rt.tenant,
        proxy::Target::Health { tenant } => tenant,
        proxy::Target::Other | proxy::Target::Consent { .. } => {
            if let Some(r) = playground(&url, &env).await {
                return r;
            }
            return log_and_respond(proxy::unserved(&preq, Unserved::NotFound, now_ms()));
        }
    };
    let key = tenant.clone().unwrap_or_default();
    let text = match config_text(&env, tenant.as_deref()).await {
        ConfigText::Found(t) => Ok(t),
        ConfigText::UnknownTenant => {
            return log_and_respond(proxy::unserved(&preq, Unserved::UnknownTenant, now_ms()))
        }
        ConfigText::StoreUnavailable(e) => {
            console_error!("{e}");
            return log_and_respond(proxy::unserved(&preq, Unserved::StoreUnavailable, now_ms()));
        }
        ConfigText::Missing(e) => Err(e),
    };
    let current = PROXIES.with(|m| {
        m.borrow()
            .get(&key)
            .map(|(t, _)| text.as_deref() == Ok(t.as_str()))
    });
    if current != Some(true) {
        let proxy = match &text {
            Ok(t) => Proxy::from_config_text(t, &|n| secret(&env, n)),
            Err(e) => Proxy::new(Err(ConfigError((*e).to_string()))),
        };
        let t = text.unwrap_or_default();
        PROXIES.with(|m| m.borrow_mut().insert(key.clone(), (t, proxy)));
    }

    preq.body = req.bytes().await.unwrap_or_default();
    let Some(mut step) = with_proxy(&key, |p| p.handle(preq, now_ms())) else {
        return scim_error(500, "the proxy lost its configuration mid-request");
    };
    for _ in 0..MAX_FETCHES {
        let Step::Fetch(up, pending) = step else {
            return log_and_respond(step);
        };
        let outcome = send(up).await;
        match with_proxy(&key, |p| p.resume(pending, outcome, now_ms())) {
            Some(next) => step = next,
            None => return scim_error(500, "the proxy lost its configuration mid-request"),
        }
    }
    scim_error(502, "the proxy gave up after too many upstream calls")
}

/// An RFC 7644 §3.12 error made by the shell itself (the pipeline makes all others).
fn scim_error(status: u16, detail: &str) -> Result<Response> {
    let e = scimmap::scim::ScimError {
        status,
        scim_type: None,
        detail: detail.into(),
    };
    respond(proxy::Response {
        status,
        headers: vec![("Content-Type".into(), "application/scim+json".into())],
        body: e.to_json().to_string().into_bytes(),
    })
}

fn respond(r: proxy::Response) -> Result<Response> {
    let headers = Headers::new();
    for (k, v) in &r.headers {
        headers.append(k, v)?;
    }
    let resp = if r.body.is_empty() {
        Response::empty()?
    } else {
        Response::from_bytes(r.body)?
    };
    Ok(resp.with_status(r.status).with_headers(headers))
}

async fn send(up: UpstreamRequest) -> FetchOutcome {
    match try_send(up).await {
        Ok(o) => o,
        Err(e) => FetchOutcome::Unreachable(e.to_string()),
    }
}

async fn try_send(up: UpstreamRequest) -> Result<FetchOutcome> {
    let headers = Headers::new();
    for (k, v) in &up.headers {
        headers.append(k, v)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(up.method.clone()))
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    if let Some(b) = up.body {
        init.with_body(Some(js_sys_bytes(&b)));
    }
    let request = Request::new_with_init(&up.url, &init)?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetcher = Fetch::Request(request);
    let fetch = Box::pin(fetcher.send_with_signal(&signal));
    let timer = Box::pin(Delay::from(Duration::from_millis(up.timeout_ms)));
    let raced = select(fetch, timer).await;
    match raced {
        Either::Left((res, _)) => {
            let mut resp = res?;
            let body = resp.bytes().await?;
            Ok(FetchOutcome::Response(proxy::Response {
                status: resp.status_code(),
                headers: resp.headers().entries().collect(),
                body,
            }))
        }
        Either::Right(_) => {
            controller.abort();
            Ok(FetchOutcome::Timeout)
        }
    }
}

fn js_sys_bytes(b: &[u8]) -> wasm_bindgen::JsValue {
    worker::js_sys::Uint8Array::from(b).into()
}
