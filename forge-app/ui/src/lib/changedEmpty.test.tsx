// Empty texts a rule was saved with survive opening and saving: a `changed` condition's from/to "" (an empty value;
// leaving it out means any value) and a blank value of equals/notEquals/contains.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render } from '@testing-library/react';
import type { RuleDefinition } from '../api';
import { ConditionBuilder } from '../components/ConditionBuilder';
import { definitionFromDraft, draftFromDefinition } from './ruleForm';
import { toApi, type GroupDraft } from './conditions';
import { user } from '../test/utils';

const changed = { all: [{ field: 'labels', op: 'changed' as const, from: '', to: 'urgent' }, { field: 'assignee', op: 'changed' as const, to: '' }] };

describe('changed from/to ""', () => {
  it('is saved as it was, in the rule’s conditions and in a step’s “Only run if…” (which opens in the form)', () => {
    const def: RuleDefinition = {
      name: 'x',
      enabled: true,
      trigger: { type: 'event', events: ['avi:jira:updated:issue'] },
      conditions: changed,
      steps: [{ id: 'f', type: 'jira.fetch', if: changed }],
    };
    const draft = draftFromDefinition(def);
    expect(draft.steps[0].mode).toBe('form');
    expect(definitionFromDraft(draft).definition).toEqual(def);
  });

  it('typing into it and clearing it again means any value (left out)', async () => {
    const u = user();
    let latest: GroupDraft | undefined;
    function Harness() {
      const [value, setValue] = useState(draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, conditions: changed, steps: [] }).conditions);
      return <ConditionBuilder value={value} onChange={(v) => setValue((latest = v))} errors={{}} readOnly={false} />;
    }
    const { container } = render(<Harness />);
    const from = container.querySelector('input[id$="-from"]') as HTMLInputElement;
    await u.type(from, 'x');
    await u.clear(from);
    expect(toApi(latest!)).toEqual({ all: [{ field: 'labels', op: 'changed', to: 'urgent' }, { field: 'assignee', op: 'changed', to: '' }] });
  });
});

describe('a blank value ("") of equals / notEquals / contains', () => {
  it('a rule saved with one opens and saves unchanged (no "Enter a value."), in the conditions and a step’s “Only run if…”', () => {
    const blank = { all: [{ field: 'issue.fields.resolution', op: 'equals' as const, value: '' }, { field: 'issue.fields.environment', op: 'notEquals' as const, value: ' ' }] };
    const def: RuleDefinition = { name: 'x', enabled: true, trigger: { type: 'manual' }, conditions: blank, steps: [{ id: 'f', type: 'jira.fetch', if: blank }] };
    const { definition, errors } = definitionFromDraft(draftFromDefinition(def));
    expect(errors).toEqual({});
    expect(definition).toEqual(def);
  });

  it('a new condition still asks for a value', () => {
    const def: RuleDefinition = { name: 'x', enabled: true, trigger: { type: 'manual' }, conditions: { all: [{ field: 'a', op: 'equals', value: 'x' }] }, steps: [{ id: 'f', type: 'jira.fetch' }] };
    const draft = draftFromDefinition(def);
    const cond = draft.conditions.children[0] as Extract<GroupDraft['children'][number], { kind: 'cond' }>;
    cond.value = '';
    expect(definitionFromDraft(draft).errors['conditions.all[0].value']).toEqual(['Enter a value.']);
  });
});
