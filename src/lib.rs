//! scimmap: Microsoft Entra ID attribute-mapping expressions and SCIM 2.0 paths, filters
//! and PATCH, in one engine that runs natively and in WebAssembly.
//!
//! ```
//! use scimmap::entra::{Expression, EvalOptions, Outcome, Value};
//! let expr = Expression::parse(r#"Join(" ", [givenName], [surname])"#).unwrap();
//! let user = serde_json::json!({"givenName": "Ada", "surname": "Lovelace"});
//! let out = expr.evaluate(&user, &EvalOptions::default()).unwrap();
//! assert_eq!(out, Outcome::Value(Value::from("Ada Lovelace")));
//! ```
#![warn(missing_docs)]

#[cfg(feature = "cli")]
pub mod cli;
pub mod diagnostic;
pub mod entra;
pub mod limits;
pub mod mapping;
mod memo;
pub mod proxy;
pub mod scim;
pub mod span;
pub mod suggest;
mod syntax;

pub use diagnostic::{Diagnostic, ParseError, Severity};
pub use limits::Limits;
pub use span::Span;
