//! Entra expressions: parse (syntax + checks) any text, and evaluate, format and convert
//! to Graph JSON whatever parses. The README's guarantee is "no panic on any input";
//! libFuzzer reports a panic or stack overflow as a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scimmap::entra::{graph, EvalOptions, Expression};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    // Syntax-only parse and the checker (which also runs inside Expression::parse).
    let _ = scimmap::entra::parse_tree(src, &scimmap::Limits::default());
    let Ok(expr) = Expression::parse(src) else {
        return;
    };
    let user = serde_json::json!({
        "givenName": "Ada", "surname": "Lovelace", "mail": "ada@example.com",
        "proxyAddresses": ["SMTP:a@x", "smtp:b@x"], "n": 3, "flag": true, "empty": "",
        "name": {"givenName": "Ada"},
    });
    let opts = EvalOptions {
        now: chrono::DateTime::from_timestamp(1_700_000_000, 0),
        seed: Some(1),
        ..EvalOptions::default()
    };
    let _ = expr.evaluate(&user, &opts);
    // The canonical form must parse to the same tree.
    let formatted = expr.format();
    match Expression::parse(&formatted) {
        Ok(again) => assert!(again.ast().same_as(expr.ast()), "{src:?} -> {formatted:?}"),
        Err(e) => panic!("{src:?} formats to {formatted:?}, which does not parse: {e}"),
    }
    // Graph conversion round-trips.
    let g = graph::to_graph(expr.ast());
    let _ = graph::from_graph(&g);
});
