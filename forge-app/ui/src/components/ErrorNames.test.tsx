import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { RuleEditor } from './RuleEditor';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import type { Rule } from '../api';

const rule: Rule = {
  id: 'r1',
  name: 'Notify',
  enabled: true,
  version: 1,
  definition: {
    name: 'Notify',
    enabled: true,
    trigger: { type: 'event', events: ['avi:jira:created:issue'] },
    steps: [
      { id: 'notify', type: 'http', connection: 'conn-1', method: 'POST', path: '/in', headers: { 'X-Summary': '{{ issue.fields.summary }}' } },
      { id: 'edit', type: 'jira.edit', fields: { 'Story Points': '{{ issue.fields.nope }}' } },
    ],
  },
};

const describedText = (input: HTMLElement) =>
  (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' | ');

describe('backend errors naming data (a header, a Jira field by name)', () => {
  it('are shown at the row with that name: the name is kept as the backend wrote it (X-Summary, Story Points), not lower-cased', async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/connections', () => ({ items: [{ id: 'conn-1', name: 'CRM', baseUrl: 'https://crm.example.com', auth: { type: 'bearer' }, secretSet: true }] }));
    backend.on('GET', '/api/webhooks', () => ({ items: [] }));
    backend.on('GET', '/api/rules/r1', () => rule);
    backend.on('PUT', '/api/rules/r1', () => ({
      status: 400,
      body: {
        title: 'The rule is not valid',
        status: 400,
        errors: {
          'steps[0].headers.X-Summary': ['a constant header value must be ASCII without a line break'],
          'steps[1].fields.Story Points': ['unknown template variable issue.fields.nope'],
        },
      },
    }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Notify');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await screen.findByText('2 problems to fix');

    const headers = within(screen.getByRole('group', { name: 'Step 1' })).getByRole('group', { name: 'Headers' });
    expect(describedText(within(headers).getByLabelText(/^Name 1/))).toContain('must be ASCII');
    const field = within(screen.getByRole('group', { name: 'Step 2' })).getByRole('group', { name: 'Field 1' });
    expect(describedText(within(field).getByLabelText(/^Value 1/))).toContain('unknown template variable');
  });
});
