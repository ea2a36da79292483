import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { RulesPage } from './RulesPage';
import { RuleEditor } from './RuleEditor';
import { RunDetail } from './RunsPage';
import { VersionHistory } from './VersionHistory';
import { TemplateField } from './SmartValuePicker';
import { fakeBackend } from '../test/fakeBackend';
import { choose, user } from '../test/utils';
import { exportRule } from '../lib/ruleFiles';

const connections = [
  { id: 'conn-1', name: 'Webhook', baseUrl: 'https://hooks.example.com', auth: { type: 'none' }, secretSet: false },
  { id: 'conn-ai', name: 'OpenAI', baseUrl: 'https://api.openai.com/v1', auth: { type: 'bearer' }, secretSet: true, provider: 'openai' },
];
const rules = [
  { id: 'r1', name: 'Escalate', enabled: true, version: 2, triggerType: 'event' },
  { id: 'r2', name: 'Nightly report', enabled: false, version: 1, triggerType: 'schedule' },
];

function backend() {
  const b = fakeBackend();
  b.on('GET', '/api/rules', () => ({ items: rules }));
  b.on('GET', '/api/connections', () => ({ items: connections }));
  b.on('GET', '/api/webhooks', () => ({ items: [] }));
  return b;
}

function Template() {
  const [value, setValue] = useState('Issue  moved');
  return (
    <>
      <TemplateField id="t" label="Message" value={value} onChange={setValue} />
      <output data-testid="out">{value}</output>
    </>
  );
}

describe('smart-value picker', () => {
  it('inserts {{ … }} at the caret, with a filter, and searches the scope', async () => {
    const u = user();
    render(<Template />);
    const input = screen.getByLabelText(/^Message/) as HTMLInputElement;
    input.focus();
    input.setSelectionRange(6, 6);
    await u.click(screen.getByRole('button', { name: 'Insert a smart value into Message' }));
    const dialog = screen.getByRole('dialog', { name: 'Smart values for Message' });
    await u.type(within(dialog).getByLabelText('Search smart values'), 'key');
    expect(within(dialog).queryByText('Summary')).toBeNull();
    await u.click(within(dialog).getByText('Issue key'));
    expect(screen.getByTestId('out')).toHaveTextContent('Issue {{ issue.key }} moved');
    expect(screen.queryByRole('dialog')).toBeNull();

    // Again at the end, with a filter. The picker places the caret in a requestAnimationFrame after inserting:
    // let that run first, or (on a busy machine) it lands after the selection set below and moves the caret.
    await new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)));
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    await u.click(screen.getByRole('button', { name: 'Insert a smart value into Message' }));
    await choose(u, 't-smart-filter', 'UPPER CASE');
    await u.click(within(screen.getByRole('dialog')).getByText('Summary'));
    expect(screen.getByTestId('out').textContent).toBe('Issue {{ issue.key }} moved{{ issue.fields.summary | upcase }}');
  });

  it('offers only the steps before the current one', async () => {
    backend();
    const u = user();
    render(
      <RuleEditor
        readOnly={false}
        onSaved={() => undefined}
        onCancel={() => undefined}
        initial={{
          name: 'Rule',
          trigger: { type: 'manual' },
          steps: [
            { id: 'first', type: 'http', connection: 'conn-1', path: '/' },
            { id: 'second', type: 'jira.comment', body: 'x' },
          ],
        }}
      />,
    );
    await screen.findByDisplayValue('Rule');
    await u.click(screen.getByRole('button', { name: 'Insert a smart value into Path' }));
    expect(within(screen.getByRole('dialog')).queryByText(/Step “first”/)).toBeNull();
    await u.click(screen.getByRole('button', { name: 'Insert a smart value into Path' }));
    await u.click(screen.getByRole('button', { name: 'Insert a smart value into Comment' }));
    expect(within(screen.getByRole('dialog')).getByText(/Step “first”/)).toBeInTheDocument();
    expect(within(screen.getByRole('dialog')).queryByText(/Step “second”/)).toBeNull();
  });
});

