//! Scoping filters (spec §3.2): clauses in a group are AND-ed, groups are OR-ed, and
//! every clause reports why it held or not.
//!
//! Decisions (docs/mapping-decisions.md):
//! * every operator is false on a null or empty attribute except `IS NULL` ("Scoping
//!   filters will return false if the value is null / empty", SCOPING);
//! * `EQUALS`, `NOT EQUALS`, `Includes`, `ENDS_WITH`, `REGEX MATCH` are case-sensitive;
//! * `REGEX MATCH` is anchored (`^(?:pattern)$`): the doc's `([1-9][0-9])` "matches any
//!   number between 10 and 99", which an unanchored search would not guarantee;
//! * `&` holds when the attribute's value occurs in the clause's value, `!&` when it does
//!   not ("exists in the input string value"); `Includes` is the other way round;
//! * several `targetOperand.values` mean any of them (all of them for the negative
//!   operators);
//! * a multi-valued attribute satisfies a clause when any value does ("Filtering is not
//!   supported for multi-valued attributes"; Graph's `multivaluedComparisonType: Any`);
//! * `IS MEMBER OF` / `IS NOT MEMBER OF` are not supported by Entra and never hold.

use crate::entra::Value;
use crate::mapping::model::{Filter, FilterClause, FilterGroup};
use serde::Serialize;
use serde_json::Value as Json;

/// The operators, by Graph `operatorName` (portal labels accepted, case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `EQUALS`
    Equals,
    /// `NOT EQUALS`
    NotEquals,
    /// `IS TRUE`
    IsTrue,
    /// `IS FALSE`
    IsFalse,
    /// `IS NULL`
    IsNull,
    /// `IS NOT NULL`
    IsNotNull,
    /// `REGEX MATCH`
    RegexMatch,
    /// `NOT REGEX MATCH`
    NotRegexMatch,
    /// `Greater_Than`
    GreaterThan,
    /// `Greater_Than_OR_EQUALS`
    GreaterThanOrEquals,
    /// `Less_Than` (not in the current docs; by symmetry)
    LessThan,
    /// `Less_Than_OR_EQUALS` (not in the current docs; by symmetry)
    LessThanOrEquals,
    /// `Includes`
    Includes,
    /// `&`
    In,
    /// `!&`
    NotIn,
    /// `ENDS_WITH`
    EndsWith,
    /// `IS MEMBER OF` (unsupported by Entra)
    IsMemberOf,
    /// `IS NOT MEMBER OF` (unsupported by Entra)
    IsNotMemberOf,
}

/// Every operator with its Graph spelling.
pub const OPERATORS: &[(&str, Operator)] = &[
    ("NOT REGEX MATCH", Operator::NotRegexMatch),
    ("REGEX MATCH", Operator::RegexMatch),
    ("NOT EQUALS", Operator::NotEquals),
    ("EQUALS", Operator::Equals),
    ("IS NOT NULL", Operator::IsNotNull),
    ("IS NULL", Operator::IsNull),
    ("IS TRUE", Operator::IsTrue),
    ("IS FALSE", Operator::IsFalse),
    ("IS NOT MEMBER OF", Operator::IsNotMemberOf),
    ("IS MEMBER OF", Operator::IsMemberOf),
    ("Greater_Than_OR_EQUALS", Operator::GreaterThanOrEquals),
    ("Greater_Than", Operator::GreaterThan),
    ("Less_Than_OR_EQUALS", Operator::LessThanOrEquals),
    ("Less_Than", Operator::LessThan),
    ("Includes", Operator::Includes),
    ("ENDS_WITH", Operator::EndsWith),
    ("!&", Operator::NotIn),
    ("&", Operator::In),
];

impl Operator {
    /// Reads an operator name: Graph spelling, any case, `_` or space between words.
    pub fn parse(s: &str) -> Option<Operator> {
        // Compared without allocating: scoping runs for every provisioned object.
        let letters = |x: &'static str| x.chars().filter(|c| !matches!(c, '_' | ' '));
        let given = || {
            s.trim()
                .chars()
                .filter(|c| !matches!(c, '_' | ' '))
                .map(|c| c.to_ascii_uppercase())
        };
        OPERATORS
            .iter()
            .find(|(name, _)| letters(name).map(|c| c.to_ascii_uppercase()).eq(given()))
            .map(|(_, op)| *op)
    }

