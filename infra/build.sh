#!/usr/bin/env bash
# Builds the Lambda artifact that template.yaml deploys (CodeUri: artifacts/lambda/):
# a self-contained, ReadyToRun publish of src/BluBees.Api for linux-arm64, plus `bootstrap`.
# Usage: bash infra/build.sh [output-dir]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/artifacts/lambda}"

rm -rf "$out"
dotnet publish "$root/src/BluBees.Api/BluBees.Api.csproj" \
  -c Release -r linux-arm64 --self-contained \
  -p:PublishReadyToRun=true \
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
