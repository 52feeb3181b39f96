//! Filter parse + print round trip + match never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use scimmap::scim::{Filter, Schemas};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    for lenient in [false, true] {
        if let Ok(f) = Filter::parse_with(src, &scimmap::Limits::default(), lenient) {
            let printed = f.to_string();
            let again = Filter::parse_with(&printed, &scimmap::Limits::default(), lenient);
            assert!(again.is_ok(), "printed filter does not parse: {printed}");
            let user = serde_json::json!({"userName": "a", "emails": [{"type": "work", "value": "x@y", "primary": true}],
                "meta": {"lastModified": "2011-05-13T04:42:34Z"}, "active": true, "name": {"givenName": "A"}});
            let _ = f.matches(&user, &Schemas::core());
        }
    }
});
