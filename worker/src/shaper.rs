//! Bursts shaped per tenant (`rateLimit`): one [`TenantShaper`] Durable Object per tenant
//! holds its schedule (`scimmap::proxy::shaping::Shaper`), so every isolate that calls
//! the tenant's app books its slot in the same place, and is let go when it comes.

use crate::config::with_proxy;
use crate::serve::now_ms;
use futures_util::lock::Mutex;
use scimmap::proxy::shaping::{Admission, Shaper};
use scimmap::proxy::RateLimit;
use std::cell::RefCell;
use std::time::Duration;
use worker::{
    console_error, durable_object, Delay, DurableObject, Env, Request, Response, Result, State, Url,
};

/// The binding of the [`TenantShaper`] class (wrangler.toml `durable_objects.bindings`).
const BINDING: &str = "TENANT_SHAPER";

/// One tenant's schedule of calls to its app, in memory only: a new instance starts with
/// every slot free (docs/proxy-decisions.md, "Durable Objects", on eviction).
///
/// A call is answered when its slot comes, not told its slot in advance: a Worker that
/// slept for its slot itself would send late whenever its isolate was busy, and late
/// calls bunch up at the app. Here each permit also leaves at least one interval after
/// the previous one, so a stalled object catches up at the limit, not in a burst.
#[durable_object(fetch)]
pub struct TenantShaper {
    schedule: RefCell<Shaper>,
    /// The slot of the last permit (µs since the epoch); held while a permit is paced.
    last_permit_us: Mutex<u64>,
}

impl DurableObject for TenantShaper {
    fn new(_state: State, _env: Env) -> Self {
        TenantShaper {
            schedule: RefCell::new(Shaper::new()),
            last_permit_us: Mutex::new(0),
        }
    }

    /// `GET /admit?perSecond=N&maxWaitMs=M` → `wait 0` once the call may go, or
    /// `refuse {seconds}` at once. The limit comes with each call, so a config change
    /// applies from the next call on.
    async fn fetch(&self, req: Request) -> Result<Response> {
        let Some(limit) = limit_of(&req.url()?) else {
            return Response::error("perSecond and maxWaitMs are required", 400);
        };
        let admission = self.schedule.borrow_mut().admit(now_ms(), limit);
        match admission {
            Admission::Wait { ms } => {
                sleep(ms).await;
                self.pace(limit).await;
                Response::ok("wait 0")
            }
            Admission::Refuse { retry_after_s } => Response::ok(format!("refuse {retry_after_s}")),
        }
    }
}

impl TenantShaper {
    /// Holds a permit until one interval after the previous permit's slot (both in µs, so
    /// a limit that is not a whole number of ms apart keeps its rate), or lets it go at once
    /// when that slot has passed.
    async fn pace(&self, limit: RateLimit) {
        let interval_us = 1_000_000 / u64::from(limit.per_second.max(1));
        let mut last_us = self.last_permit_us.lock().await;
        let now_us = now_ms().saturating_mul(1000);
        let slot_us = now_us.max(last_us.saturating_add(interval_us));
        sleep((slot_us - now_us).div_ceil(1000)).await;
        *last_us = slot_us;
    }
}

async fn sleep(ms: u64) {
    if ms > 0 {
        Delay::from(Duration::from_millis(ms)).await;
    }
}

fn limit_of(url: &Url) -> Option<RateLimit> {
    let mut per_second = None;
    let mut max_wait_ms = None;
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "perSecond" => per_second = v.parse().ok(),
            "maxWaitMs" => max_wait_ms = v.parse().ok(),
            _ => {}
        }
    }
    Some(RateLimit {
        per_second: per_second?,
        max_wait_ms: max_wait_ms?,
    })
}

/// May this call to `url` go now, later, or not at all? Without a `rateLimit` every call
/// goes at once and no Durable Object is asked. Calls to another origin than the app's
/// (an OAuth token endpoint elsewhere) are not the app's load and are not shaped.
pub async fn admission(env: &Env, key: &str, url: &str) -> Admission {
    let go = Admission::Wait { ms: 0 };
    let Some((limit, app)) = with_proxy(key, |p| {
        let app = p.config().ok()?.upstream_url.clone();
        Some((p.rate_limit()?, app))
    })
    .flatten() else {
        return go;
    };
    if origin(url) != origin(&app) {
        return go;
    }
    match ask(env, key, limit).await {
        Ok(a) => a,
        Err(e) => {
            // Fail closed: the limit is a promise to the app; a client told to retry in a
            // second loses less than an app pushed past its limit.
            console_error!("rateLimit: the tenant's shaper did not answer ({e}); call refused");
            Admission::Refuse { retry_after_s: 1 }
        }
    }
}

fn origin(url: &str) -> Option<String> {
    Url::parse(url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

async fn ask(env: &Env, key: &str, limit: RateLimit) -> Result<Admission> {
    let stub = env
        .durable_object(BINDING)?
        .id_from_name(&format!("tenant:{key}"))?
        .get_stub()?;
    let url = format!(
        "https://tenant-shaper/admit?perSecond={}&maxWaitMs={}",
        limit.per_second, limit.max_wait_ms
    );
    let mut resp = stub.fetch_with_str(&url).await?;
    let text = resp.text().await?;
    let parsed = match text.split_once(' ') {
        Some(("wait", ms)) => ms.parse().ok().map(|ms| Admission::Wait { ms }),
        Some(("refuse", s)) => s
            .parse()
            .ok()
            .map(|retry_after_s| Admission::Refuse { retry_after_s }),
        _ => None,
    };
    parsed.ok_or_else(|| worker::Error::RustError(format!("unexpected answer {text:?}")))
}
