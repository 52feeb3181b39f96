#![cfg(target_arch = "wasm32")]
//! The npm package `scimmap`: a wasm-bindgen facade over the `scimmap` crate.
//!
//! Glue only: values cross the boundary as JSON text (`JSON.stringify` in, `JSON.parse`
//! out: one native call each way instead of one boundary call per property), byte spans
//! become UTF-16 offsets with 1-based line/column (what JS editors index by), and failures
//! on user input come back as `{ ok: false, … }` values, since the playground parses on
//! every keystroke. Only malformed arguments (wrong JS types) throw.
//! Every behaviour lives in the core crate; the TypeScript shapes are in `types.d.ts`.

use scimmap::entra::{self, EvalOptions, Expression as CoreExpression, Outcome};
use scimmap::mapping::lint::{lint, Finding as CoreFinding};
use scimmap::mapping::presets::{self, PRESETS};
use scimmap::mapping::simulate::{simulate as core_simulate, Options as SimOptions};
use scimmap::mapping::{CompiledMapping, Mapping as CoreMapping, MappingError, Mode};
use scimmap::scim::{self, AttrPath, Compat, DiffShape, Filter as CoreFilter, Schemas, ScimError};
use scimmap::{Diagnostic as CoreDiagnostic, ParseError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value as Json};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

mod args;
mod cases;
mod impact;

use args::{
    mapping_input, object, object_or_undefined, opt_string, options as check_options, string, Kind,
    DIFF_OPTIONS, EVAL_OPTIONS, FILTER_OPTIONS, MAP_OPTIONS, PATCH_OPTIONS, SIMULATE_OPTIONS,
};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// The package version (equal to the crate's).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

// ---- conversions --------------------------------------------------------------------

/// Through JSON text: JS gets exactly what `JSON.parse` would give (integers beyond 2^53
/// become the nearest double, as in every JS JSON reader; the `*Json` batch entry points
/// keep them exact), and one native parse beats building the object field by field.
fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_vec(v).map_err(|e| JsError::new(&e.to_string()))?;
    parse_text(&text)
}

/// `JSON.parse` of JSON text written in wasm.
fn parse_text(text: &[u8]) -> Result<JsValue, JsValue> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| js_sys::JSON::parse(t).ok())
        .ok_or_else(|| JsError::new("cannot convert the result to JS").into())
}

/// Through `JSON.stringify`: V8 serializes the whole value natively, then one
/// `serde_json` parse; per-property conversion (serde-wasm-bindgen) costs one boundary
/// call per property and was several times slower for a 30-attribute user. A `Date` becomes its
/// ISO 8601 text, which is what every option that takes one (`now`) accepts.
fn from_js<T: DeserializeOwned>(v: &JsValue, what: &str) -> Result<T, JsValue> {
    let text = json_text(v, what)?;
    serde_json::from_str(&text).map_err(|e| JsError::new(&format!("{what}: {e}")).into())
}

/// `JSON.stringify` of an argument; what it cannot write (a `BigInt`, a cycle, a symbol)
/// is a wrong JS type, so a `TypeError`.
fn json_text(v: &JsValue, what: &str) -> Result<String, JsValue> {
    js_sys::JSON::stringify(v)
        .map_err(|e| {
            JsValue::from(js_sys::TypeError::new(&format!(
                "{what}: not JSON data: {}",
                js_message(&e)
            )))
        })?
        .as_string()
        .ok_or_else(|| JsValue::from(js_sys::TypeError::new(&format!("{what}: not JSON data"))))
}

fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map_or_else(|| "not a JSON value".into(), |e| String::from(e.message()))
}

fn json_arg(v: &JsValue, what: &str) -> Result<Json, JsValue> {
    if v.is_undefined() {
        return Ok(Json::Object(Map::new()));
    }
    from_js(v, what)
}

/// JSON text handed to a text entry point.
fn from_text<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, JsError> {
    serde_json::from_str(text).map_err(|e| JsError::new(&format!("{what}: invalid JSON: {e}")))
}

/// An options object (`undefined`/`null` = the defaults).
fn opts<T: DeserializeOwned + Default>(v: &JsValue, what: &str) -> Result<T, JsValue> {
    if v.is_undefined() || v.is_null() {
        Ok(T::default())
    } else {
        from_js(v, what)
    }
}

fn set(obj: &js_sys::Object, key: &'static str, value: JsValue) -> Result<(), JsValue> {
    args::with_key(key, |k| js_sys::Reflect::set(obj, k, &value))
        .map(|_| ())
        .map_err(|_| JsError::new("cannot build the result object").into())
}

/// `{ ok: true, <key>: value, … }` where a value is a wasm-bindgen class instance.
fn ok_with(pairs: Vec<(&'static str, JsValue)>) -> Result<JsValue, JsValue> {
    let obj = js_sys::Object::new();
    set(&obj, "ok", JsValue::TRUE)?;
    for (k, v) in pairs {
        set(&obj, k, v)?;
    }
    Ok(obj.into())
}

#[derive(Serialize, Clone, Copy)]
struct Location {
    /// UTF-16 code units from the start of the text.
    offset: u32,
    line: u32,
    /// 1-based, in UTF-16 code units.
    column: u32,
}

/// Byte offset → UTF-16 offset and 1-based line/column (ruff's `PositionEncoding::Utf16`).
fn locate(src: &str, byte: usize) -> Location {
    let (mut offset, mut line, mut column) = (0u32, 1u32, 1u32);
    for (i, c) in src.char_indices() {
        if i >= byte {
            break;
        }
        let w = u32::try_from(c.len_utf16()).unwrap_or(2);
        offset += w;
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += w;
        }
    }
    Location {
        offset,
        line,
        column,
    }
}

#[derive(Serialize)]
struct JsLabel {
    message: String,
    start: Location,
    end: Location,
}

#[derive(Serialize)]
struct JsDiagnostic {
    code: &'static str,
    severity: scimmap::Severity,
    message: String,
    start: Location,
    end: Location,
    labels: Vec<JsLabel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
}

fn diagnostic(src: &str, d: &CoreDiagnostic) -> JsDiagnostic {
    JsDiagnostic {
        code: d.code,
        severity: d.severity,
        message: d.message.clone(),
        start: locate(src, d.span.start()),
        end: locate(src, d.span.end()),
        labels: d
            .labels
            .iter()
            .map(|l| JsLabel {
                message: l.message.clone(),
                start: locate(src, l.span.start()),
                end: locate(src, l.span.end()),
            })
            .collect(),
        help: d.help.clone(),
    }
}

fn diagnostics(src: &str, ds: &[CoreDiagnostic]) -> Vec<JsDiagnostic> {
    ds.iter().map(|d| diagnostic(src, d)).collect()
}

/// Where a failure is, in the text it names (an expression, a filter, a mapping's
/// expression): the span of its first diagnostic.
#[derive(Serialize, Clone, Copy)]
struct Span {
    start: Location,
    end: Location,
}

/// The one failure shape (README "Failures"): every `{ ok: false }` result has a stable
/// kebab-case `code`, a `message`, a `location` when the failure is located in a text,
/// and the `diagnostics` behind it (possibly none). SCIM and mapping failures add their
/// own members (`error`; `target`, `expression`), flattened in.
#[derive(Serialize)]
struct Failed<X: Serialize = NoExtra> {
    ok: bool,
    code: String,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Span>,
    #[serde(flatten)]
    extra: X,
    diagnostics: Vec<JsDiagnostic>,
}

#[derive(Serialize)]
struct NoExtra {}

