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

pub mod cli;
pub mod config;
pub mod http;
mod pipeline;
pub mod rewrite;

pub use config::{Config, ConfigError, LogLevel};
pub use http::{FetchOutcome, Request, Response, UpstreamRequest};
pub use pipeline::{Pending, Proxy, Step};

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

/// Splits a request path into tenant, prefix and SCIM path; `None` when it is not a SCIM
/// path of this proxy.
///
/// ```
/// let r = scimmap::proxy::route("/t/acme/scim/v2/Users/1").unwrap();
/// assert_eq!((r.tenant.as_deref(), r.prefix.as_str(), r.rest.as_str()), (Some("acme"), "/t/acme/scim/v2", "/Users/1"));
/// assert!(scimmap::proxy::route("/playground/").is_none());
/// ```
pub fn route(path: &str) -> Option<Route> {
    let (tenant, after) = match path.strip_prefix("/t/") {
        Some(rest) => {
            let (t, after) = rest.split_once('/')?;
            let ok = !t.is_empty()
                && t.len() <= 64
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return None;
            }
            (Some(t.to_string()), format!("/{after}"))
        }
        None => (None, path.to_string()),
    };
    let rest = after.strip_prefix("/scim/v2")?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let prefix_len = path.len() - rest.len();
    Some(Route {
        tenant,
        prefix: path.get(..prefix_len)?.to_string(),
        rest: rest.to_string(),
    })
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
    }
}
