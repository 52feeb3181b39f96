#![cfg(target_arch = "wasm32")]
//! Cloudflare Worker shell around `scimmap::proxy`: config from the environment, the
//! request into the pipeline, upstream fetches with a timeout, the response out. Every
//! decision lives in the pipeline, which is tested natively.
//!
//! Two Durable Object classes coordinate what one isolate cannot (docs/proxy-decisions.md,
//! "Durable Objects"): [`lock::ResourceLock`] runs the writes that read before they write
//! one at a time per tenant and resource, and [`shaper::TenantShaper`] books each call to a
//! rate-limited tenant's app; [`grants::GrantStore`] keeps an app's OAuth grant where every
//! isolate reaches it.

mod config;
mod grants;
mod js;
mod lock;
mod reply;
mod serve;
mod shaper;
mod upstream;

pub use grants::GrantStore;
pub use lock::ResourceLock;
pub use shaper::TenantShaper;

use worker::web_sys::{Request, Response};
use worker::{event, Context, Env, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    serve::serve(&req, &env, serve::Place::Edge).await
}
