#!/usr/bin/env node
// Regenerates the API contract the UI is typed against, in two steps:
//   1. docs/openapi.json: the OpenAPI document the backend serves (Microsoft.AspNetCore.OpenApi), written by the
//      Api.Tests fixture OpenApiContractTests with BLUBEES_WRITE_OPENAPI=1 (the app on Kestrel, the real composition);
//   2. forge-app/ui/src/generated/api-types.ts: TypeScript types generated from it with openapi-typescript.
// Usage (from the repository root):
//   node scripts/generate-api-types.mjs           both steps
//   node scripts/generate-api-types.mjs --ts      step 2 only (the document is already current)
//   node scripts/generate-api-types.mjs --check   regenerate step 2 in memory and fail if the committed file differs
// The generator lives in forge-app/tools (its own package: it needs TypeScript 5's JavaScript API, which the app's
// TypeScript 7 no longer ships); `npm ci --prefix forge-app/tools` installs it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const documentPath = join(root, 'docs', 'openapi.json');
const typesPath = join(root, 'forge-app', 'ui', 'src', 'generated', 'api-types.ts');
const tools = join(root, 'forge-app', 'tools');
const mode = process.argv[2] ?? '';

if (!['', '--ts', '--check'].includes(mode)) {
  console.error(`unknown option ${mode}; use --ts or --check`);
  process.exit(2);
}

if (!existsSync(join(tools, 'node_modules', 'openapi-typescript'))) {
  console.error('openapi-typescript is not installed: run `npm ci --prefix forge-app/tools`');
  process.exit(2);
}

if (mode === '') {
  console.log('writing docs/openapi.json from the running app (Api.Tests › OpenApiContractTests) ...');
  execFileSync('dotnet', ['test', join(root, 'tests', 'BluBees.Api.Tests'), '--nologo', '--filter', 'FullyQualifiedName~OpenApiContractTests.The_committed_document_is_the_one_the_app_serves'], {
    stdio: 'inherit',
    env: { ...process.env, BLUBEES_WRITE_OPENAPI: '1' },
  });
}

const require = createRequire(join(tools, 'package.json'));
const { default: openapiTS, astToString } = require('openapi-typescript');
const document = JSON.parse(readFileSync(documentPath, 'utf8'));
const header =
  '// Generated from docs/openapi.json by scripts/generate-api-types.mjs (openapi-typescript). Do not edit:\n' +
  '// change the C# contract, then run `node scripts/generate-api-types.mjs`. ui/src/api.ts names these types.\n\n';
const generated = header + astToString(await openapiTS(document, { alphabetize: true }));

if (mode === '--check') {
  const committed = existsSync(typesPath) ? readFileSync(typesPath, 'utf8') : '';
  if (committed !== generated) {
    console.error('forge-app/ui/src/generated/api-types.ts is stale: run `node scripts/generate-api-types.mjs` and commit it.');
    process.exit(1);
  }
  console.log('api-types.ts matches docs/openapi.json');
} else {
  mkdirSync(dirname(typesPath), { recursive: true });
  writeFileSync(typesPath, generated);
  console.log(`wrote ${typesPath}`);
}
