//! A registry table for unit tests: the signatures spec §2 documents (parameter names in
//! Graph's spelling), independent of which functions the real table implements yet.
#![allow(missing_docs)]

use crate::entra::eval::{Args, Interrupt};
use crate::entra::registry::{Function, Kind, Param, Repeat};
use crate::entra::value::Value;

fn nothing(_: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    Ok(Value::Null)
}

const fn p(name: &'static str, kind: Kind, required: bool) -> Param {
    Param {
        name,
        kind,
        required,
    }
}

const fn f(name: &'static str, params: &'static [Param], repeat: Repeat) -> Function {
    Function {
        name,
        params,
        repeat,
        doc: "",
        source: "test",
        call: nothing,
    }
}

const COMPARE: Kind = Kind::Enum(&["vbTextCompare", "vbBinaryCompare"]);

pub(crate) static TABLE: &[Function] = &[
    f(
        "IIF",
        &[
            p("condition", Kind::Any, true),
            p("valueIfTrue", Kind::Any, true),
            p("valueIfFalse", Kind::Any, true),
        ],
        Repeat::None,
    ),
    f(
        "InStr",
        &[
            p("value1", Kind::String, true),
            p("value2", Kind::String, true),
            p("start", Kind::Number, false),
            p("compareType", COMPARE, false),
        ],
        Repeat::None,
    ),
    f("IsPresent", &[p("source", Kind::Any, true)], Repeat::None),
    f(
        "Join",
        &[
            p("separator", Kind::String, true),
            p("source", Kind::Any, true),
        ],
        Repeat::Last,
    ),
    f(
        "Mid",
        &[
            p("source", Kind::String, true),
            p("start", Kind::Number, true),
            p("length", Kind::Number, true),
        ],
        Repeat::None,
    ),
    f("Not", &[p("source", Kind::Any, true)], Repeat::None),
    f("Now", &[], Repeat::None),
    f(
        "Replace",
        &[
            p("source", Kind::String, true),
            p("Find", Kind::String, false),
            p("RegularExpression", Kind::String, false),
            p("RegularExpressionGroupName", Kind::String, false),
            p("Replacement", Kind::String, false),
            p("ReplacementPropertyName", Kind::String, false),
            p("Template", Kind::String, false),
        ],
        Repeat::None,
    ),
    f(
        "SelectUniqueValue",
        &[p("uniqueValueRule", Kind::Any, true)],
        Repeat::Last,
    ),
    f(
        "Switch",
        &[
            p("source", Kind::Any, true),
            p("defaultValue", Kind::Any, false),
            p("key", Kind::Any, true),
            p("value", Kind::Any, true),
        ],
        Repeat::Pairs,
    ),
];
