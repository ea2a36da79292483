#!/usr/bin/env bash
# The whole test suite, as CI runs it: .NET tests (engine, API on Kestrel, AWS stores against dynalite,
# infrastructure), the Forge app's unit tests and manifest validation, and the end-to-end UI tests in
# headless Chromium against the real backend as we deploy it (the Lambda artifact, built for x64). Installs what it needs (npm ci, Debian chromium and strace).
# Ends with one summary line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
ART="$ROOT/artifacts"
RESULTS="$ART/test-results"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step() { printf '\n=== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  [ -x scripts/dynalite.sh ] && bash scripts/dynalite.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

step "toolchain"
dotnet --version
node --version
npm --version
bash scripts/ensure-strace.sh

step "restore and build (.NET, Release)"
dotnet restore BluBees.sln
dotnet build BluBees.sln -c Release --no-restore

# The end-to-end suite runs against the artifact we deploy, not the plain build the .NET tests use: trimming can
# break a path that reflects on a trimmed type (infra/README.md). BLUBEES_E2E_BACKEND=release runs it against the
# plain Release build instead (a quicker local run; CI never sets it). The artifact (composite ReadyToRun, minutes of
# CPU on 2 cores) builds in the background from here, niced and in its own artifacts path (no obj/ or bin/ shared
# with the build the tests run), so that it uses the cores the tests leave idle while they wait on loopback servers
# and clocks; the end-to-end step waits for it.
ARTIFACT_PID=""
if [ "${BLUBEES_E2E_BACKEND:-artifact}" != release ]; then
  step "Lambda artifact for x64: building in the background (composite ReadyToRun, trimmed: infra/build.sh)"
  BLUBEES_LAMBDA_RID=linux-x64 BLUBEES_PUBLISH_ARTIFACTS_PATH="$ART/lambda-x64-build" \
    nice -n 10 bash infra/build.sh "$ART/lambda-x64" >"$RESULTS/artifact-build.log" 2>&1 &
  ARTIFACT_PID=$!
  PIDS+=("$ARTIFACT_PID")
fi

if [ -f tests/dynalite/package.json ]; then
  step "dynalite (DynamoDB protocol on loopback)"
  (cd tests/dynalite && npm ci --no-audit --no-fund --loglevel=error)
  bash scripts/dynalite.sh start
  BLUBEES_DYNAMODB_URL="$(cat "$ART/dynalite.url")"
  export BLUBEES_DYNAMODB_URL
  echo "dynalite at $BLUBEES_DYNAMODB_URL"
fi

# The Forge app's checks (npm ci, build, vitest, ESLint, the API types) need none of the .NET tests' output. They run
# in the background beside the API tests' last minutes (one test at a time, mostly waiting on loopback servers and
# clocks, so one core is idle), niced, once the artifact build above has finished with the cores it used; their output
# is printed below when they are done. This keeps the whole run well inside CI's limit.
FORGE_LOG="$RESULTS/forge-app-checks.log"
(
  if [ -n "$ARTIFACT_PID" ]; then while kill -0 "$ARTIFACT_PID" 2>/dev/null; do sleep 2; done; fi
  exec nice -n 5 bash scripts/forge-app-checks.sh "$RESULTS"
) >"$FORGE_LOG" 2>&1 &
FORGE_PID=$!
PIDS+=("$FORGE_PID")

step ".NET tests"
DOTNET_FAILED=0
dotnet test BluBees.sln -c Release --no-build \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$RESULTS/dotnet" || DOTNET_FAILED=1

step "infrastructure lint (cfn-lint)"
if command -v cfn-lint >/dev/null 2>&1; then
  bash infra/lint.sh
else
  echo "cfn-lint is not installed on this machine: template lint not run (the template's properties are still asserted by tests/BluBees.Infra.Tests)."
fi

step "dependency audit (known-vulnerable packages)"
AUDIT_FAILED=0
bash scripts/audit-deps.sh || AUDIT_FAILED=1

step "Forge app: npm ci, unit tests, manifest validation, ESLint, the UI's API types (run in the background above)"
FORGE_FAILED=0
wait "$FORGE_PID" || FORGE_FAILED=1
cat "$FORGE_LOG"
NODE_FAILED="$(cat "$RESULTS/vitest.failed" 2>/dev/null || echo 1)"
CHECKS_FAILED="$(node -e "try{console.log(require(process.argv[1]).failed)}catch{console.log(1)}" "$RESULTS/checks.json")"
if [ "$FORGE_FAILED" -ne 0 ] && [ "$NODE_FAILED" -eq 0 ] && [ "$CHECKS_FAILED" -eq 0 ]; then NODE_FAILED=1; fi

step "Lambda artifact for x64, for the end-to-end run below (waiting for the background build)"
E2E_BACKEND=(dotnet src/BluBees.Api/bin/Release/net10.0/BluBees.Api.dll)
ARTIFACT_FAILED=0
if [ -n "$ARTIFACT_PID" ]; then
  if wait "$ARTIFACT_PID"; then
    tail -1 "$RESULTS/artifact-build.log"
    E2E_BACKEND=("$ART/lambda-x64/BluBees.Api")
  else
    ARTIFACT_FAILED=1
    tail -30 "$RESULTS/artifact-build.log"
    echo "the artifact did not build: the end-to-end suite runs against the plain Release build"
  fi
fi
echo "{\"passed\": $((1 - ARTIFACT_FAILED)), \"failed\": $ARTIFACT_FAILED}" >"$RESULTS/artifact.json"

step "Forge app: end-to-end in headless Chromium against the real backend (${E2E_BACKEND[0]})"
bash forge-app/scripts/ensure-chromium.sh
E2E_DATA="$(mktemp -d)"
API_PORT="$(free_port)"
SINK_PORT="$(free_port)"
# The development Jira (`blubees jira`) answers the jira.* steps of the control-flow scenario (e2e/flow.mjs).
JIRA_PORT="$(free_port)"
dotnet src/BluBees.Cli/bin/Release/net10.0/blubees.dll jira --port "$JIRA_PORT" >"$RESULTS/e2e-jira.log" 2>&1 &
PIDS+=($!)
ASPNETCORE_ENVIRONMENT=Development Storage__DataDirectory="$E2E_DATA" Jira__ApiBaseUrlOverride="http://127.0.0.1:$JIRA_PORT" \
  "${E2E_BACKEND[@]}" --urls "http://127.0.0.1:$API_PORT" >"$RESULTS/e2e-backend.log" 2>&1 &
PIDS+=($!)
dotnet src/BluBees.Cli/bin/Release/net10.0/blubees.dll sink --port "$SINK_PORT" >"$RESULTS/e2e-sink.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$API_PORT/health" >/dev/null && break; sleep 0.5; done
E2E_FAILED=0
(cd forge-app && BLUBEES_BACKEND_URL="http://127.0.0.1:$API_PORT" THIRD_PARTY_URL="http://127.0.0.1:$SINK_PORT" DEV_JIRA_URL="http://127.0.0.1:$JIRA_PORT" \
  E2E_RESULTS="$RESULTS/e2e.json" npm run --silent e2e) || E2E_FAILED=1

step "summary"
node scripts/summarize-tests.mjs "$RESULTS"
if [ "$DOTNET_FAILED" -ne 0 ] || [ "$NODE_FAILED" -ne 0 ] || [ "$CHECKS_FAILED" -ne 0 ] || [ "$E2E_FAILED" -ne 0 ] || [ "$AUDIT_FAILED" -ne 0 ] || [ "$ARTIFACT_FAILED" -ne 0 ]; then
  echo "FAILED: dotnet=$DOTNET_FAILED vitest=$NODE_FAILED lint/api-types=$CHECKS_FAILED e2e=$E2E_FAILED audit=$AUDIT_FAILED artifact=$ARTIFACT_FAILED"
  exit 1
fi
