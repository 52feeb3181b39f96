//! The `scimmap` command line, as library functions so that `src/bin/scimmap.rs` stays a
//! thin dispatcher and the commands can be tested in-process.
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
use chrono::{DateTime, Utc};
use std::io::{Read, Write};

/// Exit status: success.
pub const EXIT_OK: i32 = 0;
/// Exit status: the input was read but evaluation failed, or `check` reported errors.
pub const EXIT_FAILED: i32 = 1;
/// Exit status: usage error, unreadable input, or a parse error.
pub const EXIT_USAGE: i32 = 2;

const USAGE: &str = "\
scimmap — Entra ID attribute-mapping expressions and SCIM 2.0, from the command line

Usage:
  scimmap eval EXPR [--input FILE|-] [--now RFC3339] [--seed N] [--json-errors]
      Evaluates EXPR against the JSON object in FILE (`-` = stdin; no input = {}) and
      prints the result as one line of JSON. When IgnoreFlowIfNullOrEmpty drops the
      attribute, prints null and a note on stderr.
  scimmap check EXPR [--json-errors]
      Validates EXPR without evaluating it and prints its diagnostics (errors and warnings).
  scimmap filter FILTER [--input FILE|-] [--json-errors]
      Prints the JSON array of the resources (a JSON array or a ListResponse) that match.
  scimmap patch --ops FILE [--input FILE|-] [--compat entra] [--json-errors]
      Applies a PatchOp body to the resource and prints the result; strict RFC 7644 by
      default, Entra's dialect with --compat entra.
  scimmap test CASES... [--junit FILE] [--update] [--json]
      Runs mapping test cases (schemas/cases.schema.json): simulates what Entra would send
      for each case and prints PASS/FAIL with a diff per failing case; exit 1 when a case
      fails. --junit writes JUnit XML; --update records the current results as the
      expectations of the failing cases. --print-schema prints the cases file schema.
  scimmap proxy check CONFIG [--json-errors]
      Validates a proxy config (`-` = stdin) offline: members, renames, transforms; prints
      a one-line JSON summary (preset, rules per resource, the secret names it needs).
  scimmap proxy schema
      Prints the JSON Schema of the proxy config (schemas/proxy-config.schema.json).
  scimmap help | --help | -h
  scimmap --version

Exit status: 0 success; 1 evaluation failed, check (or proxy check) found errors, or a test
case failed; 2 usage
error, unreadable input or a syntax error. Diagnostics go to stderr, rendered with a caret
under the problem, or as one JSON object per line with --json-errors.
";

/// The standard streams a command works with.
pub struct Io<'a> {
    /// Standard input (read for `--input -`).
    pub stdin: &'a mut dyn Read,
    /// Standard output (results).
    pub stdout: &'a mut dyn Write,
    /// Standard error (diagnostics, notes).
    pub stderr: &'a mut dyn Write,
}

/// Runs the command line `args` (without the program name) and returns the exit status.
pub fn run(args: &[String], io: &mut Io<'_>) -> i32 {
    let Some((command, rest)) = args.split_first() else {
        let _ = io.stderr.write_all(USAGE.as_bytes());
        return EXIT_USAGE;
    };
    match command.as_str() {
        "eval" => eval(rest, io),
        "check" if crate::mapping::cli::is_mapping_check(rest) => {
            with_reader(io, |read| crate::mapping::cli::check(rest, read))
        }
        "check" => check_command(rest, io),
        "filter" => delegate(crate::scim::cli::filter_command, rest, io),
        "patch" => delegate(crate::scim::cli::patch_command, rest, io),
        "map" => with_reader(io, |read| crate::mapping::cli::map(rest, read)),
        "proxy" => with_reader(io, |read| crate::proxy::cli::run(rest, read)),
        "presets" => with_reader(io, |_| crate::mapping::cli::presets()),
        "test" => match crate::mapping::cases::parse_args(rest) {
            Ok(o) => with_reader(io, |read| {
                written(crate::mapping::cases::test_command(&o, read))
            }),
            Err(m) => usage_error(io, &m),
        },
        "help" | "--help" | "-h" => {
            let _ = io.stdout.write_all(USAGE.as_bytes());
            EXIT_OK
        }
        "--version" | "-V" => {
            let _ = writeln!(io.stdout, "scimmap {}", env!("CARGO_PKG_VERSION"));
            EXIT_OK
        }
        other => usage_error(io, &format!("unknown command `{other}`")),
    }
}

/// Runs a command written as `(args, stdin) -> (stdout, stderr, status)`.
fn delegate(command: crate::scim::cli::Command, args: &[String], io: &mut Io<'_>) -> i32 {
    let stdin = &mut *io.stdin;
    let mut read = || {
        let mut s = String::new();
        stdin.read_to_string(&mut s).map(|_| s)
    };
    let (out, err, code) = command(args, &mut read);
    let _ = io.stdout.write_all(out.as_bytes());
    let _ = io.stderr.write_all(err.as_bytes());
    code
}

