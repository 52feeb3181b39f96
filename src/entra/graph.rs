//! Conversion to and from Microsoft Graph's parsed-expression tree, `attributeMappingSource`
//! (spec §3.1, §3.3; G-SOURCE, G-PARSE).
//!
//! Node shapes (`parameters` is always written, and may be absent on input):
//! - `Function`: `name` = the function name, `expression` = the canonical text of the
//!   subtree ([`crate::entra::print`]), `parameters` = `[{key, value}]` for the positions
//!   that hold an argument; empty positions are absent (spec §1.2, G-PARSE).
//! - `Attribute`: `{"expression": "[mail]", "name": "mail", "parameters": [], "type": "Attribute"}`.
//! - `Constant`: `{"expression": "\"1\"", "name": "1", "parameters": [], "type": "Constant"}`;
//!   numbers are Constants holding the digit string, as Graph parses `Mid([x], 1, 8)`.
//!
//! Parameter keys ([`parameter_key`]) are the registry's parameter names, which follow
//! Graph's spelling (`Replace` uses `Find` and `Replacement`). Repeating parameters have no
//! documented Graph key; we number them from 1: `Join(separator, source1, source2, …)`,
//! `Switch(source, defaultValue, key1, value1, key2, value2, …)`,
//! `SelectUniqueValue(uniqueValueRule1, …)`. On input, matching is case-insensitive, and a
//! repeated parameter's bare name (`source`) takes the next free occurrence.
//!
//! Not documented by Microsoft, so decided here (docs/lang-decisions.md):
//! - hex literals and enum identifiers are Constants whose `expression` is the literal as
//!   written (`&HF`, `vbTextCompare`) rather than a quoted string;
//! - a comparison `l op r` is a `Function` node named by its operator (`=`, `<>`, …) with
//!   parameters `left` and `right`;
//! - a quoted Constant whose text is a decimal number converts back to a number literal:
//!   Graph gives `"1"` and `1` the same node, and both mean the string `1` to every function.

use crate::diagnostic::Diagnostic;
use crate::entra::ast::{Call, CompareOp, Expr, ExprKind};
use crate::entra::print::{print, quote};
use crate::entra::registry::{lookup, Function, Repeat};
use crate::limits::Limits;
use crate::span::Span;
use serde_json::{json, Value as Json};

/// Converts an expression tree into Graph's `attributeMappingSource` JSON.
///
/// # Examples
/// ```
/// use scimmap::entra::{graph::to_graph, Expression};
/// let e = Expression::parse("ToLower([mail])").unwrap();
/// let g = to_graph(e.ast());
/// assert_eq!(g["type"], "Function");
/// assert_eq!(g["expression"], "ToLower([mail])");
/// assert_eq!(g["parameters"][0]["key"], "source");
/// assert_eq!(g["parameters"][0]["value"]["name"], "mail");
/// ```
pub fn to_graph(e: &Expr) -> Json {
    match &e.kind {
        ExprKind::Call(c) => {
            let f = c.function.or_else(|| lookup(&c.name));
            let params: Vec<Json> = c
                .args
                .iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    let a = a.as_ref()?;
                    let key = f
                        .and_then(|f| parameter_key(f, i))
                        .unwrap_or_else(|| format!("arg{}", i + 1));
                    Some(json!({"key": key, "value": to_graph(a)}))
                })
                .collect();
            node(print(e), &c.name, params, "Function")
        }
        ExprKind::Attribute(name) => node(print(e), name, Vec::new(), "Attribute"),
        ExprKind::String(s) | ExprKind::Number(s) => node(quote(s), s, Vec::new(), "Constant"),
        ExprKind::Hex(s) | ExprKind::Identifier(s) => node(s.clone(), s, Vec::new(), "Constant"),
        ExprKind::Compare { op, left, right } => node(
            print(e),
            op.as_str(),
            vec![
                json!({"key": "left", "value": to_graph(left)}),
                json!({"key": "right", "value": to_graph(right)}),
            ],
            "Function",
        ),
    }
}

