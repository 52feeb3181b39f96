//! Old + new resource → a PatchOp body that turns one into the other, in strict RFC 7644
//! shape or in the shape Microsoft Entra ID sends (capitalised op names, member removal by
//! value array). `apply(old, diff(old, new)) == new` is a property test.
//!
//! Read-only attributes (`id`, `meta`, `groups`) are never patched; empty objects and
//! arrays count as unassigned (RFC 7643 §2.5).

use crate::scim::patch::PATCH_OP_URN;
use crate::scim::schema::{Mutability, Schemas};
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
            match out.shape {
                DiffShape::Strict => {
                    for e in removed {
                        let v = value_key(e).unwrap_or_default();
                        let p = format!("{path}[value eq {}]", Value::String(v.to_string()));
                        out.push("remove", Some(&p), None);
                    }
                }
                DiffShape::Entra => {
                    let vals: Vec<Value> = removed
                        .iter()
                        .map(|e| json!({"value": value_key(e).unwrap_or_default()}))
                        .collect();
                    out.push("remove", Some(path), Some(Value::Array(vals)));
                }
            }
            return;
        }
    }
    out.push("replace", Some(path), Some(Value::Array(na.to_vec())));
}
