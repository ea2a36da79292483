// jira.edit / jira.create field values that are not text (a number, an option by name or id, several options,
// components, users, a list, empty) are picked as a "Value type", never written as JSON; saved rules round-trip.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { jiraEditKind } from './jira';
import { jiraCreateKind } from './jiraMore';
import { formValuesFor } from './registry';
import type { FieldRow } from './jira';
import type { StepKind, Values } from './types';
import { choose, user } from '../test/utils';

function Harness({ kind, initial, onValues }: { kind: StepKind; initial: Values; onValues: (v: Values) => void }) {
  const [values, setValues] = useState<Values>(initial);
  onValues(values);
  const Form = kind.Form;
  return <Form index={0} values={values} onChange={(patch) => setValues((v) => ({ ...v, ...patch }))} errors={{}} path="steps[0]" readOnly={false} connections={[]} />;
}
const problems = (kind: StepKind, v: Values) => {
  const out: Record<string, string> = {};
  kind.toJson(v, (k, m) => (out[k] = m));
  return out;
};

describe('Jira field values by type', () => {
  it("a saved create step with Jira's shapes round-trips, each value as a typed row (a shape no type writes stays JSON)", () => {
    const step = {
      type: 'jira.create',
      issueType: 'Task',
      fields: {
        summary: 'x',
        customfield_10016: 5,
        customfield_10020: { value: 'High' },
        customfield_10021: { id: '10001' },
        components: [{ name: 'Backend' }, { name: 'API gateway' }],
        fixVersions: [{ name: '1.0' }],
        customfield_10030: [{ value: 'a' }, { value: 'b' }],
        reporter: { accountId: '5b10ac8d82e05b22cc7d4ef5' },
        customfield_10040: [{ accountId: 'abc' }],
        customfield_10041: ['x', 'y'],
        customfield_10050: null,
        customfield_10060: [{ id: 5 }],
      },
    };
    const values = formValuesFor(step)!;
    expect(jiraCreateKind.toJson(values, () => undefined)).toEqual(step);
    expect((values.rows as FieldRow[]).map((r) => (r.json ? 'json' : (r.kind ?? 'text')))).toEqual(['number', 'option', 'optionId', 'names', 'names', 'options', 'user', 'users', 'list', 'empty', 'json']);
  });

  it('an admin sets Story points, a select option, a multi-select, a priority by id and unassigns, with no JSON', async () => {
    const u = user();
    let latest: Values = {};
    const initial = formValuesFor({ type: 'jira.edit', fields: { customfield_10016: '', customfield_10020: '', customfield_10030: '', priority: 'High', assignee: 'abc', summary: 'x' } })!;
    render(<Harness kind={jiraEditKind} initial={initial} onValues={(v) => (latest = v)} />);
    await choose(u, 'step-0-kind-0', 'Number');
    await u.type(screen.getByLabelText(/^Value 1 \(number\)/), '8');
    await choose(u, 'step-0-kind-1', 'Option, by its name');
    await u.type(screen.getByLabelText(/^Value 2/), 'High');
    await choose(u, 'step-0-kind-2', 'Several options, by name');
    await u.type(screen.getByLabelText(/^Values 3 \(one per line\)/), 'Frontend{Enter}Backend');
    await choose(u, 'step-0-kind-3', 'Option or priority, by id');
    await u.clear(screen.getByLabelText(/^Value 4/));
    await u.type(screen.getByLabelText(/^Value 4/), '2');
    await choose(u, 'step-0-kind-4', 'Empty (clears the field)');
    // summary takes text only (JiraFieldRules.Check): no type to pick.
    expect(document.getElementById('step-0-kind-5')).toBeNull();
    expect(jiraEditKind.toJson(latest, () => undefined).fields).toEqual({
      customfield_10016: 8,
      customfield_10020: { value: 'High' },
      customfield_10030: [{ value: 'Frontend' }, { value: 'Backend' }],
      priority: { id: '2' },
      assignee: null,
      summary: 'x',
    });
    expect(problems(jiraEditKind, latest)).toEqual({});
  });

  it('a number that is not one is refused before a save, at the field', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness kind={jiraEditKind} initial={formValuesFor({ type: 'jira.edit', fields: { customfield_10016: 3 } })!} onValues={(v) => (latest = v)} />);
    const input = screen.getByLabelText(/^Value 1 \(number\)/);
    await u.clear(input);
    await u.type(input, 'five');
    expect(problems(jiraEditKind, latest)).toEqual({ 'fields.customfield_10016': '“five” is not a number: enter one such as 5 or 2.5.' });
  });

  it('jira.edit offers only the shapes the backend takes for labels (JiraFieldRules.Check), and a number row stays a number', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness kind={jiraEditKind} initial={formValuesFor({ type: 'jira.edit', fields: { labels: 'a', customfield_10016: 4 } })!} onValues={(v) => (latest = v)} />);
    const kindInput = document.getElementById('step-0-kind-0') as HTMLInputElement;
    kindInput.focus();
    await u.keyboard('{ArrowDown}');
    expect((await screen.findAllByRole('option')).map((o) => o.textContent)).toEqual(['Text', 'List of texts (labels)']);
    await u.keyboard('{Escape}');
    expect((latest.rows as FieldRow[])[1].kind).toBe('number');
  });
});
