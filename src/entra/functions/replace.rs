//! `Replace` in its five modes, with .NET regular-expression syntax translated to the
//! `regex` crate's dialect where possible.

use super::{burn_for, ensure_len, text};
use crate::entra::eval::{Args, Interrupt};
use crate::entra::value::Value;
use regex::{Captures, Regex};

const SOURCE: usize = 0;
const FIND: usize = 1;
const REGEX: usize = 2;
const GROUP: usize = 3;
const REPLACEMENT: usize = 4;
const PROPERTY: usize = 5;
const TEMPLATE: usize = 6;

pub(crate) fn replace(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    if a.present(FIND) {
        let source = text(a, SOURCE)?;
        let find = text(a, FIND)?.unwrap_or_default();
        if a.present(TEMPLATE) {
            // Mode 2: the template with every `Find` replaced by the source.
            let template = text(a, TEMPLATE)?.unwrap_or_default();
            let Some(source) = source else {
                return Ok(Value::Null);
            };
            return literal_replace(a, &template, &find, &source);
        }
        // Mode 1: every `Find` in the source replaced.
        let replacement = text(a, REPLACEMENT)?.unwrap_or_default();
        let Some(source) = source else {
            return Ok(Value::Null);
        };
        return literal_replace(a, &source, &find, &replacement);
    }
    if a.present(REGEX) {
        let pattern = text(a, REGEX)?.unwrap_or_default();
        let re = compile(a, REGEX, &pattern)?;
        let group = if a.present(GROUP) {
            text(a, GROUP)?
        } else {
            None
        };
        if let Some(group) = group {
            if re.capture_names().flatten().all(|n| n != group) {
                return Err(a.arg_error(
                    GROUP,
                    "invalid-argument",
                    format!("the regular expression has no group named \"{group}\""),
                ));
            }
            if a.present(PROPERTY) {
                // Mode 5: the source if it has a value, else the group's match in the
                // replacement property's value.
                let source = text(a, SOURCE)?;
                if let Some(s) = source.filter(|s| !s.is_empty()) {
                    return Ok(Value::String(s));
                }
                let Some(other) = text(a, PROPERTY)? else {
                    return Ok(Value::Null);
                };
                burn_for(a, other.len())?;
                let found = re
                    .captures(&other)
                    .and_then(|c| c.name(&group).map(|m| m.as_str().to_string()))
                    .unwrap_or_default();
                return Ok(Value::String(found));
            }
            // Mode 4: every match of the named group replaced by the replacement.
            let replacement = text(a, REPLACEMENT)?.unwrap_or_default();
            let Some(source) = text(a, SOURCE)? else {
                return Ok(Value::Null);
            };
            burn_for(a, source.len())?;
            let mut out = String::new();
            let mut last = 0;
            for c in re.captures_iter(&source) {
                if let Some(m) = c.name(&group) {
                    if m.start() < last {
                        continue;
                    }
                    out.push_str(source.get(last..m.start()).unwrap_or(""));
                    out.push_str(&replacement);
                    last = m.end();
                    ensure_len(a, out.len())?;
                }
            }
            out.push_str(source.get(last..).unwrap_or(""));
            return Ok(Value::String(out));
        }
        // Mode 3: regex replace with .NET substitutions (`${name}`, `$1`, `$$`, ...).
        let replacement = text(a, REPLACEMENT)?.unwrap_or_default();
        let Some(source) = text(a, SOURCE)? else {
            return Ok(Value::Null);
        };
        burn_for(a, source.len())?;
        let numbers = dotnet_numbers(&re);
        let mut out = String::new();
        let mut last = 0;
        for c in re.captures_iter(&source) {
            let Some(m) = c.get(0) else { continue };
            out.push_str(source.get(last..m.start()).unwrap_or(""));
            expand(&c, &re, &numbers, &replacement, &source, &mut out);
            last = m.end();
            ensure_len(a, out.len())?;
            a.burn(1)?;
        }
        out.push_str(source.get(last..).unwrap_or(""));
        return Ok(Value::String(out));
    }
    // Neither Find nor RegularExpression: nothing to replace.
    Ok(text(a, SOURCE)?.map_or(Value::Null, Value::String))
}

fn literal_replace(
    a: &mut Args<'_, '_>,
    haystack: &str,
    find: &str,
    with: &str,
) -> Result<Value, Interrupt> {
    burn_for(a, haystack.len())?;
    if find.is_empty() {
        return Ok(Value::String(haystack.to_string()));
    }
    let n = haystack.matches(find).count();
    ensure_len(
        a,
        haystack
            .len()
            .saturating_add(n.saturating_mul(with.len()))
            .saturating_sub(n.saturating_mul(find.len())),
    )?;
    Ok(Value::String(haystack.replace(find, with)))
}

