#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
use scimmap::entra::{EvalOptions, Expression, Outcome, Value};
#[test]
fn join_smoke() {
    let e = Expression::parse(r#"Join(" ", [givenName], ToLower([surname]))"#).unwrap();
    let u = serde_json::json!({"givenName":"Ada","surname":"LOVELACE"});
    assert_eq!(
        e.evaluate(&u, &EvalOptions::default()).unwrap(),
        Outcome::Value(Value::from("Ada lovelace"))
    );
    let err = Expression::parse(r#"Jion(" ", [a])"#).unwrap_err();
    assert_eq!(err.diagnostics[0].code, "unknown-function");
    let err = Expression::parse(r#"Join(" ", [a]"#).unwrap_err();
    println!("{}", err.render(r#"Join(" ", [a]"#));
    let err = Expression::parse(r#"Join(" , [a])"#).unwrap_err();
    println!("{}", err.render(r#"Join(" , [a])"#));
    let e = Expression::parse(r#"Join("", [emails[type eq "work"].value], "\"x\\")"#).unwrap();
    println!("{:?}", e.ast());
}
