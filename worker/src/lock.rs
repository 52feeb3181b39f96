//! Writes serialised per resource: a request that reads a resource before writing it
//! (read-modify-write PATCH, group adoption by name) runs inside the [`ResourceLock`] named
//! `{tenant}|{serial key}`, one at a time, so no two such writes interleave their read and
//! their write. Everything else stays in the stateless Worker, in parallel.

use crate::reply::unavailable;
use crate::serve::{serve, Place, REQUEST_ID_HEADER};
use futures_util::lock::Mutex;
use scimmap::proxy;
use worker::{
    console_error, console_warn, durable_object, web_sys, DurableObject, Env, Request, Response,
    Result, State,
};

/// The binding of the [`ResourceLock`] class (wrangler.toml `durable_objects.bindings`).
const BINDING: &str = "RESOURCE_LOCK";

/// Headers the runtime sets itself on the forwarded request.
const HOP_BY_HOP: [&str; 4] = ["host", "content-length", "connection", "transfer-encoding"];

/// One resource of one tenant. Stores nothing: its only state is whose turn it is.
#[durable_object(fetch)]
pub struct ResourceLock {
    env: Env,
    /// Held for the whole request: a Durable Object delivers further requests while one
    /// awaits its upstream calls, so the object alone does not serialise them.
    turn: Mutex<()>,
}

impl DurableObject for ResourceLock {
    fn new(_state: State, env: Env) -> Self {
        ResourceLock {
            env,
            turn: Mutex::new(()),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let _turn = self.turn.lock().await;
        serve(req.inner(), &self.env, Place::InLock)
            .await
            .map(Response::from)
    }
}

/// Serves `preq` in its resource's lock. `None` when the deployment has no lock binding:
/// the request then runs in the Worker, with `If-Match` (when the app gives ETags) as
/// the only guard.
pub async fn forward(
    env: &Env,
    key: &str,
    serial: &str,
    preq: &proxy::Request,
) -> Option<Result<web_sys::Response>> {
    let Ok(locks) = env.durable_object(BINDING) else {
        console_warn!("no {BINDING} Durable Object binding: read-modify-write runs unserialised");
        return None;
    };
    let answer = async {
        let stub = locks.id_from_name(&format!("{key}|{serial}"))?.get_stub()?;
        stub.fetch_with_request(forwarded(preq)?)
            .await
            .map(Into::into)
    }
    .await;
    Some(answer.or_else(|e| {
        console_error!("{BINDING}: {e}");
        unavailable("the write could not be queued behind the resource's other writes; retry")
    }))
}

/// The client's request as the lock receives it, with the Worker's request id.
fn forwarded(preq: &proxy::Request) -> Result<Request> {
    let mut headers: Vec<(String, String)> = preq
        .headers
        .iter()
        .filter(|(k, _)| !HOP_BY_HOP.iter().any(|h| k.eq_ignore_ascii_case(h)))
        .cloned()
        .collect();
    headers.push((REQUEST_ID_HEADER.into(), preq.request_id.clone()));
    let body = (!preq.body.is_empty()).then_some(preq.body.as_slice());
    crate::js::request(&preq.url, &preq.method, &headers, body)
}
