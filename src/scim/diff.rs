//! Old + new resource → a PatchOp body that turns one into the other, in strict RFC 7644
//! shape or in the shape Microsoft Entra ID sends (capitalised op names, member removal by
//! value array). `apply(old, diff(old, new)) == new` is a property test.
//!
//! Read-only attributes (`id`, `meta`, `groups`) are never patched; empty objects and
//! arrays count as unassigned (RFC 7643 §2.5).
//!
//! [`diff_paths`] is the same for a list of target paths instead of a whole resource: only
//! those paths flow, which is how Entra updates a resource from a mapping (spec §4.2).

use crate::scim::patch::PATCH_OP_URN;
use crate::scim::schema::{Mutability, Schemas};
use crate::scim::Path;
use serde_json::{json, Map, Value};

/// Which dialect the generated operations use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiffShape {
    /// RFC 7644: lower-case op names, value-path filters for element removal.
    #[default]
    Strict,
    /// Entra ID: `Add`/`Replace`/`Remove`, and `Remove` of elements by `value` array
    /// (apply with [`crate::scim::Compat::entra`]).
    Entra,
}

struct Out {
    shape: DiffShape,
    ops: Vec<Value>,
}

impl Out {
    fn push(&mut self, op: &str, path: Option<&str>, value: Option<Value>) {
        let name = match (self.shape, op) {
            (DiffShape::Entra, "add") => "Add",
            (DiffShape::Entra, "replace") => "Replace",
            (DiffShape::Entra, "remove") => "Remove",
            (_, o) => o,
        };
        let mut m = Map::new();
        m.insert("op".into(), name.into());
        if let Some(p) = path {
            m.insert("path".into(), p.into());
        }
        if let Some(v) = value {
            m.insert("value".into(), v);
        }
        self.ops.push(Value::Object(m));
    }

    /// Removes the elements of a multi-valued attribute whose `value` is one of `ids`, one
    /// operation each: `attr[value eq "…"]` (RFC 7644 §3.5.2.2), or Entra's `Remove` with a
    /// one-element value array (spec §4.3).
    fn remove_elements(&mut self, path: &str, ids: &[&str]) {
        for id in ids {
            match self.shape {
                DiffShape::Strict => {
                    let p = format!("{path}[value eq {}]", Value::String((*id).to_string()));
                    self.push("remove", Some(&p), None);
                }
                DiffShape::Entra => {
                    let vals = json!([{ "value": id }]);
                    self.push("remove", Some(path), Some(vals));
                }
            }
        }
    }
}

fn unassigned(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        _ => false,
    }
}

