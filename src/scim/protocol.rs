//! Protocol helpers: ListResponse (RFC 7644 §3.4.2), `attributes`/`excludedAttributes`
//! projection (§3.4.2.5, RFC 7643 §7 `returned`), `sortBy`/`sortOrder` (§3.4.2.3) and
//! `startIndex`/`count` pagination (§3.4.2.4).

use crate::scim::error::{ScimError, ScimType};
use crate::scim::path::{attr_def, container, find_key, Path};
use crate::scim::schema::{Returned, Schemas};
use crate::scim::Filter;
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// Schema URN of list responses.
pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// Sort direction (RFC 7644 §3.4.2.3; default ascending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// `ascending`.
    #[default]
    Ascending,
    /// `descending`.
    Descending,
}

/// Query parameters of a list request, already decoded.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// `filter`.
    pub filter: Option<String>,
    /// `sortBy`.
    pub sort_by: Option<String>,
    /// `sortOrder`.
    pub sort_order: SortOrder,
    /// `startIndex` (1-based; values below 1 mean 1).
    pub start_index: Option<i64>,
    /// `count` (negative means 0).
    pub count: Option<i64>,
    /// `attributes`.
    pub attributes: Vec<String>,
    /// `excludedAttributes`.
    pub excluded_attributes: Vec<String>,
}

impl SortOrder {
    /// Parses `sortOrder` case-insensitively.
    pub fn parse(s: &str) -> Option<SortOrder> {
        if s.eq_ignore_ascii_case("ascending") {
            Some(SortOrder::Ascending)
        } else if s.eq_ignore_ascii_case("descending") {
            Some(SortOrder::Descending)
        } else {
            None
        }
    }
}

/// Filters, sorts, pages and projects `resources` into a ListResponse body.
///
/// # Errors
/// `invalidFilter` for a bad filter, `invalidPath` for a bad `sortBy` or attribute list.
pub fn list_response(
    resources: &[Value],
    q: &ListQuery,
    schemas: &Schemas,
) -> Result<Value, ScimError> {
    let filter = match &q.filter {
        Some(src) => Some(Filter::parse(src).map_err(|e| ScimError::invalid_filter(src, &e))?),
        None => None,
    };
    let mut hits: Vec<&Value> = Vec::new();
    for r in resources {
        if filter
            .as_ref()
            .map_or(Ok(true), |f| f.matches(r, schemas))?
        {
            hits.push(r);
        }
    }
    if let Some(by) = &q.sort_by {
        sort(&mut hits, by, q.sort_order, schemas)?;
    }
    let total = hits.len();
    let start = q.start_index.unwrap_or(1).max(1);
    let skip = usize::try_from(start - 1).unwrap_or(usize::MAX);
    let take = q.count.map_or(usize::MAX, |c| {
        usize::try_from(c.max(0)).unwrap_or(usize::MAX)
    });
    let page: Vec<Value> = hits
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|r| project(r, &q.attributes, &q.excluded_attributes, schemas))
        .collect::<Result<_, _>>()?;
    Ok(serde_json::json!({
        "schemas": [LIST_RESPONSE_URN],
        "totalResults": total,
        "Resources": page.clone(),
        "startIndex": start,
        "itemsPerPage": page.len(),
    }))
}