fn node(expression: String, name: &str, parameters: Vec<Json>, kind: &str) -> Json {
    json!({
        "expression": expression,
        "name": name,
        "parameters": parameters,
        "type": kind,
    })
}

/// The Graph `parameters[].key` of argument position `i` of `f` (see the module docs for
/// repeating parameters); `None` past the end of a fixed signature.
pub fn parameter_key(f: &Function, i: usize) -> Option<String> {
    let Some(first) = first_repeating(f) else {
        return f.params.get(i).map(|p| p.name.to_string());
    };
    if i < first {
        return f.params.get(i).map(|p| p.name.to_string());
    }
    let p = f.param(i)?;
    let k = match f.repeat {
        Repeat::Pairs => (i - first) / 2 + 1,
        Repeat::Last | Repeat::None => i - first + 1,
    };
    Some(format!("{}{k}", stem(p.name)))
}

/// Index of the first repeating parameter.
fn first_repeating(f: &Function) -> Option<usize> {
    match f.repeat {
        Repeat::None => None,
        Repeat::Last => f.params.len().checked_sub(1),
        Repeat::Pairs => f.params.len().checked_sub(2),
    }
}

/// A repeating parameter's name without a trailing number (`source1` → `source`), in case
/// the registry spells it the way the documentation does.
fn stem(name: &str) -> &str {
    let s = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if s.is_empty() {
        name
    } else {
        s
    }
}

/// Converts Graph's `attributeMappingSource` JSON into an expression tree (spans are empty;
/// [`crate::entra::Expression::from_ast`] prints and re-parses it to check it).
///
/// Parameters are placed by key; the node's `expression`, where present and parseable,
/// supplies trailing empty positions that Graph drops from `parameters`
/// (`Replace([x], "-", , , "_", , )` keeps its seven positions).
///
/// # Errors
/// `invalid-graph` for a malformed node (the message gives its JSON pointer),
/// `unknown-function`, `unknown-parameter`, and `nesting-too-deep` past
/// [`Limits::max_depth`].
pub fn from_graph(v: &Json) -> Result<Expr, Diagnostic> {
    from_graph_in(v, crate::entra::registry::functions())
}

/// [`from_graph`] against a given registry table.
pub(crate) fn from_graph_in(v: &Json, table: &'static [Function]) -> Result<Expr, Diagnostic> {
    Converter {
        limits: Limits::default(),
        table,
    }
    .convert(v, "", 0)
}

struct Converter {
    limits: Limits,
    table: &'static [Function],
}

/// A Graph parameter's `key` (`{"key": "source", "value": {...}}`).
fn key_of<'j>(p: &'j Json, at: &str) -> Result<&'j str, Diagnostic> {
    p.get("key")
        .and_then(Json::as_str)
        .ok_or_else(|| invalid(at, "parameter without a `key`"))
}

fn invalid(path: &str, message: impl std::fmt::Display) -> Diagnostic {
    let at = if path.is_empty() { "/" } else { path };
    Diagnostic::error(
        "invalid-graph",
        Span::default(),
        format!("at {at}: {message}"),
    )
}

fn leaf(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Span::default(),
    }
}

