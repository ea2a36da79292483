import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import type { Connection, Step } from '../api';
import { StepsEditor } from '../components/StepsEditor';
import { definitionFromDraft, draftFromDefinition, type StepDraft } from '../lib/ruleForm';
import { itemValues, listOptions } from '../lib/loopScope';
import { choose, user } from '../test/utils';

const connections: Connection[] = [{ id: 'conn-1', name: 'Summary hook', baseUrl: 'https://hooks.example.com', auth: { type: 'bearer' }, secretSet: true }];

// docs/api.md "Control flow": the Done-transition rule of issue 13, with every control-flow construct.
const FLOW: Step[] = [
  { id: 'search', type: 'jira.search', jql: 'parent = {{ issue.key }} AND statusCategory != Done' },
  {
    id: 'each',
    type: 'forEach',
    items: 'steps.search.issues',
    limit: 50,
    parallelism: 2,
    onError: 'continue',
    steps: [
      { id: 'note', type: 'jira.comment', body: 'Closing with {{ issue.key }}', issue: '{{ item.key }}' },
      // A bare condition (docs/api.md's example) stays bare.
      { id: 'close', type: 'jira.transition', transition: 'Done', issue: '{{ item.key }}', if: { field: 'item.fields.status.name', op: 'notEquals', value: 'Done' } },
    ],
  },
  {
    id: 'check',
    type: 'if',
    if: { any: [{ field: 'steps.search.count', op: 'greaterThan', value: 0 }, { field: 'issue.fields.labels', op: 'contains', value: 'follow-up' }] },
    then: [{ id: 'follow', type: 'jira.create', issueType: 'Task', fields: { summary: 'Follow up {{ issue.key }}' } }],
    else: [{ id: 'quiet', type: 'http', connection: 'conn-1', method: 'POST', path: '/none' }],
  },
  { id: 'post', type: 'http', connection: 'conn-1', method: 'POST', path: '/summary', body: { key: '{{ issue.key }}' }, if: { all: [{ field: 'steps.search.count', op: 'isNotEmpty' }] } },
];

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
const defOf = (steps: StepDraft[]) => definitionFromDraft({ ...draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [] }), steps });
/** A step's properties, blocks' included. */
const props = (s: Step) => s as Record<string, unknown>;

