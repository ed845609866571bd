#!/usr/bin/env bash
# Load benchmark: Omnera's example server against PocketBase, same data, same wrk parameters.
#
# Usage: benches/load/run.sh [--no-build] [--no-peer] [--postgres | --no-postgres]
#   --no-build      use the serve binary last built (when the work tree does not compile now)
#   --no-peer       skip PocketBase (no ratio column)
#   --postgres      also run Omnera on PostgreSQL, and fail if it is not reachable
#   --no-postgres   skip PostgreSQL (by default it runs when 127.0.0.1:5432 accepts connections)
# Environment: LOAD_DURATION (10s), LOAD_RUNS (3), LOAD_WARMUP (3s), LOAD_THREADS (2),
#   LOAD_CONNECTIONS (32), LOAD_RECORDS (10000), LOAD_RUST_LOG (info), LOAD_POSTGRES_URL
#   (postgres://postgres@127.0.0.1:5432), LOAD_SQLITE_PORT (18080), LOAD_POSTGRES_PORT (18081).
# The table goes to stdout and to target/load/latest.md; progress goes to stderr.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PEER_DIR=${PEER_DIR:-$(cd "$ROOT/.." && pwd)/shared/bench/pocketbase}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=$TARGET_DIR/load

DURATION=${LOAD_DURATION:-10s}
RUNS=${LOAD_RUNS:-3}
WARMUP=${LOAD_WARMUP:-3s}
THREADS=${LOAD_THREADS:-2}
CONNECTIONS=${LOAD_CONNECTIONS:-32}
RECORDS=${LOAD_RECORDS:-10000}
PG_BASE=${LOAD_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
PG_DB=omnera_load_$$
# The same directory start.sh and stop.sh use; exported so the three agree.
export PBDIR=${PBDIR:-${TMPDIR:-/tmp}/omnera-pocketbase}
PEER_URL=http://127.0.0.1:8090/api/collections/items/records

SCENARIOS=(get list list_nototal filter create)
SERVERS=()            # in the order they are measured: pocketbase first, then Omnera
declare -A PORT=([sqlite]=${LOAD_SQLITE_PORT:-18080} [postgres]=${LOAD_POSTGRES_PORT:-18081})
declare -A PID=()     # Omnera server processes started here
declare -A SAMPLE=()  # the id of record N/2 on each server, for get by id
WORK=""               # temp dir: SQLite file, attachments, sample ids, raw results
PEER_STARTED=0
PG_CREATED=0

say() { echo "[load] $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

usage() { sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//'; }

parse_args() {
  WANT_BUILD=1 WANT_PEER=1 WANT_PG=auto
  for arg in "$@"; do
    case $arg in
      --no-build) WANT_BUILD=0 ;;
      --no-peer) WANT_PEER=0 ;;
      --postgres) WANT_PG=1 ;;
      --no-postgres) WANT_PG=0 ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; die "unknown option $arg" ;;
    esac
  done
}

# Everything started here is stopped on any exit, including Ctrl-C and failures.
cleanup() {
  set +e
  for server in "${!PID[@]}"; do stop_omnera "$server"; done
  if [ "$PEER_STARTED" = 1 ]; then "$PEER_DIR/stop.sh"; fi
  if [ "$PG_CREATED" = 1 ]; then
    psql "$PG_BASE/postgres" -qc "drop database if exists $PG_DB with (force)" >/dev/null
  fi
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
}

postgres_reachable() { psql "$PG_BASE/postgres" -Atqc 'select 1' >/dev/null 2>&1; }

choose_servers() {
  if [ "$WANT_PEER" = 1 ]; then SERVERS+=(pocketbase); fi
  SERVERS+=(sqlite)
  case $WANT_PG in
    1) postgres_reachable || die "PostgreSQL at $PG_BASE does not accept connections"
       SERVERS+=(postgres) ;;
    auto) if postgres_reachable; then SERVERS+=(postgres); else say "PostgreSQL not reachable: skipped"; fi ;;
  esac
  say "servers: ${SERVERS[*]}"
}

# Omnera is run from the release binary directly, so the PID (and its RSS) is the server's own.
build_omnera() {
  OMNERA_BIN=$TARGET_DIR/release/examples/serve
  if [ "$WANT_BUILD" = 1 ]; then
    say "building serve (release); this waits for cargo's lock if another build is running"
    (cd "$ROOT" && cargo build --release -j2 --example serve >&2)
  else
    say "not building: using $OMNERA_BIN of $(date -r "$OMNERA_BIN" '+%F %T')"
  fi
  [ -x "$OMNERA_BIN" ] || die "no binary at $OMNERA_BIN"
}

