//! The `scimmap` command line (contract in DESIGN.md).
use std::io::{Read, Write};

fn read_source(name: &str) -> Result<String, String> {
    if name == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("stdin: {e}"))?;
        Ok(s)
    } else {
        std::fs::read_to_string(name).map_err(|e| format!("{name}: {e}"))
    }
}

fn emit(out: scimmap::mapping::cli::Output) -> i32 {
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    out.code
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let code = match args.first().map(String::as_str) {
        Some("map") => emit(scimmap::mapping::cli::map(rest, &read_source)),
        Some("presets") => emit(scimmap::mapping::cli::presets()),
        Some("check") if scimmap::mapping::cli::is_mapping_check(rest) => {
            emit(scimmap::mapping::cli::check(rest, &read_source))
        }
        _ => {
            eprintln!("usage: scimmap (map|check|presets) …  (see DESIGN.md)");
            2
        }
    };
    std::process::exit(code);
}
