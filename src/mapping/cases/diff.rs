//! Expected vs actual, attribute by attribute.
//!
//! Decisions (docs/mapping-decisions.md, "Mapping tests"):
//! * requests are compared in order (a group's POST comes before its members PATCH);
//! * a PATCH's operations are compared as a set: each expected operation is paired with an
//!   actual one of the same `op` (case-insensitive) and `path`, then compared member by
//!   member, so reordering the attribute mappings does not fail a test, while `Replace`
//!   vs `replace` (the aadOptscim062020 dialect) does;
//! * bodies are compared exactly: a member the case does not expect is a difference;
//! * `reason` passes when the actual reason contains it; `matching` is compared in order.

use super::model::{Expectation, Request};
use super::run::patch_operations;
use crate::mapping::simulate::patch_body;
use serde::Serialize;
use serde_json::Value as Json;

/// One place where expected and actual differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// Where: `action`, `requests[0].body.name.givenName`,
    /// `requests[0].operations[Replace title].value`.
    pub at: String,
    /// The expected value; `None` = not expected.
    pub expected: Option<Json>,
    /// The actual value; `None` = absent.
    pub actual: Option<Json>,
}

impl Difference {
    fn new(at: impl Into<String>, expected: Option<&Json>, actual: Option<&Json>) -> Self {
        Difference {
            at: at.into(),
            expected: expected.cloned(),
            actual: actual.cloned(),
        }
    }

    /// `at: expected X, actual Y`, values as compact JSON (long ones cut).
    pub fn render(&self) -> String {
        format!(
            "{}: expected {}, actual {}",
            self.at,
            show(self.expected.as_ref()),
            show(self.actual.as_ref())
        )
    }
}

/// Longest value shown in a difference, in characters.
const MAX_SHOWN: usize = 200;

fn show(v: Option<&Json>) -> String {
    let Some(v) = v else {
        return "(absent)".into();
    };
    let s = v.to_string();
    if s.chars().count() <= MAX_SHOWN {
        return s;
    }
    let cut: String = s.chars().take(MAX_SHOWN).collect();
    format!("{cut}…")
}

/// Every difference between an expectation and the actual outcome.
pub fn diff(expected: &Expectation, actual: &Expectation) -> Vec<Difference> {
    let mut out = Vec::new();
    if expected.action != actual.action {
        out.push(Difference::new(
            "action",
            Some(&expected.action.name().into()),
            Some(&actual.action.name().into()),
        ));
    }
    diff_reason(expected, actual, &mut out);
    if let Some(m) = &expected.matching {
        let e = Json::from(m.clone());
        let a = Json::from(actual.matching.clone().unwrap_or_default());
        diff_json("matching", &e, &a, &mut out);
    }
    let n = expected.requests.len().max(actual.requests.len());
    for i in 0..n {
        let at = format!("requests[{i}]");
        match (expected.requests.get(i), actual.requests.get(i)) {
            (Some(e), Some(a)) => diff_request(&at, e, a, &mut out),
            (e, a) => out.push(Difference::new(
                at,
                e.map(request_json).as_ref(),
                a.map(request_json).as_ref(),
            )),
        }
    }
    out
}

fn diff_reason(expected: &Expectation, actual: &Expectation, out: &mut Vec<Difference>) {
    let Some(want) = &expected.reason else { return };
    let got = actual.reason.as_deref().unwrap_or("");
    if !got.contains(want.as_str()) {
        out.push(Difference::new(
            "reason",
            Some(&want.as_str().into()),
            Some(&got.into()),
        ));
    }
}

fn request_json(r: &Request) -> Json {
    serde_json::to_value(r).unwrap_or(Json::Null)
}

/// A request's body: PatchOp operations, another JSON body, or none.
enum Body {
    None,
    Ops(Vec<Json>),
    Json(Json),
}

fn body_of(r: &Request) -> Body {
    if let Some(ops) = &r.operations {
        return Body::Ops(ops.clone());
    }
    match &r.body {
        None => Body::None,
        Some(b) => match patch_operations(&r.method, Some(b)) {
            Some(ops) => Body::Ops(ops),
            None => Body::Json(b.clone()),
        },
    }
}

fn diff_request(at: &str, e: &Request, a: &Request, out: &mut Vec<Difference>) {
    if e.method != a.method {
        let (x, y) = (Json::from(e.method.as_str()), Json::from(a.method.as_str()));
        out.push(Difference::new(format!("{at}.method"), Some(&x), Some(&y)));
    }
    if e.path != a.path {
        let (x, y) = (Json::from(e.path.as_str()), Json::from(a.path.as_str()));
        out.push(Difference::new(format!("{at}.path"), Some(&x), Some(&y)));
    }
    match (body_of(e), body_of(a)) {
        (Body::None, Body::None) => {}
        (Body::Ops(x), Body::Ops(y)) => diff_ops(&format!("{at}.operations"), &x, &y, out),
        (Body::Json(x), Body::Json(y)) => diff_json(&format!("{at}.body"), &x, &y, out),
        (x, y) => out.push(Difference::new(
            format!("{at}.body"),
            body_json(x).as_ref(),
            body_json(y).as_ref(),
        )),
    }
}

