//! The `scimmap` command line (contract in DESIGN.md).
use std::io::{Read, Write};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut stdin = || {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    };
    let (out, err, code) = match args.first().map(String::as_str) {
        Some("filter") => {
            scimmap::scim::cli::filter_command(args.get(1..).unwrap_or(&[]), &mut stdin)
        }
        Some("patch") => {
            scimmap::scim::cli::patch_command(args.get(1..).unwrap_or(&[]), &mut stdin)
        }
        _ => (
            String::new(),
            "usage: scimmap (filter|patch) ...\n".to_string(),
            2,
        ),
    };
    let _ = std::io::stdout().write_all(out.as_bytes());
    let _ = std::io::stderr().write_all(err.as_bytes());
    std::process::exit(code);
}
