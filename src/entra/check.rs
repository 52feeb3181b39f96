//! Static checks (placeholder; replaced by the full checker).
use crate::diagnostic::Diagnostic;
use crate::entra::ast::{Expr, ExprKind};

/// Resolves calls against the registry and reports problems.
pub fn check(root: &mut Expr, _src: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    resolve(root, &mut out);
    out
}

fn resolve(e: &mut Expr, out: &mut Vec<Diagnostic>) {
    match &mut e.kind {
        ExprKind::Call(c) => {
            c.function = crate::entra::registry::lookup(&c.name);
            if c.function.is_none() {
                out.push(Diagnostic::error(
                    "unknown-function",
                    c.name_span,
                    format!("unknown function `{}`", c.name),
                ));
            }
            for a in c.args.iter_mut().flatten() {
                resolve(a, out);
            }
        }
        ExprKind::Compare { left, right, .. } => {
            resolve(left, out);
            resolve(right, out);
        }
        _ => {}
    }
}
