import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import { isActive, SupportPage, validateHours } from './SupportPage';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';

describe('support access', () => {
  it('grants time-boxed access, revokes it and lists the audit', async () => {
    const b = fakeBackend();
    const future = new Date(Date.now() + 3600_000).toISOString();
    let grants: object[] = [];
    b.on('GET', '/api/support/grants', () => ({ items: grants }));
    b.on('POST', '/api/support/grants', (req) => {
      grants = [{ id: 'g1', createdAt: new Date().toISOString(), expiresAt: future, reason: (req.body as { reason?: string }).reason }];
      return { status: 201, body: grants[0] };
    });
    b.on('DELETE', '/api/support/grants/g1', () => {
      grants = [];
      return { status: 204 };
    });
    b.on('GET', '/api/support/audit', () => ({
      items: [
        { at: '2024-05-02T11:05:00Z', actor: 'support@blubees', route: '/support/tenants/t1/runs', query: {}, outcome: 'denied', reason: 'no_grant', count: 40, lastAt: '2024-05-02T11:09:00Z' },
        { at: '2024-05-02T11:00:00Z', actor: 'support@blubees', route: '/support/tenants/t1/runs', query: { status: 'failed' }, outcome: 'allowed', count: 1 },
      ],
    }));
    const u = user();
    render(<SupportPage readOnly={false} />);
    expect(await screen.findByText('Support cannot read your logs.')).toBeInTheDocument();
    expect(await screen.findByText('/support/tenants/t1/runs?status=failed')).toBeInTheDocument();
    expect(screen.getByText(/^denied \(no active grant\): 40 times, last /)).toBeInTheDocument();
    expect(screen.getByText('allowed')).toBeInTheDocument();

    const hours = screen.getByLabelText(/^Hours/);
    await u.clear(hours);
    await u.type(hours, '500');
    await u.click(screen.getByRole('button', { name: 'Grant access' }));
    expect(await screen.findByText(/from 1 to 168/)).toBeInTheDocument();
    await u.clear(hours);
    await u.type(hours, '8');
    await u.type(screen.getByLabelText(/^Reason/), 'TICKET-42');
    await u.click(screen.getByRole('button', { name: 'Grant access' }));
    await waitFor(() => expect(b.callsTo('POST', '/api/support/grants')[0]?.body).toEqual({ hours: 8, reason: 'TICKET-42' }));
    expect(await screen.findByText('access granted')).toBeInTheDocument();

    const table = screen.getByRole('table', { name: 'Grants' });
    await u.click(within(table).getByRole('button', { name: /Revoke support access/ }));
    await u.click(await screen.findByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(b.callsTo('DELETE', '/api/support/grants/g1')).toHaveLength(1));
    expect(await screen.findByText('Support cannot read your logs.')).toBeInTheDocument();
  });

  it('shows the backend\'s errors on hours and reason next to their fields', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/support/grants', () => ({ items: [] }));
    b.on('GET', '/api/support/audit', () => ({ items: [] }));
    b.on('POST', '/api/support/grants', () => ({
      status: 400,
      body: { title: 'Validation failed', status: 400, errors: { reason: ['may not hold control or text-direction characters'] } },
    }));
    const u = user();
    render(<SupportPage readOnly={false} />);
    await screen.findByText('Support cannot read your logs.');
    await u.type(screen.getByLabelText(/^Reason/), 'TICKET-42');
    await u.click(screen.getByRole('button', { name: 'Grant access' }));
    const message = await screen.findByText(/may not hold control/);
    // Under its own field (Field renders errors beside the input it names), not only in a banner at the top.
    expect(message.closest('[data-field-error]')?.getAttribute('data-field-error')).toBe('grant-reason');
  });

  it('pages through the whole audit, so every support read stays visible however many newer ones there are', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/support/grants', () => ({ items: [] }));
    const entry = (n: number) => ({ id: `e${n}`, at: '2024-05-02T11:00:00Z', actor: `staff-${n}`, route: `/support/tenants/t1/runs/r${n}`, query: {}, outcome: 'allowed', count: 1 });
    b.on('GET', '/api/support/audit', (req) =>
      new URL(req.path, 'https://x').searchParams.get('cursor') === 'e1'
        ? { items: [entry(2)], nextCursor: null }
        : { items: [entry(1)], nextCursor: 'e1' },
    );
    const u = user();
    render(<SupportPage readOnly={false} />);
    expect(await screen.findByText('/support/tenants/t1/runs/r1')).toBeInTheDocument();
    await u.click(await screen.findByRole('button', { name: 'Show older entries' }));
    expect(await screen.findByText('/support/tenants/t1/runs/r2')).toBeInTheDocument();
    expect(screen.getByText('/support/tenants/t1/runs/r1')).toBeInTheDocument();
    expect(b.callsTo('GET', '/api/support/audit').map((c) => c.path)).toEqual(['/api/support/audit', '/api/support/audit?cursor=e1']);
    expect(screen.queryByRole('button', { name: 'Show older entries' })).toBeNull();
  });

  it('helpers', () => {
    expect(validateHours('1')).toBeUndefined();
    expect(validateHours('1.5')).toBeDefined();
    expect(validateHours('0')).toBeDefined();
    // The backend's range (SupportGrant.MaxHours, docs/support-access.md): a week is grantable, more is not.
    expect(validateHours('100')).toBeUndefined();
    expect(validateHours('168')).toBeUndefined();
    expect(validateHours('169')).toBeDefined();
    expect(isActive({ id: 'a', expiresAt: '2000-01-01T00:00:00Z' })).toBe(false);
    expect(isActive({ id: 'a', revokedAt: '2000-01-01T00:00:00Z' })).toBe(false);
    expect(isActive({ id: 'a', active: true })).toBe(true);
  });

  it('names every column of the grants table, the one holding the Revoke buttons included', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/support/grants', () => ({ items: [{ id: 'g1', createdAt: '2026-12-05T09:00:00Z', expiresAt: new Date(Date.now() + 3600_000).toISOString() }] }));
    b.on('GET', '/api/support/audit', () => ({ items: [] }));
    render(<SupportPage readOnly={false} />);
    const table = await screen.findByRole('table', { name: 'Grants' });
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent?.trim());
    expect(headers).not.toContain('');
    expect(headers).toContain('Actions');
  });
});
