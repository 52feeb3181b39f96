//! `NormalizeDiacritics`: exactly the documented table (spec §2), nothing more.
//!
//! Input is cut into clusters (a base character and the combining marks after it); each
//! cluster is decomposed (NFD) and looked up whole, so precomposed (NFC) and decomposed
//! (NFD) input behave alike, a multi-mark entry such as `ā́` wins over `ā` (longest match),
//! and a cluster that isn't in the table (e.g. `ế`, `đ`, `œ`) passes through unchanged.

use super::{burn_for, ensure_len, text};
use crate::entra::eval::{Args, Interrupt};
use crate::entra::value::Value;
use std::collections::HashMap;
use std::sync::OnceLock;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The documented table, as printed (some entries are a letter plus combining marks).
static TABLE: &[(&str, &str)] = &[
    ("\u{00E4}", "a"),          // ä
    ("\u{00E0}", "a"),          // à
    ("\u{00E2}", "a"),          // â
    ("\u{00E3}", "a"),          // ã
    ("\u{00E5}", "a"),          // å
    ("\u{00E1}", "a"),          // á
    ("\u{0105}", "a"),          // ą
    ("\u{0103}", "a"),          // ă
    ("\u{0101}", "a"),          // ā
    ("\u{0101}\u{0301}", "a"),  // ā́
    ("\u{0101}\u{0300}", "a"),  // ā̀
    ("\u{0101}\u{0302}", "a"),  // ā̂
    ("\u{0101}\u{0303}", "a"),  // ā̃
    ("\u{01DF}", "a"),          // ǟ
    ("\u{0101}\u{0308}", "a"),  // ā̈
    ("\u{01E1}", "a"),          // ǡ
    ("a\u{0331}", "a"),         // a̱
    ("\u{00E5}\u{0304}", "a"),  // å̄
    ("\u{00C4}", "A"),          // Ä
    ("\u{00C0}", "A"),          // À
    ("\u{00C2}", "A"),          // Â
    ("\u{00C3}", "A"),          // Ã
    ("\u{00C5}", "A"),          // Å
    ("\u{00C1}", "A"),          // Á
    ("\u{0104}", "A"),          // Ą
    ("\u{0102}", "A"),          // Ă
    ("\u{0100}", "A"),          // Ā
    ("\u{0100}\u{0301}", "A"),  // Ā́
    ("\u{0100}\u{0300}", "A"),  // Ā̀
    ("\u{0100}\u{0302}", "A"),  // Ā̂
    ("\u{0100}\u{0303}", "A"),  // Ā̃
    ("\u{01DE}", "A"),          // Ǟ
    ("\u{0100}\u{0308}", "A"),  // Ā̈
    ("\u{01E0}", "A"),          // Ǡ
    ("A\u{0331}", "A"),         // A̱
    ("\u{00C5}\u{0304}", "A"),  // Å̄
    ("\u{00E6}", "ae"),         // æ
    ("\u{01E3}", "ae"),         // ǣ
    ("\u{00C6}", "AE"),         // Æ
    ("\u{01E2}", "AE"),         // Ǣ
    ("\u{00E7}", "c"),          // ç
    ("\u{010D}", "c"),          // č
    ("\u{0107}", "c"),          // ć
    ("c\u{0304}", "c"),         // c̄
    ("c\u{0331}", "c"),         // c̱
    ("\u{00C7}", "C"),          // Ç
    ("\u{010C}", "C"),          // Č
    ("\u{0106}", "C"),          // Ć
    ("C\u{0304}", "C"),         // C̄
    ("C\u{0331}", "C"),         // C̱
    ("\u{010F}", "d"),          // ď
    ("d\u{0304}", "d"),         // d̄
    ("\u{1E0F}", "d"),          // ḏ
    ("\u{010E}", "D"),          // Ď
    ("D\u{0304}", "D"),         // D̄
    ("\u{1E0E}", "D"),          // Ḏ
    ("\u{00EB}", "e"),          // ë
    ("\u{00E8}", "e"),          // è
    ("\u{00E9}", "e"),          // é
    ("\u{00EA}", "e"),          // ê
    ("\u{0119}", "e"),          // ę
    ("\u{011B}", "e"),          // ě
    ("\u{0117}", "e"),          // ė
    ("\u{0113}", "e"),          // ē
    ("\u{1E17}", "e"),          // ḗ
    ("\u{1E15}", "e"),          // ḕ
    ("\u{0113}\u{0302}", "e"),  // ē̂
    ("\u{0113}\u{0303}", "e"),  // ē̃
    ("\u{00EA}\u{0304}", "e"),  // ê̄
    ("e\u{0331}", "e"),         // e̱
    ("\u{00EB}\u{0304}", "e"),  // ë̄
    ("e\u{030A}\u{0304}", "e"), // e̊̄
    ("\u{00CB}", "E"),          // Ë
    ("\u{00C8}", "E"),          // È
    ("\u{00C9}", "E"),          // É
    ("\u{00CA}", "E"),          // Ê
    ("\u{0118}", "E"),          // Ę
    ("\u{011A}", "E"),          // Ě
    ("\u{0116}", "E"),          // Ė
    ("\u{0112}", "E"),          // Ē
    ("\u{1E16}", "E"),          // Ḗ
    ("\u{1E14}", "E"),          // Ḕ
    ("\u{0112}\u{0302}", "E"),  // Ē̂
    ("\u{0112}\u{0303}", "E"),  // Ē̃
    ("\u{00CA}\u{0304}", "E"),  // Ê̄
    ("E\u{0331}", "E"),         // E̱
    ("\u{00CB}\u{0304}", "E"),  // Ë̄
    ("E\u{030A}\u{0304}", "E"), // E̊̄
    ("\u{011F}", "g"),          // ğ
    ("\u{1E21}", "g"),          // ḡ
    ("g\u{0331}", "g"),         // g̱
    ("\u{011E}", "G"),          // Ğ
    ("\u{1E20}", "G"),          // Ḡ
    ("G\u{0331}", "G"),         // G̱
    ("\u{00EF}", "i"),          // ï
    ("\u{00EE}", "i"),          // î
    ("\u{00EC}", "i"),          // ì
    ("\u{00ED}", "i"),          // í
    ("\u{0131}", "i"),          // ı
    ("\u{012B}", "i"),          // ī
    ("\u{012B}\u{0301}", "i"),  // ī́
    ("\u{012B}\u{0300}", "i"),  // ī̀
    ("\u{012B}\u{0302}", "i"),  // ī̂
    ("\u{012B}\u{0303}", "i"),  // ī̃
    ("i\u{0331}", "i"),         // i̱
    ("\u{00CF}", "I"),          // Ï
    ("\u{00CE}", "I"),          // Î
    ("\u{00CC}", "I"),          // Ì
    ("\u{00CD}", "I"),          // Í
    ("\u{0130}", "I"),          // İ
    ("\u{012A}", "I"),          // Ī
    ("\u{012A}\u{0301}", "I"),  // Ī́
    ("\u{012A}\u{0300}", "I"),  // Ī̀
    ("\u{012A}\u{0302}", "I"),  // Ī̂
    ("\u{012A}\u{0303}", "I"),  // Ī̃
    ("I\u{0331}", "I"),         // I̱
    ("\u{013E}", "l"),          // ľ
    ("\u{0142}", "l"),          // ł
    ("l\u{0304}", "l"),         // l̄
    ("\u{1E39}", "l"),          // ḹ
    ("\u{1E3B}", "l"),          // ḻ
    ("\u{0141}", "L"),          // Ł
    ("\u{013D}", "L"),          // Ľ
    ("L\u{0304}", "L"),         // L̄
    ("\u{1E38}", "L"),          // Ḹ
    ("\u{1E3A}", "L"),          // Ḻ
    ("\u{00F1}", "n"),          // ñ
    ("\u{0144}", "n"),          // ń
    ("\u{0148}", "n"),          // ň
    ("n\u{0304}", "n"),         // n̄
    ("\u{1E49}", "n"),          // ṉ
    ("\u{00D1}", "N"),          // Ñ
    ("\u{0143}", "N"),          // Ń
    ("\u{0147}", "N"),          // Ň
    ("N\u{0304}", "N"),         // N̄
    ("\u{1E48}", "N"),          // Ṉ
    ("\u{00F6}", "o"),          // ö
    ("\u{00F2}", "o"),          // ò
    ("\u{0151}", "o"),          // ő
    ("\u{00F5}", "o"),          // õ
    ("\u{00F4}", "o"),          // ô
    ("\u{00F3}", "o"),          // ó
    ("\u{014D}", "o"),          // ō
    ("\u{1E53}", "o"),          // ṓ
    ("\u{1E51}", "o"),          // ṑ
    ("\u{014D}\u{0302}", "o"),  // ō̂
    ("\u{014D}\u{0303}", "o"),  // ō̃
    ("\u{022B}", "o"),          // ȫ
    ("\u{014D}\u{0308}", "o"),  // ō̈
    ("\u{01ED}", "o"),          // ǭ
    ("\u{022D}", "o"),          // ȭ
    ("\u{0231}", "o"),          // ȱ
    ("o\u{0331}", "o"),         // o̱
    ("\u{00D6}", "O"),          // Ö
    ("\u{00D2}", "O"),          // Ò
    ("\u{0150}", "O"),          // Ő
    ("\u{00D5}", "O"),          // Õ
    ("\u{00D4}", "O"),          // Ô
    ("\u{00D3}", "O"),          // Ó
    ("\u{014C}", "O"),          // Ō
    ("\u{1E52}", "O"),          // Ṓ
    ("\u{1E50}", "O"),          // Ṑ
    ("\u{014C}\u{0302}", "O"),  // Ō̂
    ("\u{014C}\u{0303}", "O"),  // Ō̃
    ("\u{022A}", "O"),          // Ȫ
    ("\u{014C}\u{0308}", "O"),  // Ō̈
    ("\u{01EC}", "O"),          // Ǭ
    ("\u{022C}", "O"),          // Ȭ
    ("\u{0230}", "O"),          // Ȱ
    ("O\u{0331}", "O"),         // O̱
    ("\u{00F8}", "oe"),         // ø
    ("\u{00F8}\u{0304}", "oe"), // ø̄
    ("\u{0153}\u{0304}", "oe"), // œ̄
    ("\u{00D8}", "OE"),         // Ø
    ("\u{00D8}\u{0304}", "OE"), // Ø̄
    ("\u{0152}\u{0304}", "OE"), // Œ̄
    ("\u{0159}", "r"),          // ř
    ("r\u{0304}", "r"),         // r̄
    ("\u{1E5F}", "r"),          // ṟ
    ("\u{1E5D}", "r"),          // ṝ
    ("\u{0158}", "R"),          // Ř
    ("R\u{0304}", "R"),         // R̄
    ("\u{1E5E}", "R"),          // Ṟ
    ("\u{1E5C}", "R"),          // Ṝ
    ("\u{00DF}", "ss"),         // ß
    ("\u{0161}", "s"),          // š
    ("\u{015B}", "s"),          // ś
    ("\u{0219}", "s"),          // ș
    ("\u{015F}", "s"),          // ş
    ("s\u{0304}", "s"),         // s̄
    ("s\u{0331}", "s"),         // s̱
    ("\u{0160}", "S"),          // Š
    ("\u{015A}", "S"),          // Ś
    ("\u{0218}", "S"),          // Ș
    ("\u{015E}", "S"),          // Ş
    ("S\u{0304}", "S"),         // S̄
    ("S\u{0331}", "S"),         // S̱
    ("\u{0165}", "t"),          // ť
    ("\u{021B}", "t"),          // ț
    ("t\u{0304}", "t"),         // t̄
    ("\u{1E6F}", "t"),          // ṯ
    ("\u{0164}", "T"),          // Ť
    ("\u{021A}", "T"),          // Ț
    ("T\u{0304}", "T"),         // T̄
    ("\u{1E6E}", "T"),          // Ṯ
    ("\u{00FC}", "u"),          // ü
    ("\u{00F9}", "u"),          // ù
    ("\u{00FB}", "u"),          // û
    ("\u{00FA}", "u"),          // ú
    ("\u{016F}", "u"),          // ů
    ("\u{0171}", "u"),          // ű
    ("\u{016B}", "u"),          // ū
    ("\u{016B}\u{0301}", "u"),  // ū́
    ("\u{016B}\u{0300}", "u"),  // ū̀
    ("\u{016B}\u{0302}", "u"),  // ū̂
    ("\u{016B}\u{0303}", "u"),  // ū̃
    ("u\u{0307}\u{0304}", "u"), // u̇̄
    ("\u{01D6}", "u"),          // ǖ
    ("\u{1E7B}", "u"),          // ṻ
    ("\u{1E73}\u{0304}", "u"),  // ṳ̄
    ("u\u{0331}", "u"),         // u̱
    ("\u{00DC}", "U"),          // Ü
    ("\u{00D9}", "U"),          // Ù
    ("\u{00DB}", "U"),          // Û
    ("\u{00DA}", "U"),          // Ú
    ("\u{016E}", "U"),          // Ů
    ("\u{0170}", "U"),          // Ű
    ("\u{016A}", "U"),          // Ū
    ("\u{016A}\u{0301}", "U"),  // Ū́
    ("\u{016A}\u{0300}", "U"),  // Ū̀
    ("\u{016A}\u{0302}", "U"),  // Ū̂
    ("\u{016A}\u{0303}", "U"),  // Ū̃
    ("U\u{0307}\u{0304}", "U"), // U̇̄
    ("\u{01D5}", "U"),          // Ǖ
    ("\u{1E7A}", "U"),          // Ṻ
    ("\u{1E72}\u{0304}", "U"),  // Ṳ̄
    ("U\u{0331}", "U"),         // U̱
    ("\u{00FF}", "y"),          // ÿ
    ("\u{00FD}", "y"),          // ý
    ("\u{0233}", "y"),          // ȳ
    ("\u{0233}\u{0301}", "y"),  // ȳ́
    ("\u{0233}\u{0300}", "y"),  // ȳ̀
    ("\u{0233}\u{0303}", "y"),  // ȳ̃
    ("y\u{0331}", "y"),         // y̱
    ("\u{0178}", "Y"),          // Ÿ
    ("\u{00DD}", "Y"),          // Ý
    ("\u{0232}", "Y"),          // Ȳ
    ("\u{0232}\u{0301}", "Y"),  // Ȳ́
    ("\u{0232}\u{0300}", "Y"),  // Ȳ̀
    ("\u{0232}\u{0303}", "Y"),  // Ȳ̃
    ("Y\u{0331}", "Y"),         // Y̱
    ("\u{017A}", "z"),          // ź
    ("\u{017E}", "z"),          // ž
    ("\u{017C}", "z"),          // ż
    ("z\u{0304}", "z"),         // z̄
    ("\u{1E95}", "z"),          // ẕ
    ("\u{0179}", "Z"),          // Ź
    ("\u{017D}", "Z"),          // Ž
    ("\u{017B}", "Z"),          // Ż
    ("Z\u{0304}", "Z"),         // Z̄
    ("\u{1E94}", "Z"),          // Ẕ
];

