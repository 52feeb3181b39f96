//! Microsoft Entra ID attribute-mapping expressions: parse once, evaluate many.
//!
//! Spec: `functions-for-customizing-application-data` (Microsoft Learn) and the
//! project's implementation spec §1–§2.

pub mod ast;
pub mod check;
pub mod datetime;
pub mod eval;
pub mod functions;
pub mod graph;
pub mod print;
pub mod registry;
pub mod value;

#[cfg(test)]
mod test_table;

pub use ast::{Call, CompareOp, Expr, ExprKind};
pub use eval::{EvalError, EvalOptions, Interrupt, Outcome, RegexCache, Source};
pub use registry::{functions as all_functions, lookup, Function};
pub use value::Value;

use crate::diagnostic::{Diagnostic, ParseError};
use crate::limits::Limits;

/// Parses `src` into a syntax tree without the static checks (unknown functions, arity and
/// literal kinds are not reported). For the formatter and tools that work on incomplete
/// expressions; [`Expression::parse`] is the checked entry point.
///
/// # Errors
/// The first syntax error, or a limit (length, nesting) that was exceeded.
pub fn parse_tree(src: &str, limits: &Limits) -> Result<Expr, ParseError> {
    crate::syntax::parse_entra(src, limits)
}

/// A parsed and checked expression. Cheap to evaluate many times; `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Expression {
    source: String,
    root: Expr,
    warnings: Vec<Diagnostic>,
}

impl PartialEq for Expression {
    fn eq(&self, other: &Self) -> bool {
        self.root == other.root
    }
}

impl Expression {
    /// Parses and checks `src` with default limits.
    ///
    /// # Errors
    /// Every syntax error (the first one) or every static-check error (all of them).
    pub fn parse(src: &str) -> Result<Self, ParseError> {
        Self::parse_with(src, &Limits::default())
    }

    /// Parses and checks `src` with the given limits.
    ///
    /// # Errors
    /// As [`Expression::parse`].
    pub fn parse_with(src: &str, limits: &Limits) -> Result<Self, ParseError> {
        let mut root = crate::syntax::parse_entra(src, limits)?;
        let diagnostics = check::check(&mut root, src);
        if diagnostics.iter().any(Diagnostic::is_error) {
            let mut diagnostics = diagnostics;
            diagnostics.sort_by_key(|d| (!d.is_error(), d.span.start));
            return Err(ParseError { diagnostics });
        }
        Ok(Expression {
            source: src.to_string(),
            root,
            warnings: diagnostics,
        })
    }

    /// Builds an expression from a tree (e.g. converted from Graph), checking it.
    ///
    /// The tree is printed and parsed again, so diagnostic spans and [`Expression::source`]
    /// refer to the canonical text whatever spans the tree carried.
    ///
    /// # Errors
    /// Syntax errors (a hand-built tree that does not print to valid text, such as an
    /// attribute name with an unbalanced `]`), limits, and static-check errors.
    pub fn from_ast(root: &Expr) -> Result<Self, ParseError> {
        Self::parse(&print::print(root))
    }

    /// The source text it was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The syntax tree.
    pub fn ast(&self) -> &Expr {
        &self.root
    }

    /// Warnings found by the checker (the expression is valid, but probably not as meant).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Evaluates against a source object.
    ///
    /// # Errors
    /// A runtime error located at the failing node (bad argument value, limits).
    pub fn evaluate(
        &self,
        source: &dyn Source,
        opts: &EvalOptions<'_>,
    ) -> Result<Outcome, EvalError> {
        // A bare `[attribute]`, the commonest source of a mapping, reads the source and
        // nothing else, so the evaluator's state (clock, random generator, limits) is not
        // built; the one thing it could still refuse is checked.
        if let ExprKind::Attribute(name) = &self.root.kind {
            if eval::Evaluator::would_start(opts) {
                return Ok(Outcome::Value(source.attribute(name)));
            }
        }
        let mut ev = eval::Evaluator::new(source, opts, RegexCache::shared())?;
        match ev.eval(&self.root) {
            Ok(v) => Ok(Outcome::Value(v)),
            Err(Interrupt::IgnoreFlow) => Ok(Outcome::IgnoreFlow),
            Err(Interrupt::Error(e)) => Err(e),
        }
    }

    /// The attribute names the expression reads, in order of first appearance.
    pub fn attributes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        self.root.walk(&mut |e| {
            if let ExprKind::Attribute(name) = &e.kind {
                if !out.contains(&name.as_str()) {
                    out.push(name);
                }
            }
        });
        out
    }

    /// Canonical source text (the formatter).
    pub fn format(&self) -> String {
        print::print(&self.root)
    }
}

impl std::fmt::Display for Expression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.format())
    }
}

impl std::str::FromStr for Expression {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Expression::parse(s)
    }
}
