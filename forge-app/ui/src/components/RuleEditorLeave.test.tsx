// Leaving the rule editor with changes that are not saved asks first; leaving without changes does not.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import { RuleEditor } from './RuleEditor';
import { AdminApp } from './AdminApp';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import type { Rule } from '../api';

const savedRule: Rule = {
  id: 'r1',
  name: 'Escalate',
  enabled: true,
  version: 3,
  definition: {
    name: 'Escalate',
    enabled: true,
    trigger: { type: 'event', events: ['avi:jira:updated:issue'] },
    steps: [{ id: 'note', type: 'jira.comment', body: 'Escalated' }],
  },
};

function open() {
  const backend = fakeBackend();
  backend.on('GET', '/api/connections', () => ({ items: [] }));
  backend.on('GET', '/api/webhooks', () => ({ items: [] }));
  backend.on('GET', '/api/rules/r1', () => savedRule);
  let left = 0;
  render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => left++} />);
  return { left: () => left };
}

describe('leaving the rule editor', () => {
  it('without changes, Cancel goes back at once', async () => {
    const u = user();
    const editor = open();
    await screen.findByLabelText(/^Name/);
    await u.click(screen.getAllByRole('button', { name: 'Cancel' })[0]);
    expect(editor.left()).toBe(1);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('with a change, Cancel asks; "Cancel" keeps the edit, "Discard changes" goes back', async () => {
    const u = user();
    const editor = open();
    const name = await screen.findByLabelText(/^Name/);
    await u.type(name, ' now');
    await u.click(screen.getAllByRole('button', { name: 'Cancel' })[0]);
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Discard your changes?');
    expect(editor.left()).toBe(0);
    await u.click(screen.getAllByRole('button', { name: 'Cancel' }).find((b) => dialog.contains(b))!);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByLabelText(/^Name/)).toHaveValue('Escalate now');
    await u.click(screen.getAllByRole('button', { name: 'Cancel' })[0]);
    await u.click(await screen.findByRole('button', { name: 'Discard changes' }));
    expect(editor.left()).toBe(1);
  });
});

describe('leaving the rule editor for another tab', () => {
  it('with a change, asks first; "Cancel" stays on the rule, "Discard changes" opens the tab', async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/me', () => ({ accountId: 'acc-1', isAdmin: true }));
    backend.on('GET', '/api/rules', () => ({ items: [{ id: 'r1', name: 'Escalate', enabled: true, version: 3, trigger: 'event' }] }));
    backend.on('GET', '/api/rules/r1', () => savedRule);
    backend.on('GET', '/api/connections', () => ({ items: [] }));
    backend.on('GET', '/api/webhooks', () => ({ items: [] }));
    const u = user();
    render(<AdminApp />);
    await u.click(await screen.findByRole('button', { name: 'Edit rule Escalate' }));
    await u.type(await screen.findByLabelText(/^Name/), ' now');
    await u.click(screen.getByRole('tab', { name: 'Connections' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Discard your changes?');
    await u.click(screen.getAllByRole('button', { name: 'Cancel' }).find((b) => dialog.contains(b))!);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByLabelText(/^Name/)).toHaveValue('Escalate now');
    await u.click(screen.getByRole('tab', { name: 'Connections' }));
    await u.click(await screen.findByRole('button', { name: 'Discard changes' }));
    await waitFor(() => expect(screen.getByRole('tab', { name: 'Connections' })).toHaveAttribute('aria-selected', 'true'));
    expect(screen.queryByLabelText(/^Name/)).toBeNull();
  });

  it('without changes, the tab opens at once', async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/me', () => ({ accountId: 'acc-1', isAdmin: true }));
    backend.on('GET', '/api/rules', () => ({ items: [{ id: 'r1', name: 'Escalate', enabled: true, version: 3, trigger: 'event' }] }));
    backend.on('GET', '/api/rules/r1', () => savedRule);
    backend.on('GET', '/api/connections', () => ({ items: [] }));
    backend.on('GET', '/api/webhooks', () => ({ items: [] }));
    const u = user();
    render(<AdminApp />);
    await u.click(await screen.findByRole('button', { name: 'Edit rule Escalate' }));
    await screen.findByLabelText(/^Name/);
    await u.click(screen.getByRole('tab', { name: 'Connections' }));
    expect(screen.getByRole('tab', { name: 'Connections' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('reloading or closing the page with changes not saved asks the browser to confirm; without changes it does not', async () => {
    const u = user();
    open();
    const name = await screen.findByLabelText(/^Name/);
    const unload = () => {
      const event = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(event);
      return event.defaultPrevented;
    };
    expect(unload()).toBe(false);
    await u.type(name, ' now');
    expect(unload()).toBe(true);
  });
});

describe('leaving after a save with warnings', () => {
  function openWithWarnings() {
    const backend = fakeBackend();
    backend.on('GET', '/api/connections', () => ({ items: [] }));
    backend.on('GET', '/api/webhooks', () => ({ items: [] }));
    backend.on('GET', '/api/rules/r1', () => savedRule);
    backend.on('PUT', '/api/rules/r1', (req) => ({
      ...savedRule,
      version: 4,
      definition: req.body,
      warnings: [{ path: 'steps[0].body', code: 'unknown_scope_root', message: "'isue' is not part of the rule's data." }],
    }));
    const left: Rule[] = [];
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={(r) => left.push(r)} onCancel={() => undefined} />);
    return { left, backend };
  }

  it('"Done: back to the rules" with changes made after the save asks first, and keeps them when the admin stays', async () => {
    const u = user();
    const editor = openWithWarnings();
    await u.type(await screen.findByLabelText(/^Name/), ' now');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await screen.findByText('Saved version 4, with 1 warning');
    // Fixing what the warning says, then leaving by the warning's own button.
    await u.type(screen.getByLabelText(/^Name/), ' and then');
    await u.click(screen.getByRole('button', { name: 'Done: back to the rules' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Discard your changes?');
    expect(editor.left).toEqual([]);
    await u.click(screen.getAllByRole('button', { name: 'Cancel' }).find((b) => dialog.contains(b))!);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByLabelText(/^Name/)).toHaveValue('Escalate now and then');
    await u.click(screen.getByRole('button', { name: 'Done: back to the rules' }));
    await u.click(await screen.findByRole('button', { name: 'Discard changes' }));
    expect(editor.left.map((r) => r.version)).toEqual([4]);
  });

  it('"Done: back to the rules" with nothing changed since the save goes back at once', async () => {
    const u = user();
    const editor = openWithWarnings();
    await u.type(await screen.findByLabelText(/^Name/), ' now');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await u.click(await screen.findByRole('button', { name: 'Done: back to the rules' }));
    expect(editor.left.map((r) => r.version)).toEqual([4]);
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
