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

/// The characters of `src` that lie outside double-quoted string literals (both grammars
/// quote with `"` and escape with `\`), with their byte offsets. Quotes themselves are
/// yielded, so callers can see where strings open.
pub(crate) fn unquoted(src: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut in_string = false;
    let mut escaped = false;
    src.char_indices().filter(move |&(_, c)| {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            return false;
        }
        if c == '"' {
            in_string = true;
        }
        true
    })
}

/// Rejects input that is too long or nests too deeply before pest recurses into it
/// (a stack overflow aborts a worker isolate). Brackets inside string literals do not count.
pub(crate) fn prescan(
    src: &str,
    limits: &Limits,
    open: &[char],
    close: &[char],
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
    let mut depth = 0usize;
    for (i, c) in unquoted(src) {
        if open.contains(&c) {
            depth += 1;
            if depth > limits.max_depth {
                return Err(Diagnostic::error(
                    "nesting-too-deep",
                    Span::new(i, i + 1),
                    format!("nesting is deeper than {} levels", limits.max_depth),
                ));
            }
        } else if close.contains(&c) {
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
