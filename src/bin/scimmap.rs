//! The `scimmap` command line (contract in DESIGN.md). A thin dispatcher: every command is a
//! library function reached through `scimmap::cli::run`.

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
    let code = scimmap::cli::run(&args, &mut io);
    std::process::exit(code);
}
