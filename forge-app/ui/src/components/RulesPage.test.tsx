import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import { RulesPage } from './RulesPage';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';

const rules = [
  { id: 'r1', name: 'Escalate', enabled: true, version: 2, updatedAt: '2024-05-02T10:00:00Z', lastRun: { id: 'run1', status: 'failed', startedAt: '2024-05-02T11:00:00Z' } },
  { id: 'r2', name: 'Nightly', enabled: false, version: 1, updatedAt: '2024-05-01T10:00:00Z', lastRun: null },
];
const v1 = { version: 1, createdAt: '2024-05-01T10:00:00Z', definition: { name: 'Escalate', trigger: { type: 'event', events: ['avi:jira:created:issue'] }, steps: [{ id: 'a', type: 'http', connection: 'c', method: 'POST', path: '/old' }] } };
const v2 = { version: 2, createdAt: '2024-05-02T10:00:00Z', definition: { name: 'Escalate', trigger: { type: 'event', events: ['avi:jira:created:issue'] }, steps: [{ id: 'a', type: 'http', connection: 'c', method: 'POST', path: '/new' }] } };

function backend() {
  const b = fakeBackend();
  b.on('GET', '/api/rules', () => ({ items: rules }));
  b.on('GET', '/api/rules/r1/versions', () => ({ items: [{ version: 1, createdAt: v1.createdAt }, { version: 2, createdAt: v2.createdAt }] }));
  b.on('GET', '/api/rules/r1/versions/1', () => v1);
  b.on('GET', '/api/rules/r1/versions/2', () => v2);
  return b;
}

