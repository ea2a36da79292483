import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import type { Connection, Step } from '../api';
import { StepsEditor } from '../components/StepsEditor';
import { definitionFromDraft, draftFromDefinition, stepJson, type StepDraft } from '../lib/ruleForm';
import { choose, user } from '../test/utils';
import { ERROR_CATEGORIES } from '../lib/errors';
import { formValuesFor, stepKind, stepKinds } from './registry';

const connections: Connection[] = [
  { id: 'conn-1', name: 'Tickets', baseUrl: 'https://tickets.example.com', auth: { type: 'bearer' }, secretSet: true },
  { id: 'conn-ai', name: 'OpenAI', baseUrl: 'https://api.openai.com/v1', auth: { type: 'bearer' }, secretSet: true, provider: 'openai' },
  { id: 'conn-store', name: 'Storage', baseUrl: 'https://files.example.com', auth: { type: 'none' }, secretSet: false },
];

// Each kind, written as docs/api.md shows it (and variants with every optional field).
const SAMPLES: Record<string, Step[]> = {
  http: [
    { id: 'a', type: 'http', connection: 'conn-1', method: 'POST', path: '/tickets/{{ issue.key | url_encode }}', headers: { 'X-Source': 'blubees' }, query: { project: '{{ project.key }}' }, body: { title: '{{ issue.fields.summary }}', n: 5, list: ['x'] }, timeoutSeconds: 15, onError: 'stop' },
    { id: 'b', type: 'http', connection: 'conn-1', method: 'GET', path: '/' },
    { id: 'c', type: 'http', connection: 'conn-1', path: '/x', onError: 'continue' },
    { id: 'f', type: 'http', connection: 'conn-1', method: 'GET', path: '/y', headers: {}, query: {} },
    // An absolute url: unauthenticated, or with a connection on the same origin (docs/api.md "HTTP step").
    { id: 'd', type: 'http', url: 'https://hooks.example.com/services/{{ webhook.body.team | url_encode }}', method: 'POST', body: { text: '{{ issue.key }}' } },
    { id: 'e', type: 'http', connection: 'conn-1', url: 'https://tickets.example.com/api/v2/{{ issue.key }}', method: 'GET', headers: { Accept: 'application/json' } },
  ],
  'ai.chat': [
    {
      id: 'triage', type: 'ai.chat', connection: 'conn-ai', model: 'gpt-4o-mini', system: 'You triage for {{ project.key }}.', prompt: 'Summary: {{ issue.fields.summary }}', temperature: 0, maxTokens: 300,
      schema: { type: 'object', properties: { priority: { type: 'string', enum: ['High', 'Low'] }, labels: { type: 'array', items: { type: 'string' } } }, required: ['priority', 'labels'] },
      timeoutSeconds: 60, onError: 'stop',
    },
    { id: 'classify', type: 'ai.chat', connection: 'conn-ai', model: 'gpt-4o-mini', prompt: 'Classify {{ issue.fields.summary }}', schema: { type: 'object', properties: { label: { type: 'string', enum: ['bug', 'feature'] } }, required: ['label'] } },
    { id: 'plain', type: 'ai.chat', connection: 'conn-ai', model: 'claude-x', system: '', prompt: 'Hi' },
  ],
  'jira.comment': [
    { id: 'note', type: 'jira.comment', body: 'Triaged automatically.\n\nPriority set to High.' },
    { id: 'note2', type: 'jira.comment', body: 'x', issue: '{{ issue.fields.parent.key }}', onError: 'continue' },
    // An Atlassian Document Format body of plain paragraphs has a form too (docs/api.md "Jira steps").
    {
      id: 'note3', type: 'jira.comment', onError: 'continue',
      body: { type: 'doc', version: 1, content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'Escalated: {{ issue.fields.summary }}' }, { type: 'hardBreak' }, { type: 'text', text: 'by BluBees' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Thanks' }] },
      ] },
    },
  ],
  'jira.edit': [
    { id: 'triage', type: 'jira.edit', fields: { labels: 'needs-triage, {{ project.key | downcase }}', priority: 'High', customfield_10016: '{{ issue.fields.storyPoints | default: 3 }}' } },
    { id: 'e2', type: 'jira.edit', fields: { assignee: null, labels: ['a', 'b'], priority: { id: '2' }, customfield_1: 3 }, issue: 'OPS-1', onError: 'stop' },
    // `update` (docs/api.md): one operation or a list of them per field; `fields` then optional.
    { id: 'e3', type: 'jira.edit', update: { labels: [{ add: 'urgent' }, { remove: 'needs-triage' }], components: { add: 'Backend' } } },
    // A description as a document: plain paragraphs are a text row, a richer one a JSON row (docs/api.md "Jira steps").
    {
      id: 'edoc', type: 'jira.edit',
      fields: {
        description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Seen by {{ user.accountId }}' }] }] },
        environment: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'prod', marks: [{ type: 'code' }] }] }] },
      },
    },
    { id: 'e4', type: 'jira.edit', fields: { summary: '{{ issue.fields.summary }} (triaged)' }, update: { labels: [{ add: '{{ project.key | downcase }}' }], fixVersions: { set: '2.0' }, customfield_10020: [{ remove: 'x' }, { add: 'y' }] }, issue: 'OPS-2', onError: 'continue' },
    { id: 'e5', type: 'jira.edit', fields: {}, update: { versions: { remove: '1.0' } } },
  ],
  'jira.create': [
    { id: 'create', type: 'jira.create', issueType: 'Task', fields: { summary: 'Follow up: {{ issue.fields.summary }}' } },
    {
      id: 'sub', type: 'jira.create', issueType: '{{ issue.fields.issuetype.name }}', project: '{{ project.key }}', parent: '{{ issue.key }}',
      fields: { summary: 'Check {{ issue.key }}', 'Story Points': 3, customfield_10016: '{{ issue.fields.customfield_10016 }}', labels: ['a', 'b'], description: 'Text' }, onError: 'continue',
    },
    { id: 'c3', type: 'jira.create', issueType: 'Bug', project: '', fields: { summary: 'x' }, onError: 'stop' },
  ],
  'jira.assign': [
    { id: 'as1', type: 'jira.assign', assignee: '5b10ac8d82e05b22cc7d4ef5' },
    { id: 'as2', type: 'jira.assign', assignee: '', issue: 'OPS-1' },
    { id: 'as3', type: 'jira.assign', assignee: '-1', onError: 'continue' },
    { id: 'as4', type: 'jira.assign', assignee: '{{ issue.fields.reporter.accountId }}', issue: '{{ steps.create.key }}', onError: 'stop' },
  ],
  'jira.link': [
    { id: 'link', type: 'jira.link', linkType: 'Blocks', outwardIssue: '{{ steps.create.key }}' },
    { id: 'l2', type: 'jira.link', linkType: 'Relates', inwardIssue: 'OPS-1', outwardIssue: 'OPS-2', onError: 'continue' },
    { id: 'l3', type: 'jira.link', linkType: '{{ steps.ai.output.link }}', inwardIssue: '{{ issue.fields.parent.key }}' },
  ],
  'jira.search': [
    { id: 'open', type: 'jira.search', jql: 'project = {{ project.key }} AND statusCategory != Done' },
    { id: 's2', type: 'jira.search', jql: 'assignee = currentUser()', select: ['summary', 'customfield_10016'], maxResults: 200, onError: 'continue' },
    { id: 's3', type: 'jira.search', jql: 'x', select: [], maxResults: 1000, onError: 'stop' },
  ],
  'jira.transition': [
    { id: 'start', type: 'jira.transition', transition: 'In Progress' },
    { id: 't2', type: 'jira.transition', transitionId: '31', issue: '{{ issue.key }}', onError: 'continue' },
  ],
  'jira.fetch': [
    { id: 'parent', type: 'jira.fetch', issue: '{{ issue.fields.parent.key }}', onError: 'continue' },
    { id: 'self', type: 'jira.fetch' },
  ],
  transfer: [
    {
      id: 'archive', type: 'transfer',
      source: { connection: 'conn-1', method: 'GET', path: '/rest/api/3/attachment/content/{{ issue.fields.attachment[0].id }}' },
      destination: { connection: 'conn-store', method: 'PUT', path: '/buckets/jira/{{ issue.key | url_encode }}', headers: { 'X-Source': 'blubees' } },
      maxBytes: 524288000, timeoutSeconds: 600, onError: 'stop',
    },
    { id: 'archive_attachment', type: 'transfer', source: { jiraAttachment: '{{ issue.fields.attachment[0].id }}' }, destination: { connection: 'conn-store', path: '/b/{{ issue.key }}' }, maxBytes: 524288000 },
    { id: 'empty_maps', type: 'transfer', source: { jiraAttachment: '1' }, destination: { connection: 'conn-store', path: '/x', headers: {}, query: {} } },
    { id: 'mirror', type: 'transfer', source: { url: 'https://cdn.example.com/exports/{{ issue.key }}.pdf', query: { v: '2' } }, destination: { connection: 'conn-store', path: '/b', query: { overwrite: 'true' } } },
  ],
};

