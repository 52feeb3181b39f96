//! PATCH parse + apply never panic; a failed apply leaves no partial result.
#![no_main]
use libfuzzer_sys::fuzz_target;
use scimmap::scim::{apply_patch, Compat, Schemas};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    // "<path>\n<json value>" drives one operation of each kind; whole JSON bodies also work.
    let (path, value) = src.split_once('\n').unwrap_or((src, "null"));
    let value: serde_json::Value = serde_json::from_str(value).unwrap_or(serde_json::Value::Null);
    let user = serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a",
        "emails": [{"type": "work", "value": "x@y", "primary": true}], "name": {"givenName": "A"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "d"}});
    for op in ["add", "replace", "remove", "Remove"] {
        let body = serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": op, "path": path, "value": value}]});
        for compat in [Compat::strict(), Compat::entra()] {
            let _ = apply_patch(&user, &body, &Schemas::core(), &compat);
        }
    }
    if let Ok(body) = serde_json::from_str::<serde_json::Value>(src) {
        let _ = apply_patch(&user, &body, &Schemas::core(), &Compat::entra());
    }
});
