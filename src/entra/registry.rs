//! The function registry: one table row per Entra function (name, parameters, doc line,
//! implementation). The checker, the Graph converter, COMPATIBILITY.md, the playground's
//! autocomplete and the npm `functions()` list are all read from it.

use crate::entra::eval::{Args, Interrupt};
use crate::entra::value::Value;

/// What kind of literal a parameter accepts (checked statically on literals only;
/// attributes and calls are checked when evaluated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Anything.
    Any,
    /// A string (number literals are accepted: they are strings in Entra).
    String,
    /// A number: a number literal, a hex literal, or a string literal holding a number.
    Number,
    /// One of the listed bare identifiers (e.g. `vbTextCompare`).
    Enum(&'static [&'static str]),
}

/// One formal parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Name as in Microsoft's documentation / Graph `parameters[].key`.
    pub name: &'static str,
    /// Accepted literal kind.
    pub kind: Kind,
    /// Whether the argument must be present.
    pub required: bool,
}

/// How the tail of the parameter list repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Fixed list.
    None,
    /// The last parameter repeats (`Join(separator, source1, source2, …)`).
    Last,
    /// The last two parameters repeat as pairs (`Switch(source, default, key1, value1, …)`).
    Pairs,
}

/// The signature of a function implementation.
pub type Implementation = fn(&mut Args<'_, '_>) -> Result<Value, Interrupt>;

/// A registry row.
pub struct Function {
    /// Name exactly as documented (`IIF`, `IsNullOrEmpty`).
    pub name: &'static str,
    /// Formal parameters.
    pub params: &'static [Param],
    /// Repetition of the tail.
    pub repeat: Repeat,
    /// One-line description.
    pub doc: &'static str,
    /// Where it is documented (`FUNCS`, `CUSTOMIZE`, `G-FUNCS`).
    pub source: &'static str,
    /// The implementation.
    pub call: Implementation,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Function({})", self.name)
    }
}

impl PartialEq for Function {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Function {
    /// Smallest accepted number of argument positions.
    pub fn min_args(&self) -> usize {
        // Every position up to the last required parameter must be written, even if empty.
        self.params
            .iter()
            .rposition(|p| p.required)
            .map_or(0, |i| i + 1)
    }

    /// Largest accepted number of argument positions (`None` = unbounded).
    pub fn max_args(&self) -> Option<usize> {
        match self.repeat {
            Repeat::None => Some(self.params.len()),
            Repeat::Last | Repeat::Pairs => None,
        }
    }

    /// Whether `n` argument positions fit this signature.
    pub fn accepts(&self, n: usize) -> bool {
        if n < self.min_args() {
            return false;
        }
        match self.repeat {
            Repeat::None => n <= self.params.len(),
            Repeat::Last => true,
            Repeat::Pairs => {
                let fixed = self.params.len().saturating_sub(2);
                n >= self.params.len() && (n - fixed) % 2 == 0
            }
        }
    }

    /// The formal parameter at position `i` (repeating tails map onto their last one or two).
    pub fn param(&self, i: usize) -> Option<&'static Param> {
        let n = self.params.len();
        if i < n {
            return self.params.get(i);
        }
        match self.repeat {
            Repeat::None => None,
            Repeat::Last => self.params.last(),
            Repeat::Pairs => {
                let fixed = n.checked_sub(2)?;
                self.params.get(fixed + (i - fixed) % 2)
            }
        }
    }

    /// A human signature, e.g. `Join(separator, source1, …)`.
    pub fn signature(&self) -> String {
        let mut parts: Vec<String> = self
            .params
            .iter()
            .map(|p| {
                if p.required {
                    p.name.to_string()
                } else {
                    format!("[{}]", p.name)
                }
            })
            .collect();
        if self.repeat != Repeat::None {
            parts.push("…".into());
        }
        format!("{}({})", self.name, parts.join(", "))
    }
}

/// Every function, in alphabetical order.
pub fn functions() -> &'static [Function] {
    crate::entra::functions::TABLE
}

/// Looks a function up by its exact (case-sensitive) name.
pub fn lookup(name: &str) -> Option<&'static Function> {
    functions().iter().find(|f| f.name == name)
}
