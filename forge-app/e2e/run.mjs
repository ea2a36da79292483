#!/usr/bin/env node
// End-to-end test of the Custom UI against a real backend, in Debian's Chromium via playwright-core.
//
// The caller starts the BluBees backend (Development environment, /dev/token enabled, egress to
// loopback allowed) and a loopback third-party HTTP server, and passes:
//   BLUBEES_BACKEND_URL  e.g. http://127.0.0.1:5099
//   THIRD_PARTY_URL      e.g. http://127.0.0.1:5199  (the connection's base URL; any 2xx answer)
//   DEV_JIRA_URL         e.g. http://127.0.0.1:5299  (`blubees jira`, the backend's Jira__ApiBaseUrlOverride)
// Optional: CHROMIUM_PATH (/usr/bin/chromium), E2E_SKIP_BUILD=1, E2E_HEADFUL=1, E2E_TIMEOUT_MS.
//
// This script starts `vite preview` of the e2e build (UI + proxy of /api and /dev to the backend) and a loopback
// AI provider speaking OpenAI's chat-completions format (e2e/fake-ai.mjs).
// Flow: create a connection and an AI connection with a canary secret → build two rules with forms and
// pickers only (no JSON or Liquid typed): "OPS issue moved to Done → POST key and summary to a webhook" and
// "bug created → AI classifies → add the label" → dry-run both (the sample follows each trigger) → save →
// fire an issue-updated event at /forge/events with a dev token → see rule 1's run in the runs log →
// fire a bug-created event with the system token → the provider gets the key and classifies, the run succeeds
// and the development Jira issue carries the label → confirm the canary never comes back (DOM and every
// response body the page received).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { messageText, schemaChoices, startFakeAi } from './fake-ai.mjs';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = join(appDir, 'e2e', 'artifacts');
mkdirSync(artifacts, { recursive: true });

const BACKEND = (process.env.BLUBEES_BACKEND_URL ?? '').replace(/\/$/, '');
const THIRD_PARTY = (process.env.THIRD_PARTY_URL ?? '').replace(/\/$/, '');
const DEV_JIRA = (process.env.DEV_JIRA_URL ?? '').replace(/\/$/, '');
const SYSTEM_TOKEN = process.env.DEV_JIRA_SYSTEM_TOKEN ?? 'dev-system-token';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 20_000);
if (!BACKEND || !THIRD_PARTY) {
  console.error('Set BLUBEES_BACKEND_URL and THIRD_PARTY_URL (see e2e/run.mjs header).');
  process.exit(2);
}

const run = randomBytes(4).toString('hex');
const CANARY = `canary-${randomBytes(12).toString('hex')}`;
// `dev-admin` is the backend's development administrator (DevIssuer:AdminAccountIds defaults to it); any other
// account is an ordinary user, which the read-only step below relies on.
const identity = { tenantId: `e2e-tenant-${run}`, cloudId: `e2e-cloud-${run}`, accountId: 'dev-admin' };
const issueKey = `OPS-${Number.parseInt(run.slice(0, 4), 16) % 9000 + 1}`;
// The issue's id: the issue panel finds an issue's runs by it (the panel's context names the issue by id and key).
const issueId = String(20000 + (Number.parseInt(run.slice(4, 8), 16) % 10000));

// ---------- tiny reporter ----------
let passed = 0;
let failed = 0;
const results = [];
let currentPage; // for failure screenshots
async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed++;
    results.push({ name, ok: true, ms: Date.now() - started });
    console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
    return true;
  } catch (e) {
    failed++;
    results.push({ name, ok: false, error: String(e?.message ?? e) });
    const file = `fail-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`;
    await currentPage?.screenshot({ path: join(artifacts, file), fullPage: true }).catch(() => undefined);
    console.log(`  ✗ ${name}\n      ${String(e?.stack ?? e).split('\n').slice(0, 4).join('\n      ')}`);
    return false;
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// ---------- helpers ----------
const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });

