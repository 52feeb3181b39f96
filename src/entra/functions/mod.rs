//! The registry table. One row per function; implementations live in family files:
//! `string` (text), `logic` (booleans, null tests, lists, control flow), `date`,
//! `replace` (Replace and its .NET regex dialect), `diacritics`, `random` (Guid,
//! RandomString) and `roles` (app role assignments and other catalogue-only names).
//!
//! Parameter names are Microsoft's (Graph `parameters[].key` where the Graph catalogue
//! lists the function); the checker reads arity and literal kinds from here.

mod date;
mod diacritics;
mod logic;
mod random;
mod replace;
mod roles;
mod string;

use crate::entra::eval::{Args, Interrupt};
use crate::entra::registry::{Function, Kind, Param, Repeat};
use crate::entra::value::Value;

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

const S: Kind = Kind::String;
const N: Kind = Kind::Number;
const A: Kind = Kind::Any;
const COMPARE: Kind = Kind::Enum(&["vbTextCompare", "vbBinaryCompare"]);

macro_rules! row {
    ($name:literal, [$($p:expr),* $(,)?], $repeat:ident, $source:literal, $call:path, $doc:literal) => {
        Function {
            name: $name,
            params: &[$($p),*],
            repeat: Repeat::$repeat,
            doc: $doc,
            source: $source,
            call: $call,
        }
    };
}

