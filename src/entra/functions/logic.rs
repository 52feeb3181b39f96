//! Booleans, null tests, multi-valued helpers and control flow.

use super::{burn_for, describe, integer, required_integer, text, text_of};
use crate::entra::eval::{Args, Interrupt};
use crate::entra::value::Value;
use std::borrow::Cow;

/// Null or an empty multi-valued attribute: "absent".
fn absent(v: &Value) -> bool {
    matches!(v, Value::Null) || matches!(v, Value::List(l) if l.is_empty())
}

pub(crate) fn bit_and(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let x = integer(a, 0)?;
    let y = integer(a, 1)?;
    Ok(match (x, y) {
        (Some(x), Some(y)) => Value::Integer(x & y),
        _ => Value::Null,
    })
}

pub(crate) fn cbool(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let v = a.value_or_null(0)?;
    Ok(Value::Boolean(v.as_bool().unwrap_or(false)))
}

pub(crate) fn cstr(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    Ok(text(a, 0)?.map_or(Value::Null, Value::String))
}

pub(crate) fn coalesce(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    for i in 0..a.len() {
        let v = a.value_or_null(i)?;
        if !absent(&v) {
            return Ok(v);
        }
    }
    Ok(Value::Null)
}

pub(crate) fn count(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let v = a.value_or_null(0)?;
    let n = match &v {
        Value::List(l) => l.len(),
        v if v.is_null_or_empty() => 0,
        _ => 1,
    };
    Ok(Value::Integer(i64::try_from(n).unwrap_or(i64::MAX)))
}

pub(crate) fn ignore_flow_if_null_or_empty(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let v = a.value_or_null(0)?;
    if v.is_null_or_empty() {
        return Err(Interrupt::IgnoreFlow);
    }
    Ok(v)
}

pub(crate) fn iif(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let c = a.value_or_null(0)?;
    let truth = match &c {
        Value::Null => false,
        other => match other.as_bool() {
            Some(b) => b,
            None => {
                return Err(a.arg_error(
                    0,
                    "invalid-argument",
                    format!(
                        "`IIF` condition must be a comparison or True/False, got {}",
                        describe(other)
                    ),
                ))
            }
        },
    };
    a.value_or_null(if truth { 1 } else { 2 })
}

pub(crate) fn is_null(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let v = a.value_or_null(0)?;
    Ok(Value::Boolean(absent(&v)))
}

pub(crate) fn is_null_or_empty(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let v = a.value_or_null(0)?;
    Ok(Value::Boolean(v.is_null_or_empty()))
}

pub(crate) fn is_present(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let v = a.value_or_null(0)?;
    Ok(Value::Boolean(!v.is_null_or_empty()))
}

pub(crate) fn is_string(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let v = a.value_or_null(0)?;
    Ok(Value::Boolean(matches!(
        v,
        Value::String(_) | Value::Integer(_) | Value::Boolean(_) | Value::DateTime(_)
    )))
}

pub(crate) fn item(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let v = a.value_or_null(0)?;
    let i = required_integer(a, 1)?;
    if i < 1 {
        return Ok(Value::Null);
    }
    let idx = usize::try_from(i - 1).unwrap_or(usize::MAX);
    Ok(match v {
        Value::List(l) => l.into_iter().nth(idx).unwrap_or(Value::Null),
        Value::Null => Value::Null,
        single if idx == 0 => single,
        _ => Value::Null,
    })
}

pub(crate) fn not(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let v = a.value_or_null(0)?;
    Ok(Value::Boolean(v.as_bool() != Some(true)))
}

pub(crate) fn redact(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    a.value_or_null(0)
}

pub(crate) fn remove_duplicates(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let v = a.value_or_null(0)?;
    let Value::List(l) = v else {
        return Ok(v);
    };
    burn_for(a, l.len().saturating_mul(l.len()))?;
    let mut out: Vec<Value> = Vec::with_capacity(l.len());
    for e in l {
        if !out.contains(&e) {
            out.push(e);
        }
    }
    Ok(Value::List(out))
}

pub(crate) fn select_unique_value(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let mut tried: Vec<String> = Vec::new();
    for i in 0..a.len() {
        let Some(candidate) = text(a, i)? else {
            continue;
        };
        if candidate.is_empty() {
            continue;
        }
        if !a.exists(&candidate) {
            return Ok(Value::String(candidate));
        }
        tried.push(candidate);
    }
    Err(a.error(
        "no-unique-value",
        format!(
            "every rule produced a value that already exists ({}); Entra escrows the object",
            tried.join(", ")
        ),
    ))
}

pub(crate) fn switch(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let value = a.value_or_null(0)?;
    // A null source matches the key "" (spec §2 Switch: "if statusFlag is empty ... 0").
    // Strings and booleans, the usual sources, are compared in place, as are literal keys.
    let source = match &value {
        Value::String(s) => Cow::Borrowed(s.as_str()),
        Value::Boolean(b) => Cow::Borrowed(if *b { "True" } else { "False" }),
        v => Cow::Owned(text_of(a, 0, v)?.unwrap_or_default()),
    };
    let mut i = 2;
    while i + 1 < a.len() {
        let hit = match a.literal(i)? {
            Some(key) => key == source,
            None => text(a, i)?.unwrap_or_default() == source,
        };
        if hit {
            return a.value_or_null(i + 1);
        }
        i += 2;
    }
    a.value_or_null(1)
}
