// End-to-end round trip of the rule builder, run by e2e/run.mjs in the same browser page: a rule that uses every
// step kind, trigger option and condition shape the backend accepts (docs/api.md "The rule format"), saved through
// the API, opened in the builder (every step in its form, none in the JSON editor) and saved without a change, is
// stored exactly as it was.

/** The rule: every kind with its optional fields; values a form might retype (numbers, "" , lists) on purpose. */
export function everyFieldRule({ name, connection, aiConnection, thirdParty }) {
  const changedEmpty = { field: 'labels', op: 'changed', from: '', to: 'urgent' };
  return {
    name,
    enabled: false,
    trigger: {
      type: 'event',
      events: ['avi:jira:updated:issue', 'avi:jira:created:issue'],
      projects: ['OPS', 'SUP'],
      issueTypes: ['Bug', 'Task'],
      fieldChanged: { field: 'labels', from: '', to: 'urgent' },
    },
    conditions: {
      all: [
        { field: 'issue.fields.priority.name', op: 'in', value: ['High', 'Highest'] },
        { field: 'issue.fields.customfield_10016', op: 'greaterThan', value: 3 },
        { field: 'issue.fields.resolution', op: 'equals', value: '' },
        { any: [{ field: 'issue.fields.summary', op: 'matches', value: '(?i)outage' }, changedEmpty, { field: 'issue.fields.labels', op: 'isEmpty' }] },
      ],
    },
    steps: [
      {
        id: 'ticket', type: 'http', connection, method: 'POST', path: '/tickets/{{ issue.key | url_encode }}',
        headers: { 'X-Source': 'blubees' }, query: { project: '{{ project.key }}' },
        body: { title: '{{ issue.fields.summary }}', points: 5, ratio: 1.5, flag: true, none: null, labels: ['a', 'b'], lines: [{ sku: 'A1', qty: 2 }, { sku: '{{ issue.key }}' }] },
        timeoutSeconds: 15, onError: 'continue', if: { field: 'issue.key', op: 'isNotEmpty' },
      },
      { id: 'hook', type: 'http', url: `${thirdParty}/hooks/{{ issue.key }}`, method: 'PUT', headers: {}, body: { text: 'x' } },
      {
        id: 'ask', type: 'ai.chat', connection: aiConnection, model: 'gpt-4o-mini', system: 'Triage.', prompt: '{{ issue.fields.summary }}',
        temperature: 0.2, maxTokens: 100, timeoutSeconds: 30, onError: 'continue',
        schema: {
          type: 'object',
          properties: {
            label: { type: 'string', enum: ['bug', 'feature'] },
            detail: { type: 'object', properties: { reason: { type: 'string' } }, required: ['reason'], additionalProperties: false },
            tasks: { type: 'array', items: { type: 'object', properties: { title: { type: 'string' }, days: { type: 'integer' } }, required: ['title', 'days'], additionalProperties: false } },
          },
          required: ['label'],
        },
      },
      { id: 'note', type: 'jira.comment', body: 'Seen {{ issue.key }}\n\nBy BluBees', issue: '{{ issue.key }}' },
      {
        id: 'fmt', type: 'jira.comment',
        body: { type: 'doc', version: 1, content: [
          { type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: 'Triage' }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'Seen ' }, { type: 'text', text: '{{ issue.key }}', marks: [{ type: 'strong' }] }] },
          { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }] }] },
          { type: 'orderedList', attrs: { order: 1 }, content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'two', marks: [{ type: 'em' }] }] }] }] },
          { type: 'codeBlock', content: [{ type: 'text', text: 'make test' }] },
        ] },
      },
      {
        id: 'edit', type: 'jira.edit',
        fields: {
          summary: '{{ issue.fields.summary }} (triaged)', labels: ['triaged'], priority: { id: '2' }, customfield_10016: 3, duedate: '{{ now | plus_days: 3 }}', resolution: 'Done',
          customfield_10070: { value: 'Europe', child: { value: 'Belgium' } }, customfield_10030: [{ id: '10001' }], customfield_10040: [{ accountId: 'a1' }, { accountId: 'b2' }],
        },
        update: { labels: [{ add: 'urgent' }, { remove: 'needs-triage' }], components: { set: ['Backend', 'API'] }, customfield_10050: [{ add: { value: 'x' } }], fixVersions: { set: [{ id: '10100' }] } },
      },
      { id: 'start', type: 'jira.transition', transition: 'In Progress', onError: 'continue' },
      { id: 'again', type: 'jira.fetch', issue: '{{ issue.key }}' },
      { id: 'follow', type: 'jira.create', issueType: 'Task', project: 'OPS', parent: '{{ issue.key }}', fields: { summary: 'Follow up {{ issue.key }}', 'Story Points': 2 } },
      { id: 'who', type: 'jira.assign', assignee: '' },
      { id: 'link', type: 'jira.link', linkType: 'Blocks', outwardIssue: '{{ steps.follow.key }}' },
      { id: 'open', type: 'jira.search', jql: 'project = OPS', select: ['summary', 'status'], maxResults: 20 },
      {
        id: 'copy', type: 'transfer', source: { jiraAttachment: '{{ issue.fields.attachment[0].id }}' },
        destination: { connection, method: 'PUT', path: '/files/{{ issue.key }}', headers: { 'X-Source': 'blubees' }, query: { v: '1' } },
        maxBytes: 1048576, timeoutSeconds: 120,
      },
      {
        id: 'check', type: 'if', if: { field: 'steps.ask.output.label', op: 'equals', value: 'bug' },
        then: [{ id: 'hot', type: 'jira.comment', body: 'A bug' }], else: [{ id: 'cold', type: 'jira.comment', body: 'Not a bug' }],
      },
      { id: 'each', type: 'forEach', items: 'steps.open.issues', limit: 10, parallelism: 2, onError: 'continue', steps: [{ id: 'sub', type: 'jira.comment', issue: '{{ item.key }}', body: 'Seen' }] },
    ],
  };
}

