#!/usr/bin/env bash
# Native benches (benches/floor.rs) and the table of each operation as a ratio to its
# floor: serde_json parse + serialize of the same documents.
#
#   bash scripts/bench-report.sh          # run the bench (a few minutes), then print
#   REPORT_ONLY=1 bash scripts/bench-report.sh   # print from target/criterion only
#
# Reads criterion's target/criterion/<group>/<bench>/new/estimates.json (mean, ns).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ "${REPORT_ONLY:-0}" != 1 ]; then
  cargo bench --bench floor -- --warm-up-time 1 --measurement-time "${MEASURE_SECS:-3}" >&2
fi
python3 - "$ROOT/target/criterion" <<'PY'
import json, os, sys
root = sys.argv[1]
def ns(group, name):
    p = os.path.join(root, group, name, "new", "estimates.json")
    try:
        with open(p) as f:
            return json.load(f)["mean"]["point_estimate"]
    except OSError:
        return None
def fmt(v):
    if v is None: return "—"
    for unit, div in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if v >= div: return f"{v/div:.3g} {unit}"
    return f"{v:.3g} ns"
# (label, group, bench, floor bench, per-record divisor)
rows = [
    ("floor: parse+serialize user (1.2 KB)", "floor", "user", None, 1),
    ("floor: parse+serialize PATCH resource+body", "floor", "patch", None, 1),
    ("floor: parse+serialize 10 000 users, per user", "floor", "users_10k", None, 10_000),
    ("map webex: text in → SCIM text out", "map", "webex", "user", 1),
    ("map webex: apply on parsed user", "map", "webex_apply", "user", 1),
    ("map genesys: text in → SCIM text out", "map", "genesys", "user", 1),
    ("map genesys: apply on parsed user", "map", "genesys_apply", "user", 1),
    ("filter: parse", "filter", "parse", None, 1),
    ("filter: match, per user (parsed)", "filter", "match_10k", "users_10k", 10_000),
    ("filter: JSON text + match, per user", "filter", "text_10k", "users_10k", 10_000),
    ("PATCH 3 ops: apply on parsed JSON", "patch", "apply", "patch", 1),
    ("PATCH 3 ops: text in → text out", "patch", "text", "patch", 1),
]
for e in ("join", "lower_before_at", "iif"):
    rows += [
        (f"expr {e}: parse", "expr", f"{e}_parse", None, 1),
        (f"expr {e}: evaluate precompiled", "expr", f"{e}_eval", None, 1),
        (f"expr {e}: parse + evaluate", "expr", f"{e}_parse_eval", None, 1),
    ]
print("| operation | time/op | floor/op | × floor |")
print("|---|---:|---:|---:|")
for label, g, b, floor, per in rows:
    v = ns(g, b)
    fl = ns("floor", floor) if floor else None
    v = v / per if v is not None else None
    if fl is not None:
        fl = fl / (10_000 if floor == "users_10k" else 1)
    ratio = f"{v/fl:.2f}" if v is not None and fl else ""
    print(f"| {label} | {fmt(v)} | {fmt(fl) if floor else ''} | {ratio} |")
PY