/// Runs a mapping command, which reads named files (`-` = stdin) through a reader.
fn with_reader(
    io: &mut Io<'_>,
    command: impl FnOnce(crate::mapping::cli::Reader<'_>) -> crate::mapping::cli::Output,
) -> i32 {
    let stdin = std::cell::RefCell::new(&mut *io.stdin);
    let read = |name: &str| -> Result<String, String> {
        if name == "-" {
            let mut s = String::new();
            let mut guard = stdin.borrow_mut();
            guard
                .read_to_string(&mut s)
                .map(|_| s)
                .map_err(|e| format!("stdin: {e}"))
        } else {
            std::fs::read_to_string(name).map_err(|e| format!("{name}: {e}"))
        }
    };
    let out = command(&read);
    let _ = io.stdout.write_all(out.stdout.as_bytes());
    let _ = io.stderr.write_all(out.stderr.as_bytes());
    out.code
}

/// Writes the files a command returned (`test --junit`, `test --update`); a file that
/// cannot be written makes the run a usage error.
fn written(out: crate::mapping::cases::TestOutput) -> crate::mapping::cli::Output {
    let mut o = out.output;
    for w in out.writes {
        if let Err(e) = std::fs::write(&w.path, w.contents) {
            o.stderr
                .push_str(&format!("error: cannot write {}: {e}\n", w.path));
            o.code = EXIT_USAGE;
        }
    }
    o
}

fn usage_error(io: &mut Io<'_>, message: &str) -> i32 {
    let _ = writeln!(io.stderr, "error: {message}\n\n{USAGE}");
    EXIT_USAGE
}

/// Options shared by `eval` and `check`.
#[derive(Default)]
struct Options {
    expr: Option<String>,
    input: Option<String>,
    now: Option<DateTime<Utc>>,
    seed: Option<u64>,
    json_errors: bool,
    help: bool,
}

/// Parses `args`; `allowed` lists the options the command takes.
fn parse_options(args: &[String], allowed: &[&str]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut it = args.iter();
    let mut only_positional = false;
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let is_flag = !only_positional && flag.starts_with("--");
        if !is_flag {
            if o.expr.is_some() {
                return Err(format!(
                    "unexpected argument `{arg}` (quote the expression as one argument)"
                ));
            }
            o.expr = Some(arg.clone());
            continue;
        }
        if flag == "--" {
            only_positional = true;
            continue;
        }
        if flag != "--help" && !allowed.contains(&flag) {
            return Err(format!("unknown option `{flag}`"));
        }
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("`{name}` needs a value"))
        };
        match flag {
            "--help" => o.help = true,
            "--json-errors" => o.json_errors = true,
            "--input" => o.input = Some(value("--input")?),
            "--now" => {
                let v = value("--now")?;
                let t = DateTime::parse_from_rfc3339(&v)
                    .map_err(|e| format!("`--now {v}` is not an RFC 3339 date-time: {e}"))?;
                o.now = Some(t.with_timezone(&Utc));
            }
            "--seed" => {
                let v = value("--seed")?;
                o.seed = Some(
                    v.parse()
                        .map_err(|_| format!("`--seed {v}` is not a whole number"))?,
                );
            }
            _ => return Err(format!("unknown option `{flag}`")),
        }
    }
    Ok(o)
}

/// The options of an expression command and its expression, or the exit code when there
/// is nothing to run (usage error, `--help`, no expression).
fn expression_command(
    args: &[String],
    allowed: &[&str],
    command: &str,
    io: &mut Io<'_>,
) -> Result<(Options, String), i32> {
    let o = parse_options(args, allowed).map_err(|m| usage_error(io, &m))?;
    if o.help {
        let _ = io.stdout.write_all(USAGE.as_bytes());
        return Err(EXIT_OK);
    }
    let Some(src) = o.expr.clone() else {
        return Err(usage_error(io, &format!("`{command}` needs an expression")));
    };
    Ok((o, src))
}

/// `scimmap eval EXPR [--input FILE|-] [--now RFC3339] [--seed N] [--json-errors]`.
pub fn eval(args: &[String], io: &mut Io<'_>) -> i32 {
    let allowed = ["--input", "--now", "--seed", "--json-errors"];
    let (o, src) = match expression_command(args, &allowed, "eval", io) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let src = src.as_str();
    let expr = match Expression::parse(src) {
        Ok(e) => e,
        Err(e) => {
            report(io, src, &e.diagnostics, o.json_errors);
            return EXIT_USAGE;
        }
    };
    if !o.json_errors {
        report(io, src, expr.warnings(), false);
    }
    let input = match read_input(o.input.as_deref(), io) {
        Ok(v) => v,
        Err(d) => {
            report_plain(io, &d, o.json_errors);
            return EXIT_USAGE;
        }
    };
    let opts = EvalOptions {
        now: o.now,
        seed: o.seed,
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
            if !o.json_errors {
                let _ = writeln!(
                    io.stderr,
                    "note: IgnoreFlowIfNullOrEmpty dropped the attribute from the flow \
                     (Entra would leave the target attribute out, and apply no default value)"
                );
            }
            EXIT_OK
        }
        Err(e) => {
            report(io, src, &[e.to_diagnostic()], o.json_errors);
            EXIT_FAILED
        }
    }
}

/// `scimmap check EXPR [--json-errors]`.
pub fn check_command(args: &[String], io: &mut Io<'_>) -> i32 {
    if args.iter().any(|a| {
        let flag = a.split_once('=').map_or(a.as_str(), |(f, _)| f);
        flag == "--schema" || flag == "--preset"
    }) {
        return usage_error(
            io,
            "`check --schema` and `check --preset` are not available in this build yet",
        );
    }
    let (o, src) = match expression_command(args, &["--json-errors"], "check", io) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let src = src.as_str();
    let mut tree = match parse_tree(src, &Limits::default()) {
        Ok(t) => t,
        Err(e) => {
            report(io, src, &e.diagnostics, o.json_errors);
            return EXIT_USAGE;
        }
    };
    let diagnostics = check::check(&mut tree, src);
    report(io, src, &diagnostics, o.json_errors);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    if !o.json_errors && !diagnostics.is_empty() {
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