impl<X: Serialize> Failed<X> {
    /// A failure located by its first diagnostic (errors come first).
    fn located(diagnostics: Vec<JsDiagnostic>, extra: X) -> Failed<X> {
        let (code, message, location) = match diagnostics.first() {
            Some(d) => (
                d.code.to_string(),
                d.message.clone(),
                Some(Span {
                    start: d.start,
                    end: d.end,
                }),
            ),
            None => (
                "invalid-input".to_string(),
                "invalid input".to_string(),
                None,
            ),
        };
        Failed {
            ok: false,
            code,
            message,
            location,
            extra,
            diagnostics,
        }
    }

    /// A failure that is not located in a text.
    fn unlocated(code: &str, message: String, extra: X) -> Failed<X> {
        Failed {
            ok: false,
            code: code.to_string(),
            message,
            location: None,
            extra,
            diagnostics: Vec::new(),
        }
    }
}

fn failed(src: &str, e: &ParseError) -> Failed {
    Failed::located(diagnostics(src, &e.diagnostics), NoExtra {})
}

// ---- expressions --------------------------------------------------------------------

/// Owned evaluation options (`now`, `seed`, `exists`); [`EvalOptions`] borrows the
/// `exists` callback from here.
struct Eval {
    now: chrono::DateTime<chrono::Utc>,
    seed: Option<u64>,
    exists: Option<BTreeSet<String>>,
}

impl Eval {
    /// Each member read once, straight from the JS object (no `JSON.stringify` of the
    /// options: this runs on every `evaluate`), its JS type checked as it is read.
    fn from_js(options: &JsValue) -> Result<Eval, JsValue> {
        args::options_object(options)?;
        // wasm has no system clock, so an absent `now` is the JS clock's.
        let now = match args::read(options, "now", Kind::Now)? {
            Some(v) => now_from_js(&v)?,
            None => js_now(),
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let seed = args::read(options, "seed", Kind::Count)?
            .and_then(|v| v.as_f64())
            .map(|n| n as u64);
        let exists = args::read(options, "exists", Kind::Strings)?.map(|v| {
            js_sys::Array::from(&v)
                .iter()
                .filter_map(|x| x.as_string())
                .collect()
        });
        Ok(Eval { now, seed, exists })
    }

    fn with<R>(&self, f: impl FnOnce(&EvalOptions<'_>) -> R) -> R {
        let exists = |v: &str| self.exists.as_ref().is_some_and(|s| s.contains(v));
        let opts = EvalOptions {
            now: Some(self.now),
            seed: self.seed,
            exists: self
                .exists
                .as_ref()
                .map(|_| &exists as &dyn Fn(&str) -> bool),
            limits: None,
        };
        f(&opts)
    }
}

/// `options.now` after [`args::read`] checked its type: RFC 3339 text or a valid `Date`.
fn now_from_js(v: &JsValue) -> Result<chrono::DateTime<chrono::Utc>, JsValue> {
    match v.as_string() {
        Some(text) => parse_now(&text),
        None => Ok(v
            .dyn_ref::<js_sys::Date>()
            .map_or_else(js_now, |d| millis_to_utc(d.get_time()))),
    }
}

/// `options.now` as text: RFC 3339 (§5.6 `date-time`), which is also what a `Date` becomes.
/// chrono's own message ("premature end of input") does not say what was expected.
fn parse_now(text: &str) -> Result<chrono::DateTime<chrono::Utc>, JsValue> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| {
            args::range_error(&format!(
                "options.now: expected an RFC 3339 date-time such as \"2021-08-25T17:41:18Z\" \
                 (date, `T`, time and a `Z` or `±hh:mm` offset) or a Date, got \"{text}\""
            ))
        })
}

fn millis_to_utc(ms: f64) -> chrono::DateTime<chrono::Utc> {
    // f64 milliseconds from Date.now(); whole milliseconds fit i64 for any real date.
    #[allow(clippy::cast_possible_truncation)]
    let ms = ms as i64;
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn js_now() -> chrono::DateTime<chrono::Utc> {
    millis_to_utc(js_sys::Date::now())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Evaluated<'v> {
    ok: bool,
    value: EvaluatedValue<'v>,
    ignore_flow: bool,
}

/// A value as `EvalResult.value` writes it: text, booleans, integers and null directly,
/// anything else through its JSON form.
struct EvaluatedValue<'v>(&'v entra::Value);

impl Serialize for EvaluatedValue<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            entra::Value::Null => s.serialize_unit(),
            entra::Value::String(t) => s.serialize_str(t),
            entra::Value::Boolean(b) => s.serialize_bool(*b),
            entra::Value::Integer(i) => s.serialize_i64(*i),
            other => other.to_json().serialize(s),
        }
    }
}

/// A JS object read lazily: an expression reads a handful of attributes, so only those
/// cross the boundary (one `Reflect.get` each) instead of the whole object. SCIM-path
/// references (`name.givenName`, value paths, URNs) need the resource as JSON and convert
/// it once. A value `JSON.stringify` cannot write (a `BigInt`) reads as absent.
struct JsSource<'a> {
    object: &'a JsValue,
    /// The JS strings of the names the expression reads, made when it was parsed.
    keys: &'a [(String, JsValue)],
    /// Whether `object` is one (a crossing, so asked once rather than per attribute).
    is_object: bool,
    whole: std::cell::OnceCell<Json>,
}

impl<'a> JsSource<'a> {
    fn new(object: &'a JsValue, keys: &'a [(String, JsValue)]) -> JsSource<'a> {
        JsSource {
            object,
            keys,
            is_object: object.is_object(),
            whole: std::cell::OnceCell::new(),
        }
    }

    fn get(&self, name: &str) -> JsValue {
        if !self.is_object {
            return JsValue::UNDEFINED;
        }
        let found = match self.keys.iter().find(|(k, _)| k == name) {
            Some((_, key)) => js_sys::Reflect::get(self.object, key),
            None => js_sys::Reflect::get(self.object, &JsValue::from_str(name)),
        };
        found.unwrap_or_default()
    }
}

impl entra::Source for JsSource<'_> {
    fn attribute(&self, name: &str) -> entra::Value {
        let found = self.get(name);
        if !found.is_undefined() {
            return match found.as_string() {
                Some(text) => entra::Value::String(text),
                None => from_js::<Json>(&found, name)
                    .map_or(entra::Value::Null, |v| entra::Value::from_json(&v)),
            };
        }
        if !entra::eval::is_scim_path(name) {
            return entra::Value::Null;
        }
        self.whole
            .get_or_init(|| from_js(self.object, "input").unwrap_or(Json::Null))
            .attribute(name)
    }
}

/// Appends the JSON text of one `EvalResult` to `out`, serialized from the outcome
/// without building a `serde_json::Value` of it first: batches write one text for all.
fn write_eval_result(out: &mut Vec<u8>, e: &CoreExpression, input: &dyn entra::Source, ev: &Eval) {
    let written = match ev.with(|o| e.evaluate(input, o)) {
        Ok(Outcome::Value(v)) => serde_json::to_writer(
            &mut *out,
            &Evaluated {
                ok: true,
                value: EvaluatedValue(&v),
                ignore_flow: false,
            },
        ),
        Ok(Outcome::IgnoreFlow) => serde_json::to_writer(
            &mut *out,
            &Evaluated {
                ok: true,
                value: EvaluatedValue(&entra::Value::Null),
                ignore_flow: true,
            },
        ),
        Err(err) => serde_json::to_writer(&mut *out, &eval_failure(e, &err)),
    };
    if written.is_err() {
        out.extend_from_slice(b"null");
    }
}

