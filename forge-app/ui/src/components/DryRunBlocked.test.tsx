// The dry run says why it did not run, where the admin pressed the button.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { RuleEditor } from './RuleEditor';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import type { Rule } from '../api';

const rule: Rule = {
  id: 'r1',
  name: 'Escalate',
  enabled: true,
  version: 1,
  definition: { name: 'Escalate', enabled: true, trigger: { type: 'event', events: ['avi:jira:created:issue'] }, steps: [{ id: 'note', type: 'jira.comment', body: 'Seen {{ issue.key }}' }] },
};

function backend() {
  const b = fakeBackend();
  b.on('GET', '/api/connections', () => ({ items: [] }));
  b.on('GET', '/api/webhooks', () => ({ items: [] }));
  b.on('GET', '/api/rules/r1', () => rule);
  return b;
}

describe('a dry run the rule keeps from running', () => {
  it("lists the builder's own problems at the dry run (the rule name cleared), and nothing is sent", async () => {
    const b = backend();
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await u.clear(await screen.findByDisplayValue('Escalate'));
    await u.click(screen.getByRole('button', { name: 'Dry run' }));
    const blocked = await screen.findByTestId('dry-run-blocked');
    expect(blocked).toHaveAttribute('role', 'alert');
    expect(within(blocked).getByText(/did not run: the rule has 1 problem to fix/)).toBeInTheDocument();
    expect(blocked.textContent).toContain('Give the rule a name.');
    expect(b.callsTo('POST', '/api/rules/dry-run')).toHaveLength(0);
  });

  it("lists the backend's rule errors (a 400 naming rule.steps[0].body) at the dry run", async () => {
    const b = backend();
    b.on('POST', '/api/rules/dry-run', () => ({ status: 400, body: { title: 'Validation failed', status: 400, errors: { 'rule.steps[0].body': ['template error at line 1, column 7'] } } }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    await u.click(screen.getByRole('button', { name: 'Dry run' }));
    const blocked = await screen.findByTestId('dry-run-blocked');
    expect(blocked.textContent).toMatch(/Step 1.*template error at line 1, column 7/);
  });
});

describe('a dry run that ran', () => {
  it('is announced to screen readers in one sentence (a live status), not only drawn below', async () => {
    const b = backend();
    b.on('POST', '/api/rules/dry-run', () => ({ matched: true, trigger: { matched: true }, conditions: [], requests: [], errors: [{ path: 'steps[0].body', category: 'template_error', message: 'unknown variable' }] }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    await u.click(screen.getByRole('button', { name: 'Dry run' }));
    await screen.findByTestId('dry-run-result');
    const status = screen.getAllByRole('status').find((el) => /Dry run done/.test(el.textContent ?? ''));
    expect(status?.textContent).toBe('Dry run done: the rule matched; no request would be sent; 1 problem.');
  });
});
