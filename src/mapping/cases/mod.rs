//! `scimmap test CASES...`: mapping tests an admin keeps in CI. A cases file names a
//! mapping, an Entra object, optionally the app's current resource, and the requests Entra
//! is expected to send (or the skip and its reason); the run simulates provisioning on
//! demand ([`crate::mapping::simulate`]) and prints a diff per failing case.
//!
//! The library does no I/O: files are read through the caller's reader, and the files to
//! write (`--junit`, `--update`) are returned in [`TestOutput::writes`].
//!
//! ```
//! use scimmap::mapping::cases::{test_command, TestOptions};
//! let cases = r#"{"preset": "webex", "cases": [{
//!     "name": "a new user is created",
//!     "source": {"userPrincipalName": "ada@contoso.com", "IsSoftDeleted": false},
//!     "expect": {"action": "create", "requests": [{"method": "POST", "path": "/Users",
//!         "body": {"active": true, "userName": "ada@contoso.com",
//!                  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!                  "meta": {"resourceType": "User"}}}]}
//! }]}"#;
//! let read = |_: &str| Ok(cases.to_string());
//! let opts = TestOptions { files: vec!["ada.json".into()], ..Default::default() };
//! let out = test_command(&opts, &read);
//! assert_eq!(out.stdout.lines().last(), Some("1 passed, 0 failed"), "{}", out.stdout);
//! ```

mod diff;
mod junit;
mod model;
mod run;
mod update;

pub use diff::{diff, Difference};
pub use junit::{escape as xml_escape, junit};
pub use model::{
    json_schema, parse, Action, Case, CasesFile, Expectation, Format, Request, Simulate, MAX_CASES,
    MAX_FILE_BYTES,
};
pub use run::{observed, run_file, run_file_at, CaseResult, FileResult};
pub use update::{recorded, update};

use crate::mapping::Reader;
use serde_json::{json, Value as Json};

/// The options of `scimmap test`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestOptions {
    /// The cases files (`-` = stdin, without `--update`).
    pub files: Vec<String>,
    /// Where to write JUnit XML.
    pub junit: Option<String>,
    /// Rewrite the expectations of failing cases from the current results.
    pub update: bool,
    /// Print the results as JSON.
    pub json: bool,
    /// Print the JSON Schema of cases files and stop.
    pub print_schema: bool,
}

/// A file the command wants written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWrite {
    /// Its path.
    pub path: String,
    /// Its new contents.
    pub contents: String,
}

/// What `scimmap test` prints, its exit status, and the files it writes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TestOutput {
    /// Standard output: the report.
    pub stdout: String,
    /// Standard error: why the run could not start.
    pub stderr: String,
    /// Exit status: 0 all pass, 1 a case fails, 2 a usage error or an unreadable or
    /// invalid cases file.
    pub code: i32,
    /// Files to write (JUnit XML, updated cases files), in order.
    pub writes: Vec<FileWrite>,
}

fn usage(message: impl Into<String>) -> TestOutput {
    TestOutput {
        stderr: format!("error: {}\n", message.into()),
        code: 2,
        ..TestOutput::default()
    }
}

/// `scimmap test CASES... [--junit FILE] [--update] [--json]`.
pub fn test_command(opts: &TestOptions, read: Reader<'_>) -> TestOutput {
    if opts.print_schema {
        let mut stdout = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
        stdout.push('\n');
        return TestOutput {
            stdout,
            ..TestOutput::default()
        };
    }
    if opts.files.is_empty() {
        return usage("`test` needs at least one cases file");
    }
    if opts.update && opts.files.iter().any(|f| f == "-") {
        return usage("`--update` rewrites files: name the cases file instead of `-`");
    }
    let (texts, results) = match run_all(&opts.files, read) {
        Ok(x) => x,
        Err(m) => return usage(m),
    };
    let mut writes = Vec::new();
    if let Some(path) = &opts.junit {
        writes.push(FileWrite {
            path: path.clone(),
            contents: junit(&results),
        });
    }
    let updated = if opts.update {
        match updates(&texts, &results) {
            Ok(u) => u,
            Err(m) => return usage(m),
        }
    } else {
        Vec::new()
    };
    let mut out = report(opts, &results, &updated);
    writes.extend(updated);
    out.writes = writes;
    out
}