/// Parsed JSON inputs as expression sources.
fn json_sources(list: &[Json]) -> Vec<&dyn entra::Source> {
    list.iter().map(|s| s as _).collect()
}

/// The JSON text of the results of evaluating `e` against each source, as an array.
fn eval_results_text(e: &CoreExpression, sources: &[&dyn entra::Source], ev: &Eval) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.push(b'[');
    for (i, source) in sources.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_eval_result(&mut out, e, *source, ev);
    }
    out.push(b']');
    out
}

fn eval_failure(e: &CoreExpression, err: &entra::EvalError) -> Failed<NoExtra> {
    Failed::located(
        vec![diagnostic(e.source(), &err.to_diagnostic())],
        NoExtra {},
    )
}

/// [`write_eval_result`]'s object built as a JS object directly: `{ ok, value, ignoreFlow }`
/// with keys made once, and a text or scalar value without a round trip through JSON text.
fn eval_result_js(
    e: &CoreExpression,
    input: &dyn entra::Source,
    ev: &Eval,
) -> Result<JsValue, JsValue> {
    let (value, ignore_flow) = match ev.with(|o| e.evaluate(input, o)) {
        Ok(Outcome::Value(v)) => (value_to_js(&v)?, false),
        Ok(Outcome::IgnoreFlow) => (JsValue::NULL, true),
        Err(err) => return to_js(&eval_failure(e, &err)),
    };
    let obj = js_sys::Object::new();
    set(&obj, "ok", JsValue::TRUE)?;
    set(&obj, "value", value)?;
    set(&obj, "ignoreFlow", JsValue::from_bool(ignore_flow))?;
    Ok(obj.into())
}

/// What `JSON.parse` of the value's JSON would give.
fn value_to_js(v: &entra::Value) -> Result<JsValue, JsValue> {
    Ok(match v {
        entra::Value::Null => JsValue::NULL,
        entra::Value::String(s) => JsValue::from_str(s),
        entra::Value::Boolean(b) => JsValue::from_bool(*b),
        // Beyond 2^53 `JSON.parse` rounds to the nearest double too.
        #[allow(clippy::cast_precision_loss)]
        entra::Value::Integer(i) => JsValue::from_f64(*i as f64),
        _ => return to_js(&v.to_json()),
    })
}

/// A parsed and checked expression: parse once, evaluate many times.
#[wasm_bindgen]
pub struct Expression {
    inner: CoreExpression,
    /// [`JsSource`]'s keys: the JS strings of the attribute names, made once.
    keys: Vec<(String, JsValue)>,
}

impl Expression {
    fn new(inner: CoreExpression) -> Expression {
        let keys = inner
            .attributes()
            .into_iter()
            .map(|a| (a.to_string(), JsValue::from_str(a)))
            .collect();
        Expression { inner, keys }
    }
}

#[wasm_bindgen]
impl Expression {
    /// The source text it was parsed from.
    #[wasm_bindgen(getter)]
    pub fn source(&self) -> String {
        self.inner.source().to_string()
    }

    /// Checker warnings (valid, but probably not what was meant).
    #[wasm_bindgen(getter, unchecked_return_type = "Diagnostic[]")]
    pub fn warnings(&self) -> Result<JsValue, JsValue> {
        to_js(&diagnostics(self.inner.source(), self.inner.warnings()))
    }

    /// Evaluates against a source object.
    #[wasm_bindgen(unchecked_return_type = "EvalResult")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "InputObject")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EvalOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        object_or_undefined(&input, "input")?;
        let ev = Eval::from_js(&options)?;
        eval_result_js(&self.inner, &JsSource::new(&input, &self.keys), &ev)
    }

    /// Batch: evaluates against each object of an array with one read of the options;
    /// the results come back in one conversion, not one per input.
    #[wasm_bindgen(js_name = evaluateMany, unchecked_return_type = "EvalResult[]")]
    pub fn evaluate_many(
        &self,
        #[wasm_bindgen(unchecked_param_type = "InputObject[]")] inputs: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EvalOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inputs = args::array(&inputs, "inputs")?;
        let ev = Eval::from_js(&options)?;
        let inputs: Vec<JsValue> = inputs.iter().collect();
        let mut sources = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let source = JsSource::new(input, &self.keys);
            if !(source.is_object || input.is_undefined()) {
                object_or_undefined(input, &format!("inputs[{i}]"))?;
            }
            sources.push(source);
        }
        let sources: Vec<&dyn entra::Source> = sources.iter().map(|s| s as _).collect();
        let text = eval_results_text(&self.inner, &sources, &ev);
        parse_text(&text)
    }

    /// Batch, as text: evaluates against each object of a JSON array; JSON text of an
    /// array of `EvalResult`s.
    #[wasm_bindgen(js_name = evaluateJson)]
    pub fn evaluate_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] inputs: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EvalOptions | undefined")] options: JsValue,
    ) -> Result<String, JsValue> {
        let inputs = string(&inputs, "inputs")?;
        let ev = Eval::from_js(&options)?;
        let list: Vec<Json> = from_text(&inputs, "inputs")?;
        let sources = json_sources(&list);
        let text = eval_results_text(&self.inner, &sources, &ev);
        String::from_utf8(text).map_err(|e| JsError::new(&e.to_string()).into())
    }

    /// The attribute names it reads, in order of first appearance.
    pub fn attributes(&self) -> Vec<String> {
        self.inner
            .attributes()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// Canonical source text.
    pub fn format(&self) -> String {
        self.inner.format()
    }

    /// Microsoft Graph's `attributeMappingSource` tree.
    #[wasm_bindgen(js_name = toGraph, unchecked_return_type = "GraphSource")]
    pub fn to_graph(&self) -> Result<JsValue, JsValue> {
        to_js(&entra::graph::to_graph(self.inner.ast()))
    }
}

/// Parses and checks an expression.
#[wasm_bindgen(js_name = parseExpression, unchecked_return_type = "ExpressionParseResult")]
pub fn parse_expression(
    #[wasm_bindgen(unchecked_param_type = "string")] source: JsValue,
) -> Result<JsValue, JsValue> {
    let source = &string(&source, "source")?;
    match CoreExpression::parse(source) {
        Ok(e) => {
            let warnings = to_js(&diagnostics(source, e.warnings()))?;
            ok_with(vec![
                ("expression", Expression::new(e).into()),
                ("diagnostics", warnings),
            ])
        }
        Err(err) => to_js(&failed(source, &err)),
    }
}

/// Every diagnostic (errors first, then warnings); empty when the expression is clean.
#[wasm_bindgen(js_name = checkExpression, unchecked_return_type = "Diagnostic[]")]
pub fn check_expression(
    #[wasm_bindgen(unchecked_param_type = "string")] source: JsValue,
) -> Result<JsValue, JsValue> {
    let source = &string(&source, "source")?;
    match CoreExpression::parse(source) {
        Ok(e) => to_js(&diagnostics(source, e.warnings())),
        Err(err) => to_js(&diagnostics(source, &err.diagnostics)),
    }
}

/// Parses and evaluates in one call.
#[wasm_bindgen(unchecked_return_type = "EvalResult")]
pub fn evaluate(
    #[wasm_bindgen(unchecked_param_type = "string")] source: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InputObject")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EvalOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let source = &string(&source, "source")?;
    object_or_undefined(&input, "input")?;
    let ev = Eval::from_js(&options)?;
    match CoreExpression::parse(source) {
        Ok(e) => eval_result_js(&e, &JsSource::new(&input, &[]), &ev),
        Err(err) => to_js(&failed(source, &err)),
    }
}

