#!/usr/bin/env node
// Compares a new bench results file with the last committed one and flags every metric that got more than
// 10% worse (throughput down, latency up, transfer rate down, peak memory or micro-benchmark time up).
// Usage: node bench/compare.mjs [NEW.json] [BASELINE.json] [--threshold 0.10]
//   NEW       default artifacts/bench/results.json (what the last bench run wrote)
//   BASELINE  default docs/benchmarks.results.json as committed at HEAD (git show HEAD:...)
// Exit code 1 when a regression is flagged, 0 otherwise, 2 on a usage error. Contended machines make single runs
// noisy: read docs/benchmarks.md's machine section before trusting a flag, and re-run to confirm.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const args = process.argv.slice(2);
let threshold = 0.10;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--threshold') {
    threshold = Number(args[++i]);
    if (!(threshold > 0 && threshold < 10)) { console.error('--threshold must be a fraction such as 0.10'); process.exit(2); }
  } else files.push(args[i]);
}

function load(path, fromHead) {
  try {
    const text = fromHead ? execFileSync('git', ['show', `HEAD:${path}`], { encoding: 'utf8' }) : readFileSync(path, 'utf8');
    return JSON.parse(text);
  } catch (e) {
    console.error(`cannot read ${fromHead ? 'HEAD:' : ''}${path}: ${e.message.split('\n')[0]}`);
    process.exit(2);
  }
}

const fresh = load(files[0] ?? 'artifacts/bench/results.json', false);
const base = files[1] ? load(files[1], false) : load('docs/benchmarks.results.json', true);

// [name, value, higherIsBetter]
function metrics(r) {
  const out = [];
  for (const p of r.phases ?? []) {
    out.push([`${p.name}: completions/s`, p.completionsPerSecond ?? p.requestsPerSecond, true]);
    if (p.endToEnd) {
      out.push([`${p.name}: send→sink p50 ms`, p.endToEnd.p50, false]);
      out.push([`${p.name}: send→sink p99 ms`, p.endToEnd.p99, false]);
    }
    if (p.roundTrip) out.push([`${p.name}: ack p99 ms`, p.roundTrip.p99, false]);
    if (p.cpuMsPerEvent != null) out.push([`${p.name}: CPU ms per event`, p.cpuMsPerEvent, false]);
  }
  for (const c of r.comparisons ?? []) {
    // Results written before the multi-tenant phases have no tenants field: those were one tenant.
    const key = `w${c.workerConcurrency} c${c.clientConcurrency}${(c.tenants ?? 1) > 1 ? ` t${c.tenants}` : ''}`;
    out.push([`${key}: engine/direct ratio`, c.pacedRatio, true]);
    out.push([`${key}: added p50 ms`, c.addedP50Ms, false]);
  }
  for (const t of r.transfers ?? []) {
    out.push([`transfer ${t.mode} ${t.bytes}: MB/s`, t.megabytesPerSecond, true]);
    out.push([`transfer ${t.mode} ${t.bytes}: peak working set`, t.peakWorkingSet, false]);
  }
  if (r.fairness) {
    out.push(['fairness: tenant B p99 beside a hanging tenant ms', r.fairness.noisy?.p99, false]);
    out.push(['fairness: p99 ratio', r.fairness.p99Ratio, false]);
  }
  for (const m of r.micro ?? []) out.push([`micro ${m.name}: mean ns`, m.meanNs, false]);
  for (const [k, v] of Object.entries(r.startup ?? {})) if (typeof v === 'number') out.push([`startup ${k} ms`, v, false]);
  // Repeated rounds of one measurement (transfers run twice): keep the best, as docs/benchmarks.md does.
  const best = new Map();
  for (const [n, v, h] of out) {
    const prev = best.get(n);
    if (!prev || (h ? v > prev[1] : v < prev[1])) best.set(n, [n, v, h]);
  }
  return [...best.values()];
}

const baseline = new Map(metrics(base).map(([n, v, h]) => [n, { v, h }]));
let flagged = 0, compared = 0;
const rows = [];
for (const [name, value, higherIsBetter] of metrics(fresh)) {
  const b = baseline.get(name);
  if (!b || typeof b.v !== 'number' || typeof value !== 'number' || b.v === 0) continue;
  compared++;
  const change = (value - b.v) / Math.abs(b.v);
  const worse = higherIsBetter ? -change : change;
  const flag = worse > threshold;
  if (flag) flagged++;
  rows.push(`${flag ? 'REGRESSION' : 'ok        '}  ${name}: ${b.v} → ${value} (${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%)`);
}
console.log(`baseline: ${base.generatedAt ?? '?'} (load ${base.machine?.loadAverageStart ?? '?'}); new: ${fresh.generatedAt ?? '?'} (load ${fresh.machine?.loadAverageStart ?? '?'})`);
if (Boolean(base.options?.productionLogging) !== Boolean(fresh.options?.productionLogging)) {
  console.log('warning: one run logged at the deployed levels (--production-logging) and the other at Warning: its engine phases differ by that cost');
}
for (const row of rows) console.log(row);
console.log(`${compared} metrics compared, ${flagged} worse by more than ${(threshold * 100).toFixed(0)}%`);
if (compared === 0) console.log('nothing in common to compare (different phases or an empty file)');
process.exit(flagged > 0 ? 1 : 0);
