// jira.edit `update` operations whose values are objects — an option by name ({"value"}), anything by id ({"id"}),
// a component or version by name ({"name"}), a user ({"accountId"}) — for add, remove and set (one value or a list),
// built with "Values as" instead of JSON; saved operations in those shapes open as rows and save unchanged.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { jiraEditKind } from './jira';
import { formValuesFor } from './registry';
import type { StepKind, Values } from './types';
import { choose, user } from '../test/utils';

function Harness({ kind, initial, onValues }: { kind: StepKind; initial: Values; onValues: (v: Values) => void }) {
  const [values, setValues] = useState<Values>(initial);
  onValues(values);
  const Form = kind.Form;
  return <Form index={0} values={values} onChange={(patch) => setValues((v) => ({ ...v, ...patch }))} errors={{}} path="steps[0]" readOnly={false} connections={[]} />;
}
const problems = (v: Values) => {
  const out: Record<string, string> = {};
  jiraEditKind.toJson(v, (k, m) => (out[k] = m));
  return out;
};

describe('jira.edit update operations with object values', () => {
  it('saved add / remove / set operations with object values open as rows and save unchanged', () => {
    const step = {
      type: 'jira.edit',
      update: {
        customfield_10030: [{ add: { value: 'Frontend' } }, { remove: { id: '10001' } }],
        components: { set: [{ name: 'Backend' }, { name: 'API gateway' }] },
        fixVersions: { add: { id: '10100' } },
        customfield_10040: { set: [{ accountId: 'a1' }] },
        customfield_10050: { set: { value: '{{ issue.fields.priority.name }}' } },
      },
    };
    const values = formValuesFor(step);
    expect(values).toBeDefined();
    expect(jiraEditKind.toJson(values!, () => undefined)).toEqual(step);
  });

  it('an admin adds an option by name and sets components by id with no JSON', async () => {
    const u = user();
    let latest: Values = {};
    const initial = formValuesFor({ type: 'jira.edit', update: { customfield_10030: [{ add: 'x' }], components: [{ add: 'y' }] } })!;
    render(<Harness kind={jiraEditKind} initial={initial} onValues={(v) => (latest = v)} />);
    await choose(u, 'step-0-update-shape-0', 'Option, by its name');
    const first = document.getElementById('step-0-update-value-0') as HTMLInputElement;
    await u.clear(first);
    await u.type(first, 'Frontend');
    await choose(u, 'step-0-update-op-1', 'Set (replace)');
    await u.click(screen.getByRole('checkbox', { name: 'Several values (one per line)' }));
    await choose(u, 'step-0-update-shape-1', 'By id');
    const second = document.getElementById('step-0-update-value-1') as HTMLTextAreaElement;
    await u.clear(second);
    await u.type(second, '10001{Enter}10002');
    expect(jiraEditKind.toJson(latest, () => undefined).update).toEqual({
      customfield_10030: [{ add: { value: 'Frontend' } }],
      components: [{ set: [{ id: '10001' }, { id: '10002' }] }],
    });
    expect(problems(latest)).toEqual({});
  });

  it('labels offer no object shape (Jira takes labels as text)', async () => {
    render(<Harness kind={jiraEditKind} initial={formValuesFor({ type: 'jira.edit', update: { labels: { add: 'x' }, components: { add: 'y' } } })!} onValues={() => undefined} />);
    expect(document.getElementById('step-0-update-shape-0')).toBeNull();
    expect(document.getElementById('step-0-update-shape-1')).not.toBeNull();
  });
});
