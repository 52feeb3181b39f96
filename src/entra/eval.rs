//! Tree-walking evaluator with depth and fuel accounting.
//!
//! Arguments are evaluated lazily (functions ask for them), so `IIF` evaluates one branch
//! only, `SelectUniqueValue` stops at the first unique rule and `IgnoreFlowIfNullOrEmpty`
//! inside an unchosen branch has no effect.

use crate::entra::ast::{Call, CompareOp, Expr, ExprKind};
use crate::entra::value::Value;
use crate::limits::Limits;
use crate::span::Span;
use chrono::{DateTime, Utc};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use regex::Regex;
use std::sync::Arc;

/// An evaluation failure, located at the node that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EvalError {
    /// Stable kebab-case code (`invalid-argument`, `out-of-fuel`, `too-deep`, ...).
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
    /// The node (usually a call or one of its arguments).
    pub span: Span,
}

impl EvalError {
    /// Converts into a [`crate::Diagnostic`] for rendering.
    pub fn to_diagnostic(&self) -> crate::Diagnostic {
        crate::Diagnostic::error(self.code, self.span, self.message.clone())
    }
}

/// Non-local exits from a function: a real error, or `IgnoreFlowIfNullOrEmpty` asking that
/// the whole attribute be dropped from the flow.
#[derive(Debug, Clone, PartialEq)]
pub enum Interrupt {
    /// Drop the target attribute (spec §2 IgnoreFlowIfNullOrEmpty).
    IgnoreFlow,
    /// Stop with an error.
    Error(EvalError),
}

impl From<EvalError> for Interrupt {
    fn from(e: EvalError) -> Self {
        Interrupt::Error(e)
    }
}

/// The result of evaluating a whole expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A value (possibly null: then nothing flows and a default value may apply).
    Value(Value),
    /// `IgnoreFlowIfNullOrEmpty` fired: the target attribute is left out, no default applies.
    IgnoreFlow,
}

impl Outcome {
    /// The value; `IgnoreFlow` reads as null.
    pub fn into_value(self) -> Value {
        match self {
            Outcome::Value(v) => v,
            Outcome::IgnoreFlow => Value::Null,
        }
    }
}

/// Where attribute references read from.
pub trait Source {
    /// The value of the attribute named inside `[...]`, or `Value::Null` when absent.
    fn attribute(&self, name: &str) -> Value;

    /// The attribute as JSON held by the source, when [`Source::attribute`] is
    /// `Value::from_json` of it; lets functions that only read a value skip the copy.
    fn lend(&self, _name: &str) -> Option<&serde_json::Value> {
        None
    }
}

impl Source for serde_json::Value {
    fn lend(&self, name: &str) -> Option<&serde_json::Value> {
        self.get(name)
    }

    fn attribute(&self, name: &str) -> Value {
        if let Some(v) = self.get(name) {
            return Value::from_json(v);
        }
        if !is_scim_path(name) {
            return Value::Null;
        }
        match crate::scim::resolve_attribute(self, name) {
            Some(v) => Value::from_json(&v),
            None => Value::Null,
        }
    }
}

impl Source for serde_json::Map<String, serde_json::Value> {
    fn lend(&self, name: &str) -> Option<&serde_json::Value> {
        self.get(name)
    }

    fn attribute(&self, name: &str) -> Value {
        match self.get(name) {
            Some(v) => Value::from_json(v),
            // Only a SCIM path needs the resource as a `Value`; an absent plain name is null
            // without copying the object.
            None if is_scim_path(name) => serde_json::Value::Object(self.clone()).attribute(name),
            None => Value::Null,
        }
    }
}

/// Entra directory attribute names are case-sensitive (spec §1.3) and looked up exactly;
/// path-shaped names are SCIM attribute paths (`name.givenName`,
/// `emails[type eq "work"].value`, URN-qualified), case-insensitive per RFC 7643 §2.1.
pub fn is_scim_path(name: &str) -> bool {
    name.contains(['.', '[', ':'])
}

