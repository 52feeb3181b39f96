//! Offline "Provision on demand": scope, match, decide the action, and build the exact
//! requests Entra would send (spec §4.2, §4.3).
//!
//! PATCH bodies compare each mapped target with the app's current resource
//! ([`crate::scim::diff::diff_paths`]: only mapped attributes flow; a null result never
//! removes a value, CUSTOMIZE). Shapes ([`PathDiff::entra`]):
//! * default (no flag): one `Add`/`Replace` per path, capitalised, booleans as the
//!   strings `"True"`/`"False"`, group members removed with `Remove` + a `value` array;
//! * `aadOptscim062020`: lower-case ops, booleans as JSON booleans, several plain
//!   attribute replacements folded into one path-less `replace` keyed by path, value-path
//!   replacements and adds each on their own, members removed by `members[value eq "…"]`.
//!
//! `Add` when the current resource has no value at the path, `Replace` otherwise
//! [INFERRED from COMPAT's examples]. The manager reference is sent as the id string
//! in PATCH [UNVERIFIED, spec §4.2] and as `{"value": id}` in POST (RFC 7643 §4.3).

use crate::entra::EvalOptions;
use crate::mapping::apply::{Applied, CompiledMapping, MappingError, Mode, Step};
use crate::mapping::model::FlowType;
use crate::mapping::scope::{self, ScopeResult};
use crate::mapping::target::{value_slot, Kind};
use crate::scim::diff::{diff_paths, Flow, PathChange, PathDiff};
use crate::scim::Schemas;
use serde::Serialize;
use serde_json::{json, Map, Value as Json};

/// PatchOp message schema (RFC 7644 §3.5.2).
pub const PATCH_URN: &str = crate::scim::patch::PATCH_OP_URN;

/// Options of one simulation.
#[derive(Clone, Default)]
pub struct Options<'a> {
    /// The tenant URL carries `aadOptscim062020` (spec §4.3).
    pub aad_opt_scim062020: bool,
    /// The source object was hard-deleted in Entra.
    pub hard_deleted: bool,
    /// The app cannot create objects of this type (Genesys groups).
    pub cannot_create: bool,
    /// The app cannot delete objects of this type.
    pub cannot_delete: bool,
    /// Clock, seed and limits for the expressions.
    pub eval: EvalOptions<'a>,
}

/// What Entra does with the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// POST a new resource.
    Create,
    /// PATCH the matched resource.
    Update,
    /// PATCH `active` to false.
    Disable,
    /// DELETE the matched resource.
    Delete,
    /// Nothing is sent.
    Skip,
}

/// One HTTP request, relative to the tenant URL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Request {
    /// `GET`, `POST`, `PATCH`, `DELETE`.
    pub method: &'static str,
    /// Path and query, e.g. `/Users?filter=userName%20eq%20%22a%22`.
    pub path: String,
    /// The filter before URL encoding (matching queries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// JSON body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Json>,
}

/// The outcome of a simulation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The action.
    pub action: Action,
    /// Why.
    pub reason: String,
    /// Scoping result.
    pub scope: ScopeResult,
    /// The matching queries Entra would send, in priority order (the next one only when
    /// the previous finds nothing).
    pub matching: Vec<Request>,
    /// The requests that change the app.
    pub requests: Vec<Request>,
    /// What each attribute mapping did.
    pub steps: Vec<Step>,
}

