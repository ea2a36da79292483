// jira.edit's `update` sets a multi-value field to a list (`{"set": ["a", "b"]}`, docs/api.md "Jira steps") with the form;
// jira.create keeps the order of its fields.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import type { Step } from '../api';
import { StepsEditor } from '../components/StepsEditor';
import { definitionFromDraft, draftFromDefinition, stepJson, type StepDraft } from '../lib/ruleForm';
import { choose, user } from '../test/utils';

const rule = (steps: Step[]) => ({ name: 'x', trigger: { type: 'manual' as const }, steps });

describe('jira.edit update: set to a list', () => {
  it('opens a set to a list (an empty one clears the field) in the form and saves it unchanged', () => {
    const steps: Step[] = [
      { id: 'e1', type: 'jira.edit', update: { labels: [{ set: ['triaged', '{{ project.key | downcase }}'] }] } },
      { id: 'e2', type: 'jira.edit', fields: { summary: 'x' }, update: { components: { set: [] }, fixVersions: [{ set: ['2.0'] }, { add: '2.1' }] } },
    ];
    const draft = draftFromDefinition(rule(steps));
    expect(draft.steps.map((s) => s.mode)).toEqual(['form', 'form']);
    const { definition, errors } = definitionFromDraft(draft);
    expect(errors).toEqual({});
    expect(definition.steps).toEqual(steps);
  });

  it('builds a set to several labels without typing JSON', async () => {
    const u = user();
    let latest: StepDraft[] = draftFromDefinition(rule([{ id: 'e', type: 'jira.edit', update: { labels: { add: 'x' } } }])).steps;
    function Harness() {
      const [steps, setSteps] = useState(latest);
      return <StepsEditor steps={steps} onChange={(next) => setSteps((latest = next))} connections={[]} errors={{}} readOnly={false} />;
    }
    render(<Harness />);
    await choose(u, 'step-0-update-op-0', 'Set (replace)');
    await u.click(screen.getByRole('checkbox', { name: 'Several values (one per line)' }));
    const value = document.getElementById('step-0-update-value-0') as HTMLTextAreaElement;
    await u.clear(value);
    await u.type(value, 'urgent{Enter}customer-facing');
    expect(stepJson(latest[0], 'steps[0]', () => undefined)).toEqual({ id: 'e', type: 'jira.edit', update: { labels: { set: ['urgent', 'customer-facing'] } } });
  });
});

describe('jira.create: the order of the fields', () => {
  it('is kept: the summary goes back where it was (a reordered object shows as changed lines in the version history’s line diff)', () => {
    for (const fields of [{ summary: 'S', 'Story Points': 2, labels: ['a'] }, { 'Story Points': 2, summary: 'S' }, { labels: ['a'], customfield_1: 3, summary: 'S' }]) {
      const step: Step = { id: 'c', type: 'jira.create', issueType: 'Task', fields };
      const { definition } = definitionFromDraft(draftFromDefinition(rule([step])));
      expect(Object.keys((definition.steps![0] as unknown as { fields: object }).fields)).toEqual(Object.keys(fields));
    }
  });
});
