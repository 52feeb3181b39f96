#![cfg(target_arch = "wasm32")]
//! Cloudflare Worker shell around `scimmap::proxy`: config from the environment, the
//! request into the pipeline, upstream fetches with a timeout, the response out. Every
//! decision lives in the pipeline, which is tested natively.

use futures_util::future::{select, Either};
use scimmap::proxy::{self, Config, ConfigError, FetchOutcome, Proxy, Step, UpstreamRequest};
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

/// `Ok(None)`: the tenant has no config (404, not a configuration fault).
async fn config_text(
    env: &Env,
    tenant: Option<&str>,
) -> std::result::Result<Option<String>, String> {
    match tenant {
        None => env
            .var("SCIMMAP_CONFIG")
            .map(|v| Some(v.to_string()))
            .map_err(|_| "the SCIMMAP_CONFIG variable is not set".to_string()),
        Some(t) => {
            let kv = env
                .kv("SCIMMAP_TENANTS")
                .map_err(|_| "no SCIMMAP_TENANTS KV namespace is bound".to_string())?;
            kv.get(&format!("tenant:{t}"))
                .text()
                .await
                .map_err(|e| format!("KV read failed: {e}"))
        }
    }
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let url = req.url()?;
    let Some(rt) = proxy::route(url.path()) else {
        // Not SCIM: the playground's static assets under /playground, when deployed
        // with them (`[assets]` in wrangler.toml); without them the proxy still works.
        let path = url.path();
        let asset = path
            .strip_prefix("/playground")
            .filter(|r| r.is_empty() || r.starts_with('/'));
        return match (asset, env.assets("ASSETS")) {
            // The page uses relative URLs, so it must be addressed as a folder.
            (Some(""), Ok(_)) => {
                let mut u = url.clone();
                u.set_path("/playground/");
                Response::redirect(u)
            }
            (Some(rest), Ok(assets)) => {
                let mut u = url.clone();
                u.set_path(rest);
                assets.fetch(u.to_string(), None).await
            }
            _ => Response::error("not found", 404),
        };
    };
    let key = rt.tenant.clone().unwrap_or_default();
    let text = match config_text(&env, rt.tenant.as_deref()).await {
        Ok(None) => {
            let e = scimmap::scim::ScimError {
                status: 404,
                scim_type: None,
                detail: "unknown tenant".into(),
            };
            return respond(proxy::Response {
                status: 404,
                headers: vec![("Content-Type".into(), "application/scim+json".into())],
                body: e.to_json().to_string().into_bytes(),
            });
        }
        Ok(Some(t)) => Ok(t),
        Err(e) => Err(e),
    };
    let current = PROXIES.with(|m| m.borrow().get(&key).map(|(t, _)| Ok(t) == text.as_ref()));
    if current != Some(true) {
        let cfg = match &text {
            Ok(t) => Config::from_json_text(t, &|n| secret(&env, n)),
            Err(e) => Err(ConfigError(e.clone())),
        };
        let t = text.clone().unwrap_or_default();
        PROXIES.with(|m| m.borrow_mut().insert(key.clone(), (t, Proxy::new(cfg))));
    }

    let n = COUNTER.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let request_id = req
        .headers()
        .get("cf-ray")?
        .unwrap_or_else(|| format!("{:x}-{n}", now_ms()));
    let preq = proxy::Request {
        method: req.method().to_string(),
        url: url.to_string(),
        headers: req.headers().entries().collect(),
        body: req.bytes().await.unwrap_or_default(),
        request_id,
    };
    let mut step = with_proxy(&key, |p| p.handle(preq, now_ms()));
    for _ in 0..MAX_FETCHES {
        match step {
            None => break,
            Some(Step::Respond(r, log)) => {
                if let Some(line) = log {
                    console_log!("{line}");
                }
                return respond(r);
            }
            Some(Step::Fetch(up, pending)) => {
                let outcome = send(up).await;
                step = with_proxy(&key, |p| p.resume(pending, outcome, now_ms()));
            }
        }
    }
    Response::error("proxy pipeline did not finish", 502)
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
