#!/usr/bin/env bash
# Instructions per request of `serve` on SQLite, counted by callgrind: the same figure however
# busy the machine is, so a change to the engine can be compared before and after on any day.
#
#   benches/load/callgrind.sh [SCENARIO ...]     (default: every GET scenario of run.sh)
#
# It seeds the load benchmark's 10,000 items into a fresh SQLite file with the release `serve`
# (built by run.sh or `cargo build --release --example serve`), then serves them under
# `valgrind --tool=callgrind` and, for each scenario, sends 10 requests and then 30: the
# difference divided by 20 leaves out start-up and warm-up. Everything stays on loopback.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${OMNERA_BIN:-$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/examples/serve}
PORT=${CALLGRIND_PORT:-18090}
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT

command -v valgrind >/dev/null || { echo "callgrind.sh: needs valgrind (apt-get install -y valgrind)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "callgrind.sh: no serve binary at $BIN; build it with cargo build --release --example serve" >&2; exit 1; }

serve() {
  "$@" "$BIN" "$HERE/items.json" --database "sqlite://$WORK/items.db" --bind "127.0.0.1:$PORT" \
    --files "$WORK/files" >>"$WORK/serve.log" 2>&1 &
  PID=$!
  for _ in $(seq 1200); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && return
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "callgrind.sh: serve not ready" >&2
  exit 1
}

stop() {
  kill -INT "$PID"
  wait "$PID" || true
  PID=
}

url_for() {
  local base="http://127.0.0.1:$PORT/api/tables/items/records"
  case $1 in
    get) echo "$base/$(cat "$WORK/sample_id")" ;;
    list) echo "$base?limit=50" ;;
    list_nototal) echo "$base?limit=50&count=none" ;;
    filter) echo "$base?limit=50&filter=active%3Dtrue%20%26%26%20price%3E500%20%26%26%20status%3D%27published%27&sort=-price" ;;
    *) echo "callgrind.sh: unknown scenario $1 (get, list, list_nototal, filter)" >&2; exit 1 ;;
  esac
}

# Instructions counted so far, as callgrind's dump reports them.
counted() {
  local file=$WORK/callgrind.out
  rm -f "$file".*
  callgrind_control -d "$PID" >/dev/null 2>&1
  sleep 0.5
  grep -h '^summary:' "$file".* | awk '{ total += $2 } END { print total }'
}

SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(get list list_nototal filter)

mkdir -p "$WORK/files"
serve env
python3 "$HERE/seed.py" "$PORT" 10000 "$WORK/sample_id" >/dev/null
stop

serve valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" --dump-instr=no
echo "| scenario | instructions per request |"
echo "|---|---:|"
for scenario in "${SCENARIOS[@]}"; do
  url=$(url_for "$scenario")
  for _ in $(seq 5); do curl -sf -o /dev/null "$url"; done
  callgrind_control -z "$PID" >/dev/null 2>&1
  for _ in $(seq 10); do curl -sf -o /dev/null "$url"; done
  ten=$(counted)
  callgrind_control -z "$PID" >/dev/null 2>&1
  for _ in $(seq 30); do curl -sf -o /dev/null "$url"; done
  thirty=$(counted)
  printf '| %s | %s |\n' "$scenario" "$(python3 -c "print(f'{($thirty - $ten) / 20 / 1e6:.2f}M')")"
done
stop
