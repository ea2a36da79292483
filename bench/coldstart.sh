#!/usr/bin/env bash
# Cold start of the BluBees backend, locally: process start → first GET /health 200, and → first event processed
# (run recorded, after a real outbound call to a loopback sink). Compares the Lambda artifact as infra/build.sh
# builds it, for linux-x64 (composite ReadyToRun, trimmed where declared safe, -p:BluBeesLambdaArtifact=true), a plain
# ReadyToRun self-contained publish, and `dotnet BluBees.Api.dll` of plain Release and Debug builds.
#   bash bench/coldstart.sh [RUNS]        (default 10 runs per variant; results in docs/benchmarks.md by hand)
# Everything binds to 127.0.0.1; builds go to $COLDSTART_OUT (default /tmp/coldstart; private artifacts path, repo
# obj/ untouched): give each concurrent user of the machine its own.
# Comparing start-up levers: COLDSTART_EXTRA="name=dir ..." adds variants, each an already published
# self-contained directory holding BluBees.Api (e.g. built with other -p: properties), optionally started with
# runtime settings ("name=dir+DOTNET_TieredPGO=0+DOTNET_gcConcurrent=0"); COLDSTART_ONLY="r2r" keeps
# only the listed built-in variants (lambda, r2r, release, debug; default all four). SKIP_BUILD=1 reuses the last builds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
RUNS="${1:-10}"
OUT="${COLDSTART_OUT:-/tmp/coldstart}"
ONLY=" ${COLDSTART_ONLY:-lambda r2r release debug} "
ART="$OUT/art"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p "$OUT"
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

build() {
  local log="$OUT/build.log"
  if ! dotnet publish "$@" -nologo >"$log" 2>&1; then
    grep -E "error|Error" "$log" | sort -u | head -20 >&2 || tail -30 "$log" >&2
    exit 1
  fi
}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== build (Lambda artifact for x64, Release R2R self-contained, Release, Debug, CLI; the Lambda artifact takes minutes)"
  [[ "$ONLY" == *" lambda "* ]] && build src/BluBees.Api -c Release -r linux-x64 --self-contained -p:PublishReadyToRun=true -p:BluBeesLambdaArtifact=true --artifacts-path "$ART/lambda" -o "$OUT/lambda"
  [[ "$ONLY" == *" r2r "* ]] && build src/BluBees.Api -c Release -r linux-x64 --self-contained -p:PublishReadyToRun=true --artifacts-path "$ART/r2r" -o "$OUT/r2r"
  # The seed step below runs the plain Release build, so it is always built.
  build src/BluBees.Api -c Release --artifacts-path "$ART/release" -o "$OUT/release"
  [[ "$ONLY" == *" debug "* ]] && build src/BluBees.Api -c Debug --artifacts-path "$ART/debug" -o "$OUT/debug"
  build src/BluBees.Cli -c Release --artifacts-path "$ART/cli" -o "$OUT/cli"
fi
CLI=(dotnet "$OUT/cli/blubees.dll")

# Production mode, with the development token issuer switched on so the bench can sign its own Forge tokens.
APP_ID="ari:cloud:ecosystem::app/00000000-0000-4000-8000-00000000b1be"
export ASPNETCORE_ENVIRONMENT=Production Forge__AppId="$APP_ID" DevIssuer__Enabled=true \
  Egress__AllowHttp=true Egress__AllowPrivateNetworks=true Egress__AllowAnyPort=true \
  Logging__LogLevel__Default=Warning

SINK_PORT="$(free_port)"
"${CLI[@]}" sink --port "$SINK_PORT" >"$OUT/sink.log" 2>&1 &
SINK_PID=$!
SEED="$OUT/seed"
SEED_PID=""
cleanup() {
  kill "$SINK_PID" 2>/dev/null || true
  [ -n "$SEED_PID" ] && kill "$SEED_PID" 2>/dev/null || true
}
trap cleanup EXIT

echo "== seed: one tenant with a connection to the sink and the sample rule"
rm -rf "$SEED" && mkdir -p "$SEED"
SEED_PORT="$(free_port)"
Storage__DataDirectory="$SEED" "$OUT/release/BluBees.Api" --urls "http://127.0.0.1:$SEED_PORT" >"$OUT/seed.log" 2>&1 &
SEED_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$SEED_PORT/health" >/dev/null && break; sleep 0.1; done
cat >"$OUT/connection.json" <<JSON
{ "name": "Local sink", "baseUrl": "http://127.0.0.1:$SINK_PORT", "auth": { "type": "bearer" }, "secret": "bench-only-token" }
JSON
"${CLI[@]}" connection create "$OUT/connection.json" --url "http://127.0.0.1:$SEED_PORT" --data-dir "$SEED" >/dev/null
"${CLI[@]}" rule create samples/rule.json --url "http://127.0.0.1:$SEED_PORT" --data-dir "$SEED" >/dev/null
kill "$SEED_PID"; wait "$SEED_PID" 2>/dev/null || true; SEED_PID=""