# start.sh installs PocketBase and wrk when missing, starts it on :8090 and seeds N records.
start_peer() {
  say "starting PocketBase with $RECORDS records (sequential inserts: this takes a while)"
  "$PEER_DIR/start.sh" "$RECORDS" >&2
  PEER_STARTED=1
  SAMPLE[pocketbase]=$(cat "$PBDIR/sample_id.txt")
}

database_url() {
  case $1 in
    sqlite) echo "sqlite://$WORK/items.db" ;;
    postgres) echo "$PG_BASE/$PG_DB" ;;
  esac
}

create_pg_database() {
  psql "$PG_BASE/postgres" -qc "create database $PG_DB" >/dev/null
  PG_CREATED=1
}

# Serve applies the schema at start; ready when /health/ready answers.
start_omnera() {
  local server=$1 port=${PORT[$1]}
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then die "port $port is busy"; fi
  mkdir -p "$WORK/files-$server"
  RUST_LOG=${LOAD_RUST_LOG:-info} "$OMNERA_BIN" "$HERE/items.json" --database "$(database_url "$server")" \
    --bind "127.0.0.1:$port" --files "$WORK/files-$server" >"$OUT/serve-$server.log" 2>&1 &
  PID[$server]=$!
  for _ in $(seq 300); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready"; then return; fi
    kill -0 "${PID[$server]}" 2>/dev/null || { cat "$OUT/serve-$server.log" >&2; die "serve ($server) exited"; }
    sleep 0.1
  done
  die "serve ($server) not ready after 30 s"
}

# SIGINT is the server's graceful shutdown (its Ctrl-C handler); KILL if it hangs.
stop_omnera() {
  local pid=${PID[$1]}
  kill -INT "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
}

seed_omnera() {
  say "seeding Omnera ($1) with $RECORDS records"
  python3 "$HERE/seed.py" "${PORT[$1]}" "$RECORDS" "$WORK/sample-$1.txt" >&2
  SAMPLE[$1]=$(cat "$WORK/sample-$1.txt")
}

urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

# The equivalent request on each server (shared/bench/pocketbase/README.md has the mapping).
url_for() {
  local scenario=$1 server=$2 base
  if [ "$server" = pocketbase ]; then
    base=$PEER_URL
    case $scenario in
      get) echo "$base/${SAMPLE[$server]}" ;;
      list) echo "$base?perPage=50" ;;
      list_nototal) echo "$base?perPage=50&skipTotal=1" ;;
      filter) echo "$base?perPage=50&filter=$(urlencode "(active=true && price>500 && status='published')")&sort=-price" ;;
      create) echo "$base" ;;
    esac
  else
    base=http://127.0.0.1:${PORT[$server]}/api/tables/items/records
    case $scenario in
      get) echo "$base/${SAMPLE[$server]}" ;;
      list) echo "$base?limit=50" ;;
      list_nototal) echo "$base?limit=50&count=none" ;;
      filter) echo "$base?limit=50&filter=$(urlencode "active=true && price>500 && status='published'")&sort=-price" ;;
      create) echo "$base" ;;
    esac
  fi
}

# Before measuring: every read answers 2xx, and the filter matches as many records on each
# server (the data really is the same).
check_requests() {
  local server scenario total totals=""
  for server in "${SERVERS[@]}"; do
    for scenario in get list list_nototal filter; do
      curl -sf -o /dev/null "$(url_for "$scenario" "$server")" || die "$scenario on $server is not a 2xx"
    done
    total=$(curl -sf "$(url_for filter "$server")" | python3 -c \
      'import json, sys; b = json.load(sys.stdin); print(b.get("totalItems", b.get("pagination", {}).get("total")))')
    totals+="$server=$total "
  done
  say "filter matches: $totals"
  [ "$(echo "$totals" | tr ' ' '\n' | cut -d= -f2 | sort -u | grep -c .)" = 1 ] || die "the servers hold different data"
}

# One wrk run. Any non-2xx answer or socket error fails the whole benchmark: such figures mean
# nothing. Also counts the CPU time the server process used during the run (wrk and the server
# share two cores, so req/s alone understates a server that needs less CPU per request).
run_wrk() {
  local scenario=$1 server=$2 duration=$3 run=$4 output result ticks_before ticks_after
  local create=0
  if [ "$scenario" = create ]; then create=1; fi
  ticks_before=$(cpu_ticks "$server")
  output=$(LOAD_CREATE=$create wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency -s "$HERE/bench.lua" \
    "$(url_for "$scenario" "$server")") || die "wrk failed on $scenario $server"
  ticks_after=$(cpu_ticks "$server")
  printf '### %s %s run %s\n%s\n\n' "$scenario" "$server" "$run" "$output" >>"$OUT/wrk.log"
  if grep -q 'Non-2xx or 3xx responses' <<<"$output"; then
    die "$scenario on $server: $(grep 'Non-2xx' <<<"$output") (see $OUT/wrk.log)"
  fi
  if grep -q 'Socket errors' <<<"$output"; then
    die "$scenario on $server: $(grep 'Socket errors' <<<"$output") (see $OUT/wrk.log)"
  fi
  result=$(grep '^RESULT ' <<<"$output" | cut -d' ' -f2-) || die "no RESULT line from wrk"
  if [ "$run" != warmup ]; then
    record_result "$result" "$scenario" "$server" "$run" $((ticks_after - ticks_before))
  fi
}

