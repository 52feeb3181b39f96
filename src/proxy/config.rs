//! Proxy configuration: JSON, resolved once against the deployment's secrets.
//!
//! ```json
//! { "upstream": { "url": "https://app.example/scim/v2",
//!                 "auth": {"type": "bearer", "secret": "UPSTREAM_TOKEN",
//!                          "expiresAt": "2027-01-31T00:00:00Z", "warnDaysBefore": 30},
//!                 "timeoutMs": 10000, "compat": "strict" },
//!   "inbound": { "tokens": ["INBOUND_TOKEN"] },
//!   "preset": "generic",
//!   "resources": { "User": { "renames": {"userName": "login"},
//!                            "transforms": {"displayName": "Join(\" \", [name.givenName], [name.familyName])"} } },
//!   "client": { "compat": "entra" },
//!   "groups": { "adoptExisting": false, "detachOnDelete": false },
//!   "app": { "name": "Example", "groups": true,
//!            "filterAttributes": { "User": ["login", "externalId"] } },
//!   "limits": { "maxBodyBytes": 1048576, "maxDepth": 32 },
//!   "log": "info" }
//! ```
//!
//! Secret *names* live in the config; their values come from the runtime (Worker secrets),
//! so a config can be stored in a Worker var or KV without holding credentials.

use crate::mapping::{CompiledMapping, Mapping};
use crate::scim::ast::{CompValue, CompareOp};
use crate::scim::{AttrPath, Compat, Filter, Path};
use serde_json::{Map, Value as Json};
use std::fmt;

mod app;
mod conflicts;
mod expiry;
pub mod members;

pub use app::{outside as filter_outside, AppCapabilities};
pub use expiry::{CredentialExpiry, CredentialState};

/// Proxy profiles shipped with the app presets (`presets/proxy/*.json`).
pub(crate) const PROFILES: &[(&str, &str)] = &[
    ("generic", include_str!("../../presets/proxy/generic.json")),
    ("webex", include_str!("../../presets/proxy/webex.json")),
    ("genesys", include_str!("../../presets/proxy/genesys.json")),
    (
        "chatwork",
        include_str!("../../presets/proxy/chatwork.json"),
    ),
    (
        "timeclock365",
        include_str!("../../presets/proxy/timeclock365.json"),
    ),
];

/// Names of the built-in proxy profiles.
pub fn profile_names() -> impl Iterator<Item = &'static str> {
    PROFILES.iter().map(|(n, _)| *n)
}

/// A config that cannot be used; the detail names the member at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid proxy config: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

fn bad(msg: impl Into<String>) -> ConfigError {
    ConfigError(msg.into())
}

/// How the proxy authenticates to the app.
#[derive(Clone, PartialEq, Eq)]
pub enum UpstreamAuth {
    /// No `Authorization` header.
    None,
    /// A static bearer token.
    Bearer(String),
    /// OAuth 2.0 authorization code (RFC 6749 §4.1): an admin consents once; the grant
    /// lives with the runtime, which refreshes it (§6).
    AuthorizationCode(crate::proxy::oauth::AuthCode),
    /// OAuth 2.0 client credentials (RFC 6749 §4.4); the token is cached until expiry.
    ClientCredentials {
        /// Token endpoint.
        token_url: String,
        /// `client_id`.
        client_id: String,
        /// `client_secret`.
        client_secret: String,
        /// `scope`, if the app needs one.
        scope: Option<String>,
    },
}

impl fmt::Debug for UpstreamAuth {
    // Never print credentials, even in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpstreamAuth::None => f.write_str("None"),
            UpstreamAuth::Bearer(_) => f.write_str("Bearer(***)"),
            UpstreamAuth::AuthorizationCode(a) => write!(f, "{a:?}"),
            UpstreamAuth::ClientCredentials { token_url, .. } => {
                write!(f, "ClientCredentials({token_url}, ***)")
            }
        }
    }
}

