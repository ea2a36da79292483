#!/usr/bin/env bash
# Lints template.yaml (SAM transform included) with cfn-lint. cfn-lint is the Python tool that
# ships in this project's machine image (pip, Python 3.11); PyPI is not reachable from here, so it
# is not installed by this script. Exit status: 0 clean; non-zero on any finding or a missing tool.
# Usage: bash infra/lint.sh [template]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
template="${1:-$root/template.yaml}"

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "lint.sh: cfn-lint not found (expected in the machine image: 'pip install cfn-lint' where PyPI is reachable)" >&2
  exit 127
fi

echo "lint.sh: $(cfn-lint --version) on ${template#"$root"/}"
cfn-lint --format parseable -- "$template"
echo "lint.sh: no findings"
