// Keyboard users keep their place in row lists (headers, query parameters, Jira field rows), as in the steps editor.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { KeyValueEditor, type KeyValue } from './shared';
import { FieldRowsEditor, type FieldRow } from './jira';
import { user } from '../test/utils';

function Headers({ initial }: { initial: KeyValue[] }) {
  const [items, setItems] = useState(initial);
  return <KeyValueEditor id="step-0-headers" label="Headers" items={items} onChange={setItems} errors={{}} readOnly={false} />;
}
function Fields({ initial }: { initial: FieldRow[] }) {
  const [rows, setRows] = useState(initial);
  return <FieldRowsEditor index={0} rows={rows} onRows={setRows} errors={{}} path="steps[0]" readOnly={false} />;
}

describe('row lists keep keyboard focus', () => {
  it('headers: a removed row passes focus to the row now in its place, then to "Add header"; a new row gets it', async () => {
    const u = user();
    render(<Headers initial={[{ id: 'a', key: 'X-One', value: '1' }, { id: 'b', key: 'X-Two', value: '2' }]} />);
    await u.click(screen.getByRole('button', { name: 'Remove headers 1' }));
    expect((document.activeElement as HTMLInputElement).value).toBe('X-Two');
    await u.click(screen.getByRole('button', { name: 'Remove headers 1' }));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Add header' }));
    await u.keyboard('{Enter}');
    expect(document.activeElement?.id).toBe('step-0-headers-0-key');
  });

  it('Jira field rows: a removed row passes focus to the row now in its place (the one before at the end)', async () => {
    const u = user();
    render(<Fields initial={[{ id: 'f1', field: 'summary', value: 'x', json: false }, { id: 'f2', field: 'labels', value: 'y', json: false }]} />);
    await u.click(screen.getByRole('button', { name: 'Remove field 2' }));
    expect(document.activeElement?.id).toBe('step-0-field-0');
  });
});
