// An http step's body values that are not text (a fixed number, true/false, null) are rows with a type, so an admin
// never writes JSON for them; a saved body round-trips unchanged.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { httpKind } from './http';
import { formValuesFor } from './registry';
import type { Values } from './types';
import type { Connection } from '../api';
import { choose, user } from '../test/utils';

const connections: Connection[] = [{ id: 'conn-1', name: 'Hook', baseUrl: 'https://hooks.example.com', auth: { type: 'bearer' }, secretSet: true }];

function Harness({ initial, onValues }: { initial: Values; onValues: (v: Values) => void }) {
  const [values, setValues] = useState<Values>(initial);
  onValues(values);
  const Form = httpKind.Form;
  return <Form index={0} values={values} onChange={(patch) => setValues((v) => ({ ...v, ...patch }))} errors={{}} path="steps[0]" readOnly={false} connections={connections} />;
}
const bodyOf = (v: Values) => httpKind.toJson(v, () => undefined).body;
const step = (body: unknown) => ({ type: 'http', connection: 'conn-1', method: 'POST', path: '/x', body });

describe('http body values by type', () => {
  it('a saved body of numbers, true/false, null and a whole-value template round-trips unchanged', () => {
    const s = step({ count: 3, ratio: -2.5, urgent: true, note: null, points: '{{ issue.fields.customfield_10016 }}', list: [1, 2] });
    expect(httpKind.toJson(formValuesFor(s)!, () => undefined)).toEqual(s);
  });

  it('an admin adds a fixed number, a yes/no and an empty value with the builder, without typing JSON', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness initial={{ ...httpKind.defaults(), connection: 'conn-1', path: '/x' }} onValues={(v) => (latest = v)} />);
    await u.type(screen.getByLabelText(/^Body field name/), 'fields.points');
    await choose(u, 'step-0-bodyfield-type', 'Number');
    await u.type(screen.getByLabelText(/^Body field value/), '8');
    await u.click(screen.getByRole('button', { name: 'Add to body' }));
    await u.type(screen.getByLabelText(/^Body field name/), 'notify');
    await choose(u, 'step-0-bodyfield-type', /^Yes\/no/);
    await choose(u, 'step-0-bodyfield-value', 'No (false)');
    await u.click(screen.getByRole('button', { name: 'Add to body' }));
    await u.type(screen.getByLabelText(/^Body field name/), 'parent');
    await choose(u, 'step-0-bodyfield-type', /^Empty/);
    await u.click(screen.getByRole('button', { name: 'Add to body' }));
    expect(bodyOf(latest)).toEqual({ fields: { points: 8 }, notify: false, parent: null });

    // Not a number: refused with the reason, nothing added.
    await u.type(screen.getByLabelText(/^Body field name/), 'size');
    await choose(u, 'step-0-bodyfield-type', 'Number');
    await u.type(screen.getByLabelText(/^Body field value/), 'ten');
    await u.click(screen.getByRole('button', { name: 'Add to body' }));
    expect(screen.getByRole('alert').textContent).toMatch(/“ten” is not a number/);
    expect(bodyOf(latest)).toEqual({ fields: { points: 8 }, notify: false, parent: null });
  });

  it('a row edits a number, and its type changes text to number and number to yes/no', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness initial={formValuesFor(step({ count: 3, code: '42' }))!} onValues={(v) => (latest = v)} />);
    const rows = screen.getByRole('group', { name: 'Body fields of step 1' });
    const count = within(rows).getByLabelText(/^Body value at count \(number\)/);
    await u.clear(count);
    await u.type(count, '12x');
    // "12x" is not saved: the row says what the body still holds.
    expect(bodyOf(latest)).toEqual({ count: 12, code: '42' });
    expect(document.getElementById('step-0-bodyrow-0')!.closest('div')!.parentElement!.textContent).toMatch(/“12x” is not a number .*the body keeps 12/);
    await u.type(count, '{Backspace}');
    expect(bodyOf(latest)).toEqual({ count: 12, code: '42' });

    await choose(u, 'step-0-bodyrow-1-type', 'Number');
    expect(bodyOf(latest)).toEqual({ count: 12, code: 42 });
    await choose(u, 'step-0-bodyrow-0-type', /^Yes\/no/);
    await choose(u, 'step-0-bodyrow-0', 'Yes (true)');
    expect(bodyOf(latest)).toEqual({ count: true, code: 42 });
    await choose(u, 'step-0-bodyrow-0-type', 'Text');
    expect(bodyOf(latest)).toEqual({ count: 'true', code: 42 });
  });
});
