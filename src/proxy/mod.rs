//! The edge proxy's request pipeline: pure, runtime-agnostic, no I/O.
//!
//! A runtime (the Cloudflare Worker in `worker/`, or a test) drives it as a state
//! machine: [`Proxy::handle`] returns a [`Step`]; on [`Step::Fetch`] the runtime sends the
//! upstream request and passes the outcome to [`Proxy::resume`], until a
//! [`Step::Respond`]. Time is passed in, so token expiry and durations are testable.
//!
//! ```
//! use scimmap::proxy::{Config, Proxy, Request, Step};
//! let cfg = Config::from_json_text(
//!     r#"{"upstream": {"url": "http://127.0.0.1:18080/v2"}, "inbound": {"tokens": ["IN"]}}"#,
//!     &|name| (name == "IN").then(|| "s3cret".to_string()),
//! );
//! let mut proxy = Proxy::new(cfg);
//! let req = Request::new("GET", "https://edge.example/scim/v2/Users?filter=userName%20eq%20%22a%22")
//!     .header("Authorization", "Bearer s3cret");
//! match proxy.handle(req, 0) {
//!     Step::Fetch(up, _) => assert_eq!(up.url, "http://127.0.0.1:18080/v2/Users?filter=userName%20eq%20%22a%22"),
//!     Step::Respond(r, _) => panic!("unexpected {}", r.status),
//! }
//! ```

#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
pub mod http;
pub mod oauth;
mod pipeline;
pub mod rewrite;
pub mod shaping;

pub use config::{Config, ConfigError, LogLevel, RateLimit};
pub use http::{header_pairs, header_text, FetchOutcome, Request, Response, UpstreamRequest};
pub use pipeline::{unserved, Callback, Pending, Proxy, Step, Unserved};

/// The SCIM endpoint a request addresses (RFC 7644 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// `/Users`.
    Users,
    /// `/Groups`.
    Groups,
    /// `/ServiceProviderConfig`.
    ServiceProviderConfig,
    /// `/Schemas`.
    Schemas,
    /// `/ResourceTypes`.
    ResourceTypes,
}

impl ResourceKind {
    /// The endpoint name as in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Users => "Users",
            ResourceKind::Groups => "Groups",
            ResourceKind::ServiceProviderConfig => "ServiceProviderConfig",
            ResourceKind::Schemas => "Schemas",
            ResourceKind::ResourceTypes => "ResourceTypes",
        }
    }

    fn parse(s: &str) -> Option<ResourceKind> {
        [
            ResourceKind::Users,
            ResourceKind::Groups,
            ResourceKind::ServiceProviderConfig,
            ResourceKind::Schemas,
            ResourceKind::ResourceTypes,
        ]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
}

/// Where a request path points: which tenant's config, the public base URL prefix, and
/// the SCIM path below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `Some` for `/t/{tenant}/scim/v2/…` (config from KV), `None` for `/scim/v2/…`.
    pub tenant: Option<String>,
    /// The path prefix up to and including `/scim/v2`.
    pub prefix: String,
    /// The rest, starting with `/` (or empty).
    pub rest: String,
}

/// What a request path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A SCIM endpoint.
    Scim(Route),
    /// `/health` or `/t/{tenant}/health`.
    Health {
        /// `Some` for a tenant's health.
        tenant: Option<String>,
    },
    /// `/oauth/start` or `/oauth/callback` (also under `/t/{tenant}`): the admin's consent
    /// to the app (`upstream.auth.type` `authorizationCode`).
    Consent {
        /// `Some` for a tenant's consent.
        tenant: Option<String>,
        /// `true` for the callback, `false` for the start.
        callback: bool,
    },
    /// Anything else (the playground, or a 404).
    Other,
}

/// A tenant name: 1–64 ASCII letters, digits, `-` or `_` (it is a KV key's suffix).
fn valid_tenant(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 64
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The tenant a path names, if it names a valid one.
pub fn tenant_of(path: &str) -> Option<String> {
    let (t, _) = path.strip_prefix("/t/")?.split_once('/')?;
    valid_tenant(t).then(|| t.to_string())
}

/// Splits a request path into tenant and endpoint.
///
/// ```
/// use scimmap::proxy::{target, Target};
/// assert_eq!(target("/t/acme/health"), Target::Health { tenant: Some("acme".into()) });
/// assert_eq!(target("/t/a%20b/scim/v2/Users"), Target::Other);
/// ```
pub fn target(path: &str) -> Target {
    let (tenant, after) = match path.strip_prefix("/t/") {
        Some(rest) => match rest.split_once('/') {
            Some((t, after)) if valid_tenant(t) => (Some(t.to_string()), format!("/{after}")),
            _ => return Target::Other,
        },
        None => (None, path.to_string()),
    };
    match after.as_str() {
        "/health" => return Target::Health { tenant },
        "/oauth/start" | "/oauth/callback" => {
            let callback = after.ends_with("callback");
            return Target::Consent { tenant, callback };
        }
        _ => {}
    }
    let Some(rest) = after.strip_prefix("/scim/v2") else {
        return Target::Other;
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return Target::Other;
    }
    let prefix_len = path.len() - rest.len();
    match path.get(..prefix_len) {
        Some(prefix) => Target::Scim(Route {
            tenant,
            prefix: prefix.to_string(),
            rest: rest.to_string(),
        }),
        None => Target::Other,
    }
}

/// Splits a request path into tenant, prefix and SCIM path; `None` when it is not a SCIM
/// path of this proxy.
///
/// ```
/// let r = scimmap::proxy::route("/t/acme/scim/v2/Users/1").unwrap();
/// assert_eq!((r.tenant.as_deref(), r.prefix.as_str(), r.rest.as_str()), (Some("acme"), "/t/acme/scim/v2", "/Users/1"));
/// assert!(scimmap::proxy::route("/playground/").is_none());
/// ```
pub fn route(path: &str) -> Option<Route> {
    match target(path) {
        Target::Scim(r) => Some(r),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let r = route("/scim/v2").unwrap();
        assert_eq!(
            (r.tenant, r.prefix.as_str(), r.rest.as_str()),
            (None, "/scim/v2", "")
        );
        assert!(route("/t//scim/v2/Users").is_none());
        assert!(route("/t/a b/scim/v2/Users").is_none());
        assert!(route("/scim/v2x").is_none());
        assert!(route("/").is_none());
        assert_eq!(target("/health"), Target::Health { tenant: None });
        assert_eq!(target("/t//health"), Target::Other);
        assert_eq!(target("/healthz"), Target::Other);
        assert_eq!(tenant_of("/t/acme/scim/v2"), Some("acme".into()));
        assert_eq!(tenant_of("/t/a b/x"), None);
    }
}
