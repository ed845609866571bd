# Services the test suite needs, on loopback only. Sourced by .ci/run; usable by hand:
#   source .ci/services.sh && ensure_postgres && echo "$OMNERA_TEST_POSTGRES_URL"

# The services started here, stopped by one EXIT trap of the calling script: their PIDs, and
# their data directories. An ensure_* that starts one adds to these instead of setting a trap.
STARTED_PIDS=()
STARTED_DIRS=()
stop_started_services() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "${STARTED_DIRS[@]}"
}
trap stop_started_services EXIT

free_loopback_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# PostgreSQL at 127.0.0.1:5432 (trust auth): started if installed but stopped, installed if absent.
ensure_postgres() {
  local url="postgres://postgres@127.0.0.1:5432/postgres"
  if ! pg_ready; then
    if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
      echo "installing PostgreSQL"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    start_postgres
  fi
  pg_ready || { echo "PostgreSQL is not reachable at 127.0.0.1:5432" >&2; return 1; }
  export OMNERA_TEST_POSTGRES_URL="$url"
}

pg_ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 -p 5432
  else
    (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
  fi
}

start_postgres() {
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -n "$version" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    trust_local_connections "$version"
  fi
  for _ in $(seq 1 30); do pg_ready && return 0; sleep 1; done
  return 1
}

# A fresh Debian cluster asks for passwords on TCP; the tests connect as postgres without one.
trust_local_connections() {
  local hba="/etc/postgresql/$1/main/pg_hba.conf"
  if [ -f "$hba" ] && ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$1" main reload || true
  fi
}

# aiosmtpd (PyPI), the SMTP server of the mail tests, on a free loopback port writing a maildir;
# stopped when the calling script exits. Exports OMNERA_TEST_SMTP_PORT and OMNERA_TEST_MAILDIR;
# the tests start one themselves when these are not set and aiosmtpd is in ~/.cache/omnera/aiosmtpd.
ensure_smtp() {
  local venv="$HOME/.cache/omnera/aiosmtpd" port maildir
  if ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    echo "installing aiosmtpd"
    python3 -m venv "$venv" && "$venv/bin/pip" install -q aiosmtpd
  fi
  local work
  work=$(mktemp -d)
  STARTED_DIRS+=("$work")
  maildir="$work/maildir"
  mkdir -p "$maildir"/{tmp,new,cur}
  port=$(free_loopback_port)
  "$venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$maildir" > /dev/null 2>&1 &
  STARTED_PIDS+=("$!")
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.2
  done
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "aiosmtpd is not reachable at 127.0.0.1:$port" >&2; return 1; }
  export OMNERA_TEST_SMTP_PORT="$port" OMNERA_TEST_MAILDIR="$maildir"
}

# moto (PyPI `moto[s3]`), the S3-compatible server of the attachment tests, on a free loopback
# port; stopped when the calling script exits. The tests start one themselves when this is not
# set and moto_server is in ~/.cache/omnera/moto/bin.
ensure_moto() {
  local venv="$HOME/.cache/omnera/moto" port
  if [ ! -x "$venv/bin/moto_server" ]; then
    echo "installing moto"
    python3 -m venv "$venv" && "$venv/bin/pip" install -q 'moto[s3]' flask flask-cors
  fi
  port=$(free_loopback_port)
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > /dev/null 2>&1 &
  STARTED_PIDS+=("$!")
  for _ in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$port/" > /dev/null && break
    sleep 0.2
  done
  export OMNERA_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
}

# Azurite (npm `azurite`), the Azure Blob Storage emulator of the attachment tests, on a free
# loopback port with its data in a temporary directory; stopped, and the directory removed, when
# the calling script exits. The tests start one themselves when this is not set and
# azurite-blob is in ~/.cache/omnera/azurite/node_modules/.bin.
ensure_azurite() {
  local prefix="$HOME/.cache/omnera/azurite" port data
  if [ ! -x "$prefix/node_modules/.bin/azurite-blob" ]; then
    echo "installing Azurite"
    npm install --prefix "$prefix" --no-audit --no-fund 'azurite@3' > /dev/null
  fi
  port=$(free_loopback_port)
  data=$(mktemp -d)
  STARTED_DIRS+=("$data")
  "$prefix/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$port" --location "$data" \
    --skipApiVersionCheck --disableTelemetry --silent > /dev/null 2>&1 &
  STARTED_PIDS+=("$!")
  for _ in $(seq 1 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.2
  done
  export OMNERA_TEST_AZURITE_ENDPOINT="http://127.0.0.1:$port"
}

# The CRM sample served by the serve example on a free loopback port, with a new SQLite database
# in WORK and an admin signed in. Sets CRM_BASE (http://127.0.0.1:PORT), CRM_PID and CRM_TOKEN
# (the admin's session token); fails when the server or the sign-in does not come up. Stop it
# with stop_crm_sample; its log is WORK/serve.log.
#   start_crm_sample "$work" admin@example.com admin-password
start_crm_sample() {
  local work="$1" email="$2" password="$3" port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cargo build --example serve || return 1
  OMNERA_ADMIN_EMAIL="$email" OMNERA_ADMIN_PASSWORD="$password" \
    "${CARGO_TARGET_DIR:-target}/debug/examples/serve" examples/apps/crm.json --database "sqlite://$work/crm.db" \
    --files "$work/files" --bind "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
  CRM_PID=$!
  CRM_BASE="http://127.0.0.1:$port"
  for _ in $(seq 1 50); do
    curl -sf "$CRM_BASE/health/ready" > /dev/null && break
    sleep 0.2
  done
  CRM_TOKEN=$(curl -sf -H 'content-type: application/json' "$CRM_BASE/api/auth/sign-in" \
    -d "{\"email\": \"$email\", \"password\": \"$password\"}" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
}

stop_crm_sample() {
  kill "$CRM_PID" 2>/dev/null || true
  wait "$CRM_PID" 2>/dev/null || true
}
