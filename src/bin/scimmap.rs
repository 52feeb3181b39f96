//! The `scimmap` command line (contract in DESIGN.md). A thin dispatcher: every command is a
//! library function (`scimmap::cli`, `scimmap::scim::cli`, `scimmap::mapping::cli`).

use std::io::{Read, Write};

fn read_stdin() -> std::io::Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map(|_| s)
}

fn read_source(name: &str) -> Result<String, String> {
    if name == "-" {
        read_stdin().map_err(|e| format!("stdin: {e}"))
    } else {
        std::fs::read_to_string(name).map_err(|e| format!("{name}: {e}"))
    }
}

/// `filter`, `patch` (scim), `map`, `presets`, `check --schema|--preset` (mapping):
/// (stdout, stderr, exit status). Run before the standard streams are locked below.
fn other_command(args: &[String]) -> Option<(String, String, i32)> {
    use scimmap::mapping::cli;
    let (command, rest) = args.split_first()?;
    let mapping = |o: cli::Output| Some((o.stdout, o.stderr, o.code));
    match command.as_str() {
        "filter" => Some(scimmap::scim::cli::filter_command(rest, &mut read_stdin)),
        "patch" => Some(scimmap::scim::cli::patch_command(rest, &mut read_stdin)),
        "map" => mapping(cli::map(rest, &read_source)),
        "presets" => mapping(cli::presets()),
        "check" if cli::is_mapping_check(rest) => mapping(cli::check(rest, &read_source)),
        _ => None,
    }
}

fn main() {
    // `args_os` + lossy conversion: `std::env::args` panics on arguments that are not UTF-8.
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if let Some((out, err, code)) = other_command(&args) {
        let _ = std::io::stdout().write_all(out.as_bytes());
        let _ = std::io::stderr().write_all(err.as_bytes());
        std::process::exit(code);
    }
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut io = scimmap::cli::Io {
        stdin: &mut stdin.lock(),
        stdout: &mut stdout.lock(),
        stderr: &mut stderr.lock(),
    };
    let code = scimmap::cli::run(&args, &mut io);
    std::process::exit(code);
}
