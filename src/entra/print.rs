//! Canonical printer: the formatter, the text of Graph `expression` fields, and one half of
//! the round-trip property `parse(print(ast)) == ast` (tests/roundtrip.rs).
//!
//! The canonical form follows Graph's own re-serialisation (spec §1.2, G-PARSE): `, `
//! between arguments, an empty position prints as nothing (`Replace([x], "-", , , "_", , )`),
//! one space around a comparison operator, no other whitespace.

use crate::entra::ast::{Expr, ExprKind};
use std::fmt::Write;

/// Prints `e` in canonical form.
///
/// # Examples
/// ```
/// use scimmap::entra::{parse_tree, print::print};
/// let e = parse_tree("Join( \" \" ,[givenName],\n[surname] )", &Default::default()).unwrap();
/// assert_eq!(print(&e), r#"Join(" ", [givenName], [surname])"#);
/// ```
pub fn print(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e);
    out
}

/// Appends the canonical text of `e` to `out`.
///
/// Recursion is bounded by the parser's depth limit ([`crate::Limits::max_depth`]); trees
/// built by hand or from Graph JSON go through the same limit in [`crate::entra::graph`].
pub fn write_expr(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Call(c) => {
            out.push_str(&c.name);
            out.push('(');
            for (i, a) in c.args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if let Some(a) = a {
                    write_expr(out, a);
                }
            }
            out.push(')');
        }
        ExprKind::Attribute(name) => {
            out.push('[');
            out.push_str(name);
            out.push(']');
        }
        ExprKind::String(s) => write_string(out, s),
        ExprKind::Number(s) | ExprKind::Hex(s) | ExprKind::Identifier(s) => out.push_str(s),
        ExprKind::Compare { op, left, right } => {
            write_expr(out, left);
            let _ = write!(out, " {} ", op.as_str());
            write_expr(out, right);
        }
    }
}

/// Writes a string constant with `"` and `\` escaped (spec §1.5). Every backslash is
/// doubled, so a pattern such as `\d` prints as `"\\d"`, which is how Microsoft's own
/// examples write regexes and which the checker does not warn about.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The canonical text of a string constant.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_string(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::entra::parse_tree;

    fn fmt(src: &str) -> String {
        print(&parse_tree(src, &Default::default()).unwrap())
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(
            fmt(r#"Replace([preferredLanguage], "-", , , "_", ,  )"#),
            r#"Replace([preferredLanguage], "-", , , "_", , )"#
        );
        assert_eq!(
            fmt(r#"IIF([a]="b",[c],[d])"#),
            r#"IIF([a] = "b", [c], [d])"#
        );
        assert_eq!(fmt("Guid( )"), "Guid()");
        assert_eq!(fmt(r#""a\"b\\c\d""#), r#""a\"b\\c\\d""#);
        assert_eq!(fmt("BitAnd(&HF, &hf7)"), "BitAnd(&HF, &hf7)");
        assert_eq!(
            fmt("InStr(\"a\",\n\t\"b\", 3, vbBinaryCompare)"),
            r#"InStr("a", "b", 3, vbBinaryCompare)"#
        );
        assert_eq!(
            fmt(r#"[emails[type eq "work"].value]"#),
            r#"[emails[type eq "work"].value]"#
        );
    }
}
