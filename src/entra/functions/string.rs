//! String functions. Null policy (spec §6.1): null in → null out, except `Left`/`Word`
//! (→ `""`) and `Join` (skips nulls).

use super::{burn_for, ensure_len, integer, required_integer, text};
use crate::entra::eval::{Args, Interrupt};
use crate::entra::value::Value;
use base64::Engine as _;

fn string_or_null(s: Option<String>) -> Value {
    s.map_or(Value::Null, Value::String)
}

pub(crate) fn append(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let Some(source) = text(a, 0)? else {
        return Ok(Value::Null);
    };
    let suffix = text(a, 1)?.unwrap_or_default();
    ensure_len(a, source.len() + suffix.len())?;
    Ok(Value::String(source + &suffix))
}

pub(crate) fn prepend(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let prefix = text(a, 0)?.unwrap_or_default();
    let Some(source) = text(a, 1)? else {
        return Ok(Value::Null);
    };
    ensure_len(a, source.len() + prefix.len())?;
    Ok(Value::String(prefix + &source))
}

pub(crate) fn join(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let sep = text(a, 0)?.unwrap_or_default();
    let mut out = String::new();
    let mut first = true;
    for i in 1..a.len() {
        let v = a.value_or_null(i)?;
        for e in v.elements() {
            if let Some(t) = e.text() {
                if t.is_empty() {
                    continue;
                }
                ensure_len(a, out.len() + sep.len() + t.len())?;
                if !first {
                    out.push_str(&sep);
                }
                out.push_str(&t);
                first = false;
            }
        }
    }
    burn_for(a, out.len())?;
    Ok(Value::String(out))
}

pub(crate) fn left(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let s = text(a, 0)?;
    let n = required_integer(a, 1)?;
    let Some(s) = s else {
        return Ok(Value::String(String::new()));
    };
    if n < 0 {
        return Ok(Value::String(s));
    }
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    Ok(Value::String(s.chars().take(n).collect()))
}

pub(crate) fn mid(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let s = text(a, 0)?;
    let start = required_integer(a, 1)?;
    let len = required_integer(a, 2)?;
    if start < 1 {
        return Err(a.arg_error(
            1,
            "invalid-argument",
            format!("`Mid` start must be 1 or more (1-based), got {start}"),
        ));
    }
    if len < 0 {
        return Err(a.arg_error(
            2,
            "invalid-argument",
            format!("`Mid` length must not be negative, got {len}"),
        ));
    }
    let Some(s) = s else {
        return Ok(Value::Null);
    };
    let skip = usize::try_from(start - 1).unwrap_or(usize::MAX);
    let take = usize::try_from(len).unwrap_or(usize::MAX);
    Ok(Value::String(s.chars().skip(skip).take(take).collect()))
}

pub(crate) fn word(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let s = text(a, 0)?;
    let n = required_integer(a, 1)?;
    let delims: Vec<char> = text(a, 2)?.unwrap_or_default().chars().collect();
    let Some(s) = s else {
        return Ok(Value::String(String::new()));
    };
    if n < 1 {
        return Ok(Value::String(String::new()));
    }
    burn_for(a, s.len())?;
    let idx = usize::try_from(n - 1).unwrap_or(usize::MAX);
    let w = s
        .split(|c| delims.contains(&c))
        .filter(|w| !w.is_empty())
        .nth(idx)
        .unwrap_or("");
    Ok(Value::String(w.to_string()))
}

pub(crate) fn split(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let s = text(a, 0)?;
    let delim = text(a, 1)?.unwrap_or_default();
    let Some(s) = s else {
        return Ok(Value::Null);
    };
    burn_for(a, s.len())?;
    if delim.is_empty() {
        return Ok(Value::List(vec![Value::String(s)]));
    }
    Ok(Value::List(
        s.split(delim.as_str())
            .map(|p| Value::String(p.to_string()))
            .collect(),
    ))
}

pub(crate) fn strip_spaces(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    Ok(string_or_null(text(a, 0)?.map(|s| s.replace(' ', ""))))
}

// ---------------------------------------------------------------------------------------
// Case
// ---------------------------------------------------------------------------------------

/// Whether a culture name uses Turkic casing (dotted/dotless i).
fn turkic(culture: Option<&str>) -> bool {
    let Some(c) = culture else { return false };
    let lang = c.split(['-', '_']).next().unwrap_or("");
    lang.eq_ignore_ascii_case("tr") || lang.eq_ignore_ascii_case("az")
}

