// jira.edit's field picker offers the fields the step can set (the backend's JiraFieldRules.Check: summary,
// description, labels, priority, assignee, duedate, resolution, customfield_<digits>); jira.create's offers every field.
import React from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { clearJiraCache } from '../components/JiraPicker';
import { StepsEditor } from '../components/StepsEditor';
import { draftFromDefinition } from '../lib/ruleForm';
import { user } from '../test/utils';

const bridge = vi.hoisted(() => ({ requestJira: undefined as undefined | ((path: string) => Promise<{ status: number; ok: boolean; json: () => Promise<unknown> }>) }));
vi.mock('@forge/bridge', () => ({
  get requestJira() {
    return bridge.requestJira;
  },
  invokeRemote: async () => {
    throw new Error('not in this test');
  },
  view: { getContext: async () => ({}), theme: { enable: async () => undefined } },
}));

const fields = [
  { id: 'summary', name: 'Summary', custom: false, schema: { type: 'string' } },
  { id: 'duedate', name: 'Due date', custom: false, schema: { type: 'date' } },
  { id: 'environment', name: 'Environment', custom: false, schema: { type: 'string' } },
  { id: 'priority', name: 'Priority', custom: false, schema: { type: 'priority' } },
  { id: 'customfield_10016', name: 'Story points', custom: true, schema: { type: 'number' } },
];
beforeEach(() => {
  clearJiraCache();
  bridge.requestJira = async (path: string) => ({ status: path.startsWith('/rest/api/3/field') ? 200 : 404, ok: path.startsWith('/rest/api/3/field'), json: async () => (path.startsWith('/rest/api/3/field') ? fields : {}) });
});

async function offered(type: 'jira.edit' | 'jira.create') {
  const u = user();
  const step = type === 'jira.edit' ? { id: 'e', type, fields: { summary: 'x' } } : { id: 'c', type, issueType: 'Task', fields: { summary: 'x', customfield_10016: '3' } };
  const draft = draftFromDefinition({ name: 'x', enabled: true, trigger: { type: 'manual' }, steps: [step] } as never);
  render(<StepsEditor steps={draft.steps} onChange={() => undefined} connections={[]} errors={{}} readOnly={false} />);
  const input = document.getElementById('step-0-field-0') as HTMLInputElement;
  input.focus();
  await u.keyboard('{ArrowDown}');
  const options = within(await screen.findByRole('listbox')).getAllByRole('option').map((o) => o.textContent ?? '');
  return options.join(' | ');
}

describe("jira.edit's field picker", () => {
  it('offers summary, priority, due date and custom fields, not environment (the backend refuses it for an edit)', async () => {
    const list = await offered('jira.edit');
    expect(list).toContain('Summary (summary)');
    expect(list).toContain('Priority (priority)');
    expect(list).toContain('Due date (duedate)');
    expect(list).toContain('Story points (customfield_10016)');
    expect(list).not.toContain('Environment');
  });

  it('jira.create still offers every field', async () => {
    const list = await offered('jira.create');
    expect(list).toContain('Due date (duedate)');
    expect(list).toContain('Environment (environment)');
  });
});