/// Injected non-determinism and limits for one evaluation.
#[derive(Clone, Default)]
pub struct EvalOptions<'a> {
    /// The clock for `Now()` (and default seed). Required on wasm, where there is no
    /// system clock; natively it defaults to the system time.
    pub now: Option<DateTime<Utc>>,
    /// Seed for `Guid()` and `RandomString()`; defaults to one derived from the clock.
    pub seed: Option<u64>,
    /// `SelectUniqueValue`'s question to the target system: does this value exist already?
    /// Without it, every value counts as free.
    pub exists: Option<&'a dyn Fn(&str) -> bool>,
    /// Limits; `None` = [`Limits::default`].
    pub limits: Option<Limits>,
}

/// Compiled regexes, bounded (cleared when full); see [`RegexCache::shared`].
#[derive(Debug)]
pub struct RegexCache {
    memo: crate::memo::Memo<Arc<Regex>>,
}

impl Default for RegexCache {
    fn default() -> Self {
        RegexCache {
            memo: crate::memo::Memo::new(128, usize::MAX),
        }
    }
}

impl RegexCache {
    /// The process-wide cache. Patterns are nearly always literals of a mapping, so one
    /// compilation serves every expression that uses them, including expressions parsed
    /// afresh for each call (parse + evaluate would otherwise pay the compilation, which
    /// costs far more than the evaluation).
    pub fn shared() -> &'static RegexCache {
        static SHARED: std::sync::OnceLock<RegexCache> = std::sync::OnceLock::new();
        SHARED.get_or_init(RegexCache::default)
    }

    /// Compiles `pattern` (or returns the cached compilation).
    ///
    /// # Errors
    /// The pattern does not compile within the size limits.
    pub fn get(&self, pattern: &str) -> Result<Arc<Regex>, regex::Error> {
        self.memo.get_or_try(pattern, || {
            regex::RegexBuilder::new(pattern)
                .size_limit(1 << 20)
                .dfa_size_limit(1 << 20)
                .nest_limit(64)
                .build()
                .map(Arc::new)
        })
    }
}

/// Evaluation state for one run.
pub(crate) struct Evaluator<'a> {
    source: &'a dyn Source,
    now: DateTime<Utc>,
    rng: SmallRng,
    exists: Option<&'a dyn Fn(&str) -> bool>,
    limits: Limits,
    fuel: u64,
    depth: usize,
    regexes: &'a RegexCache,
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(
        source: &'a dyn Source,
        opts: &EvalOptions<'a>,
        regexes: &'a RegexCache,
    ) -> Result<Self, EvalError> {
        let limits = opts.limits.unwrap_or_default();
        let now = match opts.now {
            Some(n) => n,
            None => system_now().ok_or_else(|| EvalError {
                code: "no-clock",
                message: "no clock was provided for this evaluation".into(),
                span: Span::default(),
            })?,
        };
        let seed = opts
            .seed
            .unwrap_or_else(|| now.timestamp_nanos_opt().unwrap_or_default() as u64);
        Ok(Evaluator {
            source,
            now,
            rng: SmallRng::seed_from_u64(seed),
            exists: opts.exists,
            limits,
            fuel: limits.fuel,
            depth: 0,
            regexes,
        })
    }

    /// Whether [`Evaluator::new`] would succeed and the first step find fuel: what an
    /// evaluation that reads one attribute and nothing else can fail on.
    pub(crate) fn would_start(opts: &EvalOptions<'_>) -> bool {
        opts.limits.unwrap_or_default().fuel > 0 && (opts.now.is_some() || system_now().is_some())
    }

    fn burn(&mut self, units: u64, span: Span) -> Result<(), Interrupt> {
        match self.fuel.checked_sub(units) {
            Some(f) => {
                self.fuel = f;
                Ok(())
            }
            None => {
                self.fuel = 0;
                Err(Interrupt::Error(EvalError {
                    code: "out-of-fuel",
                    message: format!(
                        "evaluation stopped after {} steps (limit)",
                        self.limits.fuel
                    ),
                    span,
                }))
            }
        }
    }

    pub(crate) fn eval(&mut self, e: &Expr) -> Result<Value, Interrupt> {
        self.burn(1, e.span)?;
        match &e.kind {
            ExprKind::String(s) | ExprKind::Number(s) | ExprKind::Hex(s) => {
                Ok(Value::String(s.clone()))
            }
            ExprKind::Identifier(s) => Ok(Value::String(s.clone())),
            ExprKind::Attribute(name) => Ok(self.source.attribute(name)),
            ExprKind::Compare { op, left, right } => {
                let l = self.eval(left)?;
                let r = self.eval(right)?;
                Ok(Value::Boolean(compare(*op, &l, &r)))
            }
            ExprKind::Call(call) => {
                if self.depth >= self.limits.max_depth {
                    return Err(Interrupt::Error(EvalError {
                        code: "too-deep",
                        message: format!("calls nest deeper than {}", self.limits.max_depth),
                        span: e.span,
                    }));
                }
                let f = call.function.ok_or_else(|| {
                    Interrupt::Error(EvalError {
                        code: "unknown-function",
                        message: format!("unknown function `{}`", call.name),
                        span: call.name_span,
                    })
                })?;
                self.depth += 1;
                let mut args = Args {
                    ev: self,
                    call,
                    span: e.span,
                };
                let r = (f.call)(&mut args);
                self.depth -= 1;
                let v = r?;
                if let Value::String(s) = &v {
                    if s.len() > self.limits.max_string_len {
                        return Err(Interrupt::Error(EvalError {
                            code: "too-long",
                            message: format!(
                                "`{}` produced {} bytes (limit {})",
                                call.name,
                                s.len(),
                                self.limits.max_string_len
                            ),
                            span: e.span,
                        }));
                    }
                }
                Ok(v)
            }
        }
    }
}