/// Every function, alphabetical.
pub(crate) static TABLE: &[Function] = &[
    row!("Append", [req("source", S), req("suffix", S)], None, "FUNCS", string::append,
        "Appends the suffix to the end of the source string."),
    row!("AppRoleAssignments", [req("source", S)], None, "G-FUNCS", roles::app_role_assignments,
        "Catalogue-only: the role values of the user's app role assignments, as a multi-valued string."),
    row!("AppRoleAssignmentsComplex", [req("source", A)], None, "FUNCS", roles::app_role_assignments_complex,
        "Converts the app role assignments into SCIM `roles` objects (primary false, displayName, value)."),
    row!("AssertiveAppRoleAssignmentsComplex", [req("source", A)], None, "CUSTOMIZE", roles::assertive_app_role_assignments_complex,
        "Like AppRoleAssignmentsComplex, but the target's whole `roles` list is replaced (roles not assigned are removed)."),
    row!("BitAnd", [req("value1", N), req("value2", N)], None, "FUNCS", logic::bit_and,
        "Bitwise AND of two integers (decimal or VB hex such as &HF)."),
    row!("CBool", [req("expression", A)], None, "FUNCS", logic::cbool,
        "True if the expression is true or a non-zero number, else False."),
    row!("CDate", [req("expression", S)], None, "FUNCS", date::cdate,
        "Parses a date-time string into a UTC DateTime (rendered M/d/yyyy h:mm:ss tt)."),
    row!("Coalesce", [req("source", A)], Last, "FUNCS", logic::coalesce,
        "Returns the first argument that isn't null (the last one may be a default value)."),
    row!("ConvertToBase64", [req("source", S)], None, "FUNCS", string::convert_to_base64,
        "Base64 of the string's UTF-16LE (\"Unicode\") bytes."),
    row!("ConvertToUTF8Hex", [req("source", S)], None, "FUNCS", string::convert_to_utf8_hex,
        "The string's UTF-8 bytes as uppercase hexadecimal."),
    row!("Count", [req("attribute", A)], None, "FUNCS", logic::count,
        "The number of values in a multi-valued attribute (0 when null or empty)."),
    row!("CStr", [req("value", A)], None, "FUNCS", logic::cstr,
        "Converts a value (number, boolean, date, reference) to its string form."),
    row!("DateAdd", [req("interval", S), req("value", N), req("dateTime", A)], None, "FUNCS", date::date_add,
        "Adds value intervals (yyyy, q, m, y, d, w, ww, h, n, s) to a date-time."),
    row!("DateDiff", [req("interval", S), req("date1", A), req("date2", A)], None, "FUNCS", date::date_diff,
        "Number of intervals from date1 to date2 (VB calendar-boundary semantics; negative if date2 is earlier)."),
    row!("DateFromNum", [req("value", N)], None, "FUNCS", date::date_from_num,
        "Converts an AD FILETIME number (100 ns ticks since 1601) to a DateTime."),
    row!("DefaultDomain", [], None, "G-FUNCS", roles::default_domain,
        "Catalogue-only: the tenant's default domain (no tenant context here: null)."),
    row!("FormatDateTime", [req("source", S), opt("dateTimeStyles", S), req("inputFormat", S), req("outputFormat", S)], None, "FUNCS", date::format_date_time,
        "Parses the source with a .NET input format and writes it with a .NET output format."),
    row!("Guid", [], None, "FUNCS", random::guid,
        "A new random GUID (lowercase, 8-4-4-4-12)."),
    row!("IgnoreFlowIfNullOrEmpty", [req("expression", A)], None, "FUNCS", logic::ignore_flow_if_null_or_empty,
        "Drops the target attribute from the flow when the expression is null or empty."),
    row!("IIF", [req("condition", A), req("valueIfTrue", A), req("valueIfFalse", A)], None, "FUNCS", logic::iif,
        "Returns valueIfTrue when the condition holds, else valueIfFalse."),
    row!("InStr", [req("value1", S), req("value2", S), opt("start", N), opt("compareType", COMPARE)], None, "FUNCS", string::instr,
        "1-based position of value2 in value1 from start (0 if absent); vbTextCompare ignores case."),
    row!("IsNothing", [req("source", A)], None, "G-FUNCS", logic::is_null,
        "Catalogue-only: same as IsNull."),
    row!("IsNull", [req("expression", A)], None, "FUNCS", logic::is_null,
        "True if the expression is null (an absent attribute)."),
    row!("IsNullOrEmpty", [req("expression", A)], None, "FUNCS", logic::is_null_or_empty,
        "True if the expression is null or the empty string."),
    row!("IsPresent", [req("expression", A)], None, "FUNCS", logic::is_present,
        "True if the expression is neither null nor empty."),
    row!("IsString", [req("expression", A)], None, "FUNCS", logic::is_string,
        "True if the expression can be evaluated to a single string."),
    row!("Item", [req("attribute", A), req("index", N)], None, "FUNCS", logic::item,
        "The index-th (1-based) value of a multi-valued attribute; null when out of range."),
    row!("Join", [req("separator", S), req("source", A)], Last, "FUNCS", string::join,
        "Joins the sources with the separator; multi-valued sources contribute every value, null and empty sources are skipped."),
    row!("Left", [req("String", S), req("NumChars", N)], None, "FUNCS", string::left,
        "The first NumChars characters (the whole string if shorter or NumChars < 0; \"\" for null)."),
    row!("Mid", [req("source", S), req("start", N), req("length", N)], None, "FUNCS", string::mid,
        "length characters from the 1-based start (fewer at the end of the string)."),
    row!("NormalizeDiacritics", [req("source", S)], None, "FUNCS", diacritics::normalize_diacritics,
        "Replaces the documented diacritical characters with their plain equivalents (ä → a, ß → ss, Ø → OE)."),
    row!("Not", [req("source", A)], None, "FUNCS", logic::not,
        "False if the source is True, otherwise True."),
    row!("Now", [], None, "FUNCS", date::now,
        "The current UTC date-time."),
    row!("NumFromDate", [req("value", A)], None, "FUNCS", date::num_from_date,
        "Converts a date-time to an AD FILETIME number (for accountExpires)."),
    row!("PCase", [req("source", S), opt("wordSeparators", S)], None, "FUNCS", string::pcase,
        "Lower-cases, then upper-cases the first letter of each word (.NET ToTitleCase separators, or the given ones)."),
    row!("Prepend", [req("prefix", S), req("source", S)], None, "G-FUNCS", string::prepend,
        "Catalogue-only: the prefix followed by the source."),
    row!("RandomString", [req("Length", N), req("MinimumNumbers", N), req("MinimumSpecialCharacters", N), req("MinimumCapital", N), req("MinimumLowerCase", N), opt("CharactersToAvoid", S)], None, "FUNCS", random::random_string,
        "A random string of Length characters with the given minimum digits, specials, capitals and lowercase letters."),
    row!("Redact", [req("source", A)], None, "FUNCS", logic::redact,
        "Returns the value unchanged; provisioning logs show \"[Redact]\" instead."),
    row!("RemoveDuplicates", [req("attribute", A)], None, "FUNCS", logic::remove_duplicates,
        "The values of a multi-valued attribute without duplicates (case-sensitive, first occurrence kept)."),
    row!("Replace", [req("source", S), opt("Find", S), opt("RegularExpression", S), opt("RegularExpressionGroupName", S), opt("Replacement", S), opt("ReplacementPropertyName", A), opt("Template", S)], None, "FUNCS", replace::replace,
        "Replaces text or regex matches (five modes: find/replacement, find/template, regex, regex group, regex on another value)."),
    row!("SelectUniqueValue", [req("uniqueValueRule", A), req("uniqueValueRule", A)], Last, "FUNCS", logic::select_unique_value,
        "The first rule whose value doesn't exist yet in the target."),
    row!("SingleAppRoleAssignment", [req("source", A)], None, "FUNCS", roles::single_app_role_assignment,
        "One role value from the user's app role assignments."),
    row!("Split", [req("source", S), req("delimiter", S)], None, "FUNCS", string::split,
        "Splits the string into a multi-valued attribute at each delimiter (values are not trimmed)."),
    row!("StripSpaces", [req("source", S)], None, "FUNCS", string::strip_spaces,
        "Removes every space (U+0020) character."),
    row!("Switch", [req("source", A), opt("defaultValue", A), req("key", S), req("value", A)], Pairs, "FUNCS", logic::switch,
        "The value paired with the first key equal to the source (case-sensitive), else defaultValue."),
    row!("ToLower", [req("source", S), opt("culture", S)], None, "FUNCS", string::to_lower,
        "Converts to lower case, optionally with a culture's rules (e.g. tr-TR)."),
    row!("ToUpper", [req("source", S), opt("culture", S)], None, "FUNCS", string::to_upper,
        "Converts to upper case, optionally with a culture's rules (e.g. tr-TR)."),
    row!("Word", [req("String", S), req("WordNumber", N), req("Delimiters", S)], None, "FUNCS", string::word,
        "The WordNumber-th word, words being separated by any of the delimiter characters."),
];