fn body_json(b: Body) -> Option<Json> {
    match b {
        Body::None => None,
        Body::Ops(ops) => Some(patch_body(ops)),
        Body::Json(j) => Some(j),
    }
}

/// `replace name.givenName`: what pairs an expected operation with an actual one.
fn op_key(op: &Json) -> (String, String) {
    let text = |k: &str| op.get(k).and_then(Json::as_str).unwrap_or("").to_string();
    (text("op").to_ascii_lowercase(), text("path"))
}

/// `operations[Replace title]`, with the operation as written.
fn op_label(at: &str, op: &Json) -> String {
    let name = op.get("op").and_then(Json::as_str).unwrap_or("?");
    match op.get("path").and_then(Json::as_str) {
        Some(p) => format!("{at}[{name} {p}]"),
        None => format!("{at}[{name}]"),
    }
}

fn diff_ops(at: &str, expected: &[Json], actual: &[Json], out: &mut Vec<Difference>) {
    let mut used = vec![false; actual.len()];
    for e in expected {
        let key = op_key(e);
        let pair = actual
            .iter()
            .zip(used.iter_mut())
            .find(|(a, u)| !**u && op_key(a) == key);
        match pair {
            Some((a, u)) => {
                *u = true;
                diff_json(&op_label(at, e), e, a, out);
            }
            None => out.push(Difference::new(op_label(at, e), Some(e), None)),
        }
    }
    for (a, u) in actual.iter().zip(&used) {
        if !u {
            out.push(Difference::new(op_label(at, a), None, Some(a)));
        }
    }
}

/// `at.key`, or `at["key"]` when the key is not a plain name (URNs, `$ref`).
fn member(at: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match (at.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{at}.{key}"),
        (_, false) => format!("{at}[{}]", Json::from(key)),
    }
}

/// Recursive JSON comparison: objects member by member, arrays element by element.
fn diff_json(at: &str, e: &Json, a: &Json, out: &mut Vec<Difference>) {
    if e == a {
        return;
    }
    match (e, a) {
        (Json::Object(x), Json::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => diff_json(&member(at, k), v, w, out),
                    None => out.push(Difference::new(member(at, k), Some(v), None)),
                }
            }
            for (k, w) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                out.push(Difference::new(member(at, k), None, Some(w)));
            }
        }
        (Json::Array(x), Json::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let here = format!("{at}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(v), Some(w)) => diff_json(&here, v, w, out),
                    (v, w) => out.push(Difference::new(here, v, w)),
                }
            }
        }
        _ => out.push(Difference::new(at, Some(e), Some(a))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    fn at(e: &Json, a: &Json) -> Vec<String> {
        let mut out = Vec::new();
        diff_json("body", e, a, &mut out);
        out.iter().map(Difference::render).collect()
    }

    #[test]
    fn member_names_that_are_not_plain_are_quoted() {
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let e = json!({urn: {"department": "Sales"}, "name": {"givenName": "Ada"}});
        let a = json!({urn: {"department": "Labs"}, "name": {"givenName": "Ada"}, "$ref": 1});
        assert_eq!(
            at(&e, &a),
            [
                format!("body[\"{urn}\"].department: expected \"Sales\", actual \"Labs\""),
                "body[\"$ref\"]: expected (absent), actual 1".to_string(),
            ]
        );
    }

    #[test]
    fn arrays_compare_by_index_and_long_values_are_cut() {
        let long = "x".repeat(300);
        let d = at(&json!([1, long]), &json!([1]));
        assert_eq!(d.len(), 1);
        assert!(d[0].starts_with("body[1]: expected \"xxx"), "{}", d[0]);
        assert!(d[0].ends_with("…, actual (absent)"), "{}", d[0]);
    }

    #[test]
    fn repeated_operations_pair_in_order() {
        let add = |v: &str| json!({"op": "Add", "path": "members", "value": [{"value": v}]});
        let mut out = Vec::new();
        diff_ops(
            "ops",
            &[add("a"), add("b")],
            &[add("b"), add("a")],
            &mut out,
        );
        // Same key twice: the first expected pairs with the first actual.
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].at, "ops[Add members].value[0].value");
        let mut out = Vec::new();
        diff_ops("ops", &[add("a")], &[add("a"), add("b")], &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].expected, None);
    }
}
