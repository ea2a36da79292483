// An event type the builder does not offer (an imported or hand-written rule) is shown, can be unticked, and the
// backend's error for it (trigger.events[1]) is shown with the events.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import { RuleEditor } from './RuleEditor';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import type { RuleDefinition } from '../api';

const imported: RuleDefinition = {
  name: 'Imported',
  enabled: true,
  trigger: { type: 'event', events: ['avi:jira:updated:issue', 'avi:jira:update:issue'] },
  steps: [{ id: 'f', type: 'jira.fetch' }],
};

describe('trigger events', () => {
  it('an unsupported event is listed with its error and, unticked, is not saved', async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/connections', () => ({ items: [] }));
    backend.on('GET', '/api/webhooks', () => ({ items: [] }));
    let posts = 0;
    backend.on('POST', '/api/rules', (req) =>
      ++posts === 1
        ? { status: 400, body: { title: 'The rule is not valid', status: 400, errors: { 'trigger.events[1]': ["'avi:jira:update:issue' is not a supported event"] } } }
        : { status: 201, body: { id: 'r9', name: 'Imported', enabled: true, version: 1, definition: req.body } },
    );
    let saved = false;
    const u = user();
    render(<RuleEditor initial={imported} readOnly={false} onSaved={() => (saved = true)} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Imported');
    await u.click(screen.getAllByRole('button', { name: 'Create rule' })[0]);
    const events = (await screen.findByText('Events')).closest('fieldset')!;
    expect(await within(events).findByText("Value 2: 'avi:jira:update:issue' is not a supported event")).toBeInTheDocument();
    const unsupported = within(events).getByRole('checkbox', { name: /avi:jira:update:issue/ });
    expect(unsupported).toBeChecked();
    await u.click(unsupported);
    await u.click(screen.getAllByRole('button', { name: 'Create rule' })[0]);
    await waitFor(() => expect(saved).toBe(true));
    expect(backend.callsTo('POST', '/api/rules')[1].body).toMatchObject({ trigger: { type: 'event', events: ['avi:jira:updated:issue'] } });
  });
});
