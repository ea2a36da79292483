// The AI step's "several named values" answer format: structured output built with a form, opened and saved back
// exactly, with errors at the row they concern and a keyboard path through it.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { aiChatKind } from './aiChat';
import { formValuesFor } from './registry';
import type { Values } from './types';
import { choose, user } from '../test/utils';
import { stepOutputs } from '../lib/smartValues';

const described = (id: string) =>
  (document.getElementById(id)?.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter((x) => x.includes('-error-'))
    .map((x) => document.getElementById(x)?.textContent ?? '');

const step = (schema: unknown) => ({ type: 'ai.chat', connection: 'c', model: 'gpt-4o-mini', prompt: 'Summary: {{ issue.fields.summary }}', schema });
// docs/api.md "AI step — ai.chat" and docs/examples/ai-triage.md.
const apiDocSchema = {
  type: 'object',
  properties: {
    priority: { type: 'string', enum: ['Highest', 'High', 'Medium', 'Low', 'Lowest'] },
    labels: { type: 'array', items: { type: 'string' } },
    reason: { type: 'string' },
  },
  required: ['priority', 'labels'],
};
const triageSchema = {
  type: 'object',
  properties: {
    priority: { type: 'string', enum: ['Highest', 'High', 'Medium', 'Low'] },
    labels: { type: 'array', items: { type: 'string', enum: ['ui', 'backend', 'auth', 'payments', 'performance', 'docs'] } },
    reason: { type: 'string' },
  },
  required: ['priority', 'labels', 'reason'],
  additionalProperties: false,
};

function toJson(values: Values) {
  const errors: Record<string, string[]> = {};
  const json = aiChatKind.toJson(values, (rel, m) => (errors[`steps[0].${rel}`] = [...(errors[`steps[0].${rel}`] ?? []), m]));
  return { json, errors };
}

describe('ai.chat, several named values', () => {
  it('the documented schemas open in the form (not the JSON schema box) and save back unchanged', () => {
    for (const schema of [apiDocSchema, triageSchema, { type: 'object', properties: { points: { type: 'integer', description: 'Story points' }, urgent: { type: 'boolean' }, score: { type: 'number' } }, required: [] }]) {
      const values = formValuesFor(step(schema));
      expect(values?.format).toBe('fields');
      expect(toJson(values!).json).toEqual(step(schema));
    }
    const rows = formValuesFor(step(triageSchema))!.outFields;
    expect(rows.map((r: Values) => [r.name, r.kind, r.choices, r.required])).toEqual([
      ['priority', 'string', 'Highest, High, Medium, Low', true],
      ['labels', 'array', 'ui, backend, auth, payments, performance, docs', true],
      ['reason', 'string', '', true],
    ]);
  });

  it("later steps' smart-value picker offers each named value (steps.<id>.output.<name>)", () => {
    const json = toJson(formValuesFor(step(triageSchema))!).json;
    const paths = stepOutputs({ id: 'triage', type: 'ai.chat', json }).map((o) => o.path);
    expect(paths).toEqual(expect.arrayContaining(['steps.triage.output.priority', 'steps.triage.output.labels', 'steps.triage.output.reason']));
  });

  it('a schema the rows cannot write back exactly stays in the JSON schema box, unchanged', () => {
    for (const schema of [
      // A nested object is a group of values now (aiNested.test.tsx); one with a keyword the rows do not write stays JSON.
      { type: 'object', properties: { a: { type: 'object', title: 'A', properties: { b: { type: 'string' } } } } },
      { type: 'object', properties: { a: { type: 'array', items: { type: 'object', properties: { b: { type: 'string', pattern: 'x' } } } } } },
      { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, required: ['b', 'a'] },
      { type: 'object', properties: { a: { type: 'string', enum: ['x, y', 'z'] } } },
      { type: 'object', title: 'Triage', properties: { a: { type: 'string' } } },
      { type: 'object', properties: { a: { type: ['string', 'null'] } } },
    ]) {
      const values = formValuesFor(step(schema));
      expect(values?.format).toBe('schema');
      expect(toJson(values!).json).toEqual(step(schema));
    }
  });

  it('an admin builds priority, labels and an optional reason with the form only', async () => {
    const u = user();
    let latest: Values = {};
    function Harness() {
      const [values, setValues] = useState<Values>({ ...aiChatKind.defaults(), connection: 'c', model: 'gpt-4o-mini', prompt: 'Triage {{ issue.key }}' });
      latest = values;
      const Form = aiChatKind.Form;
      return <Form index={0} values={values} onChange={(patch) => setValues((v) => ({ ...v, ...patch }))} errors={{}} path="steps[0]" readOnly={false} connections={[]} />;
    }
    render(<Harness />);
    await choose(u, 'step-0-format', /^Several named values/);
    const group = screen.getByRole('group', { name: 'Values the model answers with' });
    await u.type(within(group).getByLabelText(/^Name 1/), 'priority');
    await u.type(within(group).getByLabelText(/^Allowed values 1/), 'High, Medium, Low');
    await u.click(within(group).getByRole('button', { name: 'Add a value' }));
    expect(document.activeElement).toBe(document.getElementById('step-0-out-name-1'));
    await u.keyboard('labels');
    await choose(u, 'step-0-out-kind-1', 'List of texts');
    await u.click(within(group).getByRole('button', { name: 'Add a value' }));
    await u.keyboard('reason');
    await u.type(within(group).getByLabelText(/^Description 3/), 'Why, in one sentence');
    await u.click(within(group).getByLabelText(/^Always answered \(required\) 3/));
    const { json, errors } = toJson(latest);
    expect(errors).toEqual({});
    expect(json.schema).toEqual({
      type: 'object',
      properties: { priority: { type: 'string', enum: ['High', 'Medium', 'Low'] }, labels: { type: 'array', items: { type: 'string' } }, reason: { type: 'string', description: 'Why, in one sentence' } },
      required: ['priority', 'labels'],
      additionalProperties: false,
    });
    // Removing a value by keyboard keeps the focus in the list.
    within(group).getByRole('button', { name: 'Remove answer value 2' }).focus();
    await u.keyboard('{Enter}');
    expect(document.activeElement).toBe(document.getElementById('step-0-out-name-1'));
    expect(Object.keys(toJson(latest).json.schema as { properties: object }).length).toBe(4);
    expect(Object.keys((toJson(latest).json.schema as { properties: object }).properties)).toEqual(['priority', 'reason']);
  });

  it("the builder's checks and the backend's errors are shown at the row (name, allowed values) or at the format", () => {
    const values: Values = {
      ...aiChatKind.defaults(),
      connection: 'c',
      model: 'm',
      prompt: 'p',
      format: 'fields',
      outFields: [
        { id: 'a', name: '1st', kind: 'string', choices: '', description: '', required: true },
        { id: 'b', name: 'points', kind: 'integer', choices: '1, 2', description: '', required: true },
        { id: 'c', name: 'points', kind: 'string', choices: '', description: '', required: true },
      ],
    };
    const { errors } = toJson(values);
    expect(Object.keys(errors).sort()).toEqual(['steps[0].schema.properties.1st', 'steps[0].schema.properties.points', 'steps[0].schema.properties.points.enum']);
    expect(toJson({ ...values, outFields: [] }).errors).toEqual({ 'steps[0].schema.properties': ['Add at least one value for the model to answer with.'] });

    const Form = aiChatKind.Form;
    const backend = {
      'steps[0].schema.properties.priority.enum[1]': ['must be at most 200 characters'],
      'steps[0].schema.properties.labels.items.enum': ['must be a non-empty array'],
      'steps[0].schema.required': ["names 'x', which is not in 'properties'"],
    };
    const rows = formValuesFor(step(triageSchema))!;
    render(<Form index={0} values={rows} onChange={() => undefined} errors={backend} path="steps[0]" readOnly={false} connections={[]} />);
    expect(described('step-0-out-choices-0')).toEqual(['must be at most 200 characters']);
    expect(described('step-0-out-choices-1')).toEqual(['must be a non-empty array']);
    expect(described('step-0-format')).toEqual(["required: names 'x', which is not in 'properties'"]);
  });
});
