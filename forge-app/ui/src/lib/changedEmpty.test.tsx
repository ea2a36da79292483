// A `changed` condition with from/to "" (an empty value; leaving it out means any value) survives opening and saving.
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