fn is_urn(k: &str) -> bool {
    k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

/// The PatchOp body that turns `old` into `new`.
///
/// ```
/// use scimmap::scim::{apply_patch, diff, Compat, DiffShape, Schemas};
/// use serde_json::json;
/// let old = json!({"userName": "a", "name": {"givenName": "A", "familyName": "X"}});
/// let new = json!({"userName": "a", "name": {"givenName": "B"}, "title": "T"});
/// let body = diff(&old, &new, DiffShape::Strict, &Schemas::core());
/// assert_eq!(apply_patch(&old, &body, &Schemas::core(), &Compat::strict()).unwrap(), new);
/// ```
pub fn diff(old: &Value, new: &Value, shape: DiffShape, schemas: &Schemas) -> Value {
    let mut out = Out {
        shape,
        ops: Vec::new(),
    };
    let empty = Map::new();
    let o = old.as_object().unwrap_or(&empty);
    let n = new.as_object().unwrap_or(&empty);
    let read_only = |k: &str| {
        schemas
            .attribute(None, k)
            .is_some_and(|(d, _)| d.mutability == Mutability::ReadOnly)
    };
    for (k, ov) in o {
        if read_only(k) || unassigned(Some(ov)) || !unassigned(n.get(k)) {
            continue;
        }
        if is_urn(k) && ov.is_object() {
            if let Value::Object(inner) = ov {
                for (k2, v2) in inner {
                    if !unassigned(Some(v2)) {
                        out.push("remove", Some(&format!("{k}:{k2}")), None);
                    }
                }
            }
        } else {
            out.push("remove", Some(k), None);
        }
    }
    for (k, nv) in n {
        if read_only(k) || unassigned(Some(nv)) {
            continue;
        }
        let ov = o.get(k);
        if ov == Some(nv) {
            continue;
        }
        match (ov, nv) {
            (ov, Value::Object(ninner)) if is_urn(k) => {
                let oinner = ov.and_then(Value::as_object).unwrap_or(&empty);
                if unassigned(ov) {
                    let mut m = Map::new();
                    m.insert(k.clone(), nv.clone());
                    out.push("add", None, Some(Value::Object(m)));
                    continue;
                }
                for (k2, v2) in oinner {
                    if !unassigned(Some(v2)) && unassigned(ninner.get(k2)) {
                        out.push("remove", Some(&format!("{k}:{k2}")), None);
                    }
                }
                for (k2, v2) in ninner {
                    attribute(&mut out, &format!("{k}:{k2}"), oinner.get(k2), v2);
                }
            }
            _ => attribute(&mut out, k, ov, nv),
        }
    }
    json!({"schemas": [PATCH_OP_URN], "Operations": out.ops})
}

fn attribute(out: &mut Out, path: &str, ov: Option<&Value>, nv: &Value) {
    if ov == Some(nv) {
        return;
    }
    if unassigned(Some(nv)) {
        if !unassigned(ov) {
            out.push("remove", Some(path), None);
        }
        return;
    }
    let Some(ov) = ov.filter(|v| !unassigned(Some(v))) else {
        out.push("add", Some(path), Some(nv.clone()));
        return;
    };
    match (ov, nv) {
        (Value::Object(oo), Value::Object(no)) => {
            for (s, v) in oo {
                if !unassigned(Some(v)) && unassigned(no.get(s)) {
                    out.push("remove", Some(&format!("{path}.{s}")), None);
                }
            }
            for (s, v) in no {
                if unassigned(Some(v)) || oo.get(s) == Some(v) {
                    continue;
                }
                let op = if oo.get(s).is_some() {
                    "replace"
                } else {
                    "add"
                };
                out.push(op, Some(&format!("{path}.{s}")), Some(v.clone()));
            }
        }
        (Value::Array(oa), Value::Array(na)) => array(out, path, oa, na),
        (Value::Array(_), _) | (_, Value::Array(_)) => {
            out.push("remove", Some(path), None);
            out.push("add", Some(path), Some(nv.clone()));
        }
        _ => out.push("replace", Some(path), Some(nv.clone())),
    }
}

fn value_key(e: &Value) -> Option<&str> {
    e.as_object()?.get("value")?.as_str()
}

fn array(out: &mut Out, path: &str, oa: &[Value], na: &[Value]) {
    // Appended values only: `add` (RFC 7644 §3.5.2.1 appends to multi-valued attributes).
    if na.len() > oa.len() && na.get(..oa.len()) == Some(oa) {
        let extra = na.get(oa.len()..).unwrap_or(&[]);
        let distinct = extra
            .iter()
            .enumerate()
            .all(|(i, e)| !oa.contains(e) && !extra.get(..i).unwrap_or(&[]).contains(e));
        if distinct {
            out.push("add", Some(path), Some(Value::Array(extra.to_vec())));
            return;
        }
    }
    // Removed values only, each identified by a `value` unique in the old array.
    if na.len() < oa.len() {
        let mut j = 0;
        let mut removed = Vec::new();
        for e in oa {
            if na.get(j) == Some(e) {
                j += 1;
            } else {
                removed.push(e);
            }
        }
        let unique = |v: &str| {
            oa.iter()
                .filter(|e| value_key(e).is_some_and(|x| x.to_lowercase() == v.to_lowercase()))
                .count()
                == 1
        };
        let identifiable =
            j == na.len() && removed.iter().all(|e| value_key(e).is_some_and(unique));
        if identifiable {
            let ids: Vec<&str> = removed.iter().filter_map(|e| value_key(e)).collect();
            out.remove_elements(path, &ids);
            return;
        }
    }
    out.push("replace", Some(path), Some(Value::Array(na.to_vec())));
}

/// How [`diff_paths`] writes operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PathDiff {
    /// Op names and element removal, as in [`diff`].
    pub shape: DiffShape,
    /// Booleans as the strings `"True"`/`"False"` (Entra without `aadOptscim062020`).
    pub boolean_strings: bool,
    /// Two or more replacements of attributes without a value filter become one path-less
    /// `replace` keyed by path, after the other operations; a single one keeps its path
    /// (Entra with `aadOptscim062020`, spec §4.3).
    pub fold_replacements: bool,
}

