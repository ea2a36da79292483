// A rule opened in the builder and saved without changes keeps its trigger as it was (docs/api.md "The rule format").
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render } from '@testing-library/react';
import type { RuleDefinition } from '../api';
import { TriggerEditor } from '../components/TriggerEditor';
import { definitionFromDraft, draftFromDefinition, type RuleDraft } from './ruleForm';
import { user } from '../test/utils';

const rule = (fieldChanged: Record<string, string>): RuleDefinition => ({
  name: 'Labels added to an unlabelled issue',
  enabled: true,
  trigger: { type: 'event', events: ['avi:jira:updated:issue'], fieldChanged: fieldChanged as never },
  steps: [{ id: 'f', type: 'jira.fetch' }],
});

describe('fieldChanged from/to', () => {
  it('an empty from or to ("", which matches an empty value, unlike leaving it out) is saved as it was', () => {
    for (const fc of [{ field: 'labels', from: '', to: 'urgent' }, { field: 'labels', from: 'urgent', to: '' }, { field: 'labels', from: '', to: '' }]) {
      const def = rule(fc);
      expect(definitionFromDraft(draftFromDefinition(def)).definition).toEqual(def);
    }
  });

  it('typing into it and clearing it again means any value (left out), as for a new rule', async () => {
    const u = user();
    let latest: RuleDraft | undefined;
    function Harness() {
      const [draft, setDraft] = useState(draftFromDefinition(rule({ field: 'labels', from: '', to: 'urgent' })));
      return <TriggerEditor draft={draft} onChange={(p) => setDraft((d) => (latest = { ...d, ...p }))} webhooks={[]} errors={{}} readOnly={false} />;
    }
    render(<Harness />);
    const from = document.getElementById('trigger-fieldChanged-from') as HTMLInputElement;
    await u.type(from, 'x');
    await u.clear(from);
    expect(definitionFromDraft(latest!).definition.trigger!.fieldChanged).toEqual({ field: 'labels', to: 'urgent' });
  });
});

describe('a schedule opened and saved without changes', () => {
  it('is saved as it was: an explicit UTC time zone, a cron the presets spell otherwise, a JQL with outer spaces', () => {
    for (const schedule of [
      { cron: '0 9 * * *', timeZone: 'UTC' },
      { cron: '00 09 * * 1-5', timeZone: 'Europe/Berlin' },
      { cron: ' 0 * * * * ' },
      { cron: '*/15 8-17 * * MON-FRI', jql: ' project = OPS ', maxIssues: 10 },
    ]) {
      const def: RuleDefinition = { name: 'Nightly', enabled: true, trigger: { type: 'schedule', schedule }, steps: [{ id: 'f', type: 'jira.fetch' }] };
      expect(definitionFromDraft(draftFromDefinition(def)).definition).toEqual(def);
    }
  });

  it('writes what the form shows once the admin changes it (a new time, another zone)', () => {
    const draft = draftFromDefinition({ name: 'N', enabled: true, trigger: { type: 'schedule', schedule: { cron: '00 09 * * *', timeZone: 'UTC' } }, steps: [{ id: 'f', type: 'jira.fetch' }] });
    const out = definitionFromDraft({ ...draft, schedule: { ...draft.schedule, time: '10:30', timeZone: 'Europe/Paris' } }).definition;
    expect(out.trigger!.schedule).toEqual({ cron: '30 10 * * *', timeZone: 'Europe/Paris' });
  });
});

describe("an event trigger's project and issue type lists", () => {
  it('are saved as they were: a name holding a comma stays one name, an empty list stays empty', () => {
    for (const narrowing of [{ issueTypes: ['Bug, critical', 'Task'] }, { projects: [] }, { projects: ['OPS'], issueTypes: [] }]) {
      const def: RuleDefinition = { name: 'N', enabled: true, trigger: { type: 'event', events: ['avi:jira:created:issue'], ...narrowing }, steps: [{ id: 'f', type: 'jira.fetch' }] };
      expect(definitionFromDraft(draftFromDefinition(def)).definition).toEqual(def);
    }
  });
});
