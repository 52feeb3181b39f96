//! The summary of an impact run, as JSON (`--json`, the npm package) and as a table for
//! people.

use super::compare::{AttributeDiff, Detail, Pair};
use crate::mapping::simulate::Request;
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::fmt::Write as _;

/// What a mapping change does to a user. A user gets at most one kind, the first that
/// applies in this order: an error on either side, a change of scope, a failed lookup,
/// changed attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    /// The new matching lookup finds no app user: Entra creates a second one.
    MatchingChanged,
    /// The new mapping fails for a user the old one provisioned (or skipped).
    NewError,
    /// In scope before, out of scope after: Entra disables the app user.
    LeavingScope,
    /// Failing under both mappings, with a different error.
    ErrorChanged,
    /// Out of scope before, in scope after: Entra creates the user.
    EnteringScope,
    /// The attribute values Entra sends change.
    AttributesChanged,
    /// Failing under the old mapping, not under the new one.
    ErrorFixed,
}

impl Kind {
    /// Every kind, in the order the summary lists kinds of equal severity and count.
    pub const ALL: [Kind; 7] = [
        Kind::MatchingChanged,
        Kind::NewError,
        Kind::LeavingScope,
        Kind::ErrorChanged,
        Kind::EnteringScope,
        Kind::AttributesChanged,
        Kind::ErrorFixed,
    ];

    /// The name in the summary (`matchingChanged`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::MatchingChanged => "matchingChanged",
            Kind::NewError => "newError",
            Kind::LeavingScope => "leavingScope",
            Kind::ErrorChanged => "errorChanged",
            Kind::EnteringScope => "enteringScope",
            Kind::AttributesChanged => "attributesChanged",
            Kind::ErrorFixed => "errorFixed",
        }
    }

    /// How bad it is (docs/mapping-decisions.md, "Impact").
    pub fn severity(self) -> Severity {
        match self {
            Kind::MatchingChanged | Kind::NewError => Severity::Dangerous,
            Kind::LeavingScope | Kind::ErrorChanged => Severity::Warning,
            Kind::EnteringScope | Kind::AttributesChanged | Kind::ErrorFixed => Severity::Info,
        }
    }

    /// What it means for the app, in one sentence.
    pub fn meaning(self) -> &'static str {
        match self {
            Kind::MatchingChanged => {
                "the matching value changes: Entra's lookup finds no app user and it creates a \
                 second one (or the app refuses the duplicate), leaving the existing one unmanaged"
            }
            Kind::NewError => {
                "the new mapping fails for these users: Entra stops provisioning them (and \
                 quarantines the job when most users fail)"
            }
            Kind::LeavingScope => {
                "in scope before, out of scope after: Entra disables them in the app"
            }
            Kind::ErrorChanged => "failing under both mappings, with a different error",
            Kind::EnteringScope => {
                "out of scope before, in scope after: Entra creates them in the app"
            }
            Kind::AttributesChanged => "the attribute values Entra sends change",
            Kind::ErrorFixed => "failing under the old mapping, provisioned under the new one",
        }
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Damages the app's data or stops provisioning: `scimmap impact` exits 1.
    Dangerous,
    /// Changes who is in the app; may be intended.
    Warning,
    /// Expected effects of an edit.
    Info,
}

impl Severity {
    /// The name in the summary.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Dangerous => "dangerous",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One affected user, as an example.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// Who: `userPrincipalName`, else `objectId` / `id`, else `displayName` (a group:
    /// `displayName`, else `objectId` / `id`), else `record N` (its position in the input,
    /// from 1).
    pub user: String,
    /// What happens, in one line.
    pub detail: String,
    /// The value under the old mapping (the old matching filter, the old attribute values,
    /// the old error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Json>,
    /// The value under the new mapping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Json>,
}

/// One kind of effect and how many users it concerns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The kind.
    pub kind: Kind,
    /// How bad it is.
    pub severity: Severity,
    /// What it means for the app.
    pub meaning: &'static str,
    /// Users concerned (0 allowed: every kind is always listed).
    pub count: usize,
    /// The first users concerned, in input order.
    pub examples: Vec<Example>,
}