/// Log verbosity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// No request log.
    Off,
    /// Errors (status ≥ 400) only.
    Error,
    /// One line per request.
    Info,
}

/// A rename between the client's and the app's vocabularies.
#[derive(Debug, Clone, PartialEq)]
pub enum Rename {
    /// Moves an attribute or sub-attribute: `userName` → `login`,
    /// `name.givenName` → `firstName`.
    Attr {
        /// Client-side path.
        client: AttrPath,
        /// App-side path.
        app: AttrPath,
    },
    /// Retags elements of a multi-valued attribute:
    /// `phoneNumbers[type eq "work"]` → `phoneNumbers[type eq "work2"]`.
    Element {
        /// The multi-valued attribute (same on both sides).
        attr: AttrPath,
        /// The tagging sub-attribute (`type`).
        sub: String,
        /// Client-side tag.
        client: String,
        /// App-side tag.
        app: String,
    },
}

/// Mapping rules for one resource type.
#[derive(Debug, Clone, Default)]
pub struct ResourceRules {
    /// Renames, applied in order (client → app), reversed for responses and filters.
    pub renames: Vec<Rename>,
    /// Write-only transforms: app path ← expression over the client's view.
    pub transforms: Option<CompiledMapping>,
    /// Client-side attribute paths the transforms read (top-level names, lower-cased):
    /// a PATCH touching one is applied read-modify-write.
    pub transform_sources: Vec<String>,
    /// App-side targets of the transforms (lower-cased top-level names).
    pub transform_targets: Vec<String>,
    /// Client attributes Entra cannot clear, with the text standing for "no value".
    pub sentinels: Vec<Sentinel>,
}

impl ResourceRules {
    /// Whether there is nothing to rewrite.
    pub fn is_identity(&self) -> bool {
        self.renames.is_empty() && self.transforms.is_none() && self.sentinels.is_empty()
    }
}

/// `resources.User.sentinels`: a client attribute whose write of `value` means "remove",
/// and which reads back as `value` where the app has none (Entra never sends an emptied
/// attribute, so the admin maps `IIF(IsNullOrEmpty([mobile]), "(none)", [mobile])`).
#[derive(Debug, Clone, PartialEq)]
pub struct Sentinel {
    /// The client path as configured, for messages.
    pub text: String,
    /// The attribute (core URN dropped) with its sub-attribute, if any.
    pub attr: AttrPath,
    /// For a value path: the tagging sub-attribute and its value (`type`, `mobile`).
    pub element: Option<(String, String)>,
    /// The text standing for "no value".
    pub value: String,
}

/// Group switches for apps that cannot create or delete groups (Genesys Cloud).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupSwitches {
    /// POST /Groups adopts an existing group with the same displayName.
    pub adopt_existing: bool,
    /// DELETE /Groups answers 204 without deleting upstream.
    pub detach_on_delete: bool,
}

/// A resolved, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// App base URL without a trailing `/` (e.g. `https://app/scim/v2`).
    pub upstream_url: String,
    /// App authentication.
    pub upstream_auth: UpstreamAuth,
    /// Per-request upstream timeout.
    pub timeout_ms: u64,
    /// What the app accepts (strict unless configured).
    pub upstream_compat: Compat,
    /// What the client sends (Entra unless configured).
    pub client_compat: Compat,
    /// Accepted inbound bearer tokens.
    pub inbound_tokens: Vec<String>,
    /// User rules.
    pub users: ResourceRules,
    /// Group rules.
    pub groups: ResourceRules,
    /// Group switches.
    pub group_switches: GroupSwitches,
    /// Maximum request body size.
    pub max_body_bytes: usize,
    /// Maximum JSON nesting depth of a request body.
    pub max_depth: usize,
    /// Log verbosity.
    pub log: LogLevel,
    /// Name of the profile used, for the log.
    pub preset: String,
    /// Calls to the app per second, when shaped.
    pub rate_limit: Option<RateLimit>,
    /// The client attribute that identifies a user (`userName` unless configured).
    pub user_matching: String,
    /// The client attribute that identifies a group (`displayName` unless configured).
    pub group_matching: String,
    /// What the app can do (`app`).
    pub app: AppCapabilities,
    /// When the app credential expires (`upstream.auth.expiresAt`), if configured.
    pub credential_expiry: Option<CredentialExpiry>,
}

