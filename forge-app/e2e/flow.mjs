// End-to-end scenario of control flow (issue 13, "Done when"), run by e2e/run.mjs in the same browser page:
// build with forms only the rule "on a transition to Done: search JQL for the open sub-tasks; for each: comment
// and transition it; create a follow-up issue; post a summary to the HTTP connection" → dry-run it (the exact
// requests, secrets masked) → save → fire the event with the system token → see every branch and iteration in
// the run's detail.
//
// jira.* steps need a Jira: the caller starts the development Jira (`blubees jira --port P`), starts the backend
// with Jira__ApiBaseUrlOverride=http://127.0.0.1:P and passes DEV_JIRA_URL=http://127.0.0.1:P (scripts/test.sh
// does). The development Jira answers every JQL search with every issue it holds, so the sub-tasks are made to
// exist by reading them first (it creates an issue on first use), and the run comments on and transitions them.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SYSTEM_TOKEN = process.env.DEV_JIRA_SYSTEM_TOKEN ?? 'dev-system-token';
const artifacts = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
/** A screenshot of one part of the page, readable at full size. */
const part = (locator, name) => locator.screenshot({ path: join(artifacts, `${name}.png`) });

/** @param {Record<string, any>} ctx the page, the reporter and the helpers of run.mjs */
export async function flowScenario(ctx) {
  const { page, step, assert, shot, pick, smartValue, devToken, identity, run, CANARY, BACKEND, THIRD_PARTY, connectionName, escapeRe } = ctx;
  const JIRA = (process.env.DEV_JIRA_URL ?? '').replace(/\/$/, '');
  const ruleName = `E2E close sub-tasks ${run}`;
  const project = 'FLOW';
  const parentKey = `${project}-${(Number.parseInt(run.slice(0, 4), 16) % 900) + 100}`;
  const subtasks = [`${project}-1`, `${project}-2`];

  if (!(await step('control flow: the development Jira is reachable (DEV_JIRA_URL)', async () => {
    assert(JIRA, 'set DEV_JIRA_URL to the development Jira the backend uses (Jira__ApiBaseUrlOverride); see e2e/flow.mjs');
    for (const key of subtasks) {
      const res = await fetch(`${JIRA}/rest/api/3/issue/${key}`, { headers: { Authorization: `Bearer ${SYSTEM_TOKEN}` } });
      assert(res.ok, `GET ${key} on the development Jira answered ${res.status}`);
    }
  }))) return;

  await step('control flow: build the rule with forms only (search → for each: comment + transition → if: follow-up → summary)', async () => {
    await page.getByRole('tab', { name: 'Rules' }).click();
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.locator('#rule-name').fill(ruleName);
    await page.getByLabel('Issue created').uncheck();
    await page.getByLabel('Issue updated (includes transitions)').check();
    await page.locator('#trigger-projects').fill(project);
    await page.getByText('Only when a field changed').click();
    await page.locator('#trigger-fieldChanged-field').fill('status');
    await page.locator('#trigger-fieldChanged-to').fill('Done');
    await page.getByRole('button', { name: 'Remove step 1' }).click();

    // Step 1: the JQL search, the issue key inserted with the smart-value picker.
    await addStep(page, pick, 'add-step-kind', 'Search issues (JQL)', 'Add step');
    const search = page.getByRole('group', { name: 'Step 1', exact: true });
    await page.locator('#step-0-id').fill('subtasks');
    await page.locator('#step-0-jql').fill('parent = ');
    await smartValue(page, search, 'JQL', 'key', 'issue.key');
    await page.locator('#step-0-jql').press('End');
    await page.locator('#step-0-jql').pressSequentially(' AND statusCategory != Done');

    // Step 2: for each issue found, comment on it and transition it (only if it is not done yet).
    await addStep(page, pick, 'add-step-kind', 'For each', 'Add step');
    await page.locator('#step-1-id').fill('each');
    await pick(page, 'step-1-items', 'Issues found by step “subtasks”');
    await page.locator('#step-1-limit').fill('20');
    await addStep(page, pick, 'add-step-kind-1-steps', 'Comment on the issue', 'Add step to step 2 › Each');
    const note = page.getByRole('group', { name: 'Step 2 › Each 1', exact: true });
    await page.locator('#step-1-steps-0-id').fill('note');
    await page.locator('#step-1-steps-0-body').fill('Closed with its parent ');
    await smartValue(page, note, 'Comment', 'key', 'issue.key');
    await smartValue(page, note, 'Issue (optional)', 'Item: Key', 'item.key');
    await addStep(page, pick, 'add-step-kind-1-steps', 'Transition the issue', 'Add step to step 2 › Each');
    const close = page.getByRole('group', { name: 'Step 2 › Each 2', exact: true });
    await page.locator('#step-1-steps-1-id').fill('close');
    await page.locator('#step-1-steps-1-transition').fill('Done');
    await smartValue(page, close, 'Issue (optional)', 'Item: Key', 'item.key');
    await close.getByText('Only run if…').click();
    const onlyIf = close.getByRole('group', { name: 'Only run step 2 › Each 2 if' });
    await condition(page, pick, onlyIf, 'item.fields.status.name', 'does not equal', 'Done');

    // Step 3: if the search found anything, create a follow-up issue.
    await addStep(page, pick, 'add-step-kind', 'If / else', 'Add step');
    await page.locator('#step-2-id').fill('check');
    const cond = page.getByRole('group', { name: 'Condition of step 3' });
    await condition(page, pick, cond, 'steps.subtasks.count', 'greater than', '0');
    await addStep(page, pick, 'add-step-kind-2-then', 'Create an issue', 'Add step to step 3 › Then');
    const follow = page.getByRole('group', { name: 'Step 3 › Then 1', exact: true });
    await page.locator('#step-2-then-0-id').fill('follow');
    await page.locator('#step-2-then-0-issueType').fill('Task');
    await page.locator('#step-2-then-0-summary').fill('Follow up ');
    await smartValue(page, follow, 'Summary', 'key', 'issue.key');

    // Step 4: the summary to the HTTP connection, its body built with the body-field rows.
    await addStep(page, pick, 'add-step-kind', 'Send a web request', 'Add step');
    const post = page.getByRole('group', { name: 'Step 4', exact: true });
    await page.locator('#step-3-id').fill('summary');
    await pick(page, 'step-3-connection', connectionName);
    await page.locator('#step-3-path').fill('/e2e/flow-summary');
    for (const [name, search, path] of [
      ['key', 'key', 'issue.key'],
      ['closed', 'Number of issues found', 'steps.subtasks.count'],
      ['followUp', 'New issue key', 'steps.follow.key'],
    ]) {
      await page.locator('#step-3-bodyfield-name').fill(name);
      await smartValue(page, post, 'Body field value', search, path);
      await post.getByRole('button', { name: 'Add to body' }).click();
    }
    await shot(page, 'flow-01-editor');
    await part(page.getByRole('group', { name: 'Step 2', exact: true }), 'flow-01b-for-each');
    await part(page.getByRole('group', { name: 'Step 3', exact: true }), 'flow-01c-if-else');
  });

  await step('control flow: the dry run shows the exact requests, secrets masked, and the path with the sample', async () => {
    await page.getByRole('button', { name: 'Dry run', exact: true }).click();
    const result = page.getByTestId('dry-run-result');
    await result.waitFor();
    await result.getByText('matched', { exact: true }).waitFor();
    const text = await result.innerText();
    assert(text.includes(`${JIRA}/rest/api/3/search/jql`), `the dry run does not show the JQL search: ${text}`);
    assert(text.includes(`${THIRD_PARTY}/e2e/flow-summary`), `the dry run does not show the summary request: ${text}`);
    assert(/X-E2E-Key: \S+/i.test(text), `the dry run does not list the connection's key header: ${text}`);
    assert(/Authorization: Bearer •+/.test(text), `the Jira calls' system token is not shown masked: ${text}`);
    assert(!text.includes(CANARY) && !text.includes(SYSTEM_TOKEN), 'the dry run shows a secret');
    // The loop is previewed (with a placeholder item: the search is not executed) and the if block walked.
    const flow = await result.getByTestId('dry-run-flow').innerText();
    assert(/Step 2 \(each\): \d+ (placeholder )?items? previewed/.test(flow) && /Step 3 \(check\): took/.test(flow), `the dry run does not show the path: ${flow.replace(/\n/g, ' | ')}`);
    assert(/Step 2 › Each 1 \(note\) · item 1/.test(text), `the loop's comment request is not shown with its place: ${text}`);
    await shot(page, 'flow-02-dry-run');
    await part(result, 'flow-02b-dry-run-result');
  });

  await step('control flow: save the rule; it reopens with its blocks in forms', async () => {
    await page.getByRole('button', { name: 'Create rule' }).first().click();
    await page.getByText(new RegExp(`Saved rule “${escapeRe(ruleName)}”`)).waitFor();
    await page.getByRole('row').filter({ hasText: ruleName }).waitFor();
    await page.getByRole('button', { name: `Edit rule ${ruleName}` }).click();
    const nested = page.getByRole('group', { name: 'Step 2 › Each 2', exact: true });
    await nested.waitFor();
    assert((await nested.getAttribute('data-kind')) === 'jira.transition', 'the saved loop does not reopen with its transition step in a form');
    assert((await page.getByRole('group', { name: 'Step 3 › Then 1', exact: true }).getAttribute('data-kind')) === 'jira.create', 'the saved if block does not reopen in forms');
    await page.getByRole('button', { name: 'Cancel' }).first().click();
  });

  await step('control flow: fire "moved to Done" with the system token; the run shows every branch and iteration', async () => {
    const token = await devToken('/forge/events');
    const res = await fetch(`${BACKEND}/forge/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'x-forge-oauth-system': SYSTEM_TOKEN },
      body: JSON.stringify({
        eventType: 'avi:jira:updated:issue',
        timestamp: String(Date.now()),
        atlassianId: identity.accountId,
        selfGenerated: false,
        issue: { id: String(40000 + (Date.now() % 10000)), key: parentKey, fields: { summary: `Parent ${run}`, status: { name: 'Done' }, issuetype: { name: 'Story' }, project: { key: project } } },
        changelog: { id: '10200', items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: '3', fromString: 'In Progress', to: '10002', toString: 'Done' }] },
      }),
    });
    assert(res.status >= 200 && res.status < 300, `POST /forge/events answered ${res.status}: ${await res.text()}`);
    await page.getByRole('tab', { name: 'Runs' }).click();
    const row = page.getByRole('row').filter({ hasText: parentKey });
    const deadline = Date.now() + 30_000;
    while (!(await row.count())) {
      assert(Date.now() < deadline, `no run for ${parentKey} in the runs log after 30 s`);
      await page.waitForTimeout(1000);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    await row.first().getByRole('button', { name: /Details of run/ }).click();
    const path = page.getByTestId('run-path');
    await path.waitFor();
    const loop = path.getByTestId('iterations-each');
    const loopText = await loop.innerText();
    assert(/\d+ items?: \d+ succeeded/.test(loopText), `the loop summary is missing: ${loopText}`);
    const items = await loop.locator('details').count();
    assert(items >= subtasks.length, `expected at least ${subtasks.length} iterations, saw ${items}: ${loopText}`);
    for (let k = 0; k < Math.min(items, 3); k++) {
      const it = loop.locator('details').nth(k);
      const t = await it.innerText();
      assert(/note/.test(t) && /close/.test(t), `iteration ${k + 1} does not list its steps: ${t}`);
    }
    const branch = await path.getByTestId('branch-check').innerText();
    assert(/Then/.test(branch), `the if block did not take Then: ${branch}`);
    const all = await path.innerText();
    assert(/follow \(jira\.create\)\s*succeeded/.test(all), `the follow-up step did not succeed: ${all}`);
    assert(/summary \(http\)\s*succeeded\s*HTTP 200/.test(all), `the summary was not posted: ${all}`);
    await shot(page, 'flow-03-run-path');
    await part(path, 'flow-03b-run-path');
    const status = await page.locator('dl').innerText();
    assert(/succeeded/.test(status), `the run did not succeed: ${status}\n${all}`);
    await page.getByRole('button', { name: 'Back to runs' }).click();
  });

  await step('control flow: the development Jira holds the comments, the transitions and the follow-up', async () => {
    for (const key of subtasks) {
      const issue = await (await fetch(`${JIRA}/rest/api/3/issue/${key}`, { headers: { Authorization: `Bearer ${SYSTEM_TOKEN}` } })).json();
      assert(issue.fields.status.name === 'Done', `${key} is ${issue.fields.status.name}, not Done`);
      const bodies = JSON.stringify(issue.fields.comment.comments);
      assert(bodies.includes(parentKey), `${key} has no comment naming ${parentKey}`);
    }
    const found = await (
      await fetch(`${JIRA}/rest/api/3/search/jql`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${SYSTEM_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ jql: `project = ${project}`, maxResults: 100 }),
      })
    ).json();
    assert(found.issues.some((i) => i.fields.summary === `Follow up ${parentKey}`), `no follow-up issue "Follow up ${parentKey}" on the development Jira`);
  });
}

async function addStep(page, pick, selectId, kindLabel, buttonName) {
  await pick(page, selectId, kindLabel);
  await page.getByRole('button', { name: buttonName, exact: true }).click();
}

/** Fills the first condition row of a condition group: the field from the Fields picker, the operator, the value. */
async function condition(page, pick, group, path, operator, value) {
  await group.getByRole('button', { name: 'Pick a field for Field' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Smart values for Field' });
  await dialog.locator(`[data-smart-value="${path}"]`).click();
  const op = await group.locator('input[id$="-op"]').first().getAttribute('id');
  await pick(page, op, operator);
  if (value !== undefined) await group.locator('input[id$="-value"]').first().fill(value);
}