describe('rules list', () => {
  it('lists rules with enabled toggles and last run status', async () => {
    const b = backend();
    b.on('POST', '/api/rules/r2/enable', () => ({ status: 200, body: {} }));
    const u = user();
    render(<RulesPage readOnly={false} />);
    const table = await screen.findByRole('table');
    expect(within(table).getByText('Escalate')).toBeInTheDocument();
    expect(within(table).getByText('failed')).toBeInTheDocument();
    expect(within(table).getByText('never run')).toBeInTheDocument();
    const toggle = screen.getByLabelText('Rule Nightly enabled') as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    await u.click(toggle);
    await waitFor(() => expect(b.callsTo('POST', '/api/rules/r2/enable')).toHaveLength(1));
    await waitFor(() => expect((screen.getByLabelText('Rule Nightly enabled') as HTMLInputElement).checked).toBe(true));
  });

  it('marks a rule a newer version of BluBees saved (after a rollback) and says it does not run until saved again', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [{ ...rules[0], savedByNewerVersion: true }, { ...rules[1], savedByNewerVersion: false }] }));
    render(<RulesPage readOnly={false} />);
    const table = await screen.findByRole('table');
    expect(within(table).getAllByText('Saved by a newer version: does not run until saved again')).toHaveLength(1);
    expect(within(table).getByText('Escalate').closest('span')?.getAttribute('title')).toMatch(/does not run on this version until it is saved again/);
  });

  it('shows an empty state', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [] }));
    render(<RulesPage readOnly={false} />);
    expect(await screen.findByText('No rules yet')).toBeInTheDocument();
  });

  it('shows a readable diff between versions and restores one', async () => {
    const b = backend();
    b.on('POST', '/api/rules/r1/versions/1/restore', () => ({ id: 'r1', name: 'Escalate', enabled: true, version: 3, definition: v1.definition }));
    const u = user();
    render(<RulesPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'Version history of rule Escalate' }));
    expect(await screen.findByText('Changed steps[id=a].path: "/old" → "/new"')).toBeInTheDocument();

    await u.click(screen.getByRole('button', { name: 'Line by line' }));
    const diff = screen.getByLabelText('Line diff');
    expect(diff.textContent).toMatch(/- removed: +"path": "\/old"/);
    expect(diff.textContent).toMatch(/\+ added: +"path": "\/new"/);

    await u.click(screen.getByRole('button', { name: 'Restore version 1' }));
    await u.click(await screen.findByRole('button', { name: 'Restore' }));
    expect(await screen.findByText(/Restored “Escalate”; it is now version 3/)).toBeInTheDocument();
    expect(b.callsTo('POST', '/api/rules/r1/versions/1/restore').map((c) => c.path)).toEqual(['/api/rules/r1/versions/1/restore?baseVersion=2']);
  });

  it('restores over the version shown as current only: one someone saved meanwhile is named, shown as current, and nothing is restored', async () => {
    const b = backend();
    let saved = [1, 2];
    b.on('GET', '/api/rules/r1/versions', () => ({ items: saved.map((version) => ({ version, createdAt: v2.createdAt })) }));
    b.on('GET', '/api/rules/r1/versions/3', () => ({ ...v2, version: 3 }));
    b.on('POST', '/api/rules/r1/versions/1/restore', (req) => {
      const base = new URLSearchParams(req.path.split('?')[1] ?? '').get('baseVersion');
      const current = saved[saved.length - 1];
      if (Number(base) !== current) {
        return {
          status: 409,
          headers: {},
          body: { title: 'Conflict', status: 409, detail: `This rule was saved as version ${current} after version ${base} was opened here, so saving would replace that change unseen. Nothing was saved.`, reason: 'rule_changed', currentVersion: current, errors: { baseVersion: [`is ${base}, but the rule is now at version ${current}: someone else saved it since`] } },
        };
      }
      return { id: 'r1', name: 'Escalate', enabled: true, version: current + 1, definition: v1.definition };
    });
    const u = user();
    render(<RulesPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'Version history of rule Escalate' }));
    await screen.findByRole('button', { name: 'Restore version 1' });
    saved = [1, 2, 3]; // another administrator saves version 3 while this history shows version 2 as current

    await u.click(screen.getByRole('button', { name: 'Restore version 1' }));
    await u.click(await screen.findByRole('button', { name: 'Restore' }));
    const alert = await screen.findByText(/Someone else saved this rule meanwhile, so nothing was restored/);
    expect(alert.closest('[role="alert"]')?.textContent).toContain('saved as version 3 after version 2');
    expect(await screen.findByText('3 (current)')).toBeInTheDocument();
    expect(screen.queryByText(/Restored “Escalate”/)).toBeNull();

    await u.click(screen.getByRole('button', { name: 'Restore version 1' }));
    await u.click(await screen.findByRole('button', { name: 'Restore' }));
    expect(await screen.findByText(/Restored “Escalate”; it is now version 4/)).toBeInTheDocument();
    expect(b.callsTo('POST', '/api/rules/r1/versions/1/restore').map((c) => c.path)).toEqual([
      '/api/rules/r1/versions/1/restore?baseVersion=2',
      '/api/rules/r1/versions/1/restore?baseVersion=3',
    ]);
  });

  it('pages on to older versions when the history has more than one page', async () => {
    const b = backend();
    let failOnce = true;
    b.on('GET', '/api/rules/r1/versions', (req) => {
      if (!req.path.includes('cursor=')) return { items: [{ version: 2, createdAt: v2.createdAt }], nextCursor: '2' };
      if (failOnce) {
        failOnce = false;
        return { status: 503, headers: {}, body: { title: 'Service unavailable', status: 503 } };
      }
      return { items: [{ version: 1, createdAt: v1.createdAt }], nextCursor: null };
    });
    const u = user();
    render(<RulesPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'Version history of rule Escalate' }));
    const table = await screen.findByRole('table', { name: 'Versions' });
    expect(within(table).queryByText('1')).toBeNull();
    expect(screen.getByText('Only one version so far: save a change to compare versions.')).toBeInTheDocument();

    await u.click(screen.getByRole('button', { name: 'Show older versions' }));
    expect(await screen.findByText('Could not load older versions')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Show older versions' })).toBeInTheDocument();

    await u.click(screen.getByRole('button', { name: 'Show older versions' }));
    expect(await within(screen.getByRole('table', { name: 'Versions' })).findByText('1')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Show older versions' })).toBeNull();
    expect(screen.queryByText('Could not load older versions')).toBeNull();
    expect(b.callsTo('GET', '/api/rules/r1/versions?cursor=2')).toHaveLength(2);
    expect(await screen.findByText('Changed steps[id=a].path: "/old" → "/new"')).toBeInTheDocument();
  });

  it('hides write actions in read-only mode', async () => {
    backend();
    render(<RulesPage readOnly />);
    await screen.findByRole('table');
    expect(screen.queryByRole('button', { name: 'New rule' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Delete rule/ })).toBeNull();
    expect(screen.getByLabelText('Rule Escalate enabled')).toBeDisabled();
  });

  it('takes a rule off the list when its delete answers 404 (nothing of it is left), instead of an error on every try', async () => {
    const b = fakeBackend();
    let items = rules;
    b.on('GET', '/api/rules', () => ({ items }));
    b.on('DELETE', '/api/rules/r2', () => {
      // Another admin (or this delete, whose answer was lost) deleted it first.
      items = rules.filter((r) => r.id !== 'r2');
      return { status: 404, body: { title: 'Not Found', status: 404, detail: "Rule 'r2' does not exist." } };
    });
    const u = user();
    render(<RulesPage readOnly={false} />);
    await u.click(await screen.findByRole('button', { name: 'Delete rule Nightly' }));
    await u.click(screen.getByRole('button', { name: 'Delete' }));
    expect(await screen.findByText('Rule “Nightly” was already deleted.')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Delete rule Nightly' })).toBeNull());
    expect(screen.queryByText(/does not exist/)).toBeNull();
  });

  it('moves focus to the view it opens (history, editor) and back to the button that opened it', async () => {
    const b = backend();
    b.on('GET', '/api/rules/r1', () => ({ id: 'r1', name: 'Escalate', enabled: true, version: 2, definition: v2.definition }));
    b.on('GET', '/api/connections', () => ({ items: [{ id: 'c', name: 'CRM', baseUrl: 'https://crm.example.com', auth: { type: 'none' }, secretSet: false }] }));
    b.on('GET', '/api/webhooks', () => ({ items: [] }));
    const u = user();
    render(<RulesPage readOnly={false} />);
    const history = await screen.findByRole('button', { name: 'Version history of rule Escalate' });
    history.focus();
    await u.keyboard('{Enter}');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: /Version history of “Escalate”/ })));
    await u.click(screen.getByRole('button', { name: 'Back to rules' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Version history of rule Escalate' })));

    screen.getByRole('button', { name: 'Edit rule Escalate' }).focus();
    await u.keyboard('{Enter}');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: /Edit Escalate/ })));
    await u.click(screen.getAllByRole('button', { name: 'Cancel' })[0]);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Edit rule Escalate' })));
  });
});
