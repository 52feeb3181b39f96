//! Expression text ⇄ Graph `attributeMappingSource` trees, as far as the mapping engine
//! needs them: the text to evaluate (the `expression` member is authoritative, spec §3.3
//! notes) and a tree for mappings written in the compact form.

use crate::entra::{Expr, ExprKind, Expression};
use crate::mapping::model::{AttributeMappingSource, SourceParameter};

/// Escapes a constant for an Entra string literal (`\"` and `\\`, spec §1.5).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The expression text a source stands for: its `expression` member when present,
/// otherwise rebuilt from `type`/`name`/`parameters` (parameters in their listed order).
pub fn expression_text(src: &AttributeMappingSource) -> String {
    if let Some(Some(e)) = &src.expression {
        if !e.trim().is_empty() {
            return e.clone();
        }
    }
    let name = src
        .name
        .as_ref()
        .and_then(|n| n.as_deref())
        .unwrap_or_default();
    match src.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("attribute") => format!("[{name}]"),
        Some("function") => {
            let args: Vec<String> = src
                .parameters
                .iter()
                .flatten()
                .map(|p| expression_text(&p.value))
                .collect();
            format!("{name}({})", args.join(", "))
        }
        _ => quote(name),
    }
}

/// Builds the Graph tree for a parsed expression (parameter keys from the function
/// registry; omitted arguments are left out, as Graph does).
pub fn to_source(expr: &Expression) -> AttributeMappingSource {
    node(expr.ast(), expr.source())
}

fn text_of(e: &Expr, src: &str) -> String {
    src.get(e.span.start()..e.span.end())
        .unwrap_or_default()
        .to_string()
}

fn leaf(kind: &str, name: String, expression: String) -> AttributeMappingSource {
    AttributeMappingSource {
        expression: Some(Some(expression)),
        name: Some(Some(name)),
        parameters: Some(Vec::new()),
        kind: Some(kind.to_string()),
        extra: Default::default(),
    }
}

fn node(e: &Expr, src: &str) -> AttributeMappingSource {
    match &e.kind {
        ExprKind::Attribute(a) => leaf("Attribute", a.clone(), text_of(e, src)),
        ExprKind::String(s) => leaf("Constant", s.clone(), text_of(e, src)),
        ExprKind::Number(s) | ExprKind::Hex(s) | ExprKind::Identifier(s) => {
            leaf("Constant", s.clone(), quote(s))
        }
        ExprKind::Call(c) => {
            let parameters = c
                .args
                .iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    let a = a.as_ref()?;
                    let key = c
                        .function
                        .and_then(|f| f.param(i))
                        .map_or_else(|| format!("arg{}", i + 1), |p| p.name.to_string());
                    Some(SourceParameter {
                        key,
                        value: node(a, src),
                        extra: Default::default(),
                    })
                })
                .collect();
            AttributeMappingSource {
                expression: Some(Some(text_of(e, src))),
                name: Some(Some(c.name.clone())),
                parameters: Some(parameters),
                kind: Some("Function".into()),
                extra: Default::default(),
            }
        }
        ExprKind::Compare { op, left, right } => AttributeMappingSource {
            expression: Some(Some(text_of(e, src))),
            name: Some(Some(op.as_str().to_string())),
            parameters: Some(vec![
                SourceParameter {
                    key: "left".into(),
                    value: node(left, src),
                    extra: Default::default(),
                },
                SourceParameter {
                    key: "right".into(),
                    value: node(right, src),
                    extra: Default::default(),
                },
            ]),
            kind: Some("Function".into()),
            extra: Default::default(),
        },
    }
}
