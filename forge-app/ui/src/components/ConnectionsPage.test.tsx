import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import { ConnectionsPage } from './ConnectionsPage';
import { buildConnectionInput, initialState } from './ConnectionForm';
import { fakeBackend } from '../test/fakeBackend';
import { choose, user } from '../test/utils';
import type { Connection } from '../api';

const CANARY = 'canary-3f9a1c-secret';
const existing: Connection = {
  id: 'c1',
  name: 'CRM',
  baseUrl: 'https://crm.example.com',
  auth: { type: 'bearer' },
  secretSet: true,
  createdAt: '2024-05-01T10:00:00Z',
  updatedAt: '2024-05-01T10:00:00Z',
};

describe('connections', () => {
  it('shows an empty state, then creates a bearer connection with a write-only secret', async () => {
    const backend = fakeBackend();
    const stored: Connection[] = [];
    backend.on('GET', '/api/connections', () => ({ items: stored }));
    backend.on('POST', '/api/connections', (req) => {
      const { secret: _secret, ...rest } = req.body as Record<string, unknown>;
      const c = { ...(rest as object), id: 'c9', secretSet: true } as Connection;
      stored.push(c);
      return { status: 201, body: c };
    });
    const u = user();
    render(<ConnectionsPage readOnly={false} />);
    expect(await screen.findByText('No connections yet')).toBeInTheDocument();

    await u.click(screen.getByRole('button', { name: 'New connection' }));
    await u.type(screen.getByLabelText(/^Name/), 'Billing');
    const url = screen.getByLabelText(/^Base URL/);
    await u.clear(url);
    await u.type(url, 'https://billing.example.com');
    await choose(u, 'conn-authType', 'Bearer token');
    const secret = screen.getByLabelText(/^Bearer token/);
    expect(secret).toHaveAttribute('type', 'password');
    expect(secret).toHaveAttribute('autocomplete', 'new-password');
    await u.type(secret, CANARY);
    await u.click(screen.getByRole('button', { name: 'Create connection' }));

    expect(await screen.findByText(/Saved connection “Billing”/)).toBeInTheDocument();
    const post = backend.callsTo('POST', '/api/connections')[0];
    expect(post.body).toEqual({ name: 'Billing', baseUrl: 'https://billing.example.com', auth: { type: 'bearer' }, secret: CANARY });
    const table = await screen.findByRole('table');
    expect(within(table).getByText('Billing')).toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(CANARY);
  });

  it('never pre-fills a stored secret: it shows "Set" with Replace, and PUT omits it unless replaced', async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/connections', () => ({ items: [existing] }));
    backend.on('PUT', '/api/connections/c1', (req) => ({ ...existing, ...(req.body as object), secretSet: true }));
    const u = user();
    render(<ConnectionsPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'Edit connection CRM' }));

    expect(screen.getByText('Set')).toBeInTheDocument();
    expect(document.querySelector('input[type="password"]')).toBeNull();
    await u.click(screen.getByRole('button', { name: 'Save connection' }));
    await screen.findByText(/Saved connection “CRM”/);
    expect(backend.callsTo('PUT', '/api/connections/c1')[0].body).toEqual({ name: 'CRM', baseUrl: 'https://crm.example.com', auth: { type: 'bearer' } });

    await u.click(await screen.findByRole('button', { name: 'Edit connection CRM' }));
    await u.click(screen.getByRole('button', { name: 'Replace the bearer token' }));
    const secret = screen.getByLabelText(/^Bearer token/) as HTMLInputElement;
    expect(secret.value).toBe('');
    await u.type(secret, 'new-token');
    await u.click(screen.getByRole('button', { name: 'Save connection' }));
    await waitFor(() => expect(backend.callsTo('PUT', '/api/connections/c1')).toHaveLength(2));
    expect(backend.callsTo('PUT', '/api/connections/c1')[1].body).toMatchObject({ secret: 'new-token' });
  });

  it('clears a typed secret when the authentication kind changes, so it is never sent under another kind', async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/connections', () => ({ items: [] }));
    backend.on('POST', '/api/connections', (req) => ({ status: 201, body: { ...(req.body as object), id: 'c9', secretSet: true } }));
    const u = user();
    render(<ConnectionsPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'New connection' }));
    await u.type(screen.getByLabelText(/^Name/), 'Billing');
    const url = screen.getByLabelText(/^Base URL/);
    await u.clear(url);
    await u.type(url, 'https://billing.example.com');
    await choose(u, 'conn-authType', 'Bearer token');
    await u.type(screen.getByLabelText(/^Bearer token/), CANARY);
    await choose(u, 'conn-authType', 'Basic (username and password)');
    await u.type(screen.getByLabelText(/^Username/), 'svc');

    expect(screen.getByLabelText(/^Password/)).toHaveValue('');
    await u.click(screen.getByRole('button', { name: 'Create connection' }));
    expect(backend.callsTo('POST', '/api/connections')).toHaveLength(0);
    expect(await screen.findByText(/Enter the password/)).toBeInTheDocument();
  });

  it('explains a refused delete with the rules that use the connection', async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/connections', () => ({ items: [existing] }));
    backend.on('DELETE', '/api/connections/c1', () => ({
      status: 409,
      body: { title: 'Connection in use', status: 409, usedBy: [{ id: 'r1', name: 'Escalate to CRM' }, { id: 'r2', name: 'Nightly sync' }] },
    }));
    const u = user();
    render(<ConnectionsPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'Delete connection CRM' }));
    await u.click(await screen.findByRole('button', { name: 'Delete' }));
    expect(await screen.findByText('“CRM” is still in use')).toBeInTheDocument();
    expect(screen.getByText('Escalate to CRM')).toBeInTheDocument();
    expect(screen.getByText('Nightly sync')).toBeInTheDocument();
  });

  it('shows backend validation errors next to the field', async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/connections', () => ({ items: [] }));
    backend.on('POST', '/api/connections', () => ({
      status: 400,
      body: { title: 'Validation failed', status: 400, errors: { baseUrl: ['Private addresses are not allowed.'] } },
    }));
    const u = user();
    render(<ConnectionsPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'New connection' }));
    await u.type(screen.getByLabelText(/^Name/), 'Local');
    const url = screen.getByLabelText(/^Base URL/);
    await u.clear(url);
    await u.type(url, 'http://10.0.0.1');
    await u.click(screen.getByRole('button', { name: 'Create connection' }));
    const error = await screen.findByText('Private addresses are not allowed.');
    expect(url.getAttribute('aria-describedby')).toContain('conn-baseUrl-error-0');
    expect(error.closest('[data-field-error]')).toHaveAttribute('data-field-error', 'conn-baseUrl');
  });

  it('is read-only for non-admins', async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/connections', () => ({ items: [existing] }));
    const u = user();
    render(<ConnectionsPage readOnly />);
    await screen.findByText('CRM');
    expect(screen.queryByRole('button', { name: 'New connection' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Delete/ })).toBeNull();
    await u.click(screen.getByRole('button', { name: 'View connection CRM' }));
    expect(screen.queryByRole('button', { name: /Replace/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Save connection' })).toBeNull();
  });
});

