#!/bin/sh
# Entry point of the Lambda artifact. infra/build.sh installs this file at the artifact root as
# `bootstrap`, the executable the provided.al2023 runtime starts. The Lambda Web Adapter (an
# extension from the layer, /opt/extensions/lambda-adapter) drives the Lambda Runtime API and
# forwards each event to Kestrel on 127.0.0.1:$AWS_LWA_PORT; this script only starts the app in
# the foreground. Configuration comes from the function's environment (template.yaml).
set -eu
cd "${LAMBDA_TASK_ROOT:-$(dirname "$0")}"
exec ./BluBees.Api "$@"
