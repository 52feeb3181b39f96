//! The generated user list shared by the native benches (`benches/floor.rs`,
//! `benches/scim.rs`, `examples/bench_native.rs`); `bench/node/bench.mjs` builds the same
//! list in JS, so every side of a comparison filters identical data.

use serde_json::{json, Value};

/// `n` users with two emails each, a boolean, a userType and a dateTime.
pub fn users(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({"id": i.to_string(), "userName": format!("user{i}@contoso.com"),
              "userType": if i % 3 == 0 { "Employee" } else { "Contractor" },
              "active": i % 2 == 0,
              "emails": [{"type": "work", "value": format!("user{i}@example.org"), "primary": true},
                         {"type": "home", "value": format!("u{i}@home.example.com")}],
              "meta": {"lastModified": format!("2011-05-{:02}T04:42:34Z", 1 + i % 28)}})
        })
        .collect()
}