function sh(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: appDir, env: { ...process.env, ...env }, stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

async function waitForHttp(url, ms) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not reachable: ${last}`);
}

// Each backend route accepts only its own manifest module's tokens, and /forge/* tokens name no user: ask for the
// token of the route that will be called (`path`).
async function devToken(path = '/api') {
  const body = path.startsWith('/forge/') ? { tenantId: identity.tenantId, cloudId: identity.cloudId, path } : { ...identity, path };
  const res = await fetch(`${BACKEND}/dev/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert(res.ok, `POST /dev/token answered ${res.status}`);
  const { token } = await res.json();
  assert(token, 'no token in /dev/token answer');
  return token;
}

// An issue-updated event whose changelog moves the status to Done (the Forge payload's changelog.items[]).
const jiraEvent = () => ({
  eventType: 'avi:jira:updated:issue',
  timestamp: String(Date.now()),
  atlassianId: identity.accountId,
  selfGenerated: false,
  issue: {
    id: issueId,
    key: issueKey,
    fields: {
      summary: `E2E summary ${run}`,
      priority: { name: 'High' },
      status: { name: 'Done' },
      issuetype: { name: 'Task' },
      project: { key: 'OPS' },
    },
  },
  changelog: { id: '10100', items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: '3', fromString: 'In Progress', to: '10001', toString: 'Done' }] },
});

