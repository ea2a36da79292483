// The AI step's "one value from a list" answer format: each problem is shown at the input that holds it.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render } from '@testing-library/react';
import { aiChatKind } from './aiChat';

const described = (id: string) =>
  (document.getElementById(id)?.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter((x) => x.includes('-error-'))
    .map((x) => document.getElementById(x)?.textContent ?? '');

function errorsOf(values: Record<string, unknown>) {
  const errors: Record<string, string[]> = {};
  aiChatKind.toJson({ ...aiChatKind.defaults(), connection: 'c', model: 'm', prompt: 'p', format: 'choice', ...values }, (rel, m) => (errors[`steps[0].${rel}`] = [...(errors[`steps[0].${rel}`] ?? []), m]));
  return errors;
}

describe('ai.chat, one value from a list', () => {
  it("the builder's own checks: a bad answer name at 'Answer name', no answers at 'Allowed answers'", () => {
    const values = { property: 'my label', choices: ' , ' };
    const Form = aiChatKind.Form;
    render(<Form index={0} values={{ ...aiChatKind.defaults(), format: 'choice', ...values }} onChange={() => undefined} errors={errorsOf(values)} path="steps[0]" readOnly={false} connections={[]} />);
    expect(described('step-0-property')).toEqual(['Name the answer with letters, digits and _ (e.g. label).']);
    expect(described('step-0-choices')).toEqual(['List at least one allowed answer.']);
  });

  it("the backend's error on one allowed answer (steps[0].schema.properties.label.enum[1]) at 'Allowed answers'", () => {
    const Form = aiChatKind.Form;
    render(
      <Form
        index={0}
        values={{ ...aiChatKind.defaults(), format: 'choice', property: 'label', choices: 'bug, x' }}
        onChange={() => undefined}
        errors={{ 'steps[0].schema.properties.label.enum[1]': ['must be at most 200 characters'] }}
        path="steps[0]"
        readOnly={false}
        connections={[]}
      />,
    );
    expect(described('step-0-choices')).toEqual(['must be at most 200 characters']);
  });
});
