//! `Guid` and `RandomString`, drawing from the injected random generator.

use super::{integer, text};
use crate::entra::eval::{Args, Interrupt};
use crate::entra::value::Value;
use rand::Rng;

pub(crate) fn guid(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let mut b = [0u8; 16];
    a.rng().fill(&mut b[..]);
    Ok(Value::String(format_guid(b)))
}

/// Formats 16 random bytes as a lowercase version-4 GUID.
pub(crate) fn format_guid(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or(""),
        hex.get(8..12).unwrap_or(""),
        hex.get(12..16).unwrap_or(""),
        hex.get(16..20).unwrap_or(""),
        hex.get(20..32).unwrap_or("")
    )
}

/// Windows password-complexity special characters.
pub(crate) const SPECIALS: &str = "~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/";
const DIGITS: &str = "0123456789";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";

pub(crate) fn random_string(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let mut n = [0i64; 5];
    for (i, slot) in n.iter_mut().enumerate() {
        *slot = match integer(a, i)? {
            Some(v) if v >= 0 => v,
            Some(v) => {
                return Err(a.arg_error(
                    i,
                    "invalid-argument",
                    format!(
                        "`{}` must not be negative, got {v}",
                        super::param_name(a, i)
                    ),
                ))
            }
            None => {
                return Err(a.arg_error(
                    i,
                    "invalid-argument",
                    format!("`{}` is required", super::param_name(a, i)),
                ))
            }
        };
    }
    let avoid = text(a, 5)?.unwrap_or_default();
    let [length, digits, specials, capitals, lowers] = n;
    let max = a.limits().max_random_len;
    let length = usize::try_from(length).unwrap_or(usize::MAX);
    if length > max {
        return Err(a.arg_error(
            0,
            "too-long",
            format!("`RandomString` Length {length} is over the maximum of {max}"),
        ));
    }
    let minimums = digits
        .saturating_add(specials)
        .saturating_add(capitals)
        .saturating_add(lowers);
    if usize::try_from(minimums).unwrap_or(usize::MAX) > length {
        return Err(a.error(
            "invalid-argument",
            format!("`RandomString` minimums add up to {minimums}, more than Length {length}"),
        ));
    }
    a.burn(length as u64)?;
    let class = |set: &str| -> Vec<char> { set.chars().filter(|c| !avoid.contains(*c)).collect() };
    let classes = [
        (class(DIGITS), digits, "MinimumNumbers"),
        (class(SPECIALS), specials, "MinimumSpecialCharacters"),
        (class(UPPER), capitals, "MinimumCapital"),
        (class(LOWER), lowers, "MinimumLowerCase"),
    ];
    let mut out: Vec<char> = Vec::with_capacity(length);
    let mut all: Vec<char> = Vec::new();
    for (set, min, name) in &classes {
        if *min > 0 && set.is_empty() {
            return Err(a.arg_error(
                5,
                "invalid-argument",
                format!("CharactersToAvoid leaves no characters for {name}"),
            ));
        }
        for _ in 0..*min {
            let i = a.rng().gen_range(0..set.len());
            out.extend(set.get(i));
        }
        all.extend(set.iter().copied());
    }
    if all.is_empty() && out.len() < length {
        return Err(a.arg_error(
            5,
            "invalid-argument",
            "CharactersToAvoid leaves no characters",
        ));
    }
    while out.len() < length {
        let i = a.rng().gen_range(0..all.len());
        out.extend(all.get(i));
    }
    // Fisher–Yates, so the required characters are not always first.
    for i in (1..out.len()).rev() {
        let j = a.rng().gen_range(0..=i);
        out.swap(i, j);
    }
    Ok(Value::String(out.into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_shape() {
        let g = format_guid([0xff; 16]);
        assert_eq!(g, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let g = format_guid([0; 16]);
        assert_eq!(g, "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn specials_are_the_windows_set() {
        assert_eq!(SPECIALS.chars().count(), 32);
        assert!(SPECIALS.chars().all(|c| c.is_ascii_punctuation()));
    }

    fn eval(src: &str, seed: u64) -> Result<String, String> {
        use crate::entra::{EvalOptions, Expression, Outcome, Value};
        let e = Expression::parse(src).map_err(|e| format!("{e:?}"))?;
        let opts = EvalOptions {
            now: chrono::DateTime::from_timestamp(1_629_913_278, 0),
            seed: Some(seed),
            ..EvalOptions::default()
        };
        match e.evaluate(&serde_json::json!({}), &opts) {
            Ok(Outcome::Value(Value::String(s))) => Ok(s),
            Ok(other) => Err(format!("{other:?}")),
            Err(e) => Err(e.code.to_string()),
        }
    }

    #[test]
    fn random_string_properties_over_many_seeds() {
        for seed in 0..300 {
            let s = eval(r#"RandomString(10,2,2,2,1,"?,")"#, seed).unwrap();
            assert_eq!(s.chars().count(), 10);
            assert!(s.chars().filter(char::is_ascii_digit).count() >= 2, "{s}");
            assert!(
                s.chars().filter(char::is_ascii_uppercase).count() >= 2,
                "{s}"
            );
            assert!(
                s.chars().filter(char::is_ascii_lowercase).count() >= 1,
                "{s}"
            );
            assert!(
                s.chars().filter(|c| SPECIALS.contains(*c)).count() >= 2,
                "{s}"
            );
            assert!(!s.contains('?') && !s.contains(','), "{s}");
            // Exact minimums: 3 digits + 3 lowercase, nothing else.
            let t = eval("RandomString(6,3,0,0,3)", seed).unwrap();
            assert_eq!(t.chars().filter(char::is_ascii_digit).count(), 3, "{t}");
            assert_eq!(t.chars().filter(char::is_ascii_lowercase).count(), 3, "{t}");
        }
        // Deterministic per seed, different across seeds.
        assert_eq!(
            eval("RandomString(12,1,1,1,1)", 7),
            eval("RandomString(12,1,1,1,1)", 7)
        );
        assert_ne!(
            eval("RandomString(12,1,1,1,1)", 7),
            eval("RandomString(12,1,1,1,1)", 8)
        );
        // Required characters are not always in front.
        let firsts: std::collections::BTreeSet<bool> = (0..50)
            .map(|seed| {
                eval("RandomString(8,4,0,0,0)", seed)
                    .unwrap()
                    .starts_with(|c: char| c.is_ascii_digit())
            })
            .collect();
        assert_eq!(firsts.len(), 2);
    }

    #[test]
    fn random_string_limits() {
        assert_eq!(eval("RandomString(257,0,0,0,0)", 1), Err("too-long".into()));
        assert_eq!(
            eval("RandomString(3,1,1,1,1)", 1),
            Err("invalid-argument".into())
        );
        assert_eq!(
            eval("RandomString(99999999999999999999,0,0,0,0)", 1),
            Err("invalid-argument".into())
        );
    }

    #[test]
    fn guids_are_v4_and_seeded() {
        let a = eval("Guid()", 5).unwrap();
        assert_eq!(a, eval("Guid()", 5).unwrap());
        assert_ne!(a, eval("Guid()", 6).unwrap());
        assert_eq!(a.len(), 36);
        assert_eq!(a.chars().nth(14), Some('4'));
        assert!(a
            .chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}
