//! COMPATIBILITY.md's function table is generated from the registry, so the document and
//! the engine cannot drift apart. `UPDATE_COMPATIBILITY=1 cargo test --test compatibility_doc`
//! rewrites the table; otherwise a mismatch fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use scimmap::entra::all_functions;

const BEGIN: &str =
    "<!-- functions:begin (generated from the registry by tests/compatibility_doc.rs) -->\n";
const END: &str = "<!-- functions:end -->";

fn table() -> String {
    let mut out =
        String::from("| function | signature | source | what it does |\n|---|---|---|---|\n");
    for f in all_functions() {
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} |\n",
            f.name,
            f.signature(),
            f.source,
            f.doc.replace('|', "\\|")
        ));
    }
    out
}

#[test]
fn function_table_matches_registry() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/COMPATIBILITY.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let start = doc
        .find(BEGIN)
        .expect("COMPATIBILITY.md lacks the functions:begin marker")
        + BEGIN.len();
    let end = doc[start..]
        .find(END)
        .expect("COMPATIBILITY.md lacks the functions:end marker")
        + start;
    let want = table();
    if doc[start..end] == want {
        return;
    }
    if std::env::var_os("UPDATE_COMPATIBILITY").is_some() {
        let updated = format!("{}{}{}", &doc[..start], want, &doc[end..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    panic!("COMPATIBILITY.md's function table is stale; run UPDATE_COMPATIBILITY=1 cargo test --test compatibility_doc");
}

#[test]
fn every_function_has_a_doc_line_and_source() {
    for f in all_functions() {
        assert!(!f.doc.is_empty(), "{} has no doc line", f.name);
        assert!(!f.source.is_empty(), "{} has no source", f.name);
    }
    assert_eq!(all_functions().len(), 48);
}