function Harness({ initial, onSteps }: { initial: StepDraft[]; onSteps: (s: StepDraft[]) => void }) {
  const [steps, setSteps] = useState(initial);
  return (
    <StepsEditor
      steps={steps}
      onChange={(next) => {
        setSteps(next);
        onSteps(next);
      }}
      connections={connections}
      errors={{}}
      readOnly={false}
    />
  );
}

const toJson = (steps: StepDraft[]) => {
  const errors: Record<string, string[]> = {};
  const out = steps.map((s, i) => stepJson(s, `steps[${i}]`, (p, m) => (errors[p] = [...(errors[p] ?? []), m])));
  return { out, errors };
};

describe('step library', () => {
  it('registers a form for every documented kind', () => {
    expect(stepKinds().map((k) => k.type).sort()).toEqual(['ai.chat', 'forEach', 'http', 'if', 'jira.assign', 'jira.comment', 'jira.create', 'jira.edit', 'jira.fetch', 'jira.link', 'jira.search', 'jira.transition', 'transfer']);
    for (const k of stepKinds()) {
      expect(k.help, k.type).toBeTruthy();
      expect(k.label, k.type).toBeTruthy();
    }
  });

  for (const [type, samples] of Object.entries(SAMPLES)) {
    it(`${type}: JSON in → form → JSON out is unchanged, rendered and saved`, () => {
      for (const sample of samples) {
        const { id: _id, ...rest } = sample;
        expect(formValuesFor(rest), `${type} ${sample.id} has a form`).toBeDefined();
      }
      const draft = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: samples });
      expect(draft.steps.every((s) => s.mode === 'form' && s.type === type)).toBe(true);
      render(<Harness initial={draft.steps} onSteps={() => undefined} />);
      // Each step is shown with its kind's form and help.
      samples.forEach((_, i) => {
        const card = screen.getByRole('group', { name: `Step ${i + 1}` });
        expect(within(card).getByText(`Step ${i + 1}: ${stepKind(type)!.label}`)).toBeInTheDocument();
        expect(within(card).getAllByRole('note').length).toBeGreaterThan(0);
      });
      const { definition, errors } = definitionFromDraft(draft);
      expect(errors).toEqual({});
      expect(definition.steps).toEqual(samples);
    });
  }

  it('the Jira kinds say they work in every kind of rule: schedules, webhooks and manual runs carry the app token too', () => {
    for (const k of stepKinds().filter((k) => k.type.startsWith('jira.'))) {
      const { container } = render(<>{k.help}</>);
      expect(container.textContent, k.type).toMatch(/every trigger: issue events, schedules, incoming webhooks and “Run now”/);
      expect(container.textContent, k.type).not.toMatch(/fail there|have no site token/);
    }
    expect(ERROR_CATEGORIES.system_token_missing.fix).not.toMatch(/Use Jira steps in rules triggered by Jira issue events/);
  });

  it('a new step of each kind starts from its defaults and reports what is missing by field', () => {
    for (const k of stepKinds()) {
      const { errors } = toJson([{ uid: 'u', id: 's', mode: 'form', type: k.type, values: k.defaults(), jsonText: '' }]);
      if (k.type === 'jira.fetch') expect(errors).toEqual({});
      else expect(Object.keys(errors).length, k.type).toBeGreaterThan(0);
      for (const key of Object.keys(errors)) expect(key.startsWith('steps[0]'), key).toBe(true);
    }
  });

  it('the AI form offers only AI connections and builds a one-of-a-list answer format without JSON', async () => {
    const u = user();
    let latest: StepDraft[] = [];
    const initial = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [{ id: 'classify', type: 'ai.chat', connection: '', model: '', prompt: '' }] }).steps;
    render(<Harness initial={initial} onSteps={(s) => (latest = s)} />);
    const input = document.getElementById('step-0-connection') as HTMLInputElement;
    input.focus();
    await u.keyboard('{ArrowDown}');
    const listbox = await screen.findByRole('listbox');
    expect(within(listbox).queryByText(/Tickets/)).toBeNull();
    await u.click(within(listbox).getByText(/OpenAI/));
    await u.type(screen.getByLabelText(/^Model/), 'gpt-4o-mini');
    await u.type(screen.getByLabelText(/^Prompt/), 'Classify it');
    await choose(u, 'step-0-format', /One value from a list/);
    await u.type(screen.getByLabelText(/^Allowed answers/), 'bug, feature');
    const { out, errors } = toJson(latest);
    expect(errors).toEqual({});
    expect(out[0]).toEqual({
      id: 'classify', type: 'ai.chat', connection: 'conn-ai', model: 'gpt-4o-mini', prompt: 'Classify it',
      schema: { type: 'object', properties: { label: { type: 'string', enum: ['bug', 'feature'] } }, required: ['label'] },
    });
  });

  it('the web request form sends to an absolute URL without a connection, and back to a connection path', async () => {
    const u = user();
    let latest: StepDraft[] = [];
    const initial = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [{ id: 'ping', type: 'http', connection: '', method: 'POST', path: '/' }] }).steps;
    render(<Harness initial={initial} onSteps={(s) => (latest = s)} />);
    await choose(u, 'step-0-target', /A web address/);
    await u.type(screen.getByLabelText(/^URL/), 'https://hooks.example.com/in');
    expect(toJson(latest)).toEqual({ out: [{ id: 'ping', type: 'http', method: 'POST', url: 'https://hooks.example.com/in' }], errors: {} });
    await u.clear(screen.getByLabelText(/^URL/));
    await u.type(screen.getByLabelText(/^URL/), 'hooks.example.com/in');
    expect(toJson(latest).errors).toEqual({ 'steps[0].url': ['Enter a URL starting with https:// (or http://).'] });
    await choose(u, 'step-0-target', /A connection/);
    expect(screen.queryByLabelText(/^URL/)).toBeNull();
    expect(toJson(latest).errors['steps[0].connection']).toEqual(['Choose a connection.']);
  });

  it('the comment form edits an ADF comment as text and saves it as ADF paragraphs, smart values included', async () => {
    const u = user();
    let latest: StepDraft[] = [];
    const initial = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [SAMPLES['jira.comment'][2]] }).steps;
    expect(initial[0].mode).toBe('form');
    render(<Harness initial={initial} onSteps={(s) => (latest = s)} />);
    const body = screen.getByLabelText(/^Comment/);
    expect(body).toHaveValue('Escalated: {{ issue.fields.summary }}\nby BluBees\n\nThanks');
    expect(screen.getByText(/Saved as Atlassian Document Format/)).toBeInTheDocument();
    await u.clear(body);
    await u.type(body, 'Hi {{{{ issue.key }}{Enter}{Enter}Bye');
    expect(toJson(latest)).toEqual({
      out: [{
        id: 'note3', type: 'jira.comment', onError: 'continue',
        body: { type: 'doc', version: 1, content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'Hi {{ issue.key }}' }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'Bye' }] },
        ] },
      }],
      errors: {},
    });
    await u.clear(body);
    expect(toJson(latest).errors).toEqual({ 'steps[0].body': ['Write the comment.'] });
  });

  it('the edit form shows a plain-paragraph description document as text and saves it as a document again', async () => {
    const u = user();
    let latest: StepDraft[] = [];
    const edoc = SAMPLES['jira.edit'].find((x) => x.id === 'edoc')!;
    const initial = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [edoc] }).steps;
    render(<Harness initial={initial} onSteps={(s) => (latest = s)} />);
    const description = screen.getByLabelText(/^Value 1 \(rich text\)/);
    expect(description).toHaveValue('Seen by {{ user.accountId }}');
    expect(screen.getByLabelText(/^Value 2 \(JSON\)/)).toBeInTheDocument();
    await u.type(description, '{Enter}{Enter}Thanks');
    const fields = (toJson(latest).out[0] as unknown as { fields: Record<string, unknown> }).fields;
    expect(fields.description).toEqual({
      type: 'doc', version: 1, content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'Seen by {{ user.accountId }}' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Thanks' }] },
      ],
    });
    expect(fields.environment).toEqual((edoc as unknown as { fields: Record<string, unknown> }).fields.environment);
  });

  it('the transfer form edits query parameters and absolute URLs of both sides', async () => {
    const u = user();
    let latest: StepDraft[] = [];
    const initial = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [SAMPLES.transfer[3]] }).steps;
    render(<Harness initial={initial} onSteps={(s) => (latest = s)} />);
    expect(screen.getByDisplayValue('https://cdn.example.com/exports/{{ issue.key }}.pdf')).toBeInTheDocument();
    expect(screen.getByDisplayValue('overwrite')).toBeInTheDocument();
    await u.click(screen.getAllByRole('button', { name: /Add query parameter/ })[0]);
    expect(toJson(latest).out).toEqual([SAMPLES.transfer[3]]);
  });

  it('header and query rows: a name given twice is an error on that name, and errors find a row whose name has stray spaces', () => {
    const kind = stepKind('http')!;
    const values = { ...kind.defaults(), connection: 'conn-1', headers: [{ id: 'h1', key: 'X-Trace', value: 'a' }, { id: 'h2', key: 'X-Trace ', value: 'b' }], query: [{ id: 'q1', key: 'page', value: '1' }, { id: 'q2', key: 'page', value: '2' }] };
    const { errors } = toJson([{ uid: 'u', id: 's', mode: 'form', type: 'http', values, jsonText: '' }]);
    expect(errors).toEqual({ 'steps[0].headers.X-Trace': ['“X-Trace” is given twice; keep one row.'], 'steps[0].query.page': ['“page” is given twice; keep one row.'] });

    const Form = kind.Form;
    render(<Form index={0} values={{ ...values, headers: [{ id: 'h2', key: 'X-Trace ', value: 'b' }] }} onChange={() => undefined} errors={{ 'steps[0].headers.X-Trace': ['is not allowed here'] }} path="steps[0]" readOnly={false} connections={connections} />);
    expect(screen.getByText('is not allowed here')).toBeInTheDocument();
  });

  it('the web request timeout is a whole number of seconds from 1 to 60, as the backend reads it', () => {
    const kind = stepKind('http')!;
    for (const timeoutSeconds of ['2.5', '90', '0']) {
      const { errors } = toJson([{ uid: 'u', id: 's', mode: 'form', type: 'http', values: { ...kind.defaults(), connection: 'conn-1', timeoutSeconds }, jsonText: '' }]);
      expect(errors, timeoutSeconds).toEqual({ 'steps[0].timeoutSeconds': ['Enter a whole number from 1 to 60 (seconds).'] });
    }
  });

  it('the transfer form shows a side method (even one it does not offer) and the backend errors for it', () => {
    const kind = stepKind('transfer')!;
    const values = formValuesFor({ type: 'transfer', source: { connection: 'conn-1', method: 'DELETE', path: '/x' }, destination: { connection: 'conn-1', path: '/y' } })!;
    const Form = kind.Form;
    render(<Form index={0} values={values} onChange={() => undefined} errors={{ 'steps[0].source.method': ["'DELETE' is not allowed here: use one of GET, POST"], 'steps[0].destination': ['is required'] }} path="steps[0]" readOnly={false} connections={connections} />);
    expect(screen.getByText("'DELETE' is not allowed here: use one of GET, POST")).toBeInTheDocument();
    expect(screen.getByText('DELETE')).toBeInTheDocument();
    expect(screen.getByText('is required')).toBeInTheDocument();
  });

  it('the web request form shows the method a step really uses: GET when none is given, a stored one it does not offer as it is', () => {
    const kind = stepKind('http')!;
    const Form = kind.Form;
    const { unmount } = render(<Form index={0} values={formValuesFor({ type: 'http', connection: 'conn-1', path: '/x' })!} onChange={() => undefined} errors={{}} path="steps[0]" readOnly={false} connections={connections} />);
    expect(screen.getByText('GET (the default)')).toBeInTheDocument();
    unmount();
    render(<Form index={0} values={formValuesFor({ type: 'http', connection: 'conn-1', path: '/x', method: 'get' })!} onChange={() => undefined} errors={{ 'steps[0].method': ["'get' is not allowed"] }} path="steps[0]" readOnly={false} connections={connections} />);
    expect(screen.getByText('get')).toBeInTheDocument();
    expect(screen.getByText("'get' is not allowed")).toBeInTheDocument();
  });

  it('changing one field in a form changes only that property', async () => {
    const u = user();
    let latest: StepDraft[] = [];
    const initial = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: SAMPLES['jira.comment'] }).steps;
    render(<Harness initial={initial} onSteps={(s) => (latest = s)} />);
    const body = screen.getAllByLabelText(/^Comment/)[0] as HTMLTextAreaElement;
    await u.clear(body);
    await u.type(body, 'Done');
    expect(toJson(latest).out).toEqual([{ ...SAMPLES['jira.comment'][0], body: 'Done' }, ...SAMPLES['jira.comment'].slice(1)]);
  });

  it('"Edit as JSON" switches a step to the JSON editor with the same definition', async () => {
    const u = user();
    let latest: StepDraft[] = [];
    const initial = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [SAMPLES.transfer[0]] }).steps;
    render(<Harness initial={initial} onSteps={(s) => (latest = s)} />);
    await u.click(screen.getByRole('button', { name: 'Edit step 1 as JSON' }));
    expect(latest[0].mode).toBe('json');
    expect(toJson(latest).out).toEqual([SAMPLES.transfer[0]]);
  });
});