/// Shaping of the calls one tenant sends to its app (`rateLimit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// The most calls per second the app receives.
    pub per_second: u32,
    /// How long a call may wait for its turn before the proxy answers 429.
    pub max_wait_ms: u64,
}

impl Config {
    /// Parses config JSON text; `secret` looks up a secret by name.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first problem.
    pub fn from_json_text(
        text: &str,
        secret: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let json: Json = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
        Config::from_json(&json, secret)
    }

    /// Builds a config from JSON; see [`Config::from_json_text`].
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first problem.
    pub fn from_json(
        json: &Json,
        secret: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        members::check(json)?;
        let obj = json
            .as_object()
            .ok_or_else(|| bad("the config must be a JSON object"))?;
        let preset = str_member(obj, "preset")?.unwrap_or("generic").to_string();
        let profile_text = PROFILES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&preset))
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                bad(format!(
                    "`preset`: unknown proxy preset `{preset}` (known: {})",
                    profile_names().collect::<Vec<_>>().join(", ")
                ))
            })?;
        let profile: Json = serde_json::from_str(profile_text)
            .map_err(|e| bad(format!("built-in preset `{preset}` is not JSON: {e}")))?;
        // The config overrides the profile member by member (one level deep).
        let merged = merge(&profile, json);
        let obj = merged
            .as_object()
            .ok_or_else(|| bad("the config must be a JSON object"))?;

        let up = obj
            .get("upstream")
            .and_then(Json::as_object)
            .ok_or_else(|| bad("`upstream` (object with `url`) is required"))?;
        let url = str_member(up, "url")?.ok_or_else(|| bad("`upstream.url` is required"))?;
        let upstream_url = validate_url(url).map_err(|e| bad(format!("`upstream.url`: {e}")))?;
        let upstream_auth = auth(up.get("auth"), secret)?;
        let credential_expiry = expiry::credential_expiry(up.get("auth"))?;
        let timeout_ms = match up.get("timeoutMs") {
            None => 10_000,
            Some(v) => v
                .as_u64()
                .filter(|n| (1..=120_000).contains(n))
                .ok_or_else(|| bad("`upstream.timeoutMs` must be 1..=120000"))?,
        };
        let upstream_compat = compat(up.get("compat"), Compat::strict(), "upstream.compat")?;
        let client_compat = compat(
            obj.get("client").and_then(|c| c.get("compat")),
            Compat::entra(),
            "client.compat",
        )?;

        let inbound_tokens = match obj.get("inbound").and_then(|i| i.get("tokens")) {
            Some(Json::Array(names)) => names
                .iter()
                .map(|n| {
                    let n = n
                        .as_str()
                        .ok_or_else(|| bad("`inbound.tokens` lists secret names (strings)"))?;
                    secret(n)
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| bad(format!("`inbound.tokens`: secret `{n}` is not set")))
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(bad("`inbound.tokens` (secret names) is required")),
        };
        if inbound_tokens.is_empty() {
            return Err(bad("`inbound.tokens` must name at least one secret"));
        }

        let resources = obj.get("resources").and_then(Json::as_object);
        let res = |name: &str| -> Result<ResourceRules, ConfigError> {
            let r = resources.and_then(|m| {
                m.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            });
            rules(name, r)
        };
        let users = res("User")?;
        let groups = res("Group")?;

        let g = obj.get("groups");
        let flag = |k: &str| -> Result<bool, ConfigError> {
            match g.and_then(|g| g.get(k)) {
                None => Ok(false),
                Some(Json::Bool(b)) => Ok(*b),
                Some(_) => Err(bad(format!("`groups.{k}` must be a boolean"))),
            }
        };
        let group_switches = GroupSwitches {
            adopt_existing: flag("adoptExisting")?,
            detach_on_delete: flag("detachOnDelete")?,
        };

        let lim = obj.get("limits");
        let num = |k: &str, d: u64, max: u64| -> Result<usize, ConfigError> {
            match lim.and_then(|l| l.get(k)) {
                None => Ok(usize::try_from(d).unwrap_or(usize::MAX)),
                Some(v) => v
                    .as_u64()
                    .filter(|n| (1..=max).contains(n))
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| bad(format!("`limits.{k}` must be 1..={max}"))),
            }
        };
        let max_body_bytes = num("maxBodyBytes", 1 << 20, 16 << 20)?;
        let max_depth = num("maxDepth", 32, 128)?;
        let rate_limit = rate_limit(obj.get("rateLimit"))?;
        let matching = |name: &str, default: &str| -> Result<String, ConfigError> {
            let v = resources
                .and_then(|m| m.get(name))
                .and_then(|r| r.get("matchingAttribute"));
            match v {
                None => Ok(default.to_string()),
                Some(Json::String(s)) if Path::parse_lenient(s).is_ok_and(|p| p.filter.is_none()) => {
                    Ok(s.clone())
                }
                Some(_) => Err(bad(format!(
                    "`resources.{name}.matchingAttribute` must be an attribute path such as `userName` or `externalId`"
                ))),
            }
        };
        let user_matching = matching("User", "userName")?;
        let group_matching = matching("Group", "displayName")?;
        let app = app::capabilities(obj.get("app"))?;
        app::check_matching(&app, "User", &user_matching, &users)?;
        app::check_matching(&app, "Group", &group_matching, &groups)?;
        let log = match str_member(obj, "log")? {
            None | Some("info") => LogLevel::Info,
            Some("error") => LogLevel::Error,
            Some("off") => LogLevel::Off,
            Some(o) => return Err(bad(format!("`log`: `{o}` (expected off, error, info)"))),
        };
        Ok(Config {
            upstream_url,
            upstream_auth,
            timeout_ms,
            upstream_compat,
            client_compat,
            inbound_tokens,
            users,
            groups,
            group_switches,
            max_body_bytes,
            max_depth,
            log,
            preset,
            rate_limit,
            user_matching,
            group_matching,
            app,
            credential_expiry,
        })
    }

    /// Rules for a resource type.
    pub fn rules(&self, kind: super::ResourceKind) -> Option<&ResourceRules> {
        match kind {
            super::ResourceKind::Users => Some(&self.users),
            super::ResourceKind::Groups => Some(&self.groups),
            _ => None,
        }
    }
}