impl PathDiff {
    /// What Entra sends: without `aadOptscim062020`, capitalised op names, boolean strings
    /// and removal by value array; with it, RFC op names, JSON booleans, element removal
    /// by value filter and folded replacements (spec §4.3).
    pub fn entra(aad_opt_scim062020: bool) -> Self {
        if aad_opt_scim062020 {
            PathDiff {
                shape: DiffShape::Strict,
                boolean_strings: false,
                fold_replacements: true,
            }
        } else {
            PathDiff {
                shape: DiffShape::Entra,
                boolean_strings: true,
                fold_replacements: false,
            }
        }
    }
}

/// How one target of [`diff_paths`] flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// `add` when the path is unassigned, `replace` when it holds another value.
    Always,
    /// Only when the path is unassigned (Entra's `AttributeAddOnly`).
    WhenUnassigned,
    /// A multi-valued attribute whose elements are identified by `value` (group
    /// `members`): elements missing from the resource are added in one `add`, elements
    /// not in the new value are removed.
    Elements,
}

/// One path and the value it should have.
#[derive(Debug, Clone, Copy)]
pub struct PathChange<'a> {
    /// Where.
    pub path: &'a Path,
    /// The value it should have.
    pub value: &'a Value,
    /// How it flows.
    pub flow: Flow,
}

/// Whether `new` already holds in `current`, allowing the spellings an app stores for what
/// Entra sends: `"True"`/`"False"` for booleans, and a complex value for its `value` (the
/// enterprise `manager` is sent as a plain id).
fn holds(new: &Value, current: &Value) -> bool {
    match (new, current) {
        (Value::Bool(b), Value::String(s)) => {
            s.eq_ignore_ascii_case(if *b { "true" } else { "false" })
        }
        (Value::String(_), Value::Object(o)) => o.get("value") == Some(new),
        _ => new == current,
    }
}

/// What identifies an element of a multi-valued attribute: its `value`, or the element
/// itself when it is a plain string.
fn element_id(e: &Value) -> Option<&str> {
    match e {
        Value::String(s) => Some(s),
        e => value_key(e),
    }
}

fn element_ids(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(element_id).collect())
        .unwrap_or_default()
}

