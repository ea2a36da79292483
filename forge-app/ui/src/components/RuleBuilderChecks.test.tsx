// Save-time warnings, unique names (409 on the name field), "Load event from issue" following the trigger, and version
// authors by display name (requestJira, mocked bridge).
import React from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import { RuleEditor } from './RuleEditor';
import { ConnectionsPage } from './ConnectionsPage';
import { VersionHistory } from './VersionHistory';
import { fakeBackend } from '../test/fakeBackend';
import { choose, user } from '../test/utils';
import { clearDisplayNames } from '../lib/displayNames';
import type { Rule, RuleWarning } from '../api';

const bridge = vi.hoisted(() => ({ requestJira: undefined as undefined | ((path: string) => Promise<{ status: number; json: () => Promise<unknown> }>), calls: [] as string[] }));
vi.mock('@forge/bridge', () => ({
  get requestJira() {
    return bridge.requestJira;
  },
  invokeRemote: async () => {
    throw new Error('not in this test');
  },
  view: { getContext: async () => ({}), theme: { enable: async () => undefined } },
}));

beforeEach(() => {
  bridge.requestJira = undefined;
  bridge.calls = [];
  clearDisplayNames();
});

const connections = [{ id: 'conn-1', name: 'CRM', baseUrl: 'https://crm.example.com', auth: { type: 'bearer' }, secretSet: true }];
const savedRule: Rule = {
  id: 'r1',
  name: 'Escalate',
  enabled: true,
  version: 3,
  definition: {
    name: 'Escalate',
    enabled: true,
    trigger: { type: 'event', events: ['avi:jira:updated:issue'], fieldChanged: { field: 'stauts', to: 'Done' } },
    steps: [{ id: 'notify', type: 'http', connection: 'conn-1', method: 'POST', path: '/escalations', body: { key: '{{ isue.key }}' } }],
  },
};
const warnings: RuleWarning[] = [
  { path: 'trigger.fieldChanged.field', code: 'unknown_field', message: "Jira has no field called 'stauts', so this never matches a change. Did you mean 'status'?" },
  { path: 'steps[0].body.key', code: 'unknown_scope_root', message: "'isue' is not part of the rule's data, so it is always empty. Did you mean 'issue'?" },
];

function backend() {
  const b = fakeBackend();
  b.on('GET', '/api/connections', () => ({ items: connections }));
  b.on('GET', '/api/webhooks', () => ({ items: [] }));
  b.on('GET', '/api/rules/r1', () => savedRule);
  return b;
}

describe('save-time warnings', () => {
  it('after a save with warnings, stays open and shows each warning beside its section; Done goes back', async () => {
    const b = backend();
    b.on('PUT', '/api/rules/r1', (req) => ({ ...savedRule, version: 4, definition: req.body, warnings }));
    let saved: Rule | undefined;
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={(r) => (saved = r)} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);

    expect(await screen.findByText('Saved version 4, with 2 warnings')).toBeInTheDocument();
    const trigger = screen.getByTestId('warnings-trigger');
    expect(within(trigger).getByText(/Jira has no field called 'stauts'/)).toBeInTheDocument();
    expect(within(trigger).getByText('trigger › fieldChanged.field')).toBeInTheDocument();
    const steps = screen.getByTestId('warnings-steps');
    expect(within(steps).getByText('Step 1 › body.key')).toBeInTheDocument();
    expect(within(steps).getByText(/'isue' is not part of the rule's data/)).toBeInTheDocument();
    expect(screen.queryByTestId('warnings-conditions')).toBeNull();
    expect(saved).toBeUndefined();

    await u.click(screen.getByRole('button', { name: 'Done: back to the rules' }));
    expect(saved?.version).toBe(4);
  });

  it("a save whose only warnings say Jira could not be asked (fields, the schedule's JQL) goes back as usual", async () => {
    const b = backend();
    b.on('PUT', '/api/rules/r1', (req) => ({
      ...savedRule,
      version: 5,
      definition: req.body,
      warnings: [
        { path: '', code: 'fields_not_checked', message: "Jira's field list could not be read, so field names were not checked." },
        { path: 'trigger.schedule.jql', code: 'jql_not_checked', message: 'Jira could not be asked to check this JQL, so it was not checked.' },
      ],
    }));
    let saved: Rule | undefined;
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={(r) => (saved = r)} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await waitFor(() => expect(saved?.version).toBe(5));
  });

  it('a save whose only warning is that field names were not checked goes back as usual', async () => {
    const b = backend();
    b.on('PUT', '/api/rules/r1', (req) => ({
      ...savedRule,
      version: 4,
      definition: req.body,
      warnings: [{ path: '', code: 'fields_not_checked', message: "Jira's field list could not be read, so field names were not checked." }],
    }));
    let saved: Rule | undefined;
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={(r) => (saved = r)} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await waitFor(() => expect(saved?.version).toBe(4));
  });

  it('a first save with warnings keeps editing the created rule: the next save updates it', async () => {
    const b = backend();
    b.on('POST', '/api/rules', (req) => ({ status: 201, body: { ...savedRule, id: 'r9', version: 1, definition: req.body, warnings: [warnings[1]] } }));
    b.on('PUT', '/api/rules/r9', (req) => ({ ...savedRule, id: 'r9', version: 2, definition: req.body }));
    let saved: Rule | undefined;
    const u = user();
    render(<RuleEditor initial={savedRule.definition} readOnly={false} onSaved={(r) => (saved = r)} onCancel={() => undefined} />);
    await u.click((await screen.findAllByRole('button', { name: 'Create rule' }))[0]);
    expect(await screen.findByText('Saved version 1, with 1 warning')).toBeInTheDocument();
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await waitFor(() => expect(saved?.id).toBe('r9'));
    expect(b.callsTo('POST', '/api/rules')).toHaveLength(1);
    expect(b.callsTo('PUT', '/api/rules/r9')).toHaveLength(1);
  });

  it('"Check for problems" validates without saving and says when there is nothing to fix', async () => {
    const b = backend();
    let answer: RuleWarning[] = warnings;
    b.on('POST', '/api/rules/validate', () => ({ valid: true, warnings: answer }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    await u.click(screen.getByRole('button', { name: 'Check for problems' }));
    expect(await screen.findByText('The rule is valid, with 2 warnings')).toBeInTheDocument();
    expect(b.callsTo('POST', '/api/rules/validate')[0].body).toMatchObject({ name: 'Escalate', trigger: { fieldChanged: { field: 'stauts' } } });
    expect(b.callsTo('PUT', '/api/rules/r1')).toHaveLength(0);

    answer = [];
    await u.click(screen.getByRole('button', { name: 'Check for problems' }));
    expect(await screen.findByText('No problems found')).toBeInTheDocument();
    expect(screen.queryByTestId('warnings-steps')).toBeNull();
  });
});

describe('unique names', () => {
  const conflict = (what: string) => ({
    status: 409,
    body: {
      title: 'Conflict',
      status: 409,
      detail: `Another ${what} (x_1) already has this name. Choose a different name.`,
      errors: { name: [`another ${what} already has this name; ${what} names must be unique (ignoring case and surrounding spaces)`] },
    },
  });

  it('shows a rule name conflict on the name field', async () => {
    const b = backend();
    b.on('PUT', '/api/rules/r1', () => conflict('rule'));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    const name = await screen.findByDisplayValue('Escalate');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    const message = await screen.findAllByText(/another rule already has this name/);
    expect(message.length).toBeGreaterThan(0);
    expect(name.getAttribute('aria-describedby')).toContain('rule-name-error-0');
  });

  it('shows a connection name conflict on the name field', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/connections', () => ({ items: connections }));
    b.on('POST', '/api/connections', () => conflict('connection'));
    const u = user();
    render(<ConnectionsPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'New connection' }));
    const name = screen.getByLabelText(/^Name/);
    await u.type(name, 'crm');
    const url = screen.getByLabelText(/^Base URL/);
    await u.clear(url);
    await u.type(url, 'https://crm2.example.com');
    await choose(u, 'conn-authType', 'Bearer token');
    await u.type(screen.getByLabelText(/^Bearer token/), 'tok');
    await u.click(screen.getByRole('button', { name: 'Create connection' }));
    await screen.findByText(/another connection already has this name/);
    expect(name.getAttribute('aria-describedby')).toContain('conn-name-error-0');
  });
});

