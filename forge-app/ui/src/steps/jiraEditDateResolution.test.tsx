// jira.edit sets the due date (a day picked, or a smart value) and the resolution (picked from Jira's
// GET /rest/api/3/resolution) without JSON, and refuses before a save what the backend refuses (JiraFieldRules.Check):
// a priority left blank, a due date that is not a day.
import React, { useState } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { clearJiraCache } from '../components/JiraPicker';
import { EDIT_SETTABLE, jiraEditKind } from './jira';
import { jiraCreateKind } from './jiraMore';
import { formValuesFor } from './registry';
import type { StepKind, Values } from './types';
import { choose, user } from '../test/utils';

const bridge = vi.hoisted(() => ({ requestJira: undefined as undefined | ((path: string) => Promise<{ status: number; ok: boolean; json: () => Promise<unknown> }>), calls: [] as string[] }));
vi.mock('@forge/bridge', () => ({
  get requestJira() {
    return bridge.requestJira;
  },
  invokeRemote: async () => {
    throw new Error('not in this test');
  },
  view: { getContext: async () => ({}), theme: { enable: async () => undefined } },
}));

// Get resolutions: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-resolutions/#api-rest-api-3-resolution-get
const RESOLUTIONS = [
  { self: 'https://x.atlassian.net/rest/api/3/resolution/10000', id: '10000', name: 'Done', description: 'Work on this issue is complete.' },
  { self: 'https://x.atlassian.net/rest/api/3/resolution/10001', id: '10001', name: "Won't Do", description: 'This issue won’t be actioned.' },
];

// Search priorities: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-priorities/#api-rest-api-3-priority-search-get
const PRIORITIES = [
  { id: '1', name: 'Highest', statusColor: '#d04437' },
  { id: '2', name: 'High', statusColor: '#f15C75' },
];

beforeEach(() => {
  clearJiraCache();
  bridge.calls = [];
  bridge.requestJira = async (path: string) => {
    bridge.calls.push(path);
    if (path === '/rest/api/3/resolution') return { status: 200, ok: true, json: async () => RESOLUTIONS };
    if (path === '/rest/api/3/priority/search?maxResults=100') return { status: 200, ok: true, json: async () => ({ values: PRIORITIES, isLast: true }) };
    return { status: 404, ok: false, json: async () => ({}) };
  };
});

function Harness({ kind, initial, onValues }: { kind: StepKind; initial: Values; onValues: (v: Values) => void }) {
  const [values, setValues] = useState<Values>(initial);
  onValues(values);
  const Form = kind.Form;
  return <Form index={0} values={values} onChange={(patch) => setValues((v) => ({ ...v, ...patch }))} errors={{}} path="steps[0]" readOnly={false} connections={[]} />;
}
const problems = (kind: StepKind, v: Values) => {
  const out: Record<string, string> = {};
  kind.toJson(v, (k, m) => (out[k] = m));
  return out;
};

describe('jira.edit: due date and resolution', () => {
  it('the field picker offers the due date and the resolution', () => {
    expect(EDIT_SETTABLE.test('duedate')).toBe(true);
    expect(EDIT_SETTABLE.test('resolution')).toBe(true);
  });

  it('an admin picks a day and a resolution of the site, with no JSON', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness kind={jiraEditKind} initial={formValuesFor({ type: 'jira.edit', fields: { duedate: '', resolution: '' } })!} onValues={(v) => (latest = v)} />);
    fireEvent.change(screen.getByLabelText(/^Pick a day 1/), { target: { value: '2026-12-31' } });
    await choose(u, 'step-0-value-1', /^Won't Do/);

    expect(bridge.calls).toContain('/rest/api/3/resolution');
    expect(jiraEditKind.toJson(latest, () => undefined).fields).toEqual({ duedate: '2026-12-31', resolution: "Won't Do" });
    expect(problems(jiraEditKind, latest)).toEqual({});
  });

  it('a smart value due date and empty values (no due date, unresolved) round-trip unchanged', () => {
    const step = { type: 'jira.edit', fields: { duedate: '{{ now | plus_days: 3 }}', resolution: null } };
    const values = formValuesFor(step)!;
    expect(problems(jiraEditKind, values)).toEqual({});
    expect(jiraEditKind.toJson(values, () => undefined)).toEqual(step);
  });

  it('a due date that is not a day is refused at the field before a save', () => {
    for (const duedate of ['31/12/2026', '2026-02-30', 'next week']) {
      expect(problems(jiraEditKind, formValuesFor({ type: 'jira.edit', fields: { duedate } })!)['fields.duedate'], duedate).toMatch(/not a day/);
    }
    for (const duedate of ['2026-12-31', '2026-12-31T08:00:00.000+0100', '{{ issue.fields.created | plus_days: 3 }}', '']) {
      expect(problems(jiraEditKind, formValuesFor({ type: 'jira.edit', fields: { duedate } })!), duedate).toEqual({});
    }
  });
});

describe('a priority left blank', () => {
  it('is picked from the site’s priorities instead', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness kind={jiraEditKind} initial={formValuesFor({ type: 'jira.edit', fields: { priority: '' } })!} onValues={(v) => (latest = v)} />);
    expect(problems(jiraEditKind, latest)['fields.priority']).toMatch(/no empty priority/);
    await choose(u, 'step-0-value-0', 'Highest');
    expect(jiraEditKind.toJson(latest, () => undefined).fields).toEqual({ priority: 'Highest' });
    expect(problems(jiraEditKind, latest)).toEqual({});
  });


  it('is refused before a save at fields.priority, on edit and on create, as the backend refuses it', () => {
    const edit = formValuesFor({ type: 'jira.edit', fields: { summary: 'x', priority: '' } })!;
    const create = formValuesFor({ type: 'jira.create', issueType: 'Task', fields: { summary: 'x', priority: '  ' } })!;
    expect(problems(jiraEditKind, edit)['fields.priority']).toMatch(/no empty priority/);
    expect(problems(jiraCreateKind, create)['fields.priority']).toMatch(/no empty priority/);
    const named = formValuesFor({ type: 'jira.edit', fields: { priority: '{{ steps.triage.output.priority }}' } })!;
    expect(problems(jiraEditKind, named)).toEqual({});
  });
});
