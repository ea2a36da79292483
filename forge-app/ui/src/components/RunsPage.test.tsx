import React from 'react';
import { describe, expect, it } from 'vitest';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import { localToIso, metricsText, RunsPage } from './RunsPage';
import { fakeBackend } from '../test/fakeBackend';
import { choose, user } from '../test/utils';

const run = {
  id: 'run-1',
  ruleId: 'r1',
  ruleVersion: 2,
  source: 'event',
  eventType: 'avi:jira:created:issue',
  issueId: '10001',
  issueKey: 'DEMO-1',
  startedAt: '2024-05-02T11:00:00Z',
  durationMs: 420,
  status: 'failed',
  steps: [{ id: 'notify', type: 'http', connectionId: 'conn-1', method: 'POST', host: 'crm.example.com', statusCode: 503, attempts: 3, bytesOut: 120, bytesIn: 2048, durationMs: 400, errorCategory: 'upstream_5xx', metrics: { retries: 2 } }],
};

describe('step metrics', () => {
  it('puts policy decisions and counters into words, and a dash when there are none', () => {
    expect(metricsText(undefined)).toBe('—');
    expect(metricsText({})).toBe('—');
    expect(metricsText({ retries: 1, rateLimited: true })).toBe('1 retry, rate limited');
    expect(metricsText({ retries: 2, circuitOpen: true, inputTokens: 120, outputTokens: 40 })).toBe('2 retries, circuit open, 120 + 40 tokens');
    expect(metricsText({ bytesTransferred: 0 })).toMatch(/transferred$/);
  });
});

