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
    super::prescan(src, limits, b"([", b")]")?;
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
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in src.char_indices() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => in_string = true,
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
                for arg in list.into_inner() {
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
    let message = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } if !positives.is_empty() => {
            let mut names: Vec<&str> = positives.iter().map(describe).collect();
            names.sort_unstable();
            names.dedup();
            format!("expected {}, found {found}", join_or(&names))
        }
        _ => format!("unexpected {found}"),
    };
    Diagnostic::error("syntax-error", span, message)
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
