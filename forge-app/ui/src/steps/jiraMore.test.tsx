// The jira.create / assign / link / search forms and jira.edit's add/remove rows: built from an empty form,
// JSON that the form cannot show exactly stays in the JSON editor, pickers fall back to text, and the
// smart-value picker offers what create and search steps leave for later steps.
import React, { useState } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import type { Connection } from '../api';
import { clearJiraCache } from '../components/JiraPicker';
import { StepsEditor } from '../components/StepsEditor';
import { explainCategory } from '../lib/errors';
import { jira } from '../lib/jira';
import { draftFromDefinition, stepJson, type StepDraft } from '../lib/ruleForm';
import { smartGroups, stepOutputs } from '../lib/smartValues';
import { choose, user } from '../test/utils';
import { formValuesFor, stepKind } from './registry';

const bridge = vi.hoisted(() => ({ requestJira: undefined as undefined | ((path: string) => Promise<{ status: number; json: () => Promise<unknown> }>), calls: [] as string[] }));
vi.mock('@forge/bridge', () => ({
  get requestJira() {
    return bridge.requestJira;
  },
  invokeRemote: async () => {
    throw new Error('not in this test');
  },
  view: { getContext: async () => ({}), theme: { enable: async () => undefined } },
}));
function answer(routes: Record<string, { status?: number; body: unknown }>) {
  bridge.requestJira = async (path: string) => {
    bridge.calls.push(path);
    const key = Object.keys(routes).find((k) => path.startsWith(k));
    const r = key ? routes[key] : { status: 404, body: {} };
    return { status: r.status ?? 200, ok: (r.status ?? 200) < 300, json: async () => r.body };
  };
}
beforeEach(() => {
  bridge.requestJira = undefined;
  bridge.calls = [];
  clearJiraCache();
});

const connections: Connection[] = [];
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
const fresh = (type: string, id = 's'): StepDraft => ({ uid: `u-${id}`, id, mode: 'form', type, values: stepKind(type)!.defaults(), jsonText: '' });
const toJson = (steps: StepDraft[]) => {
  const errors: Record<string, string[]> = {};
  const out = steps.map((s, i) => stepJson(s, `steps[${i}]`, (p, m) => (errors[p] = [...(errors[p] ?? []), m])));
  return { out, errors };
};
const input = (id: string) => document.getElementById(id) as HTMLInputElement;

