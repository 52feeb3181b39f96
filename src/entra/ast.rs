//! Expression syntax tree. Every node carries its byte span in the source.
//!
//! Unstable until 1.0: the shape may change between minor versions.

use crate::entra::registry::Function;
use crate::span::Span;

/// One node of an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// Where it is in the source.
    pub span: Span,
}

/// The kinds of expression nodes (spec §1.4).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ExprKind {
    /// `Name(arg, , arg)`; an omitted argument is `None` (Graph omits the parameter).
    Call(Call),
    /// `[name]`: the text between the outer brackets, verbatim (an Entra attribute name or
    /// a SCIM attribute path such as `emails[type eq "work"].value`).
    Attribute(String),
    /// `"text"` with `\"` and `\\` already unescaped.
    String(String),
    /// A decimal number literal as written (`1`, `-10`, `2.5`); numbers are strings
    /// coerced by the callee, as in Graph's parsed form.
    Number(String),
    /// A VB hex literal `&HF7`, as written.
    Hex(String),
    /// A bare identifier such as `vbTextCompare`.
    Identifier(String),
    /// `left op right` (only inside arguments, e.g. IIF conditions; no chaining).
    Compare {
        /// The operator.
        op: CompareOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
}

/// A function call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The name as written.
    pub name: String,
    /// Span of the name alone.
    pub name_span: Span,
    /// Arguments by position; `None` for an empty position.
    pub args: Vec<Option<Expr>>,
    /// The registry entry, resolved by the checker (`None` until checked or when unknown).
    pub function: Option<&'static Function>,
}

/// Comparison operators allowed in IIF conditions (spec §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

impl CompareOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "<>",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
        }
    }
}

impl Expr {
    /// Visits this node and every node below it, depth first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Call(c) => {
                for a in c.args.iter().flatten() {
                    a.walk(f);
                }
            }
            ExprKind::Compare { left, right, .. } => {
                left.walk(f);
                right.walk(f);
            }
            _ => {}
        }
    }
}

impl Expr {
    /// Structural equality that ignores spans and registry resolution: two trees are the
    /// same expression when they print the same (the round-trip property of `print.rs`).
    pub fn same_as(&self, other: &Expr) -> bool {
        match (&self.kind, &other.kind) {
            (ExprKind::Call(a), ExprKind::Call(b)) => {
                a.name == b.name
                    && a.args.len() == b.args.len()
                    && a.args.iter().zip(&b.args).all(|(x, y)| match (x, y) {
                        (Some(x), Some(y)) => x.same_as(y),
                        (None, None) => true,
                        _ => false,
                    })
            }
            (
                ExprKind::Compare {
                    op: oa,
                    left: la,
                    right: ra,
                },
                ExprKind::Compare {
                    op: ob,
                    left: lb,
                    right: rb,
                },
            ) => oa == ob && la.same_as(lb) && ra.same_as(rb),
            (a, b) => a == b,
        }
    }
}