// ---------------------------------------------------------------------------------------
// Argument helpers shared by the families
// ---------------------------------------------------------------------------------------

/// The text of argument `i`; `None` when null (or empty position). Multi-valued and complex
/// values with more than one element are an error (a single string was expected).
pub(crate) fn text(a: &mut Args<'_, '_>, i: usize) -> Result<Option<String>, Interrupt> {
    match a.value_or_null(i)? {
        // `text_of`'s answer for a string, moved instead of copied.
        Value::String(s) => Ok(Some(s)),
        v => text_of(a, i, &v),
    }
}

/// The text of an already-evaluated argument value.
pub(crate) fn text_of(a: &Args<'_, '_>, i: usize, v: &Value) -> Result<Option<String>, Interrupt> {
    match v {
        Value::Null => Ok(None),
        Value::List(l) if l.is_empty() => Ok(None),
        _ => match v.to_text() {
            Some(t) => Ok(Some(t)),
            None => Err(a.arg_error(
                i,
                "invalid-argument",
                format!(
                    "`{}` expects a single value for `{}`, got a {} value",
                    a.name(),
                    param_name(a, i),
                    v.kind()
                ),
            )),
        },
    }
}

/// The integer value of argument `i`; `None` when null. Non-numbers are an error.
pub(crate) fn integer(a: &mut Args<'_, '_>, i: usize) -> Result<Option<i64>, Interrupt> {
    let v = a.value_or_null(i)?;
    if v.is_null() {
        return Ok(None);
    }
    match v.as_integer() {
        Some(n) => Ok(Some(n)),
        None => Err(a.arg_error(
            i,
            "invalid-argument",
            format!(
                "`{}` expects a whole number for `{}`, got {}",
                a.name(),
                param_name(a, i),
                describe(&v)
            ),
        )),
    }
}

