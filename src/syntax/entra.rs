//! Entra expression parser: pest pairs → [`Expr`].

use crate::diagnostic::{Diagnostic, ParseError};
use crate::entra::ast::{Call, CompareOp, Expr, ExprKind};
use crate::limits::Limits;
use crate::span::Span;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/entra.pest"]
struct EntraParser;

/// Parses an expression into its syntax tree (no static checks).
pub(crate) fn parse_entra(src: &str, limits: &Limits) -> Result<Expr, ParseError> {
    let words = super::PrescanWords {
        too_long: "too-long",
        too_deep: "nesting is",
    };
    super::prescan(src, limits, b"([", b")]", &words)?;
    if let Some(d) = typographic_quote(src) {
        return Err(d.into());
    }
    super::init_pest();
    let mut pairs =
        EntraParser::parse(Rule::expression, src).map_err(|e| to_diagnostic(&e, src))?;
    let value = pairs
        .next()
        .and_then(|p| p.into_inner().next())
        .ok_or_else(|| internal(src))?;
    build_value(value).ok_or_else(|| internal(src).into())
}

fn internal(src: &str) -> Diagnostic {
    Diagnostic::error(
        "syntax-error",
        Span::new(0, src.len()),
        "could not parse the expression",
    )
}

/// Typographic quotes are the most common paste error from Word or Teams: name them
/// instead of reporting a generic syntax error.
fn typographic_quote(src: &str) -> Option<Diagnostic> {
    let mut quotes = super::Quotes::default();
    for (i, c) in src.char_indices() {
        if !quotes.outside(c) {
            continue;
        }
        match c {
            '\u{201C}' | '\u{201D}' | '\u{2018}' | '\u{2019}' | '\u{201E}' | '\u{00AB}'
            | '\u{00BB}' => {
                return Some(
                    Diagnostic::error(
                        "typographic-quote",
                        Span::new(i, i + c.len_utf8()),
                        format!("typographic quote `{c}` cannot delimit a string"),
                    )
                    .with_help("use the ASCII double quote `\"`"),
                );
            }
            _ => {}
        }
    }
    None
}

fn span_of(p: &Pair<'_, Rule>) -> Span {
    let s = p.as_span();
    Span::new(s.start(), s.end())
}

fn build_value(p: Pair<'_, Rule>) -> Option<Expr> {
    let span = span_of(&p);
    let mut inner = p.into_inner();
    let left = build_operand(inner.next()?)?;
    match inner.next() {
        None => Some(left),
        Some(op) => {
            let op = match op.as_str() {
                "=" => CompareOp::Eq,
                "<>" => CompareOp::Ne,
                ">" => CompareOp::Gt,
                ">=" => CompareOp::Ge,
                "<" => CompareOp::Lt,
                _ => CompareOp::Le,
            };
            let right = build_operand(inner.next()?)?;
            Some(Expr {
                kind: ExprKind::Compare {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                },
                span,
            })
        }
    }
}

fn build_operand(p: Pair<'_, Rule>) -> Option<Expr> {
    let span = span_of(&p);
    let kind = match p.as_rule() {
        Rule::call => {
            let mut inner = p.into_inner();
            let name = inner.next()?;
            let name_span = span_of(&name);
            let name = name.as_str().to_string();
            let mut args: Vec<Option<Expr>> = Vec::new();
            if let Some(list) = inner.next() {
                for arg in list.into_inner().filter(|a| a.as_rule() == Rule::argument) {
                    args.push(match arg.into_inner().next() {
                        Some(v) => Some(build_value(v)?),
                        None => None,
                    });
                }
            }
            // `Guid()` is written with one empty position but has no arguments.
            if args.len() == 1 && args.first().is_some_and(Option::is_none) {
                args.clear();
            }
            ExprKind::Call(Call {
                name,
                name_span,
                args,
                function: None,
            })
        }
        Rule::attribute => ExprKind::Attribute(p.into_inner().next()?.as_str().to_string()),
        Rule::string => ExprKind::String(unescape(p.into_inner().next()?.as_str())),
        Rule::number => ExprKind::Number(p.as_str().to_string()),
        Rule::hex => ExprKind::Hex(p.as_str().to_string()),
        Rule::identifier => ExprKind::Identifier(p.as_str().to_string()),
        _ => return None,
    };
    Some(Expr { kind, span })
}

