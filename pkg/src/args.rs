//! Argument checks at the JS boundary. wasm-bindgen's glue trusts the declared types: a
//! number where a string is declared reads wasm memory out of bounds, and a wrong option
//! type used to be accepted silently. Every export therefore takes `JsValue`s and checks
//! them here first: a wrong JS type throws a `TypeError` that names the parameter (as the
//! README and the `.d.ts` spell it) and what it expected; a value of the right type that
//! cannot be used (an unknown `mode`, a `now` that is not a date) throws a `RangeError`.

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What a JS value is, for messages: `got a number`.
fn describe(v: &JsValue) -> &'static str {
    if v.is_undefined() {
        "undefined"
    } else if v.is_null() {
        "null"
    } else if v.as_bool().is_some() {
        "a boolean"
    } else if v.as_f64().is_some() {
        "a number"
    } else if v.is_string() {
        "a string"
    } else if v.is_bigint() {
        "a bigint"
    } else if v.is_symbol() {
        "a symbol"
    } else if v.is_function() {
        "a function"
    } else if Array::is_array(v) {
        "an array"
    } else {
        "an object"
    }
}

pub(crate) fn type_error(what: &str, expected: &str, got: &JsValue) -> JsValue {
    js_sys::TypeError::new(&format!(
        "{what}: expected {expected}, got {}",
        describe(got)
    ))
    .into()
}

pub(crate) fn range_error(message: &str) -> JsValue {
    js_sys::RangeError::new(message).into()
}

/// A plain JSON-like object: not `null`, not an array, not a function.
fn is_object(v: &JsValue) -> bool {
    v.is_object() && !Array::is_array(v)
}

/// A required string.
pub(crate) fn string(v: &JsValue, what: &str) -> Result<String, JsValue> {
    v.as_string().ok_or_else(|| type_error(what, "a string", v))
}

/// An optional string (`undefined` or `null` = absent).
pub(crate) fn opt_string(v: &JsValue, what: &str) -> Result<Option<String>, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    string(v, what).map(Some)
}

/// A required object.
pub(crate) fn object(v: &JsValue, what: &str) -> Result<(), JsValue> {
    if is_object(v) {
        Ok(())
    } else {
        Err(type_error(what, "an object", v))
    }
}

/// A required array.
pub(crate) fn array(v: &JsValue, what: &str) -> Result<Array, JsValue> {
    if Array::is_array(v) {
        Ok(Array::from(v))
    } else {
        Err(type_error(what, "an array", v))
    }
}

/// An object, or `undefined` (read as `{}`).
pub(crate) fn object_or_undefined(v: &JsValue, what: &str) -> Result<(), JsValue> {
    if v.is_undefined() || is_object(v) {
        Ok(())
    } else {
        Err(type_error(what, "an object", v))
    }
}

/// A mapping: a preset name or JSON text, or a parsed object.
pub(crate) fn mapping_input(v: &JsValue, what: &str) -> Result<(), JsValue> {
    if v.is_string() || is_object(v) {
        Ok(())
    } else {
        Err(type_error(
            what,
            "a preset name, JSON text or a mapping object",
            v,
        ))
    }
}

/// The JS type an option member must have.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    String,
    Boolean,
    Object,
    /// A non-negative integer (a `Number`).
    Count,
    /// An array of strings.
    Strings,
    /// An RFC 3339 string or a valid `Date`.
    Now,
}

pub(crate) type Members = &'static [(&'static str, Kind)];

const EVAL: [(&str, Kind); 3] = [
    ("now", Kind::Now),
    ("seed", Kind::Count),
    ("exists", Kind::Strings),
];
pub(crate) const EVAL_OPTIONS: Members = &EVAL;
pub(crate) const MAP_OPTIONS: Members = &[
    EVAL[0],
    EVAL[1],
    EVAL[2],
    ("object", Kind::String),
    ("mode", Kind::String),
    ("steps", Kind::Boolean),
];
pub(crate) const SIMULATE_OPTIONS: Members = &[
    EVAL[0],
    EVAL[1],
    EVAL[2],
    ("object", Kind::String),
    ("current", Kind::Object),
    ("aadOptScim062020", Kind::Boolean),
    ("deleted", Kind::Boolean),
];
pub(crate) const FILTER_OPTIONS: Members = &[("bareValues", Kind::Boolean)];
pub(crate) const PATCH_OPTIONS: Members = &[("compat", Kind::String)];
pub(crate) const DIFF_OPTIONS: Members = &[("shape", Kind::String)];

