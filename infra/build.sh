#!/usr/bin/env bash
# Builds the Lambda artifact that template.yaml deploys (CodeUri: artifacts/lambda/):
# a self-contained, composite ReadyToRun publish of src/BluBees.Api for linux-arm64, trimmed where declared safe
# (BluBeesLambdaArtifact in src/BluBees.Api/BluBees.Api.csproj says what and why), plus `bootstrap`.
# About 4 minutes on 2 cores. Usage: bash infra/build.sh [output-dir]
# BLUBEES_LAMBDA_RID=linux-x64 builds the same artifact for x64 (to start it on an x64 machine: bench/coldstart.sh).
# BLUBEES_LAMBDA_COMPOSITE=false builds plain ReadyToRun instead (171 MB, slower to start; infra/README.md says when).
# BLUBEES_PUBLISH_ARTIFACTS_PATH=dir builds in that directory (--artifacts-path), sharing no obj/ or bin/ with other
# builds of the repository (scripts/test.sh builds the artifact this way while the tests run).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/artifacts/lambda}"

rm -rf "$out"
rid="${BLUBEES_LAMBDA_RID:-linux-arm64}"
echo "build.sh: publishing for $rid (composite ReadyToRun, trimmed: ${BLUBEES_LAMBDA_COMPOSITE:-true}; a few minutes)"
dotnet publish "$root/src/BluBees.Api/BluBees.Api.csproj" \
  -c Release -r "$rid" --self-contained \
  -p:PublishReadyToRun=true -p:BluBeesLambdaArtifact="${BLUBEES_LAMBDA_COMPOSITE:-true}" \
  ${BLUBEES_PUBLISH_ARTIFACTS_PATH:+--artifacts-path "$BLUBEES_PUBLISH_ARTIFACTS_PATH"} \
  -o "$out"
install -m 0755 "$root/infra/lambda/run.sh" "$out/bootstrap"

if [[ ! -x "$out/BluBees.Api" ]]; then
  echo "build.sh: $out/BluBees.Api is missing or not executable" >&2
  exit 1
fi

# Lambda allows 250 MB unzipped for the function and its layers together; the adapter layer is small.
size_mb=$(du -sm "$out" | cut -f1)
if (( size_mb > 240 )); then
  echo "build.sh: artifact is ${size_mb} MB unzipped; Lambda's limit is 250 MB with layers" >&2
  exit 1
fi
echo "build.sh: $out (${size_mb} MB unzipped)"
