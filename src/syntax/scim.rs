//! SCIM filter and PATCH path parser: pest pairs → [`crate::scim::ast`], pest errors →
//! [`Diagnostic`]. Nothing pest-typed leaves this module.

use crate::diagnostic::{Diagnostic, ParseError};
use crate::limits::Limits;
use crate::scim::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::scim::path::Path;
use crate::span::Span;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/scim.pest"]
struct ScimParser;

/// Parser settings for filters and paths.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ScimSyntax {
    /// Accept unquoted values (`externalId eq jyoung`) as strings.
    pub bare_values: bool,
}

/// Parses a filter (RFC 7644 §3.4.2.2).
pub(crate) fn parse_filter(
    src: &str,
    limits: &Limits,
    syntax: ScimSyntax,
) -> Result<Filter, ParseError> {
    prescan(src, limits)?;
    let mut pairs = ScimParser::parse(Rule::filter, src)
        .map_err(|e| convert_error(&e, src, Context::Filter))?;
    let top = pairs.next().ok_or_else(|| empty(src))?;
    let or = top
        .into_inner()
        .find(|p| p.as_rule() == Rule::or_exp)
        .ok_or_else(|| empty(src))?;
    Builder { syntax }.logical(or, 0)
}

/// Parses a PATCH path (RFC 7644 §3.5.2, Figure 7).
pub(crate) fn parse_path(
    src: &str,
    limits: &Limits,
    syntax: ScimSyntax,
) -> Result<Path, ParseError> {
    prescan(src, limits)?;
    let mut pairs = ScimParser::parse(Rule::patch_path, src)
        .map_err(|e| convert_error(&e, src, Context::Path))?;
    let top = pairs.next().ok_or_else(|| empty(src))?;
    let b = Builder { syntax };
    let mut attr = None;
    let mut filter = None;
    let mut sub = None;
    for p in top.into_inner() {
        match p.as_rule() {
            Rule::attr_path => attr = Some(b.attr_path(p)),
            Rule::val_or => filter = Some(b.logical(p, 0)?),
            Rule::sub_attr => sub = Some(sub_name(p)),
            _ => {}
        }
    }
    let attr = attr.ok_or_else(|| empty(src))?;
    Ok(Path {
        attr,
        filter,
        sub,
        span: Span::new(0, src.len()),
    })
}

fn empty(src: &str) -> ParseError {
    Diagnostic::error(
        "syntax-error",
        Span::new(0, src.len()),
        "expected an attribute path",
    )
    .into()
}

/// Length limit and a nesting pre-scan that skips string literals, so pest never recurses
/// deeper than `max_depth` groups (a stack overflow aborts the worker's isolate).
fn prescan(src: &str, limits: &Limits) -> Result<(), ParseError> {
    let words = super::PrescanWords {
        too_long: "input-too-long",
        too_deep: "groups nest",
    };
    super::prescan(src, limits, b"([", b")]", &words).map_err(ParseError::from)
}

struct Builder {
    syntax: ScimSyntax,
}

fn span_of(p: &Pair<'_, Rule>) -> Span {
    let s = p.as_span();
    Span::new(s.start(), s.end())
}

fn sub_name(p: Pair<'_, Rule>) -> String {
    p.into_inner()
        .next()
        .map(|n| n.as_str().to_string())
        .unwrap_or_default()
}

fn syntax_error(span: Span, message: impl Into<String>) -> ParseError {
    Diagnostic::error("syntax-error", span, message).into()
}