fn rate_limit(v: Option<&Json>) -> Result<Option<RateLimit>, ConfigError> {
    let Some(v) = v else { return Ok(None) };
    let per_second = v
        .get("requestsPerSecond")
        .and_then(Json::as_u64)
        .filter(|n| (1..=10_000).contains(n))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| bad("`rateLimit.requestsPerSecond` must be 1..=10000"))?;
    let max_wait_ms = match v.get("maxWaitMs") {
        None => 2_000,
        Some(w) => w
            .as_u64()
            .filter(|n| *n <= 60_000)
            .ok_or_else(|| bad("`rateLimit.maxWaitMs` must be 0..=60000"))?,
    };
    Ok(Some(RateLimit {
        per_second,
        max_wait_ms,
    }))
}

fn merge(base: &Json, over: &Json) -> Json {
    match (base, over) {
        (Json::Object(b), Json::Object(o)) => {
            let mut out = b.clone();
            for (k, v) in o {
                let merged = match (out.get(k), v) {
                    (Some(Json::Object(bv)), Json::Object(ov)) => {
                        let mut m = bv.clone();
                        for (k2, v2) in ov {
                            m.insert(k2.clone(), v2.clone());
                        }
                        Json::Object(m)
                    }
                    _ => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Json::Object(out)
        }
        _ => over.clone(),
    }
}

fn str_member<'a>(obj: &'a Map<String, Json>, k: &str) -> Result<Option<&'a str>, ConfigError> {
    match obj.get(k) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("`{k}` must be a string"))),
    }
}

