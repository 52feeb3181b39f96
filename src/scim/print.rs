//! Canonical filter printer: lower-case operators and keywords, single spaces, JSON
//! strings and numbers, `not (…)`, and parentheses only where precedence needs them
//! (so that `parse(print(f)) == f` up to spans).

use crate::scim::ast::{CompValue, Filter};
use std::fmt::{self, Write};

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => write!(f, "{}", serde_json::Value::String(s.clone())),
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        print(self, &mut out)?;
        f.write_str(&out)
    }
}

/// Prints with an explicit work stack (no recursion on untrusted depth).
fn print(root: &Filter, out: &mut String) -> fmt::Result {
    enum Item<'a> {
        Node(&'a Filter),
        Text(&'static str),
        Owned(String),
    }
    let mut stack = vec![Item::Node(root)];
    while let Some(item) = stack.pop() {
        let node = match item {
            Item::Text(t) => {
                out.push_str(t);
                continue;
            }
            Item::Owned(t) => {
                out.push_str(&t);
                continue;
            }
            Item::Node(n) => n,
        };
        match node {
            Filter::Compare {
                path, op, value, ..
            } => write!(out, "{path} {} {value}", op.as_str())?,
            Filter::Present { path, .. } => write!(out, "{path} pr")?,
            Filter::Not { inner, .. } => {
                out.push_str("not (");
                stack.push(Item::Text(")"));
                stack.push(Item::Node(inner));
            }
            Filter::And { operands, .. } | Filter::Or { operands, .. } => {
                let is_and = matches!(node, Filter::And { .. });
                let sep = if is_and { " and " } else { " or " };
                for (i, o) in operands.iter().enumerate().rev() {
                    // `and` binds tighter than `or`, so only an `and` directly inside `or`
                    // goes without parentheses; other nesting is kept explicit.
                    let paren = matches!(o, Filter::Or { .. })
                        || (is_and && matches!(o, Filter::And { .. }));
                    if paren {
                        stack.push(Item::Text(")"));
                        stack.push(Item::Node(o));
                        stack.push(Item::Text("("));
                    } else {
                        stack.push(Item::Node(o));
                    }
                    if i > 0 {
                        stack.push(Item::Text(sep));
                    }
                }
            }
            Filter::ValuePath {
                path, filter, tail, ..
            } => {
                write!(out, "{path}[")?;
                match tail.as_deref() {
                    Some(Filter::Compare {
                        path: p, op, value, ..
                    }) => stack.push(Item::Owned(format!("].{p} {} {value}", op.as_str()))),
                    Some(Filter::Present { path: p, .. }) => {
                        stack.push(Item::Owned(format!("].{p} pr")));
                    }
                    _ => stack.push(Item::Text("]")),
                }
                stack.push(Item::Node(filter));
            }
        }
    }
    Ok(())
}
