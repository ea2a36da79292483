// Lists in an http step's JSON body (a list of values, a list of objects) are rows too, named as the backend names
// them (`items[0].sku`, the key of its errors), and "Add to body" appends to a list (`tags[]`, `items[].sku`), so an
// admin builds them without writing JSON; a saved body with lists round-trips unchanged.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { httpKind } from './http';
import { bodyEntries, removeBodyValue, setBodyLeaf } from './bodyFields';
import { formValuesFor } from './registry';
import type { Values } from './types';
import type { Connection } from '../api';
import { choose, user } from '../test/utils';

const connections: Connection[] = [{ id: 'conn-1', name: 'Hook', baseUrl: 'https://hooks.example.com', auth: { type: 'bearer' }, secretSet: true }];

function Harness({ initial, errors = {}, onValues }: { initial: Values; errors?: Record<string, string[]>; onValues: (v: Values) => void }) {
  const [values, setValues] = useState<Values>(initial);
  onValues(values);
  const Form = httpKind.Form;
  return <Form index={0} values={values} onChange={(patch) => setValues((v) => ({ ...v, ...patch }))} errors={errors} path="steps[0]" readOnly={false} connections={connections} />;
}
const bodyOf = (v: Values) => httpKind.toJson(v, () => undefined).body;
const step = (body: unknown) => ({ type: 'http', connection: 'conn-1', method: 'POST', path: '/x', body });
const name = (path: (string | number)[]) => path.map((k, n) => (typeof k === 'number' ? `[${k}]` : n ? `.${k}` : k)).join('');

describe('http body lists', () => {
  it('every value inside a list (of values, of objects, of lists) is a row named as the backend names it', () => {
    const text = JSON.stringify({ tags: ['a', 3], items: [{ sku: 'A1', qty: 2 }, { sku: 'B2' }], grid: [[true]], empty: [] });
    expect(bodyEntries(text)?.map((r) => [name(r.path), r.value])).toEqual([
      ['tags[0]', 'a'],
      ['tags[1]', 3],
      ['items[0].sku', 'A1'],
      ['items[0].qty', 2],
      ['items[1].sku', 'B2'],
      ['grid[0][0]', true],
    ]);
    expect(JSON.parse(setBodyLeaf(text, ['items', 1, 'qty'], 5)!).items).toEqual([{ sku: 'A1', qty: 2 }, { sku: 'B2', qty: 5 }]);
    expect(setBodyLeaf(text, ['items', 3, 'sku'], 'x')).toBeUndefined(); // not the next element: a gap would be a null
    expect(setBodyLeaf(text, ['tags', 'x'], 'v')).toBeUndefined(); // a name in a list
    expect(JSON.parse(removeBodyValue(text, ['tags', 0])!).tags).toEqual([3]);
    expect(JSON.parse(removeBodyValue(text, ['items', 1, 'sku'])!).items).toEqual([{ sku: 'A1', qty: 2 }]);
  });

  it('a saved body with lists opens with its rows and saves unchanged', () => {
    const s = step({ labels: ['{{ issue.fields.labels }}', 'x'], lines: [{ sku: 'A1', qty: 2, gift: false, note: null }], ids: [1, 2] });
    const values = formValuesFor(s)!;
    render(<Harness initial={values} onValues={() => undefined} />);
    expect(within(screen.getByRole('group', { name: 'Body fields of step 1' })).getByLabelText(/^Body value at lines\[0\]\.qty \(number\)/)).toHaveValue('2');
    expect(httpKind.toJson(values, () => undefined)).toEqual(s);
  });

  it('an admin builds a list of values and a list of objects with the builder, edits an element and removes one, without JSON', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness initial={{ ...httpKind.defaults(), connection: 'conn-1', path: '/x' }} onValues={(v) => (latest = v)} />);
    const literal = (t: string) => t.replace(/[[{]/g, (c) => c + c);
    const add = async (field: string, value: string, type?: string) => {
      await u.type(screen.getByLabelText(/^Body field name/), literal(field));
      if (type) await choose(u, 'step-0-bodyfield-type', type);
      await u.type(screen.getByLabelText(/^Body field value/), literal(value));
      await u.click(screen.getByRole('button', { name: 'Add to body' }));
    };
    await add('labels[]', 'customer');
    await add('labels[]', '{{ project.key }}');
    await add('lines[].sku', 'A1');
    await add('lines[0].qty', '2', 'Number');
    await add('lines[].sku', 'B2', 'Text');
    expect(bodyOf(latest)).toEqual({ labels: ['customer', '{{ project.key }}'], lines: [{ sku: 'A1', qty: 2 }, { sku: 'B2' }] });

    const rows = screen.getByRole('group', { name: 'Body fields of step 1' });
    const sku = within(rows).getByLabelText(/^Body value at lines\[1\]\.sku/);
    await u.clear(sku);
    await u.type(sku, 'C3');
    await u.click(within(rows).getByRole('button', { name: 'Remove body field labels[0]' }));
    expect(bodyOf(latest)).toEqual({ labels: ['{{ project.key }}'], lines: [{ sku: 'A1', qty: 2 }, { sku: 'C3' }] });
  });

  it("the backend's error inside a list (steps[0].body.lines[0].sku) is shown at that row", () => {
    render(<Harness initial={formValuesFor(step({ lines: [{ sku: '{{ x | nope }}' }] }))!} errors={{ 'steps[0].body.lines[0].sku': ["unknown filter 'nope'"] }} onValues={() => undefined} />);
    const row = document.getElementById('step-0-bodyrow-0')!;
    const described = (row.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '');
    expect(described.join(' ')).toContain("unknown filter 'nope'");
  });
});
