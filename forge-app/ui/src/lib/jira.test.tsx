import React, { useState } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { clearJiraCache, JiraMultiSelect, JiraSelect, JiraUserSelect } from '../components/JiraPicker';
import { user } from '../test/utils';
import { fieldOptions, jira, JiraRequestFailed, JiraUnavailable } from './jira';

// A mocked @forge/bridge whose requestJira each test sets (or removes, as outside Jira).
const bridge = vi.hoisted(() => ({ requestJira: undefined as undefined | ((path: string) => Promise<{ status: number; json: () => Promise<unknown> }>), calls: [] as string[] }));
vi.mock('@forge/bridge', () => ({
  get requestJira() {
    return bridge.requestJira;
  },
  invokeRemote: async () => {
    throw new Error('not in this test');
  },
  view: { getContext: async () => ({}), theme: { enable: async () => undefined } },
}));

function answer(routes: Record<string, { status?: number; body: unknown }>) {
  bridge.requestJira = async (path: string) => {
    bridge.calls.push(path);
    const key = Object.keys(routes).find((k) => path.startsWith(k));
    const r = key ? routes[key] : { status: 404, body: {} };
    return { status: r.status ?? 200, ok: (r.status ?? 200) < 300, json: async () => r.body };
  };
}

beforeEach(() => {
  bridge.requestJira = undefined;
  bridge.calls = [];
  clearJiraCache();
});

describe('Jira look-ups through requestJira (documented REST v3 shapes)', () => {
  it('maps projects, issue types, statuses, transitions, fields and users', async () => {
    answer({
      '/rest/api/3/project/search': { body: { values: [{ id: '1', key: 'OPS', name: 'Operations' }], isLast: true } },
      '/rest/api/3/issuetype': { body: [{ id: '1', name: 'Bug' }, { id: '2', name: 'Task' }, { id: '3', name: 'Bug' }] },
      '/rest/api/3/status': { body: [{ id: '1', name: 'To Do', statusCategory: { key: 'new', name: 'To Do' } }, { id: '3', name: 'Done', statusCategory: { key: 'done', name: 'Done' } }] },
      '/rest/api/3/issue/OPS-1/transitions': { body: { transitions: [{ id: '31', name: 'Close', to: { id: '3', name: 'Done' } }, { id: '21', name: 'In Progress', to: { name: 'In Progress' } }] } },
      '/rest/api/3/field': { body: [{ id: 'customfield_10016', name: 'Story points', custom: true, schema: { type: 'number' } }, { id: 'summary', name: 'Summary', custom: false, schema: { type: 'string' } }, { id: 'labels', name: 'Labels', custom: false, schema: { type: 'array', items: 'string' } }] },
      '/rest/api/3/user/search': { body: [{ accountId: 'a1', displayName: 'Ana', accountType: 'atlassian', active: true }, { accountId: 'bot', displayName: 'Bot', accountType: 'app', active: true }, { accountId: 'gone', displayName: 'Old', active: false }] },
    });
    expect(await jira.projects('op')).toEqual([{ value: 'OPS', label: 'Operations (OPS)' }]);
    expect(bridge.calls[0]).toBe('/rest/api/3/project/search?maxResults=50&query=op');
    expect(await jira.issueTypes()).toEqual([{ value: 'Bug', label: 'Bug' }, { value: 'Task', label: 'Task' }]);
    expect((await jira.statuses()).map((s) => s.value)).toEqual(['Done', 'To Do']);
    expect(await jira.transitions('OPS-1')).toEqual([
      { value: 'Close', label: 'Close → Done', detail: '31' },
      { value: 'In Progress', label: 'In Progress', detail: '21' },
    ]);
    const fields = await jira.fields();
    expect(fields.map((f) => f.id)).toEqual(['labels', 'summary', 'customfield_10016']);
    expect(fieldOptions(fields)[0]).toEqual({ value: 'labels', label: 'Labels (labels)', detail: 'array of string' });
    expect(await jira.users('an')).toEqual([{ value: 'a1', label: 'Ana' }]);
  });

  it('reports 403 as a permission problem and a missing requestJira as unavailable', async () => {
    answer({ '/rest/api/3/field': { status: 403, body: { errorMessages: ['no'] } } });
    await expect(jira.fields()).rejects.toBeInstanceOf(JiraRequestFailed);
    await expect(jira.fields()).rejects.toThrow(/no permission/);
    bridge.requestJira = undefined;
    await expect(jira.projects()).rejects.toBeInstanceOf(JiraUnavailable);
  });
});

