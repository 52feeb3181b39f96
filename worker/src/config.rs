//! A tenant's config, read from the environment (`SCIMMAP_CONFIG`) or the tenant store
//! (KV `SCIMMAP_TENANTS`), and the pipeline built from it, cached per isolate.

use scimmap::proxy::{ConfigError, Proxy, Unserved};
use std::cell::RefCell;
use std::collections::HashMap;
use worker::{console_error, Env};

thread_local! {
    /// One pipeline per tenant and config text: keeps the OAuth token cache warm across
    /// requests served by this isolate (the Worker's and the Durable Objects' alike).
    static PROXIES: RefCell<HashMap<String, (String, Proxy)>> = RefCell::new(HashMap::new());
}

/// Runs `f` on the tenant's pipeline (`key` from [`load`]).
pub fn with_proxy<T>(key: &str, f: impl FnOnce(&mut Proxy) -> T) -> Option<T> {
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

/// Makes the tenant's pipeline current (rebuilt when its config text changed) and returns
/// its key for [`with_proxy`]: the tenant name, or "" for the single app. A missing
/// variable or binding still yields a pipeline, one that answers 500 and says why.
pub async fn load(env: &Env, tenant: Option<&str>) -> Result<String, Unserved> {
    let key = tenant.unwrap_or_default().to_string();
    // A Worker's variables are fixed for the life of its isolate (a new deployment, or
    // `wrangler dev` reloading, starts new isolates), so the single app's pipeline, once
    // built, stands; reading and comparing its config text again would only copy it out
    // of the runtime on every request. The tenant store can change at any time: read it.
    if tenant.is_none() && PROXIES.with(|m| m.borrow().contains_key("")) {
        return Ok(key);
    }
    let text = match config_text(env, tenant).await {
        ConfigText::Found(t) => Ok(t),
        ConfigText::UnknownTenant => return Err(Unserved::UnknownTenant),
        ConfigText::StoreUnavailable(e) => {
            console_error!("{e}");
            return Err(Unserved::StoreUnavailable);
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
            Ok(t) => Proxy::from_config_text(t, &|n| secret(env, n)),
            Err(e) => Proxy::new(Err(ConfigError((*e).to_string()))),
        };
        let t = text.unwrap_or_default();
        PROXIES.with(|m| m.borrow_mut().insert(key.clone(), (t, proxy)));
    }
    Ok(key)
}
