//! Filter syntax tree (RFC 7644 §3.4.2.2). Names follow the ABNF (`attrPath` → [`AttrPath`],
//! `compValue` → [`CompValue`]) so the code can be checked against the RFC line by line.
//!
//! The tree is plain data with spans; it is unstable until 1.0.

use crate::span::Span;
use std::fmt;

/// `attrPath = [URI ":"] ATTRNAME *1subAttr`, names as written (comparison is
/// case-insensitive, RFC 7644 §3.10).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// Schema URN without the trailing `:` (`urn:ietf:params:scim:schemas:core:2.0:User`).
    pub uri: Option<String>,
    /// Attribute name.
    pub attr: String,
    /// Sub-attribute name.
    pub sub: Option<String>,
    /// Where the path was written (default when built by hand).
    pub span: Span,
}

impl AttrPath {
    /// A path from its parts, without a span.
    pub fn new(uri: Option<&str>, attr: &str, sub: Option<&str>) -> Self {
        AttrPath {
            uri: uri.map(str::to_string),
            attr: attr.to_string(),
            sub: sub.map(str::to_string),
            span: Span::default(),
        }
    }

    /// Whether two paths name the same attribute (every facet compared case-insensitively,
    /// RFC 7644 §3.10).
    pub fn same_attribute(&self, other: &AttrPath) -> bool {
        fn eq_opt(a: &Option<String>, b: &Option<String>) -> bool {
            match (a, b) {
                (None, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            }
        }
        eq_opt(&self.uri, &other.uri)
            && self.attr.eq_ignore_ascii_case(&other.attr)
            && eq_opt(&self.sub, &other.sub)
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(uri) = &self.uri {
            write!(f, "{uri}:")?;
        }
        f.write_str(&self.attr)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// `compareOp` (RFC 7644 §3.4.2.2, Table 3), without `pr`, which takes no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Contains.
    Co,
    /// Starts with.
    Sw,
    /// Ends with.
    Ew,
    /// Greater than.
    Gt,
    /// Greater than or equal to.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal to.
    Le,
}

impl CompareOp {
    /// The operator as printed (lower case).
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// Parses an operator, case-insensitively.
    pub fn from_name(s: &str) -> Option<CompareOp> {
        Some(match s.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }
}

/// `compValue = false / null / true / number / string` (JSON, RFC 7159).
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number.
    Number(serde_json::Number),
    /// A JSON string, unescaped.
    String(String),
}

impl CompValue {
    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            CompValue::Null => serde_json::Value::Null,
            CompValue::Bool(b) => serde_json::Value::Bool(*b),
            CompValue::Number(n) => serde_json::Value::Number(n.clone()),
            CompValue::String(s) => serde_json::Value::String(s.clone()),
        }
    }

    /// A value from JSON; arrays and objects have no filter form.
    pub fn from_json(v: &serde_json::Value) -> Option<CompValue> {
        Some(match v {
            serde_json::Value::Null => CompValue::Null,
            serde_json::Value::Bool(b) => CompValue::Bool(*b),
            serde_json::Value::Number(n) => CompValue::Number(n.clone()),
            serde_json::Value::String(s) => CompValue::String(s.clone()),
            _ => return None,
        })
    }
}

/// A parsed filter. `and`/`or` are n-ary so long chains do not nest (no deep recursion).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Filter {
    /// `attrPath compareOp compValue`.
    Compare {
        /// Left-hand attribute.
        path: AttrPath,
        /// Operator.
        op: CompareOp,
        /// Right-hand value.
        value: CompValue,
        /// Source span.
        span: Span,
    },
    /// `attrPath pr`.
    Present {
        /// Attribute tested.
        path: AttrPath,
        /// Source span.
        span: Span,
    },
    /// Every operand matches (two or more).
    And {
        /// Operands.
        operands: Vec<Filter>,
        /// Source span.
        span: Span,
    },
    /// Some operand matches (two or more).
    Or {
        /// Operands.
        operands: Vec<Filter>,
        /// Source span.
        span: Span,
    },
    /// `not (FILTER)`.
    Not {
        /// Negated filter.
        inner: Box<Filter>,
        /// Source span.
        span: Span,
    },
    /// `attrPath[valFilter]`, optionally followed by `.subAttr` and a test (Entra form
    /// `emails[type eq "work"].value eq "x"`); both apply to the same element.
    ValuePath {
        /// The multi-valued (or complex) attribute.
        path: AttrPath,
        /// Filter over one element; its paths are relative to the element.
        filter: Box<Filter>,
        /// `Compare`/`Present` on a sub-attribute of the same element.
        tail: Option<Box<Filter>>,
        /// Source span.
        span: Span,
    },
}

