//! Runtime values of the expression language (spec §1.6).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value as Json};

/// A value an expression produces or reads.
///
/// Entra has no boolean or number literals: numbers are digit strings coerced by the callee
/// (Graph parses `Mid(x, 1, 3)` into `Constant "1"`), booleans are `"True"`/`"False"`.
/// The typed variants exist so that results keep their JSON type and so functions such as
/// `DateDiff` and comparisons can return one.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Absent attribute ("a Null is expressed by the absence of the attribute").
    Null,
    /// Text (also numbers written as literals, and most function results).
    String(String),
    /// A whole number (JSON integers, `DateDiff`, `Count`, `InStr`, ...).
    Integer(i64),
    /// A boolean (comparisons, `IsNull`, ...); renders as `True`/`False`.
    Boolean(bool),
    /// A UTC instant (`CDate`, `DateAdd`, `Now`); renders as `M/d/yyyy h:mm:ss tt`.
    DateTime(DateTime<Utc>),
    /// A multi-valued attribute.
    List(Vec<Value>),
    /// A complex attribute (JSON object), e.g. an app role assignment or a SCIM `name`.
    Object(Map<String, Json>),
}

/// The date-time format Entra's date functions output ("M/d/yyyy h:mm:ss tt", invariant culture).
pub const ENTRA_DATE_FORMAT: &str = "%-m/%-d/%Y %-I:%M:%S %p";

impl Value {
    /// Converts JSON input (a source attribute) into a value.
    pub fn from_json(j: &Json) -> Value {
        match j {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Boolean(*b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Integer(i),
                None => Value::String(n.to_string()),
            },
            Json::String(s) => Value::String(s.clone()),
            Json::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            Json::Object(o) => Value::Object(o.clone()),
        }
    }

    /// Converts the value into JSON output.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::String(s) => Json::String(s.clone()),
            Value::Integer(i) => Json::from(*i),
            Value::Boolean(b) => Json::Bool(*b),
            Value::DateTime(d) => Json::String(d.format(ENTRA_DATE_FORMAT).to_string()),
            Value::List(l) => Json::Array(l.iter().map(Value::to_json).collect()),
            Value::Object(o) => Json::Object(o.clone()),
        }
    }

    /// The text of a single value: strings as they are, integers in decimal, booleans as
    /// `True`/`False`, date-times in Entra's format. `None` for null, lists and objects.
    pub fn as_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self {
            Value::String(s) => Some(Cow::Borrowed(s)),
            Value::Integer(i) => Some(Cow::Owned(i.to_string())),
            Value::Boolean(true) => Some(Cow::Borrowed("True")),
            Value::Boolean(false) => Some(Cow::Borrowed("False")),
            Value::DateTime(d) => Some(Cow::Owned(d.format(ENTRA_DATE_FORMAT).to_string())),
            Value::Null | Value::List(_) | Value::Object(_) => None,
        }
    }

    /// Like [`Value::as_text`], but a one-element list yields its element's text and an
    /// object yields its `value` member (SCIM's convention for multi-valued complex attributes).
    pub fn to_text(&self) -> Option<String> {
        self.text().map(std::borrow::Cow::into_owned)
    }

    /// [`Value::to_text`], borrowed where the value holds the text.
    pub fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Value::List(l) if l.len() == 1 => l.first().and_then(Value::text),
            Value::Object(o) => o
                .get("value")
                .and_then(|v| Value::from_json(v).to_text())
                .map(std::borrow::Cow::Owned),
            v => v.as_text(),
        }
    }

    /// True for null, the empty string and the empty list.
    pub fn is_null_or_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::List(l) => l.is_empty(),
            _ => false,
        }
    }

    /// True for null only.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// VB-style truthiness: booleans as they are, `"True"`/`"False"` in any case, numbers
    /// non-zero; `None` when the value has no boolean reading.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(b) => Some(*b),
            Value::Integer(i) => Some(*i != 0),
            Value::String(s) => {
                let t = s.trim();
                if t.eq_ignore_ascii_case("true") {
                    Some(true)
                } else if t.eq_ignore_ascii_case("false") {
                    Some(false)
                } else {
                    t.parse::<f64>().ok().map(|n| n != 0.0)
                }
            }
            Value::List(l) if l.len() == 1 => l.first().and_then(Value::as_bool),
            _ => None,
        }
    }

    /// Integer reading: integers, digit strings (optionally signed, surrounding spaces
    /// allowed), and `&H` hex strings.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            Value::Boolean(b) => Some(if *b { -1 } else { 0 }),
            Value::String(s) => parse_integer(s),
            Value::List(l) if l.len() == 1 => l.first().and_then(Value::as_integer),
            _ => None,
        }
    }

    /// The elements of a multi-valued value; a single value is a one-element list, null is empty.
    pub fn elements(&self) -> &[Value] {
        match self {
            Value::Null => &[],
            Value::List(l) => l,
            v => std::slice::from_ref(v),
        }
    }

    /// A short name of the kind, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::String(_) => "string",
            Value::Integer(_) => "integer",
            Value::Boolean(_) => "boolean",
            Value::DateTime(_) => "date-time",
            Value::List(_) => "multi-valued",
            Value::Object(_) => "complex",
        }
    }
}

/// Parses a decimal (`-10`, ` 42 `) or VB hex (`&HF7`) integer.
pub fn parse_integer(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Some(hex) = t.strip_prefix("&H").or_else(|| t.strip_prefix("&h")) {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(i);
    }
    // "3.0" is an integer reading of a number literal; "3.5" is not.
    let f = t.parse::<f64>().ok()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Boolean(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Integer(i)
    }
}