    /// The Graph spelling.
    pub fn name(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("", |(n, _)| n)
    }

    /// Whether the operator takes no value.
    pub fn is_unary(self) -> bool {
        matches!(
            self,
            Operator::IsTrue | Operator::IsFalse | Operator::IsNull | Operator::IsNotNull
        )
    }
}

/// Why one clause held or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClauseResult {
    /// `attribute OPERATOR value`.
    pub clause: String,
    /// Whether it held.
    pub passed: bool,
    /// Explanation.
    pub reason: String,
}

/// One group's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    /// Group name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether every clause held.
    pub passed: bool,
    /// Clause results.
    pub clauses: Vec<ClauseResult>,
}

/// Whether an object is in scope, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeResult {
    /// In scope.
    pub in_scope: bool,
    /// One-line explanation.
    pub reason: String,
    /// Per group.
    pub groups: Vec<GroupResult>,
}

/// Evaluates the scope's `groups` (the normal scope; the experimental input and category
/// groups are not evaluated) against a source object.
pub fn evaluate(filter: Option<&Filter>, source: &Json) -> ScopeResult {
    let groups: &[FilterGroup] = filter.and_then(|f| f.groups.as_deref()).unwrap_or(&[]);
    if groups.iter().all(|g| g.clauses.is_empty()) {
        return ScopeResult {
            in_scope: true,
            reason: "no scoping filter: every assigned object is in scope".into(),
            groups: Vec::new(),
        };
    }
    let results: Vec<GroupResult> = groups
        .iter()
        .filter(|g| !g.clauses.is_empty())
        .map(|g| {
            let clauses: Vec<ClauseResult> = g.clauses.iter().map(|c| clause(c, source)).collect();
            GroupResult {
                name: g.name.clone(),
                passed: clauses.iter().all(|c| c.passed),
                clauses,
            }
        })
        .collect();
    let hit = results.iter().position(|g| g.passed);
    let reason = match hit {
        Some(i) => format!(
            "in scope: every clause of scoping filter {} holds",
            group_label(results.get(i), i)
        ),
        None => {
            let why: Vec<String> = results
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let failed: Vec<String> = g
                        .clauses
                        .iter()
                        .filter(|c| !c.passed)
                        .map(|c| format!("{} ({})", c.clause, c.reason))
                        .collect();
                    format!("{}: {}", group_label(Some(g), i), failed.join("; "))
                })
                .collect();
            format!(
                "out of scope: no scoping filter holds — {}",
                why.join(" | ")
            )
        }
    };
    ScopeResult {
        in_scope: hit.is_some(),
        reason,
        groups: results,
    }
}

fn group_label(g: Option<&GroupResult>, i: usize) -> String {
    match g.and_then(|g| g.name.as_deref()) {
        Some(n) => format!("`{n}`"),
        None => format!("#{}", i + 1),
    }
}

fn clause_text(c: &FilterClause) -> String {
    let values = c
        .target_operand
        .as_ref()
        .and_then(Option::as_ref)
        .map(|o| o.values.join(", "))
        .unwrap_or_default();
    if values.is_empty() {
        format!("{} {}", c.source_operand_name, c.operator_name)
    } else {
        format!("{} {} {}", c.source_operand_name, c.operator_name, values)
    }
}

/// Reads a source attribute (exact name, then case-insensitive).
fn attribute(source: &Json, name: &str) -> Value {
    let Some(obj) = source.as_object() else {
        return Value::Null;
    };
    obj.get(name)
        .or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .map_or(Value::Null, Value::from_json)
}

fn result(c: &FilterClause, passed: bool, reason: impl Into<String>) -> ClauseResult {
    ClauseResult {
        clause: clause_text(c),
        passed,
        reason: reason.into(),
    }
}

/// Compiles a scoping regex, anchored (see the module docs), with the evaluator's size
/// limits. Compilations are cached for the process: scoping runs once per provisioned
/// object, and the patterns are constants of the mapping.
pub fn compile_regex(pattern: &str) -> Result<std::sync::Arc<regex::Regex>, regex::Error> {
    crate::entra::RegexCache::shared().get(&format!("^(?:{pattern})$"))
}