/// A required integer: null is an error too.
pub(crate) fn required_integer(a: &mut Args<'_, '_>, i: usize) -> Result<i64, Interrupt> {
    match integer(a, i)? {
        Some(n) => Ok(n),
        None => Err(a.arg_error(
            i,
            "invalid-argument",
            format!(
                "`{}` expects a whole number for `{}`, got null",
                a.name(),
                param_name(a, i)
            ),
        )),
    }
}

/// The parameter name of position `i` of the current call.
pub(crate) fn param_name(a: &Args<'_, '_>, i: usize) -> &'static str {
    crate::entra::registry::lookup(a.name())
        .and_then(|f| f.param(i))
        .map_or("argument", |p| p.name)
}

/// A value quoted for messages.
pub(crate) fn describe(v: &Value) -> String {
    match v.to_text() {
        Some(t) => {
            let short: String = t.chars().take(40).collect();
            if short.len() < t.len() {
                format!("\"{short}…\"")
            } else {
                format!("\"{short}\"")
            }
        }
        None => format!("a {} value", v.kind()),
    }
}

/// Fails with `too-long` before building a string of `bytes` bytes.
pub(crate) fn ensure_len(a: &Args<'_, '_>, bytes: usize) -> Result<(), Interrupt> {
    let max = a.limits().max_string_len;
    if bytes > max {
        return Err(a.error(
            "too-long",
            format!("`{}` would produce {bytes} bytes (limit {max})", a.name()),
        ));
    }
    Ok(())
}

/// Spends fuel proportional to `n` units of work (bytes, elements).
pub(crate) fn burn_for(a: &mut Args<'_, '_>, n: usize) -> Result<(), Interrupt> {
    a.burn(u64::try_from(n / 16).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_alphabetical_and_unique() {
        let names: Vec<String> = TABLE.iter().map(|f| f.name.to_lowercase()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn arities() {
        let f = |n| crate::entra::registry::lookup(n).unwrap();
        assert!(f("Switch").accepts(4));
        assert!(f("Switch").accepts(6));
        assert!(!f("Switch").accepts(5));
        assert!(f("Replace").accepts(7));
        assert!(f("Replace").accepts(1));
        assert!(!f("SelectUniqueValue").accepts(1));
        assert!(f("SelectUniqueValue").accepts(3));
        assert!(f("FormatDateTime").accepts(4));
        assert!(f("InStr").accepts(2));
        assert!(f("RandomString").accepts(5));
        assert!(!f("RandomString").accepts(4));
        assert!(f("Guid").accepts(0));
        assert_eq!(f("Switch").param(7).unwrap().name, "value");
        assert_eq!(f("Mid").param(1).unwrap().kind, Kind::Number);
    }

    /// Every function, every accepted arity up to two beyond the minimum, arguments drawn
    /// from awkward values: evaluation returns a value or an error, never panics.
    #[test]
    fn no_panics_on_awkward_arguments() {
        use crate::entra::{EvalOptions, Expression};
        let pool = [
            "",
            "[missing]",
            "[list]",
            "[empty]",
            "[obj]",
            "\"abc\"",
            "\"\"",
            "-1",
            "0",
            "3",
            "99999999999999999999",
            "&HFFFFFFFFFFFFFFFF",
            "\"2021-02-30\"",
            "\"8/25/2021 5:41:18 PM\"",
            "\"(?<g>a)|[\"",
            "\"${g}$1$$\"",
            "vbTextCompare",
            "\"İß\u{0301}\"",
            "Now()",
            "IsNull([x])",
        ];
        let input = serde_json::json!({
            "list": ["a", "b", "a"],
            "empty": [],
            "obj": {"value": "v", "displayName": "d"},
        });
        let opts = EvalOptions {
            now: chrono::DateTime::from_timestamp(1_629_913_278, 0),
            seed: Some(1),
            ..EvalOptions::default()
        };
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for f in TABLE {
            let min = f.min_args();
            for n in min..=min + 2 {
                if !f.accepts(n) {
                    continue;
                }
                for _ in 0..60 {
                    let args: Vec<&str> = (0..n).map(|_| pool[next(pool.len())]).collect();
                    let src = format!("{}({})", f.name, args.join(", "));
                    if let Ok(e) = Expression::parse(&src) {
                        let _ = e.evaluate(&input, &opts);
                    }
                }
            }
        }
    }
}