/// How one target attribute changes across the population.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributeChange {
    /// The target path, canonical (`name.givenName`, `addresses[type eq "work"].locality`).
    pub target: String,
    /// Users whose value differs (`changed + added + dropped`).
    pub users: usize,
    /// Both mappings write it, with different values.
    pub changed: usize,
    /// Only the new mapping writes it.
    pub added: usize,
    /// Only the old mapping writes it (Entra sends no removal: the app keeps the old value).
    pub dropped: usize,
    /// The first users concerned; `detail` is `changed`, `added` or `dropped`.
    pub examples: Vec<Example>,
}

/// What a mapping change does to a population.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The old mapping, as named.
    pub from: String,
    /// The new mapping, as named.
    pub to: String,
    /// The object type compared (`User`, `Group`).
    pub object: String,
    /// Users read.
    pub users: usize,
    /// Users for whom nothing changes.
    pub unchanged: usize,
    /// Users with a finding (`users - unchanged`, the sum of the findings' counts).
    pub changed: usize,
    /// Every kind, by severity (dangerous first), then count (largest first).
    pub findings: Vec<Finding>,
    /// The target attributes whose value differs for at least one user, most users first.
    pub attributes: Vec<AttributeChange>,
    /// How to read the numbers.
    pub notes: Vec<String>,
}

impl Summary {
    /// Whether a dangerous finding has users.
    pub fn dangerous(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Dangerous && f.count > 0)
    }
}

