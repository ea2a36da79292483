// An http step's JSON body mapped with rows (dotted names for nested objects), without editing the JSON.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { httpKind } from './http';
import { bodyRows, removeBodyValue, setBodyValue } from './bodyFields';
import { formValuesFor } from './registry';
import type { Values } from './types';
import type { Connection } from '../api';
import { user } from '../test/utils';

const connections: Connection[] = [{ id: 'conn-1', name: 'Jira REST', baseUrl: 'https://jira.example.com/rest/api/2', auth: { type: 'bearer' }, secretSet: true }];

function Harness({ initial, errors = {}, onValues }: { initial: Values; errors?: Record<string, string[]>; onValues: (v: Values) => void }) {
  const [values, setValues] = useState<Values>(initial);
  onValues(values);
  const Form = httpKind.Form;
  return <Form index={0} values={values} onChange={(patch) => setValues((v) => ({ ...v, ...patch }))} errors={errors} path="steps[0]" readOnly={false} connections={connections} />;
}
const bodyOf = (v: Values) => httpKind.toJson(v, () => undefined).body;

describe('http body fields', () => {
  it('nested text values are rows; numbers, lists and names with a dot stay in the JSON only', () => {
    const text = JSON.stringify({ fields: { priority: { name: 'High' }, summary: '{{ issue.fields.summary }}', points: 3, labels: ['a'] }, 'a.b': 'x', note: 'n' });
    expect(bodyRows(text)?.map((r) => [r.path.join('.'), r.value])).toEqual([
      ['fields.priority.name', 'High'],
      ['fields.summary', '{{ issue.fields.summary }}'],
      ['note', 'n'],
    ]);
    expect(bodyRows('[1]')).toBeUndefined();
    expect(bodyRows('{"id": 12345678901234567890, "x": "y"}')).toBeUndefined();
    expect(JSON.parse(setBodyValue(text, ['fields', 'priority', 'name'], 'Low')!)).toEqual({ fields: { priority: { name: 'Low' }, summary: '{{ issue.fields.summary }}', points: 3, labels: ['a'] }, 'a.b': 'x', note: 'n' });
    expect(setBodyValue(text, ['fields', 'points', 'x'], 'v')).toBeUndefined();
    expect(setBodyValue(text, ['fields', 'points'], 'v')).toBeUndefined();
    expect(JSON.parse(removeBodyValue('{"fields":{"priority":{"name":"High"}},"k":"v"}', ['fields', 'priority', 'name'])!)).toEqual({ k: 'v' });
  });

  it('an admin maps fields.priority.name and fields.summary with the builder, then edits and removes one by its row', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness initial={{ ...httpKind.defaults(), connection: 'conn-1', method: 'PUT', path: '/issue/{{ issue.key }}' }} onValues={(v) => (latest = v)} />);
    await u.type(screen.getByLabelText(/^Body field name/), 'fields.priority.name');
    await u.type(screen.getByLabelText(/^Body field value/), 'High');
    await u.click(screen.getByRole('button', { name: 'Add to body' }));
    await u.type(screen.getByLabelText(/^Body field name/), 'fields.summary');
    await u.type(screen.getByLabelText(/^Body field value/), 'Copied');
    await u.click(screen.getByRole('button', { name: 'Add to body' }));
    expect(bodyOf(latest)).toEqual({ fields: { priority: { name: 'High' }, summary: 'Copied' } });

    const rows = screen.getByRole('group', { name: 'Body fields of step 1' });
    const priority = within(rows).getByLabelText(/^Body value at fields\.priority\.name/);
    await u.clear(priority);
    await u.type(priority, 'Low');
    expect(bodyOf(latest)).toEqual({ fields: { priority: { name: 'Low' }, summary: 'Copied' } });
    // By keyboard: Remove takes the row out, and focus goes to the row now in its place.
    within(rows).getByRole('button', { name: 'Remove body field fields.priority.name' }).focus();
    await u.keyboard('{Enter}');
    expect(bodyOf(latest)).toEqual({ fields: { summary: 'Copied' } });
    expect(document.activeElement).toBe(document.getElementById('step-0-bodyrow-0'));
  });

  it('a dotted name through a value that is not an object is refused with the reason, and the body is left as it was', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness initial={formValuesFor({ type: 'http', connection: 'conn-1', path: '/x', body: { fields: 'text' } })!} onValues={(v) => (latest = v)} />);
    await u.type(screen.getByLabelText(/^Body field name/), 'fields.summary');
    await u.click(screen.getByRole('button', { name: 'Add to body' }));
    expect(screen.getByRole('alert').textContent).toMatch(/cannot be written/);
    expect(bodyOf(latest)).toEqual({ fields: 'text' });
  });

  it("the backend's error inside the body (steps[0].body.fields.summary) is shown at that row", () => {
    render(<Harness initial={formValuesFor({ type: 'http', connection: 'conn-1', path: '/x', body: { fields: { summary: '{{ issue.fields.summary | nope }}' } } })!} errors={{ 'steps[0].body.fields.summary': ["unknown filter 'nope'"] }} onValues={() => undefined} />);
    const row = document.getElementById('step-0-bodyrow-0')!;
    const described = (row.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '');
    expect(described.join(' ')).toContain("unknown filter 'nope'");
  });
});
