//! The expression text a Graph `attributeMappingSource` stands for (the `expression`
//! member is authoritative for positional order, spec §3.3 notes). Trees for the compact
//! form come from [`crate::entra::graph::to_graph`].

use crate::mapping::model::AttributeMappingSource;

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
/// otherwise rebuilt from `type`/`name`/`parameters` by the Graph converter (or, when
/// that fails, with the parameters in their listed order).
pub fn expression_text(src: &AttributeMappingSource) -> String {
    if let Some(Some(e)) = &src.expression {
        if !e.trim().is_empty() {
            return e.clone();
        }
    }
    if let Ok(json) = serde_json::to_value(src) {
        if let Ok(expr) = crate::entra::graph::from_graph(&json) {
            return crate::entra::print::print(&expr);
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