/// The system clock; `None` where there is none (WebAssembly).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn system_now() -> Option<DateTime<Utc>> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    DateTime::<Utc>::from_timestamp(i64::try_from(d.as_secs()).ok()?, d.subsec_nanos())
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn system_now() -> Option<DateTime<Utc>> {
    None
}

/// Comparison in IIF conditions (spec §1.4 note, INFERRED; COMPATIBILITY.md): numerically
/// when both sides read as numbers, chronologically when both are date-times, else ordinal
/// case-sensitive text. Null or multi-valued operands make the comparison false (Entra:
/// "If the source attribute used within the IIF function is empty or null, the condition
/// check fails"), except `<>`, which is then true.
pub fn compare(op: CompareOp, l: &Value, r: &Value) -> bool {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (l, r) {
        (Value::DateTime(a), Value::DateTime(b)) => Some(a.cmp(b)),
        _ => {
            let (Some(a), Some(b)) = (l.to_text(), r.to_text()) else {
                return op == CompareOp::Ne;
            };
            match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
                (Ok(x), Ok(y)) if !a.trim().is_empty() && !b.trim().is_empty() => x.partial_cmp(&y),
                _ => Some(a.cmp(&b)),
            }
        }
    };
    let Some(ord) = ord else {
        return op == CompareOp::Ne;
    };
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
    }
}

/// What a function implementation sees: its arguments (evaluated on demand) and the
/// evaluation context.
pub struct Args<'e, 'a> {
    ev: &'e mut Evaluator<'a>,
    call: &'e Call,
    span: Span,
}

impl<'e, 'a> Args<'e, 'a> {
    /// Number of argument positions written, including empty ones.
    pub fn len(&self) -> usize {
        self.call.args.len()
    }

    /// Whether no argument positions were written.
    pub fn is_empty(&self) -> bool {
        self.call.args.is_empty()
    }

    /// Whether position `i` holds an argument (not empty, not past the end).
    pub fn present(&self, i: usize) -> bool {
        matches!(self.call.args.get(i), Some(Some(_)))
    }

    /// Evaluates the argument at position `i`; `None` when the position is empty or absent.
    pub fn value(&mut self, i: usize) -> Result<Option<Value>, Interrupt> {
        match self.call.args.get(i) {
            Some(Some(e)) => self.ev.eval(e).map(Some),
            _ => Ok(None),
        }
    }

