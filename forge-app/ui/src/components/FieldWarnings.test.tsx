// Save-time warnings (docs/api.md "Save-time warnings") are shown at the field their path names, as warnings: the
// input is not marked invalid, nothing blocks the save, and a warning follows its step when steps are moved.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { RuleEditor } from './RuleEditor';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import type { Rule, RuleWarning } from '../api';

const rule: Rule = {
  id: 'r1',
  name: 'Sync',
  enabled: true,
  version: 3,
  definition: {
    name: 'Sync',
    enabled: true,
    trigger: { type: 'event', events: ['avi:jira:updated:issue'], fieldChanged: { field: 'stauts', to: 'Done' } },
    conditions: { all: [{ field: 'issue.fields.sumary', op: 'isNotEmpty' }] },
    steps: [
      { id: 'post', type: 'http', connection: 'conn-1', method: 'POST', path: '/items', headers: { 'X-Source': 'jira', Authorization: 'Bearer abc' }, query: { api_key: 'k' } },
      { id: 'hook', type: 'http', method: 'POST', url: 'https://api.example.com{{ issue.key }}' },
      { id: 'note', type: 'jira.comment', body: 'Seen {{ isue.key }}' },
    ],
  },
};
// Shapes and messages as the backend writes them (RuleWarnings: RuleLintTests, LiteralCredentialWarningTests).
const warnings: RuleWarning[] = [
  { path: 'trigger.fieldChanged.field', code: 'unknown_field', message: "Jira has no field called 'stauts', so this never matches a change. Did you mean 'status'?" },
  { path: 'conditions.all[0].field', code: 'unknown_field', message: "Jira has no field 'sumary', so this is always empty. Did you mean 'summary'?" },
  { path: 'steps[0].headers.Authorization', code: 'literal_credential', message: 'The header Authorization holds a credential written out in the rule.' },
  { path: 'steps[0].query.api_key', code: 'literal_credential', message: 'The query parameter api_key holds a credential written out in the rule.' },
  { path: 'steps[1].url', code: 'host_from_data', message: 'The host of this URL comes from data.' },
  { path: 'steps[2].body', code: 'unknown_scope_root', message: "'isue' is not part of the rule's data, so it is always empty. Did you mean 'issue'?" },
];

function backend() {
  const b = fakeBackend();
  b.on('GET', '/api/connections', () => ({ items: [{ id: 'conn-1', name: 'CRM', baseUrl: 'https://crm.example.com', auth: { type: 'bearer' }, secretSet: true }] }));
  b.on('GET', '/api/webhooks', () => ({ items: [] }));
  b.on('GET', '/api/rules/r1', () => rule);
  b.on('PUT', '/api/rules/r1', (req) => ({ ...rule, version: 4, definition: req.body, warnings }));
  b.on('POST', '/api/rules/validate', () => ({ valid: true, warnings }));
  return b;
}

/** The warnings shown at the input with this id. */
const warnedAt = (inputId: string) => [...document.querySelectorAll(`[data-field-warning="${inputId}"]`)].map((e) => e.textContent ?? '');

async function open() {
  backend();
  const u = user();
  render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
  await screen.findByDisplayValue('Sync');
  return u;
}

function expectAtFields() {
  expect(warnedAt('trigger-fieldChanged-field')).toEqual([`⚠Warning: ${warnings[0].message}`]);
  const condition = screen.getByRole('group', { name: 'Condition conditions.all[0]' });
  expect([...condition.querySelectorAll('[data-field-warning]')].map((e) => e.textContent)).toEqual([`⚠Warning: ${warnings[1].message}`]);
  // A header or query parameter's warning is at its row (the name input of that row).
  expect(warnedAt('step-0-headers-1-key')).toEqual([`⚠Warning: ${warnings[2].message}`]);
  expect(warnedAt('step-0-headers-0-key')).toEqual([]);
  expect(warnedAt('step-0-query-0-key')).toEqual([`⚠Warning: ${warnings[3].message}`]);
  expect(warnedAt('step-1-url')).toEqual([`⚠Warning: ${warnings[4].message}`]);
  expect(warnedAt('step-2-body')).toEqual([`⚠Warning: ${warnings[5].message}`]);
  // Warnings are not errors: no input is marked invalid, no error is shown, nothing asks to be fixed.
  expect(document.querySelectorAll('[aria-invalid="true"]')).toHaveLength(0);
  expect(document.querySelectorAll('[data-field-error]')).toHaveLength(0);
  expect(screen.queryByTestId('error-summary')).toBeNull();
  // A screen reader reads the warning with its input.
  expect(document.getElementById('step-1-url')?.getAttribute('aria-describedby')).toContain('step-1-url-error-0');
}

describe('save-time warnings at their fields', () => {
  it('after a save, each warning is shown at the field its path names', async () => {
    const u = await open();
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    expect(await screen.findByText('Saved version 4, with 6 warnings')).toBeInTheDocument();
    expectAtFields();
  });

  it('after "Check for problems" too; a warning follows its step when the steps are moved', async () => {
    const u = await open();
    await u.click(screen.getByRole('button', { name: 'Check for problems' }));
    expect(await screen.findByText('The rule is valid, with 6 warnings')).toBeInTheDocument();
    expectAtFields();
    await u.click(screen.getByRole('button', { name: 'Move step 2 up' }));
    expect(within(screen.getByRole('group', { name: 'Step 1' })).getByLabelText(/^URL/)).toHaveValue('https://api.example.com{{ issue.key }}');
    expect(warnedAt('step-0-url')).toEqual([`⚠Warning: ${warnings[4].message}`]);
    expect(warnedAt('step-1-headers-1-key')).toEqual([`⚠Warning: ${warnings[2].message}`]);
    expect(warnedAt('step-0-headers-1-key')).toEqual([]);
  });
});
