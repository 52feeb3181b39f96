//! Source locations: byte spans into the text a diagnostic is about.

use serde::Serialize;

/// A half-open range of UTF-8 byte offsets into the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets (saturating at `u32::MAX`; sources are far shorter, see [`crate::Limits`]).
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Start offset as `usize`.
    pub fn start(self) -> usize {
        self.start as usize
    }

    /// End offset as `usize`.
    pub fn end(self) -> usize {
        self.end as usize
    }
}

/// Line and column (both 1-based) of a byte offset, plus its UTF-16 offset, for editors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in Unicode scalar values.
    pub column: u32,
    /// Offset from the start of the text in UTF-16 code units (what JS editors count).
    pub utf16: u32,
}

/// Converts a byte offset into a [`Position`]. Offsets inside a character snap to its start.
pub fn position(src: &str, offset: usize) -> Position {
    let mut line = 1u32;
    let mut column = 1u32;
    let mut utf16 = 0u32;
    for (i, c) in src.char_indices() {
        if i >= offset {
            break;
        }
        utf16 += c.len_utf16() as u32;
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    Position {
        line,
        column,
        utf16,
    }
}
