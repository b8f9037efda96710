#!/usr/bin/env bash
# Whole-process cost of `breachclock what-if` against `breachclock --version` of the same release binary.
# Usage: scripts/bench-cli.sh [runs]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
swift build -c release --product breachclock >/dev/null
bin=.build/release/breachclock
all=$(mktemp --suffix=.yaml)
trap 'rm -f "$all"' EXIT
{
  echo "timezone: America/New_York"
  echo "events: { discoveredAt: 2026-03-02T14:00:00-05:00 }"
  echo "data: { elements: [name, ssn, drivers-license, financial-account, account-access-code, medical, online-credentials] }"
  echo "riskOfHarm: likely"
  echo "affected:"
  grep -h -A40 '^covers:' Jurisdictions/EU/*.yaml | grep -oE '\b[A-Z]{2}\b' | sort -u | sed 's/^/  "/; s/$/": 20000/'
  ls Jurisdictions/US | sed -n 's/^\(US-..\)\.yaml$/  \1: 20000/p'
} > "$all"

# Median wall time of a command over $runs runs, in milliseconds.
median_ms() {
  local samples=()
  for ((i = 0; i < runs; i++)); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    samples+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

version=$(median_ms "$bin" --version)
typical=$(median_ms "$bin" what-if --facts Examples/three-states-and-gdpr.yaml --format json)
everything=$(median_ms "$bin" what-if --facts "$all" --format json)
echo "median over $runs runs: --version ${version} ms; what-if typical ${typical} ms; what-if all jurisdictions ${everything} ms"
awk -v v="$version" -v t="$typical" -v a="$everything" 'BEGIN { printf "ratios: typical %.2fx (budget 1.5x), all %.2fx (budget 3x)\n", t / v, a / v }'