function Multi() {
  const [values, setValues] = useState<string[]>([]);
  return (
    <>
      <JiraMultiSelect id="projects" label="Projects" values={values} onChange={setValues} cacheKey="projects" load={() => jira.projects()} />
      <output data-testid="out">{values.join(',')}</output>
    </>
  );
}
function Single() {
  const [value, setValue] = useState('');
  return (
    <>
      <JiraSelect id="transition" label="Transition" value={value} onChange={setValue} cacheKey="transitions:OPS-1" load={() => jira.transitions('OPS-1')} />
      <output data-testid="out">{value}</output>
    </>
  );
}

describe('Jira pickers', () => {
  it('success: lists the projects the user can see and stores the key', async () => {
    answer({ '/rest/api/3/project/search': { body: { values: [{ key: 'OPS', name: 'Operations' }, { key: 'WEB', name: 'Website' }] } } });
    const u = user();
    render(<Multi />);
    const input = document.getElementById('projects') as HTMLInputElement;
    input.focus();
    await u.keyboard('{ArrowDown}');
    const listbox = await screen.findByRole('listbox');
    await u.click(await within(listbox).findByText('Operations (OPS)'));
    expect(screen.getByTestId('out')).toHaveTextContent('OPS');
  });

  it('success: transitions of an issue, or a typed name', async () => {
    answer({ '/rest/api/3/issue/OPS-1/transitions': { body: { transitions: [{ id: '31', name: 'Close', to: { name: 'Done' } }] } } });
    const u = user();
    render(<Single />);
    const input = document.getElementById('transition') as HTMLInputElement;
    input.focus();
    await u.keyboard('{ArrowDown}');
    await u.click(await within(await screen.findByRole('listbox')).findByText(/Close → Done/));
    expect(screen.getByTestId('out')).toHaveTextContent('Close');
  });

  it('403: falls back to free text with a hint, and typing still works', async () => {
    answer({ '/rest/api/3/project/search': { status: 403, body: {} } });
    const u = user();
    render(<Multi />);
    expect(await screen.findByTestId('projects-hint')).toHaveTextContent(/no permission/);
    await u.type(screen.getByLabelText(/^Projects/), 'OPS, WEB');
    expect(screen.getByTestId('out')).toHaveTextContent('OPS,WEB');
  });

  it('requestJira missing (local dev): free text with a clear hint at once, no crash', async () => {
    const u = user();
    render(<Single />);
    expect(screen.getByTestId('transition-hint')).toHaveTextContent(/not available here/);
    await u.type(screen.getByLabelText(/^Transition/), 'Done');
    expect(screen.getByTestId('out')).toHaveTextContent('Done');
    expect(bridge.calls).toEqual([]);
  });
});

function UserPicker() {
  const [value, setValue] = useState('');
  return (
    <>
      <JiraUserSelect id="assignee" label="Assignee" value={value} onChange={setValue} search={(q) => jira.users(q)} fallback={(hint) => <span data-testid="user-fallback">{hint}</span>} />
      <output data-testid="out">{value}</output>
    </>
  );
}

describe('Jira user picker', () => {
  it('success: searches as you type and stores the account id', async () => {
    answer({ '/rest/api/3/user/search': { body: [{ accountId: 'a1', displayName: 'Ana Lima', accountType: 'atlassian', active: true }] } });
    const u = user();
    render(<UserPicker />);
    await u.type(document.getElementById('assignee') as HTMLInputElement, 'ana');
    await u.click(await screen.findByText('Ana Lima'));
    expect(screen.getByTestId('out')).toHaveTextContent('a1');
    expect(bridge.calls.some((c) => c.startsWith('/rest/api/3/user/search?maxResults=20&query=ana'))).toBe(true);
  });
  it('403 (no read:jira-user): falls back with the reason', async () => {
    answer({ '/rest/api/3/user/search': { status: 403, body: {} } });
    const u = user();
    render(<UserPicker />);
    await u.type(document.getElementById('assignee') as HTMLInputElement, 'ana');
    expect(await screen.findByTestId('user-fallback')).toHaveTextContent(/no permission/);
  });
  it('requestJira missing: falls back at once', () => {
    render(<UserPicker />);
    expect(screen.getByTestId('user-fallback')).toHaveTextContent(/not available here/);
  });
});
