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

fn roles(v: &Value) -> Vec<Role> {
    let get = |o: &Map<String, Json>, keys: &[&str]| -> Option<String> {
        keys.iter()
            .find_map(|k| o.get(*k))
            .and_then(|j| Value::from_json(j).to_text())
    };
    v.elements()
        .iter()
        .filter_map(|e| match e {
            Value::Object(o) => {
                let value = get(o, &["value", "appRoleValue"])?;
                let display = get(o, &["displayName", "display"]).unwrap_or_else(|| value.clone());
                Some(Role { value, display })
            }
            other => other.to_text().map(|t| Role {
                value: t.clone(),
                display: t,
            }),
        })
        .filter(|r| !r.value.is_empty())
        .collect()
}

fn complex(a: &mut Args<'_, '_>, display_key: &str) -> Result<Value, Interrupt> {
    let v = a.value_or_null(0)?;
    if v.is_null_or_empty() {
        return Ok(Value::Null);
    }
    let list = roles(&v)
        .into_iter()
        .map(|r| {
            let mut o = Map::new();
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
    let v = a.value_or_null(0)?;
    if v.is_null_or_empty() {
        return Ok(Value::Null);
    }
    Ok(Value::List(
        roles(&v)
            .into_iter()
            .map(|r| Value::String(r.value))
            .collect(),
    ))
}

pub(crate) fn single_app_role_assignment(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let v = a.value_or_null(0)?;
    Ok(roles(&v)
        .into_iter()
        .next()
        .map_or(Value::Null, |r| Value::String(r.value)))
}

pub(crate) fn default_domain(_a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    Ok(Value::Null)
}