/// .NET-style simple (one-to-one) lower-case mapping.
pub(crate) fn lower_char(c: char, turkic: bool, out: &mut String) {
    if turkic {
        match c {
            'I' => return out.push('ı'),
            'İ' => return out.push('i'),
            _ => {}
        }
    }
    let mut m = c.to_lowercase();
    match (m.next(), m.next()) {
        (Some(l), None) => out.push(l),
        // U+0130 (İ) lower-cases to "i̇" in full mapping; the simple mapping is "i".
        (Some(l), Some(_)) => out.push(l),
        (None, _) => out.push(c),
    }
}

/// .NET-style simple (one-to-one) upper-case mapping: characters whose upper case is
/// several characters (ß, ŉ) stay as they are.
pub(crate) fn upper_char(c: char, turkic: bool, out: &mut String) {
    if turkic {
        match c {
            'i' => return out.push('İ'),
            'ı' => return out.push('I'),
            _ => {}
        }
    }
    let mut m = c.to_uppercase();
    match (m.next(), m.next()) {
        (Some(u), None) => out.push(u),
        _ => out.push(c),
    }
}

fn case_map(a: &mut Args<'_, '_>, f: fn(char, bool, &mut String)) -> Result<Value, Interrupt> {
    let s = text(a, 0)?;
    let culture = text(a, 1)?;
    let Some(s) = s else {
        return Ok(Value::Null);
    };
    burn_for(a, s.len())?;
    let t = turkic(culture.as_deref());
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        f(c, t, &mut out);
    }
    Ok(Value::String(out))
}

pub(crate) fn to_lower(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    case_map(a, lower_char)
}

pub(crate) fn to_upper(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    case_map(a, upper_char)
}

/// Title case of a letter (.NET uses the titlecase forms of the DŽ/LJ/NJ/DZ digraphs).
fn title_char(c: char, out: &mut String) {
    match c {
        'Ǆ' | 'ǅ' | 'ǆ' => out.push('ǅ'),
        'Ǉ' | 'ǈ' | 'ǉ' => out.push('ǈ'),
        'Ǌ' | 'ǋ' | 'ǌ' => out.push('ǋ'),
        'Ǳ' | 'ǲ' | 'ǳ' => out.push('ǲ'),
        _ => upper_char(c, false, out),
    }
}

/// .NET `TextInfo.IsWordSeparator`: everything except letters, marks, numbers, private use,
/// surrogates and unassigned code points.
fn is_default_separator(c: char) -> bool {
    !(c.is_alphanumeric()
        || unicode_normalization::char::is_combining_mark(c)
        || ('\u{E000}'..='\u{F8FF}').contains(&c))
}

/// `PCase`: lower-case everything, then title-case the first letter of each word.
pub(crate) fn title_case(s: &str, separators: Option<&str>) -> String {
    let lower: Vec<char> = {
        let mut l = String::with_capacity(s.len());
        for c in s.chars() {
            lower_char(c, false, &mut l);
        }
        l.chars().collect()
    };
    let mut out = String::with_capacity(s.len());
    match separators {
        Some(seps) => {
            let mut at_start = true;
            for c in lower {
                if seps.contains(c) {
                    out.push(c);
                    at_start = true;
                } else if at_start {
                    title_char(c, &mut out);
                    at_start = false;
                } else {
                    out.push(c);
                }
            }
        }
        None => {
            // .NET ToTitleCase: a letter starts a word; letters, apostrophes and
            // non-separators (digits, marks) continue it.
            let mut i = 0;
            while let Some(&c) = lower.get(i) {
                if c.is_alphabetic() {
                    title_char(c, &mut out);
                    i += 1;
                    while let Some(&d) = lower.get(i) {
                        if d.is_alphabetic() || d == '\'' || !is_default_separator(d) {
                            out.push(d);
                            i += 1;
                        } else {
                            break;
                        }
                    }
                } else {
                    out.push(c);
                    i += 1;
                }
            }
        }
    }
    out
}

pub(crate) fn pcase(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let s = text(a, 0)?;
    let seps = if a.present(1) { text(a, 1)? } else { None };
    let Some(s) = s else {
        return Ok(Value::Null);
    };
    burn_for(a, s.len())?;
    Ok(Value::String(title_case(&s, seps.as_deref())))
}

