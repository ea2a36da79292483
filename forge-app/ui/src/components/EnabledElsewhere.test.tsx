// Enabling or disabling a rule from the rules list is not a new version, so an editor open on the rule meanwhile cannot
// tell (its baseVersion still matches): a save must not put back the enabled state the editor opened with.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import { RuleEditor } from './RuleEditor';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import { api, type Rule, type RuleDefinition } from '../api';

const opened: Rule = {
  id: 'r1',
  name: 'Escalate',
  enabled: true,
  version: 3,
  definition: { name: 'Escalate', enabled: true, trigger: { type: 'manual' }, steps: [{ id: 'note', type: 'jira.comment', body: 'Escalated' }] },
};

function backend() {
  // The backend keeps the head's enabled state when a PUT leaves `enabled` out (RuleService.UpdateAsync).
  let enabled = true;
  const b = fakeBackend();
  b.on('GET', '/api/connections', () => ({ items: [] }));
  b.on('GET', '/api/webhooks', () => ({ items: [] }));
  b.on('GET', '/api/rules/r1', () => opened);
  b.on('POST', '/api/rules/r1/disable', () => ((enabled = false), { ...opened, enabled }));
  b.on('PUT', '/api/rules/r1', (req) => {
    const body = req.body as RuleDefinition;
    enabled = body.enabled ?? enabled;
    return { ...opened, version: 4, enabled, name: body.name, definition: { ...body, enabled } };
  });
  return { b, enabled: () => enabled };
}

describe('a rule disabled from the list while its editor is open', () => {
  it('stays disabled when the editor saves another change', async () => {
    const { b, enabled } = backend();
    let saved: Rule | undefined;
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={(r) => (saved = r)} onCancel={() => undefined} />);
    await u.type(await screen.findByDisplayValue('Escalate'), ' now');
    // Another administrator (or another tab) disables it meanwhile.
    await api.setRuleEnabled('r1', false);
    expect(enabled()).toBe(false);

    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await waitFor(() => expect(saved).toBeDefined());
    expect(enabled()).toBe(false);
    expect(b.callsTo('PUT', '/api/rules/r1')[0].body).not.toHaveProperty('enabled');
  });

  it('is enabled or disabled by the editor when the admin changes the toggle there', async () => {
    const { b, enabled } = backend();
    let saved: Rule | undefined;
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={(r) => (saved = r)} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    await u.click(screen.getByLabelText('Enabled'));
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await waitFor(() => expect(saved).toBeDefined());
    expect(b.callsTo('PUT', '/api/rules/r1')[0].body).toMatchObject({ enabled: false });
    expect(enabled()).toBe(false);
  });
});
