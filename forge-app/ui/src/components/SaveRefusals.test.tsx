// A save the backend refuses for a passing reason (429, 503 with Retry-After) or cannot answer says what to do, keeps
// everything the admin typed, and the same form saves when pressed again.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import { RuleEditor } from './RuleEditor';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import { retryAfterSeconds, type Rule, type RuleDefinition } from '../api';

const savedRule: Rule = {
  id: 'r1',
  name: 'Escalate',
  enabled: true,
  version: 3,
  definition: {
    name: 'Escalate',
    enabled: true,
    trigger: { type: 'event', events: ['avi:jira:updated:issue'] },
    steps: [{ id: 'notify', type: 'http', connection: 'conn-1', method: 'POST', path: '/escalations' }],
  },
};

function backend() {
  const b = fakeBackend();
  b.on('GET', '/api/connections', () => ({ items: [{ id: 'conn-1', name: 'CRM', baseUrl: 'https://crm.example.com', auth: { type: 'bearer' }, secretSet: true }] }));
  b.on('GET', '/api/webhooks', () => ({ items: [] }));
  b.on('GET', '/api/rules/r1', () => savedRule);
  return b;
}

describe('a refused save', () => {
  it.each([
    [503, { 'Retry-After': '30' }, { title: 'Service Unavailable', status: 503, detail: 'The store is busy.' }, 'Try again in 30 seconds.'],
    [503, { 'retry-after': ['120'] }, { title: 'Service Unavailable', status: 503 }, 'Try again in 2 minutes.'],
    [429, { 'retry-after': '5' }, { title: 'Too Many Requests', status: 429 }, 'Try again in 5 seconds.'],
    [503, {}, { title: 'Service Unavailable', status: 503 }, 'Try again in a moment.'],
  ])('%i with %o says when to try again, keeps the form, and saves when pressed again', async (status, headers, body, hint) => {
    const b = backend();
    let refuse = true;
    b.on('PUT', '/api/rules/r1', (req) =>
      refuse ? { status, headers, body } : { ...savedRule, version: 4, name: (req.body as RuleDefinition).name, definition: req.body },
    );
    let saved: Rule | undefined;
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={(r) => (saved = r)} onCancel={() => undefined} />);
    await u.type(await screen.findByDisplayValue('Escalate'), ' now');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);

    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('The rule was not saved')).toBeInTheDocument();
    expect(alert.textContent).toContain(hint);
    expect(screen.getByLabelText(/^Name/)).toHaveValue('Escalate now');
    expect(saved).toBeUndefined();

    refuse = false;
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await waitFor(() => expect(saved?.version).toBe(4));
    expect(b.callsTo('PUT', '/api/rules/r1').map((c) => (c.body as RuleDefinition).name)).toEqual(['Escalate now', 'Escalate now']);
  });

  it('reads Retry-After as seconds or an HTTP date, whatever the header name case', () => {
    const now = Date.parse('2026-12-06T10:00:00Z');
    expect(retryAfterSeconds({ 'Retry-After': '7' }, now)).toBe(7);
    expect(retryAfterSeconds({ 'retry-after': ['9'] }, now)).toBe(9);
    expect(retryAfterSeconds({ 'RETRY-AFTER': 'Sun, 06 Dec 2026 10:01:00 GMT' }, now)).toBe(60);
    expect(retryAfterSeconds({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterSeconds(undefined, now)).toBeUndefined();
  });
});
