#!/usr/bin/env bash
# Whole-process cost of `breachclock what-if` against `breachclock --version` of the same release binary.
# Usage: scripts/bench-cli.sh [runs]   Builds the release binary; uses hyperfine (Debian package) when
# installed, else a shell loop. The first what-if run validates the rules and writes the rules archive
# (see RulesLoader); the timed runs are warm, as a user's second and later runs are.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
swift build -c release --product breachclock >/dev/null
bin=.build/release/breachclock
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BREACHCLOCK_CACHE="$work/cache"
all="$work/all.yaml"
{
  echo "timezone: America/New_York"
  echo "events: { discoveredAt: 2026-03-02T14:00:00-05:00 }"
  echo "data: { elements: [name, ssn, drivers-license, financial-account, account-access-code, medical, online-credentials] }"
  echo "riskOfHarm: likely"
  echo "affected:"
  sed -n '/^covers:/,/^[a-z]/p' Jurisdictions/EU/EU-GDPR.yaml | grep -oE '\b[A-Z]{2}\b' | sort -u | sed 's/^/  "/; s/$/": 20000/'
  ls Jurisdictions/US | sed -n 's/^\(US-..\)\.yaml$/  \1: 20000/p'
} > "$all"
typical=(what-if --facts Examples/three-states-and-gdpr.yaml --format json)
everything=(what-if --facts "$all" --format json)
"$bin" "${typical[@]}" >/dev/null   # cold run: validates and writes the archive

if command -v hyperfine >/dev/null; then
  hyperfine -N -w 20 -r "$runs" --export-json "$work/h.json" \
    "$bin --version" "$bin ${typical[*]}" "$bin ${everything[*]}" >/dev/null
  python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
v, t, a = (x["median"] * 1000 for x in r)
print(f"hyperfine medians: --version {v:.2f} ms; what-if typical {t:.2f} ms; what-if all jurisdictions {a:.2f} ms")
print(f"ratios: typical {t / v:.2f}x (budget 1.5x), all {a / v:.2f}x (budget 3x)")
PY
  exit 0
fi

median_ms() {
  local samples=()
  for ((i = 0; i < runs; i++)); do
    local start end
    start=$(date +%s%N); "$@" >/dev/null; end=$(date +%s%N)
    samples+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}
v=$(median_ms "$bin" --version); t=$(median_ms "$bin" "${typical[@]}"); a=$(median_ms "$bin" "${everything[@]}")
echo "loop medians: --version $v ms; what-if typical $t ms; what-if all jurisdictions $a ms"
awk -v v="$v" -v t="$t" -v a="$a" 'BEGIN { printf "ratios: typical %.2fx (budget 1.5x), all %.2fx (budget 3x)\n", t / v, a / v }'
