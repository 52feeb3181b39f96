//! The `scimmap` command line (contract in DESIGN.md).
fn main() {
    std::process::exit(2);
}