/// `http(s)://host[:port][/path]`, without query or fragment; trailing `/` removed.
fn validate_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err("has no host".into());
    }
    if url.contains(['?', '#', ' ']) {
        return Err("must not contain a query, fragment or space".into());
    }
    Ok(url.trim_end_matches('/').to_string())
}

fn auth(
    v: Option<&Json>,
    secret: &dyn Fn(&str) -> Option<String>,
) -> Result<UpstreamAuth, ConfigError> {
    let Some(v) = v else {
        return Ok(UpstreamAuth::None);
    };
    let get = |k: &str| v.get(k).and_then(Json::as_str);
    let need_secret = |k: &str| -> Result<String, ConfigError> {
        let name =
            get(k).ok_or_else(|| bad(format!("`upstream.auth.{k}` (secret name) is required")))?;
        secret(name)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(format!("`upstream.auth.{k}`: secret `{name}` is not set")))
    };
    match get("type") {
        Some("none") => Ok(UpstreamAuth::None),
        Some("bearer") => Ok(UpstreamAuth::Bearer(need_secret("secret")?)),
        Some("oauth2") => {
            let token_url = get("tokenUrl")
                .ok_or_else(|| bad("`upstream.auth.tokenUrl` is required"))
                .and_then(|u| {
                    validate_url(u).map_err(|e| bad(format!("`upstream.auth.tokenUrl`: {e}")))
                })?;
            let client_id = get("clientId")
                .ok_or_else(|| bad("`upstream.auth.clientId` is required"))?
                .to_string();
            Ok(UpstreamAuth::ClientCredentials {
                token_url,
                client_id,
                client_secret: need_secret("clientSecret")?,
                scope: get("scope").map(str::to_string),
            })
        }
        Some("authorizationCode") => {
            let url = |k: &str| -> Result<String, ConfigError> {
                let u = get(k).ok_or_else(|| bad(format!("`upstream.auth.{k}` is required")))?;
                validate_url(u).map_err(|e| bad(format!("`upstream.auth.{k}`: {e}")))
            };
            let pkce = match v.get("pkce") {
                None => true,
                Some(Json::Bool(b)) => *b,
                Some(_) => return Err(bad("`upstream.auth.pkce` must be a boolean")),
            };
            Ok(UpstreamAuth::AuthorizationCode(
                crate::proxy::oauth::AuthCode {
                    authorize_url: url("authorizeUrl")?,
                    token_url: url("tokenUrl")?,
                    client_id: get("clientId")
                        .ok_or_else(|| bad("`upstream.auth.clientId` is required"))?
                        .to_string(),
                    client_secret: need_secret("clientSecret")?,
                    scope: get("scope").map(str::to_string),
                    pkce,
                    consent_secret: need_secret("consentSecret")?,
                },
            ))
        }
        other => Err(bad(format!(
            "`upstream.auth.type`: {} (expected none, bearer, oauth2, authorizationCode)",
            other.unwrap_or("missing")
        ))),
    }
}

