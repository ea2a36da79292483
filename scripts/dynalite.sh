#!/usr/bin/env bash
# dynalite (a DynamoDB-protocol server) on a free 127.0.0.1 port, for the whole test run.
#   bash scripts/dynalite.sh start   → writes artifacts/dynalite.url and artifacts/dynalite.pid, waits until it answers
#   bash scripts/dynalite.sh stop    → stops the process named in artifacts/dynalite.pid (only that one)
# The tests read the URL from BLUBEES_DYNAMODB_URL (scripts/test.sh exports it); without it, the
# DynaliteServer test fixture starts a private dynalite itself. Needs `npm ci` in tests/dynalite first.
set -euo pipefail
cd "$(dirname "$0")/.."
ART="$PWD/artifacts"
URL_FILE="$ART/dynalite.url"
PID_FILE="$ART/dynalite.pid"
LOG_FILE="$ART/dynalite.log"
CLI="tests/dynalite/node_modules/dynalite/cli.js"

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

start() {
  if [ ! -f "$CLI" ]; then
    echo "dynalite is not installed: run (cd tests/dynalite && npm ci)" >&2
    exit 1
  fi
  stop >/dev/null 2>&1 || true
  mkdir -p "$ART"
  for _ in 1 2 3; do
    local port
    port="$(free_port)"
    node "$CLI" --host 127.0.0.1 --port "$port" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 >"$LOG_FILE" 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do
      if grep -q "Dynalite listening" "$LOG_FILE" 2>/dev/null; then
        echo "$pid" >"$PID_FILE"
        echo "http://127.0.0.1:$port" >"$URL_FILE"
        echo "dynalite listening at http://127.0.0.1:$port (pid $pid)"
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break   # exited (port taken between probe and bind): try another port
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
  done
  echo "dynalite did not start; see $LOG_FILE" >&2
  cat "$LOG_FILE" >&2 || true
  exit 1
}

stop() {
  if [ -f "$PID_FILE" ]; then
    local pid
    pid="$(cat "$PID_FILE")"
    # Only our own process: check it is dynalite before signalling it.
    if kill -0 "$pid" 2>/dev/null && grep -q "dynalite" "/proc/$pid/cmdline" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$PID_FILE"
  fi
  rm -f "$URL_FILE"
  echo "dynalite stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
