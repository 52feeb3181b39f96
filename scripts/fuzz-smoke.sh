#!/usr/bin/env bash
# Builds every cargo-fuzz target with the address sanitizer and runs each for a short while
# (default 20 s) from the seeds in fuzz/seeds/<target> (plus fuzz/corpus/<target> when it
# exists). scripts/test.sh runs it, so CI does. Needs cargo-fuzz (scripts/setup.sh installs
# it) and any Rust toolchain; stable is enough (see RUSTC_BOOTSTRAP below).
#
#   bash scripts/fuzz-smoke.sh                                   # every target, 20 s each
#   FUZZ_SECS=600 FUZZ_KEEP_CORPUS=1 bash scripts/fuzz-smoke.sh mapping_apply   # long run of one
#
# Knobs: FUZZ_SECS (seconds per target, default 20), FUZZ_TIMEOUT (seconds one input may take
# before libFuzzer calls it a hang and fails, default 30), FUZZ_KEEP_CORPUS=1 (new inputs go to
# fuzz/corpus/<target>, gitignored; by default they go to a temporary directory deleted on
# exit, so a run leaves nothing behind), FUZZ_ARGS (more libFuzzer flags, e.g. "-runs=100000"),
# FUZZ_TOOLCHAIN (e.g. nightly, to run `cargo +nightly fuzz`; default: the default toolchain).
#
# Fails (exit 1) when a target crashes, leaks, hangs, runs out of memory or fails to start;
# libFuzzer's report is printed and the failing input's path (fuzz/artifacts/<target>/...,
# gitignored) is named.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/fuzz"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
command -v cargo-fuzz >/dev/null 2>&1 || { echo "cargo-fuzz missing: bash scripts/setup.sh" >&2; exit 2; }

# cargo-fuzz builds with `-Zsanitizer=address`, an unstable rustc flag that only a nightly
# compiler accepts. CI machines have exactly one toolchain, stable, and cannot fetch nightly,
# so RUSTC_BOOTSTRAP=1 lets the stable compiler accept the -Z flag. Stable's rust-std for
# x86_64-unknown-linux-gnu ships the ASan runtime (librustc-stable_rt.asan.a). The variable
# is set only for this script: the fuzz workspace has its own target dir (fuzz/target), and
# the main workspace's builds never see it.
export RUSTC_BOOTSTRAP=1
cargo_fuzz() { cargo ${FUZZ_TOOLCHAIN:+"+$FUZZ_TOOLCHAIN"} fuzz "$@"; }

SECS="${FUZZ_SECS:-20}"
TIMEOUT="${FUZZ_TIMEOUT:-30}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/scimmap-fuzz.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo_fuzz list); fi
[ "${#targets[@]}" -gt 0 ] || { echo "no fuzz targets (cargo fuzz list failed?)" >&2; exit 2; }
read -r -a extra <<<"${FUZZ_ARGS:-}"
echo "== fuzz build (release, address sanitizer, $(rustc ${FUZZ_TOOLCHAIN:+"+$FUZZ_TOOLCHAIN"} --version)): ${targets[*]}"
build_start=$SECONDS
if [ "${#targets[@]}" -eq 1 ]; then cargo_fuzz build "${targets[0]}"; else cargo_fuzz build; fi
echo "   built in $((SECONDS - build_start)) s"

status=0
for t in "${targets[@]}"; do
  if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ]; then
    corpus="corpus/$t"
  else
    corpus="$TMP/corpus-$t"
  fi
  mkdir -p "$corpus" "artifacts/$t"
  inputs=("$corpus")
  [ "$corpus" != "corpus/$t" ] && [ -d "corpus/$t" ] && inputs+=("corpus/$t")
  [ -d "seeds/$t" ] && inputs+=("seeds/$t")
  dict=()
  [ "$t" = expr_parse_eval ] && dict=(-dict=dict/entra.dict)
  log="$TMP/$t.log"
  marker="$TMP/$t.start"
  touch "$marker"
  echo "== fuzz $t for ${SECS}s"
  rc=0
  # libFuzzer writes new inputs to the first corpus directory only; the others are read.
  cargo_fuzz run "$t" "${inputs[@]}" -- \
    -max_total_time="$SECS" -timeout="$TIMEOUT" -print_final_stats=1 "${dict[@]}" "${extra[@]}" \
    >"$log" 2>&1 || rc=$?
  execs="$(awk '/^stat::number_of_executed_units:/{print $2}' "$log")"
  rate="$(awk '/^stat::average_exec_per_sec:/{print $2}' "$log")"
  added="$(awk '/^stat::new_units_added:/{print $2}' "$log")"
  mapfile -t crashes < <(find "artifacts/$t" -type f -newer "$marker" | sort)
  if [ "$rc" -ne 0 ] || [ "${#crashes[@]}" -gt 0 ]; then
    status=1
    # The report from the first panic/sanitizer/libFuzzer error on (else the log's tail).
    first="$(grep -n -m1 -E 'panicked at|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|^==[0-9]+== ?ERROR' "$log" | cut -d: -f1 || true)"
    echo "-- libFuzzer output for $t (full log: $(wc -l <"$log") lines):" >&2
    if [ -n "$first" ]; then
      from=$(( first > 5 ? first - 5 : 1 ))
      sed -n "${from},$(( from + 299 ))p" "$log" >&2
    else
      tail -n 100 "$log" >&2
    fi
    echo "FAIL $t: exit code $rc, ${#crashes[@]} new artifact(s)" >&2
    for a in "${crashes[@]}"; do
      echo "   failing input: fuzz/$a  (reproduce: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run $t $a)" >&2
    done
  else
    echo "   ok: ${execs:-?} executions (${rate:-?}/s), ${added:-?} new inputs, no crash"
  fi
done
exit "$status"