describe('rules list tools', () => {
  it('shows the trigger column and filters by the search box', async () => {
    backend();
    const u = user();
    render(<RulesPage readOnly={false} />);
    const table = await screen.findByRole('table');
    expect(within(table).getByText('Schedule')).toBeInTheDocument();
    await u.type(screen.getByLabelText('Search rules'), 'nightly');
    expect(within(screen.getByRole('table')).queryByText('Escalate')).toBeNull();
    await u.clear(screen.getByLabelText('Search rules'));
    await u.type(screen.getByLabelText('Search rules'), 'zzz');
    expect(await screen.findByText('No rule matches')).toBeInTheDocument();
  });

  it('template gallery: using a template opens the editor pre-filled, connections left to pick', async () => {
    const b = backend();
    b.on('POST', '/api/rules', (req) => ({ status: 201, body: { id: 'new', name: (req.body as { name: string }).name, enabled: true, version: 1, definition: req.body } }));
    const u = user();
    render(<RulesPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'From a template' }));
    const gallery = screen.getByRole('list', { name: 'Rule templates' });
    expect(within(gallery).getAllByRole('listitem').length).toBeGreaterThanOrEqual(6);
    await u.click(screen.getByRole('button', { name: 'Use template Notify a webhook when an issue is done' }));
    expect(await screen.findByDisplayValue('Notify the webhook when an OPS issue is done')).toBeInTheDocument();
    await u.click(screen.getAllByRole('button', { name: 'Create rule' })[0]);
    expect(await screen.findAllByText('Choose a connection.')).not.toHaveLength(0);
    await choose(u, 'step-0-connection', /Webhook/);
    await u.click(screen.getAllByRole('button', { name: 'Create rule' })[0]);
    await waitFor(() => expect(b.callsTo('POST', '/api/rules')).toHaveLength(1));
    expect(b.callsTo('POST', '/api/rules')[0].body).toMatchObject({ trigger: { fieldChanged: { field: 'status', to: 'Done' } }, steps: [{ connection: 'conn-1' }] });
  });

  it('import: matches connections by name and explains what it could not match', async () => {
    backend();
    const file = exportRule(
      { name: 'Imported', trigger: { type: 'manual' }, steps: [{ id: 'a', type: 'http', connection: 'other-1', path: '/' }, { id: 'b', type: 'ai.chat', connection: 'other-2', model: 'm', prompt: 'p' }] },
      [
        { id: 'other-1', name: 'webhook', baseUrl: 'x', auth: { type: 'none' }, secretSet: false },
        { id: 'other-2', name: 'Claude', baseUrl: 'y', auth: { type: 'none' }, secretSet: false, provider: 'anthropic' },
      ],
    );
    render(<RulesPage readOnly={false} />);
    await screen.findByRole('table');
    const input = screen.getByLabelText('Rule file to import') as HTMLInputElement;
    const blob = new File([JSON.stringify(file)], 'imported.blubees.json', { type: 'application/json' });
    Object.defineProperty(blob, 'text', { value: async () => JSON.stringify(file) });
    fireEvent.change(input, { target: { files: [blob] } });
    const notes = await screen.findByTestId('rule-notes');
    expect(notes).toHaveTextContent('Imported from imported.blubees.json');
    expect(notes).toHaveTextContent('Step 2 (b): no connection here is named “Claude”');
    expect(await screen.findByDisplayValue('Imported')).toBeInTheDocument();
    expect(document.querySelector('[data-select-id="step-0-connection"]')).toHaveTextContent('Webhook');
  });

  it('duplicate opens a copy of the rule as a new rule', async () => {
    const b = backend();
    b.on('GET', '/api/rules/r1', () => ({ id: 'r1', name: 'Escalate', enabled: true, version: 2, definition: { name: 'Escalate', trigger: { type: 'manual' }, steps: [{ id: 'a', type: 'jira.fetch' }] } }));
    const u = user();
    render(<RulesPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'Duplicate rule Escalate' }));
    expect(await screen.findByDisplayValue('Copy of Escalate')).toBeInTheDocument();
    expect(screen.getAllByRole('button', { name: 'Create rule' }).length).toBeGreaterThan(0);
  });
});

