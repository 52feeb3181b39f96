//! JUnit XML for CI systems: one `<testsuite>` per cases file, one `<testcase>` per case,
//! a `<failure>` holding the differences (the layout Jenkins, GitLab and GitHub test
//! reporters read).

use super::run::{CaseResult, FileResult};
use std::fmt::Write;

/// The JUnit XML document of a run.
pub fn junit(files: &[FileResult]) -> String {
    let tests: usize = files.iter().map(|f| f.cases.len()).sum();
    let failures: usize = files.iter().map(failed).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"scimmap test\" tests=\"{tests}\" failures=\"{failures}\">"
    );
    for f in files {
        suite(&mut out, f);
    }
    out.push_str("</testsuites>\n");
    out
}

fn failed(f: &FileResult) -> usize {
    f.cases.iter().filter(|c| !c.passed()).count()
}

fn suite(out: &mut String, f: &FileResult) {
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">",
        escape(&f.path),
        f.cases.len(),
        failed(f)
    );
    for c in &f.cases {
        case(out, &f.path, c);
    }
    out.push_str("  </testsuite>\n");
}

fn case(out: &mut String, path: &str, c: &CaseResult) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\"",
        escape(&c.name),
        escape(path)
    );
    if c.passed() {
        out.push_str("/>\n");
        return;
    }
    let (message, text) = super::failure_text(c);
    let _ = writeln!(
        out,
        ">\n      <failure message=\"{}\" type=\"mismatch\">{}</failure>\n    </testcase>",
        escape(&message),
        escape(&text)
    );
}

/// Escapes text for XML 1.0 content and attribute values. Characters XML 1.0 cannot hold
/// (most C0 controls, U+FFFE, U+FFFF; XML 1.0 §2.2) become U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