fn clause(c: &FilterClause, source: &Json) -> ClauseResult {
    let Some(op) = Operator::parse(&c.operator_name) else {
        return result(c, false, format!("unknown operator `{}`", c.operator_name));
    };
    let value = attribute(source, &c.source_operand_name);
    let shown = |v: &Value| match v.to_text() {
        Some(t) => format!("`{}` is \"{t}\"", c.source_operand_name),
        None => format!("`{}` is {}", c.source_operand_name, v.kind()),
    };
    let values = c.values();
    match op {
        Operator::IsNull => {
            let p = value.is_null_or_empty();
            return result(
                c,
                p,
                if p {
                    format!("`{}` is empty", c.source_operand_name)
                } else {
                    shown(&value)
                },
            );
        }
        Operator::IsMemberOf | Operator::IsNotMemberOf => {
            return result(c, false, "IsMemberOf filters are not supported by Entra");
        }
        _ => {}
    }
    if value.is_null_or_empty() {
        return result(
            c,
            false,
            format!(
                "`{}` is empty, and scoping clauses are false on empty values",
                c.source_operand_name
            ),
        );
    }
    if !op.is_unary() && values.is_empty() {
        return result(c, false, "the clause has no value to compare with");
    }
    let texts: Vec<String> = value.elements().iter().filter_map(Value::to_text).collect();
    let any = |f: &dyn Fn(&str) -> bool| texts.iter().any(|t| f(t));
    let passed: Result<bool, String> = match op {
        Operator::IsNotNull => Ok(true),
        Operator::IsTrue | Operator::IsFalse => match value.as_bool() {
            Some(b) => Ok(b == (op == Operator::IsTrue)),
            None => Err(format!("{} is not a boolean", shown(&value))),
        },
        Operator::Equals => Ok(any(&|t| values.iter().any(|v| t == v))),
        Operator::NotEquals => Ok(any(&|t| values.iter().all(|v| t != v))),
        Operator::Includes => Ok(any(&|t| values.iter().any(|v| t.contains(v.as_str())))),
        Operator::EndsWith => Ok(any(&|t| values.iter().any(|v| t.ends_with(v.as_str())))),
        Operator::In => Ok(any(&|t| values.iter().any(|v| v.contains(t)))),
        Operator::NotIn => Ok(any(&|t| values.iter().all(|v| !v.contains(t)))),
        Operator::RegexMatch | Operator::NotRegexMatch => {
            let mut out = Ok(false);
            for v in values {
                match compile_regex(v) {
                    Ok(re) => {
                        if any(&|t| re.is_match(t)) {
                            out = Ok(true);
                        }
                    }
                    Err(e) => {
                        out = Err(format!("invalid regular expression `{v}`: {e}"));
                        break;
                    }
                }
            }
            out.map(|m| if op == Operator::RegexMatch { m } else { !m })
        }
        Operator::GreaterThan
        | Operator::GreaterThanOrEquals
        | Operator::LessThan
        | Operator::LessThanOrEquals => {
            let lhs: Vec<i64> = texts
                .iter()
                .filter_map(|t| crate::entra::value::parse_integer(t))
                .collect();
            let rhs: Vec<i64> = values
                .iter()
                .filter_map(|t| crate::entra::value::parse_integer(t))
                .collect();
            if lhs.is_empty() {
                Err(format!("{} is not an integer", shown(&value)))
            } else if rhs.len() != values.len() {
                Err("the clause's value is not an integer".into())
            } else {
                Ok(lhs.iter().any(|l| {
                    rhs.iter().any(|r| match op {
                        Operator::GreaterThan => l > r,
                        Operator::GreaterThanOrEquals => l >= r,
                        Operator::LessThan => l < r,
                        _ => l <= r,
                    })
                }))
            }
        }
        Operator::IsNull | Operator::IsMemberOf | Operator::IsNotMemberOf => Ok(false),
    };
    match passed {
        Ok(p) => result(
            c,
            p,
            format!(
                "{}{}",
                shown(&value),
                if p { "" } else { ", so it does not hold" }
            ),
        ),
        Err(reason) => result(c, false, reason),
    }
}