/// An options object (`undefined` or `null` = the defaults) whose known members have the
/// right JS types. A member that is `undefined` or `null` is absent. Unknown members are
/// left alone, as JS APIs do.
pub(crate) fn options(v: &JsValue, members: Members) -> Result<(), JsValue> {
    options_object(v)?;
    for (name, kind) in members {
        read(v, name, *kind)?;
    }
    Ok(())
}

/// `options` itself: an object, or `undefined`/`null` for the defaults.
pub(crate) fn options_object(v: &JsValue) -> Result<(), JsValue> {
    if v.is_undefined() || v.is_null() || is_object(v) {
        Ok(())
    } else {
        Err(type_error("options", "an object", v))
    }
}

/// `options[name]` with its JS type checked; `None` when it is absent (`undefined` or
/// `null`, or no options at all).
pub(crate) fn read(
    options: &JsValue,
    name: &'static str,
    kind: Kind,
) -> Result<Option<JsValue>, JsValue> {
    let value = member_of(options, name)?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    member(&value, name, kind)?;
    Ok(Some(value))
}

/// `f` of the JS string for a member or result key. The names are literals, a small fixed
/// set read on every call, so each is made once and kept: that spares the UTF-8 decoding,
/// V8's lookup of a fresh, not yet internalized key, and the hashing of wasm-bindgen's own
/// string cache (a linear search of a few short names costs less than one hash).
pub(crate) fn with_key<R>(name: &'static str, f: impl FnOnce(&JsValue) -> R) -> R {
    thread_local! {
        static KEYS: std::cell::RefCell<Vec<(&'static str, JsValue)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    if !KEYS.with_borrow(|keys| keys.iter().any(|(k, _)| *k == name)) {
        KEYS.with_borrow_mut(|keys| keys.push((name, JsValue::from_str(name))));
    }
    KEYS.with_borrow(|keys| match keys.iter().find(|(k, _)| *k == name) {
        Some((_, key)) => f(key),
        None => f(&JsValue::from_str(name)),
    })
}

fn member(v: &JsValue, name: &str, kind: Kind) -> Result<(), JsValue> {
    let (ok, expected) = match kind {
        Kind::String => (v.is_string(), "a string"),
        Kind::Boolean => (v.as_bool().is_some(), "a boolean"),
        Kind::Object => (is_object(v), "an object"),
        Kind::Count => (
            v.as_f64()
                .is_some_and(|n| n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0),
            "a non-negative integer",
        ),
        Kind::Strings => (
            Array::is_array(v) && Array::from(v).every(&mut |x, _, _| x.is_string()),
            "an array of strings",
        ),
        Kind::Now => return now(v, name),
    };
    if ok {
        Ok(())
    } else {
        Err(type_error(&format!("options.{name}"), expected, v))
    }
}

/// `now`: a string (its format is checked where it is parsed) or a valid `Date`.
fn now(v: &JsValue, name: &str) -> Result<(), JsValue> {
    if v.is_string() {
        return Ok(());
    }
    match v.dyn_ref::<js_sys::Date>() {
        Some(d) if d.get_time().is_nan() => Err(range_error(&format!(
            "options.{name}: the Date is invalid (expected a valid Date or an RFC 3339 date-time such as \"2021-08-25T17:41:18Z\")"
        ))),
        Some(_) => Ok(()),
        None => Err(type_error(
            &format!("options.{name}"),
            "an RFC 3339 date-time string or a Date",
            v,
        )),
    }
}

/// `options[name]`; `undefined` when there are no options.
pub(crate) fn member_of(options: &JsValue, name: &'static str) -> Result<JsValue, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(JsValue::UNDEFINED);
    }
    with_key(name, |k| Reflect::get(options, k))
}
