// Two administrators editing one connection: the editor sends the revision it opened (`?baseRevision=`); a save the
// backend refuses because someone else saved the connection since (409 connection_changed, naming baseRevision) says
// so, keeps the edits, and offers to reload (discarding them) or to save them over the current revision.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import { ConnectionsPage } from './ConnectionsPage';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import type { Connection, ConnectionInput } from '../api';

const opened: Connection = {
  id: 'c1',
  name: 'CRM',
  baseUrl: 'https://crm.example.com',
  auth: { type: 'bearer' },
  secretSet: true,
  revision: 3,
};

/** A backend holding one connection whose PUT honours `baseRevision` as the real one does. */
function backend() {
  const b = fakeBackend();
  const state = { current: { ...opened } };
  b.on('GET', '/api/connections', () => ({ items: [opened] }));
  b.on('GET', '/api/connections/c1', () => state.current);
  b.on('PUT', '/api/connections/c1', (req) => {
    const base = new URLSearchParams(req.path.split('?')[1] ?? '').get('baseRevision');
    if (base !== null && Number(base) !== state.current.revision) {
      return {
        status: 409,
        headers: {},
        body: {
          title: 'Conflict',
          status: 409,
          detail: `This connection was saved as revision ${state.current.revision} after revision ${base} was opened here, so saving would replace that change unseen. Nothing was saved.`,
          reason: 'connection_changed',
          currentRevision: state.current.revision,
          errors: { baseRevision: [`is ${base}, but the connection is now at revision ${state.current.revision}: someone else saved it since`] },
        },
      };
    }
    const { secret: _secret, ...input } = req.body as ConnectionInput;
    state.current = { ...state.current, ...input, revision: state.current.revision! + 1 };
    return state.current;
  });
  return { b, state };
}

async function openEditor() {
  const u = user();
  render(<ConnectionsPage readOnly={false} />);
  await u.click(await screen.findByRole('button', { name: 'Edit connection CRM' }));
  return u;
}

describe('a connection saved by someone else while it is edited', () => {
  it('is the revision the editor opened that a save sends', async () => {
    const { b } = backend();
    const u = await openEditor();
    await u.click(screen.getByRole('button', { name: 'Save connection' }));
    await screen.findByText(/Saved connection “CRM”/);
    expect(b.callsTo('PUT', '/api/connections/c1').map((c) => c.path)).toEqual(['/api/connections/c1?baseRevision=3']);
  });

  it('is named on save, keeps the edits, and saves over the current revision only when asked', async () => {
    const { b, state } = backend();
    const u = await openEditor();
    const name = screen.getByLabelText(/^Name/);
    await u.clear(name);
    await u.type(name, 'CRM (prod)');
    state.current = { ...state.current, name: 'CRM by B', revision: 4 }; // another administrator saves meanwhile
    await u.click(screen.getByRole('button', { name: 'Save connection' }));

    const alert = await screen.findByTestId('connection-changed');
    expect(alert).toHaveAttribute('role', 'alert');
    expect(alert.textContent).toContain('Someone else saved this connection');
    expect(alert.textContent).toContain('saved as revision 4 after revision 3');
    expect(alert.textContent).toContain('Nothing was saved');
    // The 409 names baseRevision: it is not a field of the form, so it is not listed as a problem to fix.
    expect(screen.queryByText(/someone else saved it since/)).toBeNull();
    expect(screen.getByLabelText(/^Name/)).toHaveValue('CRM (prod)');
    expect(state.current.name).toBe('CRM by B');

    await u.click(within(alert).getByRole('button', { name: 'Save my changes over revision 4' }));
    await screen.findByText(/Saved connection “CRM \(prod\)”/);
    expect(b.callsTo('PUT', '/api/connections/c1').map((c) => c.path)).toEqual([
      '/api/connections/c1?baseRevision=3',
      '/api/connections/c1?baseRevision=4',
    ]);
    expect(state.current).toMatchObject({ name: 'CRM (prod)', revision: 5 });
  });

  it('reloads the saved connection when asked, discarding the edits, and saves on top of it', async () => {
    const { b, state } = backend();
    const u = await openEditor();
    const url = screen.getByLabelText(/^Base URL/);
    await u.clear(url);
    await u.type(url, 'https://crm.example.com/v2');
    state.current = { ...state.current, name: 'CRM by B', revision: 4 };
    await u.click(screen.getByRole('button', { name: 'Save connection' }));

    const alert = await screen.findByTestId('connection-changed');
    await u.click(within(alert).getByRole('button', { name: 'Reload the connection (discard my changes)' }));
    await waitFor(() => expect(screen.getByLabelText(/^Name/)).toHaveValue('CRM by B'));
    expect(screen.getByLabelText(/^Base URL/)).toHaveValue('https://crm.example.com');
    expect(screen.queryByTestId('connection-changed')).toBeNull();
    expect(screen.getByRole('heading', { name: 'Edit CRM by B' })).toBeInTheDocument();

    await u.click(screen.getByRole('button', { name: 'Save connection' }));
    await screen.findByText(/Saved connection “CRM by B”/);
    expect(b.callsTo('PUT', '/api/connections/c1').map((c) => c.path)).toEqual([
      '/api/connections/c1?baseRevision=3',
      '/api/connections/c1?baseRevision=4',
    ]);
    expect(b.callsTo('PUT', '/api/connections/c1')[1].body).toEqual({ name: 'CRM by B', baseUrl: 'https://crm.example.com', auth: { type: 'bearer' } });
  });
});
