// A part of a step the form keeps as JSON says why: a Jira field value of a shape no value type writes, an AI answer
// schema the value rows cannot write back, an http body without body-field rows.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { aiChatKind } from './aiChat';
import { httpKind } from './http';
import { jiraEditKind } from './jira';
import { formValuesFor } from './registry';
import type { StepKind } from './types';

const show = (kind: StepKind, step: Record<string, unknown>) => {
  const Form = kind.Form;
  render(<Form index={0} values={formValuesFor(step)!} onChange={() => undefined} errors={{}} path="steps[0]" readOnly={false} connections={[]} />);
};

describe('why a part stays JSON', () => {
  it('a Jira field value of another shape', () => {
    show(jiraEditKind, { type: 'jira.edit', fields: { customfield_10060: { value: 'a', disabled: false } } });
    expect(screen.getByText(/no value type writes this shape/)).toBeInTheDocument();
  });

  it('an AI answer schema the rows cannot write back', () => {
    show(aiChatKind, { type: 'ai.chat', connection: 'c', model: 'm', prompt: 'p', schema: { type: 'object', title: 'Triage', properties: { a: { type: 'string' } } } });
    expect(screen.getByText(/the answer rows cannot write this schema exactly/)).toBeInTheDocument();
  });

  it('an http body with rows has no such note', () => {
    show(httpKind, { type: 'http', connection: 'c', path: '/x', body: { id: 1, big: '{{ x }}' } });
    expect(screen.queryByText(/No body fields/)).toBeNull();
  });

  it('an http body with a number the builder would round', () => {
    const Form = httpKind.Form;
    const values = { ...formValuesFor({ type: 'http', connection: 'c', path: '/x', body: { a: 1 } })!, bodyText: '{"id": 12345678901234567890}' };
    render(<Form index={0} values={values} onChange={() => undefined} errors={{}} path="steps[0]" readOnly={false} connections={[]} />);
    expect(screen.getByText(/No body fields: the body holds a number the builder would round \(12345678901234567890\)/)).toBeInTheDocument();
  });

  it('an http body that is a list', () => {
    show(httpKind, { type: 'http', connection: 'c', path: '/x', body: [{ a: 1 }] });
    expect(screen.getByText(/No body fields: the body is not a JSON object/)).toBeInTheDocument();
  });
});