/// Batch: evaluates one expression against each object of a JSON array; returns a JSON
/// array of `EvalResult`s (or one failed `EvalResult` when the expression does not parse).
#[wasm_bindgen(js_name = evaluateJson)]
pub fn evaluate_json(
    #[wasm_bindgen(unchecked_param_type = "string")] source: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] inputs: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EvalOptions | undefined")] options: JsValue,
) -> Result<String, JsValue> {
    let source = &string(&source, "source")?;
    let inputs = string(&inputs, "inputs")?;
    let ev = Eval::from_js(&options)?;
    let list: Vec<Json> = from_text(&inputs, "inputs")?;
    let text = match CoreExpression::parse(source) {
        Ok(e) => {
            let sources = json_sources(&list);
            eval_results_text(&e, &sources, &ev)
        }
        Err(err) => serde_json::to_vec(&failed(source, &err)).unwrap_or_default(),
    };
    String::from_utf8(text).map_err(|e| JsError::new(&e.to_string()).into())
}

#[derive(Serialize)]
struct Attributes {
    ok: bool,
    attributes: Vec<String>,
}

/// The attribute names an expression reads.
#[wasm_bindgen(unchecked_return_type = "AttributesResult")]
pub fn attributes(
    #[wasm_bindgen(unchecked_param_type = "string")] source: JsValue,
) -> Result<JsValue, JsValue> {
    let source = &string(&source, "source")?;
    match CoreExpression::parse(source) {
        Ok(e) => to_js(&Attributes {
            ok: true,
            attributes: e.attributes().into_iter().map(str::to_string).collect(),
        }),
        Err(err) => to_js(&failed(source, &err)),
    }
}

#[derive(Serialize)]
struct Text {
    ok: bool,
    text: String,
}

/// Canonical text. Unknown functions and arity are not checked, so work in progress formats.
#[wasm_bindgen(js_name = formatExpression, unchecked_return_type = "TextResult")]
pub fn format_expression(
    #[wasm_bindgen(unchecked_param_type = "string")] source: JsValue,
) -> Result<JsValue, JsValue> {
    let source = &string(&source, "source")?;
    match entra::parse_tree(source, &scimmap::Limits::default()) {
        Ok(tree) => to_js(&Text {
            ok: true,
            text: entra::print::print(&tree),
        }),
        Err(err) => to_js(&failed(source, &err)),
    }
}

#[derive(Serialize)]
struct Graph {
    ok: bool,
    graph: Json,
}

/// Microsoft Graph's `attributeMappingSource` tree for an expression.
#[wasm_bindgen(js_name = toGraph, unchecked_return_type = "GraphResult")]
pub fn to_graph(
    #[wasm_bindgen(unchecked_param_type = "string")] source: JsValue,
) -> Result<JsValue, JsValue> {
    let source = &string(&source, "source")?;
    match CoreExpression::parse(source) {
        Ok(e) => to_js(&Graph {
            ok: true,
            graph: entra::graph::to_graph(e.ast()),
        }),
        Err(err) => to_js(&failed(source, &err)),
    }
}

/// Expression text for a Graph `attributeMappingSource` tree.
#[wasm_bindgen(js_name = fromGraph, unchecked_return_type = "TextResult")]
pub fn from_graph(
    #[wasm_bindgen(unchecked_param_type = "GraphSource")] graph: JsValue,
) -> Result<JsValue, JsValue> {
    object(&graph, "graph")?;
    let graph: Json = from_js(&graph, "graph")?;
    match entra::graph::from_graph(&graph) {
        Ok(tree) => to_js(&Text {
            ok: true,
            text: entra::print::print(&tree),
        }),
        // A Graph tree is not a text: the failure has no location.
        Err(d) => to_js(&Failed {
            location: None,
            ..Failed::located(vec![diagnostic("", &d)], NoExtra {})
        }),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FunctionInfo {
    name: &'static str,
    signature: String,
    doc: &'static str,
    source: &'static str,
    min_args: usize,
    max_args: Option<usize>,
    params: Vec<ParamInfo>,
}

#[derive(Serialize)]
struct ParamInfo {
    name: &'static str,
    required: bool,
}

/// The function registry, for autocomplete and docs.
#[wasm_bindgen(unchecked_return_type = "FunctionInfo[]")]
pub fn functions() -> Result<JsValue, JsValue> {
    let list: Vec<FunctionInfo> = entra::all_functions()
        .iter()
        .map(|f| FunctionInfo {
            name: f.name,
            signature: f.signature(),
            doc: f.doc,
            source: f.source,
            min_args: f.min_args(),
            max_args: f.max_args(),
            params: f
                .params
                .iter()
                .map(|p| ParamInfo {
                    name: p.name,
                    required: p.required,
                })
                .collect(),
        })
        .collect();
    to_js(&list)
}

// ---- SCIM filters, PATCH, diff ------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct FilterOptions {
    #[serde(default)]
    bare_values: bool,
}

fn parse_filter_with(
    source: &str,
    options: &JsValue,
) -> Result<Result<CoreFilter, ParseError>, JsValue> {
    check_options(options, FILTER_OPTIONS)?;
    let o: FilterOptions = opts(options, "options")?;
    Ok(CoreFilter::parse_with(
        source,
        &scimmap::Limits::default(),
        o.bare_values,
    ))
}

/// The filter tree as plain data (the core's tree carries spans and is not serialisable).
/// The filter as plain data (`FilterNode`), serialized straight from the AST: building a
/// `serde_json::Value` per node first copied every subtree once per level.
struct Tree<'a>(&'a CoreFilter);

impl Serialize for Tree<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        match self.0 {
            CoreFilter::Compare {
                path, op, value, ..
            } => {
                m.serialize_entry("op", op.as_str())?;
                m.serialize_entry("path", &path.to_string())?;
                m.serialize_entry("value", &value.to_json())?;
            }
            CoreFilter::Present { path, .. } => {
                m.serialize_entry("op", "pr")?;
                m.serialize_entry("path", &path.to_string())?;
            }
            CoreFilter::And { operands, .. } | CoreFilter::Or { operands, .. } => {
                let op = if matches!(self.0, CoreFilter::And { .. }) {
                    "and"
                } else {
                    "or"
                };
                m.serialize_entry("op", op)?;
                let list: Vec<Tree<'_>> = operands.iter().map(Tree).collect();
                m.serialize_entry("operands", &list)?;
            }
            CoreFilter::Not { inner, .. } => {
                m.serialize_entry("op", "not")?;
                m.serialize_entry("filter", &Tree(inner))?;
            }
            CoreFilter::ValuePath {
                path, filter, tail, ..
            } => {
                m.serialize_entry("op", "valuePath")?;
                m.serialize_entry("path", &path.to_string())?;
                m.serialize_entry("filter", &Tree(filter))?;
                if let Some(t) = tail {
                    m.serialize_entry("tail", &Tree(t))?;
                }
            }
            _ => m.serialize_entry("op", "unknown")?,
        }
        m.end()
    }
}

/// What a SCIM failure adds: the RFC 7644 §3.12 error body a server would answer with.
#[derive(Serialize)]
struct ScimExtra {
    error: Json,
}

type ScimFailed = Failed<ScimExtra>;

/// A failure with the RFC 7644 §3.12 error body and no source diagnostics; its code is the
/// `scimType` in kebab-case (`invalidValue` → `invalid-value`).
fn scim_failure(e: &ScimError) -> ScimFailed {
    let code = match e.scim_type {
        Some(t) => kebab(t.as_str()),
        None if e.status == 404 => "not-found".to_string(),
        None => "scim-error".to_string(),
    };
    Failed::unlocated(&code, e.detail.clone(), ScimExtra { error: e.to_json() })
}