// ---------------------------------------------------------------------------------------
// InStr
// ---------------------------------------------------------------------------------------

pub(crate) fn instr(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let hay = text(a, 0)?;
    let needle = text(a, 1)?;
    let start = integer(a, 2)?.unwrap_or(1);
    let text_compare = if a.present(3) {
        let c = text(a, 3)?.unwrap_or_default();
        match c.as_str() {
            "vbTextCompare" | "1" => true,
            "vbBinaryCompare" | "0" => false,
            other => {
                return Err(a.arg_error(
                    3,
                    "invalid-argument",
                    format!(
                    "`InStr` compareType must be vbTextCompare or vbBinaryCompare, got \"{other}\""
                ),
                ))
            }
        }
    } else {
        false
    };
    if start < 1 {
        return Err(a.arg_error(
            2,
            "invalid-argument",
            format!("`InStr` start must be 1 or more (1-based), got {start}"),
        ));
    }
    let (Some(hay), Some(needle)) = (hay, needle) else {
        return Ok(Value::Null);
    };
    burn_for(a, hay.len().saturating_mul(needle.len().max(1)) / 8)?;
    let fold = |s: &str| -> Vec<char> {
        if text_compare {
            let mut o = String::with_capacity(s.len());
            for c in s.chars() {
                lower_char(c, false, &mut o);
            }
            o.chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let h = fold(&hay);
    let n = fold(&needle);
    let from = usize::try_from(start - 1).unwrap_or(usize::MAX);
    if from > h.len() {
        return Ok(Value::Integer(0));
    }
    if n.is_empty() {
        return Ok(Value::Integer(start));
    }
    let pos = h
        .get(from..)
        .and_then(|rest| rest.windows(n.len()).position(|w| w == n.as_slice()));
    Ok(Value::Integer(match pos {
        Some(p) => i64::try_from(from + p + 1).unwrap_or(0),
        None => 0,
    }))
}

// ---------------------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------------------

pub(crate) fn convert_to_base64(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let Some(s) = text(a, 0)? else {
        return Ok(Value::Null);
    };
    let units = s.encode_utf16().count();
    ensure_len(a, units.saturating_mul(2).div_ceil(3).saturating_mul(4))?;
    burn_for(a, s.len())?;
    let bytes: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(bytes),
    ))
}

pub(crate) fn convert_to_utf8_hex(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let Some(s) = text(a, 0)? else {
        return Ok(Value::Null);
    };
    ensure_len(a, s.len().saturating_mul(2))?;
    burn_for(a, s.len())?;
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        out.push_str(&format!("{b:02X}"));
    }
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcase_default_separators() {
        assert_eq!(
            title_case("PABLO GONSALVES (SECOND)", None),
            "Pablo Gonsalves (Second)"
        );
        assert_eq!(title_case("gregory james", None), "Gregory James");
        // Apostrophes continue a word in .NET ToTitleCase; hyphens separate.
        assert_eq!(title_case("O'NEIL-SMITH", None), "O'neil-Smith");
        assert_eq!(title_case("jean_luc", None), "Jean_Luc");
        assert_eq!(title_case("3RD street", None), "3Rd Street");
        assert_eq!(title_case("ÉLODIE ÇA", None), "Élodie Ça");
        assert_eq!(title_case("\u{01C6}enan", None), "\u{01C5}enan");
        assert_eq!(title_case("", None), "");
    }

    #[test]
    fn pcase_given_separators() {
        assert_eq!(title_case("PINTO-DE'SILVA", Some(" '-")), "Pinto-De'Silva");
        assert_eq!(title_case("PINTO-DE'SILVA", Some(" ")), "Pinto-de'silva");
        assert_eq!(title_case("a  b", Some(" ")), "A  B");
        assert_eq!(title_case("3rd", Some(" ")), "3rd");
    }

    #[test]
    fn casing() {
        let mut s = String::new();
        for c in "Iİiı".chars() {
            lower_char(c, true, &mut s);
        }
        assert_eq!(s, "ıiiı");
        let mut s = String::new();
        for c in "iıß".chars() {
            upper_char(c, true, &mut s);
        }
        assert_eq!(s, "İIß");
        let mut s = String::new();
        lower_char('İ', false, &mut s);
        assert_eq!(s, "i");
        assert!(turkic(Some("tr-TR")));
        assert!(turkic(Some("az")));
        assert!(!turkic(Some("trv")));
        assert!(!turkic(None));
    }
}