impl Filter {
    /// The source span of this node.
    pub fn span(&self) -> Span {
        match self {
            Filter::Compare { span, .. }
            | Filter::Present { span, .. }
            | Filter::And { span, .. }
            | Filter::Or { span, .. }
            | Filter::Not { span, .. }
            | Filter::ValuePath { span, .. } => *span,
        }
    }

    /// A copy with every span reset, for comparing trees parsed from different text.
    pub fn without_spans(&self) -> Filter {
        let mut f = self.clone();
        f.visit_mut(&mut |node| match node {
            Filter::Compare { path, span, .. } | Filter::Present { path, span } => {
                *span = Span::default();
                path.span = Span::default();
            }
            Filter::ValuePath { path, span, .. } => {
                *span = Span::default();
                path.span = Span::default();
            }
            Filter::And { span, .. } | Filter::Or { span, .. } | Filter::Not { span, .. } => {
                *span = Span::default();
            }
        });
        f
    }

    /// Calls `f` on every node (pre-order), with an explicit stack instead of recursion.
    pub fn visit_mut(&mut self, f: &mut dyn FnMut(&mut Filter)) {
        let mut stack: Vec<&mut Filter> = vec![self];
        while let Some(node) = stack.pop() {
            f(node);
            match node {
                Filter::And { operands, .. } | Filter::Or { operands, .. } => {
                    stack.extend(operands.iter_mut());
                }
                Filter::Not { inner, .. } => stack.push(inner),
                Filter::ValuePath { filter, tail, .. } => {
                    stack.push(filter);
                    if let Some(t) = tail {
                        stack.push(t);
                    }
                }
                Filter::Compare { .. } | Filter::Present { .. } => {}
            }
        }
    }

    /// Calls `f` on every node (pre-order) without recursion.
    pub fn visit(&self, f: &mut dyn FnMut(&Filter)) {
        let mut stack: Vec<&Filter> = vec![self];
        while let Some(node) = stack.pop() {
            f(node);
            match node {
                Filter::And { operands, .. } | Filter::Or { operands, .. } => {
                    stack.extend(operands.iter().rev());
                }
                Filter::Not { inner, .. } => stack.push(inner),
                Filter::ValuePath { filter, tail, .. } => {
                    if let Some(t) = tail {
                        stack.push(t);
                    }
                    stack.push(filter);
                }
                Filter::Compare { .. } | Filter::Present { .. } => {}
            }
        }
    }

    /// Nesting depth of the tree (1 for a leaf).
    pub fn depth(&self) -> usize {
        let mut max = 0;
        let mut stack: Vec<(&Filter, usize)> = vec![(self, 1)];
        while let Some((node, d)) = stack.pop() {
            max = max.max(d);
            match node {
                Filter::And { operands, .. } | Filter::Or { operands, .. } => {
                    stack.extend(operands.iter().map(|o| (o, d + 1)));
                }
                Filter::Not { inner, .. } => stack.push((inner, d + 1)),
                Filter::ValuePath { filter, tail, .. } => {
                    stack.push((filter, d + 1));
                    if let Some(t) = tail {
                        stack.push((t, d + 1));
                    }
                }
                Filter::Compare { .. } | Filter::Present { .. } => {}
            }
        }
        max
    }
}