describe('control flow in the rule editor', () => {
  it('opens blocks, nested steps and per-step conditions in forms and saves them unchanged', () => {
    const draft = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: FLOW });
    expect(draft.steps.map((s) => s.mode)).toEqual(['form', 'form', 'form', 'form']);
    expect(draft.steps[1].nested!.steps.map((s) => [s.mode, s.type, !!s.runIf])).toEqual([
      ['form', 'jira.comment', false],
      ['form', 'jira.transition', true],
    ]);
    expect(draft.steps[2].nested!.else[0].type).toBe('http');
    const { definition, errors } = definitionFromDraft(draft);
    expect(errors).toEqual({});
    expect(definition.steps).toEqual(FLOW);
  });

  it('keeps in the JSON editor a step whose condition the builder cannot show exactly', () => {
    const odd: Step = { id: 'x', type: 'jira.comment', body: 'b', if: { all: [{ field: 'issue.fields.customfield_1', op: 'equals', value: 5, note: 'n' }] } };
    const draft = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [odd, { ...FLOW[1], steps: 'not a list' } as Step] });
    expect(draft.steps.map((s) => s.mode)).toEqual(['json', 'json']);
    expect(definitionFromDraft(draft).definition.steps[0]).toEqual(odd);
  });

  it('shows a step whose condition compares with a number in the form, and keeps the number', () => {
    const typed: Step = { id: 'x', type: 'jira.comment', body: 'b', if: { all: [{ field: 'issue.fields.customfield_1', op: 'equals', value: 5 }] } };
    const draft = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [typed] });
    expect(draft.steps[0].mode).toBe('form');
    expect(definitionFromDraft(draft).definition.steps[0]).toEqual(typed);
  });

  it('reports missing parts of blocks by path, bounds the loop, and wants ids unique across nested steps', () => {
    const steps: Step[] = [
      { id: 'a', type: 'forEach', items: '', steps: [{ id: 'a', type: 'jira.comment', body: 'x' }] },
      { id: 'b', type: 'if', if: { all: [{ field: 'issue.key', op: 'isNotEmpty' }] }, then: [] },
    ];
    const draft = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps });
    expect(draft.steps.map((s) => s.mode)).toEqual(['form', 'form']);
    // As typed into the form's inputs.
    draft.steps[0].values = { ...draft.steps[0].values, limit: '1001', parallelism: '11' };
    const { errors } = definitionFromDraft(draft);
    expect(Object.keys(errors).sort()).toEqual(['steps[0].items', 'steps[0].limit', 'steps[0].parallelism', 'steps[0].steps[0].id', 'steps[1].then']);
    expect(errors['steps[0].limit'][0]).toMatch(/1 to 1000/);
    expect(errors['steps[0].parallelism'][0]).toMatch(/1 to 10/);
  });

  it('lists the loopable lists of the scope and the item values that fit each', () => {
    const options = listOptions([
      { id: 'search', type: 'jira.search' },
      { id: 'post', type: 'http' },
    ]);
    expect(options.map((o) => o.value)).toEqual(['steps.search.issues', 'issue.fields.subtasks', 'issue.fields.issuelinks']);
    expect(itemValues('steps.search.issues').map((v) => v.path)).toEqual(expect.arrayContaining(['item.key', 'item.fields.summary', 'index']));
    expect(itemValues('issue.fields.issuelinks').map((v) => v.path)).toEqual(expect.arrayContaining(['item.type.name', 'item.outwardIssue.key', 'item.inwardIssue.key']));
    expect(itemValues('steps.post.body.items').map((v) => v.path)).toEqual(['item', 'index']);
  });

  it('builds a for-each over a search, with a nested step using the current item and an "Only run if…", without typing JSON', async () => {
    const u = user();
    let latest: StepDraft[] = [];
    const initial = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [FLOW[0]] }).steps;
    render(<Harness initial={initial} onSteps={(s) => (latest = s)} />);
    await choose(u, 'add-step-kind', /^For each/);
    await u.click(screen.getByRole('button', { name: 'Add step' }));
    await choose(u, 'step-1-items', 'Issues found by step “search”');
    await u.type(screen.getByLabelText(/^Stop after/), '20');
    await choose(u, 'add-step-kind-1-steps', /^Comment on the issue/);
    await u.click(screen.getByRole('button', { name: 'Add step to step 2 › Each' }));
    const inner = screen.getByRole('group', { name: 'Step 2 › Each 1' });
    await u.click(within(inner).getByRole('button', { name: /Insert a smart value into Comment/ }));
    const picker = screen.getByRole('dialog', { name: /Smart values for Comment/ });
    expect(within(picker).getByRole('group', { name: 'Current item (for each)' })).toBeInTheDocument();
    await u.click(within(picker).getByText('Item: Key'));
    // Only the nested step turns on "Only run if…".
    await u.click(within(inner).getByLabelText('Only run if…'));
    await u.type(within(inner).getByLabelText(/^Field/), 'index');
    await choose(u, (within(inner).getByLabelText(/^Operator/) as HTMLInputElement).id, 'less than');
    await u.type(within(inner).getByLabelText(/^Value/), '5');

    const steps = defOf(latest).definition.steps;
    expect(steps[1]).toEqual({
      id: 'step_2',
      type: 'forEach',
      items: 'steps.search.issues',
      limit: 20,
      // A new nested step gets an id no other step of the rule has.
      steps: [{ id: 'step_1', type: 'jira.comment', body: '{{ item.key }}', if: { all: [{ field: 'index', op: 'lessThan', value: 5 }] } }],
    });
  });

  it('builds an if/else block with a condition on an earlier step and a nested step, without typing JSON', async () => {
    const u = user();
    let latest: StepDraft[] = [];
    const initial = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [FLOW[0], { id: 'step_1', type: 'jira.fetch' }] }).steps;
    render(<Harness initial={initial} onSteps={(s) => (latest = s)} />);
    await choose(u, 'add-step-kind', /^If \/ else/);
    await u.click(screen.getByRole('button', { name: 'Add step' }));
    const block = screen.getByRole('group', { name: 'Step 3' });
    const cond = within(block).getByRole('group', { name: 'Condition of step 3' });
    await u.click(within(cond).getByRole('button', { name: 'Pick a field for Field' }));
    await u.click(within(screen.getByRole('dialog', { name: /Smart values for Field/ })).getByText('Number of issues found'));
    await choose(u, (within(cond).getByLabelText(/^Operator/) as HTMLInputElement).id, 'greater than');
    await u.type(within(cond).getByLabelText(/^Value/), '0');
    await choose(u, 'add-step-kind-2-then', /^Create an issue/);
    await u.click(screen.getByRole('button', { name: 'Add step to step 3 › Then' }));

    const steps = defOf(latest).definition.steps;
    // step_1 is taken by the fetch step: the new nested step gets step_2, the first free id.
    expect(steps[2]).toMatchObject({ id: 'step_3', type: 'if', if: { all: [{ field: 'steps.search.count', op: 'greaterThan', value: 0 }] }, then: [{ id: 'step_2', type: 'jira.create' }] });
    expect(props(steps[2]).else).toBeUndefined();
  });

  it('keeps a typed list path, and switches to a list of the scope from the picker', async () => {
    const u = user();
    let latest: StepDraft[] = [];
    const initial = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [{ id: 'each', type: 'forEach', items: 'steps.lookup.body.items', steps: [{ id: 'n', type: 'jira.comment', body: 'x' }] }] }).steps;
    render(<Harness initial={initial} onSteps={(s) => (latest = s)} />);
    expect(screen.getByLabelText(/^Path of the list/)).toHaveValue('steps.lookup.body.items');
    expect(document.querySelector('[data-select-id="step-0-items"]')).toHaveTextContent('Another list');
    await choose(u, 'step-0-items', 'Sub-tasks of the issue');
    expect(screen.queryByLabelText(/^Path of the list/)).toBeNull();
    expect(defOf(latest).definition.steps[0]).toMatchObject({ items: 'issue.fields.subtasks' });
    await choose(u, 'step-0-items', /^Another list/);
    await u.type(screen.getByLabelText(/^Path of the list/), 'steps.x.body');
    expect(defOf(latest).definition.steps[0]).toMatchObject({ items: 'steps.x.body' });
  });

  it('moves and removes nested steps, and offers no item values outside a loop', async () => {
    const u = user();
    let latest: StepDraft[] = [];
    const initial = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: FLOW }).steps;
    render(<Harness initial={initial} onSteps={(s) => (latest = s)} />);
    await u.click(screen.getByRole('button', { name: 'Move step 2 › Each 2 up' }));
    expect((props(defOf(latest).definition.steps[1]).steps as Step[]).map((s) => s.id)).toEqual(['close', 'note']);
    await u.click(screen.getByRole('button', { name: 'Remove step 3 › Otherwise 1' }));
    expect(props(defOf(latest).definition.steps[2]).else).toBeUndefined();
    const last = screen.getByRole('group', { name: 'Step 4' });
    await u.click(within(last).getByRole('button', { name: /Insert a smart value into Path/ }));
    const picker = screen.getByRole('dialog', { name: /Smart values for Path/ });
    expect(within(picker).queryByRole('group', { name: 'Current item (for each)' })).toBeNull();
    // The steps inside the if block are readable after it; the loop's are not, only its counts.
    expect(within(picker).getByRole('group', { name: 'Step “follow” (jira.create)' })).toBeInTheDocument();
    expect(within(picker).queryByRole('group', { name: /Step “note”/ })).toBeNull();
    expect(within(picker).getByRole('group', { name: 'Step “each” (forEach)' })).toHaveTextContent('steps.each.succeeded');
    expect(within(picker).getByRole('group', { name: 'Step “check” (if)' })).toHaveTextContent('steps.check.branch');
  });
});