describe('new Jira step forms, built from an empty form', () => {
  it('jira.create: issue type, summary and one more field (Jira unavailable: text inputs)', async () => {
    const u = user();
    let latest: StepDraft[] = [fresh('jira.create', 'create')];
    render(<Harness initial={latest} onSteps={(s) => (latest = s)} />);
    expect(toJson(latest).errors).toEqual({ 'steps[0].issueType': ['Choose the issue type.'], 'steps[0].fields.summary': ['Write the summary of the new issue.'] });
    await u.type(input('step-0-issueType'), 'Task');
    await u.type(input('step-0-summary'), 'Follow up');
    await u.click(screen.getByRole('button', { name: 'Add another field' }));
    await u.type(input('step-0-field-0'), 'Story Points');
    await u.type(input('step-0-value-0'), '3');
    const { out, errors } = toJson(latest);
    expect(errors).toEqual({});
    expect(out).toEqual([{ id: 'create', type: 'jira.create', issueType: 'Task', fields: { summary: 'Follow up', 'Story Points': '3' } }]);
    // The hint says why there is no list.
    expect(screen.getByTestId('step-0-issueType-hint').textContent).toMatch(/type the value instead/);
  });

  it('jira.create: a parent makes a sub-task; a "summary" row is refused (it has its own input)', async () => {
    const u = user();
    let latest: StepDraft[] = [fresh('jira.create', 'sub')];
    render(<Harness initial={latest} onSteps={(s) => (latest = s)} />);
    await u.type(input('step-0-issueType'), 'Sub-task');
    await u.type(input('step-0-parent'), 'OPS-7');
    await u.type(input('step-0-project'), 'OPS');
    await u.type(input('step-0-summary'), 'S');
    expect(toJson(latest).out[0]).toEqual({ id: 'sub', type: 'jira.create', issueType: 'Sub-task', project: 'OPS', parent: 'OPS-7', fields: { summary: 'S' } });
    await u.click(screen.getByRole('button', { name: 'Add another field' }));
    await u.type(input('step-0-field-0'), 'summary');
    expect(toJson(latest).errors['steps[0].fields.summary']).toEqual(['The summary has its own input: remove the “summary” row.']);
  });

  it('jira.assign: a user, the default assignee, nobody', async () => {
    const u = user();
    let latest: StepDraft[] = [fresh('jira.assign', 'as')];
    render(<Harness initial={latest} onSteps={(s) => (latest = s)} />);
    expect(toJson(latest).errors).toEqual({ 'steps[0].assignee': ['Choose the user (or pick “Unassign”).'] });
    await u.type(input('step-0-assignee'), 'acc-1');
    expect(toJson(latest)).toEqual({ out: [{ id: 'as', type: 'jira.assign', assignee: 'acc-1' }], errors: {} });
    await choose(u, 'step-0-assignMode', /default assignee/);
    expect(toJson(latest).out).toEqual([{ id: 'as', type: 'jira.assign', assignee: '-1' }]);
    await choose(u, 'step-0-assignMode', /unassign/);
    expect(toJson(latest)).toEqual({ out: [{ id: 'as', type: 'jira.assign', assignee: '' }], errors: {} });
  });

  it('jira.link: link type and the other issue; neither issue is an error naming the field', async () => {
    const u = user();
    let latest: StepDraft[] = [fresh('jira.link', 'link')];
    render(<Harness initial={latest} onSteps={(s) => (latest = s)} />);
    await u.type(input('step-0-linkType'), 'Blocks');
    expect(toJson(latest).errors).toEqual({ 'steps[0].outwardIssue': ['Enter the other issue: as the inward issue, the outward issue, or both.'] });
    await u.type(input('step-0-inwardIssue'), 'OPS-2');
    expect(toJson(latest)).toEqual({ out: [{ id: 'link', type: 'jira.link', linkType: 'Blocks', inwardIssue: 'OPS-2' }], errors: {} });
  });

  it('jira.search: JQL, fields and a bounded maximum', async () => {
    const u = user();
    let latest: StepDraft[] = [fresh('jira.search', 'open')];
    render(<Harness initial={latest} onSteps={(s) => (latest = s)} />);
    expect(toJson(latest).errors).toEqual({ 'steps[0].jql': ['Write the JQL query.'] });
    await u.type(input('step-0-jql'), 'project = OPS');
    await u.type(input('step-0-select'), 'summary, customfield_10016');
    await u.type(input('step-0-maxResults'), '1001');
    expect(toJson(latest).errors).toEqual({ 'steps[0].maxResults': ['Enter a whole number from 1 to 1000 (issues).'] });
    await u.clear(input('step-0-maxResults'));
    await u.type(input('step-0-maxResults'), '100');
    expect(toJson(latest)).toEqual({ out: [{ id: 'open', type: 'jira.search', jql: 'project = OPS', select: ['summary', 'customfield_10016'], maxResults: 100 }], errors: {} });
  });

  it('jira.edit: add and remove label / component rows produce `update` without `fields`', async () => {
    const u = user();
    let latest: StepDraft[] = [fresh('jira.edit', 'e')];
    render(<Harness initial={latest} onSteps={(s) => (latest = s)} />);
    await u.click(screen.getByRole('button', { name: 'Remove field 1' }));
    expect(toJson(latest).errors['steps[0].fields']).toBeDefined();
    await u.click(screen.getByRole('button', { name: 'Add or remove a label' }));
    await u.type(input('step-0-update-value-0'), 'urgent');
    await u.click(screen.getByRole('button', { name: 'Add or remove a label' }));
    await choose(u, 'step-0-update-op-1', 'Remove');
    await u.type(input('step-0-update-value-1'), 'needs-triage');
    await u.click(screen.getByRole('button', { name: 'Add or remove a component' }));
    await u.type(input('step-0-update-value-2'), 'Backend');
    expect(toJson(latest)).toEqual({
      out: [{ id: 'e', type: 'jira.edit', update: { labels: [{ add: 'urgent' }, { remove: 'needs-triage' }], components: { add: 'Backend' } } }],
      errors: {},
    });
    // An empty value and a field that takes no add/remove are errors naming the field.
    await u.click(screen.getByRole('button', { name: 'Add or remove a label' }));
    await u.clear(input('step-0-update-field-3'));
    await u.type(input('step-0-update-field-3'), 'priority');
    expect(toJson(latest).errors['steps[0].update.priority']).toEqual([
      '“priority” cannot be added to or removed from: use labels, components, fixVersions, versions or customfield_<digits>.',
      'Enter the value to add.',
    ]);
  });

  it('jira.edit: changing one update value changes only that operation', async () => {
    const u = user();
    const step = { id: 'e', type: 'jira.edit', fields: { priority: 'High' }, update: { labels: [{ add: 'a' }], components: { remove: 'Old' } } };
    let latest = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [step] }).steps;
    expect(latest[0].mode).toBe('form');
    render(<Harness initial={latest} onSteps={(s) => (latest = s)} />);
    await u.clear(input('step-0-update-value-1'));
    await u.type(input('step-0-update-value-1'), 'Legacy');
    expect(toJson(latest).out).toEqual([{ ...step, update: { labels: [{ add: 'a' }], components: { remove: 'Legacy' } } }]);
  });
});

