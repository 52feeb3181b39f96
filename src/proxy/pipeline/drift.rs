//! Drift: the app stored something other than what the client sent (dropped an
//! attribute, changed its case, truncated it). Entra then sees a difference on its next
//! cycle and PATCHes the same user again, forever; the log names the attributes (never
//! their values) so an admin can fix the mapping.

use crate::scim::{Compat, PatchOp, Schemas};
use serde_json::{Map, Value as Json};

/// Members that are the app's to set or are never returned (RFC 7643 §3.1, §4.1.1
/// `password` is `returned: never`).
fn not_compared(name: &str) -> bool {
    ["schemas", "id", "meta", "password"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
}

fn is_extension(name: &str) -> bool {
    name.get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

/// The client attributes of a POST/PUT body that the app's answer (in the client's
/// view) does not hold as sent. `ignored` names attributes the proxy did not pass on.
pub(super) fn of_write(asked: &Json, stored: &Json, ignored: &[String]) -> Vec<String> {
    let (Some(asked), Some(stored)) = (asked.as_object(), stored.as_object()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    compare_members(asked, stored, ignored, &mut out);
    out
}

/// The attributes a PATCH set that the app's answer does not hold: applying the PATCH
/// again to what the app answered must change nothing.
pub(super) fn of_patch(
    patch: &PatchOp,
    stored: &Json,
    compat: &Compat,
    ignored: &[String],
) -> Vec<String> {
    let Ok(expected) = patch.apply(stored, Schemas::shared_core(), compat) else {
        return Vec::new();
    };
    let (Some(exp), Some(st)) = (expected.as_object(), stored.as_object()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    compare_members(exp, st, ignored, &mut out);
    // A removal the app did not carry out.
    for (k, v) in st {
        if !not_compared(k) && get(exp, k).is_none() && !is_empty(v) && !out.contains(k) {
            out.push(k.clone());
        }
    }
    out
}

fn compare_members(
    asked: &Map<String, Json>,
    stored: &Map<String, Json>,
    ignored: &[String],
    out: &mut Vec<String>,
) {
    for (k, v) in asked {
        if not_compared(k) || ignored.iter().any(|i| i.eq_ignore_ascii_case(k)) {
            continue;
        }
        match (is_extension(k), v, get(stored, k)) {
            // Extension attributes are named one by one (`urn:…:User:department`).
            (true, Json::Object(inner), Some(Json::Object(st))) => {
                for (k2, v2) in inner {
                    let name = format!("{k}:{k2}");
                    let skip = ignored.iter().any(|i| i.eq_ignore_ascii_case(&name));
                    if !skip && !covers(v2, get(st, k2)) {
                        out.push(name);
                    }
                }
            }
            _ => {
                if !covers(v, get(stored, k)) {
                    out.push(k.clone());
                }
            }
        }
    }
}

fn get<'a>(m: &'a Map<String, Json>, k: &str) -> Option<&'a Json> {
    m.get(k).or_else(|| {
        m.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v)
    })
}

/// Null, `[]`, `{}` or an object of such: unassigned (RFC 7643 §2.5).
fn is_empty(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::Array(a) => a.iter().all(is_empty),
        Json::Object(m) => m.values().all(is_empty),
        _ => false,
    }
}

/// Whether `stored` holds everything `asked` says: objects member by member, arrays
/// element by element in any order (the app may add members such as `display` or
/// `primary: false`), scalars equal. A value Entra sends as text for a boolean
/// (`"True"`, spec §4.2) equals the boolean.
fn covers(asked: &Json, stored: Option<&Json>) -> bool {
    let stored = stored.filter(|s| !s.is_null());
    match (asked, stored) {
        (a, _) if is_empty(a) => true,
        (_, None) => false,
        (Json::Object(a), Some(Json::Object(s))) => a.iter().all(|(k, v)| covers(v, get(s, k))),
        // The element at the same index first: apps mostly store a list in the order
        // sent, and a 40-value list would otherwise cost 40 × 40 comparisons.
        (Json::Array(a), Some(Json::Array(s))) => a.iter().enumerate().all(|(i, x)| {
            is_empty(x)
                || s.get(i).is_some_and(|y| covers(x, Some(y)))
                || s.iter().any(|y| covers(x, Some(y)))
        }),
        (a, Some(s)) => scalar_eq(a, s),
    }
}

fn scalar_eq(a: &Json, s: &Json) -> bool {
    match (a, s) {
        (Json::String(t), Json::Bool(b)) | (Json::Bool(b), Json::String(t)) => {
            t.eq_ignore_ascii_case(if *b { "true" } else { "false" })
        }
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_compare_what_was_sent() {
        let asked = json!({"schemas": ["x"], "userName": "Ada", "active": "True", "title": "CEO",
            "roles": [], "addresses": null, "password": "p",
            "emails": [{"type": "work", "value": "a@x.org", "primary": true}],
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D", "division": "X"},
            "nickName": "computed-anyway"});
        let stored = json!({"id": "1", "userName": "ada", "active": true,
            "emails": [{"value": "a@x.org", "type": "work", "primary": true, "display": "A"}],
            "name": {"givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada Lovelace"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"},
            "nickName": "Ada.Lovelace"});
        let d = of_write(&asked, &stored, &["nickName".to_string()]);
        assert_eq!(
            d,
            vec![
                "userName".to_string(),
                "title".into(),
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division".into()
            ]
        );
        assert!(of_write(&stored, &stored, &[]).is_empty());
    }

    #[test]
    fn patches_compare_by_applying_again() {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
            {"op": "Replace", "path": "title", "value": "CEO"},
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Remove", "path": "nickName"},
            {"op": "Add", "path": "emails", "value": [{"type": "work", "value": "a@x.org"}]}]});
        let patch = PatchOp::from_json(&body, &Compat::entra()).unwrap();
        let held = json!({"id": "1", "title": "CEO", "active": false,
            "emails": [{"type": "work", "value": "a@x.org"}]});
        assert!(of_patch(&patch, &held, &Compat::entra(), &[]).is_empty());
        let drifted = json!({"id": "1", "title": "ceo", "active": false, "nickName": "n",
            "emails": [{"type": "work", "value": "a@x.org"}]});
        assert_eq!(
            of_patch(&patch, &drifted, &Compat::entra(), &[]),
            vec!["title".to_string(), "nickName".into()]
        );
    }
}
