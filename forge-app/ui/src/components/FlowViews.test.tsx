import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import type { Connection, DryRunResult, Run, Step } from '../api';
import { exportRule, importRule } from '../lib/ruleFiles';
import { humanPath } from '../lib/errors';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import { DryRunResultView } from './DryRunPanel';
import { stepPathsOf } from './DryRunFlow';
import { RulesPage } from './RulesPage';
import { RunDetail } from './RunsPage';

const connections: Connection[] = [
  { id: 'conn-hook', name: 'Summary hook', baseUrl: 'https://hooks.example.com', auth: { type: 'bearer' }, secretSet: true },
  { id: 'conn-crm', name: 'CRM', baseUrl: 'https://crm.example.com', auth: { type: 'none' }, secretSet: false },
];
const FLOW: Step[] = [
  { id: 'search', type: 'jira.search', jql: 'parent = {{ issue.key }}' },
  { id: 'each', type: 'forEach', items: 'steps.search.issues', steps: [{ id: 'ping', type: 'http', connection: 'conn-crm', path: '/p/{{ item.key }}' }] },
  { id: 'check', type: 'if', if: { all: [{ field: 'steps.search.count', op: 'greaterThan', value: 0 }] }, then: [{ id: 'follow', type: 'jira.create', issueType: 'Task', fields: { summary: 'x' } }], else: [{ id: 'quiet', type: 'http', connection: 'conn-hook', path: '/none' }] },
];
const def = { name: 'Close sub-tasks', trigger: { type: 'manual' as const }, steps: FLOW };

describe('rule files keep nested steps', () => {
  it('exports the connections of nested steps by name and re-points them on import', () => {
    const file = exportRule(def, connections, new Date('2026-01-01T00:00:00Z'));
    expect(file.connections).toEqual({ 'conn-crm': { name: 'CRM' }, 'conn-hook': { name: 'Summary hook' } });
    const here: Connection[] = [
      { ...connections[0], id: 'other-hook' },
      { ...connections[1], id: 'other-crm', name: 'crm' },
    ];
    const { definition, messages } = importRule(JSON.stringify(file), here);
    expect(messages).toEqual([]);
    const steps = definition!.steps as Record<string, unknown>[];
    expect(((steps[1].steps as Step[])[0] as Record<string, unknown>).connection).toBe('other-crm');
    expect(((steps[2].else as Step[])[0] as Record<string, unknown>).connection).toBe('other-hook');
    expect(steps[2].then).toEqual((FLOW[2] as Record<string, unknown>).then);
  });

  it('names a nested step whose connection is missing as the editor does', () => {
    const file = exportRule(def, connections);
    const { messages } = importRule(JSON.stringify(file), [connections[1]]);
    expect(messages).toEqual([expect.stringMatching(/^Step 3 › Otherwise 1 \(quiet\): no connection here is named “Summary hook”/)]);
    expect(humanPath('steps[1].steps[0].path')).toBe('Step 2 › Each 1 › path');
  });

  it('duplicate opens the copy with its blocks and nested steps in forms', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [{ id: 'r1', name: 'Close sub-tasks', enabled: true, version: 1 }] }));
    b.on('GET', '/api/connections', () => ({ items: connections }));
    b.on('GET', '/api/webhooks', () => ({ items: [] }));
    b.on('GET', '/api/rules/r1', () => ({ id: 'r1', name: 'Close sub-tasks', enabled: true, version: 1, definition: def }));
    b.on('POST', '/api/rules', (req) => ({ id: 'r2', name: 'Copy', enabled: true, version: 1, definition: req.body }));
    const u = user();
    render(<RulesPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'Duplicate rule Close sub-tasks' }));
    expect(await screen.findByRole('group', { name: 'Step 2 › Each 1' })).toHaveAttribute('data-kind', 'http');
    expect(screen.getByRole('group', { name: 'Step 3 › Otherwise 1' })).toBeInTheDocument();
    await u.click(screen.getAllByRole('button', { name: 'Create rule' })[0]);
    const saved = b.callsTo('POST', '/api/rules')[0].body as { steps: Step[] };
    expect(saved.steps).toEqual(FLOW);
    // The whole rules page and editor render here: slow on a busy machine, not a timing check.
  }, 60_000);
});

const flowRun: Run = {
  id: 'run-9',
  ruleId: 'r1',
  startedAt: '2026-01-01T10:00:00Z',
  durationMs: 900,
  status: 'partial',
  steps: [
    { id: 'search', type: 'jira.search', statusCode: 200, durationMs: 40, status: 'succeeded' },
    {
      id: 'each',
      type: 'forEach',
      durationMs: 600,
      status: 'failed',
      errorCategory: 'http_5xx',
      loop: {
        items: 9,
        limit: 7,
        cut: 2,
        parallelism: 1,
        succeeded: 6,
        partial: 0,
        failed: 1,
        notRun: 0,
        errorCategories: { http_5xx: 1 },
        omitted: 2,
        iterations: [0, 1, 2, 3, 4].map((index) => ({
          index,
          status: index === 1 ? 'failed' : 'succeeded',
          durationMs: 100 + index,
          errorCategory: index === 1 ? 'http_5xx' : null,
          steps: [{ id: 'ping', type: 'http', statusCode: index === 1 ? 503 : 200, durationMs: 90, status: index === 1 ? 'failed' : 'succeeded', errorCategory: index === 1 ? 'http_5xx' : null }],
        })),
      },
    },
    { id: 'check', type: 'if', branch: 'else', status: 'succeeded', durationMs: 30, steps: [{ id: 'quiet', type: 'http', statusCode: 204, durationMs: 25, status: 'succeeded' }] },
    { id: 'post', type: 'http', status: 'skipped', skippedBy: 'if', durationMs: 0 },
  ],
};