# One measured start: spawn, poll /health every 2 ms, send one event, poll /api/runs until the run is recorded.
cat >"$OUT/measure.cjs" <<'JS'
const { spawn } = require('child_process');
const http = require('http');
// Two tokens, as Forge mints them: the events module (no user) for /forge/events, the UI module for /api.
const [port, eventsToken, token, eventFile, cmd, ...args] = process.argv.slice(2);
const event = require('fs').readFileSync(eventFile);
const request = (method, path, body) => new Promise((resolve) => {
  const req = http.request({ host: '127.0.0.1', port, method, path, agent: false,
    headers: { authorization: 'Bearer ' + (path.startsWith('/forge/') ? eventsToken : token), 'content-type': 'application/json' } }, (res) => {
    let data = ''; res.on('data', (c) => { data += c; }); res.on('end', () => resolve({ status: res.statusCode, body: data }));
  });
  req.on('error', () => resolve({ status: 0, body: '' }));
  if (body) req.write(body);
  req.end();
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;
// CPU time (user + system) the process has used so far, from /proc (clock ticks of 10 ms): less sensitive to
// other load on the machine than wall-clock time.
const cpu = (pid) => { const f = require('fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
(async () => {
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  process.on('exit', () => child.kill('SIGKILL')); // a failed measurement must not leave the app running
  const deadline = Date.now() + Number(process.env.COLDSTART_TIMEOUT_MS || 30000); // more on a loaded machine
  while ((await request('GET', '/health')).status !== 200) { if (Date.now() > deadline) throw new Error('no health'); await sleep(2); }
  const health = ms(t0);
  const healthCpu = cpu(child.pid);
  const accepted = await request('POST', '/forge/events', event);
  if (accepted.status !== 202) throw new Error('event answered ' + accepted.status + ' ' + accepted.body);
  let run;
  for (;;) {
    const runs = await request('GET', '/api/runs');
    if (runs.status === 200 && JSON.parse(runs.body).items.length > 0) { run = ms(t0); break; }
    if (Date.now() > deadline) throw new Error('no run: ' + runs.status + ' ' + runs.body);
    await sleep(2);
  }
  const runCpu = cpu(child.pid);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  console.log(JSON.stringify({ health, run, healthCpu, runCpu }));
})().catch((e) => { console.error(e.message); process.exit(1); });
JS

# One run of one variant: a fresh copy of the seeded data directory, a fresh token and event, one measured start.
measure_once() {
  local name="$1" i="$2"; shift 2
  local dir="$OUT/run-$name-$i" port token events_token
  rm -rf "$dir" && cp -a "$SEED" "$dir"
  port="$(free_port)"
  token="$("${CLI[@]}" token --data-dir "$dir")"
  events_token="$("${CLI[@]}" token --data-dir "$dir" --route /forge/events)"
  node -e "const fs=require('fs');const e={eventType:'avi:jira:updated:issue',timestamp:String(Date.now()),atlassianId:'5b10ac8d82e05b22cc7d4ef5',
    issue:{id:'10042',key:'OPS-42',fields:{summary:'Checkout fails',issuetype:{name:'Bug'},priority:{name:'High'},labels:['customer-facing'],project:{key:'OPS'}}},
    changelog:{id:'777',items:[{field:'status',fieldId:'status',fromString:'In Progress',toString:'Done'}]}};fs.writeFileSync('$dir/event.json',JSON.stringify(e))"
  Storage__DataDirectory="$dir" ASPNETCORE_URLS="http://127.0.0.1:$port" \
    node "$OUT/measure.cjs" "$port" "$events_token" "$token" "$dir/event.json" "$@" >>"$OUT/$name.jsonl"
  rm -rf "$dir"
}

summarize() {
  node -e "
    const rows=require('fs').readFileSync('$OUT/$1.jsonl','utf8').trim().split('\\n').map(JSON.parse);
    const pct=(xs,p)=>{const s=[...xs].sort((a,b)=>a-b);return s[Math.min(s.length-1,Math.ceil(p*s.length)-1)];};
    const f=(x)=>x.toFixed(0).padStart(6);
    const col=(k)=>rows.map(r=>r[k]);
    const line=(k)=>' p50'+f(pct(col(k),.5))+' p90'+f(pct(col(k),.9));
    console.log('$1'.padEnd(20)+' wall: health'+line('health')+' | run'+line('run')+'   cpu: health'+line('healthCpu')+' | run'+line('runCpu')+'  ms (n='+rows.length+')');"
}

VARIANTS=()
declare -A CMD=()
[[ "$ONLY" == *" lambda "* ]] && VARIANTS+=(lambda-artifact-x64) && CMD[lambda-artifact-x64]="$OUT/lambda/BluBees.Api"
[[ "$ONLY" == *" r2r "* ]] && VARIANTS+=(r2r-self-contained) && CMD[r2r-self-contained]="$OUT/r2r/BluBees.Api"
[[ "$ONLY" == *" release "* ]] && VARIANTS+=(release-dotnet-dll) && CMD[release-dotnet-dll]="dotnet $OUT/release/BluBees.Api.dll"
[[ "$ONLY" == *" debug "* ]] && VARIANTS+=(debug-dotnet-dll) && CMD[debug-dotnet-dll]="dotnet $OUT/debug/BluBees.Api.dll"
for extra in ${COLDSTART_EXTRA:-}; do
  # name=dir, or name=dir+VAR=value+... to start it with runtime settings (e.g. +DOTNET_TieredPGO=0)
  spec="${extra#*=}" vars=""
  [[ "$spec" == *+* ]] && vars="env ${spec#*+}" && vars="${vars//+/ }" && spec="${spec%%+*}"
  VARIANTS+=("${extra%%=*}") && CMD["${extra%%=*}"]="$vars $spec/BluBees.Api"
done
for v in "${VARIANTS[@]}"; do : >"$OUT/$v.jsonl"; done
echo "== measure ($RUNS runs each, interleaved so that background load hits every variant alike; ms from process spawn)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$RUNS"); do
  # shellcheck disable=SC2086  # the command is a path, or `dotnet` and a path: split on purpose
  for v in "${VARIANTS[@]}"; do measure_once "$v" "$i" ${CMD[$v]}; done
done
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
for v in "${VARIANTS[@]}"; do summarize "$v"; done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB, $(uname -sr), dotnet $(dotnet --version)"