describe('JSON the forms cannot show exactly stays in the JSON editor', () => {
  const cases: Record<string, unknown>[] = [
    { type: 'jira.edit', update: { labels: [] } },
    { type: 'jira.edit', update: { labels: { add: 'a', remove: 'b' } } },
    { type: 'jira.edit', update: { labels: { delete: 'a' } } },
    { type: 'jira.edit', update: { labels: { set: ['a', 'b\nc'] } } },
    { type: 'jira.edit', update: { labels: { set: ['a', ''] } } },
    { type: 'jira.edit', update: { labels: { set: [1] } } },
    { type: 'jira.edit', update: { labels: 'a' } },
    { type: 'jira.edit', update: [] },
    { type: 'jira.edit' },
    { type: 'jira.create', issueType: 'Task' },
    { type: 'jira.create', issueType: 'Task', fields: { summary: { text: 'x' } } },
    { type: 'jira.create', issueType: 'Task', fields: { description: 'no summary' } },
    { type: 'jira.create', issueType: 3, fields: { summary: 'x' } },
    { type: 'jira.create', issueType: 'Task', parent: 7, fields: { summary: 'x' } },
    { type: 'jira.assign' },
    { type: 'jira.assign', assignee: null },
    { type: 'jira.assign', assignee: 1 },
    { type: 'jira.link', linkType: 'Blocks', inwardIssue: ['A-1'] },
    { type: 'jira.link', linkType: { name: 'Blocks' }, inwardIssue: 'A-1' },
    { type: 'jira.search', jql: 'x', select: 'summary' },
    { type: 'jira.search', jql: 'x', select: [1] },
    { type: 'jira.search', jql: 'x', select: [' summary'] },
    { type: 'jira.search', jql: 'x', maxResults: '50' },
    { type: 'jira.search', jql: 'x', onError: 'retry' },
  ];
  for (const c of cases) {
    it(JSON.stringify(c), () => {
      expect(formValuesFor(c)).toBeUndefined();
      const draft = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [{ id: 'a', ...c } as never] });
      expect(draft.steps[0].mode).toBe('json');
    });
  }
  it('unknown properties are kept as they are', () => {
    const step = { type: 'jira.search', jql: 'x', futureOption: { a: 1 } };
    const values = formValuesFor(step)!;
    expect(stepKind('jira.search')!.toJson(values, () => undefined)).toEqual(step);
  });
});

describe('Jira pickers of the new forms', () => {
  it('link types come from GET /rest/api/3/issueLinkType ({ issueLinkTypes: [...] }) and can be picked', async () => {
    answer({ '/rest/api/3/issueLinkType': { body: { issueLinkTypes: [{ id: '1010', name: 'Blocks', inward: 'is blocked by', outward: 'blocks', self: 'x' }, { id: '1000', name: 'Duplicate', inward: 'is duplicated by', outward: 'duplicates' }, { id: '9' }] } } });
    expect(await jira.linkTypes()).toEqual([
      { value: 'Blocks', label: 'Blocks', detail: 'outward “blocks”, inward “is blocked by”' },
      { value: 'Duplicate', label: 'Duplicate', detail: 'outward “duplicates”, inward “is duplicated by”' },
    ]);
    clearJiraCache();
    const u = user();
    let latest: StepDraft[] = [fresh('jira.link', 'link')];
    render(<Harness initial={latest} onSteps={(s) => (latest = s)} />);
    await choose(u, 'step-0-linkType', /Duplicate/);
    await u.type(input('step-0-outwardIssue'), 'OPS-9');
    expect(toJson(latest).out).toEqual([{ id: 'link', type: 'jira.link', linkType: 'Duplicate', outwardIssue: 'OPS-9' }]);
  });

  it('a refused look-up (403) falls back to a text input with the reason; the typed value is kept', async () => {
    answer({ '/rest/api/3/issueLinkType': { status: 403, body: {} }, '/rest/api/3/issuetype': { status: 500, body: {} }, '/rest/api/3/project/search': { status: 401, body: {} } });
    const u = user();
    let latest: StepDraft[] = [fresh('jira.link', 'link'), fresh('jira.create', 'create')];
    render(<Harness initial={latest} onSteps={(s) => (latest = s)} />);
    expect((await screen.findByTestId('step-0-linkType-hint')).textContent).toMatch(/no permission/);
    expect((await screen.findByTestId('step-1-issueType-hint')).textContent).toMatch(/Jira answered 500/);
    expect((await screen.findByTestId('step-1-project-hint')).textContent).toMatch(/no permission/);
    await u.type(input('step-0-linkType'), 'Relates');
    await u.type(input('step-0-inwardIssue'), 'OPS-1');
    expect(toJson(latest).out[0]).toEqual({ id: 'link', type: 'jira.link', linkType: 'Relates', inwardIssue: 'OPS-1' });
  });

  it('issue types and projects are offered for jira.create', async () => {
    answer({
      '/rest/api/3/issuetype': { body: [{ id: '1', name: 'Task' }, { id: '2', name: 'Sub-task', subtask: true }] },
      '/rest/api/3/project/search': { body: { values: [{ id: '1', key: 'OPS', name: 'Operations' }], isLast: true } },
    });
    const u = user();
    let latest: StepDraft[] = [fresh('jira.create', 'create')];
    render(<Harness initial={latest} onSteps={(s) => (latest = s)} />);
    await choose(u, 'step-0-issueType', 'Sub-task');
    await choose(u, 'step-0-project', /Operations/);
    await u.type(input('step-0-summary'), 'x');
    expect(toJson(latest).out).toEqual([{ id: 'create', type: 'jira.create', issueType: 'Sub-task', project: 'OPS', fields: { summary: 'x' } }]);
  });

  it('over a list picker, a smart value is appended to the value', async () => {
    answer({ '/rest/api/3/issueLinkType': { body: { issueLinkTypes: [{ id: '1', name: 'Blocks', inward: 'is blocked by', outward: 'blocks' }] } } });
    const u = user();
    let latest: StepDraft[] = [fresh('jira.link', 'link')];
    render(<Harness initial={latest} onSteps={(s) => (latest = s)} />);
    await u.click(screen.getByRole('button', { name: 'Insert a smart value into Link type' }));
    const dialog = screen.getByRole('dialog', { name: 'Smart values for Link type' });
    await u.click(within(dialog).getByText('issue.fields.issuetype.name'));
    expect((toJson(latest).out[0] as Record<string, unknown>).linkType).toBe('{{ issue.fields.issuetype.name }}');
  });
});

