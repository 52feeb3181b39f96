//! Static checks: the pass between parsing and evaluation.
//!
//! pest stops at the first syntax error, but a syntactically valid expression can have
//! several semantic problems; this pass reports all of them (errors and warnings) in one go.
//! It resolves every call against the registry ([`crate::entra::registry`]) and checks, from
//! the registry row alone: the name, the number of argument positions, empty required
//! positions and the kind of *literal* arguments. Attributes and nested calls are checked
//! by the evaluator, which sees their values.
//!
//! Codes (stable API):
//! - `unknown-function`: no registry row has this name (names are case-sensitive, spec §1.1);
//! - `wrong-arity`: the number of argument positions does not fit the signature;
//! - `missing-argument`: a required parameter's position is empty;
//! - `wrong-argument-kind`: a literal of the wrong kind (text where a number or one of an
//!   enum's identifiers is expected);
//! - `unknown-identifier`: a bare word where no enum identifier is expected;
//! - `nested-select-unique-value` (error): `SelectUniqueValue` below the top level;
//! - `iif-null-attribute` (warning): an IIF condition reads an attribute;
//! - `switch-source-predicate` (warning): `Switch` on `IsPresent`/`IsNull`/`IsNullOrEmpty`;
//! - `unknown-escape` (warning): a backslash before a character other than `"` and `\`;
//! - `translated-attribute` (warning): an attribute name that is a translation of an Entra
//!   attribute's name in the glossary ([`crate::suggest::glossary`]).

use crate::diagnostic::Diagnostic;
use crate::entra::ast::{Call, Expr, ExprKind};
use crate::entra::registry::{Function, Kind, Param, Repeat};
use crate::span::Span;

/// Resolves calls against the registry and reports every problem found, ordered by position.
/// Calls whose name resolves get [`Call::function`] set.
pub fn check(root: &mut Expr, src: &str) -> Vec<Diagnostic> {
    check_in(root, src, crate::entra::registry::functions())
}

/// [`check`] against a given table (unit tests use a table with the signatures the real one
/// will have, independent of which functions are implemented).
pub(crate) fn check_in(root: &mut Expr, src: &str, table: &'static [Function]) -> Vec<Diagnostic> {
    let mut c = Checker {
        src,
        table,
        out: Vec::new(),
    };
    c.visit(root, true, false);
    c.out.sort_by_key(|d| (d.span.start, d.span.end));
    c.out
}

struct Checker<'s> {
    src: &'s str,
    table: &'static [Function],
    out: Vec<Diagnostic>,
}

/// Functions whose result Entra says not to switch on (FUNCS, Switch: "For the source
/// parameter, do not use the nested functions IsPresent, IsNull or IsNullOrEmpty").
const SWITCH_PREDICATES: &[&str] = &["IsPresent", "IsNull", "IsNullOrEmpty"];