fn is_number_literal(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let mut parts = body.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    digits(whole)
        && match parts.next() {
            None => true,
            Some(frac) => digits(frac),
        }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_hex(s: &str) -> bool {
    s.strip_prefix("&H")
        .or_else(|| s.strip_prefix("&h"))
        .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn compare_op(name: &str) -> Option<CompareOp> {
    [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ]
    .into_iter()
    .find(|op| op.as_str() == name)
}

impl Converter {
    fn convert(&self, v: &Json, path: &str, depth: usize) -> Result<Expr, Diagnostic> {
        if depth > self.limits.max_depth {
            return Err(Diagnostic::error(
                "nesting-too-deep",
                Span::default(),
                format!(
                    "at {path}: nesting is deeper than {} levels",
                    self.limits.max_depth
                ),
            ));
        }
        let obj = v
            .as_object()
            .ok_or_else(|| invalid(path, "expected an attributeMappingSource object"))?;
        let kind = obj
            .get("type")
            .and_then(Json::as_str)
            .ok_or_else(|| invalid(path, "missing `type` (Function, Attribute or Constant)"))?;
        let expression = obj.get("expression").and_then(Json::as_str);
        let name = obj.get("name").and_then(Json::as_str);
        match kind {
            "Attribute" => {
                let name = match (name, expression) {
                    (Some(n), _) => n.to_string(),
                    (None, Some(e)) => e
                        .trim()
                        .strip_prefix('[')
                        .and_then(|e| e.strip_suffix(']'))
                        .ok_or_else(|| invalid(path, "attribute without a `name`"))?
                        .to_string(),
                    (None, None) => return Err(invalid(path, "attribute without a `name`")),
                };
                // The name must survive printing inside `[...]` (balanced brackets).
                let printed = format!("[{name}]");
                match crate::syntax::parse_entra(&printed, &self.limits) {
                    Ok(Expr {
                        kind: ExprKind::Attribute(n),
                        ..
                    }) if n == name => Ok(leaf(ExprKind::Attribute(name))),
                    _ => Err(invalid(
                        path,
                        format!("attribute name `{name}` cannot be written inside `[...]`"),
                    )),
                }
            }
            "Constant" => self.constant(name, expression, path),
            "Function" => {
                let name = name.ok_or_else(|| invalid(path, "function without a `name`"))?;
                let params = match obj.get("parameters") {
                    None | Some(Json::Null) => &[][..],
                    Some(Json::Array(a)) => a.as_slice(),
                    Some(_) => return Err(invalid(path, "`parameters` is not an array")),
                };
                if let Some(op) = compare_op(name) {
                    return self.compare(op, params, path, depth);
                }
                self.call(name, params, expression, path, depth)
            }
            other => Err(invalid(
                path,
                format!("unknown type `{other}` (expected Function, Attribute or Constant)"),
            )),
        }
    }

    fn constant(
        &self,
        name: Option<&str>,
        expression: Option<&str>,
        path: &str,
    ) -> Result<Expr, Diagnostic> {
        let expression = expression.map(str::trim);
        let text: String = match (name, expression) {
            (Some(n), _) => n.to_string(),
            (None, Some(e)) => match crate::syntax::parse_entra(e, &self.limits) {
                Ok(Expr {
                    kind: ExprKind::String(s),
                    ..
                }) => s,
                _ => e.to_string(),
            },
            (None, None) => return Err(invalid(path, "constant without a `name`")),
        };
        let quoted = match expression {
            None => true,
            Some(e) => e.starts_with('"'),
        };
        let kind = if !quoted && expression == Some(text.as_str()) && is_hex(&text) {
            ExprKind::Hex(text)
        } else if !quoted && expression == Some(text.as_str()) && is_identifier(&text) {
            ExprKind::Identifier(text)
        } else if is_number_literal(&text) {
            ExprKind::Number(text)
        } else {
            ExprKind::String(text)
        };
        Ok(leaf(kind))
    }

    fn compare(
        &self,
        op: CompareOp,
        params: &[Json],
        path: &str,
        depth: usize,
    ) -> Result<Expr, Diagnostic> {
        let mut left = None;
        let mut right = None;
        for (i, p) in params.iter().enumerate() {
            let at = format!("{path}/parameters/{i}");
            let key = key_of(p, &at)?;
            let value = p
                .get("value")
                .ok_or_else(|| invalid(&at, "parameter without a `value`"))?;
            let slot = match key {
                k if k.eq_ignore_ascii_case("left") => &mut left,
                k if k.eq_ignore_ascii_case("right") => &mut right,
                k => {
                    return Err(invalid(
                        &at,
                        format!("comparison parameter `{k}` (expected `left` or `right`)"),
                    ))
                }
            };
            let e = self.convert(value, &format!("{at}/value"), depth + 1)?;
            if matches!(e.kind, ExprKind::Compare { .. }) {
                return Err(invalid(&at, "comparisons cannot be chained"));
            }
            *slot = Some(Box::new(e));
        }
        match (left, right) {
            (Some(left), Some(right)) => Ok(leaf(ExprKind::Compare { op, left, right })),
            _ => Err(invalid(path, "a comparison needs `left` and `right`")),
        }
    }

    fn call(
        &self,
        name: &str,
        params: &[Json],
        expression: Option<&str>,
        path: &str,
        depth: usize,
    ) -> Result<Expr, Diagnostic> {
        let Some(f) = self.table.iter().find(|f| f.name == name) else {
            let d = Diagnostic::error(
                "unknown-function",
                Span::default(),
                format!("at {}: unknown function `{name}`", or_root(path)),
            );
            let names = self.table.iter().map(|f| f.name);
            return Err(match crate::entra::check::suggest(name, names) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d,
            });
        };
        let mut args: Vec<Option<Expr>> = Vec::new();
        let mut bare: Vec<(String, usize)> = Vec::new();
        for (i, p) in params.iter().enumerate() {
            let at = format!("{path}/parameters/{i}");
            let key = key_of(p, &at)?;
            let pos = position_of(f, key, &mut bare).ok_or_else(|| {
                Diagnostic::error(
                    "unknown-parameter",
                    Span::default(),
                    format!("at {at}: `{name}` has no parameter `{key}`"),
                )
                .with_help(format!("the signature is `{}`", f.signature()))
            })?;
            let value = match p.get("value") {
                None | Some(Json::Null) => continue,
                Some(v) => self.convert(v, &format!("{at}/value"), depth + 1)?,
            };
            if args.len() <= pos {
                args.resize_with(pos + 1, || None);
            }
            match args.get_mut(pos) {
                Some(slot @ None) => *slot = Some(value),
                _ => {
                    return Err(invalid(
                        &at,
                        format!("parameter `{key}` of `{name}` is given twice"),
                    ))
                }
            }
        }
        // Graph's `expression` keeps the positions as written (spec §1.2); take trailing
        // empty ones from it when it parses as a call of the same function.
        if let Some(Ok(Expr {
            kind: ExprKind::Call(written),
            ..
        })) = expression.map(|e| crate::syntax::parse_entra(e, &self.limits))
        {
            if written.name == name && written.args.len() > args.len() {
                args.resize_with(written.args.len(), || None);
            }
        }
        Ok(leaf(ExprKind::Call(Call {
            name: name.to_string(),
            name_span: Span::default(),
            args,
            function: Some(f),
        })))
    }
}

fn or_root(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

/// The argument position a Graph parameter key names (see the module docs). `bare` counts
/// how many times each repeating parameter was named without a number.
fn position_of(f: &Function, key: &str, bare: &mut Vec<(String, usize)>) -> Option<usize> {
    let first = first_repeating(f).unwrap_or(f.params.len());
    let fixed = f.params.get(..first).unwrap_or(&[]);
    if let Some(i) = fixed.iter().position(|p| p.name == key) {
        return Some(i);
    }
    if let Some(i) = fixed.iter().position(|p| p.name.eq_ignore_ascii_case(key)) {
        return Some(i);
    }
    let tail = f.params.get(first..).unwrap_or(&[]);
    for (offset, p) in tail.iter().enumerate() {
        let stem = stem(p.name);
        let Some(rest) = key
            .get(..stem.len())
            .filter(|head| head.eq_ignore_ascii_case(stem))
            .and_then(|_| key.get(stem.len()..))
        else {
            continue;
        };
        let k = if rest.is_empty() {
            // A bare name takes the next occurrence.
            let entry = match bare.iter_mut().find(|(s, _)| s == stem) {
                Some(e) => e,
                None => {
                    bare.push((stem.to_string(), 0));
                    bare.last_mut()?
                }
            };
            entry.1 += 1;
            entry.1
        } else if rest.bytes().all(|b| b.is_ascii_digit()) {
            rest.parse::<usize>().ok().filter(|k| *k >= 1)?
        } else {
            continue;
        };
        let width = tail.len();
        return first.checked_add((k - 1).checked_mul(width)?.checked_add(offset)?);
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::entra::test_table::TABLE;

    fn table_fn(name: &str) -> &'static Function {
        TABLE.iter().find(|f| f.name == name).unwrap()
    }

    /// The `source` trees of spec §3.3 (G-OBJMAP's Salesforce sample).
    fn samples() -> Vec<Json> {
        vec![
            json!({ "expression": "Not([IsSoftDeleted])", "name": "Not", "type": "Function",
                "parameters": [ { "key": "source", "value": { "expression": "[IsSoftDeleted]", "name": "IsSoftDeleted", "parameters": [], "type": "Attribute" } } ] }),
            json!({ "expression": "Mid([userPrincipalName], 1, 8)", "name": "Mid", "type": "Function",
                "parameters": [
                  { "key": "source", "value": { "expression": "[userPrincipalName]", "name": "userPrincipalName", "parameters": [], "type": "Attribute" } },
                  { "key": "start",  "value": { "expression": "\"1\"", "name": "1", "parameters": [], "type": "Constant" } },
                  { "key": "length", "value": { "expression": "\"8\"", "name": "8", "parameters": [], "type": "Constant" } } ] }),
            json!({ "expression": "Replace([preferredLanguage], \"-\", , , \"_\", , )", "name": "Replace", "type": "Function",
                "parameters": [
                  { "key": "source", "value": { "expression": "[preferredLanguage]", "name": "preferredLanguage", "parameters": [], "type": "Attribute" } },
                  { "key": "Find", "value": { "expression": "\"-\"", "name": "-", "parameters": [], "type": "Constant" } },
                  { "key": "Replacement", "value": { "expression": "\"_\"", "name": "_", "parameters": [], "type": "Constant" } } ] }),
            json!({ "expression": "[userPrincipalName]", "name": "userPrincipalName", "parameters": [], "type": "Attribute" }),
        ]
    }

    #[test]
    fn spec_samples_round_trip() {
        for sample in samples() {
            let tree = from_graph_in(&sample, TABLE).unwrap();
            assert_eq!(print(&tree), sample["expression"], "{sample}");
            assert_eq!(to_graph(&tree), sample);
            // And from text: parse the expression, convert, compare with Graph's tree.
            let mut parsed = crate::entra::parse_tree(
                sample["expression"].as_str().unwrap(),
                &Limits::default(),
            )
            .unwrap();
            let _ = crate::entra::check::check_in(&mut parsed, "", TABLE);
            assert_eq!(to_graph(&parsed), sample);
        }
    }

    #[test]
    fn repeated_and_nested_parameters() {
        let src = r#"Switch([IsSoftDeleted], , "False", "True", "True", IIF([a] = "b", Join(",", [x], [y]), "c"))"#;
        let mut e = crate::entra::parse_tree(src, &Limits::default()).unwrap();
        let _ = crate::entra::check::check_in(&mut e, src, TABLE);
        let g = to_graph(&e);
        let keys: Vec<&str> = g["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["source", "key1", "value1", "key2", "value2"]);
        let cond = &g["parameters"][4]["value"]["parameters"][0]["value"];
        assert_eq!(cond["name"], "=");
        assert_eq!(cond["expression"], r#"[a] = "b""#);
        let join = &g["parameters"][4]["value"]["parameters"][1]["value"];
        assert_eq!(join["parameters"][2]["key"], "source2");
        let back = from_graph_in(&g, TABLE).unwrap();
        assert!(back.same_as(&e), "{}", print(&back));
    }

    #[test]
    fn trailing_positions_without_expression_are_dropped() {
        let mut g = samples().swap_remove(2);
        g.as_object_mut().unwrap().remove("expression");
        let tree = from_graph_in(&g, TABLE).unwrap();
        assert_eq!(
            print(&tree),
            r#"Replace([preferredLanguage], "-", , , "_")"#
        );
    }

    #[test]
    fn malformed_trees() {
        let err = |v: Json| from_graph_in(&v, TABLE).unwrap_err();
        assert_eq!(err(json!(1)).code, "invalid-graph");
        assert_eq!(err(json!({"name": "x"})).code, "invalid-graph");
        let d = err(json!({"type": "Function", "name": "Jion"}));
        assert_eq!(d.code, "unknown-function");
        assert_eq!(d.help.as_deref(), Some("did you mean `Join`?"));
        let d = err(json!({"type": "Function", "name": "Not", "parameters": [
            {"key": "src", "value": {"type": "Constant", "name": "x"}}]}));
        assert_eq!(d.code, "unknown-parameter");
        let d = err(json!({"type": "Function", "name": "Not", "parameters": [
            {"key": "source", "value": {"type": "Constant", "name": "x"}},
            {"key": "source", "value": {"type": "Constant", "name": "y"}}]}));
        assert!(d.message.contains("given twice"), "{}", d.message);
        let d = err(json!({"type": "Attribute", "name": "a]b"}));
        assert_eq!(d.code, "invalid-graph");
        let d = err(json!({"type": "Function", "name": "Not", "parameters": [
            {"key": "source", "value": {"type": "Bogus"}}]}));
        assert!(
            d.message.starts_with("at /parameters/0/value:"),
            "{}",
            d.message
        );
        let mut deep = json!({"type": "Attribute", "name": "a"});
        for _ in 0..100 {
            deep = json!({"type": "Function", "name": "Not", "parameters": [{"key": "source", "value": deep}]});
        }
        assert_eq!(err(deep).code, "nesting-too-deep");
    }

    #[test]
    fn join_keys_number_the_repeated_source() {
        let join = table_fn("Join");
        let keys: Vec<_> = (0..4).map(|i| parameter_key(join, i).unwrap()).collect();
        assert_eq!(keys, ["separator", "source1", "source2", "source3"]);
        let mut bare = Vec::new();
        assert_eq!(position_of(join, "separator", &mut bare), Some(0));
        assert_eq!(position_of(join, "Source2", &mut bare), Some(2));
        assert_eq!(position_of(join, "source", &mut bare), Some(1));
        assert_eq!(position_of(join, "source", &mut bare), Some(2));
        assert_eq!(position_of(join, "source0", &mut bare), None);
        assert_eq!(position_of(join, "culture", &mut bare), None);
    }

    #[test]
    fn constants() {
        let c = Converter {
            limits: Limits::default(),
            table: TABLE,
        };
        let k = |n: Option<&str>, e: Option<&str>| c.constant(n, e, "").unwrap().kind;
        assert_eq!(k(Some("1"), Some("\"1\"")), ExprKind::Number("1".into()));
        assert_eq!(k(Some("-"), Some("\"-\"")), ExprKind::String("-".into()));
        assert_eq!(k(Some("&HF"), Some("&HF")), ExprKind::Hex("&HF".into()));
        assert_eq!(
            k(Some("vbTextCompare"), Some("vbTextCompare")),
            ExprKind::Identifier("vbTextCompare".into())
        );
        assert_eq!(
            k(Some("vbTextCompare"), Some("\"vbTextCompare\"")),
            ExprKind::String("vbTextCompare".into())
        );
        assert_eq!(k(None, Some(r#""a\"b""#)), ExprKind::String("a\"b".into()));
    }
}
