#!/usr/bin/env bash
# Throughput and latency of the API with wrk (Debian package `wrk`): GET /healthz against POST
# /v1/assessments with a three-state incident, on one release server, 64 connections, 2 threads.
# It measures the server as shipped (Swift concurrency on NIO's event loops), then, for comparison,
# with Swift's default thread pool (--executor dispatch). Each pair runs on the same
# server in the same run, healthz first.
# Usage: scripts/bench-http.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
command -v wrk >/dev/null || { echo "install wrk first: apt-get install -y wrk"; exit 1; }
swift build -c release --product breachclock >/dev/null
bin=$PWD/.build/release/breachclock
work=$(mktemp -d)
port=18080
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
key=$("$bin" keys create --db "$work/bench.sqlite" --name bench --role viewer 2>/dev/null)

cp scripts/wrk-report.lua "$work/report.lua"
cat > "$work/assess.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $key"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"timezone": "America/New_York", "events": {"discoveredAt": "2026-03-02T14:00:00-05:00"}, "data": {"elements": ["name", "ssn"]}, "riskOfHarm": "likely", "affected": {"US-CA": 1200, "US-TX": 300, "US-NY": 40}}'
LUA
cat "$work/report.lua" >> "$work/assess.lua"

# measure LABEL EXECUTOR: one server, healthz then assessments.
measure() {
  "$bin" serve --executor "$2" --db "$work/bench.sqlite" --port "$port" --log-level warning &
  server=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  status=$(curl -s -o /dev/null -w "%{http_code}" -X POST -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d '{"events": {"discoveredAt": "2026-03-02"}, "data": {"elements": ["name", "ssn"]}, "affected": {"US-CA": 1}}' \
    "http://127.0.0.1:$port/v1/assessments")
  [ "$status" = 200 ] || { echo "POST /v1/assessments answered $status, not 200"; exit 1; }
  health=$(wrk -t2 -c64 -d"${seconds}s" -s "$work/report.lua" "http://127.0.0.1:$port/healthz" | grep RESULT)
  assess=$(wrk -t2 -c64 -d"${seconds}s" -s "$work/assess.lua" "http://127.0.0.1:$port/v1/assessments" | grep RESULT)
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  read -r _ hr hp50 hp99 herr <<<"$health"
  read -r _ ar ap50 ap99 aerr <<<"$assess"
  echo "$1"
  echo "  GET /healthz:          $hr req/s, p50 $hp50 ms, p99 $hp99 ms, $herr errors"
  echo "  POST /v1/assessments:  $ar req/s, p50 $ap50 ms, p99 $ap99 ms, $aerr errors"
  awk -v a="$ar" -v h="$hr" 'BEGIN { printf "  assessments reach %.0f%% of healthz throughput (target at least 50%%; p99 target under 50 ms)\n", 100 * a / h }'
}

measure "as shipped (Swift concurrency on NIO's event loops):" nio
measure "for comparison, Swift's default thread pool (serve --executor dispatch):" dispatch