/// Only `\"` and `\\` are escapes (spec §1.5, documented); a backslash before anything
/// else is kept, so regex patterns written with one backslash (`"\d"`) survive.
pub(crate) fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('"') | Some('\\') => {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                _ => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn describe(rule: &Rule) -> &'static str {
    match rule {
        Rule::expression | Rule::value => "an expression",
        Rule::compare_op => "a comparison operator (`=`, `<>`, `>`, `>=`, `<`, `<=`)",
        Rule::call => "a function call",
        Rule::function_name => "a function name",
        Rule::arguments | Rule::argument => "an argument",
        Rule::attribute => "an attribute in brackets (`[mail]`)",
        Rule::attribute_name => "an attribute name",
        Rule::string | Rule::string_inner => "a string in double quotes",
        Rule::number => "a number",
        Rule::hex => "a hex number (`&HF`)",
        Rule::identifier => "an identifier",
        Rule::comma => "`,`",
        Rule::close_paren => "`)`",
        Rule::EOI => "the end of the expression",
        _ => "more input",
    }
}

fn to_diagnostic(e: &pest::error::Error<Rule>, src: &str) -> Diagnostic {
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let mut end = end.max(start);
    if end == start {
        // Underline the offending character (or the end of input).
        end = src
            .get(start..)
            .and_then(|s| s.chars().next())
            .map_or(start, |c| start + c.len_utf8());
    }
    let span = Span::new(start, end);
    let found = match src.get(start..).and_then(|s| s.chars().next()) {
        None => "the end of the expression".to_string(),
        Some(c) => format!("`{c}`"),
    };
    // An opening quote with no closing one is the likeliest cause when a `"` is where
    // parsing stopped; say so rather than listing rules.
    if src.get(start..).is_some_and(|s| s.starts_with('"')) && unterminated_string_at(src, start) {
        return Diagnostic::error("unterminated-string", span, "string is never closed")
            .with_help("close it with `\"`; write `\\\"` for a quote inside a string");
    }
    if let ErrorVariant::CustomError { message } = &e.variant {
        if message.contains("limit") {
            // pest::set_call_limit (syntax/mod.rs) stopped the parse: report the limit,
            // not the token it happened to stop at.
            return Diagnostic::error(
                "too-complex",
                Span::new(0, src.len()),
                "the expression is too large to parse (parser step limit)",
            )
            .with_help("split it into smaller expressions");
        }
    }
    if let Some(word) = super::non_ascii_word(src, start, &['_']) {
        return non_ascii_name(src, word);
    }
    if src.trim().is_empty() {
        return Diagnostic::error("syntax-error", span, "the expression is empty")
            .with_help("write a function call, an attribute such as `[mail]`, or a string");
    }
    let positives: &[Rule] = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { .. } => &[],
    };
    let after_argument = positives
        .iter()
        .any(|r| matches!(r, Rule::comma | Rule::close_paren));
    if src.get(start..).is_some_and(|s| s.starts_with('[')) && unterminated_attribute_at(src, start)
    {
        return Diagnostic::error("unterminated-attribute", span, "attribute is never closed")
            .with_help("close the attribute name with `]`");
    }
    if after_argument {
        let at_argument_start = positives.iter().any(|r| {
            matches!(
                r,
                Rule::value
                    | Rule::argument
                    | Rule::call
                    | Rule::function_name
                    | Rule::attribute
                    | Rule::string
                    | Rule::number
                    | Rule::hex
                    | Rule::identifier
            )
        });
        return after_argument_error(src, start, span, &found, at_argument_start);
    }
    if positives.contains(&Rule::EOI) && src.get(start..).is_some_and(|s| s.starts_with(')')) {
        return Diagnostic::error("syntax-error", span, "unmatched `)`")
            .with_help("every `)` closes the `(` of a function call");
    }
    let message = if positives.is_empty() {
        format!("unexpected {found}")
    } else {
        let mut names: Vec<&str> = positives.iter().map(describe).collect();
        names.sort_unstable();
        names.dedup();
        format!("expected {}, found {found}", join_or(&names))
    };
    let d = Diagnostic::error("syntax-error", span, message);
    if positives.contains(&Rule::EOI) {
        // Something follows a complete expression at the top level.
        return d.with_help(
            "an expression is one value (or one comparison); combine values with a function such as `Join`",
        );
    }
    d
}

