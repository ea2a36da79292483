// Adds up the TRX files of `dotnet test`, Vitest's JSON report and the e2e report into one line:
// "N passed, N failed" (CI reads it). Prints a line per source first, and the name and first line of the message of
// every failed .NET test, so that the tail of a CI log says which test failed.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
let passed = 0, failed = 0;
const failures = [];
const unescape = t => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const add = (name, p, f) => { passed += p; failed += f; console.log(`${name}: ${p} passed, ${f} failed`); };

const trxDir = join(dir, 'dotnet');
if (existsSync(trxDir)) {
  for (const file of readdirSync(trxDir).filter(f => f.endsWith('.trx'))) {
    const text = readFileSync(join(trxDir, file), 'utf8');
    const m = text.match(/<Counters[^>]*\bpassed="(\d+)"[^>]*\bfailed="(\d+)"/) ?? text.match(/<Counters[^>]*\bfailed="(\d+)"[^>]*\bpassed="(\d+)"/);
    const counters = text.match(/<Counters ([^>]*)\/>/)?.[1] ?? '';
    const get = k => Number(counters.match(new RegExp(`\\b${k}="(\\d+)"`))?.[1] ?? 0);
    if (!m && !counters) { add(file, 0, 1); continue; }
    // A passed result is usually self-closing (<UnitTestResult … />); a failed one has a body with its message.
    for (const r of text.matchAll(/<UnitTestResult\b([^>]*?)(?:\/>|>([\s\S]*?)<\/UnitTestResult>)/g)) {
      if (!/\boutcome="(Failed|Error|Timeout|Aborted)"/.test(r[1])) continue;
      const name = unescape(r[1].match(/\btestName="([^"]*)"/)?.[1] ?? '?');
      const message = unescape((r[2] ?? '').match(/<Message>([\s\S]*?)<\/Message>/)?.[1] ?? '').split('\n')[0].slice(0, 400);
      failures.push(`${name}: ${message}`);
    }
    add(`dotnet ${text.match(/storage="([^"]+)"/)?.[1]?.split('/').pop() ?? file}`, get('passed'), get('failed') + get('error') + get('timeout') + get('aborted'));
  }
}
for (const [name, file] of [['vitest', 'vitest.json'], ['checks', 'checks.json'], ['artifact', 'artifact.json'], ['e2e', 'e2e.json']]) {
  const path = join(dir, file);
  if (!existsSync(path)) { console.log(`${name}: no report (counted as 1 failure)`); failed += 1; continue; }
  const report = JSON.parse(readFileSync(path, 'utf8'));
  add(name, report.numPassedTests ?? report.passed ?? 0, report.numFailedTests ?? report.failed ?? 0);
}
if (failures.length) {
  console.log(`failed .NET tests (${failures.length}):`);
  for (const f of failures) console.log(`  ${f}`);
}
console.log(`${passed} passed, ${failed} failed`);