fn map() -> &'static HashMap<String, &'static str> {
    static MAP: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        TABLE
            .iter()
            .map(|(k, v)| (k.nfd().collect::<String>(), *v))
            .collect()
    })
}

/// Applies the table to `s`.
pub(crate) fn normalize(s: &str) -> String {
    let map = map();
    let mut out = String::with_capacity(s.len());
    let mut emit = |cluster: &str| {
        let key: String = cluster.nfd().collect();
        match map.get(&key) {
            Some(r) => out.push_str(r),
            None => out.push_str(cluster),
        }
    };
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if is_combining_mark(c) && start.is_some() {
            continue;
        }
        if let Some(st) = start {
            emit(s.get(st..i).unwrap_or(""));
        }
        start = Some(i);
    }
    if let Some(st) = start {
        emit(s.get(st..).unwrap_or(""));
    }
    out
}

pub(crate) fn normalize_diacritics(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let Some(s) = text(a, 0)? else {
        return Ok(Value::Null);
    };
    burn_for(a, s.len())?;
    // Each replacement is at most twice as long as its input cluster.
    ensure_len(a, s.len().saturating_mul(2))?;
    Ok(Value::String(normalize(&s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_examples() {
        assert_eq!(normalize("Zoë"), "Zoe");
        assert_eq!(normalize("Jéssica Smith"), "Jessica Smith");
        assert_eq!(normalize("Straße"), "Strasse");
        assert_eq!(normalize("Øre"), "OEre");
        assert_eq!(normalize("Łukasz"), "Lukasz");
        assert_eq!(normalize("Ægir"), "AEgir");
    }

    #[test]
    fn nfd_input_and_longest_match() {
        assert_eq!(normalize("Zoe\u{0308}"), "Zoe");
        // ā́ (a + macron + acute) is one entry; NFC input has ā + combining acute.
        assert_eq!(normalize("\u{0101}\u{0301}x"), "ax");
        assert_eq!(normalize("a\u{0304}\u{0301}x"), "ax");
        assert_eq!(normalize("\u{00F8}\u{0304}"), "oe");
        assert_eq!(normalize("e\u{030A}\u{0304}"), "e");
    }

    #[test]
    fn not_in_table_passes_through() {
        assert_eq!(normalize("œ Œ đ ð þ ħ"), "œ Œ đ ð þ ħ");
        // ế (e + circumflex + acute) is not documented: unchanged, not "e" + acute.
        assert_eq!(normalize("\u{1EBF}"), "\u{1EBF}");
        assert_eq!(normalize("x\u{0301}"), "x\u{0301}");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("\u{0301}a"), "\u{0301}a");
        assert_eq!(normalize("ı İ"), "i I");
    }

    #[test]
    fn every_entry_maps_in_nfc_and_nfd() {
        for (k, v) in TABLE {
            let nfc: String = k.nfc().collect();
            let nfd: String = k.nfd().collect();
            assert_eq!(&normalize(&nfc), v, "{k:?}");
            assert_eq!(&normalize(&nfd), v, "{k:?}");
        }
    }
}
