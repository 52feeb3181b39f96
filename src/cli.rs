//! The `scimmap` command line, as library functions so that `src/bin/scimmap.rs` stays a
//! thin dispatcher and the commands can be tested in-process.
//!
//! One clap declaration ([`Cli`]) gives the help, the usage errors and the shell
//! completions; the commands themselves are functions of their parsed arguments and a
//! file reader. The whole module is behind the `cli` feature, which the wasm builds leave
//! off.
//!
//! Contract (DESIGN.md, "The CLI contract"): results on stdout as one line of JSON;
//! diagnostics on stderr, rendered with a caret line, or with `--json-errors` one JSON object
//! per line `{"code", "message", "span": {"start", "end"}, "severity", "help"?}` (the first
//! three are the contract; `severity` and `help` are additions). Exit status: 0 success,
//! 1 the input was read but evaluation failed (or `check` found errors), 2 usage error or a
//! parse error.
//!
//! Decisions (docs/lang-decisions.md): when `IgnoreFlowIfNullOrEmpty` drops the attribute,
//! `eval` prints `null` on stdout (stdout is always one JSON value) and a `note:` line on
//! stderr, and exits 0. `check` exits 2 for a syntax error (the expression cannot be
//! parsed) and 1 for static-check errors (unknown function, arity, literal kinds).

use crate::diagnostic::Diagnostic;
use crate::entra::{check, parse_tree, EvalOptions, Expression, Outcome};
use crate::limits::Limits;
use crate::mapping::cli::MappingSource;
use chrono::{DateTime, Utc};
use clap::{ArgGroup, Args, CommandFactory, Parser, Subcommand};
use std::io::{Read, Write};

/// Exit status: success.
pub const EXIT_OK: i32 = 0;
/// Exit status: the input was read but evaluation failed, or `check` reported errors.
pub const EXIT_FAILED: i32 = 1;
/// Exit status: usage error, unreadable input, or a parse error.
pub const EXIT_USAGE: i32 = 2;

const EXIT_STATUS: &str = "\
Exit status: 0 success; 1 the input was read but evaluation, matching or patching failed,
check / proxy check found errors, a test case failed, or impact found a dangerous change;
2 usage error, unreadable input or a syntax error.
Diagnostics go to stderr, rendered with a caret under the problem, or as one JSON object per
line with --json-errors. FILE `-` is standard input.";

