// The AI step's "several named values" answer format with nested values: a group of values (an object inside the
// answer) and a list of groups (a list of objects), each with its own values, built with the form, not JSON Schema;
// a saved nested schema opens in the rows and saves back unchanged.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { aiChatKind } from './aiChat';
import { formValuesFor } from './registry';
import type { Values } from './types';
import { choose, user } from '../test/utils';
import { stepOutputs } from '../lib/smartValues';

const step = (schema: unknown) => ({ type: 'ai.chat', connection: 'c', model: 'gpt-4o-mini', prompt: 'Summary: {{ issue.fields.summary }}', schema });
const nested = {
  type: 'object',
  properties: {
    customer: {
      type: 'object',
      properties: { name: { type: 'string' }, tier: { type: 'string', enum: ['gold', 'silver'], description: 'Support tier' } },
      required: ['name'],
      additionalProperties: false,
    },
    tasks: {
      type: 'array',
      description: 'Follow-up tasks',
      items: { type: 'object', properties: { title: { type: 'string' }, days: { type: 'integer' } }, required: ['title', 'days'], additionalProperties: false },
    },
  },
  required: ['customer', 'tasks'],
  additionalProperties: false,
};

function toJson(values: Values) {
  const errors: Record<string, string> = {};
  const json = aiChatKind.toJson(values, (rel, m) => (errors[rel] = m));
  return { json, errors };
}

function Harness({ initial, onValues }: { initial: Values; onValues: (v: Values) => void }) {
  const [values, setValues] = useState<Values>(initial);
  onValues(values);
  const Form = aiChatKind.Form;
  return <Form index={0} values={values} onChange={(patch) => setValues((v) => ({ ...v, ...patch }))} errors={{}} path="steps[0]" readOnly={false} connections={[]} />;
}

describe('ai.chat, nested answer values', () => {
  it('a schema with an object inside the answer and a list of objects opens in the form and saves back unchanged', () => {
    const values = formValuesFor(step(nested))!;
    expect(values.format).toBe('fields');
    expect(toJson(values)).toEqual({ json: step(nested), errors: {} });
    render(<Harness initial={values} onValues={() => undefined} />);
    const customer = screen.getByRole('group', { name: 'Values of customer' });
    expect(within(customer).getByLabelText(/^Name 2/)).toHaveValue('tier');
    expect(within(screen.getByRole('group', { name: 'Values of each item of tasks' })).getByLabelText(/^Name 2/)).toHaveValue('days');
  });

  it('an admin builds a group of values and a list of groups without JSON', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness initial={{ ...formValuesFor(step({ type: 'object', properties: { customer: { type: 'string' }, tasks: { type: 'string' } }, required: ['customer', 'tasks'], additionalProperties: false }))! }} onValues={(v) => (latest = v)} />);
    await choose(u, 'step-0-out-kind-0', 'Group of values (an object)');
    const customer = screen.getByRole('group', { name: 'Values of customer' });
    await u.type(within(customer).getByLabelText(/^Name 1/), 'name');
    await choose(u, 'step-0-out-kind-1', 'List of groups (objects)');
    const tasks = screen.getByRole('group', { name: 'Values of each item of tasks' });
    await u.type(within(tasks).getByLabelText(/^Name 1/), 'title');
    await u.click(within(tasks).getByRole('button', { name: 'Add a value to tasks' }));
    await u.type(within(tasks).getByLabelText(/^Name 2/), 'days');
    await choose(u, 'step-0-out-1-kind-1', 'Whole number');
    expect(toJson(latest)).toEqual({
      json: step({
        type: 'object',
        properties: {
          customer: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false },
          tasks: { type: 'array', items: { type: 'object', properties: { title: { type: 'string' }, days: { type: 'integer' } }, required: ['title', 'days'], additionalProperties: false } },
        },
        required: ['customer', 'tasks'],
        additionalProperties: false,
      }),
      errors: {},
    });
  });

  it('a group with a value without a name is refused where the backend would name it', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness initial={formValuesFor(step({ type: 'object', properties: { customer: { type: 'string' } }, required: ['customer'] }))!} onValues={(v) => (latest = v)} />);
    await choose(u, 'step-0-out-kind-0', 'Group of values (an object)');
    expect(toJson(latest).errors).toEqual({ 'schema.properties.customer.properties.': 'Name the value with letters, digits and _, not starting with a digit (e.g. priority).' });
  });

  it("later steps' smart-value picker offers a group's values (steps.<id>.output.customer.name) and the list of groups", () => {
    const paths = stepOutputs({ id: 'triage', type: 'ai.chat', json: step(nested) }).map((o) => o.path);
    expect(paths).toEqual(expect.arrayContaining(['steps.triage.output.customer', 'steps.triage.output.customer.name', 'steps.triage.output.customer.tier', 'steps.triage.output.tasks']));
    expect(paths).not.toContain('steps.triage.output.tasks.title');
  });
});
