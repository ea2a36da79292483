// jira.edit / jira.create field values Jira takes as objects the earlier value types did not write: a cascading
// select (parent option and child option), several options / components / versions by id, and several users picked
// by name. Each is built without JSON, and a saved rule in those shapes opens as typed rows and saves unchanged.
import React, { useState } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import { clearJiraCache } from '../components/JiraPicker';
import { jiraEditKind } from './jira';
import { jiraCreateKind } from './jiraMore';
import { formValuesFor } from './registry';
import type { FieldRow } from './jira';
import type { StepKind, Values } from './types';
import { choose, user } from '../test/utils';

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
beforeEach(() => {
  bridge.requestJira = undefined;
  clearJiraCache();
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

describe('Jira field values: cascading selects, values by id, several users', () => {
  it('a saved step with a cascading select, options and versions by id and several users opens as typed rows and saves unchanged', () => {
    const step = {
      type: 'jira.create',
      issueType: 'Task',
      fields: {
        summary: 'x',
        customfield_10070: { value: 'Europe', child: { value: '{{ issue.fields.customfield_10071 }}' } },
        customfield_10030: [{ id: '10001' }, { id: '10002' }],
        fixVersions: [{ id: '10100' }],
        customfield_10040: [{ accountId: 'a1' }, { accountId: 'b2' }],
      },
    };
    const values = formValuesFor(step)!;
    expect((values.rows as FieldRow[]).map((r) => (r.json ? 'json' : (r.kind ?? 'text')))).toEqual(['cascade', 'ids', 'ids', 'users']);
    expect(jiraCreateKind.toJson(values, () => undefined)).toEqual(step);
  });

  it('an admin sets a cascading select and options by id with no JSON', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness kind={jiraEditKind} initial={formValuesFor({ type: 'jira.edit', fields: { customfield_10070: '', customfield_10030: '' } })!} onValues={(v) => (latest = v)} />);
    await choose(u, 'step-0-kind-0', 'Cascading option (parent and child), by name');
    await u.type(screen.getByLabelText(/^Value 1: parent option/), 'Europe');
    await u.type(screen.getByLabelText(/^Value 1: child option/), 'Belgium');
    await choose(u, 'step-0-kind-1', 'Several by id (options, components, versions)');
    await u.type(screen.getByLabelText(/^Values 2 \(one per line\)/), '10001{Enter}10002');
    expect(jiraEditKind.toJson(latest, () => undefined).fields).toEqual({
      customfield_10070: { value: 'Europe', child: { value: 'Belgium' } },
      customfield_10030: [{ id: '10001' }, { id: '10002' }],
    });
    expect(problems(jiraEditKind, latest)).toEqual({});
  });

  it('a cascading select without its child option is refused at the field (the parent alone is an option by name)', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness kind={jiraEditKind} initial={formValuesFor({ type: 'jira.edit', fields: { customfield_10070: '' } })!} onValues={(v) => (latest = v)} />);
    await choose(u, 'step-0-kind-0', 'Cascading option (parent and child), by name');
    await u.type(screen.getByLabelText(/^Value 1: parent option/), 'Europe');
    expect(problems(jiraEditKind, latest)).toEqual({ 'fields.customfield_10070': 'Enter the child option (for the parent alone, choose “Option, by its name”).' });
  });

  it('several users are picked by name from Jira and saved by account id', async () => {
    bridge.requestJira = async (path: string) => ({
      status: 200,
      ok: true,
      json: async () => (path.includes('query=ana') ? [{ accountId: 'a1', displayName: 'Ana Lima', accountType: 'atlassian', active: true }] : [{ accountId: 'b2', displayName: 'Bo Chen', accountType: 'atlassian', active: true }]),
    });
    const u = user();
    let latest: Values = {};
    render(<Harness kind={jiraEditKind} initial={formValuesFor({ type: 'jira.edit', fields: { customfield_10040: '' } })!} onValues={(v) => (latest = v)} />);
    await choose(u, 'step-0-kind-0', 'Several users');
    const input = document.getElementById('step-0-value-0') as HTMLInputElement;
    await u.type(input, 'ana');
    await u.click(await screen.findByText('Ana Lima'));
    await u.type(input, 'bo');
    await u.click(await screen.findByText('Bo Chen'));
    expect(jiraEditKind.toJson(latest, () => undefined).fields).toEqual({ customfield_10040: [{ accountId: 'a1' }, { accountId: 'b2' }] });
  });

  it('a cascading select by option ids opens as its rows and is built without JSON', async () => {
    const step = { type: 'jira.edit', fields: { customfield_10070: { id: '10100', child: { id: '10105' } } } };
    const values = formValuesFor(step)!;
    expect((values.rows as FieldRow[])[0].kind).toBe('cascadeId');
    expect(jiraEditKind.toJson(values, () => undefined)).toEqual(step);

    const u = user();
    let latest: Values = {};
    render(<Harness kind={jiraEditKind} initial={formValuesFor({ type: 'jira.edit', fields: { customfield_10070: '' } })!} onValues={(v) => (latest = v)} />);
    await choose(u, 'step-0-kind-0', 'Cascading option (parent and child), by id');
    await u.type(screen.getByLabelText(/^Value 1: parent option id/), '10100');
    await u.type(screen.getByLabelText(/^Value 1: child option id/), '10105');
    expect(jiraEditKind.toJson(latest, () => undefined).fields).toEqual({ customfield_10070: { id: '10100', child: { id: '10105' } } });
  });
});
