import { describe, expect, it } from 'vitest';
import type { RuleDefinition } from '../api';
import { definitionFromDraft, draftFromDefinition, emptyDraft } from './ruleForm';
import { emptySchedule } from './scheduleForm';

const full: RuleDefinition = {
  name: 'Notify',
  enabled: true,
  trigger: {
    type: 'event',
    events: ['avi:jira:updated:issue'],
    projects: ['ABC', 'XYZ'],
    issueTypes: ['Bug'],
    fieldChanged: { field: 'status', from: 'To Do', to: 'Done' },
  },
  conditions: { any: [{ field: 'issue.fields.priority.name', op: 'equals', value: 'High' }] },
  steps: [
    {
      id: 'post',
      type: 'http',
      connection: 'conn-1',
      method: 'POST',
      path: '/hooks/{{ issue.key }}',
      headers: { 'X-Trace': '{{ issue.id }}' },
      query: { source: 'jira' },
      body: { summary: '{{ issue.fields.summary }}', labels: ['a'] },
      timeoutSeconds: 10,
      onError: 'continue',
    },
  ],
};

describe('rule draft', () => {
  it('keeps steps no form can show exactly (unknown kinds, rich ADF comments) whole, as JSON; known kinds (an absolute url too) get their form', () => {
    const def: RuleDefinition = {
      ...full,
      steps: [
        full.steps[0],
        { id: 'comment', type: 'jira.comment', body: 'Seen {{ issue.key }}', onError: 'continue' },
        { id: 'ping', type: 'http', url: 'https://hooks.example.com/x', method: 'POST' },
        { id: 'future', type: 'jira.worklog', timeSpent: '1h' },
        { id: 'adf', type: 'jira.comment', body: { type: 'doc', version: 1, content: [] } },
        // Bold alone has a text form now (steps/commentFormat.test.tsx); bold and italic on one text has none.
        { id: 'bold', type: 'jira.comment', body: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Urgent', marks: [{ type: 'strong' }, { type: 'em' }] }] }] } },
      ],
    };
    const draft = draftFromDefinition(def);
    expect(draft.steps.map((s) => s.mode)).toEqual(['form', 'form', 'form', 'json', 'json', 'json']);
    expect(draft.steps[1].type).toBe('jira.comment');
    expect(JSON.parse(draft.steps[3].jsonText)).toEqual({ type: 'jira.worklog', timeSpent: '1h' });
    const { definition, errors } = definitionFromDraft(draft);
    expect(errors).toEqual({});
    expect(definition).toEqual(def);
  });

  it('reports a JSON step that does not parse, is not an object, or has no type', () => {
    const base = emptyDraft();
    const json = (jsonText: string, id: string) => ({ ...base.steps[0], uid: id, id, mode: 'json' as const, jsonText });
    const { errors } = definitionFromDraft({ ...base, name: 'x', steps: [json('{nope', 'a'), json('[1]', 'b'), json('{ "model": "m" }', 'c')] });
    expect(errors['steps[0]'][0]).toMatch(/^The step definition is not valid JSON/);
    expect(errors['steps[1]']).toEqual(['The step definition must be a JSON object.']);
    expect(errors['steps[2].type']).toEqual(['Give the step a "type", for example "http".']);
  });

  it('the step id field wins over an id inside the JSON', () => {
    const base = emptyDraft();
    const step = { ...base.steps[0], id: 'outer', mode: 'json' as const, jsonText: '{ "id": "inner", "type": "ai.chat" }' };
    const { definition } = definitionFromDraft({ ...base, name: 'x', steps: [step] });
    expect(definition.steps).toEqual([{ id: 'outer', type: 'ai.chat' }]);
  });

  it('round-trips a full definition', () => {
    const { definition, errors } = definitionFromDraft(draftFromDefinition(full));
    expect(errors).toEqual({});
    expect(definition).toEqual(full);
  });

  it('omits empty optional parts', () => {
    const first = emptyDraft().steps[0];
    const draft = { ...emptyDraft(), name: 'x', steps: [{ ...first, values: { ...first.values, connection: 'c' } }] };
    const { definition, errors } = definitionFromDraft(draft);
    expect(errors).toEqual({});
    expect(definition).toEqual({
      name: 'x',
      enabled: true,
      trigger: { type: 'event', events: ['avi:jira:created:issue'] },
      steps: [{ id: 'step_1', type: 'http', connection: 'c', method: 'POST', path: '/' }],
    });
  });

  it('reports local problems keyed by JSON path', () => {
    const base = draftFromDefinition(full);
    const draft = {
      ...base,
      name: ' ',
      events: [],
      fieldChanged: { field: '', from: '', to: '' },
      steps: [
        { ...base.steps[0], values: { ...base.steps[0].values, connection: '', bodyText: '{not json', timeoutSeconds: '-1' } },
        { ...base.steps[0], uid: 'other', values: { ...base.steps[0].values, path: '' } },
      ],
    };
    const { errors } = definitionFromDraft(draft);
    expect(Object.keys(errors).sort()).toEqual(
      ['name', 'trigger.events', 'trigger.fieldChanged.field', 'steps[0].connection', 'steps[0].body', 'steps[0].timeoutSeconds', 'steps[1].id', 'steps[1].path'].sort(),
    );
    expect(errors['steps[1].id']).toEqual(['Step ids must be unique.']);
    const badId = definitionFromDraft({ ...base, steps: [{ ...base.steps[0], id: '1-step' }] });
    expect(badId.errors['steps[0].id']).toEqual(["Use letters, digits and '_', not starting with a digit (at most 40)."]);
  });

  it('builds schedule, manual and webhook triggers', () => {
    const base = { ...draftFromDefinition(full) };
    const hours = { ...emptySchedule(), preset: 'hours' as const };
    expect(definitionFromDraft({ ...base, triggerType: 'schedule', schedule: { ...hours, everyHours: '6' } }).definition.trigger).toEqual({ type: 'schedule', schedule: { everyHours: 6 } });
    expect(definitionFromDraft({ ...base, triggerType: 'schedule', schedule: { ...hours, everyHours: '0' } }).errors['trigger.schedule.everyHours']).toBeDefined();
    const weekdays = { ...emptySchedule(), preset: 'weekdays' as const, time: '8:30', timeZone: 'Europe/Berlin' };
    expect(definitionFromDraft({ ...base, triggerType: 'schedule', schedule: weekdays }).definition.trigger).toEqual({ type: 'schedule', schedule: { cron: '30 8 * * 1-5', timeZone: 'Europe/Berlin' } });
    expect(definitionFromDraft({ ...base, triggerType: 'manual' }).definition.trigger).toEqual({ type: 'manual' });
    expect(definitionFromDraft({ ...base, triggerType: 'webhook', webhookId: 'w1' }).definition.trigger).toEqual({ type: 'webhook', webhookId: 'w1' });
    expect(definitionFromDraft({ ...base, triggerType: 'webhook', webhookId: '' }).errors['trigger.webhookId']).toBeDefined();
  });
});

describe('rule conditions the builder must keep exactly', () => {
  const withConditions = (conditions: unknown): RuleDefinition => ({ ...full, conditions: conditions as RuleDefinition['conditions'] });

  it('keeps a rule whose conditions are one bare condition (not a group), as it was', () => {
    const def = withConditions({ field: 'issue.fields.priority.name', op: 'equals', value: 'High' });
    const draft = draftFromDefinition(def);
    expect(draft.conditions.children).toHaveLength(1);
    const { definition, errors } = definitionFromDraft(draft);
    expect(errors).toEqual({});
    expect(definition).toEqual(def);
  });

  it('keeps typed condition values (numbers, booleans, objects) typed while their text is not edited', () => {
    const def = withConditions({
      all: [
        { field: 'issue.fields.customfield_10016', op: 'equals', value: 5 },
        { field: 'issue.fields.customfield_10020', op: 'notEquals', value: true },
        { field: 'webhook.body.meta', op: 'equals', value: { a: 1 } },
        { field: 'issue.fields.labels', op: 'contains', value: 7 },
      ],
    });
    const { definition, errors } = definitionFromDraft(draftFromDefinition(def));
    expect(errors).toEqual({});
    expect(definition).toEqual(def);
  });
});
