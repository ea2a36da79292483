// Keyboard users keep their place in the condition builder (as in the steps editor: StepsKeyboard.test.tsx).
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { ConditionBuilder } from './ConditionBuilder';
import { fromApi, type GroupDraft } from '../lib/conditions';
import { user } from '../test/utils';

function Harness({ initial }: { initial: GroupDraft }) {
  const [value, setValue] = useState(initial);
  return <ConditionBuilder value={value} onChange={setValue} errors={{}} readOnly={false} />;
}

describe('condition builder focus', () => {
  it('after a remove, focus goes to the condition now in its place, then to "Add condition"; after an add, to the new field', async () => {
    const u = user();
    render(<Harness initial={fromApi({ all: [{ field: 'issue.fields.summary', op: 'isNotEmpty' }, { field: 'issue.fields.labels', op: 'isEmpty' }] })} />);
    await u.click(screen.getByRole('button', { name: 'Remove condition conditions.all[0]' }));
    expect((document.activeElement as HTMLInputElement).value).toBe('issue.fields.labels');
    await u.click(screen.getByRole('button', { name: 'Remove condition conditions.all[0]' }));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Add condition' }));
    await u.keyboard('{Enter}');
    expect(document.activeElement).toBe(screen.getByLabelText('Field'));
  });
});