describe('load event from issue', () => {
  it('asks for the trigger’s event type and field change', async () => {
    const b = backend();
    b.on('GET', /^\/api\/issues\/OPS-7\/sample-event/, () => ({ eventType: 'avi:jira:updated:issue', issue: { key: 'OPS-7' } }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await u.type(await screen.findByLabelText(/^Issue key/), 'ops-7');
    await u.click(screen.getByRole('button', { name: 'Load event from issue' }));
    expect(await screen.findByText('Loaded a sample event for OPS-7.')).toBeInTheDocument();
    expect(b.calls.find((c) => c.path.startsWith('/api/issues/OPS-7/sample-event'))?.path).toBe(
      '/api/issues/OPS-7/sample-event?eventType=avi%3Ajira%3Aupdated%3Aissue&field=stauts&to=Done',
    );
  });
});

describe('version authors', () => {
  it('shows display names from Jira (as the signed-in user), and the account id when Jira does not answer', async () => {
    bridge.requestJira = async (path: string) => {
      bridge.calls.push(path);
      const known = path === '/rest/api/3/user?accountId=557058%3Aana';
      return { status: known ? 200 : 404, json: async () => (known ? { accountId: '557058:ana', displayName: 'Ana Lima', active: true } : {}) };
    };
    const b = fakeBackend();
    b.on('GET', '/api/rules/r1/versions', () => ({
      items: [
        { version: 3, createdAt: '2026-01-03T00:00:00Z', createdBy: '557058:ana' },
        { version: 2, createdAt: '2026-01-02T00:00:00Z', createdBy: '557058:gone' },
        { version: 1, createdAt: '2026-01-01T00:00:00Z', createdBy: '557058:ana' },
      ],
    }));
    render(<VersionHistory ruleId="r1" ruleName="R" currentVersion={3} readOnly onClose={() => undefined} onRestored={() => undefined} />);
    expect(await screen.findAllByText('Ana Lima')).toHaveLength(2);
    expect(screen.getByText('557058:gone')).toBeInTheDocument();
    expect(bridge.calls.filter((c) => c.includes('557058%3Aana'))).toHaveLength(1);
  });

  it('shows the account id outside Jira (no requestJira)', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules/r1/versions', () => ({ items: [{ version: 1, createdAt: '2026-01-01T00:00:00Z', createdBy: '557058:ana' }] }));
    render(<VersionHistory ruleId="r1" ruleName="R" currentVersion={1} readOnly onClose={() => undefined} onRestored={() => undefined} />);
    expect(await screen.findByText('557058:ana')).toBeInTheDocument();
  });
});
