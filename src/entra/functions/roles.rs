//! App role assignments and the other names found only in the Graph function catalogue.
//!
//! An `[appRoleAssignments]` value is a list whose elements are either role value strings
//! (Graph's parseExpression test input: `["Default Assignment"]`) or objects with `value`
//! (or `appRoleValue`), `displayName` (or `display`) and optionally `id`.

use crate::entra::eval::{Args, Interrupt};
use crate::entra::value::Value;
use serde_json::{Map, Value as Json};

struct Role {
    value: String,
    display: String,
}

/// The assignments argument: evaluated, or lent by the source as the JSON it holds (read
/// as its `Value::from_json` would be, without the copy).
enum Assignments<'j> {
    Value(Value),
    Json(&'j Json),
}

impl Assignments<'_> {
    fn of<'j>(a: &mut Args<'_, 'j>, i: usize) -> Result<Assignments<'j>, Interrupt> {
        Ok(match a.lent(i)? {
            Some(j) => Assignments::Json(j),
            None => Assignments::Value(a.value_or_null(i)?),
        })
    }

    /// [`Value::is_null_or_empty`].
    fn is_null_or_empty(&self) -> bool {
        match self {
            Assignments::Value(v) => v.is_null_or_empty(),
            Assignments::Json(Json::Null) => true,
            Assignments::Json(Json::String(s)) => s.is_empty(),
            Assignments::Json(Json::Array(a)) => a.is_empty(),
            Assignments::Json(_) => false,
        }
    }

    fn roles(&self) -> Vec<Role> {
        match self {
            Assignments::Value(v) => {
                // `Value::elements` without copying the list.
                let elements = match v {
                    Value::Null => &[][..],
                    Value::List(l) => l.as_slice(),
                    v => std::slice::from_ref(v),
                };
                collect(elements.iter().map(|e| match e {
                    Value::Object(o) => Element::Object(o),
                    other => Element::Text(other.to_text()),
                }))
            }
            Assignments::Json(j) => {
                let elements = match j {
                    Json::Null => &[][..],
                    Json::Array(a) => a.as_slice(),
                    j => std::slice::from_ref(*j),
                };
                collect(elements.iter().map(|e| match e {
                    Json::Object(o) => Element::Object(o),
                    other => Element::Text(Value::from_json(other).to_text()),
                }))
            }
        }
    }
}

/// One assignment: a role object, or the text of anything else.
enum Element<'v> {
    Object(&'v Map<String, Json>),
    Text(Option<String>),
}

fn collect<'v>(elements: impl Iterator<Item = Element<'v>>) -> Vec<Role> {
    let get = |o: &Map<String, Json>, keys: &[&str]| -> Option<String> {
        keys.iter().find_map(|k| o.get(*k)).and_then(|j| match j {
            // What `Value::from_json(j).to_text()` gives a string, without the copy between.
            Json::String(s) => Some(s.clone()),
            j => Value::from_json(j).to_text(),
        })
    };
    elements
        .filter_map(|e| match e {
            Element::Object(o) => {
                let value = get(o, &["value", "appRoleValue"])?;
                let display = get(o, &["displayName", "display"]).unwrap_or_else(|| value.clone());
                Some(Role { value, display })
            }
            Element::Text(t) => t.map(|t| Role {
                value: t.clone(),
                display: t,
            }),
        })
        .filter(|r| !r.value.is_empty())
        .collect()
}

fn complex(a: &mut Args<'_, '_>, display_key: &str) -> Result<Value, Interrupt> {
    let v = Assignments::of(a, 0)?;
    if v.is_null_or_empty() {
        return Ok(Value::Null);
    }
    let list = v
        .roles()
        .into_iter()
        .map(|r| {
            let mut o = Map::with_capacity(4);
            o.insert("primary".into(), Json::Bool(false));
            o.insert("type".into(), Json::from("WindowsAzureActiveDirectoryRole"));
            o.insert(display_key.into(), Json::String(r.display));
            o.insert("value".into(), Json::String(r.value));
            Value::Object(o)
        })
        .collect();
    Ok(Value::List(list))
}

pub(crate) fn app_role_assignments_complex(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    complex(a, "displayName")
}

pub(crate) fn assertive_app_role_assignments_complex(
    a: &mut Args<'_, '_>,
) -> Result<Value, Interrupt> {
    complex(a, "display")
}

pub(crate) fn app_role_assignments(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let v = Assignments::of(a, 0)?;
    if v.is_null_or_empty() {
        return Ok(Value::Null);
    }
    Ok(Value::List(
        v.roles()
            .into_iter()
            .map(|r| Value::String(r.value))
            .collect(),
    ))
}

pub(crate) fn single_app_role_assignment(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    Ok(Assignments::of(a, 0)?
        .roles()
        .into_iter()
        .next()
        .map_or(Value::Null, |r| Value::String(r.value)))
}

pub(crate) fn default_domain(_a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    Ok(Value::Null)
}