fn compat(v: Option<&Json>, default: Compat, at: &str) -> Result<Compat, ConfigError> {
    match v {
        None => Ok(default),
        Some(Json::String(s)) if s == "strict" => Ok(Compat::strict()),
        Some(Json::String(s)) if s == "entra" => Ok(Compat::entra()),
        Some(Json::Object(m)) => {
            let mut c = default;
            for (k, v) in m {
                let b = v
                    .as_bool()
                    .ok_or_else(|| bad(format!("`{at}.{k}` must be a boolean")))?;
                let slot = match k.as_str() {
                    "opCaseInsensitive" => &mut c.op_case_insensitive,
                    "booleanStrings" => &mut c.boolean_strings,
                    "pathlessAttributePaths" => &mut c.pathless_attribute_paths,
                    "removeByValue" => &mut c.remove_by_value,
                    "upsertValuePath" => &mut c.upsert_value_path,
                    "uniquePrimary" => &mut c.unique_primary,
                    "bareFilterValues" => &mut c.bare_filter_values,
                    "managerString" => &mut c.manager_string,
                    _ => return Err(bad(format!("`{at}`: unknown switch `{k}`"))),
                };
                *slot = b;
            }
            Ok(c)
        }
        Some(_) => Err(bad(format!(
            "`{at}` must be \"strict\", \"entra\" or an object of switches"
        ))),
    }
}

fn rules(object: &str, v: Option<&Json>) -> Result<ResourceRules, ConfigError> {
    let mut out = ResourceRules::default();
    let Some(v) = v else {
        return Ok(out);
    };
    conflicts::check(object, v)?;
    if let Some(r) = v.get("renames") {
        let m = r.as_object().ok_or_else(|| {
            bad(format!(
                "`resources.{object}.renames` must map client path → app path"
            ))
        })?;
        for (from, to) in m {
            let to = to.as_str().ok_or_else(|| {
                bad(format!(
                    "`resources.{object}.renames.{from}` must be a string"
                ))
            })?;
            out.renames.push(
                rename(from, to)
                    .map_err(|e| bad(format!("`resources.{object}.renames.{from}`: {e}")))?,
            );
        }
    }
    if let Some(t) = v.get("transforms") {
        let m = t.as_object().ok_or_else(|| {
            bad(format!(
                "`resources.{object}.transforms` must map app path → expression"
            ))
        })?;
        let compact = serde_json::json!({"object": object, "mappings": t});
        let mapping = Mapping::from_json(&compact)
            .map_err(|e| bad(format!("`resources.{object}.transforms`: {e}")))?;
        let compiled = mapping
            .compile(Some(object))
            .map_err(|e| bad(format!("`resources.{object}.transforms`: {e}")))?;
        for (target, expr) in m {
            out.transform_targets.push(top_name(target));
            let text = expr
                .as_str()
                .or_else(|| expr.get("expr").and_then(Json::as_str))
                .unwrap_or_default();
            for src in attribute_refs(text) {
                let n = top_name(&src);
                if !out.transform_sources.contains(&n) {
                    out.transform_sources.push(n);
                }
            }
        }
        out.transforms = Some(compiled);
    }
    if let Some(t) = v.get("sentinels") {
        let m = t.as_object().ok_or_else(|| {
            bad(format!(
                "`resources.{object}.sentinels` must map client path → sentinel text"
            ))
        })?;
        for (path, text) in m {
            let at = format!("resources.{object}.sentinels.{path}");
            let text = text
                .as_str()
                .ok_or_else(|| bad(format!("`{at}` must be a string")))?;
            out.sentinels
                .push(sentinel(path, text).map_err(|e| bad(format!("`{at}`: {e}")))?);
        }
    }
    Ok(out)
}