/** @param {Record<string, any>} ctx the page, the reporter and the helpers of run.mjs */
export async function roundTripScenario(ctx) {
  const { page, step, assert, devToken, run, BACKEND, THIRD_PARTY, connectionName, aiConnectionName } = ctx;
  const name = `E2E every field ${run}`;
  let ruleId;
  let stored;
  const api = async (method, path, body) => {
    const res = await fetch(`${BACKEND}${path}`, {
      method,
      headers: { Authorization: `Bearer ${await devToken('/api')}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  await step('round trip: a rule using every field, saved through the API, opens with every step in its form', async () => {
    const { body: conns } = await api('GET', '/api/connections');
    const id = (n) => conns.items.find((c) => c.name === n)?.id;
    assert(id(connectionName) && id(aiConnectionName), 'the connections of the earlier steps are missing');
    const created = await api('POST', '/api/rules', everyFieldRule({ name, connection: id(connectionName), aiConnection: id(aiConnectionName), thirdParty: THIRD_PARTY }));
    assert(created.status === 201, `POST /api/rules answered ${created.status}: ${JSON.stringify(created.body)}`);
    ruleId = created.body.id;
    stored = (await api('GET', `/api/rules/${ruleId}`)).body;
    await page.getByRole('tab', { name: 'Rules' }).click();
    await page.getByRole('button', { name: `Edit rule ${name}` }).click();
    await page.locator('#rule-name').waitFor();
    const inJson = await page.locator('[id$="-json"]').count();
    assert(inJson === 0, `${inJson} step(s) opened in the JSON editor`);
  });

  await step('round trip: saved without a change, the definition is stored exactly as it was', async () => {
    await page.getByRole('button', { name: 'Save rule' }).first().click();
    // A save with warnings (fields Jira does not know) stays open on the saved rule; either way a new version is stored.
    // A refused save (the builder's own checks or a 400) stays open with "N problems to fix".
    await page.waitForFunction(() => document.querySelector('[data-testid="warnings-summary"]') || !document.querySelector('#rule-name') || /problems? to fix/.test(document.body.innerText));
    const after = (await api('GET', `/api/rules/${ruleId}`)).body;
    assert(after.version === stored.version + 1, `the save did not store a new version (${stored.version} → ${after.version}); the page says: ${(await page.locator('main').innerText()).slice(0, 400)}`);
    const [a, b] = [JSON.stringify(stored.definition), JSON.stringify(after.definition)];
    assert(a === b, `the definition changed:\nbefore ${a}\nafter  ${b}`);
    if (await page.locator('#rule-name').count()) await page.getByRole('button', { name: 'Done: back to the rules' }).click();
  });
}