/// `invalidFilter` → `invalid-filter`.
fn kebab(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 2);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn match_result(f: &CoreFilter, resource: &Json) -> Json {
    let r = match f.matches(resource, Schemas::shared_core()) {
        Ok(m) => Ok(json!({"ok": true, "matches": m})),
        Err(e) => serde_json::to_value(scim_failure(&e)),
    };
    r.unwrap_or(Json::Null)
}

fn filter_parse_failure(source: &str, e: &ParseError) -> ScimFailed {
    Failed::located(
        diagnostics(source, &e.diagnostics),
        ScimExtra {
            error: ScimError::invalid_filter(source, e).to_json(),
        },
    )
}

/// A parsed SCIM filter (RFC 7644 §3.4.2.2): parse once, match many.
#[wasm_bindgen]
pub struct Filter {
    inner: CoreFilter,
}

#[wasm_bindgen]
impl Filter {
    /// Whether a resource matches.
    #[wasm_bindgen(unchecked_return_type = "MatchResult")]
    pub fn matches(
        &self,
        #[wasm_bindgen(unchecked_param_type = "InputObject")] resource: JsValue,
    ) -> Result<JsValue, JsValue> {
        object_or_undefined(&resource, "resource")?;
        let resource = json_arg(&resource, "resource")?;
        to_js(&match_result(&self.inner, &resource))
    }

    /// Canonical text.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_text(&self) -> String {
        self.inner.to_string()
    }

    /// The tree as plain data.
    #[wasm_bindgen(unchecked_return_type = "FilterNode")]
    pub fn tree(&self) -> Result<JsValue, JsValue> {
        to_js(&Tree(&self.inner))
    }

    /// Every attribute path, as written (relative ones prefixed by their value path).
    #[wasm_bindgen(js_name = attributePaths)]
    pub fn attribute_paths(&self) -> Vec<String> {
        self.inner
            .attribute_paths()
            .into_iter()
            .map(|(parent, p)| match parent {
                Some(parent) => format!("{parent}.{p}"),
                None => p.to_string(),
            })
            .collect()
    }
}

/// Parses a SCIM filter; `bareValues` accepts unquoted values (`externalId eq jyoung`).
#[wasm_bindgen(js_name = parseFilter, unchecked_return_type = "FilterParseResult")]
pub fn parse_filter(
    #[wasm_bindgen(unchecked_param_type = "string")] source: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FilterOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let source = &string(&source, "source")?;
    match parse_filter_with(source, &options)? {
        Ok(f) => {
            let t = to_js(&Tree(&f))?;
            ok_with(vec![("filter", Filter { inner: f }.into()), ("tree", t)])
        }
        Err(e) => to_js(&failed(source, &e)),
    }
}

/// Parses a filter and matches one resource.
#[wasm_bindgen(js_name = matchFilter, unchecked_return_type = "MatchResult")]
pub fn match_filter(
    #[wasm_bindgen(unchecked_param_type = "string")] filter: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InputObject")] resource: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FilterOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let filter = &string(&filter, "filter")?;
    object_or_undefined(&resource, "resource")?;
    let resource = json_arg(&resource, "resource")?;
    match parse_filter_with(filter, &options)? {
        Ok(f) => to_js(&match_result(&f, &resource)),
        Err(e) => to_js(&filter_parse_failure(filter, &e)),
    }
}

/// Batch: the resources of a JSON array (or a SCIM ListResponse) that match, as JSON text
/// of a `FilterJsonResult`. Only the members the filter reads are parsed; a matching
/// resource's text is copied to the result as written.
#[wasm_bindgen(js_name = filterJson)]
pub fn filter_json(
    #[wasm_bindgen(unchecked_param_type = "string")] filter: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] resources: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FilterOptions | undefined")] options: JsValue,
) -> Result<String, JsValue> {
    let filter = &string(&filter, "filter")?;
    let resources = string(&resources, "resources")?;
    check_options(&options, FILTER_OPTIONS)?;
    let texts = scim::ResourceTexts::parse(&resources).map_err(resources_error)?;
    let f = match parse_filter_with(filter, &options)? {
        Ok(f) => f,
        Err(e) => {
            return Ok(serde_json::to_string(&filter_parse_failure(filter, &e)).unwrap_or_default())
        }
    };
    let matched = match texts.select(&f, Schemas::shared_core()) {
        Ok(m) => m,
        Err(scim::ResourcesTextError::Filter(e)) => {
            return Ok(serde_json::to_string(&scim_failure(&e)).unwrap_or_default())
        }
        Err(e) => return Err(resources_error(e)),
    };
    Ok(matched_json(&matched))
}

/// `{"ok":true,"resources":[…]}` around the matching resources' texts.
fn matched_json(matched: &[&str]) -> String {
    const HEAD: &str = r#"{"ok":true,"resources":["#;
    let len = HEAD.len() + matched.iter().map(|t| t.len() + 1).sum::<usize>() + 2;
    let mut out = String::with_capacity(len);
    out.push_str(HEAD);
    for (i, text) in matched.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(text);
    }
    out.push_str("]}");
    out
}

/// `resources: invalid JSON: …` / `resources: expected an array or a ListResponse`.
fn resources_error(e: scim::ResourcesTextError) -> JsValue {
    JsError::new(&format!("resources: {e}")).into()
}

/// Canonical text of a filter.
#[wasm_bindgen(js_name = printFilter, unchecked_return_type = "TextResult")]
pub fn print_filter(
    #[wasm_bindgen(unchecked_param_type = "string")] filter: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FilterOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let filter = &string(&filter, "filter")?;
    match parse_filter_with(filter, &options)? {
        Ok(f) => to_js(&Text {
            ok: true,
            text: f.to_string(),
        }),
        Err(e) => to_js(&failed(filter, &e)),
    }
}

/// Renames resource-level attribute paths (`{"userName": "login"}`); paths relative to a
/// value path's element are kept. Keys match case-insensitively (RFC 7643 §2.1).
#[wasm_bindgen(js_name = rewriteFilter, unchecked_return_type = "TextResult")]
pub fn rewrite_filter(
    #[wasm_bindgen(unchecked_param_type = "string")] filter: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] renames: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FilterOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let filter = &string(&filter, "filter")?;
    object(&renames, "renames")?;
    let renames: Map<String, Json> = from_js(&renames, "renames")?;
    let mut table: Vec<(AttrPath, AttrPath)> = Vec::new();
    for (from, to) in &renames {
        let to = to.as_str().ok_or_else(|| {
            js_sys::TypeError::new(&format!(
                "renames.{from}: expected a string (an attribute path)"
            ))
        })?;
        table.push((attr_path(from)?, attr_path(to)?));
    }
    match parse_filter_with(filter, &options)? {
        Ok(mut f) => {
            f.rename_paths(&mut |p, cx| match cx {
                scim::rewrite::PathContext::Resource => table
                    .iter()
                    .find(|(from, _)| from.same_attribute(p))
                    .map(|(_, to)| to.clone()),
                _ => None,
            });
            to_js(&Text {
                ok: true,
                text: f.to_string(),
            })
        }
        Err(e) => to_js(&failed(filter, &e)),
    }
}

fn attr_path(text: &str) -> Result<AttrPath, JsError> {
    match scim::Path::parse(text) {
        Ok(p) if p.filter.is_none() && p.sub.is_none() => Ok(p.attr),
        _ => Err(JsError::new(&format!(
            "renames: `{text}` is not an attribute path"
        ))),
    }
}

