#!/usr/bin/env bash
# Builds every cargo-fuzz target and runs each for a short while (default 20 s) from the
# seeds in fuzz/seeds/<target> (plus any local corpus in fuzz/corpus/<target>).
# Needs cargo-fuzz and the nightly toolchain: `SETUP_FUZZ=1 bash scripts/setup.sh`.
#
#   bash scripts/fuzz-smoke.sh                 # every target, 20 s each
#   FUZZ_SECS=600 bash scripts/fuzz-smoke.sh mapping_apply   # one target, 10 minutes
#
# Not part of scripts/test.sh: the release build of the fuzz workspace alone takes
# several minutes on a 2-core machine, which is over the test script's budget.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/fuzz"
export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo-fuzz >/dev/null 2>&1 || { echo "cargo-fuzz missing: SETUP_FUZZ=1 bash scripts/setup.sh" >&2; exit 2; }
SECS="${FUZZ_SECS:-20}"
if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo +nightly fuzz list); fi
if [ "${#targets[@]}" -eq 1 ]; then cargo +nightly fuzz build "${targets[0]}"; else cargo +nightly fuzz build; fi
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  seeds=()
  [ -d "seeds/$t" ] && seeds=("seeds/$t")
  dict=()
  [ "$t" = expr_parse_eval ] && dict=(-dict=dict/entra.dict)
  echo "== fuzz $t for ${SECS}s"
  if ! cargo +nightly fuzz run "$t" "corpus/$t" "${seeds[@]}" -- \
      -max_total_time="$SECS" -print_final_stats=1 "${dict[@]}" 2>&1 \
      | grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+==|SUMMARY|Done)'; then
    status=1
  fi
  if [ -n "$(ls -A "artifacts/$t" 2>/dev/null)" ]; then
    echo "crash artifacts in fuzz/artifacts/$t" >&2
    status=1
  fi
done
exit "$status"
