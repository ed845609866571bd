# The crm sample's /api/openapi.json against two tools that read it. Sourced by .ci/run.
# - Redocly CLI lints the document an admin gets (the whole) and the one an anonymous caller gets
#   with the recommended rules (.ci/openapi/redocly.yaml): any error or warning fails.
# - openapi-typescript makes TypeScript types of the admin's document, and tsc --noEmit compiles a
#   small typed client against them (.ci/openapi/client.ts): a document that loses what a client
#   relies on fails to compile.
# The tools are pinned in .ci/openapi/package-lock.json and installed with npm ci into
# ~/.cache/omnera/openapi (OPENAPI_TOOLS). Redocly's telemetry and update check are off.
#
# By hand: source .ci/openapi.sh && run_openapi_checks; or, for documents already fetched,
# install_openapi_tools && check_openapi_documents ADMIN.json ANONYMOUS.json.

OPENAPI_TOOLS="${OPENAPI_TOOLS:-$HOME/.cache/omnera/openapi}"

install_openapi_tools() {
  if cmp -s .ci/openapi/package-lock.json "$OPENAPI_TOOLS/package-lock.json" \
    && [ -x "$OPENAPI_TOOLS/node_modules/.bin/tsc" ]; then
    return 0
  fi
  mkdir -p "$OPENAPI_TOOLS" \
    && cp .ci/openapi/package.json .ci/openapi/package-lock.json "$OPENAPI_TOOLS/" \
    && (cd "$OPENAPI_TOOLS" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
}

# Lints one document; prints each problem, fails on any.
lint_openapi_document() {
  local document=$1 status=0
  REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
    "$OPENAPI_TOOLS/node_modules/.bin/redocly" lint --config .ci/openapi/redocly.yaml --extends recommended \
    --format json --max-problems 1000 "$document" > "$document.lint.json" 2> "$document.lint.log" || true
  python3 - "$document" <<'PY' || status=$?
import json, os, sys
document = sys.argv[1]
try:
    with open(document + ".lint.json") as report_file:
        report = json.load(report_file)
except ValueError:
    print(f"{os.path.basename(document)}: redocly gave no report")
    sys.exit(2)
for problem in report["problems"]:
    where = problem["location"][0]["pointer"] if problem["location"] else ""
    print(f"  {problem['severity']} {problem['ruleId']} {where}: {problem['message']}")
totals = report["totals"]
print(f"{os.path.basename(document)}: {totals['errors']} errors, {totals['warnings']} warnings")
sys.exit(1 if totals["errors"] or totals["warnings"] else 0)
PY
  if [ "$status" -eq 2 ]; then
    grep -v '[║╔╚]' "$document.lint.log" | tail -20
  fi
  return "$status"
}

# Generates the client types of the admin's document and compiles the typed client against them.
compile_openapi_client() {
  local document=$1 client
  client=$(mktemp -d)
  cp .ci/openapi/client.ts .ci/openapi/tsconfig.json "$client/"
  local status=0
  (cd "$client" && "$OPENAPI_TOOLS/node_modules/.bin/openapi-typescript" "$document" --output schema.d.ts --silent) \
    && "$OPENAPI_TOOLS/node_modules/.bin/tsc" -p "$client/tsconfig.json" || status=$?
  [ "$status" -eq 0 ] && echo "the typed client compiles against the document's types"
  rm -rf "$client"
  return "$status"
}

check_openapi_documents() {
  local admin=$1 anonymous=$2 status=0
  lint_openapi_document "$admin" || status=1
  lint_openapi_document "$anonymous" || status=1
  compile_openapi_client "$admin" || status=1
  return "$status"
}

run_openapi_checks() {
  install_openapi_tools || { echo "could not install the OpenAPI tools"; return 1; }
  local work status=0
  work=$(mktemp -d)
  start_crm_sample "$work" openapi@example.com openapi-password || status=1
  if [ "$status" -eq 0 ]; then
    curl -sf -H "Authorization: Bearer $CRM_TOKEN" "$CRM_BASE/api/openapi.json" > "$work/admin.json" \
      && curl -sf "$CRM_BASE/api/openapi.json" > "$work/anonymous.json" || status=1
  fi
  stop_crm_sample
  if [ "$status" -ne 0 ]; then
    echo "could not fetch the documents; the server's log:"
    tail -50 "$work/serve.log"
  else
    check_openapi_documents "$work/admin.json" "$work/anonymous.json" || status=1
  fi
  rm -rf "$work"
  [ "$status" -eq 0 ] && echo "OpenAPI checks passed" || echo "OpenAPI checks failed"
  return "$status"
}