    /// Evaluates position `i`, treating an empty position as null.
    pub fn value_or_null(&mut self, i: usize) -> Result<Value, Interrupt> {
        Ok(self.value(i)?.unwrap_or(Value::Null))
    }

    /// When position `i` is a literal (`"True"`, `1`, `&H1F`, `vbTextCompare`), the text
    /// evaluating it gives, borrowed, at the same cost; otherwise `None`, and nothing is
    /// evaluated.
    pub(crate) fn literal(&mut self, i: usize) -> Result<Option<&'e str>, Interrupt> {
        let call: &'e Call = self.call;
        let Some(Some(e)) = call.args.get(i) else {
            return Ok(None);
        };
        match &e.kind {
            ExprKind::String(s)
            | ExprKind::Number(s)
            | ExprKind::Hex(s)
            | ExprKind::Identifier(s) => {
                self.ev.burn(1, e.span)?;
                Ok(Some(s))
            }
            _ => Ok(None),
        }
    }

    /// When position `i` is an attribute reference the source holds as JSON, that JSON
    /// (its value is `Value::from_json` of it), at the cost of evaluating the reference;
    /// otherwise `None`, and nothing is evaluated.
    pub(crate) fn lent(&mut self, i: usize) -> Result<Option<&'a serde_json::Value>, Interrupt> {
        let Some(Some(e)) = self.call.args.get(i) else {
            return Ok(None);
        };
        let ExprKind::Attribute(name) = &e.kind else {
            return Ok(None);
        };
        let source: &'a dyn Source = self.ev.source;
        let Some(j) = source.lend(name) else {
            return Ok(None);
        };
        self.ev.burn(1, e.span)?;
        Ok(Some(j))
    }

    /// The bare identifier written at position `i`, if that argument is one (e.g. `vbTextCompare`).
    pub fn identifier(&self, i: usize) -> Option<&str> {
        match self.call.args.get(i) {
            Some(Some(Expr {
                kind: ExprKind::Identifier(s),
                ..
            })) => Some(s),
            _ => None,
        }
    }

    /// The argument node at position `i` (for functions that inspect syntax, e.g. to report
    /// the attribute a value came from).
    pub fn node(&self, i: usize) -> Option<&Expr> {
        self.call.args.get(i).and_then(Option::as_ref)
    }

    /// The span of the whole call.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The span of argument `i`, or of the call when the position is empty.
    pub fn arg_span(&self, i: usize) -> Span {
        self.node(i).map_or(self.span, |e| e.span)
    }

    /// The injected clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.ev.now
    }

    /// The injected random generator.
    pub fn rng(&mut self) -> &mut SmallRng {
        &mut self.ev.rng
    }

    /// Asks the target whether `value` is taken (`SelectUniqueValue`); false without a callback.
    pub fn exists(&self, value: &str) -> bool {
        self.ev.exists.is_some_and(|f| f(value))
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.ev.limits
    }

    /// Spends `units` of fuel (call for work proportional to input size).
    pub fn burn(&mut self, units: u64) -> Result<(), Interrupt> {
        let span = self.span;
        self.ev.burn(units, span)
    }

    /// A compiled regex (cached per expression); a bad pattern is an error at argument `i`.
    pub fn regex(&self, i: usize, pattern: &str) -> Result<Arc<Regex>, Interrupt> {
        self.ev.regexes.get(pattern).map_err(|e| {
            self.arg_error(
                i,
                "invalid-regex",
                format!("invalid regular expression: {}", first_line(&e.to_string())),
            )
        })
    }

    /// An error located at the call.
    pub fn error(&self, code: &'static str, message: impl Into<String>) -> Interrupt {
        Interrupt::Error(EvalError {
            code,
            message: message.into(),
            span: self.span,
        })
    }

    /// An error located at argument `i`.
    pub fn arg_error(&self, i: usize, code: &'static str, message: impl Into<String>) -> Interrupt {
        Interrupt::Error(EvalError {
            code,
            message: message.into(),
            span: self.arg_span(i),
        })
    }

    /// The function's name as written.
    pub fn name(&self) -> &str {
        &self.call.name
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}
