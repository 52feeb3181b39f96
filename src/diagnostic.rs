//! The one diagnostic type shared by every language in the crate, and its renderers.

use crate::span::{position, Span};
use serde::Serialize;
use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input is rejected.
    Error,
    /// The input is accepted but probably not what was meant.
    Warning,
}

/// A secondary location attached to a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What about it.
    pub message: String,
}

/// A problem found in an expression, filter, path or mapping, located by a byte span.
///
/// `code` is stable API (kebab-case, e.g. `unknown-function`); `message` is lower-case
/// without a trailing period, rustc style.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable identifier of the kind of problem.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// Human-readable description.
    pub message: String,
    /// Primary location.
    pub span: Span,
    /// Secondary locations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Label>,
    /// A suggestion, e.g. "did you mean `Join`?".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error diagnostic.
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span,
            labels: Vec::new(),
            help: None,
        }
    }

    /// A warning diagnostic.
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// Adds a suggestion.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders as plain text with the source line and a caret underline.
    pub fn render(&self, src: &str) -> String {
        self.render_with(src, &|_, s| s.to_string())
    }

    /// Renders with a paint callback (`kind` is `"error"`, `"warning"`, `"caret"`, `"help"`),
    /// so the same code can emit ANSI or HTML.
    pub fn render_with(&self, src: &str, paint: &dyn Fn(&str, &str) -> String) -> String {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = format!("{}[{}]: {}\n", paint(kind, kind), self.code, self.message);
        out.push_str(&snippet(src, self.span, "", paint));
        for label in &self.labels {
            out.push_str(&snippet(src, label.span, &label.message, paint));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("  = {}: {}\n", paint("help", "help"), help));
        }
        out
    }
}

fn snippet(src: &str, span: Span, note: &str, paint: &dyn Fn(&str, &str) -> String) -> String {
    let start = span.start().min(src.len());
    let end = span.end().clamp(start, src.len());
    let pos = position(src, start);
    let line_start = src
        .get(..start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = src
        .get(start..)
        .and_then(|s| s.find('\n'))
        .map_or(src.len(), |i| start + i);
    let line = src.get(line_start..line_end).unwrap_or("");
    let pad = src.get(line_start..start).map_or(0, |s| s.chars().count());
    let width = src
        .get(start..end.min(line_end))
        .map_or(0, |s| s.chars().count())
        .max(1);
    let gutter = pos.line.to_string();
    let blank = " ".repeat(gutter.len());
    let mut out = format!("{blank}--> {}:{}\n", pos.line, pos.column);
    out.push_str(&format!("{blank} |\n{gutter} | {line}\n"));
    let carets = paint("caret", &"^".repeat(width));
    if note.is_empty() {
        out.push_str(&format!("{blank} | {}{carets}\n", " ".repeat(pad)));
    } else {
        out.push_str(&format!("{blank} | {}{carets} {note}\n", " ".repeat(pad)));
    }
    out
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at {}..{}",
            self.message, self.span.start, self.span.end
        )
    }
}

/// One or more diagnostics that made a parse fail (pest stops at the first syntax error,
/// but static checks report every problem they find).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.diagnostics.first().map(|d| d.to_string()).unwrap_or_default())]
pub struct ParseError {
    /// Every problem found, errors first.
    pub diagnostics: Vec<Diagnostic>,
}

impl ParseError {
    /// Wraps one diagnostic.
    pub fn single(d: Diagnostic) -> Self {
        ParseError {
            diagnostics: vec![d],
        }
    }

    /// Renders every diagnostic against the source.
    pub fn render(&self, src: &str) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.render(src))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl From<Diagnostic> for ParseError {
    fn from(d: Diagnostic) -> Self {
        ParseError::single(d)
    }
}