describe('buildConnectionInput', () => {
  it('builds apiKey-in-query and basic auth, requiring the names and the secret', () => {
    const apiKey = { ...initialState(), name: 'K', baseUrl: 'https://k.example.com', authType: 'apiKey' as const, apiKeyIn: 'query' as const, apiKeyName: 'api_key' };
    expect(buildConnectionInput(apiKey, 'sek', { creating: true, replacing: true }).input).toEqual({
      name: 'K',
      baseUrl: 'https://k.example.com',
      auth: { type: 'apiKey', in: 'query', name: 'api_key' },
      secret: 'sek',
    });
    expect(buildConnectionInput(apiKey, undefined, { creating: true, replacing: true }).errors.secret).toBeDefined();
    const basic = { ...apiKey, authType: 'basic' as const, username: '' };
    expect(buildConnectionInput(basic, 'pw', { creating: true, replacing: true }).errors['auth.username']).toBeDefined();
    // Changing the auth type of an existing connection needs a new secret.
    expect(buildConnectionInput({ ...basic, username: 'u' }, undefined, { creating: false, replacing: false, originalType: 'bearer' }).errors.secret).toBeDefined();
    expect(buildConnectionInput({ ...basic, username: 'u' }, undefined, { creating: false, replacing: false, originalType: 'basic' }).errors).toEqual({});
    expect(buildConnectionInput({ ...basic, baseUrl: 'ftp://x' }, 'p', { creating: true, replacing: true }).errors.baseUrl).toBeDefined();
  });

  it("asks for the secret again when the base URL's origin changes, since the stored one is not kept for another origin", async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/connections', () => ({ items: [existing] }));
    backend.on('PUT', '/api/connections/c1', (req) =>
      (req.body as { secret?: string }).secret
        ? { ...existing, ...(req.body as object), secretSet: true }
        : { status: 400, body: { title: 'Validation failed', status: 400, errors: { secret: ['is required for auth type bearer'] } } },
    );
    const u = user();
    render(<ConnectionsPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'Edit connection CRM' }));
    const url = screen.getByLabelText(/^Base URL/);
    await u.clear(url);
    await u.type(url, 'https://crm.example.net');
    await u.click(screen.getByRole('button', { name: 'Save connection' }));
    // The admin sees where to act: the token input, with the reason, not a form that silently does nothing.
    const secret = (await screen.findByLabelText(/^Bearer token/)) as HTMLInputElement;
    expect(secret.value).toBe('');
    expect(screen.getByText(/The address changed/)).toBeInTheDocument();
    await u.type(secret, CANARY);
    await u.click(screen.getByRole('button', { name: 'Save connection' }));
    await screen.findByText(/Saved connection “CRM”/);
    const puts = backend.callsTo('PUT', '/api/connections/c1');
    expect(puts[puts.length - 1].body).toMatchObject({ baseUrl: 'https://crm.example.net', secret: CANARY });
  });

  it("sends a refresh-token connection's client secret (a confidential client), write-only", async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/connections', () => ({ items: [] }));
    backend.on('POST', '/api/connections', (req) => {
      const { secret: _s, clientSecret: _c, ...rest } = req.body as Record<string, unknown>;
      return { status: 201, body: { ...rest, id: 'c7', secretSet: true, clientSecretSet: true } };
    });
    const u = user();
    render(<ConnectionsPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'New connection' }));
    await u.type(screen.getByLabelText(/^Name/), 'Service desk');
    const url = screen.getByLabelText(/^Base URL/);
    await u.clear(url);
    await u.type(url, 'https://api.example.com/v1');
    await choose(u, 'conn-authType', 'OAuth 2.0 refresh token');
    await u.type(screen.getByLabelText(/^Token URL/), 'https://login.example.com/oauth/token');
    await u.type(screen.getByLabelText(/^Client id/), 'blubees');
    await u.type(screen.getByLabelText(/^Refresh token/), 'refresh-1');
    const clientSecret = screen.getByLabelText(/^Client secret/) as HTMLInputElement;
    expect(clientSecret.type).toBe('password');
    await u.type(clientSecret, CANARY);
    await u.click(screen.getByRole('button', { name: 'Create connection' }));
    await screen.findByText(/Saved connection “Service desk”/);
    expect(backend.callsTo('POST', '/api/connections')[0].body).toMatchObject({ secret: 'refresh-1', clientSecret: CANARY });
    expect(document.body.innerHTML).not.toContain(CANARY);
  });

  it('moves focus into the form it opens and back to the Edit button it came from', async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/connections', () => ({ items: [existing, { ...existing, id: 'c2', name: 'Billing' }] }));
    const u = user();
    render(<ConnectionsPage readOnly={false} />);
    const edit = await screen.findByRole('button', { name: 'Edit connection Billing' });
    edit.focus();
    await u.keyboard('{Enter}');
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Edit Billing' }));
    await u.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Edit connection Billing' })));
  });
});