/// Sorts by an attribute path; unassigned values sort last in both orders (RFC 7644
/// §3.4.2.3), multi-valued attributes by their primary value, else the first.
///
/// # Errors
/// `invalidPath` when `by` is not an attribute path.
pub fn sort(
    resources: &mut [&Value],
    by: &str,
    order: SortOrder,
    schemas: &Schemas,
) -> Result<(), ScimError> {
    let path = Path::parse(by).map_err(|e| ScimError::invalid_path(by, &e))?;
    let def = attr_def(schemas, &path.attr);
    let sub_def = path
        .attr
        .sub
        .as_deref()
        .and_then(|s| def.and_then(|d| d.sub(s)));
    let case_exact = sub_def.or(def).is_some_and(|d| d.case_exact);
    let key = |r: &Value| -> Option<Value> {
        let v = crate::scim::path::resolve(r, &path, schemas)?;
        match v {
            Value::Array(a) => a
                .iter()
                .find(|e| e.get("primary") == Some(&Value::Bool(true)))
                .or_else(|| a.first())
                .map(|e| e.get("value").cloned().unwrap_or_else(|| e.clone())),
            other => Some(other),
        }
    };
    let cmp_vals = |a: &Value, b: &Value| -> Ordering {
        match (a, b) {
            (Value::String(x), Value::String(y)) if !case_exact => {
                x.to_lowercase().cmp(&y.to_lowercase())
            }
            (Value::String(x), Value::String(y)) => x.cmp(y),
            (Value::Number(x), Value::Number(y)) => x
                .as_f64()
                .partial_cmp(&y.as_f64())
                .unwrap_or(Ordering::Equal),
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            _ => Ordering::Equal,
        }
    };
    resources.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => {
            let o = cmp_vals(&x, &y);
            if order == SortOrder::Descending {
                o.reverse()
            } else {
                o
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    Ok(())
}

/// Applies `attributes` (only those, plus `returned: always`) or `excludedAttributes`
/// (all but those, never removing `returned: always`), and drops `returned: never`.
///
/// # Errors
/// `invalidPath` for a malformed attribute name.
pub fn project(
    resource: &Value,
    attributes: &[String],
    excluded: &[String],
    schemas: &Schemas,
) -> Result<Value, ScimError> {
    let Some(obj) = resource.as_object() else {
        return Ok(resource.clone());
    };
    let parse = |s: &String| Path::parse(s).map_err(|e| ScimError::invalid_path(s, &e));
    let always = |k: &str| {
        schemas
            .attribute(None, k)
            .is_some_and(|(d, _)| d.returned == Returned::Always)
    };
    let mut out = Map::new();
    for (k, v) in obj {
        let never = schemas
            .attribute(None, k)
            .is_some_and(|(d, _)| d.returned == Returned::Never);
        if !never {
            out.insert(k.clone(), v.clone());
        }
    }
    if !attributes.is_empty() {
        let wanted: Vec<Path> = attributes.iter().map(parse).collect::<Result<_, _>>()?;
        let mut kept = Map::new();
        for (k, v) in &out {
            if always(k) {
                kept.insert(k.clone(), v.clone());
            }
        }
        for p in &wanted {
            copy_path(&out, &mut kept, p, schemas);
        }
        return Ok(Value::Object(kept));
    }
    for s in excluded {
        let p = parse(s)?;
        if p.attr.uri.is_none() && always(&p.attr.attr) {
            continue;
        }
        remove_path(&mut out, &p, schemas);
    }
    Ok(Value::Object(out))
}

fn copy_path(src: &Map<String, Value>, dst: &mut Map<String, Value>, p: &Path, schemas: &Schemas) {
    let uri = p.attr.uri.as_deref().filter(|u| !schemas.is_core(u));
    let root = Value::Object(src.clone());
    let Some(from) = container(&root, uri, schemas) else {
        return;
    };
    let Some(key) = find_key(from, &p.attr.attr) else {
        return;
    };
    let Some(v) = from.get(key) else { return };
    let v = match &p.attr.sub {
        None => v.clone(),
        Some(s) => match v {
            Value::Object(o) => match find_key(o, s) {
                Some(k) => {
                    let mut m = Map::new();
                    if let Some(x) = o.get(k) {
                        m.insert(k.clone(), x.clone());
                    }
                    Value::Object(m)
                }
                None => return,
            },
            Value::Array(a) => Value::Array(
                a.iter()
                    .filter_map(|e| {
                        let o = e.as_object()?;
                        let k = find_key(o, s)?;
                        let mut m = Map::new();
                        m.insert(k.clone(), o.get(k)?.clone());
                        Some(Value::Object(m))
                    })
                    .collect(),
            ),
            _ => return,
        },
    };
    let target = match uri {
        None => dst,
        Some(u) => {
            let uk = find_key(src, u).cloned().unwrap_or_else(|| u.to_string());
            let slot = dst.entry(uk).or_insert_with(|| Value::Object(Map::new()));
            match slot.as_object_mut() {
                Some(m) => m,
                None => return,
            }
        }
    };
    match (target.get_mut(key), v) {
        (Some(Value::Object(existing)), Value::Object(add)) => existing.extend(add),
        (_, v) => {
            target.insert(key.clone(), v);
        }
    }
}

fn remove_path(obj: &mut Map<String, Value>, p: &Path, schemas: &Schemas) {
    let uri = p.attr.uri.as_deref().filter(|u| !schemas.is_core(u));
    let target = match uri {
        None => Some(obj),
        Some(u) => match find_key(obj, u).cloned() {
            Some(k) => obj.get_mut(&k).and_then(Value::as_object_mut),
            None => None,
        },
    };
    let Some(target) = target else { return };
    let Some(key) = find_key(target, &p.attr.attr).cloned() else {
        return;
    };
    match &p.attr.sub {
        None => {
            target.remove(&key);
        }
        Some(s) => match target.get_mut(&key) {
            Some(Value::Object(o)) => {
                if let Some(k) = find_key(o, s).cloned() {
                    o.remove(&k);
                }
            }
            Some(Value::Array(a)) => {
                for e in a {
                    if let Some(o) = e.as_object_mut() {
                        if let Some(k) = find_key(o, s).cloned() {
                            o.remove(&k);
                        }
                    }
                }
            }
            _ => {}
        },
    }
}

/// A `tooMany` error for servers that cap result sets (RFC 7644 §3.4.2.4).
pub fn too_many(limit: usize) -> ScimError {
    ScimError::bad_request(
        ScimType::TooMany,
        format!("more than {limit} results; narrow the filter"),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    #[test]
    fn list_sort_page_project() {
        let rs = vec![
            json!({"id": "1", "userName": "b", "password": "x", "name": {"givenName": "B", "familyName": "Z"}}),
            json!({"id": "2", "userName": "A", "name": {"givenName": "A"}}),
            json!({"id": "3", "userName": "c"}),
        ];
        let q = ListQuery {
            filter: Some("userName pr".into()),
            sort_by: Some("userName".into()),
            start_index: Some(1),
            count: Some(2),
            attributes: vec!["name.givenName".into()],
            ..ListQuery::default()
        };
        let out = list_response(&rs, &q, &Schemas::core()).unwrap();
        assert_eq!(out["totalResults"], json!(3));
        assert_eq!(
            out["Resources"],
            json!([{"id": "2", "name": {"givenName": "A"}}, {"id": "1", "name": {"givenName": "B"}}])
        );
        let p = project(&rs[0], &[], &["name".into(), "id".into()], &Schemas::core()).unwrap();
        assert_eq!(p, json!({"id": "1", "userName": "b"}));
    }
}