impl Builder {
    /// `or_exp`/`and_exp`/`val_or`/`val_and`/groups/terms. Depth is bounded by the pre-scan.
    fn logical(&self, p: Pair<'_, Rule>, depth: usize) -> Result<Filter, ParseError> {
        let span = span_of(&p);
        if depth > 4 * 1024 {
            return Err(
                Diagnostic::error("nesting-too-deep", span, "filter nests too deeply").into(),
            );
        }
        match p.as_rule() {
            Rule::or_exp | Rule::val_or | Rule::and_exp | Rule::val_and => {
                let is_or = matches!(p.as_rule(), Rule::or_exp | Rule::val_or);
                let mut operands = Vec::new();
                for c in p.into_inner() {
                    if !matches!(
                        c.as_rule(),
                        Rule::or_exp
                            | Rule::and_exp
                            | Rule::val_or
                            | Rule::val_and
                            | Rule::group
                            | Rule::val_group
                            | Rule::not_exp
                            | Rule::val_not
                            | Rule::attr_exp
                            | Rule::path_exp
                    ) {
                        continue;
                    }
                    operands.push(self.logical(c, depth + 1)?);
                }
                if operands.len() == 1 {
                    return operands
                        .pop()
                        .ok_or_else(|| syntax_error(span, "empty group"));
                }
                Ok(if is_or {
                    Filter::Or { operands, span }
                } else {
                    Filter::And { operands, span }
                })
            }
            Rule::group | Rule::val_group => {
                let inner = p
                    .into_inner()
                    .next()
                    .ok_or_else(|| syntax_error(span, "empty group"))?;
                self.logical(inner, depth + 1)
            }
            Rule::not_exp | Rule::val_not => {
                let group = p
                    .into_inner()
                    .find(|c| matches!(c.as_rule(), Rule::group | Rule::val_group))
                    .ok_or_else(|| syntax_error(span, "`not` needs a parenthesised filter"))?;
                Ok(Filter::Not {
                    inner: Box::new(self.logical(group, depth + 1)?),
                    span,
                })
            }
            Rule::attr_exp | Rule::path_exp => self.path_exp(p, depth),
            _ => Err(syntax_error(span, "unexpected syntax")),
        }
    }

    /// `attr_exp` or `path_exp`: an attribute path followed by a test, or (`path_exp` only)
    /// by a value filter and an optional tail.
    fn path_exp(&self, p: Pair<'_, Rule>, depth: usize) -> Result<Filter, ParseError> {
        let span = span_of(&p);
        let mut inner = p.into_inner();
        let path = inner
            .next()
            .map(|c| self.attr_path(c))
            .ok_or_else(|| syntax_error(span, "expected an attribute path"))?;
        let Some(filter) = inner.peek().filter(|c| c.as_rule() == Rule::val_or) else {
            return self.test(path, inner, span);
        };
        let filter = self.logical(filter, depth + 1)?;
        let tail = match inner.find(|c| c.as_rule() == Rule::value_path_tail) {
            Some(c) => Some(Box::new(self.tail(c)?)),
            None => None,
        };
        Ok(Filter::ValuePath {
            path,
            filter: Box::new(filter),
            tail,
            span,
        })
    }

