//! Canonical printer (placeholder).
use crate::entra::ast::Expr;

/// Prints canonical source.
pub fn print(_e: &Expr) -> String {
    String::new()
}
