//! String functions.

use crate::entra::eval::{Args, Interrupt};
use crate::entra::value::Value;

pub(crate) fn join(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let sep = a.value_or_null(0)?.to_text().unwrap_or_default();
    let mut parts: Vec<String> = Vec::new();
    for i in 1..a.len() {
        for v in a.value_or_null(i)?.elements() {
            if let Some(t) = v.to_text() {
                if !t.is_empty() {
                    parts.push(t);
                }
            }
        }
    }
    Ok(Value::String(parts.join(&sep)))
}

pub(crate) fn to_lower(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    Ok(match a.value_or_null(0)?.to_text() {
        Some(s) => Value::String(s.to_lowercase()),
        None => Value::Null,
    })
}
