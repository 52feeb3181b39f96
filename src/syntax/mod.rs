//! The only module that imports pest (placeholder).
use crate::diagnostic::{Diagnostic, ParseError};
use crate::entra::ast::Expr;
use crate::limits::Limits;
use crate::span::Span;

pub(crate) mod scim;
pub(crate) use scim::{
    parse_filter as parse_scim_filter, parse_path as parse_scim_path, ScimSyntax,
};

/// Parses an Entra expression.
pub fn parse_entra(_src: &str, _limits: &Limits) -> Result<Expr, ParseError> {
    Err(Diagnostic::error("unimplemented", Span::default(), "parser not built yet").into())
}
