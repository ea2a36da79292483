import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { RunsPage } from './RunsPage';
import { WhyNotRunPanel } from './WhyNotRunPanel';
import { describeTrace } from '../lib/ruleTrace';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';

const entry = {
  ruleId: 'r1',
  ruleVersion: 2,
  at: '2026-12-03T12:01:00Z',
  source: 'event',
  eventType: 'avi:jira:updated:issue',
  issueId: '10012',
  issueKey: 'OPS-12',
  stage: 'trigger',
  path: 'trigger.projects',
  operator: 'in',
};

describe('why did the rule not run', () => {
  it('puts each stage into a sentence with its path and operator', () => {
    const at = () => '12:01';
    expect(describeTrace(entry, at)).toBe("Event 'issue updated' on OPS-12 at 12:01: the trigger's project filter didn't match (trigger.projects, in)");
    expect(describeTrace({ ...entry, stage: 'conditions', path: 'conditions.all[1]', operator: 'equals' }, at)).toBe(
      "Event 'issue updated' on OPS-12 at 12:01: a condition didn't pass (conditions.all[1], equals)",
    );
    expect(describeTrace({ ...entry, stage: 'conditions', path: 'conditions', operator: 'any' }, at)).toContain("none of the conditions of an 'any' group passed (conditions, any)");
    expect(describeTrace({ ...entry, stage: 'trigger', path: 'trigger.fieldChanged', operator: 'changed' }, at)).toContain("field-changed filter didn't match");
    expect(describeTrace({ ...entry, stage: 'disabled', path: 'enabled', operator: 'equals', issueKey: null, eventType: 'avi:jira:created:issue' }, at)).toBe(
      "Event 'issue created' on 10012 at 12:01: the rule is disabled (enabled, equals)",
    );
  });

  it("says why a schedule's JQL search did not fire, for each reason of the closed list", () => {
    const at = () => '12:05';
    const schedule = { ...entry, source: 'schedule', eventType: 'blubees:schedule', issueId: null, issueKey: null, stage: 'schedule', path: 'trigger.schedule.jql' };
    expect(describeTrace({ ...schedule, operator: 'jql_rejected' }, at)).toBe(
      "Event 'schedule' at 12:05: Jira refused the schedule's JQL, so nothing fired (correct the JQL and save the rule) (trigger.schedule.jql, jql_rejected)",
    );
    expect(describeTrace({ ...schedule, operator: 'system_token_missing' }, at)).toContain("came without the app's Jira token");
    expect(describeTrace({ ...schedule, operator: 'system_token_refused' }, at)).toContain("Jira refused the app's token");
  });

  it("shows the rule's recent non-runs under its runs and refreshes", async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules', () => ({ items: [{ id: 'r1', name: 'Escalate', enabled: true, version: 2 }] }));
    b.on('GET', '/api/connections', () => ({ items: [] }));
    b.on('GET', /^\/api\/runs\?/, () => ({ items: [], nextCursor: null }));
    b.on('GET', '/api/rules/r1/trace', () => ({ items: [entry, { ...entry, issueKey: 'OPS-13', stage: 'conditions', path: 'conditions.all[0]', operator: 'equals' }] }));
    const u = user();
    render(<RunsPage initialRuleId="r1" />);

    const list = await screen.findByRole('list', { name: 'Recent events that did not run the rule' });
    const items = within(list).getAllByRole('listitem').map((li) => li.textContent);
    expect(items[0]).toMatch(/^Event 'issue updated' on OPS-12 at .+: the trigger's project filter didn't match \(trigger\.projects, in\)$/);
    expect(items[1]).toMatch(/on OPS-13 .*a condition didn't pass \(conditions\.all\[0\], equals\)$/);

    await u.click(within(screen.getByRole('region', { name: "Why didn't it run?" })).getByRole('button', { name: 'Refresh' }));
    expect(b.callsTo('GET', '/api/rules/r1/trace').length).toBeGreaterThanOrEqual(2);
  });

  it('says so when nothing stopped, and is absent from the unfiltered run log', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules/r2/trace', () => ({ items: [] }));
    render(<WhyNotRunPanel ruleId="r2" />);
    expect(await screen.findByText('No recent event stopped before running this rule')).toBeInTheDocument();

    b.on('GET', '/api/rules', () => ({ items: [] }));
    b.on('GET', '/api/connections', () => ({ items: [] }));
    b.on('GET', /^\/api\/runs\?/, () => ({ items: [], nextCursor: null }));
    render(<RunsPage />);
    await screen.findByText('No runs match');
    expect(b.calls.filter((c) => c.path.endsWith('/trace'))).toHaveLength(1);
  });

  it('shows the error of a rule that no longer exists', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules/gone/trace', () => ({ status: 404, headers: {}, body: { title: 'Not Found', status: 404, detail: "Rule 'gone' does not exist." } }));
    render(<WhyNotRunPanel ruleId="gone" />);
    expect(await screen.findByText(/does not exist/)).toBeInTheDocument();
  });

  it('says on which day each event was stopped, not only the time of day (entries go back days)', async () => {
    const b = fakeBackend();
    b.on('GET', '/api/rules/r3/trace', () => ({ items: [entry, { ...entry, at: '2026-11-28T12:01:00Z' }] }));
    render(<WhyNotRunPanel ruleId="r3" />);
    const list = await screen.findByRole('list', { name: 'Recent events that did not run the rule' });
    const [today, earlier] = within(list).getAllByRole('listitem').map((li) => li.textContent);
    // The same issue, event and reason five days apart at the same time: the two lines must differ.
    expect(today).not.toBe(earlier);
  });
});
