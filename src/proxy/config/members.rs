//! The proxy config's known members, in one table: the config check refuses anything
//! else, `schemas/proxy-config.schema.json` is generated from it (`scimmap proxy schema`),
//! and `scimmap proxy check` reports against it. A member added to the parser is added
//! here, or every config using it is refused.

use super::{bad, ConfigError};
use crate::suggest::{closest, Tolerance};
use serde_json::{json, Map, Value as Json};

/// One member of a config object.
#[derive(Debug)]
pub struct Member {
    /// The member name, exactly as written in the config.
    pub name: &'static str,
    /// What it does, for the schema (editors show it on hover).
    pub description: &'static str,
    /// What it holds.
    pub shape: Shape,
    /// Whether a usable config must give it (the built-in profiles give none of these).
    pub required: bool,
}

/// What a member holds.
#[derive(Debug)]
pub enum Shape {
    /// A string.
    String,
    /// An RFC 3339 date-time string (JSON Schema `format: date-time`).
    DateTime,
    /// `true` or `false`.
    Bool,
    /// A whole number in `min..=max`.
    Integer {
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value.
        max: u64,
    },
    /// A non-empty array of strings.
    Strings,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// An object with exactly these members.
    Object(&'static [Member]),
    /// An object whose member names are the admin's (attribute paths), each value of the
    /// given shape.
    Map {
        /// What a member name is, for the schema.
        key: &'static str,
        /// The shape of every value.
        value: &'static Shape,
    },
    /// A value of one of these shapes (told apart by JSON type).
    OneOf(&'static [Shape]),
}

const fn member(name: &'static str, description: &'static str, shape: Shape) -> Member {
    Member {
        name,
        description,
        shape,
        required: false,
    }
}

const fn required(name: &'static str, description: &'static str, shape: Shape) -> Member {
    Member {
        name,
        description,
        shape,
        required: true,
    }
}

/// The switches of `upstream.compat` and `client.compat` (one per `Compat` field).
const COMPAT_SWITCHES: &[Member] = &[
    member(
        "opCaseInsensitive",
        "Accept PATCH op names in any case (`Add`, `Replace`, `Remove`) and `Operations` in any case.",
        Shape::Bool,
    ),
    member(
        "booleanStrings",
        "Read \"True\"/\"False\" (any case) as booleans for Boolean attributes.",
        Shape::Bool,
    ),
    member(
        "pathlessAttributePaths",
        "In a path-less add/replace, value keys may be attribute paths (`name.givenName`, `urn:…:enterprise:2.0:User:employeeNumber`).",
        Shape::Bool,
    ),
    member(
        "removeByValue",
        "`remove` with a `value` removes those values instead of being refused.",
        Shape::Bool,
    ),
    member(
        "upsertValuePath",
        "add/replace on a value path that matches nothing creates the element from the filter's `eq` terms instead of failing with noTarget.",
        Shape::Bool,
    ),
    member(
        "uniquePrimary",
        "Writing a value with `primary: true` clears `primary` on the attribute's other values.",
        Shape::Bool,
    ),
    member(
        "managerString",
        "Store the enterprise `manager` sent as a plain id string as `{\"value\": id}`.",
        Shape::Bool,
    ),
    member(
        "bareFilterValues",
        "Accept unquoted values in path filters (`members[value eq 123abc]`).",
        Shape::Bool,
    ),
];

const COMPAT: Shape = Shape::OneOf(&[
    Shape::Enum(&["strict", "entra"]),
    Shape::Object(COMPAT_SWITCHES),
]);

const AUTH: &[Member] = &[
    required(
        "type",
        "How the proxy authenticates to the app: `none`, `bearer` (a static token, needs `secret`), `oauth2` (client credentials, RFC 6749 §4.4; needs `tokenUrl`, `clientId`, `clientSecret`) or `authorizationCode` (an admin consents once at /t/{tenant}/oauth/start, RFC 6749 §4.1 with PKCE; needs `authorizeUrl`, `tokenUrl`, `clientId`, `clientSecret`, `consentSecret`).",
        Shape::Enum(&["none", "bearer", "oauth2", "authorizationCode"]),
    ),
    member(
        "authorizeUrl",
        "`authorizationCode`: the app's authorization endpoint, where the admin signs in and consents.",
        Shape::String,
    ),
    member(
        "pkce",
        "`authorizationCode`: send a PKCE challenge (RFC 7636, S256; default true).",
        Shape::Bool,
    ),
    member(
        "consentSecret",
        "`authorizationCode`: the name of the secret an admin presents (as a bearer token) to start a consent.",
        Shape::String,
    ),
    member(
        "secret",
        "`bearer`: the name of the secret holding the app's token (the value is never in the config).",
        Shape::String,
    ),
    member(
        "tokenUrl",
        "`oauth2` and `authorizationCode`: the token endpoint, http(s) without query or fragment.",
        Shape::String,
    ),
    member("clientId", "`oauth2` and `authorizationCode`: the client_id.", Shape::String),
    member(
        "clientSecret",
        "`oauth2` and `authorizationCode`: the name of the secret holding the client_secret.",
        Shape::String,
    ),
    member(
        "scope",
        "`oauth2` and `authorizationCode`: the scope to ask for, when the app needs one.",
        Shape::String,
    ),
    member(
        "expiresAt",
        "`bearer` or `oauth2`: when the credential (the token, or the client secret) expires, RFC 3339 (`2027-01-31T00:00:00Z`); Webex tokens are valid 365 days from issue. From `warnDaysBefore` days before, every log line carries `credentialExpiresInDays` and /health reports it to admins; once passed, requests answer 502 saying the credential expired, without calling the app. Update it with the secret when renewing.",
        Shape::DateTime,
    ),
    member(
        "warnDaysBefore",
        "How many days before `expiresAt` the proxy starts warning (default 30; 0: never before expiry).",
        Shape::Integer { min: 0, max: 366 },
    ),
];

const UPSTREAM: &[Member] = &[
    required(
        "url",
        "The app's SCIM base URL, http(s) without query or fragment (`https://app.example/scim/v2`).",
        Shape::String,
    ),
    member(
        "auth",
        "How the proxy authenticates to the app; no `Authorization` header when absent.",
        Shape::Object(AUTH),
    ),
    member(
        "timeoutMs",
        "Per-request timeout for calls to the app, in milliseconds (default 10000).",
        Shape::Integer { min: 1, max: 120_000 },
    ),
    member(
        "compat",
        "What the app accepts: `strict` (RFC 7644, the default), `entra`, or an object of switches over strict.",
        COMPAT,
    ),
];

const TRANSFORM: &[Member] = &[
    required(
        "expr",
        "The expression, in Entra's attribute-mapping language, over the client's view of the resource.",
        Shape::String,
    ),
    member(
        "default",
        "The value written when the expression gives none.",
        Shape::String,
    ),
];

const RULES: &[Member] = &[
    member(
        "renames",
        "Client path → app path: `userName` → `login`, `name.givenName` → `firstName`, or a retag `phoneNumbers[type eq \"work\"]` → `phoneNumbers[type eq \"office\"]`. Applied to bodies, PATCH paths and filters, and reversed on responses.",
        Shape::Map {
            key: "the client's attribute path",
            value: &Shape::String,
        },
    ),
    member(
        "transforms",
        "App path → expression computed from the client's view on every write (the attribute is write-only: clients cannot filter on it).",
        Shape::Map {
            key: "the app's attribute path",
            value: &Shape::OneOf(&[Shape::String, Shape::Object(TRANSFORM)]),
        },
    ),
    member(
        "matchingAttribute",
        "The client attribute that identifies a resource, as Entra's matching does (default `userName` for users, `displayName` for groups): when a create's answer is lost or the app answers 409, the proxy looks the resource up by it before answering.",
        Shape::String,
    ),
    member(
        "sentinels",
        "Client attribute path → sentinel string: a write of the sentinel removes the attribute at the app, and reads show the sentinel where the app has no value (for attributes Entra cannot clear).",
        Shape::Map {
            key: "the client's attribute path",
            value: &Shape::String,
        },
    ),
];

const FILTER_ATTRIBUTES: &[Member] = &[
    member(
        "User",
        "The user attributes the app can filter on, in the app's vocabulary (after renames), compared by top-level attribute.",
        Shape::Strings,
    ),
    member(
        "Group",
        "The group attributes the app can filter on, likewise.",
        Shape::Strings,
    ),
];

/// `app`: what the app can do, from its provisioning tutorial.
const APP: &[Member] = &[
    member(
        "name",
        "The app's name, used in the proxy's refusals (`Chatwork has no groups`); default `the app`.",
        Shape::String,
    ),
    member(
        "groups",
        "Whether the app has /Groups (default true); without, every /Groups request answers 501 naming the limitation.",
        Shape::Bool,
    ),
    member(
        "createGroups",
        "Whether POST /Groups creates a group at the app (default true); without, and without `groups.adoptExisting`, POST /Groups answers 501.",
        Shape::Bool,
    ),
    member(
        "deleteGroups",
        "Whether DELETE /Groups deletes the group at the app (default true); without, and without `groups.detachOnDelete`, DELETE /Groups answers 501.",
        Shape::Bool,
    ),
    member(
        "filterAttributes",
        "Per resource type, the only attributes the app can filter on (any when absent); a filter on another answers 400 invalidFilter naming them. The matching attribute must be one of them.",
        Shape::Object(FILTER_ATTRIBUTES),
    ),
];

const RESOURCES: &[Member] = &[
    member("User", "Rules for /Users.", Shape::Object(RULES)),
    member("Group", "Rules for /Groups.", Shape::Object(RULES)),
];

/// The top-level members of a proxy config.
pub const CONFIG: &[Member] = &[
    member(
        "$schema",
        "The JSON Schema editors validate and complete this file with; ignored by the proxy.",
        Shape::String,
    ),
    member(
        "description",
        "Free text for the admin; ignored by the proxy.",
        Shape::String,
    ),
    member(
        "preset",
        "The proxy profile the config starts from (default `generic`); the config overrides it member by member, one level deep.",
        Shape::Enum(&["generic", "webex", "genesys", "chatwork", "timeclock365"]),
    ),
    required("upstream", "The SCIM app behind the proxy.", Shape::Object(UPSTREAM)),
    required(
        "inbound",
        "Who may call the proxy.",
        Shape::Object(&[required(
            "tokens",
            "Names of the secrets holding the accepted bearer tokens (RFC 6750); at least one.",
            Shape::Strings,
        )]),
    ),
    member(
        "resources",
        "Mapping rules per resource type.",
        Shape::Object(RESOURCES),
    ),
    member(
        "client",
        "What the client (Entra ID) sends.",
        Shape::Object(&[member(
            "compat",
            "The client's dialect: `entra` (the default), `strict`, or an object of switches over entra.",
            COMPAT,
        )]),
    ),
    member(
        "groups",
        "Switches for apps that cannot create or delete groups (Genesys Cloud).",
        Shape::Object(&[
            member(
                "adoptExisting",
                "POST /Groups adopts an existing group with the same displayName instead of creating one.",
                Shape::Bool,
            ),
            member(
                "detachOnDelete",
                "DELETE /Groups answers 204 without deleting the group at the app.",
                Shape::Bool,
            ),
        ]),
    ),
    member(
        "app",
        "What the app can do, as its tutorial documents it (the profiles set it); the proxy refuses what the app cannot do with the reason instead of passing it on.",
        Shape::Object(APP),
    ),
    member(
        "rateLimit",
        "Requests per second this tenant may send to the app (off when absent). Calls within `maxWaitMs` of a free slot wait for it; beyond that the proxy answers 429 with Retry-After without calling the app.",
        Shape::Object(&[
            required(
                "requestsPerSecond",
                "The most calls per second the app receives from this tenant.",
                Shape::Integer { min: 1, max: 10_000 },
            ),
            member(
                "maxWaitMs",
                "How long a request may wait for its turn, in milliseconds (default 2000).",
                Shape::Integer { min: 0, max: 60_000 },
            ),
        ]),
    ),
    member(
        "limits",
        "Request limits.",
        Shape::Object(&[
            member(
                "maxBodyBytes",
                "Largest request body accepted, in bytes (default 1048576); larger answers 413.",
                Shape::Integer {
                    min: 1,
                    max: 16 << 20,
                },
            ),
            member(
                "maxDepth",
                "Deepest JSON nesting accepted in a request body (default 32); deeper answers 400.",
                Shape::Integer { min: 1, max: 128 },
            ),
        ]),
    ),
    member(
        "log",
        "Request log: `info` (one line per request, the default), `error` (status ≥ 400 only) or `off`.",
        Shape::Enum(&["off", "error", "info"]),
    ),
];

/// Refuses members the proxy does not know, anywhere in `json`, and strings outside an
/// enumeration; the parser checks the rest. Each message names the member by its dotted
/// path and suggests the known member it is closest to.
///
/// # Errors
/// A [`ConfigError`] for the first unknown member or value.
pub fn check(json: &Json) -> Result<(), ConfigError> {
    match json {
        Json::Object(obj) => check_object(obj, CONFIG, ""),
        _ => Ok(()),
    }
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

fn check_object(
    obj: &Map<String, Json>,
    members: &'static [Member],
    at: &str,
) -> Result<(), ConfigError> {
    for (name, value) in obj {
        let here = join(at, name);
        let Some(m) = members.iter().find(|m| m.name == name) else {
            return Err(unknown(&here, name, members));
        };
        check_value(value, &m.shape, &here)?;
    }
    Ok(())
}

fn unknown(here: &str, name: &str, members: &[Member]) -> ConfigError {
    let names = || members.iter().map(|m| m.name);
    if let Some(same) = names().find(|n| n.eq_ignore_ascii_case(name)) {
        return bad(format!(
            "`{here}`: unknown member; member names are case-sensitive: did you mean `{same}`?"
        ));
    }
    let near = closest(name, names(), Tolerance::Loose).or_else(|| prefix_of(name, names()));
    match near {
        Some(n) => bad(format!("`{here}`: unknown member; did you mean `{n}`?")),
        None => bad(format!(
            "`{here}`: unknown member (known here: {})",
            names().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// The one candidate that starts with `name` (`maxBody` → `maxBodyBytes`), for the
/// truncations that edit distance finds too far.
fn prefix_of<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    if name.chars().count() < 3 {
        return None;
    }
    let lower = name.to_lowercase();
    let mut hits = names.filter(|n| n.to_lowercase().starts_with(&lower));
    match (hits.next(), hits.next()) {
        (Some(n), None) => Some(n),
        _ => None,
    }
}

fn check_value(value: &Json, shape: &'static Shape, at: &str) -> Result<(), ConfigError> {
    match (shape, value) {
        (Shape::Object(members), Json::Object(obj)) => check_object(obj, members, at),
        (Shape::Map { value: inner, .. }, Json::Object(obj)) => {
            for (k, v) in obj {
                check_value(v, inner, &join(at, k))?;
            }
            Ok(())
        }
        (Shape::Object(_) | Shape::Map { .. }, _) => Err(bad(format!("`{at}` must be an object"))),
        (Shape::String | Shape::DateTime, v) if !v.is_string() => {
            Err(bad(format!("`{at}` must be a string")))
        }
        (Shape::Enum(values), Json::String(s)) => check_enum(s, values, at),
        (Shape::OneOf(shapes), v) => match shapes.iter().find(|s| same_type(s, v)) {
            Some(s) => check_value(v, s, at),
            // Of no listed type: the parser names what it expects.
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Case is left to the parser, which names the exact spelling it wants.
fn check_enum(s: &str, values: &[&str], at: &str) -> Result<(), ConfigError> {
    if values.iter().any(|v| v.eq_ignore_ascii_case(s)) {
        return Ok(());
    }
    let hint = closest(s, values.iter().copied(), Tolerance::Tight)
        .map(|v| format!("; did you mean `{v}`?"))
        .unwrap_or_default();
    Err(bad(format!(
        "`{at}`: `{s}` is not one of {}{hint}",
        values.join(", ")
    )))
}

fn same_type(shape: &Shape, v: &Json) -> bool {
    match shape {
        Shape::String | Shape::DateTime | Shape::Enum(_) => v.is_string(),
        Shape::Bool => v.is_boolean(),
        Shape::Integer { .. } => v.is_number(),
        Shape::Strings => v.is_array(),
        Shape::Object(_) | Shape::Map { .. } => v.is_object(),
        Shape::OneOf(shapes) => shapes.iter().any(|s| same_type(s, v)),
    }
}

/// The JSON Schema (draft 2020-12) of a proxy config, as shipped in
/// `schemas/proxy-config.schema.json`.
pub fn json_schema() -> Json {
    let mut out = Map::new();
    out.insert(
        "$schema".into(),
        "https://json-schema.org/draft/2020-12/schema".into(),
    );
    out.insert("title".into(), "scimmap proxy config".into());
    out.insert(
        "description".into(),
        "Configuration of the scimmap edge proxy (a Cloudflare Worker between Entra ID and a SCIM app). It names secrets, never holds their values. Generated by `scimmap proxy schema`.".into(),
    );
    if let Json::Object(body) = object_schema(CONFIG) {
        out.extend(body);
    }
    Json::Object(out)
}

fn object_schema(members: &[Member]) -> Json {
    let mut properties = Map::new();
    for m in members {
        let mut s = Map::new();
        s.insert("description".into(), m.description.into());
        if let Json::Object(body) = shape_schema(&m.shape) {
            s.extend(body);
        }
        properties.insert(m.name.into(), Json::Object(s));
    }
    let required: Vec<&str> = members
        .iter()
        .filter(|m| m.required)
        .map(|m| m.name)
        .collect();
    let mut out =
        json!({"type": "object", "properties": properties, "additionalProperties": false});
    if let (false, Json::Object(o)) = (required.is_empty(), &mut out) {
        o.insert("required".into(), json!(required));
    }
    out
}

fn shape_schema(shape: &Shape) -> Json {
    match shape {
        Shape::String => json!({"type": "string"}),
        Shape::DateTime => json!({"type": "string", "format": "date-time"}),
        Shape::Bool => json!({"type": "boolean"}),
        Shape::Integer { min, max } => {
            json!({"type": "integer", "minimum": min, "maximum": max})
        }
        Shape::Strings => json!({"type": "array", "items": {"type": "string"}, "minItems": 1}),
        Shape::Enum(values) => json!({"type": "string", "enum": values}),
        Shape::Object(members) => object_schema(members),
        Shape::Map { key, value } => json!({
            "type": "object",
            "propertyNames": {"description": key},
            "additionalProperties": shape_schema(value),
        }),
        Shape::OneOf(shapes) => {
            json!({"oneOf": shapes.iter().map(shape_schema).collect::<Vec<_>>()})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::Config;

    fn placeholder(_: &str) -> Option<String> {
        Some("set".into())
    }

    fn base() -> Json {
        json!({"upstream": {"url": "http://127.0.0.1:1/v2", "auth": {"type": "bearer", "secret": "UP"}},
               "inbound": {"tokens": ["IN"]}})
    }

    /// `base()` with `value` put at the dotted `path`.
    fn with(path: &str, value: Json) -> Json {
        let mut j = base();
        let mut at = &mut j;
        let parts: Vec<&str> = path.split('.').collect();
        for (i, p) in parts.iter().enumerate() {
            if i + 1 == parts.len() {
                at[*p] = value.clone();
            } else {
                if at.get(*p).is_none() {
                    at[*p] = json!({});
                }
                at = &mut at[*p];
            }
        }
        j
    }

    fn refused(j: &Json) -> String {
        match Config::from_json(j, &placeholder) {
            Ok(_) => panic!("accepted: {j}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn unknown_members_are_refused_by_path_with_a_suggestion() {
        let cases = [
            ("renamez", json!({}), "`renamez`: unknown member (known here: $schema"),
            ("group", json!({}), "`group`: unknown member; did you mean `groups`?"),
            ("resources.Users", json!({}), "`resources.Users`: unknown member; did you mean `User`?"),
            ("resources.user", json!({}), "`resources.user`: unknown member; member names are case-sensitive: did you mean `User`?"),
            ("upstream.timeout", json!(5), "`upstream.timeout`: unknown member; did you mean `timeoutMs`?"),
            ("resources.User.renamez", json!({}), "`resources.User.renamez`: unknown member; did you mean `renames`?"),
            ("groups.adoptexisting", json!(true), "`groups.adoptexisting`: unknown member; member names are case-sensitive: did you mean `adoptExisting`?"),
            ("limits.maxBody", json!(5), "`limits.maxBody`: unknown member; did you mean `maxBodyBytes`?"),
            ("app.filterAttributes.Users", json!(["userName"]), "`app.filterAttributes.Users`: unknown member; did you mean `User`?"),
            ("app.group", json!(false), "`app.group`: unknown member; did you mean `groups`?"),
            ("upstream.auth.expiresAt", json!(5), "`upstream.auth.expiresAt` must be a string"),
            ("upstream.auth.tokenurl", json!("https://idp/t"), "`upstream.auth.tokenurl`: unknown member; member names are case-sensitive: did you mean `tokenUrl`?"),
            ("inbound.token", json!(["IN"]), "`inbound.token`: unknown member; did you mean `tokens`?"),
            ("client.compat.opCaseInsenstive", json!(true), "`client.compat.opCaseInsenstive`: unknown member; did you mean `opCaseInsensitive`?"),
            ("resources.Group.transforms.displayName", json!({"exp": "[a]"}), "`resources.Group.transforms.displayName.exp`: unknown member; did you mean `expr`?"),
            ("resources.User.sentinels", json!({"mobile": 5}), "`resources.User.sentinels.mobile` must be a string"),
            ("resources.User.sentinels", json!(["mobile"]), "`resources.User.sentinels` must be an object"),
            ("resources", json!([]), "`resources` must be an object"),
            ("groups", json!(true), "`groups` must be an object"),
            ("log", json!("debug"), "`log`: `debug` is not one of off, error, info"),
            ("log", json!("inf"), "did you mean `info`?"),
            ("upstream.auth.type", json!("beare"), "`upstream.auth.type`: `beare` is not one of none, bearer, oauth2, authorizationCode; did you mean `bearer`?"),
            ("upstream.compat", json!("entar"), "`upstream.compat`: `entar` is not one of strict, entra"),
            ("preset", json!("webx"), "`preset`: `webx` is not one of generic, webex, genesys, chatwork, timeclock365; did you mean `webex`?"),
        ];
        for (path, value, want) in cases {
            let e = refused(&with(path, value));
            assert!(e.contains(want), "{path}: {e}\n  should contain: {want}");
        }
    }

    #[test]
    fn every_known_member_is_accepted() {
        let j = json!({
            "$schema": "../schemas/proxy-config.schema.json",
            "description": "all members",
            "preset": "generic",
            "upstream": {"url": "https://app/v2", "timeoutMs": 120000,
                         "auth": {"type": "oauth2", "tokenUrl": "https://idp/t", "clientId": "c",
                                  "clientSecret": "S", "scope": "scim",
                                  "expiresAt": "2030-01-01T00:00:00Z", "warnDaysBefore": 14},
                         "compat": {"opCaseInsensitive": true, "booleanStrings": true,
                                    "pathlessAttributePaths": true, "removeByValue": true,
                                    "upsertValuePath": true, "uniquePrimary": true,
                                    "bareFilterValues": true}},
            "inbound": {"tokens": ["IN"]},
            "resources": {"User": {"renames": {"userName": "login"},
                                   "transforms": {"displayName": {"expr": "[name.givenName]", "default": "x"}},
                                   "sentinels": {"mobile": "-"}},
                          "Group": {"renames": {}, "transforms": {}, "sentinels": {}}},
            "client": {"compat": "entra"},
            "groups": {"adoptExisting": true, "detachOnDelete": true},
            "app": {"name": "Example", "groups": true, "createGroups": false, "deleteGroups": false,
                    "filterAttributes": {"User": ["login"], "Group": ["displayName"]}},
            "limits": {"maxBodyBytes": 16777216, "maxDepth": 128},
            "log": "error"});
        check(&j).unwrap();
        Config::from_json(&j, &placeholder).unwrap();
    }

    /// Every `Shape::Integer` range is the parser's: `max` accepted, `max + 1` and
    /// `min - 1` refused.
    #[test]
    fn integer_ranges_agree_with_the_parser() {
        fn walk(members: &'static [Member], at: &str, out: &mut Vec<(String, u64, u64)>) {
            for m in members {
                let here = join(at, m.name);
                match &m.shape {
                    Shape::Integer { min, max } => out.push((here, *min, *max)),
                    Shape::Object(inner) => walk(inner, &here, out),
                    _ => {}
                }
            }
        }
        let mut ranges = Vec::new();
        walk(CONFIG, "", &mut ranges);
        assert_eq!(ranges.len(), 6);
        for (path, min, max) in ranges {
            // `rateLimit.maxWaitMs` needs the rate it bounds.
            let at = |v: Json| {
                let mut j = with(&path, v);
                if path.starts_with("rateLimit.") && path != "rateLimit.requestsPerSecond" {
                    j["rateLimit"]["requestsPerSecond"] = json!(1);
                }
                // `upstream.auth.warnDaysBefore` needs the expiry it counts back from.
                if path == "upstream.auth.warnDaysBefore" {
                    j["upstream"]["auth"]["expiresAt"] = json!("2030-01-01T00:00:00Z");
                }
                j
            };
            Config::from_json(&at(json!(max)), &placeholder).unwrap();
            Config::from_json(&at(json!(min)), &placeholder).unwrap();
            assert!(refused(&at(json!(max + 1))).contains(&path));
            if let Some(below) = min.checked_sub(1) {
                assert!(refused(&at(json!(below))).contains(&path));
            } else {
                assert!(refused(&at(json!(-1))).contains(&path));
            }
        }
    }

    #[test]
    fn enum_values_agree_with_the_parser() {
        let enum_of = |members: &'static [Member], name: &str| -> &'static [&'static str] {
            match members.iter().find(|m| m.name == name).map(|m| &m.shape) {
                Some(Shape::Enum(v)) => v,
                _ => &[],
            }
        };
        let presets: Vec<&str> = super::super::profile_names().collect();
        assert_eq!(enum_of(CONFIG, "preset"), presets.as_slice());
        for v in enum_of(CONFIG, "log") {
            Config::from_json(&with("log", json!(v)), &placeholder).unwrap();
        }
        for v in ["strict", "entra"] {
            Config::from_json(&with("upstream.compat", json!(v)), &placeholder).unwrap();
            Config::from_json(&with("client.compat", json!(v)), &placeholder).unwrap();
        }
        let auth = json!({"type": "", "secret": "S", "tokenUrl": "https://idp/t", "clientId": "c", "clientSecret": "S"});
        let consent = |a: &mut Json| {
            if a["type"] == "authorizationCode" {
                a["authorizeUrl"] = json!("https://idp/authorize");
                a["consentSecret"] = json!("C");
            }
        };
        for v in enum_of(AUTH, "type") {
            let mut a = auth.clone();
            a["type"] = json!(v);
            consent(&mut a);
            Config::from_json(&with("upstream.auth", a), &placeholder).unwrap();
        }
        // The compat switches are exactly the parser's.
        for m in COMPAT_SWITCHES {
            Config::from_json(
                &with("upstream.compat", json!({m.name: true})),
                &placeholder,
            )
            .unwrap();
        }
    }

    /// The built-in profiles, and every proxy config shown in the README, the proxy
    /// decisions and the Wrangler files, pass the member check and parse.
    #[test]
    fn shipped_profiles_and_documented_examples_are_valid() {
        for (name, text) in super::super::PROFILES {
            let j: Json = serde_json::from_str(text).unwrap();
            check(&j).unwrap_or_else(|e| panic!("profile {name}: {e}"));
            Config::from_json(&with("preset", json!(name)), &placeholder).unwrap();
        }
        let docs = [
            include_str!("../../../README.md"),
            include_str!("../../../docs/proxy-decisions.md"),
        ];
        let mut examples: Vec<String> = docs.iter().flat_map(|d| json_blocks(d)).collect();
        let module_doc: Vec<&str> = include_str!("../config.rs")
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .map(|l| l.trim_start_matches("//!"))
            .collect();
        examples.extend(json_blocks(&module_doc.join("\n")));
        for toml in [
            include_str!("../../../wrangler.toml"),
            include_str!("../../../wrangler.nobuild.toml"),
            include_str!("../../../wrangler.local.toml"),
        ] {
            let t: toml::Value = toml::from_str(toml).unwrap();
            examples.push(t["vars"]["SCIMMAP_CONFIG"].as_str().unwrap().to_string());
        }
        let configs: Vec<Json> = examples
            .iter()
            .filter_map(|e| {
                let start = e.find('{')?;
                let end = e.rfind('}')?;
                serde_json::from_str(e.get(start..=end)?).ok()
            })
            .filter(|j: &Json| j.get("upstream").is_some())
            .collect();
        assert!(configs.len() >= 5, "found {} examples", configs.len());
        for j in configs {
            Config::from_json(&j, &placeholder).unwrap_or_else(|e| panic!("{e}: {j}"));
        }
    }

    fn json_blocks(doc: &str) -> Vec<String> {
        doc.split("```json")
            .skip(1)
            .filter_map(|b| b.split("```").next().map(str::to_string))
            .collect()
    }

    /// The draft 2020-12 keywords the shipped schema uses, checked independently of the
    /// table; the errors are JSON pointers.
    fn schema_errors(schema: &Json, v: &Json, at: &str, out: &mut Vec<String>) {
        if let Some(t) = schema.get("type").and_then(Json::as_str) {
            let ok = match t {
                "object" => v.is_object(),
                "array" => v.is_array(),
                "string" => v.is_string(),
                "boolean" => v.is_boolean(),
                "integer" => v.is_u64() || v.is_i64(),
                _ => false,
            };
            if !ok {
                out.push(format!("{at}: not {t}"));
                return;
            }
        }
        if let Some(Json::Array(values)) = schema.get("enum") {
            if !values.contains(v) {
                out.push(format!("{at}: not in enum"));
            }
        }
        if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Json::as_u64), v.as_u64()) {
            if n < min {
                out.push(format!("{at}: below minimum"));
            }
        }
        if let (Some(max), Some(n)) = (schema.get("maximum").and_then(Json::as_u64), v.as_u64()) {
            if n > max {
                out.push(format!("{at}: above maximum"));
            }
        }
        if let Some(Json::Array(branches)) = schema.get("oneOf") {
            let passing = branches
                .iter()
                .filter(|b| {
                    let mut e = Vec::new();
                    schema_errors(b, v, at, &mut e);
                    e.is_empty()
                })
                .count();
            if passing != 1 {
                out.push(format!("{at}: {passing} oneOf branches match"));
            }
        }
        if let (Some(Json::Object(items)), Json::Array(a)) = (schema.get("items"), v) {
            let items = Json::Object(items.clone());
            for (i, x) in a.iter().enumerate() {
                schema_errors(&items, x, &format!("{at}/{i}"), out);
            }
        }
        let Json::Object(obj) = v else { return };
        if let Some(Json::Array(req)) = schema.get("required") {
            for r in req.iter().filter_map(Json::as_str) {
                if !obj.contains_key(r) {
                    out.push(format!("{at}: missing {r}"));
                }
            }
        }
        let props = schema.get("properties").and_then(Json::as_object);
        for (k, x) in obj {
            let here = format!("{at}/{k}");
            match (
                props.and_then(|p| p.get(k)),
                schema.get("additionalProperties"),
            ) {
                (Some(s), _) => schema_errors(s, x, &here, out),
                (None, Some(Json::Bool(false))) => out.push(format!("{here}: not allowed")),
                (None, Some(s @ Json::Object(_))) => schema_errors(s, x, &here, out),
                (None, _) => {}
            }
        }
    }

    #[test]
    fn profiles_and_readme_example_conform_to_the_shipped_schema() {
        let schema: Json =
            serde_json::from_str(include_str!("../../../schemas/proxy-config.schema.json"))
                .unwrap();
        let errors = |v: &Json| {
            let mut e = Vec::new();
            schema_errors(&schema, v, "", &mut e);
            e
        };
        // A profile is a partial config: the deployment gives `upstream` and `inbound`.
        for (name, text) in super::super::PROFILES {
            let mut j: Json = serde_json::from_str(text).unwrap();
            j["upstream"]["url"] = json!("https://app/v2");
            j["inbound"] = json!({"tokens": ["IN"]});
            assert_eq!(errors(&j), Vec::<String>::new(), "profile {name}");
        }
        let readme = json_blocks(include_str!("../../../README.md"));
        let example: Json = readme
            .iter()
            .find_map(|b| {
                serde_json::from_str::<Json>(b)
                    .ok()
                    .filter(|j| j.get("upstream").is_some())
            })
            .unwrap();
        assert_eq!(errors(&example), Vec::<String>::new());
        // The checker is not vacuous: what the config check refuses, the schema refuses.
        let cases = [
            (
                "resources.User.renamez",
                json!({}),
                "/resources/User/renamez: not allowed",
            ),
            ("log", json!("debug"), "/log: not in enum"),
            (
                "limits.maxDepth",
                json!(129),
                "/limits/maxDepth: above maximum",
            ),
            (
                "upstream.compat",
                json!({"bareFilterValue": true}),
                "/upstream/compat: 0 oneOf branches match",
            ),
            (
                "resources.User.sentinels",
                json!({"mobile": 1}),
                "/resources/User/sentinels/mobile: not string",
            ),
        ];
        for (path, value, want) in cases {
            let j = with(path, value);
            assert!(
                errors(&j).contains(&want.to_string()),
                "{path}: {:?}",
                errors(&j)
            );
            assert!(Config::from_json(&j, &placeholder).is_err(), "{path}");
        }
    }

    #[test]
    fn shipped_schema_is_generated_from_this_table() {
        let shipped: Json =
            serde_json::from_str(include_str!("../../../schemas/proxy-config.schema.json"))
                .unwrap();
        assert!(
            shipped == json_schema(),
            "schemas/proxy-config.schema.json is stale: run `cargo run -- proxy schema > schemas/proxy-config.schema.json`"
        );
    }
}