/// `scimmap`: Entra ID attribute-mapping expressions and SCIM 2.0, from the command line.
#[derive(Debug, Parser)]
#[command(
    name = "scimmap",
    version,
    about = "Entra ID attribute-mapping expressions and SCIM 2.0, from the command line",
    after_help = EXIT_STATUS,
    max_term_width = 100
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate an expression against a JSON object; print the result as one line of JSON
    #[command(
        long_about = "Evaluate EXPR against the JSON object in --input (none = {}) and \
        print the result as one line of JSON. When IgnoreFlowIfNullOrEmpty drops the \
        attribute, print null and a note on stderr."
    )]
    Eval(EvalArgs),
    /// Validate an expression, or lint a whole mapping (--schema FILE or --preset NAME)
    Check(CheckArgs),
    /// Print the resources (a JSON array or a ListResponse) that match a SCIM filter
    Filter(crate::scim::cli::FilterArgs),
    /// Apply a SCIM PatchOp body to a resource and print the result
    Patch(crate::scim::cli::PatchArgs),
    /// Apply an attribute mapping to source objects, or simulate provisioning
    Map(crate::mapping::cli::MapArgs),
    /// List the app presets: name, display name, authentication, tenant URL
    Presets,
    /// Run mapping test cases: what Entra would send for each, PASS/FAIL with a diff
    #[command(
        long_about = "Run mapping test cases (schemas/cases.schema.json): simulate what \
        Entra would send for each case and print PASS or FAIL, with a diff by attribute \
        under each failure, then `N passed, M failed`. Exit 1 when a case fails."
    )]
    Test(TestArgs),
    /// Compare two versions of a mapping over a users export: who changes, and how
    #[command(
        long_about = "Apply two versions of a mapping (--from, the one in production, and \
        --to, the edit) to a population of users and report what the change would do: users \
        whose matching value changes (Entra would create a second user: listed first), new \
        errors, users entering or leaving scope, and which target attributes change, with \
        examples. Exit 1 when a dangerous finding has users."
    )]
    Impact(crate::mapping::impact::cli::ImpactArgs),
    /// Validate a proxy config, or print its JSON Schema
    #[command(subcommand)]
    Proxy(crate::proxy::cli::ProxyCommand),
    /// Print a shell completion script (e.g. `scimmap completions bash > /etc/bash_completion.d/scimmap`)
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `scimmap eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The expression, quoted as one argument
    #[arg(value_name = "EXPR")]
    pub expr: String,
    /// The JSON source object (`-` = stdin; none = {})
    #[arg(long, value_name = "FILE")]
    pub input: Option<String>,
    /// The time Now() returns, e.g. 2024-01-02T03:04:05Z
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// Seed for the random functions (RandomString, NewGuid), for repeatable output
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Print diagnostics as one JSON object per line
    #[arg(long)]
    pub json_errors: bool,
}

/// `scimmap check`: an expression, or a mapping.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["expr", "schema", "preset"])))]
pub struct CheckArgs {
    /// The expression to validate (without evaluating it)
    #[arg(value_name = "EXPR")]
    pub expr: Option<String>,
    /// Lint a Microsoft Graph synchronizationSchema JSON file
    #[arg(long, value_name = "FILE")]
    pub schema: Option<String>,
    /// Lint a built-in app preset (see `scimmap presets`)
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// Print diagnostics as one JSON object per line
    #[arg(long)]
    pub json_errors: bool,
}

/// `scimmap test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Cases files: JSON, or TOML when the name ends in .toml (`-` = stdin)
    #[arg(value_name = "CASES", required_unless_present = "print_schema")]
    pub files: Vec<String>,
    /// Also write the results as JUnit XML to FILE
    #[arg(long, value_name = "FILE")]
    pub junit: Option<String>,
    /// Record the current results as the expectations of the failing cases
    #[arg(long)]
    pub update: bool,
    /// Print the results as one JSON object
    #[arg(long)]
    pub json: bool,
    /// Print the JSON Schema of cases files and exit
    #[arg(long, exclusive = true)]
    pub print_schema: bool,
}

pub(crate) fn parse_now(v: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 date-time such as 2024-01-02T03:04:05Z ({e})"))
}

/// The standard streams a command works with.
pub struct Io<'a> {
    /// Standard input (read for `--input -`).
    pub stdin: &'a mut dyn Read,
    /// Standard output (results).
    pub stdout: &'a mut dyn Write,
    /// Standard error (diagnostics, notes).
    pub stderr: &'a mut dyn Write,
}

/// What a command prints and its exit status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status: 0 success, 1 failure on valid input, 2 usage or parse error.
    pub code: i32,
}

impl Output {
    /// A success that prints `stdout`.
    pub fn ok(stdout: String) -> Self {
        Output {
            stdout,
            stderr: String::new(),
            code: EXIT_OK,
        }
    }

    /// A failure with exit status `code` that prints `stderr`.
    pub fn fail(code: i32, stderr: String) -> Self {
        Output {
            stdout: String::new(),
            stderr,
            code,
        }
    }

    /// A usage or input error (exit 2): `error: MESSAGE`.
    pub fn usage(message: impl std::fmt::Display) -> Self {
        Output::fail(EXIT_USAGE, format!("error: {message}\n"))
    }
}

pub use crate::mapping::Reader;

/// Parses a command line (without the program name).
pub fn parse(args: &[String]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("scimmap").chain(args.iter().map(String::as_str)))
}