fn compile(a: &Args<'_, '_>, i: usize, pattern: &str) -> Result<std::sync::Arc<Regex>, Interrupt> {
    let translated = translate(pattern).map_err(|msg| {
        a.arg_error(
            i,
            "invalid-regex",
            format!("unsupported regular expression: {msg}"),
        )
    })?;
    a.regex(i, &translated)
}

/// .NET group numbering: group 0, then unnamed groups in order, then named groups in order.
/// Returns, for each .NET number, the `regex` crate's group index.
fn dotnet_numbers(re: &Regex) -> Vec<usize> {
    let names: Vec<Option<&str>> = re.capture_names().collect();
    let mut out = vec![0];
    out.extend(
        names
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, n)| n.is_none())
            .map(|(i, _)| i),
    );
    out.extend(
        names
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, n)| n.is_some())
            .map(|(i, _)| i),
    );
    out
}

/// Appends the .NET substitution `rep` for one match.
fn expand(
    c: &Captures<'_>,
    re: &Regex,
    numbers: &[usize],
    rep: &str,
    input: &str,
    out: &mut String,
) {
    let group = |k: usize| -> &str {
        numbers
            .get(k)
            .and_then(|&i| c.get(i))
            .map_or("", |m| m.as_str())
    };
    let whole = c.get(0);
    let mut rest = rep;
    while let Some(p) = rest.find('$') {
        out.push_str(rest.get(..p).unwrap_or(""));
        let after = rest.get(p + 1..).unwrap_or("");
        let mut consumed = 1; // the `$`
        match after.chars().next() {
            Some('$') => {
                out.push('$');
                consumed += 1;
            }
            Some('&') => {
                out.push_str(whole.map_or("", |m| m.as_str()));
                consumed += 1;
            }
            Some('`') => {
                out.push_str(whole.and_then(|m| input.get(..m.start())).unwrap_or(""));
                consumed += 1;
            }
            Some('\'') => {
                out.push_str(whole.and_then(|m| input.get(m.end()..)).unwrap_or(""));
                consumed += 1;
            }
            Some('_') => {
                out.push_str(input);
                consumed += 1;
            }
            Some('+') => {
                let last = numbers.len().saturating_sub(1);
                if last > 0 {
                    out.push_str(group(last));
                }
                consumed += 1;
            }
            Some('{') => match after.find('}') {
                Some(end) => {
                    let name = after.get(1..end).unwrap_or("");
                    let by_number = name.parse::<usize>().ok().filter(|&k| k < numbers.len());
                    if let Some(k) = by_number {
                        out.push_str(group(k));
                    } else if re.capture_names().flatten().any(|n| n == name) {
                        out.push_str(c.name(name).map_or("", |m| m.as_str()));
                    } else {
                        // Unknown group: .NET keeps the text literally.
                        out.push('$');
                        out.push_str(after.get(..=end).unwrap_or(""));
                    }
                    consumed += end + 1;
                }
                None => out.push('$'),
            },
            Some(d) if d.is_ascii_digit() => {
                // The longest run of digits naming an existing group.
                let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
                let mut taken = 0;
                for len in (1..=digits.len()).rev() {
                    if let Some(k) = digits.get(..len).and_then(|s| s.parse::<usize>().ok()) {
                        if k < numbers.len() {
                            out.push_str(group(k));
                            taken = len;
                            break;
                        }
                    }
                }
                if taken == 0 {
                    out.push('$');
                } else {
                    consumed += taken;
                }
            }
            _ => out.push('$'),
        }
        rest = rest.get(p + consumed..).unwrap_or("");
    }
    out.push_str(rest);
}

