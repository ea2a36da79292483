import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { WebhooksPage } from './WebhooksPage';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';

describe('incoming webhooks', () => {
  it('shows the secret once after creation and forgets it when dismissed', async () => {
    const b = fakeBackend();
    let items: object[] = [];
    b.on('GET', '/api/webhooks', () => ({ items }));
    b.on('POST', '/api/webhooks', () => {
      items = [{ id: 'w1', name: 'Billing events' }];
      return { status: 201, body: { id: 'w1', name: 'Billing events', secret: 'whsec_once_only' } };
    });
    const u = user();
    render(<WebhooksPage readOnly={false} />);
    expect(await screen.findByText('No incoming webhooks')).toBeInTheDocument();
    await u.type(screen.getByLabelText(/^Name/), 'Billing events');
    await u.click(screen.getByRole('button', { name: 'Create webhook' }));
    expect(await screen.findByText('whsec_once_only')).toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByText('whsec_once_only')).toBeNull();
    expect(document.body.innerHTML).not.toContain('whsec_once_only');
  });

  it('shows the backend\'s error on the name next to the name field', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/webhooks', () => ({ items: [] }));
    b.on('POST', '/api/webhooks', () => ({
      status: 400,
      body: { title: 'Validation failed', status: 400, errors: { name: ['must be at most 100 characters without control or text-direction characters'] } },
    }));
    const u = user();
    render(<WebhooksPage readOnly={false} />);
    await screen.findByText('No incoming webhooks');
    await u.type(screen.getByLabelText(/^Name/), 'Deploys');
    await u.click(screen.getByRole('button', { name: 'Create webhook' }));
    const message = await screen.findByText(/must be at most 100 characters/);
    // Under its own field (Field renders errors beside the input it names), not only in a banner at the top.
    expect(message.closest('[data-field-error]')?.getAttribute('data-field-error')).toBe('webhook-name');
  });

  it('rotates a webhook secret after a warning and shows the new secret once', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/webhooks', () => ({
      items: [{ id: 'w1', name: 'Billing events', secretSet: true, createdAt: '2026-11-01T10:00:00Z', secretRotatedAt: '2026-11-01T10:00:00Z' }],
    }));
    b.on('POST', '/api/webhooks/w1/rotate-secret', () => ({
      id: 'w1',
      name: 'Billing events',
      secret: 'whsec_rotated_once',
      createdAt: '2026-11-01T10:00:00Z',
      secretRotatedAt: '2026-12-05T10:00:00Z',
    }));
    const u = user();
    render(<WebhooksPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'Rotate the secret of webhook Billing events' }));
    // Nothing is rotated before the admin confirms: the old secret stops working at once.
    expect(await screen.findByText(/The current secret stops working at once/)).toBeInTheDocument();
    expect(b.callsTo('POST', '/api/webhooks/w1/rotate-secret')).toHaveLength(0);
    await u.click(screen.getByRole('button', { name: 'Rotate secret' }));
    expect(await screen.findByText('whsec_rotated_once')).toBeInTheDocument();
    expect(screen.getByText('Copy the new secret of “Billing events” now')).toBeInTheDocument();
    expect(b.callsTo('POST', '/api/webhooks/w1/rotate-secret')).toHaveLength(1);
    await u.click(screen.getByRole('button', { name: 'I have copied it' }));
    expect(document.body.innerHTML).not.toContain('whsec_rotated_once');
  });

  it('names the rules that still use a webhook the backend refused to delete', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/webhooks', () => ({ items: [{ id: 'w1', name: 'Billing events', secretSet: true }] }));
    b.on('DELETE', '/api/webhooks/w1', () => ({
      status: 409,
      body: {
        title: 'Conflict',
        status: 409,
        detail: 'The webhook is used by 1 rule(s); change or delete them first.',
        usedBy: [{ id: 'r1', name: 'Invoice paid → comment' }],
      },
    }));
    const u = user();
    render(<WebhooksPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'Delete webhook Billing events' }));
    await u.click(screen.getByRole('button', { name: 'Delete' }));
    expect(await screen.findByText('“Billing events” is still in use')).toBeInTheDocument();
    expect(screen.getByText('Invoice paid → comment')).toBeInTheDocument();
  });

  it("shows each webhook's id, which senders need to address it (?hook=<id>), with a copy button", async () => {
    const b = fakeBackend();
    b.on('GET', '/api/webhooks', () => ({ items: [] }));
    b.on('POST', '/api/webhooks', () => ({
      status: 201,
      body: { id: 'whk_01JDX4Q', name: 'Billing events', secret: 'whsec_once_only', createdAt: '2026-12-05T10:00:00Z', secretRotatedAt: '2026-12-05T10:00:00Z' },
    }));
    const u = user();
    render(<WebhooksPage readOnly={false} />);
    await screen.findByText('No incoming webhooks');
    await u.type(screen.getByLabelText(/^Name/), 'Billing events');
    await u.click(screen.getByRole('button', { name: 'Create webhook' }));
    expect(await screen.findByRole('button', { name: 'Copy the webhook id' })).toBeInTheDocument();
    expect(screen.getByText('?hook=whk_01JDX4Q')).toBeInTheDocument();

    b.on('GET', '/api/webhooks', () => ({ items: [{ id: 'whk_01JDX4Q', name: 'Billing events', secretSet: true, createdAt: '2026-12-05T10:00:00Z' }] }));
    await u.click(screen.getByRole('button', { name: 'I have copied it' }));
    render(<WebhooksPage readOnly={false} />);
    expect(await screen.findByRole('button', { name: 'Copy the id of webhook Billing events' })).toBeInTheDocument();
  });
});
