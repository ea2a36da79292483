import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import { IssuePanel, loadManualRules } from './IssuePanel';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';

function backend() {
  const b = fakeBackend();
  b.on('GET', '/api/issues/DEMO-7/runs', () => ({
    items: [{ id: 'run-1', ruleId: 'm1', startedAt: '2024-05-02T11:00:00Z', durationMs: 1500, status: 'succeeded' }],
  }));
  b.on('GET', '/api/rules', () => ({
    items: [
      { id: 'm1', name: 'Send to CRM', enabled: true, version: 1 },
      { id: 'e1', name: 'On create', enabled: true, version: 1 },
      { id: 'm2', name: 'Disabled manual', enabled: false, version: 1 },
    ],
  }));
  b.on('GET', '/api/rules/m1', () => ({ id: 'm1', name: 'Send to CRM', enabled: true, version: 1, definition: { name: 'Send to CRM', trigger: { type: 'manual' }, steps: [] } }));
  b.on('GET', '/api/rules/e1', () => ({ id: 'e1', name: 'On create', enabled: true, version: 1, definition: { name: 'On create', trigger: { type: 'event' }, steps: [] } }));
  return b;
}

describe('issue panel', () => {
  it('lists recent runs for the issue and runs a manual rule now', async () => {
    const b = backend();
    b.on('POST', '/api/rules/m1/run', () => ({ status: 202, body: { runId: 'run-9' } }));
    const u = user();
    render(<IssuePanel issueKey="DEMO-7" issueId="10007" />);
    expect(await screen.findByText('succeeded')).toBeInTheDocument();
    expect(await screen.findByText('Send to CRM', { selector: 'span' })).toBeInTheDocument();
    await u.click(await screen.findByRole('button', { name: 'Run now' }));
    expect(await screen.findByText('Started “Send to CRM” for DEMO-7 (run run-9).')).toBeInTheDocument();
    expect(b.callsTo('POST', '/api/rules/m1/run')[0].body).toEqual({ issueKey: 'DEMO-7', requestId: expect.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) });
  });

  it('sends one run for a double click, the same request id again after a failure, and a new one after an accepted run', async () => {
    const b = backend();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let answer: () => unknown = async () => {
      await held; // the first call is still waiting when the second click comes
      return { status: 503, body: { title: 'Service Unavailable', status: 503, detail: 'Retry later.' } };
    };
    b.on('POST', '/api/rules/m1/run', () => answer());
    const u = user();
    render(<IssuePanel issueKey="DEMO-7" issueId="10007" />);
    const button = await screen.findByRole('button', { name: 'Run now' });
    await u.dblClick(button);
    await u.click(button);
    release();
    expect(await screen.findByText('Retry later.')).toBeInTheDocument();
    expect(b.callsTo('POST', '/api/rules/m1/run')).toHaveLength(1);

    answer = () => ({ status: 202, body: { status: 'accepted' } });
    await u.click(await screen.findByRole('button', { name: 'Run now' }));
    expect(await screen.findByText(/Started “Send to CRM” for DEMO-7/)).toBeInTheDocument();
    await u.click(await screen.findByRole('button', { name: 'Run now' }));
    await waitFor(() => expect(b.callsTo('POST', '/api/rules/m1/run')).toHaveLength(3));

    const ids = b.callsTo('POST', '/api/rules/m1/run').map((c) => (c.body as { requestId: string }).requestId);
    expect(ids[1]).toBe(ids[0]); // the retry of the refused run: the same run, which the backend runs once
    expect(ids[2]).not.toBe(ids[0]); // asked again after it was accepted: a new run
  });

  it("asks for the issue's runs by its id (runs are indexed by id: a moved issue keeps it), with the key in the path", async () => {
    const b = backend();
    render(<IssuePanel issueKey="DEMO-7" issueId="10007" />);
    expect(await screen.findByText('succeeded')).toBeInTheDocument();
    expect(b.callsTo('GET', '/api/issues/DEMO-7/runs').map((c) => c.path)).toEqual(['/api/issues/DEMO-7/runs?issueId=10007']);
  });

  it('shows why a run was refused', async () => {
    const b = backend();
    b.on('POST', '/api/rules/m1/run', () => ({ status: 403, body: { title: 'Forbidden', status: 403, detail: 'You cannot run rules on this issue.' } }));
    const u = user();
    render(<IssuePanel issueKey="DEMO-7" issueId="10007" />);
    await u.click(await screen.findByRole('button', { name: 'Run now' }));
    expect(await screen.findByText('You cannot run rules on this issue.')).toBeInTheDocument();
  });

  it('uses the trigger type from the list when the backend sends it', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [{ id: 'a', name: 'A', enabled: true, version: 1, triggerType: 'manual' }, { id: 'b', name: 'B', enabled: true, version: 1, triggerType: 'event' }] }));
    const manual = await loadManualRules();
    expect(manual.map((r) => r.id)).toEqual(['a']);
    await waitFor(() => expect(b.calls.filter((c) => c.path.startsWith('/api/rules/'))).toHaveLength(0));
  });

  it("offers the issue's manual rules without reading the administrators' rule list", async () => {
    const b = fakeBackend();
    b.on('GET', '/api/issues/DEMO-8/runs', () => ({ items: [] }));
    b.on('GET', '/api/issues/DEMO-8/manual-rules', () => ({ items: [{ id: 'm7', name: 'Escalate', enabled: true, triggerType: 'manual' }] }));
    render(<IssuePanel issueKey="DEMO-8" issueId="10008" />);
    expect((await screen.findAllByText('Escalate')).length).toBeGreaterThan(0);
    expect(b.callsTo('GET', '/api/rules')).toHaveLength(0);
  });

  it('says why a run of the issue failed (its error category, in words, with what to do), not only "failed"', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/issues/DEMO-9/runs', () => ({
      items: [{ id: 'run-2', ruleId: 'm1', startedAt: '2024-05-02T11:00:00Z', durationMs: 80, status: 'failed', errorCategory: 'jira_issue_not_found', steps: [] }],
      ruleNames: { m1: 'Send to CRM' },
    }));
    b.on('GET', '/api/issues/DEMO-9/manual-rules', () => ({ items: [] }));
    render(<IssuePanel issueKey="DEMO-9" issueId="10009" />);
    const problem = await screen.findByTestId('run-problem-run-2');
    expect(problem.textContent).toContain('Issue not found in Jira.');
    expect(problem.textContent).toContain('Check the issue still exists');
  });

  it('has clear empty states', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/issues/X-1/runs', () => ({ items: [] }));
    b.on('GET', '/api/rules', () => ({ items: [] }));
    render(<IssuePanel issueKey="X-1" issueId="10001" />);
    expect(await screen.findByText('No runs for this issue yet')).toBeInTheDocument();
    expect(await screen.findByText(/No manual rules/)).toBeInTheDocument();
  });

  it("shows the fields a refused Run now names, not only 'see errors'", async () => {
    const b = backend();
    b.on('POST', '/api/rules/m1/run', () => ({
      status: 400,
      body: {
        title: 'Validation failed',
        status: 400,
        detail: 'The request has invalid fields; see errors.',
        errors: { issueKey: ['is required: an issue key such as OPS-17 (project key in capitals, dash, number)'] },
      },
    }));
    const u = user();
    render(<IssuePanel issueKey="DEMO-7" issueId="10007" />);
    await u.click(await screen.findByRole('button', { name: 'Run now' }));
    expect(await screen.findByText(/an issue key such as OPS-17/)).toBeInTheDocument();
  });
});
