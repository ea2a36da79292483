import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { AdminApp } from './AdminApp';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';

function backend(isAdmin: boolean) {
  const b = fakeBackend();
  b.on('GET', '/api/me', () => ({ accountId: 'acc-1', isAdmin }));
  b.on('GET', '/api/rules', () => ({ items: [] }));
  b.on('GET', '/api/connections', () => ({ items: [] }));
  b.on('GET', /^\/api\/runs/, () => ({ items: [], nextCursor: null }));
  return b;
}

describe('admin page', () => {
  it('shows people who are not Jira administrators where to go, and reads no configuration', async () => {
    const b = backend(false);
    render(<AdminApp />);
    expect(await screen.findByText('For Jira administrators')).toBeInTheDocument();
    expect(screen.queryByRole('tab', { name: 'Connections' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'New rule' })).toBeNull();
    expect(b.callsTo('GET', '/api/rules')).toHaveLength(0);
    expect(b.callsTo('GET', '/api/connections')).toHaveLength(0);
  });

  it('offers writes to administrators, with keyboard-reachable tabs', async () => {
    backend(true);
    const u = user();
    render(<AdminApp />);
    expect(await screen.findByRole('button', { name: 'New rule' })).toBeInTheDocument();
    expect(screen.queryByText('For Jira administrators')).toBeNull();
    screen.getByRole('tab', { name: 'Rules' }).focus();
    await u.keyboard('{ArrowRight}{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Runs' })).toHaveFocus();
  });

  it('works against a backend without GET /api/me, saying permissions were not checked', async () => {
    const b = backend(true);
    b.on('GET', '/api/me', () => ({ status: 404, body: { title: 'Not found', status: 404 } }));
    render(<AdminApp />);
    expect(await screen.findByText('Permissions not checked')).toBeInTheDocument();
    expect(await screen.findByRole('button', { name: 'New rule' })).toBeInTheDocument();
  });

  it('says when a feature is missing from the backend (404 on its list)', async () => {
    const b = backend(true);
    b.on('GET', '/api/webhooks', () => ({ status: 404, body: {} }));
    const u = user();
    render(<AdminApp />);
    await u.click(await screen.findByRole('tab', { name: 'Webhooks' }));
    expect(await screen.findByText('Incoming webhooks are not available on this BluBees backend yet.')).toBeInTheDocument();
  });

  it('explains when the backend cannot be reached', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/me', () => ({ status: 503, body: {} }));
    render(<AdminApp />);
    expect(await screen.findByText('BluBees could not load')).toBeInTheDocument();
  });

  it('says to reload the page when the session is no longer accepted (401), not only the HTTP reason', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/me', () => ({
      status: 401,
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      body: { title: 'Unauthorized', status: 401, detail: 'The Forge Invocation Token is not valid.' },
    }));
    render(<AdminApp />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/reload the page/i);
  });
});
