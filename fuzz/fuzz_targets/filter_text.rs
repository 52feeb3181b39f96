//! Filtering resources given as JSON text never panics and selects what matching whole
//! trees selects. Input: `<filter>\n<resources JSON>` (an array or a ListResponse).
#![no_main]
use libfuzzer_sys::fuzz_target;
use scimmap::scim::{Filter, ResourceTexts, Schemas};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let (filter, resources) = src.split_once('\n').unwrap_or((src, "[]"));
    let Ok(f) = Filter::parse_with(filter, &scimmap::Limits::default(), true) else {
        return;
    };
    let schemas = Schemas::core();
    let Ok(texts) = ResourceTexts::parse(resources) else {
        return;
    };
    let selected = texts.select(&f, &schemas);
    // Skipped text is checked for syntax only, so the whole-tree side may refuse input
    // (numbers beyond f64, lone surrogates, deep nesting) that the text side accepts.
    let list = match serde_json::from_str::<Value>(resources) {
        Ok(Value::Array(list)) => list,
        Ok(Value::Object(mut o)) => match o.swap_remove("Resources") {
            Some(Value::Array(list)) => list,
            _ => panic!("a ListResponse without a Resources array was split"),
        },
        Ok(_) => panic!("JSON that is no list was split"),
        Err(_) => return,
    };
    let tree: Result<Vec<String>, _> = list
        .iter()
        .filter_map(|r| match f.matches(r, &schemas) {
            Ok(true) => Some(Ok(r.to_string())),
            Ok(false) => None,
            Err(e) => Some(Err(e.to_string())),
        })
        .collect();
    match (tree, selected) {
        (Ok(tree), Ok(text)) => {
            let text: Vec<String> = text
                .iter()
                .map(|t| {
                    serde_json::from_str::<Value>(t)
                        .map(|v| v.to_string())
                        .unwrap_or_default()
                })
                .collect();
            assert_eq!(tree, text, "text selection differs from tree selection");
        }
        (Err(a), Err(b)) => assert_eq!(a, b.to_string()),
        (a, b) => panic!("tree {a:?} but text {b:?}"),
    }
});
