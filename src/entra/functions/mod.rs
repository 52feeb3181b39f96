//! The registry table. One row per function; implementations live in family files.

mod string;

use crate::entra::registry::{Function, Kind, Param, Repeat};

const fn req(name: &'static str, kind: Kind) -> Param {
    Param {
        name,
        kind,
        required: true,
    }
}

const fn opt(name: &'static str, kind: Kind) -> Param {
    Param {
        name,
        kind,
        required: false,
    }
}

/// Every function, alphabetical.
pub(crate) static TABLE: &[Function] = &[
    Function {
        name: "Join",
        params: &[req("separator", Kind::String), req("source", Kind::Any)],
        repeat: Repeat::Last,
        doc: "Joins the sources with the separator; multi-valued sources contribute every value, null and empty sources are skipped.",
        source: "FUNCS",
        call: string::join,
    },
    Function {
        name: "ToLower",
        params: &[req("source", Kind::String), opt("culture", Kind::String)],
        repeat: Repeat::None,
        doc: "Converts to lower case, optionally with a culture's rules (e.g. tr-TR).",
        source: "FUNCS",
        call: string::to_lower,
    },
];
