#!/usr/bin/env bash
# Instruction counts per operation (callgrind), each as a ratio to its serde_json floor.
# Deterministic, so it is what optimisation decisions are based on; wall-clock numbers on a
# shared 2-core machine move by ±50% between runs.
#
#   bash scripts/bench-instructions.sh
#
# Each operation of examples/bench_native.rs runs N and 2N times under callgrind; the
# difference divided by N is the cost of one call without the set-up.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --profile bench --quiet --example bench_native
BIN="${CARGO_TARGET_DIR:-target}/release/examples/bench_native"
ir() { # op iterations -> total instructions
  BENCH_ONLY="$1" BENCH_ITERS="$2" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" 2>&1 >/dev/null \
    | awk '/Collected :/ {print $NF}'
}
per_call() { # op n
  local a b
  a=$(ir "$1" "$2"); b=$(ir "$1" $(( $2 * 2 )))
  echo $(( (b - a) / $2 ))
}
declare -A I
ops=(floor_user floor_patch map_webex map_genesys map_webex_compile map_genesys_compile patch_text
     expr_join_eval expr_join_parse_eval expr_lower_before_at_eval expr_lower_before_at_parse_eval
     expr_iif_eval expr_iif_parse_eval filter_parse)
for op in "${ops[@]}"; do I[$op]=$(per_call "$op" 200); done
for op in floor_users_10k filter_text_10k filter_tree_10k; do I[$op]=$(per_call "$op" 2); done
row() { # label op floor-op divisor
  local v=${I[$2]} f=""
  if [ -n "${3:-}" ]; then f=${I[$3]}; fi
  local d=${4:-1}
  if [ -n "$f" ]; then
    printf '| %s | %s | %s | %s |\n' "$1" "$(( v / d ))" "$(( f / d ))" "$(awk -v a="$v" -v b="$f" 'BEGIN{printf "%.2f", a/b}')"
  else
    printf '| %s | %s | | |\n' "$1" "$(( v / d ))"
  fi
}
echo "| operation | instructions/op | floor | × floor |"
echo "|---|---:|---:|---:|"
row "floor: parse+serialize user" floor_user
row "floor: parse+serialize PATCH resource+body" floor_patch
row "floor: parse+serialize 10 000 users, per user" floor_users_10k "" 10000
row "map webex, text → text (precompiled)" map_webex floor_user
row "map webex, text → text (compile every call)" map_webex_compile floor_user
row "map genesys, text → text (precompiled)" map_genesys floor_user
row "map genesys, text → text (compile every call)" map_genesys_compile floor_user
row "filter: parse" filter_parse
row "filter: 10 000 users as text, members read parsed + match + matches copied, per user" filter_text_10k floor_users_10k 10000
row "filter: 10 000 users as text, whole trees parsed + match + serialize matches, per user" filter_tree_10k floor_users_10k 10000
row "PATCH 3 ops, text → text" patch_text floor_patch
for e in join lower_before_at iif; do
  row "expr $e: evaluate precompiled" "expr_${e}_eval"
  row "expr $e: parse + evaluate" "expr_${e}_parse_eval"
done