fn endpoint(m: &CompiledMapping) -> &'static str {
    if m.target_object.eq_ignore_ascii_case("Group") {
        "/Groups"
    } else {
        "/Users"
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The matching GET queries for a source object, in priority order (CUSTOMIZE:
/// "evaluated in the order defined by this field"; Entra filters with `eq` only).
///
/// # Errors
/// A matching expression fails to evaluate.
pub fn matching_queries(
    m: &CompiledMapping,
    source: &Json,
    opts: &EvalOptions<'_>,
) -> Result<Vec<Request>, MappingError> {
    let mut out = Vec::new();
    for a in m.matching_attributes() {
        let Some(e) = &a.expr else { continue };
        let v = e
            .evaluate(source, opts)
            .map_err(|error| MappingError::Eval {
                target: a.target_text.clone(),
                expression: e.source().to_string(),
                error,
            })?
            .into_value();
        let Some(text) = v.to_text().filter(|t| !t.is_empty()) else {
            continue;
        };
        let filter = format!(
            "{} eq {}",
            a.target,
            serde_json::to_string(&text).unwrap_or_default()
        );
        let extra = if endpoint(m) == "/Groups" {
            "excludedAttributes=members&"
        } else {
            ""
        };
        out.push(Request {
            method: "GET",
            path: format!("{}?{extra}filter={}", endpoint(m), url_encode(&filter)),
            filter: Some(filter),
            body: None,
        });
    }
    Ok(out)
}

pub(crate) fn is_soft_deleted(source: &Json) -> bool {
    let flag = |k: &str| {
        source.get(k).and_then(|v| match v {
            Json::Bool(b) => Some(*b),
            Json::String(s) => crate::entra::Value::from(s.as_str()).as_bool(),
            _ => None,
        })
    };
    flag("IsSoftDeleted") == Some(true) || flag("accountEnabled") == Some(false)
}

fn resource_id(current: &Json) -> String {
    current
        .get("id")
        .and_then(Json::as_str)
        .unwrap_or("{id}")
        .to_string()
}

/// Runs the simulation.
///
/// # Errors
/// An expression fails to evaluate.
pub fn simulate(
    m: &CompiledMapping,
    source: &Json,
    current: Option<&Json>,
    opts: &Options<'_>,
) -> Result<Report, MappingError> {
    let scope = scope::evaluate(m.model.scope(), source);
    let matching = matching_queries(m, source, &opts.eval)?;
    let base = endpoint(m);
    let id_path = |c: &Json| format!("{base}/{}", resource_id(c));
    let report = |action, reason: String, requests, steps| Report {
        action,
        reason,
        scope: scope.clone(),
        matching: matching.clone(),
        requests,
        steps,
    };
    if opts.hard_deleted {
        return Ok(match current {
            Some(_) if opts.cannot_delete => report(
                Action::Skip,
                "the object was deleted, but the app does not support deleting it".into(),
                vec![],
                vec![],
            ),
            Some(c) => report(
                Action::Delete,
                "the object was deleted in Entra".into(),
                vec![Request {
                    method: "DELETE",
                    path: id_path(c),
                    filter: None,
                    body: None,
                }],
                vec![],
            ),
            None => report(
                Action::Skip,
                "the object was deleted in Entra and does not exist in the app".into(),
                vec![],
                vec![],
            ),
        });
    }
    let soft = is_soft_deleted(source);
    if !scope.in_scope || soft {
        let why = if scope.in_scope {
            "the object is soft-deleted or disabled in Entra (IsSoftDeleted)".to_string()
        } else {
            scope.reason.clone()
        };
        return Ok(match current {
            None => report(
                Action::Skip,
                format!("{why}; it does not exist in the app, so nothing is sent"),
                vec![],
                vec![],
            ),
            Some(c) if is_inactive(c) => report(
                Action::Skip,
                format!("{why}; it is already disabled in the app"),
                vec![],
                vec![],
            ),
            Some(c) => report(
                Action::Disable,
                format!("{why}; the app's resource is disabled"),
                vec![Request {
                    method: "PATCH",
                    path: id_path(c),
                    filter: None,
                    body: Some(patch_body(disable_ops(opts.aad_opt_scim062020))),
                }],
                vec![],
            ),
        });
    }
    match current {
        None => {
            if opts.cannot_create {
                return Ok(report(
                    Action::Skip,
                    format!(
                        "no match in the app, and the app cannot create {} objects: create one with the same matching value first",
                        m.target_object
                    ),
                    vec![],
                    vec![],
                ));
            }
            let Applied { resource, steps } = m.apply(source, Mode::Create, &opts.eval)?;
            let requests = requests_creating(m, resource, &steps, opts.aad_opt_scim062020);
            Ok(report(
                Action::Create,
                "in scope and no match in the app: the object is created".into(),
                requests,
                steps,
            ))
        }
        Some(c) => {
            let applied = m.apply(source, Mode::Update, &opts.eval)?;
            let ops = patch_ops(m, &applied, Some(c), opts.aad_opt_scim062020);
            if ops.is_empty() {
                return Ok(report(
                    Action::Skip,
                    "in scope and matched; every mapped attribute already has its value".into(),
                    vec![],
                    applied.steps,
                ));
            }
            Ok(report(
                Action::Update,
                "in scope and matched: the changed attributes are updated".into(),
                vec![Request {
                    method: "PATCH",
                    path: id_path(c),
                    filter: None,
                    body: Some(patch_body(ops)),
                }],
                applied.steps,
            ))
        }
    }
}

fn is_inactive(current: &Json) -> bool {
    match current.get("active") {
        Some(Json::Bool(b)) => !b,
        Some(Json::String(s)) => s.eq_ignore_ascii_case("false"),
        _ => false,
    }
}

/// Wraps operations in a PatchOp message.
pub fn patch_body(ops: Vec<Json>) -> Json {
    json!({"schemas": [PATCH_URN], "Operations": ops})
}

fn disable_ops(flag: bool) -> Vec<Json> {
    if flag {
        vec![json!({"op": "replace", "path": "active", "value": false})]
    } else {
        vec![json!({"op": "Replace", "path": "active", "value": "False"})]
    }
}

/// The POST body (the mapped resource plus `meta.resourceType`, as in SCIMTUT's
/// example), and for groups the members PATCH that follows ("Groups are created with an
/// empty members list", SCIMTUT).
pub fn create_requests(m: &CompiledMapping, applied: &Applied, flag: bool) -> Vec<Request> {
    requests_creating(m, applied.resource.clone(), &applied.steps, flag)
}

/// [`create_requests`] taking the resource, so that a simulation does not copy it.
fn requests_creating(
    m: &CompiledMapping,
    mut body: Json,
    steps: &[Step],
    flag: bool,
) -> Vec<Request> {
    let mut members = Vec::new();
    let written = steps.iter().enumerate().filter_map(|(i, s)| match s {
        Step::Sent { value, .. } | Step::Default { value, .. } => Some((i, value)),
        _ => None,
    });
    for (i, v) in written {
        let Some(a) = m.attributes.get(i) else {
            continue;
        };
        if a.kind == Some(Kind::Reference) && a.multi {
            if let Some(o) = body.as_object_mut() {
                o.retain(|k, _| !k.eq_ignore_ascii_case(&a.target.attr.attr));
            }
            members.push((a, entra_members(v)));
        }
    }
    let changes: Vec<PathChange<'_>> = members
        .iter()
        .map(|(a, v)| PathChange {
            path: &a.target,
            value: v,
            flow: Flow::Elements,
        })
        .collect();
    let member_ops = diff_paths(
        &Json::Object(Map::new()),
        &changes,
        PathDiff::entra(flag),
        &Schemas::empty(),
    );
    if let Some(o) = body.as_object_mut() {
        o.insert("meta".into(), json!({"resourceType": m.target_object}));
    }
    let base = endpoint(m);
    let mut out = vec![Request {
        method: "POST",
        path: base.to_string(),
        filter: None,
        body: Some(body),
    }];
    if !member_ops.is_empty() {
        out.push(Request {
            method: "PATCH",
            path: format!("{base}/{{id}}"),
            filter: None,
            body: Some(patch_body(member_ops)),
        });
    }
    out
}

/// Group members as Entra sends them: `{"$ref": null, "value": id}` (SCIMTUT).
fn entra_members(v: &Json) -> Json {
    let ids = v.as_array().map(Vec::as_slice).unwrap_or_default();
    let id = |r: &Json| match r {
        Json::String(_) => r.clone(),
        r => r.get("value").cloned().unwrap_or(Json::Null),
    };
    Json::Array(
        ids.iter()
            .map(|r| json!({"$ref": null, "value": id(r)}))
            .collect(),
    )
}

/// The PATCH operations turning `current` into what the mapping produced: only the mapped
/// targets flow (`scim::diff::diff_paths`). The manager is sent as its id.
pub fn patch_ops(
    m: &CompiledMapping,
    applied: &Applied,
    current: Option<&Json>,
    flag: bool,
) -> Vec<Json> {
    let empty = Json::Object(Map::new());
    let current = current.unwrap_or(&empty);
    let mut targets = Vec::new();
    for (i, new) in applied.written() {
        let Some(a) = m.attributes.get(i) else {
            continue;
        };
        let (value, flow) = match (a.kind, new) {
            (Some(Kind::Reference), v) if a.multi => (entra_members(v), Flow::Elements),
            (Some(Kind::Reference), Json::Object(o)) => {
                (o.get("value").cloned().unwrap_or(Json::Null), Flow::Always)
            }
            (_, v) => (v.clone(), Flow::Always),
        };
        let flow = if a.flow == FlowType::AttributeAddOnly {
            Flow::WhenUnassigned
        } else {
            flow
        };
        targets.push((value_slot(&a.target), value, flow));
    }
    let changes: Vec<PathChange<'_>> = targets
        .iter()
        .map(|(path, value, flow)| PathChange {
            path,
            value,
            flow: *flow,
        })
        .collect();
    diff_paths(current, &changes, PathDiff::entra(flag), &Schemas::empty())
}