fn sentinel(path: &str, value: &str) -> Result<Sentinel, String> {
    let p = Path::parse_lenient(path).map_err(|e| format!("not an attribute path: {e}"))?;
    let mut attr = client_path(p.attr.clone());
    let multi = crate::scim::Schemas::shared_core()
        .attribute(attr.uri.as_deref(), &attr.attr)
        .is_some_and(|(d, _)| d.multi_valued);
    let element = match &p.filter {
        None if multi => {
            return Err(
                "a multi-valued attribute needs one element: `attr[type eq \"…\"].value`".into(),
            )
        }
        None => None,
        Some(f) => {
            let tag = eq_string(f).ok_or("the filter must be `sub eq \"value\"`")?;
            attr.sub = Some(
                p.sub
                    .clone()
                    .ok_or("a value path needs a sub-attribute after `]`")?,
            );
            Some(tag)
        }
    };
    Ok(Sentinel {
        text: path.to_string(),
        attr,
        element,
        value: value.to_string(),
    })
}

/// Top-level attribute name of a path, lower-cased (URN-qualified extension attributes
/// keep their URN: they live in one extension object).
pub(crate) fn top_name(path: &str) -> String {
    match Path::parse_lenient(path) {
        Ok(p) => match &p.attr.uri {
            Some(u) if !is_core_urn(u) => format!("{u}:{}", p.attr.attr).to_ascii_lowercase(),
            _ => p.attr.attr.to_ascii_lowercase(),
        },
        Err(_) => path.to_ascii_lowercase(),
    }
}

pub(crate) fn is_core_urn(u: &str) -> bool {
    u.eq_ignore_ascii_case(crate::scim::schema::USER)
        || u.eq_ignore_ascii_case(crate::scim::schema::GROUP)
}