describe('dry run follows the trigger', () => {
  it('builds the sample from the trigger, keeps following it until edited, and notes step values', async () => {
    const b = backend();
    b.on('POST', '/api/rules/dry-run', () => ({ matched: true, trigger: { matched: true }, requests: [{ stepId: 'notify', method: 'POST', url: 'https://hooks.example.com/', body: { label: '' } }], errors: [{ path: 'steps[1].fields', message: 'x' }] }));
    const u = user();
    render(
      <RuleEditor
        readOnly={false}
        onSaved={() => undefined}
        onCancel={() => undefined}
        initial={{
          name: 'x',
          trigger: { type: 'event', events: ['avi:jira:updated:issue'], projects: ['OPS'], fieldChanged: { field: 'status', to: 'Done' } },
          steps: [
            { id: 'notify', type: 'http', connection: 'conn-1', path: '/', body: { s: '{{ issue.key }}' } },
            { id: 'label', type: 'jira.edit', fields: { labels: '{{ steps.notify.body.label }}' } },
          ],
        }}
      />,
    );
    const event = (await screen.findByLabelText(/^Event JSON/)) as HTMLTextAreaElement;
    const parsed = JSON.parse(event.value);
    expect(parsed).toMatchObject({ eventType: 'avi:jira:updated:issue', issue: { key: 'OPS-1' }, changelog: { items: [{ field: 'status', toString: 'Done' }] } });
    // Changing the trigger's projects regenerates the untouched sample.
    await u.clear(screen.getByLabelText(/^Projects/));
    await u.type(screen.getByLabelText(/^Projects/), 'WEB');
    await waitFor(() => expect(JSON.parse((screen.getByLabelText(/^Event JSON/) as HTMLTextAreaElement).value).issue.key).toBe('WEB-1'));
    await u.click(screen.getByRole('button', { name: 'Dry run' }));
    expect(await screen.findByTestId('dry-run-step-note')).toHaveTextContent('steps.notify');
    const result = screen.getByTestId('dry-run-result');
    expect(within(result).getByText(/step 1: notify/)).toBeInTheDocument();
    expect(within(result).getByText('Step 2 › fields')).toBeInTheDocument();
  });
});

describe('run errors in plain language', () => {
  it('explains each step error with a fix, numbering steps from 1', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/runs/run1', () => ({
      id: 'run1', ruleId: 'r1', startedAt: '2026-01-01T00:00:00Z', status: 'failed',
      steps: [
        { id: 'classify', type: 'ai.chat', statusCode: 200, errorCategory: null },
        { id: 'label', type: 'jira.edit', errorCategory: 'system_token_missing' },
      ],
    }));
    render(<RunDetail runId="run1" onBack={() => undefined} />);
    const problems = await screen.findByTestId('run-problems');
    expect(problems).toHaveTextContent('Step 2 (label): No Jira access for this run');
    expect(problems).toHaveTextContent('What to do:');
    expect(screen.getByText('Step 2: label (jira.edit)')).toBeInTheDocument();
  });
});

describe('version history', () => {
  it('shows who saved each version (the author field, else the account id)', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules/r1/versions', () => ({ items: [{ version: 2, createdAt: '2026-01-02T00:00:00Z', createdBy: 'acc-2', createdByName: 'Ana' }, { version: 1, createdAt: '2026-01-01T00:00:00Z', createdBy: 'acc-1' }] }));
    render(<VersionHistory ruleId="r1" ruleName="R" currentVersion={2} readOnly onClose={() => undefined} onRestored={() => undefined} />);
    expect(await screen.findByText('Ana')).toBeInTheDocument();
    expect(screen.getByText('acc-1')).toBeInTheDocument();
  });
});