/// Reads and runs every file; the first unreadable or invalid one stops the run.
fn run_all(files: &[String], read: Reader<'_>) -> Result<(Vec<String>, Vec<FileResult>), String> {
    let mut texts = Vec::new();
    let mut results = Vec::new();
    for f in files {
        let text = read(f)?;
        let result = run_file(f, &text, read).map_err(|m| format!("{f}: {m}"))?;
        texts.push(text);
        results.push(result);
    }
    Ok((texts, results))
}

fn updates(texts: &[String], results: &[FileResult]) -> Result<Vec<FileWrite>, String> {
    let mut out = Vec::new();
    for (text, r) in texts.iter().zip(results) {
        if let Some(contents) = update(text, r).map_err(|m| format!("{}: {m}", r.path))? {
            out.push(FileWrite {
                path: r.path.clone(),
                contents,
            });
        }
    }
    Ok(out)
}

fn counts(results: &[FileResult]) -> (usize, usize) {
    let all: Vec<&CaseResult> = results.iter().flat_map(|f| &f.cases).collect();
    let passed = all.iter().filter(|c| c.passed()).count();
    (passed, all.len() - passed)
}

fn report(opts: &TestOptions, results: &[FileResult], updated: &[FileWrite]) -> TestOutput {
    let (_, failed) = counts(results);
    let stdout = if opts.json {
        json_report(results, updated)
    } else {
        text_report(results, updated)
    };
    // After `--update` the files record the current results, so the run succeeds.
    let code = i32::from(failed > 0 && !opts.update);
    TestOutput {
        stdout,
        code,
        ..TestOutput::default()
    }
}

/// A failure's one-line message and its details (one line per difference).
pub fn failure_text(c: &CaseResult) -> (String, String) {
    let Some(expected) = &c.expected else {
        let text = format!(
            "no `expect` recorded (the current result is `{}`): run `scimmap test --update` to record it",
            c.actual.action.name()
        );
        return ("no expectation".into(), text);
    };
    let mut lines: Vec<String> = c.differences.iter().map(Difference::render).collect();
    if c.actual.action == Action::Error && expected.action != Action::Error {
        lines.push(format!(
            "error: {}",
            c.actual.reason.as_deref().unwrap_or("")
        ));
    }
    let n = c.differences.len();
    let message = format!("{n} difference{}", if n == 1 { "" } else { "s" });
    (message, lines.join("\n"))
}

/// One line per case, the differences under each failure, then `N passed, M failed`.
pub fn text_report(results: &[FileResult], updated: &[FileWrite]) -> String {
    let mut out = String::new();
    for f in results {
        for c in &f.cases {
            let status = if c.passed() { "PASS" } else { "FAIL" };
            out.push_str(&format!("{status} {}: {}\n", f.path, c.name));
            if !c.passed() {
                for line in failure_text(c).1.lines() {
                    out.push_str(&format!("    {line}\n"));
                }
            }
        }
    }
    for w in updated {
        out.push_str(&format!("updated {}\n", w.path));
    }
    let (passed, failed) = counts(results);
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    out
}

/// `{"passed", "failed", "files": [{"path", "cases": [{"name", "passed", ...}]}], "updated"}`.
pub fn json_report(results: &[FileResult], updated: &[FileWrite]) -> String {
    let (passed, failed) = counts(results);
    let files: Vec<Json> = results
        .iter()
        .map(
            |f| json!({"path": f.path, "cases": f.cases.iter().map(case_json).collect::<Vec<_>>()}),
        )
        .collect();
    let updated: Vec<&str> = updated.iter().map(|w| w.path.as_str()).collect();
    let mut s =
        json!({"passed": passed, "failed": failed, "files": files, "updated": updated}).to_string();
    s.push('\n');
    s
}

/// One case as the JSON report and the npm package give it: `{"name", "passed"}`, plus
/// `differences`, `actual` and `message` when it fails.
pub fn case_json(c: &CaseResult) -> Json {
    let mut v = json!({"name": c.name, "passed": c.passed()});
    if let (false, Json::Object(o)) = (c.passed(), &mut v) {
        o.insert("differences".into(), json!(c.differences));
        o.insert("actual".into(), json!(c.actual));
        o.insert("message".into(), failure_text(c).0.into());
    }
    v
}