/// The `[...]` references of an expression's text (string literals skipped).
fn attribute_refs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_str = false;
    let mut escaped = false;
    let mut start: Option<usize> = None;
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '[' => {
                // A value path's filter nests `[...]`: keep the outermost reference.
                if depth == 0 {
                    start = Some(i + 1);
                }
                depth += 1;
            }
            ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if let Some(r) = start.take().and_then(|s| text.get(s..i)) {
                        out.push(r.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn rename(from: &str, to: &str) -> Result<Rename, String> {
    let f = Path::parse_lenient(from).map_err(|e| format!("client path: {e}"))?;
    let t = Path::parse_lenient(to).map_err(|e| format!("app path `{to}`: {e}"))?;
    match (&f.filter, &t.filter) {
        (None, None) => {
            let mut client = f.attr.clone();
            let mut app = t.attr.clone();
            client.sub = client.sub.or(f.sub.clone());
            app.sub = app.sub.or(t.sub.clone());
            Ok(Rename::Attr {
                client: client_path(client),
                app: client_path(app),
            })
        }
        (Some(ff), Some(tf)) => {
            let (sub, cv) = eq_string(ff).ok_or("client filter must be `sub eq \"value\"`")?;
            let (sub2, av) = eq_string(tf).ok_or("app filter must be `sub eq \"value\"`")?;
            if !f.attr.same_attribute(&t.attr) || !sub.eq_ignore_ascii_case(&sub2) {
                return Err(
                    "an element rename keeps the attribute and the tagging sub-attribute".into(),
                );
            }
            let same_tail = match (&f.sub, &t.sub) {
                (None, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            };
            if !same_tail {
                return Err("an element rename keeps the sub-attribute after `]`".into());
            }
            Ok(Rename::Element {
                attr: client_path(f.attr.clone()),
                sub,
                client: cv,
                app: av,
            })
        }
        _ => Err("both sides must be plain paths or both value paths".into()),
    }
}

/// Drops the core schema URN (`urn:…:core:2.0:User:userName` ≡ `userName`).
fn client_path(mut p: AttrPath) -> AttrPath {
    if p.uri.as_deref().is_some_and(is_core_urn) {
        p.uri = None;
    }
    p
}

fn eq_string(f: &Filter) -> Option<(String, String)> {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(v),
            ..
        } if path.uri.is_none() && path.sub.is_none() => Some((path.attr.clone(), v.clone())),
        _ => None,
    }
}

/// Constant-time comparison of two byte strings (length is not hidden; tokens are
/// random, so their length leaks nothing useful).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secrets(n: &str) -> Option<String> {
        match n {
            "IN" => Some("in-token".into()),
            "UP" => Some("up-token".into()),
            _ => None,
        }
    }

    fn base() -> Json {
        json!({"upstream": {"url": "http://127.0.0.1:1/v2/", "auth": {"type": "bearer", "secret": "UP"}},
               "inbound": {"tokens": ["IN"]}})
    }

    #[test]
    fn minimal_config_uses_generic_profile() {
        let c = Config::from_json(&base(), &secrets).unwrap();
        assert_eq!(c.upstream_url, "http://127.0.0.1:1/v2");
        assert_eq!(c.upstream_auth, UpstreamAuth::Bearer("up-token".into()));
        assert_eq!(c.inbound_tokens, vec!["in-token".to_string()]);
        assert_eq!(c.client_compat, Compat::entra());
        assert_eq!(c.upstream_compat, Compat::strict());
        assert!(c.users.is_identity());
        assert!(!format!("{:?}", c).contains("up-token"));
    }

    #[test]
    fn errors_name_the_member() {
        let cases = [
            (json!([]), "JSON object"),
            (json!({"inbound": {"tokens": ["IN"]}}), "upstream.url"),
            (
                json!({"upstream": {"url": "ftp://x"}, "inbound": {"tokens": ["IN"]}}),
                "upstream.url",
            ),
            (
                json!({"upstream": {"url": "http://x"}, "inbound": {"tokens": ["NOPE"]}}),
                "NOPE",
            ),
            (
                json!({"upstream": {"url": "http://x", "auth": {"type": "bearer", "secret": "NOPE"}}, "inbound": {"tokens": ["IN"]}}),
                "NOPE",
            ),
            (
                json!({"upstream": {"url": "http://x"}, "inbound": {"tokens": ["IN"]}, "preset": "nope"}),
                "`preset`",
            ),
            (
                json!({"upstream": {"url": "http://x"}, "inbound": {"tokens": ["IN"]}, "resources": {"User": {"transforms": {"displayName": "Jion([a])"}}}}),
                "transforms",
            ),
            (
                json!({"upstream": {"url": "http://x"}, "inbound": {"tokens": ["IN"]}, "resources": {"User": {"renames": {"emails[type eq \"work\"]": "phones"}}}}),
                "renames",
            ),
        ];
        for (j, want) in cases {
            let e = Config::from_json(&j, &secrets).unwrap_err();
            assert!(e.to_string().contains(want), "{e} should mention {want}");
        }
        assert!(Config::from_json_text("{", &secrets).is_err());
    }

    #[test]
    fn renames_and_transforms_parse() {
        let mut j = base();
        j["resources"] = json!({"User": {
            "renames": {"userName": "login", "phoneNumbers[type eq \"work\"].value": "phoneNumbers[type eq \"office\"].value"},
            "transforms": {"displayName": "Join(\" \", [name.givenName], [name.familyName])"}}});
        let c = Config::from_json(&j, &secrets).unwrap();
        assert_eq!(c.users.renames.len(), 2);
        assert!(
            matches!(&c.users.renames[1], Rename::Element { sub, client, app, .. } if sub == "type" && client == "work" && app == "office")
        );
        assert_eq!(c.users.transform_sources, vec!["name".to_string()]);
        assert_eq!(c.users.transform_targets, vec!["displayname".to_string()]);
    }

    #[test]
    fn profiles_load() {
        for n in profile_names() {
            let mut j = base();
            j["preset"] = json!(n);
            Config::from_json(&j, &secrets).unwrap();
        }
    }

    #[test]
    fn constant_time() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn refs_skip_strings() {
        assert_eq!(
            attribute_refs(r#"Join("[x]", [a.b], [emails[type eq "work"].value])"#),
            vec![
                "a.b".to_string(),
                r#"emails[type eq "work"].value"#.to_string()
            ]
        );
    }
}