// ---------- main ----------
let preview;
let browser;
let fakeAi;
const responses = []; // {url, status, body}
const shot = async (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

async function main() {
  console.log(`BluBees e2e: backend ${BACKEND}, third party ${THIRD_PARTY}, run ${run}`);
  await waitForHttp(`${BACKEND}/health`, 15_000);
  // The AI connection's provider: it answers only with the canary key, and classifies every bug as "bug-ui".
  fakeAi = await startFakeAi({ key: CANARY, answer: () => ({ label: 'bug-ui' }) });

  if (process.env.E2E_SKIP_BUILD !== '1') {
    await sh('npx', ['vite', 'build', '--mode', 'e2e', '--logLevel', 'warn']);
  }
  const port = await freePort();
  preview = spawn('npx', ['vite', 'preview', '--mode', 'e2e', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: appDir,
    env: { ...process.env, VITE_BLUBEES_BACKEND: BACKEND },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  preview.stderr.on('data', (d) => process.stderr.write(`[preview] ${d}`));
  const uiBase = `http://127.0.0.1:${port}`;
  await waitForHttp(`${uiBase}/`, 20_000);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: process.env.E2E_HEADFUL !== '1',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  currentPage = page;
  page.setDefaultTimeout(TIMEOUT);
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('response', async (res) => {
    const entry = { url: res.url(), status: res.status(), body: '' };
    responses.push(entry);
    try {
      entry.body = (await res.body()).toString('utf8');
    } catch {
      // redirects and aborted requests have no body
    }
  });

  const query = new URLSearchParams(identity).toString();
  const connectionName = `E2E third party ${run}`;
  const ruleName = `E2E done to webhook ${run}`;
  const aiRuleName = `E2E AI triage ${run}`;
  const aiConnectionName = `E2E AI ${run}`;

  await step('admin page loads with the dev bridge stand-in', async () => {
    await page.goto(`${uiBase}/?${query}`);
    await page.getByRole('heading', { name: 'BluBees automations' }).waitFor();
    await page.getByRole('tab', { name: 'Rules' }).waitFor();
    const readOnly = await page.getByText('Only Jira administrators can change automations').count();
    assert(readOnly === 0, 'the dev identity is not an administrator (GET /api/me isAdmin=false)');
  });

  await step('create a connection with an API key secret', async () => {
    await page.getByRole('tab', { name: 'Connections' }).click();
    await page.getByRole('button', { name: 'New connection' }).click();
    await page.locator('#conn-name').fill(connectionName);
    await page.locator('#conn-baseUrl').fill(THIRD_PARTY);
    await pick(page, 'conn-authType', 'API key');
    await page.locator('#conn-apiKeyName').fill('X-E2E-Key');
    const secret = page.locator('#conn-secret');
    assert((await secret.getAttribute('type')) === 'password', 'secret input is not a password field');
    await secret.fill(CANARY);
    await shot(page, '01-connection-form');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByText(`Saved connection “${connectionName}”.`).waitFor();
    await page.getByRole('row').filter({ hasText: connectionName }).getByText('Set').waitFor();
    await shot(page, '02-connections');
  });

  await step('the stored secret is shown as "Set", never pre-filled', async () => {
    await page.getByRole('button', { name: `Edit connection ${connectionName}` }).click();
    await page.getByRole('button', { name: 'Replace the api key' }).waitFor();
    assert((await page.locator('input[type="password"]').count()) === 0, 'a password input is rendered for a stored secret');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  await step('create an AI connection (OpenAI-compatible, pointing at the loopback AI provider)', async () => {
    await page.getByRole('tab', { name: 'Connections' }).click();
    await page.getByRole('button', { name: 'New connection' }).click();
    await page.locator('#conn-name').fill(aiConnectionName);
    await page.locator('#conn-baseUrl').fill(fakeAi.baseUrl);
    await pick(page, 'conn-authType', 'Bearer token');
    await pick(page, 'conn-provider', 'OpenAI-compatible chat completions');
    await page.locator('#conn-secret').fill(CANARY);
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByText(`Saved connection “${aiConnectionName}”.`).waitFor();
  });

  // Rule 1, with forms and pickers only: "when an issue moves to Done in OPS, POST its key and summary to a webhook".
  await step('rule 1: build "moved to Done in OPS → POST key and summary" with forms and the smart-value picker', async () => {
    await page.getByRole('tab', { name: 'Rules' }).click();
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.locator('#rule-name').fill(ruleName);
    await page.getByLabel('Issue created').uncheck();
    await page.getByLabel('Issue updated (includes transitions)').check();
    // Outside Jira there is no requestJira: the pickers are text inputs with a hint (checked here).
    await page.getByTestId('trigger-projects-hint').waitFor();
    await page.locator('#trigger-projects').fill('OPS');
    await page.getByText('Only when a field changed').click();
    await page.locator('#trigger-fieldChanged-field').fill('status');
    await page.locator('#trigger-fieldChanged-to').fill('Done');
    // Step 1: the default "Send a web request" form.
    const stepCard = page.getByRole('group', { name: 'Step 1' });
    await stepCard.getByText('Step 1: Send a web request').waitFor();
    await pick(page, 'step-0-connection', connectionName);
    await page.locator('#step-0-path').fill('/e2e/done');
    for (const [name, path, search] of [
      ['key', 'issue.key', 'key'],
      ['summary', 'issue.fields.summary', 'summary'],
    ]) {
      await page.locator('#step-0-bodyfield-name').fill(name);
      await smartValue(page, stepCard, 'Body field value', search, path);
      await stepCard.getByRole('button', { name: 'Add to body' }).click();
    }
    const body = JSON.parse(await page.locator('#step-0-body').inputValue());
    assert(body.key === '{{ issue.key }}' && body.summary === '{{ issue.fields.summary }}', `the body builder wrote ${JSON.stringify(body)}`);
    await shot(page, '03-rule1-editor');
  });

  await step('rule 1: the dry run follows the trigger (updated event, OPS, status → Done) and matches', async () => {
    const sample = JSON.parse(await page.locator('#dryrun-event').inputValue());
    assert(sample.eventType === 'avi:jira:updated:issue', `sample event type ${sample.eventType}`);
    assert(sample.issue?.key?.startsWith('OPS-'), `sample issue ${sample.issue?.key}`);
    assert(sample.changelog?.items?.[0]?.toString === 'Done', 'the sample has no status change to Done');
    await page.getByRole('button', { name: 'Dry run', exact: true }).click();
    const result = page.getByTestId('dry-run-result');
    await result.waitFor();
    await result.getByText('matched', { exact: true }).waitFor();
    const text = await result.innerText();
    assert(text.includes(`${THIRD_PARTY}/e2e/done`), `dry run did not show the request URL: ${text}`);
    assert(text.includes(sample.issue.key) && text.includes(sample.issue.fields.summary), `dry run body does not carry the key and summary: ${text}`);
    assert(!text.includes(CANARY), 'the dry run shows the secret');
    await shot(page, '04-rule1-dry-run');
  });

  await step('rule 1: save it', async () => {
    await page.getByRole('button', { name: 'Create rule' }).first().click();
    await page.getByText(new RegExp(`Saved rule “${escapeRe(ruleName)}”`)).waitFor();
    const row = page.getByRole('row').filter({ hasText: ruleName });
    await row.waitFor();
    assert((await row.innerText()).includes('Jira event'), 'the rules list does not show the trigger');
    await shot(page, '05-rules');
  });

  // Rule 2: "when a bug is created, ask an AI model to classify it and add the label".
  await step('rule 2: build "bug created → AI classifies → add the label" with forms and pickers', async () => {
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.locator('#rule-name').fill(aiRuleName);
    await page.locator('#trigger-issueTypes').fill('Bug');
    await page.getByRole('button', { name: 'Remove step 1' }).click();
    await pick(page, 'add-step-kind', 'Ask an AI model');
    await page.getByRole('button', { name: 'Add step', exact: true }).click();
    const ai = page.getByRole('group', { name: 'Step 1' });
    await ai.getByText('Step 1: Ask an AI model').waitFor();
    await page.locator('#step-0-id').fill('classify');
    // Only AI connections are offered.
    await page.locator('#step-0-connection').click();
    assert((await page.getByRole('option', { name: new RegExp(escapeRe(connectionName)) }).count()) === 0, 'a plain connection is offered to the AI step');
    await page.keyboard.press('Escape');
    await pick(page, 'step-0-connection', aiConnectionName);
    await page.locator('#step-0-model').fill('gpt-4o-mini');
    await page.locator('#step-0-prompt').fill('Classify this bug report: ');
    await smartValue(page, ai, 'Prompt', 'summary', 'issue.fields.summary');
    assert((await page.locator('#step-0-prompt').inputValue()) === 'Classify this bug report: {{ issue.fields.summary }}', 'the prompt insertion is not at the caret');
    await pick(page, 'step-0-format', 'One value from a list');
    await page.locator('#step-0-choices').fill('bug-ui, bug-api, question');
    await pick(page, 'add-step-kind', 'Edit issue fields');
    await page.getByRole('button', { name: 'Add step', exact: true }).click();
    const edit = page.getByRole('group', { name: 'Step 2' });
    await edit.getByText('Step 2: Edit issue fields').waitFor();
    await page.locator('#step-1-id').fill('label');
    await page.locator('#step-1-field-0').fill('labels');
    await smartValue(page, edit, 'Value 1', 'label', 'steps.classify.output.label');
    // The due date with the day picker, the resolution by name (the resolution picker is a text input outside Jira).
    await page.locator('#step-1-field-add').click();
    await page.locator('#step-1-field-1').fill('duedate');
    await page.locator('#step-1-value-1-day').fill('2026-12-31');
    assert((await page.locator('#step-1-value-1').inputValue()) === '2026-12-31', 'the picked day is not the due date value');
    await page.locator('#step-1-field-add').click();
    await page.locator('#step-1-field-2').fill('resolution');
    await page.locator('#step-1-value-2').fill('Done');
    await shot(page, '06-rule2-editor');
  });

  await step('rule 2: dry run (the AI request is shown, not sent; step values are marked empty) and save', async () => {
    const sample = JSON.parse(await page.locator('#dryrun-event').inputValue());
    assert(sample.eventType === 'avi:jira:created:issue' && sample.issue.fields.issuetype.name === 'Bug', 'the sample does not follow the trigger');
    await page.getByRole('button', { name: 'Dry run', exact: true }).click();
    const result = page.getByTestId('dry-run-result');
    await result.waitFor();
    await result.getByText('matched', { exact: true }).waitFor();
    const text = await result.innerText();
    assert(text.includes(`${fakeAi.baseUrl}/chat/completions`), `the dry run does not show the AI request: ${text}`);
    assert(fakeAi.received.length === 0, 'the dry run called the AI provider');
    assert(text.includes('/rest/api/3/issue/'), `the dry run does not show the Jira edit: ${text}`);
    assert(!text.includes(CANARY), 'the dry run shows the AI key');
    await page.getByTestId('dry-run-step-note').waitFor();
    await shot(page, '07-rule2-dry-run');
    await page.getByRole('button', { name: 'Create rule' }).first().click();
    await page.getByText(new RegExp(`Saved rule “${escapeRe(aiRuleName)}”`)).waitFor();
    await page.getByRole('row').filter({ hasText: aiRuleName }).waitFor();
  });

  await step('fire a simulated Jira event at /forge/events: OPS issue moved to Done', async () => {
    const token = await devToken('/forge/events');
    const res = await fetch(`${BACKEND}/forge/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(jiraEvent()),
    });
    assert(res.status >= 200 && res.status < 300, `POST /forge/events answered ${res.status}: ${await res.text()}`);
  });

  await step('the run appears in the runs log, with metadata only', async () => {
    await page.getByRole('tab', { name: 'Runs' }).click();
    const row = page.getByRole('row').filter({ hasText: issueKey });
    const deadline = Date.now() + 30_000;
    while (!(await row.count())) {
      assert(Date.now() < deadline, `no run for ${issueKey} in the runs log after 30 s`);
      await page.waitForTimeout(1000);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    const rowText = await row.first().innerText();
    assert(rowText.includes(ruleName), `the run row does not name the rule: ${rowText}`);
    await shot(page, '08-runs');
    await row.first().getByRole('button', { name: /Details of run/ }).click();
    await page.getByText('Payloads are never stored').waitFor();
    await shot(page, '09-run-detail');
    const detail = await page.locator('main').innerText();
    assert(/succeeded/.test(rowText), `the run did not succeed: ${rowText}\n${detail}`);
    await page.getByRole('button', { name: 'Back to runs' }).click();
  });

  await step('rule 2 on a created bug: the AI provider gets the key and classifies, the run succeeds, the Jira issue gets the label', async () => {
    assert(DEV_JIRA, 'set DEV_JIRA_URL to the development Jira the backend uses (Jira__ApiBaseUrlOverride); see the header');
    const bugKey = `BUG-${Number.parseInt(run.slice(4, 8), 16) % 9000 + 1}`;
    const summary = `Login button overlaps the footer ${run}`;
    const jiraIssue = async () => {
      const res = await fetch(`${DEV_JIRA}/rest/api/3/issue/${bugKey}`, { headers: { Authorization: `Bearer ${SYSTEM_TOKEN}` } });
      assert(res.ok, `GET ${bugKey} on the development Jira answered ${res.status}`);
      return res.json();
    };
    // The development Jira creates the issue on first read, with its own labels: the rule replaces them.
    assert(!(await jiraIssue()).fields.labels.includes('bug-ui'), `${bugKey} already has the label`);
    // jira.* steps call Jira with the app's system token, which Forge sends with the event (as e2e/flow.mjs does).
    const token = await devToken('/forge/events');
    const res = await fetch(`${BACKEND}/forge/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'x-forge-oauth-system': SYSTEM_TOKEN },
      body: JSON.stringify({
        eventType: 'avi:jira:created:issue',
        timestamp: String(Date.now()),
        atlassianId: identity.accountId,
        selfGenerated: false,
        issue: { id: String(30000 + (Date.now() % 10000)), key: bugKey, fields: { summary, issuetype: { name: 'Bug' }, project: { key: 'BUG' }, status: { name: 'To Do' } } },
      }),
    });
    assert(res.status >= 200 && res.status < 300, `POST /forge/events answered ${res.status}: ${await res.text()}`);
    await page.getByRole('tab', { name: 'Runs' }).click();
    const row = page.getByRole('row').filter({ hasText: bugKey });
    const deadline = Date.now() + 30_000;
    while (!(await row.count()) || !/succeeded|failed/i.test(await row.first().innerText())) {
      assert(Date.now() < deadline, `no finished run for ${bugKey} after 30 s`);
      await page.waitForTimeout(1000);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    const rowText = await row.first().innerText();
    assert(rowText.includes(aiRuleName), `the run row does not name the rule: ${rowText}`);
    await shot(page, '09b-ai-runs');

    // The provider saw exactly one request: the documented path, the key, the model, the prompt and the form's schema.
    assert(fakeAi.received.length === 1, `the AI provider received ${fakeAi.received.length} requests: ${fakeAi.received.map((r) => `${r.method} ${r.path} ${r.problem ?? ''}`).join('; ')}`);
    const [chat] = fakeAi.received;
    assert(chat.path === '/v1/chat/completions' && chat.authorized && !chat.problem, `the AI provider refused the request: ${chat.method} ${chat.path} authorized=${chat.authorized} ${chat.problem ?? ''}`);
    assert(chat.body.model === 'gpt-4o-mini', `model sent: ${chat.body.model}`);
    assert(messageText(chat.body, 'user') === `Classify this bug report: ${summary}`, `prompt sent: ${messageText(chat.body, 'user')}`);
    assert(JSON.stringify(schemaChoices(chat.body, 'label')) === JSON.stringify(['bug-ui', 'bug-api', 'question']), `schema sent: ${JSON.stringify(chat.body.response_format)}`);
    assert(!chat.raw.includes(CANARY), 'the key is in the request body');

    await row.first().getByRole('button', { name: /Details of run/ }).click();
    await page.getByText('Payloads are never stored').waitFor();
    const status = await page.locator('dl').innerText();
    // The steps table's cells: Step, Connection, Request, HTTP status, Attempts, Sent, Received, Duration, Details, Error.
    const cells = async (title) => page.getByRole('row').filter({ hasText: title }).locator('td').allInnerTexts();
    const [aiStep, editStep] = [await cells('Step 1: classify (ai.chat)'), await cells('Step 2: label (jira.edit)')];
    await shot(page, '09c-ai-run-detail');
    assert(/succeeded/i.test(status), `the run did not succeed: ${status}\n${aiStep.join(' | ')}\n${editStep.join(' | ')}`);
    // The AI step's record: metadata only (connection, host, status, attempts, token counts), no error.
    const [, aiConnection, aiRequest, aiHttp, aiAttempts, , , , aiDetails, aiError] = aiStep;
    assert(aiConnection === aiConnectionName && aiRequest === 'POST 127.0.0.1' && aiHttp === '200' && aiAttempts === '1', `the AI step's record: ${aiStep.join(' | ')}`);
    assert(aiDetails === '57 + 6 tokens' && aiError === '—', `the AI step's record: ${aiStep.join(' | ')}`);
    assert(editStep[2].startsWith('PUT') && editStep[3] === '204' && editStep[9] === '—', `the label step's record: ${editStep.join(' | ')}`);
    const html = await page.content();
    assert(!html.includes(CANARY) && !html.includes(summary), 'the run detail shows the key or the prompt');
    await page.getByRole('button', { name: 'Back to runs' }).click();

    const { labels, duedate, resolution } = (await jiraIssue()).fields;
    assert(JSON.stringify(labels) === JSON.stringify(['bug-ui']), `${bugKey} on the development Jira has labels ${JSON.stringify(labels)}`);
    assert(duedate === '2026-12-31' && JSON.stringify(resolution) === '{"name":"Done"}', `${bugKey} on the development Jira has due date ${JSON.stringify(duedate)} and resolution ${JSON.stringify(resolution)}`);
  });

  await (await import('./flow.mjs')).flowScenario({ page, step, assert, shot, pick, smartValue, devToken, identity, run, CANARY, BACKEND, THIRD_PARTY, connectionName, escapeRe }); // control flow (e2e/flow.mjs)
  await (await import('./roundtrip.mjs')).roundTripScenario({ page, step, assert, devToken, run, BACKEND, THIRD_PARTY, connectionName, aiConnectionName }); // every field, opened and saved (e2e/roundtrip.mjs)
  await (await import('./text.mjs')).textScenario({ page, step, assert, pick, devToken, run, BACKEND, THIRD_PARTY }); // typed text shown as text, long words wrap (e2e/text.mjs)
  await (await import('./warnings.mjs')).warningsScenario({ page, step, assert, pick, run, connectionName }); // save-time warnings at their fields (e2e/warnings.mjs)

  await step('the issue panel lists the run for the issue', async () => {
    await page.goto(`${uiBase}/?${query}&view=issue-panel&issueKey=${issueKey}&issueId=${issueId}`);
    await page.getByRole('heading', { name: `Recent runs for ${issueKey}` }).waitFor();
    const item = page.getByRole('listitem').filter({ hasText: ruleName });
    await item.waitFor();
    assert(/succeeded/.test(await item.innerText()), 'the issue panel does not show the run as succeeded');
    await shot(page, '10-issue-panel');
    await page.goto(`${uiBase}/?${query}`);
    await page.getByRole('heading', { name: 'BluBees automations' }).waitFor();
  });

  await step('the secret never comes back: not in the DOM, not in any response the page received', async () => {
    await page.reload();
    await page.getByRole('tab', { name: 'Connections' }).click();
    await page.getByRole('row').filter({ hasText: connectionName }).waitFor();
    const html = await page.content();
    assert(!html.includes(CANARY), 'the canary is in the DOM');
    const values = await page.locator('input, textarea').evaluateAll((els) => els.map((e) => e.value));
    assert(!values.some((v) => v.includes(CANARY)), 'the canary is in an input value');
    const leaks = responses.filter((r) => r.body.includes(CANARY));
    assert(leaks.length === 0, `the canary came back in: ${leaks.map((l) => `${l.status} ${l.url}`).join(', ')}`);
    assert(responses.some((r) => r.url.includes('/api/connections')), 'no /api/connections responses were recorded');
  });

  await step('a user who is not a Jira administrator sees no configuration', async () => {
    const viewer = new URLSearchParams({ ...identity, accountId: `e2e-viewer-${run}` }).toString();
    await page.goto(`${uiBase}/?${viewer}`);
    await page.getByText('For Jira administrators').waitFor();
    assert((await page.getByRole('tab', { name: 'Connections' }).count()) === 0, 'a non-administrator is shown the configuration tabs');
    assert(!(await page.content()).includes(connectionName), 'a non-administrator sees a connection name');
    await shot(page, '11-read-only');
  });

  writeFileSync(
    join(artifacts, 'report.json'),
    JSON.stringify({ run, backend: BACKEND, thirdParty: THIRD_PARTY, results, consoleErrors, responses: responses.map(({ url, status }) => ({ url, status })) }, null, 2),
  );
}

async function pick(page, inputId, label) {
  const input = page.locator(`#${inputId}`);
  await input.click();
  await input.fill(label);
  await page.getByRole('option', { name: label }).first().click();
}

/** Opens the smart-value picker next to `label` inside `scope`, searches and clicks `path`. */
async function smartValue(page, scope, label, search, path) {
  await scope.getByRole('button', { name: `Insert a smart value into ${label}`, exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Smart values for ${label}` });
  await dialog.getByLabel('Search smart values').fill(search);
  await dialog.locator(`[data-smart-value="${path}"]`).click();
  await dialog.waitFor({ state: 'detached' });
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

try {
  await main();
} catch (e) {
  failed++;
  console.log(`  ✗ setup: ${e?.stack ?? e}`);
} finally {
  await browser?.close().catch(() => undefined);
  await fakeAi?.close();
  if (preview?.pid) {
    try {
      process.kill(-preview.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
console.log(`\nscreenshots and report: ${artifacts}`);
console.log(`${passed} passed, ${failed} failed`);
if (process.env.E2E_RESULTS) writeFileSync(process.env.E2E_RESULTS, JSON.stringify({ passed, failed }));
process.exit(failed ? 1 : 0);