/// A bare word with a non-ASCII letter (`Join(" ", correoElectrónico)`): function names and
/// identifiers are ASCII (grammar/entra.pest), so it is most likely an attribute name
/// translated by a vendor's document; suggest the attribute from the glossary.
fn non_ascii_name(src: &str, word: Span) -> Diagnostic {
    let name = src.get(word.start()..word.end()).unwrap_or_default();
    let d = Diagnostic::error(
        "syntax-error",
        word,
        format!("`{name}` is not a function, attribute or string: names outside `[ ]` are ASCII letters, digits and `_`"),
    );
    let found = crate::suggest::glossary::lookup(name);
    match found
        .as_ref()
        .and_then(|m| m.concept.entra.as_deref().map(|e| (m, e)))
    {
        Some((m, entra)) => d.with_help(format!("did you mean `[{entra}]`? ({})", m.explain(name))),
        None => d.with_help(format!(
            "write `[{name}]` for an attribute or `\"{name}\"` for a string"
        )),
    }
}

/// After an argument only `,`, `)` or a comparison operator can follow. pest also lists the
/// operator, but the likely mistake is a missing `,` or `)`, so name those, and point at the
/// unclosed `(` when the input ends inside a call.
fn after_argument_error(
    src: &str,
    start: usize,
    span: Span,
    found: &str,
    at_argument_start: bool,
) -> Diagnostic {
    let open = innermost_open_paren(src, start);
    let callee = open.and_then(|o| callee_name(src, o));
    let message = if at_argument_start {
        format!("expected an argument, `,` or `)`, found {found}")
    } else {
        format!("expected `,` or `)`, found {found}")
    };
    if start >= src.len() {
        let mut d = Diagnostic::error("unclosed-parenthesis", span, message);
        if let Some(o) = open {
            d = d.with_label(Span::new(o, o + 1), "this `(` is never closed");
        }
        return match callee {
            Some(name) => d.with_help(format!("close the call to `{name}` with `)`")),
            None => d.with_help("close the call with `)`"),
        };
    }
    let d = Diagnostic::error("syntax-error", span, message);
    let next = src.get(start..).and_then(|s| s.chars().next());
    match next {
        Some(c) if matches!(c, '[' | '"' | '&' | '-') || c.is_ascii_alphanumeric() => {
            d.with_help("separate arguments with `,`")
        }
        Some('=' | '<' | '>') => d.with_help(
            "comparisons cannot be chained; nest IIF calls instead (Entra has no AND/OR)",
        ),
        _ => d,
    }
}

/// Byte offset of the innermost `(` still open at `upto`, skipping strings and attribute
/// brackets (which may hold parentheses).
fn innermost_open_paren(src: &str, upto: usize) -> Option<usize> {
    let mut stack: Vec<usize> = Vec::new();
    let mut quotes = super::Quotes::default();
    let mut brackets = 0usize;
    for (i, b) in src.bytes().enumerate().take(upto) {
        if !quotes.outside(char::from(b)) {
            continue;
        }
        match b {
            b'[' => brackets += 1,
            b']' => brackets = brackets.saturating_sub(1),
            b'(' if brackets == 0 => stack.push(i),
            b')' if brackets == 0 => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop()
}

/// The function name written just before the `(` at `open`.
fn callee_name(src: &str, open: usize) -> Option<&str> {
    let head = src.get(..open)?.trim_end();
    let begin = head
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    head.get(begin..).filter(|n| !n.is_empty())
}

/// Whether the `[` at `start` has no matching `]` (nested brackets and quoted strings inside
/// SCIM value paths count, as in the grammar's `attribute_part`).
fn unterminated_attribute_at(src: &str, start: usize) -> bool {
    let Some(rest) = src.get(start..) else {
        return false;
    };
    let mut depth = 0usize;
    let mut quotes = super::Quotes::default();
    for c in rest.chars() {
        if !quotes.outside(c) {
            continue;
        }
        match c {
            '[' => depth += 1,
            ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

fn unterminated_string_at(src: &str, start: usize) -> bool {
    let Some(rest) = src.get(start + 1..) else {
        return false;
    };
    let mut escaped = false;
    for c in rest.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            return false;
        }
    }
    true
}

fn join_or(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