    fn attr_path(&self, p: Pair<'_, Rule>) -> AttrPath {
        let span = span_of(&p);
        let mut path = AttrPath {
            uri: None,
            attr: String::new(),
            sub: None,
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::urn => {
                    let s = c.as_str();
                    path.uri = Some(s.strip_suffix(':').unwrap_or(s).to_string());
                }
                Rule::attr_name => path.attr = c.as_str().to_string(),
                Rule::sub_attr => path.sub = Some(sub_name(c)),
                _ => {}
            }
        }
        path
    }

    /// `attrPath pr` / `attrPath op value`, also used for the tail after a value path
    /// (where the path is the bare sub-attribute).
    fn test(
        &self,
        path: AttrPath,
        rest: pest::iterators::Pairs<'_, Rule>,
        span: Span,
    ) -> Result<Filter, ParseError> {
        let mut op = None;
        for c in rest {
            match c.as_rule() {
                Rule::op_pr => return Ok(Filter::Present { path, span }),
                Rule::compare_op => op = CompareOp::from_name(c.as_str()),
                Rule::comp_value => {
                    let value = self.comp_value(c)?;
                    let op = op.ok_or_else(|| syntax_error(span, "missing operator"))?;
                    return Ok(Filter::Compare {
                        path,
                        op,
                        value,
                        span,
                    });
                }
                _ => {}
            }
        }
        Err(syntax_error(span, "expected an operator"))
    }

    fn tail(&self, p: Pair<'_, Rule>) -> Result<Filter, ParseError> {
        let span = span_of(&p);
        let mut inner = p.into_inner();
        let sub = inner
            .next()
            .ok_or_else(|| syntax_error(span, "expected a sub-attribute"))?;
        let sub_span = span_of(&sub);
        let path = AttrPath {
            uri: None,
            attr: sub_name(sub),
            sub: None,
            span: Span::new(sub_span.start() + 1, sub_span.end()),
        };
        self.test(path, inner, span)
    }

    fn comp_value(&self, p: Pair<'_, Rule>) -> Result<CompValue, ParseError> {
        let span = span_of(&p);
        let v = p
            .into_inner()
            .next()
            .ok_or_else(|| syntax_error(span, "expected a value"))?;
        let text = v.as_str();
        match v.as_rule() {
            Rule::kw_true => Ok(CompValue::Bool(true)),
            Rule::kw_false => Ok(CompValue::Bool(false)),
            Rule::kw_null => Ok(CompValue::Null),
            // std's float parser rounds correctly (serde_json's default fast path does
            // not), so printed numbers parse back to the same value.
            Rule::number if text.contains(['.', 'e', 'E']) => {
                match text
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                {
                    Some(n) => Ok(CompValue::Number(n)),
                    None => Err(Diagnostic::error(
                        "invalid-number",
                        span,
                        format!("number `{text}` is out of range"),
                    )
                    .into()),
                }
            }
            Rule::number => match serde_json::from_str::<serde_json::Number>(text) {
                Ok(n) => Ok(CompValue::Number(n)),
                Err(_) => Err(Diagnostic::error(
                    "invalid-number",
                    span,
                    format!("number `{text}` is out of range"),
                )
                .into()),
            },
            Rule::string => match serde_json::from_str::<String>(text) {
                Ok(s) => Ok(CompValue::String(s)),
                Err(e) => Err(Diagnostic::error(
                    "invalid-string",
                    span,
                    format!("invalid string literal: {e}"),
                )
                .into()),
            },
            Rule::bare_value if self.syntax.bare_values => Ok(CompValue::String(text.to_string())),
            Rule::bare_value => Err(Diagnostic::error(
                "unquoted-value",
                span,
                format!("string values must be quoted (RFC 7644 §3.4.2.2): `{text}`"),
            )
            .with_help(format!(
                "write {}",
                serde_json::Value::String(text.to_string())
            ))
            .into()),
            _ => Err(syntax_error(span, "expected a value")),
        }
    }
}

/// Human names of grammar rules for error messages.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of input",
        Rule::filter | Rule::or_exp | Rule::and_exp | Rule::val_or | Rule::val_and => "a filter",
        Rule::not_exp | Rule::val_not | Rule::kw_not => "`not (`",
        Rule::group | Rule::val_group => "`(`",
        Rule::path_exp => {
            "an attribute expression (`attr op value` or `attr pr`) or a value path (`attr[filter]`)"
        }
        Rule::value_path_tail => "`.subAttr` and an operator",
        Rule::attr_exp => "an attribute expression (`attr op value` or `attr pr`)",
        Rule::attr_path | Rule::attr_name | Rule::urn | Rule::urn_segment => "an attribute path",
        Rule::sub_attr => "`.subAttr`",
        Rule::compare_op | Rule::op_pr => {
            "an operator (`eq`, `ne`, `co`, `sw`, `ew`, `gt`, `ge`, `lt`, `le` or `pr`)"
        }
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::comp_value | Rule::bare_value => {
            "a value (a quoted string, a number, `true`, `false` or `null`)"
        }
        Rule::kw_true | Rule::kw_false | Rule::kw_null => "`true`, `false` or `null`",
        Rule::number => "a number",
        Rule::string => "a quoted string",
        Rule::patch_path => "a PATCH path",
        Rule::op_sp => "a space and an operator",
        Rule::value_sp => "a space and a value",
        Rule::rparen => "`)`",
        Rule::rbracket => "`]`",
        _ => "valid syntax",
    }
}

/// The one place a pest error becomes a [`Diagnostic`].
/// What was being parsed, for the help of a [`non_ascii_name`].
#[derive(Clone, Copy)]
enum Context {
    Filter,
    Path,
}