impl Checker<'_> {
    /// `top`: `e` is the whole expression. `identifier_ok`: the parent already judged a bare
    /// identifier here (an enum parameter, or an argument of an unknown function).
    fn visit(&mut self, e: &mut Expr, top: bool, identifier_ok: bool) {
        let span = e.span;
        match &mut e.kind {
            ExprKind::Call(call) => self.visit_call(call, span, top),
            ExprKind::Compare { left, right, .. } => {
                self.visit(left, false, false);
                self.visit(right, false, false);
            }
            ExprKind::Identifier(name) => {
                if !identifier_ok {
                    let d = self.unknown_identifier(name, span);
                    self.out.push(d);
                }
            }
            ExprKind::String(_) => self.check_escapes(span),
            ExprKind::Attribute(name) => {
                if let Some(d) = translated_attribute(name, span) {
                    self.out.push(d);
                }
            }
            ExprKind::Number(_) | ExprKind::Hex(_) => {}
        }
    }

    fn visit_call(&mut self, call: &mut Call, span: Span, top: bool) {
        call.function = self.table.iter().find(|f| f.name == call.name);
        let function = call.function;
        match function {
            None => {
                let d = self.unknown_function(call);
                self.out.push(d);
            }
            Some(f) => {
                self.check_arity(f, call, span);
                self.check_positions(f, call);
            }
        }
        self.check_usage(call, top);
        for (i, arg) in call.args.iter_mut().enumerate() {
            let Some(arg) = arg else { continue };
            let param = function.and_then(|f| f.param(i));
            let identifier_ok = match (function, param) {
                // Unknown function: its parameters are unknown, so are its enums.
                (None, _) => true,
                (Some(f), Some(p)) => {
                    if let Some(d) = kind_error(f, p, arg) {
                        self.out.push(d);
                        // Reported as a kind error; no second diagnostic for the same word.
                        true
                    } else {
                        matches!(p.kind, Kind::Enum(_))
                    }
                }
                // Past the end of the signature: already a wrong-arity error.
                (Some(_), None) => true,
            };
            self.visit(arg, false, identifier_ok);
        }
    }

    fn unknown_function(&self, call: &Call) -> Diagnostic {
        let d = Diagnostic::error(
            "unknown-function",
            call.name_span,
            format!("unknown function `{}`", call.name),
        );
        let names = self.table.iter().map(|f| f.name);
        if let Some(exact) = self
            .table
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(&call.name))
        {
            // Spec §1.1: "The syntax is case-sensitive".
            return d.with_help(format!(
                "function names are case-sensitive: `{}`",
                exact.name
            ));
        }
        match suggest(&call.name, names) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d,
        }
    }

    fn check_arity(&mut self, f: &'static Function, call: &Call, span: Span) {
        let n = call.args.len();
        if f.accepts(n) {
            return;
        }
        let expected = match (f.repeat, f.max_args()) {
            (Repeat::Pairs, _) => {
                format!("{} or more, with keys and values in pairs", f.params.len())
            }
            (_, Some(max)) if max == f.min_args() => format!("{max}"),
            (_, Some(max)) => format!("{} to {max}", f.min_args()),
            (_, None) => format!("{} or more", f.min_args()),
        };
        let noun = if expected == "1" {
            "argument"
        } else {
            "arguments"
        };
        // Point at the surplus arguments when there are any to point at, else at the call.
        let surplus = f.max_args().and_then(|max| {
            let extra: Vec<Span> = call
                .args
                .iter()
                .skip(max)
                .flatten()
                .map(|a| a.span)
                .collect();
            Some(extra.first()?.to(*extra.last()?))
        });
        let primary = surplus.unwrap_or(span);
        let mut d = Diagnostic::error(
            "wrong-arity",
            primary,
            format!("`{}` takes {expected} {noun}, found {n}", f.name),
        )
        .with_help(format!("the signature is `{}`", f.signature()));
        if surplus.is_some() {
            d = d.with_label(call.name_span, "in this call");
        }
        self.out.push(d);
    }

    /// Required parameters (outside a repeating tail) must not be left empty: the registry
    /// documents `required` as "the argument must be present", and Graph drops empty
    /// positions from `parameters` (spec §1.2), so the function would not receive one.
    fn check_positions(&mut self, f: &'static Function, call: &Call) {
        let fixed = match f.repeat {
            Repeat::None => f.params.len(),
            Repeat::Last => f.params.len().saturating_sub(1),
            Repeat::Pairs => f.params.len().saturating_sub(2),
        };
        for (i, arg) in call.args.iter().enumerate().take(fixed) {
            let Some(p) = f.params.get(i) else { break };
            if arg.is_none() && p.required {
                self.out.push(
                    Diagnostic::error(
                        "missing-argument",
                        self.empty_position(call, i),
                        format!(
                            "`{}` needs `{}` (argument {}), but the position is empty",
                            f.name,
                            p.name,
                            i + 1
                        ),
                    )
                    .with_help(format!("the signature is `{}`", f.signature())),
                );
            }
        }
    }

    /// Where empty position `k` of `call` is in the source: the blank run before the `,` or
    /// `)` that ends it. Positions are delimited by commas outside strings and attributes;
    /// neighbours' spans are used to skip those.
    fn empty_position(&self, call: &Call, k: usize) -> Span {
        let bytes = self.src.as_bytes();
        let find = |from: usize, what: &[u8]| -> Option<usize> {
            bytes
                .get(from..)?
                .iter()
                .position(|b| what.contains(b))
                .map(|p| from + p)
        };
        let fallback = call.name_span;
        let Some(open) = find(call.name_span.end(), b"(") else {
            return fallback;
        };
        let mut start = open + 1;
        for (i, arg) in call.args.iter().enumerate() {
            let scan_from = arg.as_ref().map_or(start, |a| a.span.end());
            let Some(delim) = find(scan_from, b",)") else {
                return fallback;
            };
            if i == k {
                return Span::new(start, delim);
            }
            start = delim + 1;
        }
        fallback
    }

    fn check_usage(&mut self, call: &Call, top: bool) {
        match call.name.as_str() {
            // FUNCS, SelectUniqueValue: "must be at the top level, and can't be nested".
            "SelectUniqueValue" if !top => self.out.push(
                Diagnostic::error(
                    "nested-select-unique-value",
                    call.name_span,
                    "`SelectUniqueValue` cannot be nested",
                )
                .with_help("Entra accepts SelectUniqueValue only as the whole expression"),
            ),
            // FUNCS, IIF: "If the source attribute used within the IIF function is empty or
            // null, the condition check fails."
            "IIF" => {
                let Some(Some(cond)) = call.args.first() else {
                    return;
                };
                let mut attrs: Vec<&str> = Vec::new();
                cond.walk(&mut |n| {
                    if let ExprKind::Attribute(a) = &n.kind {
                        if !attrs.contains(&a.as_str()) {
                            attrs.push(a);
                        }
                    }
                });
                if attrs.is_empty() {
                    return;
                }
                let list = attrs
                    .iter()
                    .map(|a| format!("`[{a}]`"))
                    .collect::<Vec<_>>()
                    .join(" or ");
                self.out.push(
                    Diagnostic::warning(
                        "iif-null-attribute",
                        cond.span,
                        format!("Entra fails this condition when {list} is null or empty"),
                    )
                    .with_help(
                        "where the attribute can be empty, use Switch with a \"\" key, e.g. \
                         `Switch([country], [country], \"\", \"Other\")`",
                    ),
                );
            }
            "Switch" => {
                if let Some(Some(Expr {
                    kind: ExprKind::Call(inner),
                    span,
                })) = call.args.first()
                {
                    if SWITCH_PREDICATES.contains(&inner.name.as_str()) {
                        self.out.push(
                            Diagnostic::warning(
                                "switch-source-predicate",
                                *span,
                                format!(
                                    "Entra advises against `{}` as the source of `Switch`",
                                    inner.name
                                ),
                            )
                            .with_help(
                                "switch on the attribute itself and use a literal empty \
                                 string as one of the keys",
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
    }

    /// Spec §1.5: only `\"` and `\\` are escapes; any other backslash is kept. Warn, since
    /// `"\d"` is probably a regex written with one backslash where Microsoft writes two.
    fn check_escapes(&mut self, span: Span) {
        let Some(raw) = self.src.get(span.start()..span.end()) else {
            return;
        };
        let mut chars = raw.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                continue;
            }
            match chars.peek() {
                Some(&(_, '"')) | Some(&(_, '\\')) => {
                    chars.next();
                }
                Some(&(j, n)) => {
                    let at = span.start() + i;
                    self.out.push(
                        Diagnostic::warning(
                            "unknown-escape",
                            Span::new(at, span.start() + j + n.len_utf8()),
                            format!("`\\{n}` is not an escape; the backslash is kept"),
                        )
                        .with_help(format!(
                            "only `\\\"` and `\\\\` are escapes; write `\\\\{n}` to keep the \
                             backslash explicitly"
                        )),
                    );
                }
                None => {}
            }
        }
    }

    fn unknown_identifier(&self, name: &str, span: Span) -> Diagnostic {
        let d = Diagnostic::error(
            "unknown-identifier",
            span,
            format!("unknown identifier `{name}`"),
        );
        if let Some(f) = self.table.iter().find(|f| f.name == name) {
            return d.with_help(format!("to call the function, write `{}()`", f.name));
        }
        if let Some(s) = suggest(name, enum_values(self.table)) {
            return d.with_help(format!("did you mean `{s}`?"));
        }
        d.with_help(format!(
            "write `\"{name}\"` for a string or `[{name}]` for an attribute"
        ))
    }
}

/// Every enum identifier any parameter of the table accepts.
fn enum_values(table: &'static [Function]) -> impl Iterator<Item = &'static str> {
    table
        .iter()
        .flat_map(|f| f.params.iter())
        .flat_map(|p| match p.kind {
            Kind::Enum(values) => values.iter().copied(),
            _ => [].iter().copied(),
        })
}

/// The kind error for literal `arg` passed as `p`, if any.
fn kind_error(f: &'static Function, p: &'static Param, arg: &Expr) -> Option<Diagnostic> {
    let what = |a: &Expr| match &a.kind {
        ExprKind::Call(_) => "a function call".to_string(),
        ExprKind::Attribute(_) => "an attribute".to_string(),
        ExprKind::String(s) => format!("the string {}", crate::entra::print::quote(s)),
        ExprKind::Number(n) => format!("the number `{n}`"),
        ExprKind::Hex(h) => format!("the number `{h}`"),
        ExprKind::Identifier(i) => format!("the identifier `{i}`"),
        ExprKind::Compare { .. } => "a comparison".to_string(),
    };
    match p.kind {
        Kind::Any | Kind::String => None,
        Kind::Number => {
            let bad = match &arg.kind {
                ExprKind::String(s) => !is_numeric(s),
                ExprKind::Identifier(_) => true,
                _ => false,
            };
            bad.then(|| {
                Diagnostic::error(
                    "wrong-argument-kind",
                    arg.span,
                    format!(
                        "`{}` of `{}` must be a number, found {}",
                        p.name,
                        f.name,
                        what(arg)
                    ),
                )
                .with_help(format!("the signature is `{}`", f.signature()))
            })
        }
        Kind::Enum(values) => {
            let list = values
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let help = match &arg.kind {
                ExprKind::Identifier(i) if values.contains(&i.as_str()) => return None,
                ExprKind::Identifier(i) => suggest(i, values.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .or_else(|| {
                        values
                            .iter()
                            .find(|v| v.eq_ignore_ascii_case(i))
                            .map(|v| format!("identifiers are case-sensitive: `{v}`"))
                    }),
                ExprKind::String(s) if values.contains(&s.as_str()) => {
                    Some(format!("write `{s}` without quotes"))
                }
                _ => None,
            };
            let d = Diagnostic::error(
                "wrong-argument-kind",
                arg.span,
                format!(
                    "`{}` of `{}` must be one of {list}, found {}",
                    p.name,
                    f.name,
                    what(arg)
                ),
            );
            Some(match help {
                Some(h) => d.with_help(h),
                None => d,
            })
        }
    }
}

/// A number literal written as a string (`"3"`, `" -10 "`, `"2.5"`) or a VB hex string.
fn is_numeric(s: &str) -> bool {
    let t = s.trim();
    if crate::entra::value::parse_integer(t).is_some() {
        return true;
    }
    let body = t.strip_prefix('-').unwrap_or(t);
    let mut parts = body.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && match frac {
            None => true,
            Some(f) => !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()),
        }
}

/// `[Vorname]`, `[correoElectrónico]`: an attribute name that is a term of the glossary in a
/// language other than English (and not itself an Entra attribute) is most likely a vendor
/// document's machine translation of the Entra attribute. Only a warning: an inbound (HR)
/// source may really have attributes named so.
fn translated_attribute(name: &str, span: Span) -> Option<Diagnostic> {
    use crate::mapping::sources::{ENTRA_GROUP, ENTRA_USER};
    if ENTRA_USER.contains(&name) || ENTRA_GROUP.contains(&name) {
        return None;
    }
    let m = crate::suggest::glossary::lookup(name).filter(|m| m.translated)?;
    let entra = m.concept.entra.as_deref()?;
    Some(
        Diagnostic::warning(
            "translated-attribute",
            span,
            format!("`{name}` looks like a translated attribute name"),
        )
        .with_help(format!("did you mean `[{entra}]`? ({})", m.explain(name))),
    )
}

/// The candidate closest to `name`, if it is close enough to be a typo (see
/// [`crate::suggest::Tolerance::Tight`]).
pub fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    crate::suggest::closest(name, candidates, crate::suggest::Tolerance::Tight)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::entra::parse_tree;
    use crate::entra::test_table::TABLE;

    fn run(src: &str) -> Vec<Diagnostic> {
        let mut e = parse_tree(src, &Default::default()).unwrap();
        check_in(&mut e, src, TABLE)
    }

    fn codes(src: &str) -> Vec<&'static str> {
        run(src).iter().map(|d| d.code).collect()
    }

    #[test]
    fn clean_expressions() {
        for src in [
            r#"Join(" ", [givenName], [surname])"#,
            r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#,
            r#"InStr("repEated", "e", 3, vbBinaryCompare)"#,
            r#"InStr("repEated", "e", "3", vbTextCompare)"#,
            r#"Mid([x], 1, &HF)"#,
            r#"[a] = "b""#,
            "Now()",
            r#"SelectUniqueValue(Join("", [a]), Join("", [b]))"#,
            r#""\\d+""#,
        ] {
            assert_eq!(run(src), vec![], "{src}");
        }
    }

    #[test]
    fn unknown_functions() {
        let d = run(r#"Jion(" ", [a])"#);
        assert_eq!(d[0].code, "unknown-function");
        assert_eq!(d[0].span, Span::new(0, 4));
        assert_eq!(d[0].help.as_deref(), Some("did you mean `Join`?"));
        let d = run(r#"join(" ", [a])"#);
        assert_eq!(
            d[0].help.as_deref(),
            Some("function names are case-sensitive: `Join`")
        );
        assert_eq!(run("Frobnicate()")[0].help, None);
    }

    #[test]
    fn arity() {
        let d = run(r#"Mid([x], 1, 2, 3)"#);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "wrong-arity");
        assert_eq!(d[0].message, "`Mid` takes 3 arguments, found 4");
        assert_eq!(d[0].span, Span::new(15, 16));
        assert_eq!(codes(r#"Join(" ")"#), ["wrong-arity"]);
        assert_eq!(codes(r#"Switch([a], "d", "k")"#), ["wrong-arity"]);
        assert_eq!(codes("Now(1)"), ["wrong-arity"]);
    }

    #[test]
    fn empty_required_position() {
        let src = r#"Mid([x], , 3)"#;
        let d = run(src);
        assert_eq!(d[0].code, "missing-argument");
        assert_eq!(&src[d[0].span.start()..d[0].span.end()], " ");
    }

    #[test]
    fn literal_kinds() {
        assert_eq!(codes(r#"Mid([x], "one", 3)"#), ["wrong-argument-kind"]);
        assert_eq!(codes(r#"Mid([x], one, 3)"#), ["wrong-argument-kind"]);
        let d = run(r#"InStr("a", "b", 1, vbTextCompar)"#);
        assert_eq!(d[0].code, "wrong-argument-kind");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `vbTextCompare`?"));
        let d = run(r#"InStr("a", "b", 1, "vbTextCompare")"#);
        assert_eq!(
            d[0].help.as_deref(),
            Some("write `vbTextCompare` without quotes")
        );
        assert_eq!(codes(r#"InStr("a", "b", 1, [x])"#), ["wrong-argument-kind"]);
        let d = run(r#"Join(" ", vbTextCompar)"#);
        assert_eq!(d[0].code, "unknown-identifier");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `vbTextCompare`?"));
        let d = run(r#"Join(" ", Now)"#);
        assert_eq!(
            d[0].help.as_deref(),
            Some("to call the function, write `Now()`")
        );
        assert_eq!(codes("foo"), ["unknown-identifier"]);
        assert_eq!(codes("[a] = foo"), ["unknown-identifier"]);
        // Arguments of unknown functions are not judged.
        assert_eq!(codes("Foo(bar)"), ["unknown-function"]);
    }

    #[test]
    fn all_problems_are_reported() {
        let d = codes(r#"Join(" ", Mid([x], "a", 1, 2), Tolower([y]), foo, Jion())"#);
        assert_eq!(
            d,
            [
                "wrong-argument-kind",
                "wrong-arity",
                "unknown-function",
                "unknown-identifier",
                "unknown-function"
            ]
        );
    }

    #[test]
    fn warnings() {
        let d = run(r#"IIF([country] = "USA", [country], [department])"#);
        assert_eq!(d.len(), 1);
        assert!(!d[0].is_error());
        assert_eq!(d[0].code, "iif-null-attribute");
        assert_eq!(
            codes(r#"Switch(IsPresent([a]), "x", "True", [a])"#),
            ["switch-source-predicate"]
        );
        assert_eq!(
            codes(r#"Join("", SelectUniqueValue([a], [b]))"#),
            ["nested-select-unique-value"]
        );
        let src = r#"Join("\d", "\"\\")"#;
        let d = run(src);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "unknown-escape");
        assert_eq!(&src[d[0].span.start()..d[0].span.end()], "\\d");
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("Repalce", ["Replace", "Join"].into_iter()),
            Some("Replace")
        );
        assert_eq!(suggest("Foo", ["Now"].into_iter()), None);
    }
}
