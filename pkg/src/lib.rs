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
fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(v).map_err(|e| JsError::new(&e.to_string()))?;
    js_sys::JSON::parse(&text).map_err(|_| JsError::new("cannot convert the result to JS"))
}

/// Through `JSON.stringify`: V8 serializes the whole value natively, then one
/// `serde_json` parse; per-property conversion (serde-wasm-bindgen) costs one boundary
/// call per property and was several times slower for a 30-attribute user. A `Date` becomes its
/// ISO 8601 text, which is what every option that takes one (`now`) accepts.
fn from_js<T: DeserializeOwned>(v: &JsValue, what: &str) -> Result<T, JsError> {
    let text = js_sys::JSON::stringify(v)
        .map_err(|e| JsError::new(&format!("{what}: {}", js_message(&e))))?
        .as_string()
        .ok_or_else(|| JsError::new(&format!("{what}: not a JSON value")))?;
    serde_json::from_str(&text).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map_or_else(|| "not a JSON value".into(), |e| String::from(e.message()))
}

fn json_arg(v: &JsValue, what: &str) -> Result<Json, JsError> {
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
fn opts<T: DeserializeOwned + Default>(v: &JsValue, what: &str) -> Result<T, JsError> {
    if v.is_undefined() || v.is_null() {
        Ok(T::default())
    } else {
        from_js(v, what)
    }
}

fn set(obj: &js_sys::Object, key: &str, value: JsValue) -> Result<(), JsError> {
    js_sys::Reflect::set(obj, &JsValue::from_str(key), &value)
        .map(|_| ())
        .map_err(|_| JsError::new("cannot build the result object"))
}

/// `{ ok: true, <key>: value, … }` where a value is a wasm-bindgen class instance.
fn ok_with(pairs: Vec<(&str, JsValue)>) -> Result<JsValue, JsError> {
    let obj = js_sys::Object::new();
    set(&obj, "ok", JsValue::TRUE)?;
    for (k, v) in pairs {
        set(&obj, k, v)?;
    }
    Ok(obj.into())
}

#[derive(Serialize)]
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

#[derive(Serialize)]
struct Failed {
    ok: bool,
    diagnostics: Vec<JsDiagnostic>,
}

fn failed(src: &str, e: &ParseError) -> Failed {
    Failed {
        ok: false,
        diagnostics: diagnostics(src, &e.diagnostics),
    }
}

// ---- expressions --------------------------------------------------------------------

/// `now` (RFC 3339 text, or a `Date`, which `JSON.stringify` turns into ISO 8601 text),
/// `seed`, `exists`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct JsEvalOptions {
    now: Option<String>,
    seed: Option<u64>,
    exists: Option<BTreeSet<String>>,
}

/// Owned evaluation options; [`EvalOptions`] borrows the `exists` callback from here.
struct Eval {
    now: chrono::DateTime<chrono::Utc>,
    seed: Option<u64>,
    exists: Option<BTreeSet<String>>,
}

impl Eval {
    fn from_js(options: &JsValue) -> Result<Eval, JsError> {
        Eval::new(opts(options, "options")?)
    }