/// Reads a `"strict" | "entra"` option (absent = strict); true for Entra's dialect.
fn entra_dialect(value: Option<&str>, name: &str) -> Result<bool, JsValue> {
    match value {
        None | Some("strict") => Ok(false),
        Some("entra") => Ok(true),
        Some(other) => Err(args::range_error(&format!(
            "options.{name}: expected \"strict\" or \"entra\", got \"{other}\""
        ))),
    }
}

#[derive(Deserialize, Default)]
struct PatchOptions {
    compat: Option<String>,
}

fn patch_compat(options: &JsValue) -> Result<Compat, JsValue> {
    check_options(options, PATCH_OPTIONS)?;
    let o: PatchOptions = opts(options, "options")?;
    Ok(if entra_dialect(o.compat.as_deref(), "compat")? {
        Compat::entra()
    } else {
        Compat::strict()
    })
}

fn patch_result(resource: &Json, body: &Json, compat: &Compat) -> Json {
    let r = match scim::apply_patch(resource, body, Schemas::shared_core(), compat) {
        Ok(r) => Ok(json!({"ok": true, "resource": r})),
        Err(e) => serde_json::to_value(scim_failure(&e)),
    };
    r.unwrap_or(Json::Null)
}

/// Applies a PatchOp body (RFC 7644 §3.5.2) atomically; `compat: "entra"` accepts what
/// Entra ID sends.
#[wasm_bindgen(js_name = applyPatch, unchecked_return_type = "PatchResult")]
pub fn apply_patch(
    #[wasm_bindgen(unchecked_param_type = "InputObject")] resource: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PatchOpBody")] body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PatchOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    object(&resource, "resource")?;
    object(&body, "body")?;
    let resource: Json = from_js(&resource, "resource")?;
    let body: Json = from_js(&body, "body")?;
    let compat = patch_compat(&options)?;
    to_js(&patch_result(&resource, &body, &compat))
}

/// Text API (what a proxy holds): the resource and the PatchOp body as JSON text; JSON
/// text of a `PatchResult`. Integers beyond 2^53 stay exact.
#[wasm_bindgen(js_name = applyPatchJson)]
pub fn apply_patch_json(
    #[wasm_bindgen(unchecked_param_type = "string")] resource: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PatchOptions | undefined")] options: JsValue,
) -> Result<String, JsValue> {
    let resource = string(&resource, "resource")?;
    let body = string(&body, "body")?;
    let resource: Json = from_text(&resource, "resource")?;
    let body: Json = from_text(&body, "body")?;
    let compat = patch_compat(&options)?;
    Ok(patch_result(&resource, &body, &compat).to_string())
}

/// Batch, as text: one PatchOp body applied to each resource of a JSON array (or a SCIM
/// ListResponse), each atomically and on its own; JSON text of an array of `PatchResult`s
/// in input order. The body is read once.
#[wasm_bindgen(js_name = applyPatchManyJson)]
pub fn apply_patch_many_json(
    #[wasm_bindgen(unchecked_param_type = "string")] resources: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PatchOptions | undefined")] options: JsValue,
) -> Result<String, JsValue> {
    let resources = string(&resources, "resources")?;
    let body = string(&body, "body")?;
    let texts = scim::ResourceTexts::parse(&resources).map_err(resources_error)?;
    let body: Json = from_text(&body, "body")?;
    let compat = patch_compat(&options)?;
    let mut out = String::with_capacity(resources.len() + 16 * texts.len());
    out.push('[');
    for (i, text) in texts.texts().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let resource: Json = serde_json::from_str(text)
            .map_err(|e| JsError::new(&format!("resources[{i}]: invalid JSON: {e}")))?;
        out.push_str(&patch_result(&resource, &body, &compat).to_string());
    }
    out.push(']');
    Ok(out)
}

#[derive(Deserialize, Default)]
struct DiffOptions {
    shape: Option<String>,
}

/// The PatchOp body that turns `old` into `new` (`shape: "entra"` for Entra's op names).
#[wasm_bindgen(unchecked_return_type = "PatchOpBody")]
pub fn diff(
    #[wasm_bindgen(unchecked_param_type = "InputObject")] old: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InputObject")] new: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DiffOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    object(&old, "old")?;
    object(&new, "new")?;
    check_options(&options, DIFF_OPTIONS)?;
    let old: Json = from_js(&old, "old")?;
    let new: Json = from_js(&new, "new")?;
    let o: DiffOptions = opts(&options, "options")?;
    let shape = if entra_dialect(o.shape.as_deref(), "shape")? {
        DiffShape::Entra
    } else {
        DiffShape::Strict
    };
    to_js(&scim::diff(&old, &new, shape, Schemas::shared_core()))
}

// ---- mappings -----------------------------------------------------------------------

#[derive(Serialize)]
struct JsFinding {
    object: String,
    target: String,
    field: scimmap::mapping::lint::Field,
    text: String,
    diagnostic: JsDiagnostic,
}

fn finding(f: &CoreFinding) -> JsFinding {
    JsFinding {
        object: f.object.clone(),
        target: f.target.clone(),
        field: f.field,
        text: f.text.clone(),
        diagnostic: diagnostic(&f.text, &f.diagnostic),
    }
}

/// What a mapping failure adds: the attribute mapping concerned and its expression (the
/// text `location` and `diagnostics` point into).
#[derive(Serialize)]
struct MappingExtra {
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expression: Option<String>,
}

type MappingFailure = Failed<MappingExtra>;

fn mapping_failure(e: &MappingError) -> MappingFailure {
    let extra = |target: &str, expression: Option<&str>| MappingExtra {
        target: Some(target.to_string()),
        expression: expression.map(str::to_string),
    };
    let mut f = match e {
        MappingError::Target { target, .. } => {
            Failed::unlocated("invalid-target", String::new(), extra(target, None))
        }
        MappingError::Expression {
            target,
            expression,
            error,
        } => Failed::located(
            diagnostics(expression, &error.diagnostics),
            extra(target, Some(expression)),
        ),
        MappingError::Eval {
            target,
            expression,
            error,
        } => Failed::located(
            vec![diagnostic(expression, &error.to_diagnostic())],
            extra(target, Some(expression)),
        ),
        MappingError::NoObjectMapping(_) => {
            Failed::unlocated("no-object-mapping", String::new(), no_target())
        }
        _ => Failed::unlocated("invalid-input", String::new(), no_target()),
    };
    // The whole sentence (it names the target), not only the first diagnostic's.
    f.message = e.to_string();
    f
}

fn no_target() -> MappingExtra {
    MappingExtra {
        target: None,
        expression: None,
    }
}

fn load_failure(code: &str, message: String) -> MappingFailure {
    Failed::unlocated(code, message, no_target())
}

/// A loaded mapping with what every handle loaded from the same input shares: its
/// compiled object mappings and its lint findings.
struct Loaded {
    mapping: CoreMapping,
    /// Compiled object mappings by `options.object`: compiling parses every expression and
    /// costs several times one apply, so it happens once per object type, not per call.
    compiled: RefCell<Vec<(Option<String>, Compiled)>>,
    /// The lint findings as JSON text.
    findings: String,
}

type Compiled = Rc<Result<CompiledMapping, MappingError>>;

/// How many recently loaded inputs are kept for reuse.
const RECENT_LOADS: usize = 8;