fn convert_error(e: &pest::error::Error<Rule>, src: &str, context: Context) -> ParseError {
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    if let Some(word) = super::non_ascii_word(src, start, &['_', '-']) {
        return non_ascii_name(src, word, context).into();
    }
    let end = if end <= start {
        // Underline the character at the error (or the end of input).
        src.get(start..)
            .and_then(|s| s.chars().next())
            .map_or(start, |c| start + c.len_utf8())
    } else {
        end
    };
    let found = src
        .get(start..)
        .and_then(|s| s.chars().next())
        .map_or_else(|| "end of input".to_string(), |c| format!("`{c}`"));
    let message = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().map(|r| describe(*r)).collect();
            names.dedup();
            let mut uniq: Vec<&str> = Vec::new();
            for n in names {
                if !uniq.contains(&n) {
                    uniq.push(n);
                }
            }
            match uniq.as_slice() {
                [] => format!("unexpected {found}"),
                [one] => format!("expected {one}, found {found}"),
                many => {
                    let (last, rest) = many.split_last().map_or(("", &[][..]), |(l, r)| (*l, r));
                    format!("expected {} or {last}, found {found}", rest.join(", "))
                }
            }
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    Diagnostic::error("syntax-error", Span::new(start, end), message).into()
}

/// A name with a non-ASCII letter (`correoElectrónico`, `name.nomDeFamillé`): RFC 7643 §2.1
/// names are ASCII (`ATTRNAME = ALPHA *(nameChar)`), so the grammar rejects it; point at the
/// whole name and suggest the attribute a translated document meant, from the glossary.
fn non_ascii_name(src: &str, word: Span, context: Context) -> Diagnostic {
    let name = src.get(word.start()..word.end()).unwrap_or_default();
    let d = Diagnostic::error(
        "syntax-error",
        word,
        format!("`{name}` is not a SCIM attribute name: names are ASCII letters, digits, `-` and `_` (RFC 7643 §2.1)"),
    );
    let Some(m) = crate::suggest::glossary::lookup(name) else {
        return d;
    };
    let Some(scim) = m.concept.scim.as_deref() else {
        return d;
    };
    let path = match context {
        Context::Path => scim.to_string(),
        // A filter compares an attribute, not a value path: `emails.value`.
        Context::Filter => without_value_filter(scim),
    };
    d.with_help(format!("did you mean `{path}`? ({})", m.explain(name)))
}

/// `addresses[type eq "work"].locality` → `addresses.locality`.
fn without_value_filter(path: &str) -> String {
    match (path.find('['), path.rfind(']')) {
        (Some(open), Some(close)) if open < close => format!(
            "{}{}",
            path.get(..open).unwrap_or_default(),
            path.get(close + 1..).unwrap_or_default()
        ),
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn a_non_ascii_name_is_one_diagnostic_with_the_glossary_help() {
        let l = Limits::default();
        let e = parse_path("adresse.ciudad", &l, ScimSyntax::default());
        assert!(e.is_ok(), "ASCII names parse; the lint judges them");
        let e = parse_path("correoElectrónico", &l, ScimSyntax::default()).unwrap_err();
        let d = &e.diagnostics[0];
        assert_eq!(
            (d.span.start(), d.span.end()),
            (0, "correoElectrónico".len())
        );
        assert_eq!(
            d.help.as_deref(),
            Some("did you mean `emails[type eq \"work\"].value`? (`correoElectrónico` is Spanish for email address)")
        );
        let src = "active eq true and códigoPostal eq \"1\"";
        let e = parse_filter(src, &l, ScimSyntax::default()).unwrap_err();
        let d = &e.diagnostics[0];
        assert_eq!(&src[d.span.start()..d.span.end()], "códigoPostal");
        assert!(d
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `addresses.postalCode`?"));
        let e = parse_filter("Größe eq 1", &l, ScimSyntax::default()).unwrap_err();
        assert!(e.diagnostics[0]
            .message
            .contains("`Größe` is not a SCIM attribute name"));
        assert_eq!(e.diagnostics[0].help, None);
    }

    #[test]
    fn rejects_deep_nesting_before_pest() {
        let src = format!("{}a pr{}", "(".repeat(100), ")".repeat(100));
        let e = parse_filter(&src, &Limits::default(), ScimSyntax::default()).unwrap_err();
        assert_eq!(e.diagnostics[0].code, "nesting-too-deep");
    }

    #[test]
    fn error_message_names_expected_tokens() {
        let e = parse_filter(
            "userName xx \"a\"",
            &Limits::default(),
            ScimSyntax::default(),
        )
        .unwrap_err();
        assert!(e.diagnostics[0].message.contains("operator"), "{e}");
    }
}