/// Who a record is, for examples: a group by its display name first.
pub(crate) fn label(user: &Json, record: usize, group: bool) -> String {
    let names: &[&str] = if group {
        &["displayName", "objectId", "id"]
    } else {
        &["userPrincipalName", "objectId", "id", "displayName"]
    };
    names
        .iter()
        .find_map(|k| match user.get(*k) {
            Some(Json::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_else(|| format!("record {record}"))
}

/// Values longer than this (compact JSON) are cut in examples.
const MAX_VALUE_CHARS: usize = 200;

/// A value for an example, cut to a string of [`MAX_VALUE_CHARS`] when longer.
pub(crate) fn clip(v: &Json) -> Json {
    let text = v.to_string();
    if text.chars().count() <= MAX_VALUE_CHARS {
        return v.clone();
    }
    let cut: String = text.chars().take(MAX_VALUE_CHARS).collect();
    Json::String(format!("{cut}…"))
}

fn first_filter(requests: &[Request]) -> Option<&str> {
    requests.iter().find_map(|r| r.filter.as_deref())
}

/// The operations of PATCH requests, as `Op path` (a path-less replace lists its members).
fn operations(requests: &[Request]) -> Vec<String> {
    let mut out = Vec::new();
    for r in requests {
        let ops = r
            .body
            .as_ref()
            .and_then(|b| b.get("Operations"))
            .and_then(Json::as_array);
        for op in ops.into_iter().flatten() {
            let name = op.get("op").and_then(Json::as_str).unwrap_or("?");
            match (op.get("path").and_then(Json::as_str), op.get("value")) {
                (Some(path), _) => out.push(format!("{name} {path}")),
                (None, Some(Json::Object(members))) => {
                    out.extend(members.keys().map(|k| format!("{name} {k}")));
                }
                (None, _) => out.push(name.to_string()),
            }
        }
    }
    out
}

/// The differing attributes as `{target: value}` on each side.
fn attribute_values(attributes: &[AttributeDiff<'_>], pairs: &[Pair]) -> (Json, Json) {
    let (mut before, mut after) = (Map::new(), Map::new());
    for d in attributes {
        let Some(p) = pairs.get(d.pair) else { continue };
        if let Some(v) = d.before {
            before.insert(p.target.clone(), clip(v));
        }
        if let Some(v) = d.after {
            after.insert(p.target.clone(), clip(v));
        }
    }
    (Json::Object(before), Json::Object(after))
}

/// The example for a user's finding.
pub(crate) fn example(
    kind: Kind,
    detail: &Detail<'_>,
    attributes: &[AttributeDiff<'_>],
    pairs: &[Pair],
    user: String,
) -> Example {
    let mut ex = Example {
        user,
        detail: String::new(),
        before: None,
        after: None,
    };
    match detail {
        Detail::None => {}
        Detail::Errors { before, after } => {
            let text = |e: &Option<&crate::mapping::MappingError>| e.map(|e| e.to_string());
            ex.detail = match (kind, text(before), text(after)) {
                (Kind::ErrorFixed, Some(b), _) => format!("no longer fails with: {b}"),
                (_, _, Some(a)) => a,
                _ => String::new(),
            };
            if kind == Kind::ErrorChanged {
                ex.before = text(before).map(Json::String);
                ex.after = text(after).map(Json::String);
            }
        }
        Detail::Scope(reason) => ex.detail = (*reason).to_string(),
        Detail::Matching {
            before,
            after,
            held,
            target,
        } => {
            ex.before = first_filter(before).map(|f| Json::String(f.into()));
            ex.after = first_filter(after).map(|f| Json::String(f.into()));
            ex.detail = match (first_filter(after), target) {
                (None, _) => {
                    "the new mapping gives no matching value: Entra cannot look the user up"
                        .to_string()
                }
                (Some(f), Some(t)) => {
                    let held = held
                        .as_ref()
                        .map_or_else(|| "no value".to_string(), |v| format!("{t} {v}"));
                    format!(
                        "Entra looks up `{f}` and finds nothing (the app's user has {held}): it creates a second user"
                    )
                }
                (Some(f), None) => {
                    format!("Entra looks up `{f}` and finds nothing: it creates a second user")
                }
            };
        }
        Detail::Update(requests) => {
            let ops = operations(requests);
            ex.detail = if ops.is_empty() {
                "no request to the existing user: the difference reaches new users only".into()
            } else {
                format!("PATCH {}", ops.join(", "))
            };
            if !attributes.is_empty() {
                let (b, a) = attribute_values(attributes, pairs);
                ex.before = Some(b);
                ex.after = Some(a);
            }
        }
    }
    ex
}

fn shown(v: &Option<Json>) -> String {
    v.as_ref()
        .map_or_else(|| "(absent)".into(), Json::to_string)
}

/// The summary as a table for people: the findings with users (dangerous first) and
/// their examples, then the attributes, then the notes.
pub fn render_text(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Impact of {} → {} on {} {} object{}: {} changed, {} unchanged",
        s.from,
        s.to,
        s.users,
        s.object,
        if s.users == 1 { "" } else { "s" },
        s.changed,
        s.unchanged
    );
    let found: Vec<&Finding> = s.findings.iter().filter(|f| f.count > 0).collect();
    if found.is_empty() {
        out.push_str("\nNothing changes for any of them.\n");
    } else {
        let _ = writeln!(
            out,
            "\n{:<10} {:<18} {:>8}  MEANING",
            "SEVERITY", "FINDING", "USERS"
        );
        for f in &found {
            let _ = writeln!(
                out,
                "{:<10} {:<18} {:>8}  {}",
                f.severity.name(),
                f.kind.name(),
                f.count,
                f.meaning
            );
        }
        for f in &found {
            let _ = writeln!(out, "\n{} ({}), for example:", f.kind.name(), f.count);
            for e in &f.examples {
                let _ = writeln!(out, "  {}: {}", e.user, e.detail);
                if e.before.is_some() || e.after.is_some() {
                    let _ = writeln!(out, "    before: {}", shown(&e.before));
                    let _ = writeln!(out, "    after:  {}", shown(&e.after));
                }
            }
        }
    }
    if !s.attributes.is_empty() {
        let width = s
            .attributes
            .iter()
            .map(|a| a.target.chars().count())
            .max()
            .unwrap_or(0)
            .max(9);
        let _ = writeln!(
            out,
            "\n{:<width$} {:>8} {:>8} {:>8} {:>8}",
            "ATTRIBUTE", "USERS", "CHANGED", "ADDED", "DROPPED"
        );
        for a in &s.attributes {
            let _ = writeln!(
                out,
                "{:<width$} {:>8} {:>8} {:>8} {:>8}",
                a.target, a.users, a.changed, a.added, a.dropped
            );
            for e in &a.examples {
                let _ = writeln!(
                    out,
                    "  {}: {} → {}",
                    e.user,
                    shown(&e.before),
                    shown(&e.after)
                );
            }
        }
    }
    for n in &s.notes {
        let _ = writeln!(out, "\nnote: {n}");
    }
    out
}
