#!/usr/bin/env bash
# The Forge app's checks, as scripts/test.sh runs them (in the background, beside the .NET tests): npm ci and the
# production build, the unit tests (vitest), ESLint, and the UI's API types against docs/openapi.json.
# Usage: bash scripts/forge-app-checks.sh RESULTS_DIR. Writes RESULTS_DIR/vitest.json, RESULTS_DIR/vitest.failed (0 or 1)
# and RESULTS_DIR/checks.json; exits non-zero when the install or the build fails (nothing else ran then).
set -euo pipefail
cd "$(dirname "$0")/.."
RESULTS="$1"
step() { printf '\n=== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }

step "Forge app: npm ci, unit tests, manifest validation"
(cd forge-app && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
NODE_FAILED=0
(cd forge-app && npx vitest run --reporter=default --reporter=json --outputFile="$RESULTS/vitest.json") || NODE_FAILED=1
echo "$NODE_FAILED" >"$RESULTS/vitest.failed"

step "Forge app: ESLint, and the UI's API types against docs/openapi.json"
# The tools have their own package (they need TypeScript 5's JavaScript API; the app compiles with TypeScript 7).
npm ci --prefix forge-app/tools --no-audit --no-fund --loglevel=error
CHECKS_PASSED=0
CHECKS_FAILED=0
if (cd forge-app && npm run --silent lint); then CHECKS_PASSED=$((CHECKS_PASSED + 1)); else CHECKS_FAILED=$((CHECKS_FAILED + 1)); fi
if node scripts/generate-api-types.mjs --check; then CHECKS_PASSED=$((CHECKS_PASSED + 1)); else CHECKS_FAILED=$((CHECKS_FAILED + 1)); fi
echo "{\"passed\": $CHECKS_PASSED, \"failed\": $CHECKS_FAILED}" >"$RESULTS/checks.json"
