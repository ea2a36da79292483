// A condition on a blank value ("": the backend compares with it) is an explicit choice in the builder, as are a
// "changed" condition's empty from/to, so an admin never writes them in JSON.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { ConditionBuilder } from './ConditionBuilder';
import { fromApi, toApi, validateConditions, type GroupDraft } from '../lib/conditions';
import { choose, user } from '../test/utils';

function Harness({ initial, onValue }: { initial: GroupDraft; onValue: (v: GroupDraft) => void }) {
  const [value, setValue] = useState(initial);
  onValue(value);
  return <ConditionBuilder value={value} onChange={setValue} errors={{}} readOnly={false} />;
}

describe('condition builder: blank values', () => {
  it('"Blank value" saves "" for equals, is kept when the operator becomes "does not equal", and unticking asks for a value again', async () => {
    const u = user();
    let latest = fromApi(undefined);
    render(<Harness initial={fromApi({ all: [{ field: 'issue.fields.customfield_10050', op: 'equals', value: 'x' }] })} onValue={(v) => (latest = v)} />);
    const id = (latest.children[0] as { id: string }).id;
    await u.click(screen.getByLabelText('Blank value (empty text "")'));
    expect(toApi(latest)).toEqual({ all: [{ field: 'issue.fields.customfield_10050', op: 'equals', value: '' }] });
    expect(validateConditions(latest)).toEqual({});
    expect((document.getElementById(`${id}-value`) as HTMLInputElement).placeholder).toBe('Blank (saved as "")');

    await choose(u, `${id}-op`, 'does not equal');
    expect(toApi(latest)).toEqual({ all: [{ field: 'issue.fields.customfield_10050', op: 'notEquals', value: '' }] });
    expect(validateConditions(latest)).toEqual({});

    await u.click(screen.getByLabelText('Blank value (empty text "")'));
    expect(validateConditions(latest)).toEqual({ 'conditions.all[0].value': ['Enter a value.'] });
  });

  it('a saved blank value shows ticked and round-trips', () => {
    const saved = { all: [{ field: 'issue.fields.environment', op: 'equals' as const, value: '' }] };
    let latest = fromApi(undefined);
    render(<Harness initial={fromApi(saved)} onValue={(v) => (latest = v)} />);
    expect((screen.getByLabelText('Blank value (empty text "")') as HTMLInputElement).checked).toBe(true);
    expect(toApi(latest)).toEqual(saved);
  });

  it('"changed" from empty to any value is ticked, not typed', async () => {
    const u = user();
    let latest = fromApi(undefined);
    render(<Harness initial={fromApi({ all: [{ field: 'assignee', op: 'changed' }] })} onValue={(v) => (latest = v)} />);
    await u.click(screen.getByLabelText('From empty ("")'));
    expect(toApi(latest)).toEqual({ all: [{ field: 'assignee', op: 'changed', from: '' }] });
    await u.click(screen.getByLabelText('From empty ("")'));
    expect(toApi(latest)).toEqual({ all: [{ field: 'assignee', op: 'changed' }] });
  });
});
