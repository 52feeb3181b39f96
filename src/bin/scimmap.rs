//! The `scimmap` command line (contract in DESIGN.md). A thin dispatcher: every command is a
//! library function in `scimmap::cli`.

use std::io::Read;

/// `map`, `presets` and `check --schema|--preset` (issue 5), in `scimmap::mapping::cli`.
fn mapping_command(args: &[String]) -> Option<scimmap::mapping::cli::Output> {
    use scimmap::mapping::cli;
    let (command, rest) = args.split_first()?;
    match command.as_str() {
        "map" => Some(cli::map(rest, &read_source)),
        "presets" => Some(cli::presets()),
        "check" if cli::is_mapping_check(rest) => Some(cli::check(rest, &read_source)),
        _ => None,
    }
}

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

fn main() {
    // `args_os` + lossy conversion: `std::env::args` panics on arguments that are not UTF-8.
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut io = scimmap::cli::Io {
        stdin: &mut stdin.lock(),
        stdout: &mut stdout.lock(),
        stderr: &mut stderr.lock(),
    };
    let code = match mapping_command(&args) {
        Some(out) => {
            let _ = io.stdout.write_all(out.stdout.as_bytes());
            let _ = io.stderr.write_all(out.stderr.as_bytes());
            out.code
        }
        None => scimmap::cli::run(&args, &mut io),
    };
    std::process::exit(code);
}