# Appends one line to results.jsonl: wrk's figures tagged with scenario, server, run and the
# server's CPU µs per request; echoes a summary to stderr.
record_result() {
  python3 - "$@" "$(getconf CLK_TCK)" >>"$WORK/results.jsonl" <<'PY'
import json, sys
result, scenario, server, run, ticks, hz = sys.argv[1:]
r = json.loads(result)
r.update(scenario=scenario, server=server, run=int(run),
         cpu_us_per_req=int(ticks) * 1e6 / int(hz) / max(r["requests"], 1))
print(json.dumps(r))
print("[load]   %s %s run %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %.0f CPU us/req" % (
    scenario, server, run, r["rps"], r["p50_us"] / 1000, r["p99_us"] / 1000, r["cpu_us_per_req"]),
    file=sys.stderr)
PY
}

# User + system CPU ticks of a server process so far (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$(server_pid "$1")/stat"; }

# Per scenario: a warm-up on each server, then the runs alternating servers (A B A B ..), so a
# drift in the machine's speed hits both alike. Create comes last so the lists see N records.
run_scenarios() {
  local scenario server run
  for scenario in "${SCENARIOS[@]}"; do
    say "$scenario: warm-up $WARMUP on each server, then $RUNS x $DURATION alternating"
    for server in "${SERVERS[@]}"; do run_wrk "$scenario" "$server" "$WARMUP" warmup; done
    for run in $(seq "$RUNS"); do
      for server in "${SERVERS[@]}"; do run_wrk "$scenario" "$server" "$DURATION" "$run"; done
    done
  done
}

server_pid() {
  if [ "$1" = pocketbase ]; then cat "$PBDIR/server.pid"; else echo "${PID[$1]}"; fi
}

# RSS now and its peak (VmHWM) from /proc, in KiB, one JSON line per server.
record_memory() {
  local server pid
  for server in "${SERVERS[@]}"; do
    pid=$(server_pid "$server")
    awk -v s="$server" '/^VmRSS:/ {rss = $2} /^VmHWM:/ {hwm = $2}
      END {printf "{\"server\": \"%s\", \"rss_kib\": %d, \"hwm_kib\": %d}\n", s, rss, hwm}' \
      "/proc/$pid/status" >>"$WORK/memory.jsonl"
  done
}

parameters() {
  local text="wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency after a $WARMUP warm-up, median of $RUNS run(s), $RECORDS records"
  if [ "$WANT_BUILD" = 1 ]; then
    text+=", commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then text+=" + uncommitted changes"; fi
  else
    text+=", serve binary built $(date -u -r "$OMNERA_BIN" +%Y-%m-%dT%H:%MZ) (--no-build)"
  fi
  text+=", run $(date -u +%Y-%m-%dT%H:%MZ)"
  if [ "$PEER_STARTED" = 1 ]; then text+=", PocketBase $("$PBDIR/venv/bin/pocketbase" --version 2>/dev/null | awk '{print $NF}')"; fi
  echo "$text"
}

report() {
  python3 "$HERE/report.py" "$WORK/results.jsonl" "$WORK/memory.jsonl" "$(parameters)" | tee "$OUT/latest.md"
  local server
  for server in "${!PID[@]}"; do
    say "serve ($server) log: $OUT/serve-$server.log, $(wc -l <"$OUT/serve-$server.log") lines"
  done
  say "raw wrk output: $OUT/wrk.log; table also in $OUT/latest.md"
}

main() {
  parse_args "$@"
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  mkdir -p "$OUT"
  : >"$OUT/wrk.log"
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/omnera-load.XXXXXX")
  choose_servers
  build_omnera
  if [ "$WANT_PEER" = 1 ]; then start_peer; fi
  command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
  start_omnera sqlite
  seed_omnera sqlite
  if [[ " ${SERVERS[*]} " == *" postgres "* ]]; then
    create_pg_database
    start_omnera postgres
    seed_omnera postgres
  fi
  check_requests
  run_scenarios
  record_memory
  report
}

main "$@"
