// A long rule stays usable: a problem listed in the summary at the top takes the admin to its field.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { RuleEditor } from './RuleEditor';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import type { Rule } from '../api';

// The longest list of steps the backend takes (RuleLimits.MaxSteps: 20 at the top level; the builder refuses more
// before a save, so a 50-step list never reaches the backend's answer this test fakes).
const steps = Array.from({ length: 20 }, (_, i) => ({ id: `fetch_${i + 1}`, type: 'jira.fetch', issue: `OPS-${i + 1}` }));
const rule: Rule = { id: 'r1', name: 'Fifty', enabled: true, version: 1, definition: { name: 'Fifty', enabled: true, trigger: { type: 'manual' }, steps } };

describe('the error summary of a 20-step rule', () => {
  it("links each problem to its field: 'Step 18 › issue' focuses step 18's issue input", async () => {
    const b = fakeBackend();
    b.on('GET', '/api/connections', () => ({ items: [] }));
    b.on('GET', '/api/webhooks', () => ({ items: [] }));
    b.on('GET', '/api/rules/r1', () => rule);
    b.on('PUT', '/api/rules/r1', () => ({ status: 400, body: { title: 'The rule is not valid', status: 400, errors: { 'steps[17].issue': ['template error at line 1, column 4'], name: ['is taken by another rule'] } } }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Fifty');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await u.click(await screen.findByRole('button', { name: 'Go to Step 18 › issue: template error at line 1, column 4' }));
    expect(document.activeElement?.id).toBe('step-17-issue');
    await u.click(screen.getByRole('button', { name: 'Go to name: is taken by another rule' }));
    expect(document.activeElement?.id).toBe('rule-name');
  }, 30000);
});

describe('a save refused with problems', () => {
  it('moves focus to the problems summary at the top, also when the Save pressed was the one at the bottom', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/connections', () => ({ items: [] }));
    b.on('GET', '/api/webhooks', () => ({ items: [] }));
    b.on('GET', '/api/rules/r1', () => ({ ...rule, definition: { ...rule.definition, steps: steps.slice(0, 3) } }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await u.clear(await screen.findByDisplayValue('Fifty'));
    const saves = screen.getAllByRole('button', { name: 'Save rule' });
    await u.click(saves[saves.length - 1]);
    const summary = await screen.findByTestId('error-summary');
    expect(document.activeElement).toBe(summary);
    expect(summary.textContent).toContain('Give the rule a name.');
  });
});
