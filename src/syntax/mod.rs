//! The only module that imports pest. Grammars live in `grammar/`; this module turns
//! their parse trees into the typed ASTs and pest errors into [`Diagnostic`]s.

mod entra;

pub(crate) use entra::parse_entra;
pub(crate) mod scim;
pub(crate) use scim::{
    parse_filter as parse_scim_filter, parse_path as parse_scim_path, ScimSyntax,
};

use crate::diagnostic::Diagnostic;
use crate::limits::Limits;
use crate::span::Span;

/// Rejects input that is too long or nests too deeply before pest recurses into it
/// (a stack overflow aborts a worker isolate). Brackets inside double-quoted strings
/// do not count.
pub(crate) fn prescan(
    src: &str,
    limits: &Limits,
    open: &[u8],
    close: &[u8],
) -> Result<(), Diagnostic> {
    if src.len() > limits.max_len {
        return Err(Diagnostic::error(
            "too-long",
            Span::new(limits.max_len, src.len()),
            format!(
                "input is {} bytes long; the limit is {}",
                src.len(),
                limits.max_len
            ),
        ));
    }
    let bytes = src.as_bytes();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        if b == b'"' {
            in_string = true;
        } else if open.contains(&b) {
            depth += 1;
            if depth > limits.max_depth {
                return Err(Diagnostic::error(
                    "nesting-too-deep",
                    Span::new(i, i + 1),
                    format!("nesting is deeper than {} levels", limits.max_depth),
                ));
            }
        } else if close.contains(&b) {
            depth = depth.saturating_sub(1);
        }
    }
    Ok(())
}

/// pest's own recursion guard, set once per process (it is global).
pub(crate) fn init_pest() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| pest::set_call_limit(std::num::NonZeroUsize::new(2_000_000)));
}