describe('runs log', () => {
  it('filters by rule and status, pages with the cursor and opens a run', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [{ id: 'r1', name: 'Escalate', enabled: true, version: 2 }] }));
    b.on('GET', /^\/api\/runs\?/, (req) => (req.path.includes('cursor=c2') ? { items: [{ ...run, id: 'run-2', status: 'succeeded' }], nextCursor: null } : { items: [run], nextCursor: 'c2' }));
    b.on('GET', '/api/runs/run-1', () => run);
    b.on('GET', '/api/connections', () => ({ items: [{ id: 'conn-1', name: 'CRM', baseUrl: 'https://crm.example.com', auth: { type: 'none' }, secretSet: false }] }));
    const u = user();
    render(<RunsPage />);
    const table = await screen.findByRole('table');
    expect(within(table).getByText('DEMO-1')).toBeInTheDocument();

    await choose(u, 'runs-rule', 'Escalate');
    await choose(u, 'runs-status', 'failed');
    await u.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(b.calls.some((c) => c.path === '/api/runs?ruleId=r1&status=failed&limit=25')).toBe(true));

    await u.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('succeeded')).toBeInTheDocument();
    expect(b.calls.some((c) => c.path.includes('cursor=c2'))).toBe(true);

    await u.click(screen.getByRole('button', { name: 'Details of run run-1' }));
    expect(await screen.findByText('Payloads are never stored')).toBeInTheDocument();
    const steps = await screen.findByRole('table');
    expect(within(steps).getByText('503')).toBeInTheDocument();
    expect(within(steps).getByText('upstream_5xx')).toBeInTheDocument();
    expect(within(steps).getByText('2 retries')).toBeInTheDocument();
    expect(within(steps).getByText('2.0 KB')).toBeInTheDocument();
    expect(within(steps).getByText('CRM')).toBeInTheDocument();
    expect(screen.getByText('Escalate (version 2)')).toBeInTheDocument();
  });

  it('names the step property that failed beside its category, in the table and the run path', async () => {
    // An if block beside it, so the run path is shown as well as the table.
    const gate = { id: 'gate', type: 'if', status: 'succeeded', branch: 'none', steps: [] };
    const failed = { ...run, steps: [{ ...run.steps[0], statusCode: null, attempts: 0, errorCategory: 'template_error', failedField: 'headers.X-Trace' }, gate] };
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [] }));
    b.on('GET', '/api/connections', () => ({ items: [] }));
    b.on('GET', /^\/api\/runs\?/, () => ({ items: [failed], nextCursor: null }));
    b.on('GET', '/api/runs/run-1', () => failed);
    const u = user();
    render(<RunsPage />);
    await u.click(await screen.findByRole('button', { name: 'Details of run run-1' }));
    const steps = await screen.findByRole('table');
    expect(within(steps).getByText('headers.X-Trace')).toBeInTheDocument();
    expect(within(await screen.findByTestId('run-path')).getByText('headers.X-Trace')).toBeInTheDocument();
    expect(within(document.querySelector('[data-run-step="notify"]') as HTMLElement).getByText('headers.X-Trace')).toBeInTheDocument();
  });

  it('shows an empty state when nothing matches', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [] }));
    b.on('GET', /^\/api\/runs/, () => ({ items: [], nextCursor: null }));
    render(<RunsPage />);
    expect(await screen.findByText('No runs match')).toBeInTheDocument();
  });

  it('converts local date-times to ISO instants', () => {
    expect(localToIso('')).toBeUndefined();
    expect(localToIso('2024-05-02T10:30')).toBe(new Date('2024-05-02T10:30').toISOString());
  });

  it('moves focus to the run it opens and back to its Details button, so a keyboard user keeps their place', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [] }));
    b.on('GET', '/api/connections', () => ({ items: [] }));
    b.on('GET', /^\/api\/runs\?/, () => ({ items: [run, { ...run, id: 'run-2', status: 'succeeded' }], nextCursor: null }));
    b.on('GET', '/api/runs/run-2', () => ({ ...run, id: 'run-2', status: 'succeeded' }));
    const u = user();
    render(<RunsPage />);
    const details = await screen.findByRole('button', { name: 'Details of run run-2' });
    details.focus();
    await u.keyboard('{Enter}');
    await screen.findByText('Payloads are never stored');
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Run run-2' }));
    await u.click(screen.getByRole('button', { name: 'Back to runs' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Details of run run-2' })));
  });

  it('drops a page of an earlier filter that answers after the new filter', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [] }));
    b.on('GET', '/api/connections', () => ({ items: [] }));
    let answerOlder: (value: unknown) => void = () => {};
    b.on('GET', /^\/api\/runs\?/, (req) => {
      if (req.path.includes('cursor=c2')) return new Promise((resolve) => (answerOlder = resolve));
      if (req.path.includes('status=succeeded')) return { items: [{ ...run, id: 'run-ok', issueKey: 'DEMO-OK', status: 'succeeded' }], nextCursor: null };
      return { items: [run], nextCursor: 'c2' };
    });
    const u = user();
    render(<RunsPage />);
    expect(await screen.findByText('DEMO-1')).toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Load more' }));
    // The admin filters before the next page of the unfiltered log has come back.
    await choose(u, 'runs-status', 'succeeded');
    await u.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(await screen.findByText('DEMO-OK')).toBeInTheDocument();
    await act(async () => answerOlder({ items: [{ ...run, id: 'run-old', issueKey: 'DEMO-OLD', status: 'failed' }], nextCursor: 'c3' }));
    expect(screen.queryByText('DEMO-OLD')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it("retries a failed 'Load more' for that page, keeping the runs already shown", async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [] }));
    b.on('GET', '/api/connections', () => ({ items: [] }));
    let refuse = true;
    b.on('GET', /^\/api\/runs\?/, (req) => {
      if (!req.path.includes('cursor=c2')) return { items: [run], nextCursor: 'c2' };
      if (refuse) return { status: 503, headers: { 'retry-after': '1' }, body: { title: 'Unavailable', status: 503, detail: 'The store is busy.' } };
      return { items: [{ ...run, id: 'run-2', issueKey: 'DEMO-2' }], nextCursor: null };
    });
    const u = user();
    render(<RunsPage />);
    expect(await screen.findByText('DEMO-1')).toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('The store is busy.')).toBeInTheDocument();
    refuse = false;
    await u.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('DEMO-2')).toBeInTheDocument();
    expect(screen.getByText('DEMO-1')).toBeInTheDocument();
  });

  it("shows the backend's refusal of a filter at the field it names ('from' after 'to')", async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [] }));
    b.on('GET', '/api/connections', () => ({ items: [] }));
    b.on('GET', /^\/api\/runs\?/, (req) =>
      req.path.includes('from=')
        ? { status: 400, body: { title: 'Validation failed', status: 400, detail: 'The request has invalid fields; see errors.', errors: { from: ["must not be after 'to'"] } } }
        : { items: [run], nextCursor: null },
    );
    const u = user();
    render(<RunsPage />);
    await screen.findByText('DEMO-1');
    await u.type(screen.getByLabelText('From'), '2026-12-05T10:00');
    await u.type(screen.getByLabelText('To'), '2026-12-01T10:00');
    await u.click(screen.getByRole('button', { name: 'Apply filters' }));
    const message = await screen.findByText("must not be after 'to'");
    expect(message.closest('[data-field-error]')?.getAttribute('data-field-error')).toBe('runs-from');
  });

  it('names every column of the runs table, the one holding the Details buttons included', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [] }));
    b.on('GET', '/api/connections', () => ({ items: [] }));
    b.on('GET', /^\/api\/runs\?/, () => ({ items: [run], nextCursor: null }));
    render(<RunsPage />);
    const table = await screen.findByRole('table');
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent?.trim());
    expect(headers).not.toContain('');
    expect(headers).toContain('Actions');
  });

  it('says which time zone its times and the From/To filters are in', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [] }));
    b.on('GET', '/api/connections', () => ({ items: [] }));
    b.on('GET', /^\/api\/runs\?/, () => ({ items: [run], nextCursor: null }));
    render(<RunsPage />);
    await screen.findByText('DEMO-1');
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(screen.getByText(new RegExp(`time zone \\(${zone.replace('/', '\\/')}\\)`))).toBeInTheDocument();
  });
});