thread_local! {
    /// Recently loaded mappings by input (preset name or JSON text). A mapping is immutable
    /// once loaded, so handles loaded from the same input share one: a loop that loads the
    /// same mapping many times without `free()` then holds a few bytes per handle until the
    /// garbage collector's finalizers run (between tasks, never inside a synchronous loop),
    /// not a copy of the mapping each.
    static RECENT: RefCell<Vec<(String, Rc<Loaded>)>> = const { RefCell::new(Vec::new()) };
}

/// A preset name, JSON text, or a parsed Graph schema / compact form / preset file; the
/// loaded mapping of a recent identical input when there is one.
fn load(input: &JsValue) -> Result<Result<Rc<Loaded>, MappingFailure>, JsValue> {
    let (key, preset) = match input.as_string() {
        Some(s) if s.trim_start().starts_with('{') => (s, false),
        Some(s) => (s.trim().to_string(), true),
        None => (json_text(input, "mapping")?, false),
    };
    if let Some(loaded) = recent(&key) {
        return Ok(Ok(loaded));
    }
    let mapping = if preset {
        let code = if presets::find(&key).is_some() {
            "invalid-mapping"
        } else {
            "unknown-preset"
        };
        presets::load(&key).map_err(|m| load_failure(code, m))
    } else {
        match serde_json::from_str::<Json>(&key) {
            Ok(json) => {
                CoreMapping::from_json(&json).map_err(|m| load_failure("invalid-mapping", m))
            }
            Err(e) => Err(load_failure("invalid-json", format!("invalid JSON: {e}"))),
        }
    };
    let mapping = match mapping {
        Ok(m) => m,
        Err(f) => return Ok(Err(f)),
    };
    let findings: Vec<JsFinding> = lint(&mapping.schema).iter().map(finding).collect();
    let loaded = Rc::new(Loaded {
        mapping,
        compiled: RefCell::new(Vec::new()),
        findings: serde_json::to_string(&findings).map_err(|e| JsError::new(&e.to_string()))?,
    });
    remember(key, &loaded);
    Ok(Ok(loaded))
}

/// The mapping loaded from `key` recently, moved to the front.
fn recent(key: &str) -> Option<Rc<Loaded>> {
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        let i = r.iter().position(|(k, _)| k == key)?;
        let entry = r.remove(i);
        let loaded = Rc::clone(&entry.1);
        r.insert(0, entry);
        Some(loaded)
    })
}

fn remember(key: String, loaded: &Rc<Loaded>) {
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        r.insert(0, (key, Rc::clone(loaded)));
        r.truncate(RECENT_LOADS);
    });
}

#[derive(Default)]
struct MapOptions {
    object: Option<String>,
    mode: Option<String>,
    current: Option<Json>,
    aad_opt_scim062020: bool,
    deleted: bool,
    /// `false`: leave the attribute-by-attribute trace out of `ApplyResult`.
    steps: Option<bool>,
}

/// One read of the options object for both the mapping and the evaluation options: each
/// member `members` lists is read once, straight from the JS object, its JS type checked.
fn map_options(options: &JsValue, members: args::Members) -> Result<(MapOptions, Eval), JsValue> {
    let ev = Eval::from_js(options)?;
    let mut o = MapOptions::default();
    for &(name, kind) in members {
        if EVAL_OPTIONS.iter().any(|(e, _)| *e == name) {
            continue;
        }
        let Some(v) = args::read(options, name, kind)? else {
            continue;
        };
        match name {
            "object" => o.object = v.as_string(),
            "mode" => o.mode = v.as_string(),
            "steps" => o.steps = v.as_bool(),
            "aadOptScim062020" => o.aad_opt_scim062020 = v.as_bool().unwrap_or(false),
            "deleted" => o.deleted = v.as_bool().unwrap_or(false),
            "current" => o.current = Some(from_js(&v, "options.current")?),
            _ => {}
        }
    }
    Ok((o, ev))
}

fn mode(o: &MapOptions) -> Result<Mode, JsValue> {
    o.mode
        .as_deref()
        .map_or(Ok(Mode::Create), str::parse::<Mode>)
        .map_err(|e| args::range_error(&format!("options.mode: {e}")))
}

/// One `ApplyResult`, serialized straight into the answer's JSON text (no intermediate
/// `serde_json::Value` copy of the resource and the trace).
#[derive(Serialize)]
#[serde(untagged)]
enum ApplyOut {
    Applied {
        ok: bool,
        resource: Json,
        #[serde(skip_serializing_if = "Option::is_none")]
        steps: Option<Vec<scimmap::mapping::Step>>,
    },
    Failed(MappingFailure),
}

fn apply_one(
    m: &CompiledMapping,
    source: &Json,
    o: &MapOptions,
    ev: &Eval,
) -> Result<ApplyOut, JsValue> {
    let mode = mode(o)?;
    Ok(match ev.with(|eval| m.apply(source, mode, eval)) {
        Ok(a) => ApplyOut::Applied {
            ok: true,
            resource: a.resource,
            steps: o.steps.unwrap_or(true).then_some(a.steps),
        },
        Err(e) => ApplyOut::Failed(mapping_failure(&e)),
    })
}