describe('"Edit with the form": back from the JSON editor', () => {
  it('a step switched to JSON (or written as JSON) goes back to its form with the same definition; one the form cannot show stays JSON', async () => {
    const u = user();
    let latest: StepDraft[] = [];
    const initial = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [SAMPLES.transfer[0], { id: 'later', type: 'jira.future', x: 1 }] }).steps;
    render(<Harness initial={initial} onSteps={(s) => (latest = s)} />);
    await u.click(screen.getByRole('button', { name: 'Edit step 1 as JSON' }));
    expect(latest[0].mode).toBe('json');
    await u.click(screen.getByRole('button', { name: 'Edit step 1 with the form' }));
    expect(latest[0].mode).toBe('form');
    expect(toJson(latest).out[0]).toEqual(SAMPLES.transfer[0]);
    expect(screen.queryByRole('button', { name: 'Edit step 2 with the form' })).toBeNull();
  });
});

describe('every documented field of every kind has a form', () => {
  // The same rule the backend's AdminBodyBatteryTests attacks: each kind with the fields docs/api.md documents for it.
  const rich: Record<string, unknown>[] = [
    { type: 'http', connection: 'conn-1', method: 'POST', path: '/tickets/{{ issue.key | url_encode }}', headers: { 'X-Source': 'blubees' }, query: { source: 'jira' },
      body: { key: '{{ issue.key }}', list: [1, { deep: true }] }, timeoutSeconds: 15, onError: 'continue', if: { field: 'issue.key', op: 'isNotEmpty' } },
    { type: 'jira.comment', body: 'Ticket {{ steps.ticket.status }}', issue: '{{ issue.key }}' },
    { type: 'jira.edit', fields: { summary: '{{ issue.fields.summary }}', labels: ['triaged'], priority: 'High', customfield_10016: 3 }, update: { labels: [{ add: 'urgent' }] } },
    { type: 'jira.transition', transition: 'In Progress' },
    { type: 'jira.fetch', issue: '{{ issue.key }}', onError: 'continue' },
    { type: 'jira.create', issueType: 'Task', project: 'OPS', parent: '{{ issue.key }}', fields: { summary: 'Follow up' } },
    { type: 'jira.assign', assignee: '557058:abc' },
    { type: 'jira.link', linkType: 'Blocks', inwardIssue: 'OPS-2' },
    { type: 'jira.search', jql: 'project = OPS', select: ['summary', 'status'], maxResults: 10 },
    { type: 'transfer', source: { connection: 'conn-1', method: 'GET', path: '/files/1', headers: { Accept: '*/*' }, query: { v: '1' } },
      destination: { connection: 'conn-1', method: 'PUT', path: '/store/1' }, maxBytes: 1048576, timeoutSeconds: 60 },
    { type: 'transfer', source: { jiraAttachment: '10001' }, destination: { connection: 'conn-1', path: '/store/2' } },
    { type: 'transfer', source: { url: 'https://cdn.example.com/a.pdf' }, destination: { url: 'https://files.example.com/upload?k={{ issue.key }}', method: 'POST', headers: { 'X-A': 'b' } } },
    { type: 'http', url: 'https://hooks.example.com/in', method: 'POST', body: { text: 'hi' } },
    { type: 'ai.chat', connection: 'conn-ai', model: 'gpt-4o-mini', system: 'Triage.', prompt: '{{ issue.fields.summary }}', temperature: 0.5, maxTokens: 100, timeoutSeconds: 30,
      schema: { type: 'object', properties: { priority: { type: 'string', enum: ['High', 'Low'] } }, required: ['priority'] } },
    { type: 'if', if: { field: 'steps.ask.output.priority', op: 'equals', value: 'High' }, then: [{ id: 'hot', type: 'jira.comment', body: 'Hot' }], else: [{ id: 'cold', type: 'jira.comment', body: 'Cold' }] },
    { type: 'forEach', items: 'steps.search.issues', limit: 10, parallelism: 2, onError: 'continue', steps: [{ id: 'sub', type: 'jira.comment', issue: '{{ item.key }}', body: 'Seen' }] },
  ];
  for (const step of rich) {
    it(`${step.type} with ${Object.keys(step).filter((k) => k !== 'type').join(', ')}`, () => {
      expect(formValuesFor(step)).toBeDefined();
    });
  }
});
