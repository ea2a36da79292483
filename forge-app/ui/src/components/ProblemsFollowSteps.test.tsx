// A problem the backend (or the builder's own check) named at a step stays with that step when the steps are moved
// or removed before the next save: it is shown at the step it was found in, never at the step that took its place.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { RuleEditor } from './RuleEditor';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import type { Rule } from '../api';

const rule: Rule = {
  id: 'r1',
  name: 'Three calls',
  enabled: true,
  version: 2,
  definition: {
    name: 'Three calls',
    enabled: true,
    trigger: { type: 'event', events: ['avi:jira:updated:issue'] },
    conditions: { all: [{ field: 'issue.key', op: 'isNotEmpty' }, { field: 'issue.fields.summary', op: 'startsWith', value: 'OPS-' }] },
    steps: [
      { id: 'first', type: 'http', connection: 'conn-1', method: 'POST', path: '/one' },
      { id: 'second', type: 'http', connection: 'conn-1', method: 'POST', path: '/two' },
      { id: 'third', type: 'http', connection: 'conn-1', method: 'POST', path: '/three/{{ issue.key' },
    ],
  },
};
const PROBLEM = 'is not a valid template: unclosed output';
const REGEX = 'is refused by the backend';

function backend() {
  const b = fakeBackend();
  b.on('GET', '/api/connections', () => ({ items: [{ id: 'conn-1', name: 'CRM', baseUrl: 'https://crm.example.com', auth: { type: 'bearer' }, secretSet: true }] }));
  b.on('GET', '/api/webhooks', () => ({ items: [] }));
  b.on('GET', '/api/rules/r1', () => rule);
  b.on('PUT', '/api/rules/r1', () => ({ status: 400, body: { title: 'Validation failed', status: 400, errors: { 'steps[2].path': [PROBLEM], 'conditions.all[1].value': [REGEX] } } }));
  return b;
}

/** The messages shown at the input with this id (Field's `data-field-error`). */
const shownAt = (inputId: string) => [...document.querySelectorAll(`[data-field-error="${inputId}"]`)].map((e) => e.textContent ?? '');
const card = (n: number) => screen.getByRole('group', { name: `Step ${n}` });

async function refused() {
  backend();
  const u = user();
  render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
  await screen.findByDisplayValue('/three/{{ issue.key');
  await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
  await screen.findByTestId('error-summary');
  expect(shownAt('step-2-path')).toEqual([PROBLEM]);
  return u;
}

describe('problems follow their step', () => {
  it('moving the step up takes its problem with it; the step now in its old place shows none', async () => {
    const u = await refused();
    await u.click(screen.getByRole('button', { name: 'Move step 3 up' }));
    expect(within(card(2)).getByLabelText(/^Path/)).toHaveValue('/three/{{ issue.key');
    expect(shownAt('step-1-path')).toEqual([PROBLEM]);
    expect(shownAt('step-2-path')).toEqual([]);
    expect(screen.getByTestId('error-summary').textContent).toContain('Step 2');
  });

  it('removing a step before it renumbers its problem; removing the step itself removes its problem', async () => {
    const u = await refused();
    await u.click(screen.getByRole('button', { name: 'Remove step 1' }));
    expect(shownAt('step-1-path')).toEqual([PROBLEM]);
    expect(screen.getByTestId('error-summary').textContent).toContain('Step 2');
    expect(screen.getByTestId('error-summary').textContent).not.toContain('Step 3');
    await u.click(screen.getByRole('button', { name: 'Remove step 2' }));
    expect(screen.getByTestId('error-summary').textContent).not.toContain(PROBLEM);
    expect(screen.queryAllByText(PROBLEM)).toHaveLength(0);
  });
});

describe('problems follow their condition', () => {
  it('removing the condition before it takes its problem to its new place; removing it removes the problem', async () => {
    const u = await refused();
    const at = (path: string) => screen.getByRole('group', { name: `Condition ${path}` });
    expect(within(at('conditions.all[1]')).getByText(REGEX)).toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Remove condition conditions.all[0]' }));
    expect(within(at('conditions.all[0]')).getByDisplayValue('OPS-')).toBeInTheDocument();
    expect(within(at('conditions.all[0]')).getByText(REGEX)).toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Remove condition conditions.all[0]' }));
    expect(screen.queryByText(REGEX)).toBeNull();
    expect(shownAt('step-2-path')).toEqual([PROBLEM]);
  });
});