fn simulate_one(
    mapping: &CoreMapping,
    m: &CompiledMapping,
    source: &Json,
    o: &MapOptions,
    ev: &Eval,
) -> Json {
    let r = ev.with(|eval| {
        let sim = SimOptions {
            aad_opt_scim062020: o.aad_opt_scim062020,
            hard_deleted: o.deleted,
            cannot_create: !mapping.capability(&m.target_object, "create"),
            cannot_delete: !mapping.capability(&m.target_object, "delete"),
            eval: eval.clone(),
        };
        core_simulate(m, source, o.current.as_ref(), &sim)
    });
    let r = match r {
        Ok(report) => Ok(json!({"ok": true, "report": report})),
        Err(e) => serde_json::to_value(mapping_failure(&e)),
    };
    r.unwrap_or(Json::Null)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AttributeRow {
    target: String,
    /// `null`: mapping type "None" (only the default value flows, on create).
    expression: Option<String>,
    default_value: Option<String>,
    flow_type: String,
    matching_priority: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ObjectInfo {
    source_object: String,
    target_object: String,
    enabled: bool,
}

/// A loaded mapping (Graph `synchronizationSchema`, compact form or preset).
#[wasm_bindgen]
pub struct Mapping {
    shared: Rc<Loaded>,
}

impl Mapping {
    fn compiled(&self, object: Option<&str>) -> Compiled {
        let mut cache = self.shared.compiled.borrow_mut();
        if let Some((_, c)) = cache.iter().find(|(k, _)| k.as_deref() == object) {
            return Rc::clone(c);
        }
        let c = Rc::new(self.shared.mapping.compile(object));
        cache.push((object.map(str::to_string), Rc::clone(&c)));
        c
    }
}

#[wasm_bindgen]
impl Mapping {
    /// Preset metadata (display name, tenant URL, auth, notes, capabilities), if any.
    #[wasm_bindgen(getter, unchecked_return_type = "PresetInfo | null")]
    pub fn preset(&self) -> Result<JsValue, JsValue> {
        to_js(&self.shared.mapping.preset)
    }

    /// The object mappings (`User`, `Group`).
    #[wasm_bindgen(unchecked_return_type = "ObjectInfo[]")]
    pub fn objects(&self) -> Result<JsValue, JsValue> {
        let list: Vec<ObjectInfo> = self
            .shared
            .mapping
            .schema
            .object_mappings()
            .map(|om| ObjectInfo {
                source_object: om.source_object_name.clone(),
                target_object: om.target_object_name.clone(),
                enabled: om.enabled != Some(false),
            })
            .collect();
        to_js(&list)
    }

    /// The attribute mappings of one object mapping (`undefined` = the first), as rows.
    #[wasm_bindgen(js_name = attributeMappings, unchecked_return_type = "AttributeMappingRow[]")]
    pub fn attribute_mappings(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | undefined")] object: JsValue,
    ) -> Result<JsValue, JsValue> {
        let object = opt_string(&object, "object")?;
        let Some(om) = self.shared.mapping.schema.object_mapping(object.as_deref()) else {
            return to_js(&Vec::<AttributeRow>::new());
        };
        let rows: Vec<AttributeRow> = om
            .attribute_mappings
            .iter()
            .map(|am| AttributeRow {
                target: am.target_attribute_name.clone(),
                expression: am.source().map(scimmap::mapping::source::expression_text),
                default_value: am.default().map(str::to_string),
                flow_type: am.flow_type.clone().unwrap_or_else(|| "Always".into()),
                matching_priority: am.matching().unwrap_or(0),
            })
            .collect();
        to_js(&rows)
    }

    /// The Graph `synchronizationSchema` JSON.
    #[wasm_bindgen(js_name = toGraph, unchecked_return_type = "JsonObject")]
    pub fn to_graph(&self) -> Result<JsValue, JsValue> {
        to_js(&self.shared.mapping.schema.to_json())
    }

    /// Lint findings (what `scimmap check` reports), each located in its own text.
    #[wasm_bindgen(unchecked_return_type = "Finding[]")]
    pub fn findings(&self) -> Result<JsValue, JsValue> {
        findings_js(&self.shared)
    }

    /// Applies the mapping to a source object: the SCIM resource the app receives.
    #[wasm_bindgen(unchecked_return_type = "ApplyResult")]
    pub fn apply(
        &self,
        #[wasm_bindgen(unchecked_param_type = "InputObject")] source: JsValue,
        #[wasm_bindgen(unchecked_param_type = "MapOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        object_or_undefined(&source, "source")?;
        let (o, ev) = map_options(&options, MAP_OPTIONS)?;
        let source = json_arg(&source, "source")?;
        match self.compiled(o.object.as_deref()).as_ref() {
            Ok(m) => to_js(&apply_one(m, &source, &o, &ev)?),
            Err(e) => to_js(&mapping_failure(e)),
        }
    }

    /// Offline "Provision on demand": scope, matching, and the requests Entra would send.
    #[wasm_bindgen(unchecked_return_type = "SimulateResult")]
    pub fn simulate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "InputObject")] source: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SimulateOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        object_or_undefined(&source, "source")?;
        let (o, ev) = map_options(&options, SIMULATE_OPTIONS)?;
        let source = json_arg(&source, "source")?;
        match self.compiled(o.object.as_deref()).as_ref() {
            Ok(m) => to_js(&simulate_one(&self.shared.mapping, m, &source, &o, &ev)),
            Err(e) => to_js(&mapping_failure(e)),
        }
    }

    /// Batch: applies the mapping to each object of a JSON array; JSON text of an array of
    /// `ApplyResult`s (one failed result when the mapping does not compile).
    #[wasm_bindgen(js_name = mapJson)]
    pub fn map_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] sources: JsValue,
        #[wasm_bindgen(unchecked_param_type = "MapOptions | undefined")] options: JsValue,
    ) -> Result<String, JsValue> {
        let sources = string(&sources, "sources")?;
        map_json_with(self, &sources, &options)
    }
}

fn findings_js(loaded: &Loaded) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(&loaded.findings)
        .map_err(|_| JsError::new("cannot convert the findings to JS").into())
}

fn map_json_with(
    mapping: &Mapping,
    sources_json: &str,
    options: &JsValue,
) -> Result<String, JsValue> {
    let (o, ev) = map_options(options, MAP_OPTIONS)?;
    let sources: Vec<Json> = from_text(sources_json, "sources")?;
    let out = match mapping.compiled(o.object.as_deref()).as_ref() {
        Ok(m) => {
            let list = sources
                .iter()
                .map(|s| apply_one(m, s, &o, &ev))
                .collect::<Result<Vec<_>, _>>()?;
            serde_json::to_string(&list)
        }
        Err(e) => serde_json::to_string(&mapping_failure(e)),
    };
    out.map_err(|e| JsError::new(&e.to_string()).into())
}

/// Loads a mapping: a preset name (`"webex"`), JSON text, or a parsed Graph schema,
/// compact form or preset file. Lint findings come with it.
#[wasm_bindgen(js_name = loadMapping, unchecked_return_type = "MappingLoadResult")]
pub fn load_mapping(
    #[wasm_bindgen(unchecked_param_type = "MappingInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    mapping_input(&input, "input")?;
    match load(&input)? {
        Ok(shared) => {
            let findings = findings_js(&shared)?;
            ok_with(vec![
                ("mapping", Mapping { shared }.into()),
                ("findings", findings),
            ])
        }
        Err(f) => to_js(&f),
    }
}

/// Loads a mapping and applies it to one source object.
#[wasm_bindgen(js_name = applyMapping, unchecked_return_type = "ApplyResult")]
pub fn apply_mapping(
    #[wasm_bindgen(unchecked_param_type = "MappingInput")] mapping: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InputObject")] source: JsValue,
    #[wasm_bindgen(unchecked_param_type = "MapOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    mapping_input(&mapping, "mapping")?;
    object_or_undefined(&source, "source")?;
    check_options(&options, MAP_OPTIONS)?;
    match load(&mapping)? {
        Ok(shared) => Mapping { shared }.apply(source, options),
        Err(f) => to_js(&f),
    }
}

/// Loads a mapping and simulates provisioning one source object.
#[wasm_bindgen(unchecked_return_type = "SimulateResult")]
pub fn simulate(
    #[wasm_bindgen(unchecked_param_type = "MappingInput")] mapping: JsValue,
    #[wasm_bindgen(unchecked_param_type = "InputObject")] source: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SimulateOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    mapping_input(&mapping, "mapping")?;
    object_or_undefined(&source, "source")?;
    check_options(&options, SIMULATE_OPTIONS)?;
    match load(&mapping)? {
        Ok(shared) => Mapping { shared }.simulate(source, options),
        Err(f) => to_js(&f),
    }
}

/// Batch: loads a mapping and applies it to each user of a JSON array (see `Mapping.mapJson`).
#[wasm_bindgen(js_name = mapUsersJson)]
pub fn map_users_json(
    #[wasm_bindgen(unchecked_param_type = "MappingInput")] mapping: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] users: JsValue,
    #[wasm_bindgen(unchecked_param_type = "MapOptions | undefined")] options: JsValue,
) -> Result<String, JsValue> {
    mapping_input(&mapping, "mapping")?;
    let users = string(&users, "users")?;
    check_options(&options, MAP_OPTIONS)?;
    match load(&mapping)? {
        Ok(shared) => map_json_with(&Mapping { shared }, &users, &options),
        Err(f) => Ok(serde_json::to_string(&f).unwrap_or_default()),
    }
}

#[derive(Serialize)]
struct PresetEntry {
    name: &'static str,
    preset: Option<Json>,
}

/// The built-in app presets, with their metadata.
#[wasm_bindgen(unchecked_return_type = "PresetEntry[]")]
pub fn presets() -> Result<JsValue, JsValue> {
    let list: Vec<PresetEntry> = PRESETS
        .iter()
        .map(|p| PresetEntry {
            name: p.name,
            preset: p.load().ok().and_then(|m| m.preset),
        })
        .collect();
    to_js(&list)
}