/// Translates .NET regex syntax into the `regex` crate's. Errors name .NET-only features
/// that have no equivalent (look-around, backreferences, atomic groups, conditionals).
pub(crate) fn translate(p: &str) -> Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0;
    let mut class_depth = 0usize;
    // After a quantifier: 1; after its lazy `?`: 2. .NET rejects a quantifier that follows
    // another (`a++`, `a*{2}`, `a+??`: "Nested quantifier"), where the `regex` crate would
    // accept some of them with another meaning.
    let mut quantified = 0u8;
    let at = |i: usize| chars.get(i).copied();
    while let Some(c) = at(i) {
        let is_quantifier = class_depth == 0
            && (matches!(c, '*' | '+' | '?')
                || (c == '{'
                    && quantifier_len(&chars.iter().skip(i).take(24).collect::<String>()) > 0));
        if is_quantifier {
            quantified = match (quantified, c) {
                (0, _) => 1,
                (1, '?') => 2,
                _ => return Err(format!("nested quantifier `{c}` at character {}", i + 1)),
            };
        } else {
            quantified = 0;
        }
        if class_depth > 0 {
            match c {
                '\\' => {
                    match at(i + 1) {
                        Some('<') => out.push('<'),
                        Some('>') => out.push('>'),
                        Some('b') => out.push_str("\\x08"),
                        Some(n @ ('p' | 'P')) if at(i + 2) == Some('{') => {
                            i = unicode_class(&chars, i, n, &mut out)?;
                            continue;
                        }
                        Some(n) => {
                            out.push('\\');
                            out.push(n);
                        }
                        None => return Err("pattern ends with `\\`".into()),
                    }
                    i += 2;
                }
                '[' => {
                    out.push_str("\\[");
                    i += 1;
                }
                '-' if at(i + 1) == Some('[') => {
                    // .NET character class subtraction `[a-z-[aeiou]]`.
                    out.push_str("--[");
                    class_depth += 1;
                    i += 2;
                    if at(i) == Some('^') {
                        out.push('^');
                        i += 1;
                    }
                }
                ']' => {
                    out.push(']');
                    class_depth -= 1;
                    i += 1;
                }
                '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                    i += 1;
                }
                other => {
                    out.push(other);
                    i += 1;
                }
            }
            continue;
        }
        match c {
            '\\' => {
                match at(i + 1) {
                    Some('<') => out.push('<'),
                    Some('>') => out.push('>'),
                    Some('Z') => out.push_str("\\z"),
                    Some('k') => {
                        return Err("backreferences (`\\k<name>`) are not supported".into())
                    }
                    Some(d @ '1'..='9') => {
                        return Err(format!("backreferences (`\\{d}`) are not supported"))
                    }
                    Some('G') => return Err("`\\G` is not supported".into()),
                    Some(n @ ('p' | 'P')) if at(i + 2) == Some('{') => {
                        i = unicode_class(&chars, i, n, &mut out)?;
                        continue;
                    }
                    Some(n) => {
                        out.push('\\');
                        out.push(n);
                    }
                    None => return Err("pattern ends with `\\`".into()),
                }
                i += 2;
            }
            '[' => {
                out.push('[');
                class_depth = 1;
                i += 1;
                if at(i) == Some('^') {
                    out.push('^');
                    i += 1;
                }
                if at(i) == Some(']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            '(' if at(i + 1) == Some('?') => {
                let next: String = chars.iter().skip(i + 2).take(2).collect();
                if next.starts_with('=') || next.starts_with('!') || next == "<=" || next == "<!" {
                    return Err("look-ahead and look-behind (`(?=`, `(?!`, `(?<=`, `(?<!`) are not supported".into());
                }
                if next.starts_with('>') {
                    return Err("atomic groups (`(?>`) are not supported".into());
                }
                if next.starts_with('(') {
                    return Err("conditional groups (`(?(`) are not supported".into());
                }
                if next.starts_with('#') {
                    // Inline comment: drop it.
                    let mut j = i + 2;
                    while let Some(ch) = at(j) {
                        j += 1;
                        if ch == ')' {
                            break;
                        }
                    }
                    i = j;
                    continue;
                }
                if next.starts_with('\'') {
                    // `(?'name'...)` → `(?<name>...)`.
                    let mut j = i + 3;
                    let mut name = String::new();
                    while let Some(ch) = at(j) {
                        if ch == '\'' {
                            break;
                        }
                        name.push(ch);
                        j += 1;
                    }
                    if at(j) != Some('\'') {
                        return Err("unterminated group name".into());
                    }
                    out.push_str("(?<");
                    out.push_str(&name);
                    out.push('>');
                    i = j + 1;
                    continue;
                }
                if next.starts_with('<') {
                    let name: String = chars
                        .iter()
                        .skip(i + 3)
                        .take_while(|&&ch| ch != '>')
                        .collect();
                    if name.contains('-') {
                        return Err("balancing groups (`(?<a-b>`) are not supported".into());
                    }
                }
                out.push_str("(?");
                i += 2;
            }
            '{' => {
                // A quantifier `{n}`, `{n,}`, `{n,m}`; otherwise a literal brace, as in .NET.
                let rest: String = chars.iter().skip(i).take(24).collect();
                let q = quantifier_len(&rest);
                if q > 0 {
                    out.push_str(rest.get(..q).unwrap_or(""));
                    i += rest.get(..q).map_or(q, |s| s.chars().count());
                } else {
                    out.push_str("\\{");
                    i += 1;
                }
            }
            '}' => {
                out.push_str("\\}");
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// `\p{Lu}` at `chars[i]`: a Unicode general category, copied as is (its brace must not
/// become a literal); returns the index after it. .NET's named blocks (`\p{IsGreek}`) have
/// no `regex` equivalent, and scripts or binary properties are unknown to .NET.
fn unicode_class(chars: &[char], i: usize, n: char, out: &mut String) -> Result<usize, String> {
    let name: String = chars
        .iter()
        .skip(i + 3)
        .take_while(|&&ch| ch != '}')
        .collect();
    let end = i + 3 + name.chars().count();
    if chars.get(end) != Some(&'}') {
        return Err(format!("unterminated `\\{n}{{` class"));
    }
    if name.starts_with("Is") {
        return Err(format!(
            "Unicode block classes (`\\{n}{{{name}}}`) are not supported"
        ));
    }
    if !NET_CATEGORIES.contains(&name.as_str()) {
        return Err(format!(
            "unknown Unicode category `{name}` (.NET knows general categories such as `Lu`, `L`, `Nd`)"
        ));
    }
    out.push('\\');
    out.push(n);
    out.push('{');
    out.push_str(&name);
    out.push('}');
    Ok(end + 1)
}

/// The general categories .NET accepts in `\p{…}` (besides named blocks); scripts and
/// binary properties, which the `regex` crate would also accept, are errors in .NET.
const NET_CATEGORIES: &[&str] = &[
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc",
    "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C",
    "Cc", "Cf", "Cs", "Co", "Cn",
];

/// Byte length of a `{n}` / `{n,}` / `{n,m}` quantifier at the start of `s` (0 if none).
fn quantifier_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 1;
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if b.first() != Some(&b'{') || !digits(&mut i) {
        return 0;
    }
    if b.get(i) == Some(&b',') {
        i += 1;
        digits(&mut i);
    }
    if b.get(i) == Some(&b'}') {
        i + 1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation() {
        assert_eq!(translate(r"\+(?<a>\d* )").unwrap(), r"\+(?<a>\d* )");
        assert_eq!(translate(r"(?'x'a)").unwrap(), r"(?<x>a)");
        assert_eq!(translate(r"a{2,3}b{").unwrap(), r"a{2,3}b\{");
        assert_eq!(translate(r"\<b\>").unwrap(), r"<b>");
        assert_eq!(translate(r"[]a]").unwrap(), r"[\]a]");
        assert_eq!(translate(r"[a-z-[aeiou]]").unwrap(), r"[a-z--[aeiou]]");
        assert_eq!(translate(r"[a&&b[]").unwrap(), r"[a\&\&b\[]");
        assert_eq!(translate(r"a(?#note)b").unwrap(), r"ab");
        assert!(translate(r"(?=a)").is_err());
        assert!(translate(r"(?<!a)b").is_err());
        assert!(translate(r"(a)\1").is_err());
        assert!(translate(r"(?>a)").is_err());
        for nested in [r"a++", r"a*{2}", r"a+??", r"a{2}*", r"(a)?+"] {
            assert!(translate(nested).is_err(), "{nested}");
        }
        for lazy in [r"a+?", r"a??", r"a{2}?", r"a*?b+", r"\++", r"[+*]+", r"a+{"] {
            assert!(translate(lazy).is_ok(), "{lazy}");
        }
        for p in [r"[a-z-[aeiou]]", r"[a&&b[]", r"\@x", r"a\Z"] {
            let t = translate(p).unwrap();
            assert!(Regex::new(&t).is_ok(), "{p} → {t}");
        }
        let re = Regex::new(&translate(r"[a-z-[aeiou]]+").unwrap()).unwrap();
        assert_eq!(re.find("aabcd").unwrap().as_str(), "bcd");
    }

    fn sub(p: &str, input: &str, rep: &str) -> String {
        let re = Regex::new(p).unwrap();
        let numbers = dotnet_numbers(&re);
        let c = re.captures(input).unwrap();
        let mut out = String::new();
        expand(&c, &re, &numbers, rep, input, &mut out);
        out
    }

    #[test]
    fn substitutions() {
        assert_eq!(sub(r"(?<a>x)(y)", "xy", "${a}-$1-$2-$$-$&"), "x-y-x-$-xy");
        assert_eq!(sub(r"(x)", "axb", "$`|$'|$_|$+"), "a|b|axb|x");
        assert_eq!(sub(r"(x)", "x", "$1a ${nope} $9 $"), "xa ${nope} $9 $");
        assert_eq!(sub(r"(x)", "x", "$10"), "x0");
    }
}
