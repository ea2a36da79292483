// A save the backend refuses for a passing reason (429, 503 with Retry-After) or cannot answer says what to do, keeps
// everything the admin typed, and the same form saves when pressed again.
import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { RuleEditor } from './RuleEditor';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import { REQUEST_TIMEOUT_MS, retryAfterSeconds, type Rule, type RuleDefinition } from '../api';

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

  afterEach(() => {
    vi.useRealTimers();
  });

  it('that never gets an answer stops waiting, says so, keeps the form and saves when pressed again', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const b = backend();
    let hang = true;
    b.on('PUT', '/api/rules/r1', (req) => (hang ? new Promise(() => undefined) : { ...savedRule, version: 4, definition: req.body }));
    let saved: Rule | undefined;
    const u = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={(r) => (saved = r)} onCancel={() => undefined} />);
    await u.type(await screen.findByDisplayValue('Escalate'), ' now');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    expect(screen.getAllByRole('button', { name: /Save rule, Loading/ }).length).toBeGreaterThan(0);

    await act(async () => {
      vi.advanceTimersByTime(REQUEST_TIMEOUT_MS);
    });
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('The rule was not saved')).toBeInTheDocument();
    expect(alert.textContent).toContain('BluBees did not answer');
    expect(alert.textContent).toContain('may or may not have been made');
    expect(screen.queryAllByRole('button', { name: /Loading/ })).toHaveLength(0);
    expect(screen.getByLabelText(/^Name/)).toHaveValue('Escalate now');

    hang = false;
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await waitFor(() => expect(saved?.version).toBe(4));
  });

  it('that cannot reach BluBees says so, not only the browser\'s words', async () => {
    const b = backend();
    b.on('PUT', '/api/rules/r1', () => {
      throw new TypeError('Failed to fetch');
    });
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not reach BluBees');
    expect(alert.textContent).toContain('Failed to fetch');
  });

  it('because someone else saved the rule meanwhile names that, keeps the form, and saves over it only when asked', async () => {
    const b = backend();
    let version = 3;
    b.on('PUT', /^\/api\/rules\/r1/, (req) => {
      const base = Number(new URLSearchParams(req.path.split('?')[1] ?? '').get('baseVersion'));
      if (base !== version) {
        return {
          status: 409,
          headers: {},
          body: { title: 'Conflict', status: 409, detail: `This rule was saved as version ${version} after version ${base} was opened here, so saving would replace that change unseen. Nothing was saved.`, reason: 'rule_changed', currentVersion: version, errors: { baseVersion: [`is ${base}, but the rule is now at version ${version}: someone else saved it since`] } },
        };
      }
      version += 1;
      return { ...savedRule, version, name: (req.body as RuleDefinition).name, definition: req.body };
    });
    let saved: Rule | undefined;
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={(r) => (saved = r)} onCancel={() => undefined} />);
    await u.type(await screen.findByDisplayValue('Escalate'), ' now');
    version = 4; // another administrator saves version 4 while this editor is open on version 3
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);

    const alert = await screen.findByTestId('rule-changed');
    expect(alert).toHaveAttribute('role', 'alert');
    expect(alert.textContent).toContain('Someone else saved this rule');
    expect(alert.textContent).toContain('saved as version 4 after version 3');
    expect(screen.getByLabelText(/^Name/)).toHaveValue('Escalate now');
    expect(saved).toBeUndefined();
    expect(b.callsTo('PUT', '/api/rules/r1').map((c) => c.path)).toEqual(['/api/rules/r1?baseVersion=3']);

    await u.click(within(alert).getByRole('button', { name: 'Save my changes over version 4' }));
    await waitFor(() => expect(saved?.version).toBe(5));
    expect(b.callsTo('PUT', '/api/rules/r1').map((c) => c.path)).toEqual(['/api/rules/r1?baseVersion=3', '/api/rules/r1?baseVersion=4']);
    expect(saved?.name).toBe('Escalate now');
  });

  it('because the rule was deleted meanwhile says so, keeps the form, and saves the edits as a new rule when asked', async () => {
    const b = backend();
    b.on('PUT', '/api/rules/r1', () => ({ status: 404, headers: {}, body: { title: 'Not Found', status: 404, detail: "Rule 'r1' does not exist." } }));
    b.on('POST', '/api/rules', (req) => ({ status: 201, body: { ...savedRule, id: 'r2', version: 1, name: (req.body as RuleDefinition).name, definition: req.body } }));
    let saved: Rule | undefined;
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={(r) => (saved = r)} onCancel={() => undefined} />);
    await u.type(await screen.findByDisplayValue('Escalate'), ' now');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);

    const alert = await screen.findByTestId('rule-deleted');
    expect(alert).toHaveAttribute('role', 'alert');
    expect(alert.textContent).toContain('This rule was deleted while you were editing it');
    expect(screen.getByLabelText(/^Name/)).toHaveValue('Escalate now');
    expect(saved).toBeUndefined();

    await u.click(within(alert).getByRole('button', { name: 'Save my changes as a new rule' }));
    await waitFor(() => expect(saved?.id).toBe('r2'));
    expect(b.callsTo('POST', '/api/rules')[0].body).toMatchObject({ name: 'Escalate now', steps: savedRule.definition.steps });
  });
});
