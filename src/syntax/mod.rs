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

/// Where a left-to-right scan is relative to double-quoted strings with backslash escapes,
/// the string syntax Entra expressions and SCIM filters share. Every pre-parse scan (depth,
/// typographic quotes, unclosed brackets) uses it so they agree on what is inside a string.
#[derive(Debug, Default)]
pub(crate) struct Quotes {
    in_string: bool,
    escaped: bool,
}

impl Quotes {
    /// Feeds the next character; true when it stands outside strings and is not a quote
    /// that opens or closes one.
    pub(crate) fn outside(&mut self, c: char) -> bool {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if c == '\\' {
                self.escaped = true;
            } else if c == '"' {
                self.in_string = false;
            }
            return false;
        }
        if c == '"' {
            self.in_string = true;
            return false;
        }
        true
    }
}

/// What [`prescan`] calls its findings, per language (the codes are part of each
/// language's diagnostics).
pub(crate) struct PrescanWords {
    /// Code of the too-long diagnostic.
    pub(crate) too_long: &'static str,
    /// Subject of the too-deep message: `{subject} deeper than N levels`.
    pub(crate) too_deep: &'static str,
}

/// Rejects input that is too long or nests too deeply before pest recurses into it
/// (a stack overflow aborts a worker isolate). Brackets inside double-quoted strings
/// do not count.
pub(crate) fn prescan(
    src: &str,
    limits: &Limits,
    open: &[u8],
    close: &[u8],
    words: &PrescanWords,
) -> Result<(), Diagnostic> {
    if src.len() > limits.max_len {
        return Err(Diagnostic::error(
            words.too_long,
            Span::new(limits.max_len, src.len()),
            format!(
                "input is {} bytes long; the limit is {}",
                src.len(),
                limits.max_len
            ),
        ));
    }
    let mut depth = 0usize;
    let mut quotes = Quotes::default();
    // Bytes, not chars: the brackets are ASCII, and non-ASCII bytes are neither quotes
    // nor backslashes, so the offsets are the same and the scan is cheaper.
    for (i, &b) in src.as_bytes().iter().enumerate() {
        if !quotes.outside(char::from(b)) {
            continue;
        }
        if open.contains(&b) {
            depth += 1;
            if depth > limits.max_depth {
                return Err(Diagnostic::error(
                    "nesting-too-deep",
                    Span::new(i, i + 1),
                    format!("{} deeper than {} levels", words.too_deep, limits.max_depth),
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

/// When parsing stopped at a non-ASCII letter (`ó` in `correoElectrónico`), the span of the
/// whole word around it: letters, digits and the `joiners` of the language's names. The
/// grammars' names are ASCII, so such a word is most likely a translated attribute name,
/// and the diagnostic should point at the name rather than at one letter.
pub(crate) fn non_ascii_word(src: &str, at: usize, joiners: &[char]) -> Option<Span> {
    let c = src.get(at..)?.chars().next()?;
    if c.is_ascii() || !c.is_alphabetic() {
        return None;
    }
    let in_word = |c: char| c.is_alphanumeric() || joiners.contains(&c);
    let start = src
        .get(..at)?
        .char_indices()
        .rev()
        .take_while(|(_, c)| in_word(*c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = src
        .get(at..)?
        .char_indices()
        .find(|(_, c)| !in_word(*c))
        .map_or(src.len(), |(i, _)| at + i);
    Some(Span::new(start, end))
}