/// Runs the command line `args` (without the program name) and returns the exit status.
pub fn run(args: &[String], io: &mut Io<'_>) -> i32 {
    let cli = match parse(args) {
        Ok(cli) => cli,
        Err(e) => return clap_error(&e, io),
    };
    match cli.command {
        Command::Eval(a) => eval(&a, io),
        Command::Check(a) => match MappingSource::of_check(&a) {
            Some(m) => with_reader(io, |read| {
                crate::mapping::cli::check(&m, a.json_errors, read)
            }),
            None => check_command(&a, io),
        },
        Command::Filter(a) => with_reader(io, |read| crate::scim::cli::filter_command(&a, read)),
        Command::Patch(a) => with_reader(io, |read| crate::scim::cli::patch_command(&a, read)),
        Command::Map(a) => with_reader(io, |read| crate::mapping::cli::map(&a, read)),
        Command::Proxy(c) => with_reader(io, |read| crate::proxy::cli::run(&c, read)),
        Command::Presets => with_reader(io, |_| crate::mapping::cli::presets()),
        Command::Test(a) => with_reader(io, |read| test_cases(&a, read)),
        Command::Impact(a) => crate::mapping::impact::cli::run(&a, io),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "scimmap", io.stdout);
            EXIT_OK
        }
    }
}

/// `scimmap test`: runs the cases, then writes the files the run produced (`--junit`,
/// `--update`); a file that cannot be written makes the run a usage error.
fn test_cases(a: &TestArgs, read: Reader<'_>) -> Output {
    let opts = crate::mapping::cases::TestOptions {
        files: a.files.clone(),
        junit: a.junit.clone(),
        update: a.update,
        json: a.json,
        print_schema: a.print_schema,
    };
    let out = crate::mapping::cases::test_command(&opts, read);
    let mut o = Output {
        stdout: out.stdout,
        stderr: out.stderr,
        code: out.code,
    };
    for w in out.writes {
        if let Err(e) = std::fs::write(&w.path, w.contents) {
            o.stderr
                .push_str(&format!("error: cannot write `{}`: {e}\n", w.path));
            o.code = EXIT_USAGE;
        }
    }
    o
}

/// `--help` and `--version` go to stdout with status 0; usage errors to stderr with 2.
fn clap_error(e: &clap::Error, io: &mut Io<'_>) -> i32 {
    let text = e.render().to_string();
    if e.use_stderr() {
        let _ = io.stderr.write_all(text.as_bytes());
        EXIT_USAGE
    } else {
        let _ = io.stdout.write_all(text.as_bytes());
        EXIT_OK
    }
}

/// Runs a command that reads named files (`-` = stdin) through a reader.
fn with_reader(io: &mut Io<'_>, command: impl FnOnce(Reader<'_>) -> Output) -> i32 {
    let stdin = std::cell::RefCell::new(&mut *io.stdin);
    let read = |name: &str| -> Result<String, String> {
        if name == "-" {
            let mut s = String::new();
            let mut guard = stdin.borrow_mut();
            guard
                .read_to_string(&mut s)
                .map(|_| s)
                .map_err(|e| format!("cannot read standard input: {e}"))
        } else {
            std::fs::read_to_string(name).map_err(|e| format!("cannot read `{name}`: {e}"))
        }
    };
    let out = command(&read);
    let _ = io.stdout.write_all(out.stdout.as_bytes());
    let _ = io.stderr.write_all(out.stderr.as_bytes());
    out.code
}