describe('run detail shows the path taken', () => {
  it('shows the branch of each if block and each iteration, the first few open and the rest on demand', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/runs/run-9', () => flowRun);
    const u = user();
    render(<RunDetail runId="run-9" onBack={() => undefined} />);
    const path = await screen.findByTestId('run-path');
    expect(within(path).getByTestId('branch-check')).toHaveTextContent('Branch taken: Otherwise');
    const loop = within(path).getByTestId('iterations-each');
    expect(loop).toHaveTextContent('9 items: 6 succeeded, 1 failed; 2 beyond the limit of 7 left out');
    expect(loop).toHaveTextContent(/2 more items were run and counted above, but not kept one by one \(problems: 1 × .+\)\./);
    // Three iterations open, the other two behind a button.
    expect(loop.querySelectorAll('details')).toHaveLength(3);
    expect(loop.querySelectorAll('details[open]')).toHaveLength(3);
    const second = within(loop).getByRole('group', { name: 'Item 2 of each' });
    expect(second).toHaveTextContent('failed');
    expect(within(second).getByText('HTTP 503')).toBeInTheDocument();
    await u.click(within(loop).getByRole('button', { name: 'Show 2 more items' }));
    expect(loop.querySelectorAll('details')).toHaveLength(5);
    expect(loop.querySelectorAll('details[open]')).toHaveLength(3);
    // The skipped step and the nested failure are explained; the block's own copy of the failure is not repeated.
    expect(path.querySelector('[data-run-step="post"]')).toHaveTextContent(/skipped.*its “Only run if…” did not hold/);
    const problems = screen.getByTestId('run-problems');
    expect(within(problems).getAllByText(/^Step 2 \(each\) › item 2 › ping:/)).toHaveLength(1);
    expect(within(problems).queryByText(/^Step 2 \(each\):/)).toBeNull();
  });

  it('shows no path section for a run without blocks', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/runs/run-1', () => ({ ...flowRun, id: 'run-1', steps: [flowRun.steps![0]] }));
    render(<RunDetail runId="run-1" onBack={() => undefined} />);
    expect(await screen.findByText(/search \(jira.search\)/)).toBeInTheDocument();
    expect(screen.queryByTestId('run-path')).toBeNull();
  });
});

describe('dry run of nested steps', () => {
  it('words a loop over a real list with its counts', async () => {
    const { flowText } = await import('./DryRunFlow');
    expect(flowText({ path: 'steps[0]', id: 'l', type: 'forEach', status: 'evaluated', items: 12, iterations: 3, cut: 2 })).toBe('12 items, 3 previewed, 2 past its limit');
    expect(flowText({ path: 'steps[0]', id: 'l', type: 'forEach', status: 'evaluated', items: 1, iterations: 1 })).toBe('1 item');
  });

  it('shows no path for a rule without blocks or conditions on steps', () => {
    render(<DryRunResultView result={{ matched: true, flow: [{ path: 'steps[0]', id: 'search', type: 'jira.search', status: 'previewed' }] }} />);
    expect(screen.queryByTestId('dry-run-flow')).toBeNull();
  });

  it('labels each request with its block and item, and shows the branches walked', () => {
    const result: DryRunResult = {
      matched: true,
      flow: [
        { path: 'steps[0]', id: 'search', type: 'jira.search', status: 'previewed' },
        { path: 'steps[1]', id: 'each', type: 'forEach', status: 'evaluated', iterations: 1, readsDryRunOutput: true },
        { path: 'steps[1].steps[0]', id: 'ping', type: 'http', status: 'previewed', index: 0 },
        { path: 'steps[2]', id: 'check', type: 'if', status: 'evaluated', branch: 'else' },
        { path: 'steps[2].else[0]', id: 'quiet', type: 'http', status: 'skipped', skippedBy: 'if' },
      ],
      requests: [
        { stepId: 'ping', method: 'POST', url: 'https://crm.example.com/p/OPS-2', headers: { Authorization: '***' }, index: 0 },
        { stepId: 'ping', method: 'POST', url: 'https://crm.example.com/p/OPS-3', headers: { Authorization: '***' }, index: 1 },
        { stepId: 'quiet', method: 'POST', url: 'https://hooks.example.com/none', path: 'steps[2].else[0]' },
      ],
    };
    render(<DryRunResultView result={result} stepPaths={stepPathsOf(FLOW)} />);
    const view = screen.getByTestId('dry-run-result');
    expect(within(view).getByText('(Step 2 › Each 1 (ping) · item 2)')).toBeInTheDocument();
    expect(within(view).getByText('(Step 3 › Otherwise 1 (quiet))')).toBeInTheDocument();
    const flow = within(view).getByTestId('dry-run-flow');
    expect(flow).toHaveTextContent(/Step 2 \(each\): 1 placeholder item previewed — reads what an earlier step returns/);
    expect(flow).toHaveTextContent('Step 2 › Each 1 (ping) · item 1: request shown below');
    expect(flow).toHaveTextContent('Step 3 (check): took Otherwise');
    expect(flow).toHaveTextContent('Step 3 › Otherwise 1 (quiet): skipped its condition did not hold');
    expect(within(view).getAllByText('Authorization: ***')).toHaveLength(2);
  });
});
