//! Resource limits applied to untrusted input (the worker aborts its isolate on a panic,
//! and a stack overflow is a panic there).

/// Limits on source text, nesting and evaluation work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted source text, in bytes.
    pub max_len: usize,
    /// Deepest accepted nesting of calls, brackets or parentheses.
    pub max_depth: usize,
    /// Evaluation steps before an evaluation is stopped (one per node visited and per
    /// unit of work inside functions such as Replace or Split).
    pub fuel: u64,
    /// Longest string `RandomString` may produce (Entra documents 256).
    pub max_random_len: usize,
    /// Longest string any function may produce.
    pub max_string_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_len: 64 * 1024,
            max_depth: 64,
            fuel: 1_000_000,
            max_random_len: 256,
            max_string_len: 1 << 20,
        }
    }
}