describe('smart values of create and search steps', () => {
  it('stepOutputs lists key/id for jira.create and issues/count/truncated for jira.search', () => {
    expect(stepOutputs({ id: 'create', type: 'jira.create' }).map((v) => v.path)).toEqual(expect.arrayContaining(['steps.create.key', 'steps.create.id']));
    expect(stepOutputs({ id: 'open', type: 'jira.search' }).map((v) => v.path)).toEqual(expect.arrayContaining(['steps.open.issues', 'steps.open.count', 'steps.open.truncated']));
    const groups = smartGroups([{ id: 'create', type: 'jira.create' }, { id: 'open', type: 'jira.search' }]);
    expect(groups.map((g) => g.name)).toEqual(expect.arrayContaining(['Step “create” (jira.create)', 'Step “open” (jira.search)']));
  });

  it('a later step’s picker offers steps.<id>.key / .id of an earlier create and .issues / .count of an earlier search; an earlier step does not see later ones', async () => {
    const u = user();
    const draft = draftFromDefinition({
      name: 'x',
      trigger: { type: 'manual' },
      steps: [
        { id: 'create', type: 'jira.create', issueType: 'Task', fields: { summary: 'x' } },
        { id: 'open', type: 'jira.search', jql: 'project = OPS' },
        { id: 'note', type: 'jira.comment', body: 'Created ' },
      ],
    });
    let latest = draft.steps;
    render(<Harness initial={latest} onSteps={(s) => (latest = s)} />);
    await u.click(screen.getByRole('button', { name: 'Insert a smart value into Comment' }));
    const dialog = screen.getByRole('dialog', { name: 'Smart values for Comment' });
    for (const path of ['steps.create.key', 'steps.create.id', 'steps.open.issues', 'steps.open.count']) expect(dialog.querySelector(`[data-smart-value="${path}"]`), path).not.toBeNull();
    await u.click(dialog.querySelector('[data-smart-value="steps.create.key"]') as HTMLElement);
    expect((toJson(latest).out[2] as Record<string, unknown>).body).toContain('{{ steps.create.key }}');
    // The search step (second) sees the create step but not itself or the comment.
    await u.click(screen.getByRole('button', { name: 'Insert a smart value into JQL' }));
    const d2 = screen.getByRole('dialog', { name: 'Smart values for JQL' });
    expect(d2.querySelector('[data-smart-value="steps.create.key"]')).not.toBeNull();
    expect(d2.querySelector('[data-smart-value="steps.open.count"]')).toBeNull();
  });
});

describe('plain-language errors', () => {
  it('field_not_found says what happened and how to fix it', () => {
    const e = explainCategory('field_not_found')!;
    expect(e.title).toBe('Field not found');
    expect(e.explanation).toMatch(/matched no field.*or several/);
    expect(e.fix).toMatch(/customfield_10016/);
    expect(e.fix).toMatch(/exact name/);
  });
});