    /// wasm has no system clock, so an absent `now` is the JS clock's.
    fn new(o: JsEvalOptions) -> Result<Eval, JsError> {
        let now = match o.now {
            Some(s) => chrono::DateTime::parse_from_rfc3339(&s)
                .map_err(|e| JsError::new(&format!("options.now `{s}`: {e}")))?
                .with_timezone(&chrono::Utc),
            None => js_now(),
        };
        Ok(Eval {
            now,
            seed: o.seed,
            exists: o.exists,
        })
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
struct Evaluated {
    ok: bool,
    value: Json,
    ignore_flow: bool,
}

/// A JS object read lazily: an expression reads a handful of attributes, so only those
/// cross the boundary (one `Reflect.get` each) instead of the whole object. SCIM-path
/// references (`name.givenName`, value paths, URNs) need the resource as JSON and convert
/// it once. A value `JSON.stringify` cannot write (a `BigInt`) reads as absent.
struct JsSource<'a> {
    object: &'a JsValue,
    whole: std::cell::OnceCell<Json>,
}

impl<'a> JsSource<'a> {
    fn new(object: &'a JsValue) -> JsSource<'a> {
        JsSource {
            object,
            whole: std::cell::OnceCell::new(),
        }
    }
}

impl entra::Source for JsSource<'_> {
    fn attribute(&self, name: &str) -> entra::Value {
        let found = if self.object.is_object() {
            js_sys::Reflect::get(self.object, &JsValue::from_str(name)).unwrap_or_default()
        } else {
            JsValue::UNDEFINED
        };
        if !found.is_undefined() {
            return match found.as_string() {
                Some(text) => entra::Value::from_json(&Json::String(text)),
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

fn eval_result(e: &CoreExpression, input: &dyn entra::Source, ev: &Eval) -> Json {
    let out = ev.with(|o| e.evaluate(input, o));
    let r = match out {
        Ok(Outcome::Value(v)) => serde_json::to_value(Evaluated {
            ok: true,
            value: v.to_json(),
            ignore_flow: false,
        }),
        Ok(Outcome::IgnoreFlow) => serde_json::to_value(Evaluated {
            ok: true,
            value: Json::Null,
            ignore_flow: true,
        }),
        Err(err) => serde_json::to_value(Failed {
            ok: false,
            diagnostics: vec![diagnostic(e.source(), &err.to_diagnostic())],
        }),
    };
    r.unwrap_or(Json::Null)
}

/// A parsed and checked expression: parse once, evaluate many times.
#[wasm_bindgen]
pub struct Expression {
    inner: CoreExpression,
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
    pub fn warnings(&self) -> Result<JsValue, JsError> {
        to_js(&diagnostics(self.inner.source(), self.inner.warnings()))
    }

    /// Evaluates against a source object.
    #[wasm_bindgen(unchecked_return_type = "EvalResult")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "JsonObject")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EvalOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let ev = Eval::from_js(&options)?;
        to_js(&eval_result(&self.inner, &JsSource::new(&input), &ev))
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
    pub fn to_graph(&self) -> Result<JsValue, JsError> {
        to_js(&entra::graph::to_graph(self.inner.ast()))
    }
}

/// Parses and checks an expression.
#[wasm_bindgen(js_name = parseExpression, unchecked_return_type = "ExpressionParseResult")]
pub fn parse_expression(source: &str) -> Result<JsValue, JsError> {
    match CoreExpression::parse(source) {
        Ok(e) => {
            let warnings = to_js(&diagnostics(source, e.warnings()))?;
            ok_with(vec![
                ("expression", Expression { inner: e }.into()),
                ("diagnostics", warnings),
            ])
        }
        Err(err) => to_js(&failed(source, &err)),
    }
}

/// Every diagnostic (errors first, then warnings); empty when the expression is clean.
#[wasm_bindgen(js_name = checkExpression, unchecked_return_type = "Diagnostic[]")]
pub fn check_expression(source: &str) -> Result<JsValue, JsError> {
    match CoreExpression::parse(source) {
        Ok(e) => to_js(&diagnostics(source, e.warnings())),
        Err(err) => to_js(&diagnostics(source, &err.diagnostics)),
    }
}

/// Parses and evaluates in one call.
#[wasm_bindgen(unchecked_return_type = "EvalResult")]
pub fn evaluate(
    source: &str,
    #[wasm_bindgen(unchecked_param_type = "JsonObject")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EvalOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let ev = Eval::from_js(&options)?;
    match CoreExpression::parse(source) {
        Ok(e) => to_js(&eval_result(&e, &JsSource::new(&input), &ev)),
        Err(err) => to_js(&failed(source, &err)),
    }
}

/// Batch: evaluates one expression against each object of a JSON array; returns a JSON
/// array of `EvalResult`s (or one failed `EvalResult` when the expression does not parse).
#[wasm_bindgen(js_name = evaluateJson)]
pub fn evaluate_json(
    source: &str,
    inputs: &str,
    #[wasm_bindgen(unchecked_param_type = "EvalOptions | undefined")] options: JsValue,
) -> Result<String, JsError> {
    let list: Vec<Json> = from_text(inputs, "inputs")?;
    let ev = Eval::from_js(&options)?;
    let out = match CoreExpression::parse(source) {
        Ok(e) => Json::Array(list.iter().map(|i| eval_result(&e, i, &ev)).collect()),
        Err(err) => serde_json::to_value(failed(source, &err)).unwrap_or(Json::Null),
    };
    Ok(out.to_string())
}

#[derive(Serialize)]
struct Attributes {
    ok: bool,
    attributes: Vec<String>,
}

/// The attribute names an expression reads.
#[wasm_bindgen(unchecked_return_type = "AttributesResult")]
pub fn attributes(source: &str) -> Result<JsValue, JsError> {
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
pub fn format_expression(source: &str) -> Result<JsValue, JsError> {
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
pub fn to_graph(source: &str) -> Result<JsValue, JsError> {
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
) -> Result<JsValue, JsError> {
    let graph: Json = from_js(&graph, "graph")?;
    match entra::graph::from_graph(&graph) {
        Ok(tree) => to_js(&Text {
            ok: true,
            text: entra::print::print(&tree),
        }),
        Err(d) => to_js(&Failed {
            ok: false,
            diagnostics: vec![diagnostic("", &d)],
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
pub fn functions() -> Result<JsValue, JsError> {
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
    options: JsValue,
) -> Result<Result<CoreFilter, ParseError>, JsError> {
    let o: FilterOptions = opts(&options, "options")?;
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

#[derive(Serialize)]
struct ScimFailed {
    ok: bool,
    error: Json,
    diagnostics: Vec<JsDiagnostic>,
}

/// A failure with the RFC 7644 §3.12 error body and no source diagnostics.
fn scim_failure(e: &ScimError) -> ScimFailed {
    ScimFailed {
        ok: false,
        error: e.to_json(),
        diagnostics: Vec::new(),
    }
}

fn match_result(f: &CoreFilter, resource: &Json) -> Json {
    let r = match f.matches(resource, Schemas::shared_core()) {
        Ok(m) => Ok(json!({"ok": true, "matches": m})),
        Err(e) => serde_json::to_value(scim_failure(&e)),
    };
    r.unwrap_or(Json::Null)
}

fn filter_parse_failure(source: &str, e: &ParseError) -> ScimFailed {
    ScimFailed {
        ok: false,
        error: ScimError::invalid_filter(source, e).to_json(),
        diagnostics: diagnostics(source, &e.diagnostics),
    }
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
        #[wasm_bindgen(unchecked_param_type = "JsonObject")] resource: JsValue,
    ) -> Result<JsValue, JsError> {
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
    pub fn tree(&self) -> Result<JsValue, JsError> {
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
    source: &str,
    #[wasm_bindgen(unchecked_param_type = "FilterOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    match parse_filter_with(source, options)? {
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
    filter: &str,
    #[wasm_bindgen(unchecked_param_type = "JsonObject")] resource: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FilterOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let resource = json_arg(&resource, "resource")?;
    match parse_filter_with(filter, options)? {
        Ok(f) => to_js(&match_result(&f, &resource)),
        Err(e) => to_js(&filter_parse_failure(filter, &e)),
    }
}

/// Batch: the resources of a JSON array (or a SCIM ListResponse) that match, as JSON text
/// of a `FilterJsonResult`.
#[wasm_bindgen(js_name = filterJson)]
pub fn filter_json(
    filter: &str,
    resources: &str,
    #[wasm_bindgen(unchecked_param_type = "FilterOptions | undefined")] options: JsValue,
) -> Result<String, JsError> {
    let input: Json = from_text(resources, "resources")?;
    // The resources are moved out of the parsed input, not copied.
    let list = match input {
        Json::Object(mut o) => match o.swap_remove("Resources") {
            Some(Json::Array(a)) => Some(a),
            _ => None,
        },
        Json::Array(a) => Some(a),
        _ => None,
    }
    .ok_or_else(|| JsError::new("resources: expected an array or a ListResponse"))?;
    let f = match parse_filter_with(filter, options)? {
        Ok(f) => f,
        Err(e) => {
            return Ok(serde_json::to_string(&filter_parse_failure(filter, &e)).unwrap_or_default())
        }
    };
    let schemas = Schemas::shared_core();
    let mut out = Vec::new();
    for r in list {
        match f.matches(&r, schemas) {
            Ok(true) => out.push(r),
            Ok(false) => {}
            Err(e) => {
                let failure = scim_failure(&e);
                return Ok(serde_json::to_string(&failure).unwrap_or_default());
            }
        }
    }
    #[derive(Serialize)]
    struct Matched {
        ok: bool,
        resources: Vec<Json>,
    }
    serde_json::to_string(&Matched {
        ok: true,
        resources: out,
    })
    .map_err(|e| JsError::new(&e.to_string()))
}

/// Canonical text of a filter.
#[wasm_bindgen(js_name = printFilter, unchecked_return_type = "TextResult")]
pub fn print_filter(
    filter: &str,
    #[wasm_bindgen(unchecked_param_type = "FilterOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    match parse_filter_with(filter, options)? {
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
    filter: &str,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] renames: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FilterOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let renames: Map<String, Json> = from_js(&renames, "renames")?;
    let mut table: Vec<(AttrPath, AttrPath)> = Vec::new();
    for (from, to) in &renames {
        let to = to
            .as_str()
            .ok_or_else(|| JsError::new(&format!("renames.{from}: expected a string")))?;
        table.push((attr_path(from)?, attr_path(to)?));
    }
    match parse_filter_with(filter, options)? {
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
fn entra_dialect(value: Option<&str>, name: &str) -> Result<bool, JsError> {
    match value {
        None | Some("strict") => Ok(false),
        Some("entra") => Ok(true),
        Some(other) => Err(JsError::new(&format!(
            "options.{name}: expected \"strict\" or \"entra\", got \"{other}\""
        ))),
    }
}

#[derive(Deserialize, Default)]
struct PatchOptions {
    compat: Option<String>,
}

fn patch_compat(options: &JsValue) -> Result<Compat, JsError> {
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
    #[wasm_bindgen(unchecked_param_type = "JsonObject")] resource: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PatchOpBody")] body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PatchOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let resource: Json = from_js(&resource, "resource")?;
    let body: Json = from_js(&body, "body")?;
    let compat = patch_compat(&options)?;
    to_js(&patch_result(&resource, &body, &compat))
}

/// Text API (what a proxy holds): the resource and the PatchOp body as JSON text; JSON
/// text of a `PatchResult`. Integers beyond 2^53 stay exact.
#[wasm_bindgen(js_name = applyPatchJson)]
pub fn apply_patch_json(
    resource: &str,
    body: &str,
    #[wasm_bindgen(unchecked_param_type = "PatchOptions | undefined")] options: JsValue,
) -> Result<String, JsError> {
    let resource: Json = from_text(resource, "resource")?;
    let body: Json = from_text(body, "body")?;
    let compat = patch_compat(&options)?;
    Ok(patch_result(&resource, &body, &compat).to_string())
}

#[derive(Deserialize, Default)]
struct DiffOptions {
    shape: Option<String>,
}

/// The PatchOp body that turns `old` into `new` (`shape: "entra"` for Entra's op names).
#[wasm_bindgen(unchecked_return_type = "PatchOpBody")]
pub fn diff(
    #[wasm_bindgen(unchecked_param_type = "JsonObject")] old: JsValue,
    #[wasm_bindgen(unchecked_param_type = "JsonObject")] new: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DiffOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MappingFailure {
    ok: bool,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expression: Option<String>,
    diagnostics: Vec<JsDiagnostic>,
}

fn mapping_failure(e: &MappingError) -> MappingFailure {
    let (target, expression, diagnostics) = match e {
        MappingError::Target { target, .. } => (Some(target.clone()), None, Vec::new()),
        MappingError::Expression {
            target,
            expression,
            error,
        } => (
            Some(target.clone()),
            Some(expression.clone()),
            diagnostics(expression, &error.diagnostics),
        ),
        MappingError::Eval {
            target,
            expression,
            error,
        } => (
            Some(target.clone()),
            Some(expression.clone()),
            vec![diagnostic(expression, &error.to_diagnostic())],
        ),
        _ => (None, None, Vec::new()),
    };
    MappingFailure {
        ok: false,
        message: e.to_string(),
        target,
        expression,
        diagnostics,
    }
}

fn message_failure(message: String) -> MappingFailure {
    MappingFailure {
        ok: false,
        message,
        target: None,
        expression: None,
        diagnostics: Vec::new(),
    }
}

/// A preset name, JSON text, or a parsed Graph schema / compact form / preset file.
fn load(input: JsValue) -> Result<Result<CoreMapping, MappingFailure>, JsError> {
    if let Some(s) = input.as_string() {
        if s.trim_start().starts_with('{') {
            return Ok(CoreMapping::from_str_json(&s).map_err(message_failure));
        }
        return Ok(presets::load(s.trim()).map_err(message_failure));
    }
    let json: Json = from_js(&input, "mapping")?;
    Ok(CoreMapping::from_json(&json).map_err(message_failure))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct MapOptions {
    object: Option<String>,
    mode: Option<String>,
    current: Option<Json>,
    #[serde(default)]
    aad_opt_scim062020: bool,
    #[serde(default)]
    deleted: bool,
    /// `false`: leave the attribute-by-attribute trace out of `ApplyResult`.
    steps: Option<bool>,
    #[serde(flatten)]
    eval: JsEvalOptions,
}

/// One read of the options object for both the mapping and the evaluation options.
fn map_options(options: &JsValue) -> Result<(MapOptions, Eval), JsError> {
    let mut o: MapOptions = opts(options, "options")?;
    let ev = Eval::new(std::mem::take(&mut o.eval))?;
    Ok((o, ev))
}

fn mode(o: &MapOptions) -> Result<Mode, JsError> {
    o.mode
        .as_deref()
        .map_or(Ok(Mode::Create), str::parse::<Mode>)
        .map_err(|e| JsError::new(&format!("options.mode: {e}")))
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
) -> Result<ApplyOut, JsError> {
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
    inner: CoreMapping,
    /// Compiled object mappings by `options.object`: compiling parses every expression and
    /// costs several times one apply, so it happens once per object type, not per call.
    compiled: RefCell<Vec<(Option<String>, Compiled)>>,
}

type Compiled = Rc<Result<CompiledMapping, MappingError>>;

impl Mapping {
    fn new(inner: CoreMapping) -> Mapping {
        Mapping {
            inner,
            compiled: RefCell::new(Vec::new()),
        }
    }

    fn compiled(&self, object: Option<&str>) -> Compiled {
        let mut cache = self.compiled.borrow_mut();
        if let Some((_, c)) = cache.iter().find(|(k, _)| k.as_deref() == object) {
            return Rc::clone(c);
        }
        let c = Rc::new(self.inner.compile(object));
        cache.push((object.map(str::to_string), Rc::clone(&c)));
        c
    }
}

#[wasm_bindgen]
impl Mapping {
    /// Preset metadata (display name, tenant URL, auth, notes, capabilities), if any.
    #[wasm_bindgen(getter, unchecked_return_type = "PresetInfo | null")]
    pub fn preset(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.preset)
    }

    /// The object mappings (`User`, `Group`).
    #[wasm_bindgen(unchecked_return_type = "ObjectInfo[]")]
    pub fn objects(&self) -> Result<JsValue, JsError> {
        let list: Vec<ObjectInfo> = self
            .inner
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
    pub fn attribute_mappings(&self, object: Option<String>) -> Result<JsValue, JsError> {
        let Some(om) = self.inner.schema.object_mapping(object.as_deref()) else {
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
    pub fn to_graph(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.schema.to_json())
    }

    /// Lint findings (what `scimmap check` reports), each located in its own text.
    #[wasm_bindgen(unchecked_return_type = "Finding[]")]
    pub fn findings(&self) -> Result<JsValue, JsError> {
        let list: Vec<JsFinding> = lint(&self.inner.schema).iter().map(finding).collect();
        to_js(&list)
    }

    /// Applies the mapping to a source object: the SCIM resource the app receives.
    #[wasm_bindgen(unchecked_return_type = "ApplyResult")]
    pub fn apply(
        &self,
        #[wasm_bindgen(unchecked_param_type = "JsonObject")] source: JsValue,
        #[wasm_bindgen(unchecked_param_type = "MapOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let source = json_arg(&source, "source")?;
        let (o, ev) = map_options(&options)?;
        match self.compiled(o.object.as_deref()).as_ref() {
            Ok(m) => to_js(&apply_one(m, &source, &o, &ev)?),
            Err(e) => to_js(&mapping_failure(e)),
        }
    }

    /// Offline "Provision on demand": scope, matching, and the requests Entra would send.
    #[wasm_bindgen(unchecked_return_type = "SimulateResult")]
    pub fn simulate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "JsonObject")] source: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SimulateOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let source = json_arg(&source, "source")?;
        let (o, ev) = map_options(&options)?;
        match self.compiled(o.object.as_deref()).as_ref() {
            Ok(m) => to_js(&simulate_one(&self.inner, m, &source, &o, &ev)),
            Err(e) => to_js(&mapping_failure(e)),
        }
    }

    /// Batch: applies the mapping to each object of a JSON array; JSON text of an array of
    /// `ApplyResult`s (one failed result when the mapping does not compile).
    #[wasm_bindgen(js_name = mapJson)]
    pub fn map_json(
        &self,
        sources: &str,
        #[wasm_bindgen(unchecked_param_type = "MapOptions | undefined")] options: JsValue,
    ) -> Result<String, JsError> {
        map_json_with(self, sources, &options)
    }
}

fn map_json_with(
    mapping: &Mapping,
    sources_json: &str,
    options: &JsValue,
) -> Result<String, JsError> {
    let sources: Vec<Json> = from_text(sources_json, "sources")?;
    let (o, ev) = map_options(options)?;
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
    out.map_err(|e| JsError::new(&e.to_string()))
}

/// Loads a mapping: a preset name (`"webex"`), JSON text, or a parsed Graph schema,
/// compact form or preset file. Lint findings come with it.
#[wasm_bindgen(js_name = loadMapping, unchecked_return_type = "MappingLoadResult")]
pub fn load_mapping(
    #[wasm_bindgen(unchecked_param_type = "MappingInput")] input: JsValue,
) -> Result<JsValue, JsError> {
    match load(input)? {
        Ok(m) => {
            let findings: Vec<JsFinding> = lint(&m.schema).iter().map(finding).collect();
            let findings = to_js(&findings)?;
            ok_with(vec![
                ("mapping", Mapping::new(m).into()),
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
    #[wasm_bindgen(unchecked_param_type = "JsonObject")] source: JsValue,
    #[wasm_bindgen(unchecked_param_type = "MapOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    match load(mapping)? {
        Ok(m) => Mapping::new(m).apply(source, options),
        Err(f) => to_js(&f),
    }
}

/// Loads a mapping and simulates provisioning one source object.
#[wasm_bindgen(unchecked_return_type = "SimulateResult")]
pub fn simulate(
    #[wasm_bindgen(unchecked_param_type = "MappingInput")] mapping: JsValue,
    #[wasm_bindgen(unchecked_param_type = "JsonObject")] source: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SimulateOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    match load(mapping)? {
        Ok(m) => Mapping::new(m).simulate(source, options),
        Err(f) => to_js(&f),
    }
}

/// Batch: loads a mapping and applies it to each user of a JSON array (see `Mapping.mapJson`).
#[wasm_bindgen(js_name = mapUsersJson)]
pub fn map_users_json(
    #[wasm_bindgen(unchecked_param_type = "MappingInput")] mapping: JsValue,
    users: &str,
    #[wasm_bindgen(unchecked_param_type = "MapOptions | undefined")] options: JsValue,
) -> Result<String, JsError> {
    match load(mapping)? {
        Ok(m) => map_json_with(&Mapping::new(m), users, &options),
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
pub fn presets() -> Result<JsValue, JsError> {
    let list: Vec<PresetEntry> = PRESETS
        .iter()
        .map(|p| PresetEntry {
            name: p.name,
            preset: p.load().ok().and_then(|m| m.preset),
        })
        .collect();
    to_js(&list)
}
