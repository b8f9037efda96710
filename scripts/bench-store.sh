#!/usr/bin/env bash
# The storage engines side by side, in one run (README, "Several instances on PostgreSQL"):
# POST /v1/incidents with wrk (Debian package `wrk`) against one and two release `breachclock serve`
# processes, then the webhook bench (10,000 reminders due at once) with one and two dispatchers, each
# on SQLite and on PostgreSQL (a throwaway cluster from scripts/postgres-cluster, or $BENCH_DB).
# Usage: scripts/bench-store.sh [seconds per wrk run]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
command -v wrk >/dev/null || { echo "install wrk first: apt-get install -y wrk"; exit 1; }
swift build -c release --product breachclock >/dev/null
swift build -c release --product breachclock-webhook-bench >/dev/null
bin=$PWD/.build/release/breachclock
bench=$PWD/.build/release/breachclock-webhook-bench
work=$(mktemp -d)
pg=$(mktemp -d)   # its own folder: the cluster runs as the postgres user, who cannot enter $work
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/postgres-cluster stop "$pg" >/dev/null 2>&1 || true
  rm -rf "$work" "$pg"
}
trap cleanup EXIT
if [ -z "${BENCH_DB:-}" ]; then
  BENCH_DB=$(scripts/postgres-cluster start "$pg" 2>/dev/null)
fi

cat > "$work/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title": "bench", "facts": {"timezone": "America/New_York", "events": {"discoveredAt": "2026-03-02T14:00:00-05:00"}, "data": {"elements": ["name", "ssn"]}, "riskOfHarm": "likely", "affected": {"US-CA": 1200, "US-TX": 300, "US-NY": 40}}}'
LUA
cat scripts/wrk-report.lua >> "$work/create.lua"

# A new database for a run: a SQLite file, or a new PostgreSQL database on the cluster.
fresh() {
  if [ "$1" = sqlite ]; then echo "$work/run-$2.sqlite"; return; fi
  local name="bc_http_$2"
  psql -q "$BENCH_DB" -c "CREATE DATABASE $name" >/dev/null
  echo "${BENCH_DB%/*}/$name"
}

# incidents ENGINE INSTANCES: wrk on each instance at once (32 connections each); sums the rates.
incidents() {
  local db; db=$(fresh "$1" "$1$2")
  local key; key=$("$bin" keys create --db "$db" --name bench --role editor 2>/dev/null)
  local ports=()
  servers=()
  for i in $(seq "$2"); do
    local port=$((18180 + i))
    "$bin" serve --db "$db" --port "$port" --log-level warning --rules Jurisdictions &
    servers+=($!)
    ports+=("$port")
  done
  for port in "${ports[@]}"; do
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  done
  local outs=()
  for port in "${ports[@]}"; do
    wrk -t1 -c32 -d"${seconds}s" -s "$work/create.lua" -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/incidents" \
      > "$work/wrk-$port" &
    outs+=($!)
  done
  wait "${outs[@]}"
  for pid in "${servers[@]}"; do kill "$pid"; done
  wait "${servers[@]}" 2>/dev/null || true
  servers=()
  local total=0 p50="" p99="" errors=0
  for port in "${ports[@]}"; do
    read -r _ rate m50 m99 err < <(grep RESULT "$work/wrk-$port")
    total=$((total + rate)); errors=$((errors + err)); p50="$p50 $m50"; p99="$p99 $m99"
  done
  echo "| POST /v1/incidents | $1 | $2 | $total/s | p50$p50 ms, p99$p99 ms | $errors |"
}

# webhooks ENGINE INSTANCES
webhooks() {
  local out
  if [ "$1" = sqlite ]; then
    out=$(BENCH_INSTANCES="$2" BENCH_PER_HOST=16 "$bench")
  else
    out=$(BENCH_DB="$BENCH_DB" BENCH_INSTANCES="$2" BENCH_PER_HOST=16 "$bench")
  fi
  local rate late
  rate=$(echo "$out" | sed -n 's/^rate \([0-9]*\) deliveries.*/\1/p')
  late=$(echo "$out" | sed -n 's/^lateness \(.*\)/\1/p')
  local delivered; delivered=$(echo "$out" | head -1 | cut -d' ' -f1,3)
  echo "| webhook bench | $1 | $2 | $rate/s | $late | delivered $delivered |"
}

echo "| what | engine | instances | rate | latency | errors / note |"
echo "|---|---|---|---|---|---|"
for engine in sqlite postgres; do
  for n in 1 2; do incidents "$engine" "$n"; done
done
for engine in sqlite postgres; do
  for n in 1 2; do webhooks "$engine" "$n"; done
done
