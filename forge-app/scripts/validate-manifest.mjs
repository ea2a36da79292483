#!/usr/bin/env node
// Validates manifest.yml offline with @forge/manifest (FULL + PRODUCT_TRIGGER), like `forge lint`
// without a login. Uses BLUBEES_APP_ID / BLUBEES_BACKEND_URL from the environment; with --sample,
// missing ones get placeholder values. Run `npm run build` first so ui/dist exists.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { ProcessorBuilder, ValidationTypes } = require('@forge/manifest');

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.argv.includes('--sample')) {
  process.env.BLUBEES_APP_ID ??= 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000';
  process.env.BLUBEES_BACKEND_URL ??= 'https://blubees.example.com';
}
process.chdir(appDir);

let failed = 0;
for (const type of [ValidationTypes.FULL, ValidationTypes.PRODUCT_TRIGGER]) {
  const result = await ProcessorBuilder.instance().withValidation(type).build().process();
  const problems = result.errors ?? [];
  const errors = problems.filter((e) => e.level !== 'warning');
  for (const p of problems) console.log(`${type}: ${p.level ?? 'error'}: ${p.message}${p.line ? ` (line ${p.line})` : ''}`);
  console.log(`${type}: ${result.success && errors.length === 0 ? 'ok' : 'FAILED'}`);
  if (!result.success || errors.length) failed++;
}
process.exit(failed ? 1 : 0);
