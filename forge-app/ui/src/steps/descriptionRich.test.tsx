// jira.edit / jira.create: a description with formatting (bold, lists, headings, code…) is a rich-text row, not JSON,
// and the Format buttons make a description rich text; saved as Atlassian Document Format and round-tripped.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { jiraEditKind } from './jira';
import { formValuesFor } from './registry';
import type { FieldRow } from './jira';
import type { Values } from './types';
import { user } from '../test/utils';

function Harness({ initial, onValues }: { initial: Values; onValues: (v: Values) => void }) {
  const [values, setValues] = useState<Values>(initial);
  onValues(values);
  const Form = jiraEditKind.Form;
  return <Form index={0} values={values} onChange={(patch) => setValues((v) => ({ ...v, ...patch }))} errors={{}} path="steps[0]" readOnly={false} connections={[]} />;
}
const text = (t: string, mark?: string) => (mark ? { type: 'text', text: t, marks: [{ type: mark }] } : { type: 'text', text: t });
const doc = {
  type: 'doc',
  version: 1,
  content: [
    { type: 'paragraph', content: [text('Fails on '), text('login', 'strong')] },
    { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [text('{{ issue.key }}')] }] }] },
  ],
};

describe('a formatted description', () => {
  it('opens as a rich-text row and saves unchanged', () => {
    const step = { type: 'jira.edit', fields: { description: doc } };
    const values = formValuesFor(step)!;
    const row = (values.rows as FieldRow[])[0];
    expect([row.json, row.value]).toEqual([false, 'Fails on **login**\n\n- {{ issue.key }}']);
    expect(jiraEditKind.toJson(values, () => undefined)).toEqual(step);
  });

  it('is formatted with the buttons', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness initial={formValuesFor({ type: 'jira.edit', fields: { description: 'Fails on login' } })!} onValues={(v) => (latest = v)} />);
    const box = document.getElementById('step-0-value-0') as HTMLInputElement;
    box.setSelectionRange(9, 14);
    await u.click(screen.getByRole('button', { name: 'Bold' }));
    expect(jiraEditKind.toJson(latest, () => undefined).fields).toEqual({ description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [text('Fails on '), text('login', 'strong')] }] } });
  });
});