/// `scimmap eval EXPR [--input FILE|-] [--now RFC3339] [--seed N] [--json-errors]`.
pub fn eval(a: &EvalArgs, io: &mut Io<'_>) -> i32 {
    let src = a.expr.as_str();
    let expr = match Expression::parse(src) {
        Ok(e) => e,
        Err(e) => {
            report(io, src, &e.diagnostics, a.json_errors);
            return EXIT_USAGE;
        }
    };
    if !a.json_errors {
        report(io, src, expr.warnings(), false);
    }
    let input = match read_input(a.input.as_deref(), io) {
        Ok(v) => v,
        Err(d) => {
            report_plain(io, &d, a.json_errors);
            return EXIT_USAGE;
        }
    };
    let opts = EvalOptions {
        now: a.now,
        seed: a.seed,
        exists: None,
        limits: Some(Limits::default()),
    };
    match expr.evaluate(&input, &opts) {
        Ok(Outcome::Value(v)) => {
            let _ = writeln!(io.stdout, "{}", v.to_json());
            EXIT_OK
        }
        Ok(Outcome::IgnoreFlow) => {
            let _ = writeln!(io.stdout, "null");
            if !a.json_errors {
                let _ = writeln!(
                    io.stderr,
                    "note: IgnoreFlowIfNullOrEmpty dropped the attribute from the flow \
                     (Entra would leave the target attribute out, and apply no default value)"
                );
            }
            EXIT_OK
        }
        Err(e) => {
            report(io, src, &[e.to_diagnostic()], a.json_errors);
            EXIT_FAILED
        }
    }
}

/// `scimmap check EXPR [--json-errors]`.
pub fn check_command(a: &CheckArgs, io: &mut Io<'_>) -> i32 {
    let src = a.expr.as_deref().unwrap_or_default();
    let mut tree = match parse_tree(src, &Limits::default()) {
        Ok(t) => t,
        Err(e) => {
            report(io, src, &e.diagnostics, a.json_errors);
            return EXIT_USAGE;
        }
    };
    let diagnostics = check::check(&mut tree, src);
    report(io, src, &diagnostics, a.json_errors);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    if !a.json_errors && !diagnostics.is_empty() {
        let _ = writeln!(
            io.stderr,
            "{} {}, {} {}",
            errors,
            if errors == 1 { "error" } else { "errors" },
            warnings,
            if warnings == 1 { "warning" } else { "warnings" }
        );
    }
    if errors > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// Reads the source object: none = `{}`, `-` = stdin, else a file.
fn read_input(path: Option<&str>, io: &mut Io<'_>) -> Result<serde_json::Value, String> {
    let (name, text) = match path {
        None => return Ok(serde_json::Value::Object(serde_json::Map::new())),
        Some("-") => {
            let mut s = String::new();
            io.stdin
                .read_to_string(&mut s)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            ("standard input".to_string(), s)
        }
        Some(p) => (
            p.to_string(),
            std::fs::read_to_string(p).map_err(|e| format!("cannot read `{p}`: {e}"))?,
        ),
    };
    serde_json::from_str(&text).map_err(|e| format!("{name} is not valid JSON: {e}"))
}

fn json_line(d: &Diagnostic) -> serde_json::Value {
    let mut v = serde_json::json!({
        "code": d.code,
        "message": d.message,
        "span": {"start": d.span.start, "end": d.span.end},
        "severity": d.severity,
    });
    if let (Some(help), Some(obj)) = (&d.help, v.as_object_mut()) {
        obj.insert("help".into(), help.clone().into());
    }
    v
}

/// Writes diagnostics about `src` to stderr.
fn report(io: &mut Io<'_>, src: &str, diagnostics: &[Diagnostic], json: bool) {
    for d in diagnostics {
        if json {
            let _ = writeln!(io.stderr, "{}", json_line(d));
        } else {
            let _ = writeln!(io.stderr, "{}", d.render(src));
        }
    }
}

/// Writes a problem that has no location in the expression (unreadable input).
fn report_plain(io: &mut Io<'_>, message: &str, json: bool) {
    if json {
        let d = Diagnostic::error("invalid-input", crate::span::Span::default(), message);
        let _ = writeln!(io.stderr, "{}", json_line(&d));
    } else {
        let _ = writeln!(io.stderr, "error[invalid-input]: {message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declaration_is_consistent() {
        Cli::command().debug_assert();
    }
}