/// The operations that give each path its value in `current`, in order; paths that already
/// hold their value produce nothing, and nothing is ever removed except elements of an
/// [`Flow::Elements`] target. `schemas` decides case sensitivity when matching value
/// filters.
///
/// ```
/// use scimmap::scim::diff::{diff_paths, Flow, PathChange, PathDiff};
/// use scimmap::scim::{Path, Schemas};
/// use serde_json::json;
/// let current = json!({"active": "True", "title": "Dev"});
/// let (active, title) = (Path::parse("active").unwrap(), Path::parse("title").unwrap());
/// let (t, cto) = (json!(true), json!("CTO"));
/// let ops = diff_paths(
///     &current,
///     &[
///         PathChange { path: &active, value: &t, flow: Flow::Always },
///         PathChange { path: &title, value: &cto, flow: Flow::Always },
///     ],
///     PathDiff::entra(false),
///     &Schemas::core(),
/// );
/// assert_eq!(ops, vec![json!({"op": "Replace", "path": "title", "value": "CTO"})]);
/// ```
pub fn diff_paths(
    current: &Value,
    changes: &[PathChange<'_>],
    opts: PathDiff,
    schemas: &Schemas,
) -> Vec<Value> {
    let mut out = Out {
        shape: opts.shape,
        ops: Vec::new(),
    };
    let mut folded: Vec<(String, Value)> = Vec::new();
    for c in changes {
        let cur = crate::scim::path::resolve(current, c.path, schemas);
        let cur = cur.as_ref();
        if c.flow == Flow::WhenUnassigned && cur.is_some() {
            continue;
        }
        let path = c.path.to_string();
        if c.flow == Flow::Elements {
            let have = element_ids(cur);
            let want = element_ids(Some(c.value));
            let added: Vec<Value> = c
                .value
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|e| element_id(e).map_or(true, |id| !have.contains(&id)))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            if !added.is_empty() {
                out.push("add", Some(&path), Some(Value::Array(added)));
            }
            let removed: Vec<&str> = have.into_iter().filter(|id| !want.contains(id)).collect();
            out.remove_elements(&path, &removed);
            continue;
        }
        if cur.is_some_and(|v| holds(c.value, v)) {
            continue;
        }
        let value = match c.value {
            Value::Bool(b) if opts.boolean_strings => {
                Value::String(if *b { "True" } else { "False" }.into())
            }
            v => v.clone(),
        };
        match cur {
            None => out.push("add", Some(&path), Some(value)),
            Some(_) if opts.fold_replacements && c.path.filter.is_none() => {
                folded.push((path, value));
            }
            Some(_) => out.push("replace", Some(&path), Some(value)),
        }
    }
    if folded.len() == 1 {
        if let Some((p, v)) = folded.pop() {
            out.push("replace", Some(&p), Some(v));
        }
    } else if !folded.is_empty() {
        let value: Map<String, Value> = folded.into_iter().collect();
        out.push("replace", None, Some(Value::Object(value)));
    }
    out.ops
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn entra_removes_one_element_per_operation() {
        let old = json!({"displayName": "g", "members": [{"value": "a"}, {"value": "b"}, {"value": "c"}]});
        let new = json!({"displayName": "g", "members": [{"value": "b"}]});
        let body = diff(&old, &new, DiffShape::Entra, &Schemas::core());
        assert_eq!(
            body["Operations"],
            json!([
                {"op": "Remove", "path": "members", "value": [{"value": "a"}]},
                {"op": "Remove", "path": "members", "value": [{"value": "c"}]}
            ])
        );
        let out =
            crate::scim::apply_patch(&old, &body, &Schemas::core(), &crate::scim::Compat::entra());
        assert_eq!(out.unwrap(), new);
    }

    #[test]
    fn paths_fold_and_members() {
        let cur = json!({"title": "a", "active": true, "members": [{"value": "u1"}, {"value": "u3"}],
            "emails": [{"type": "work", "value": "x@y"}]});
        let p = |s: &str| Path::parse(s).unwrap();
        let (title, active, members, work) = (
            p("title"),
            p("active"),
            p("members"),
            p(r#"emails[type eq "work"].value"#),
        );
        let (b, f, m, e) = (
            json!("b"),
            json!(false),
            json!([{"value": "u1"}, {"value": "u2"}]),
            json!("z@y"),
        );
        let changes = [
            PathChange {
                path: &title,
                value: &b,
                flow: Flow::Always,
            },
            PathChange {
                path: &active,
                value: &f,
                flow: Flow::Always,
            },
            PathChange {
                path: &members,
                value: &m,
                flow: Flow::Elements,
            },
            PathChange {
                path: &work,
                value: &e,
                flow: Flow::WhenUnassigned,
            },
        ];
        let flagged = diff_paths(&cur, &changes, PathDiff::entra(true), &Schemas::core());
        assert_eq!(
            flagged,
            vec![
                json!({"op": "add", "path": "members", "value": [{"value": "u2"}]}),
                json!({"op": "remove", "path": "members[value eq \"u3\"]"}),
                json!({"op": "replace", "value": {"title": "b", "active": false}}),
            ]
        );
        let entra = diff_paths(&cur, &changes, PathDiff::entra(false), &Schemas::core());
        assert_eq!(
            entra,
            vec![
                json!({"op": "Replace", "path": "title", "value": "b"}),
                json!({"op": "Replace", "path": "active", "value": "False"}),
                json!({"op": "Add", "path": "members", "value": [{"value": "u2"}]}),
                json!({"op": "Remove", "path": "members", "value": [{"value": "u3"}]}),
            ]
        );
    }
}
