#!/usr/bin/env bash
# The server's peak memory while a large file goes up and comes down: `serve` with
# benches/files/scans.json on SQLite and the local disk; one upload of FILE_MIB (default 1024)
# MiB, then four 10-byte ranges in parallel, then one whole download. The peak resident set
# (VmHWM) of a new server process is read after each phase, so each row is that phase's own peak.
#
#   benches/files/peak_rss.sh                  # release build
#   SERVE_BIN=target/debug/examples/serve FILE_MIB=256 benches/files/peak_rss.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

serve_bin=${SERVE_BIN:-target/release/examples/serve}
file_mib=${FILE_MIB:-1024}
if [ ! -x "$serve_bin" ]; then
  cargo build --release --example serve
fi
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
pid=
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
# A new server for each part, so that one part's allocations do not raise the next one's peak.
start() {
  [ -z "$pid" ] || { kill "$pid"; wait "$pid" 2>/dev/null || true; }
  "$serve_bin" benches/files/scans.json --database "sqlite://$work/scans.db" --files "$work/files" \
    --bind "127.0.0.1:$port" >> "$work/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    curl -sf "$base/health/ready" > /dev/null && break
    sleep 0.1
  done
}
start

kib() { awk -v field="$1:" '$1 == field {print $2}' "/proc/$pid/status"; }
reset_peak() { echo 5 > "/proc/$pid/clear_refs"; }
row() { printf '| %s | %d MiB |\n' "$1" $(( $(kib VmHWM) / 1024 )); }

# A PDF by its first bytes: the field takes images and PDFs.
{ printf '%%PDF-1.7\n'; head -c "$((file_mib * 1024 * 1024 - 9))" /dev/urandom; } > "$work/large.bin"
echo "| phase ($file_mib MiB file) | peak RSS |"
echo "|---|---:|"
row "started, idle"
record=$(curl -sf -H 'content-type: application/json' -d '{"title": "large"}' "$base/api/tables/scans/records" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
reset_peak
url=$(curl -sf -F "file=@$work/large.bin" "$base/api/tables/scans/records/$record/fields/original/files" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["files"][0]["url"])')
row "upload"
start
reset_peak
middle=$((file_mib * 512 * 1024))
for _ in 1 2 3 4; do
  curl -sf -o /dev/null -H "range: bytes=$middle-$((middle + 9))" "$base$url" &
done
wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true
row "4 ranged downloads of 10 bytes, in parallel"
start
reset_peak
curl -sf -o "$work/back.bin" "$base$url"
row "whole download"
cmp -s "$work/large.bin" "$work/back.bin" || { echo "the downloaded file differs" >&2; exit 1; }
