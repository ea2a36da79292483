import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import { RuleEditor } from './RuleEditor';
import { fakeBackend } from '../test/fakeBackend';
import { choose, user } from '../test/utils';
import type { Rule } from '../api';

const connections = [{ id: 'conn-1', name: 'CRM', baseUrl: 'https://crm.example.com', auth: { type: 'bearer' }, secretSet: true }];
const savedRule: Rule = {
  id: 'r1',
  name: 'Escalate',
  enabled: true,
  version: 3,
  definition: {
    name: 'Escalate',
    enabled: true,
    trigger: { type: 'event', events: ['avi:jira:updated:issue'] },
    conditions: { all: [{ field: 'issue.fields.priority.name', op: 'equals', value: 'High' }] },
    steps: [{ id: 'notify', type: 'http', connection: 'conn-1', method: 'POST', path: '/escalations', body: { key: '{{ issue.key }}' } }],
  },
};

function backendWithBasics() {
  const backend = fakeBackend();
  backend.on('GET', '/api/connections', () => ({ items: connections }));
  backend.on('GET', '/api/webhooks', () => ({ items: [] }));
  backend.on('GET', '/api/rules/r1', () => savedRule);
  return backend;
}

describe('rule editor', () => {
  it('creates a rule from the form, with a templated JSON body', async () => {
    const backend = backendWithBasics();
    backend.on('POST', '/api/rules', (req) => ({ status: 201, body: { id: 'new', name: 'Sync', enabled: true, version: 1, definition: req.body } }));
    let saved: Rule | undefined;
    const u = user();
    render(<RuleEditor readOnly={false} onSaved={(r) => (saved = r)} onCancel={() => undefined} />);
    await u.type(await screen.findByLabelText(/^Name/), 'Sync');
    await choose(u, 'step-0-connection', 'CRM (https://crm.example.com)');
    const path = screen.getByLabelText(/^Path/);
    await u.clear(path);
    await u.type(path, '/issues');
    await u.click(screen.getByLabelText(/^JSON body/));
    await u.paste('{"summary": "{{ issue.fields.summary }}"}');
    await u.click(screen.getAllByRole('button', { name: 'Create rule' })[0]);
    await waitFor(() => expect(saved).toBeDefined());
    expect(backend.callsTo('POST', '/api/rules')[0].body).toEqual({
      name: 'Sync',
      enabled: true,
      trigger: { type: 'event', events: ['avi:jira:created:issue'] },
      steps: [{ id: 'step_1', type: 'http', connection: 'conn-1', method: 'POST', path: '/issues', body: { summary: '{{ issue.fields.summary }}' } }],
    });
  });

  it('shows backend validation errors (ProblemDetails keyed by JSON path) next to the field and in a summary', async () => {
    const backend = backendWithBasics();
    backend.on('PUT', '/api/rules/r1', () => ({
      status: 400,
      body: {
        title: 'The rule is not valid',
        status: 400,
        errors: { 'steps[0].path': ['Unknown template variable issue.nope'], 'conditions.all[0].value': ['Unknown priority'] },
      },
    }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);

    const step = await screen.findByRole('group', { name: 'Step 1' });
    expect(within(step).getByText('Unknown template variable issue.nope')).toBeInTheDocument();
    const pathInput = within(step).getByLabelText(/^Path/);
    expect(pathInput.getAttribute('aria-describedby')?.split(' ')[0]).toBe('step-0-path-error-0');
    const cond = screen.getByRole('group', { name: 'Condition conditions.all[0]' });
    expect(within(cond).getByText('Unknown priority')).toBeInTheDocument();
    expect(screen.getByText('2 problems to fix')).toBeInTheDocument();
  });

  it('shows backend errors of a bare condition (rule or step) and of a trigger list item next to their fields', async () => {
    const backend = backendWithBasics();
    const bare: Rule = {
      ...savedRule,
      definition: {
        ...savedRule.definition,
        trigger: { type: 'event', events: ['avi:jira:updated:issue'], projects: ['OPS', 'X'.repeat(300)] },
        conditions: { field: 'issue.fields.priority.name', op: 'equals', value: 'High' },
        steps: [{ ...savedRule.definition.steps[0], if: { field: 'issue.fields.labels', op: 'contains', value: 'vip' } }],
      },
    };
    backend.on('GET', '/api/rules/r1', () => bare);
    backend.on('PUT', '/api/rules/r1', () => ({
      status: 400,
      body: {
        title: 'The rule is not valid',
        status: 400,
        errors: {
          'conditions.value': ['Unknown priority'],
          'steps[0].if.field': ['Unknown field'],
          'trigger.projects[1]': ['must be a non-empty name of at most 255 characters'],
        },
      },
    }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);

    const cond = await screen.findByRole('group', { name: 'Condition conditions.all[0]' });
    expect(await within(cond).findByText('Unknown priority')).toBeInTheDocument();
    const stepCond = screen.getByRole('group', { name: 'Condition steps[0].if.all[0]' });
    expect(within(stepCond).getByText('Unknown field')).toBeInTheDocument();
    const projects = screen.getByLabelText(/^Projects/);
    expect(projects.getAttribute('aria-describedby')).toBeTruthy();
    expect(document.getElementById(projects.getAttribute('aria-describedby')!.split(' ')[0])?.textContent).toBe('Value 2: must be a non-empty name of at most 255 characters');
    expect(backend.callsTo('PUT', '/api/rules/r1')[0].body).toMatchObject({ conditions: bare.definition.conditions, steps: [{ if: (bare.definition.steps[0] as Record<string, unknown>).if }] });
  });

  it('shows a webhook trigger whose webhook is not in the list as that id, not as unset, and saves it unchanged', async () => {
    const backend = backendWithBasics();
    backend.on('GET', '/api/webhooks', () => ({ items: [{ id: 'wh_other', name: 'Other' }] }));
    backend.on('GET', '/api/rules/r1', () => ({ ...savedRule, definition: { ...savedRule.definition, trigger: { type: 'webhook', webhookId: 'wh_gone' } } }));
    backend.on('PUT', '/api/rules/r1', (req) => ({ status: 200, body: { ...savedRule, definition: req.body } }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    expect(await screen.findByText('wh_gone (not found)')).toBeInTheDocument();
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await waitFor(() => expect(backend.callsTo('PUT', '/api/rules/r1')).toHaveLength(1));
    expect(backend.callsTo('PUT', '/api/rules/r1')[0].body).toMatchObject({ trigger: { type: 'webhook', webhookId: 'wh_gone' } });
  });

  it('lists a stored step\'s property its form does not show, with the backend\'s error beside it, and removes it without JSON', async () => {
    const backend = backendWithBasics();
    const stray: Rule = { ...savedRule, definition: { ...savedRule.definition, steps: [{ ...savedRule.definition.steps[0], issue: 'OPS-1' }] } };
    backend.on('GET', '/api/rules/r1', () => stray);
    let puts = 0;
    backend.on('PUT', '/api/rules/r1', (req) =>
      ++puts === 1
        ? { status: 400, body: { title: 'The rule is not valid', status: 400, errors: { 'steps[0].issue': ["is not used by a step of type 'http'"] } } }
        : { status: 200, body: { ...savedRule, definition: req.body } },
    );
    let saved: Rule | undefined;
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={(r) => (saved = r)} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    const other = await screen.findByRole('group', { name: 'Other properties of step 1' });
    expect(within(other).getByText("is not used by a step of type 'http'")).toBeInTheDocument();
    expect(within(screen.getByRole('group', { name: 'Step 1' })).getByRole('group', { name: 'Other properties of step 1' })).toBe(other);
    await u.click(within(other).getByRole('button', { name: 'Remove issue from step 1' }));
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await waitFor(() => expect(saved).toBeDefined());
    // `enabled`, not changed here, is left out (the backend keeps the rule's state: EnabledElsewhere.test.tsx).
    expect(backend.callsTo('PUT', '/api/rules/r1')[1].body).toEqual({ ...savedRule.definition, enabled: undefined });
  });

  it('keeps a step of a kind without a form (a future kind) as JSON, with a link to the format, saves it unchanged, and shows its backend errors beneath it', async () => {
    const backend = backendWithBasics();
    const comment = { id: 'comment', type: 'jira.worklog', body: 'Escalated {{ issue.key }}' };
    backend.on('GET', '/api/rules/r1', () => ({ ...savedRule, definition: { ...savedRule.definition, steps: [...savedRule.definition.steps, comment] } }));
    backend.on('PUT', '/api/rules/r1', () => ({ status: 400, body: { title: 'The rule is not valid', status: 400, errors: { 'steps[1].body': ['is too long'] } } }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');

    const step = screen.getByRole('group', { name: 'Step 2' });
    expect(within(step).getByText('Step 2: jira.worklog')).toBeInTheDocument();
    expect(within(step).getByRole('link', { name: /rule format/ })).toHaveAttribute('href', expect.stringContaining('#the-rule-format'));
    expect(JSON.parse((within(step).getByLabelText(/^Step definition/) as HTMLTextAreaElement).value)).toEqual({ type: 'jira.worklog', body: 'Escalated {{ issue.key }}' });
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);

    await waitFor(() => expect(backend.callsTo('PUT', '/api/rules/r1')).toHaveLength(1));
    expect((backend.callsTo('PUT', '/api/rules/r1')[0].body as { steps: unknown[] }).steps[1]).toEqual(comment);
    expect(await within(step).findByText('body: is too long')).toBeInTheDocument();
  });

  it('checks the JSON body locally before saving', async () => {
    const backend = backendWithBasics();
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    const body = await screen.findByLabelText(/^JSON body/);
    await u.clear(body);
    await u.click(body);
    await u.paste('{"broken": ');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    expect((await screen.findAllByText(/The body is not valid JSON/)).length).toBeGreaterThan(0);
    expect(backend.callsTo('PUT', '/api/rules/r1')).toHaveLength(0);
  });

  it('dry-runs the edited rule against pasted JSON and shows the requests with masked secrets', async () => {
    const backend = backendWithBasics();
    backend.on('POST', '/api/rules/dry-run', () => ({
      matched: true,
      trigger: { matched: true },
      conditions: [{ path: 'conditions.all[0]', description: 'priority equals High', passed: true }],
      requests: [{ stepId: 'notify', method: 'POST', url: 'https://crm.example.com/escalations', headers: { Authorization: 'Bearer ••••••' }, body: { key: 'DEMO-1' } }],
      errors: [],
    }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    const event = screen.getByLabelText(/^Event JSON/);
    await u.clear(event);
    await u.click(event);
    await u.paste('{"eventType":"avi:jira:updated:issue","issue":{"key":"DEMO-1","fields":{"priority":{"name":"High"}}}}');
    await u.click(screen.getByRole('button', { name: 'Dry run' }));
    const result = await screen.findByTestId('dry-run-result');
    expect(within(result).getByText('matched')).toBeInTheDocument();
    expect(within(result).getByText('POST https://crm.example.com/escalations')).toBeInTheDocument();
    expect(within(result).getByText('Authorization: Bearer ••••••')).toBeInTheDocument();
    const sent = backend.callsTo('POST', '/api/rules/dry-run')[0].body as { rule: { name: string }; event: { issue: { key: string } } };
    expect(sent.rule.name).toBe('Escalate');
    expect(sent.event.issue.key).toBe('DEMO-1');
  });

  it('shows a dry run\'s rule errors (named from the body: rule.steps[0].path) next to the field', async () => {
    const backend = backendWithBasics();
    backend.on('POST', '/api/rules/dry-run', () => ({
      status: 400,
      body: { title: 'Validation failed', status: 400, errors: { 'rule.steps[0].path': ['template error at line 1, column 3'], 'event.issue': ['must be an object'] } },
    }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    const event = screen.getByLabelText(/^Event JSON/);
    await u.clear(event);
    await u.click(event);
    await u.paste('{"eventType":"avi:jira:updated:issue","issue":{"key":"DEMO-1"}}');
    await u.click(screen.getByRole('button', { name: 'Dry run' }));

    const step = await screen.findByRole('group', { name: 'Step 1' });
    expect(await within(step).findByText('template error at line 1, column 3')).toBeInTheDocument();
    expect(within(step).getByLabelText(/^Path/).getAttribute('aria-describedby')?.split(' ')[0]).toBe('step-0-path-error-0');
    expect(await screen.findByText(/must be an object/)).toBeInTheDocument();
  });

  it('loads a sample event by issue key, and degrades gracefully when the endpoint answers 404', async () => {
    const backend = backendWithBasics();
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Escalate');
    await u.type(screen.getByLabelText(/^Issue key/), 'abc-12');
    await u.click(screen.getByRole('button', { name: 'Load event from issue' }));
    expect(await screen.findByText(/No sample event is available for ABC-12/)).toBeInTheDocument();
    // The saved rule's trigger: updated issues, no changed field.
    expect(backend.calls.some((c) => c.path === '/api/issues/ABC-12/sample-event?eventType=avi%3Ajira%3Aupdated%3Aissue')).toBe(true);

    backend.on('GET', '/api/issues/ABC-12/sample-event', () => ({ eventType: 'avi:jira:created:issue', issue: { key: 'ABC-12' } }));
    await u.click(screen.getByRole('button', { name: 'Load event from issue' }));
    expect(await screen.findByText('Loaded a sample event for ABC-12.')).toBeInTheDocument();
    expect((screen.getByLabelText(/^Event JSON/) as HTMLTextAreaElement).value).toContain('"ABC-12"');
  });

  it('rejects invalid pasted event JSON without calling the backend', async () => {
    const backend = backendWithBasics();
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    const event = await screen.findByLabelText(/^Event JSON/);
    await u.clear(event);
    await u.type(event, 'not json');
    await u.click(screen.getByRole('button', { name: 'Dry run' }));
    expect(await screen.findByText(/The event is not valid JSON/)).toBeInTheDocument();
    expect(backend.callsTo('POST', '/api/rules/dry-run')).toHaveLength(0);
  });

  it('edits nested condition groups', async () => {
    const backend = backendWithBasics();
    backend.on('PUT', '/api/rules/r1', (req) => ({ ...savedRule, definition: req.body }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    const root = await screen.findByRole('group', { name: 'Conditions' });
    await u.click(within(root).getAllByRole('button', { name: 'Add group' })[0]);
    const group = await screen.findByRole('group', { name: 'Condition group at conditions.all[1]' });
    await u.type(within(group).getByLabelText('Field'), 'issue.fields.labels');
    await choose(u, within(group).getByLabelText('Operator').id, 'is empty');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await waitFor(() => expect(backend.callsTo('PUT', '/api/rules/r1')).toHaveLength(1));
    expect((backend.callsTo('PUT', '/api/rules/r1')[0].body as { conditions: unknown }).conditions).toEqual({
      all: [{ field: 'issue.fields.priority.name', op: 'equals', value: 'High' }, { any: [{ field: 'issue.fields.labels', op: 'isEmpty' }] }],
    });
  });

  it('renders read-only without save controls', async () => {
    backendWithBasics();
    render(<RuleEditor ruleId="r1" readOnly onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByText('You are viewing this rule read-only.');
    expect(screen.queryByRole('button', { name: 'Save rule' })).toBeNull();
    expect(screen.getByLabelText(/^Name/)).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Add condition' })).toBeNull();
  });
});

describe('dry run issue key', () => {
  it('loads the sample on Enter instead of saving the rule', async () => {
    const backend = backendWithBasics();
    backend.on('GET', '/api/issues/ABC-1/sample-event', () => ({ eventType: 'avi:jira:created:issue', issue: { key: 'ABC-1' } }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await u.type(await screen.findByLabelText(/^Issue key/), 'ABC-1{Enter}');
    expect(await screen.findByText('Loaded a sample event for ABC-1.')).toBeInTheDocument();
    expect(backend.callsTo('PUT', '/api/rules/r1')).toHaveLength(0);
  });
});
