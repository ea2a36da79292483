import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Connection, RuleDefinition } from '../api';
import { ERROR_CATEGORIES, explainCategory, humanPath } from './errors';
import { definitionFromDraft, draftFromDefinition, sampleEventForTrigger } from './ruleForm';
import { exportRule, importRule, RULE_FILE_FORMAT } from './ruleFiles';
import { expression, insertAt, smartGroups, stepReferences } from './smartValues';
import { TEMPLATES } from './templates';

const conn = (id: string, name: string, provider?: 'openai'): Connection => ({ id, name, baseUrl: `https://${id}.example.com`, auth: { type: 'none' }, secretSet: false, provider });

describe('smart values', () => {
  it('inserts at the caret, replaces a selection, appends without one', () => {
    expect(insertAt('Hello !', '{{ issue.key }}', 6, 6)).toEqual({ value: 'Hello {{ issue.key }}!', caret: 21 });
    expect(insertAt('a XX b', 'Y', 2, 4)).toEqual({ value: 'a Y b', caret: 3 });
    expect(insertAt('abc', 'Z')).toEqual({ value: 'abcZ', caret: 4 });
  });
  it('writes filters after a pipe', () => {
    expect(expression('issue.key')).toBe('{{ issue.key }}');
    expect(expression('issue.key', 'url_encode')).toBe('{{ issue.key | url_encode }}');
    expect(expression('issue.fields.labels', 'join')).toBe('{{ issue.fields.labels | join: ", " }}');
  });
  it('offers earlier steps only, with each kind’s outputs and an AI schema’s answer names, plus custom fields', () => {
    const groups = smartGroups(
      [
        { id: 'classify', type: 'ai.chat', json: { schema: { type: 'object', properties: { label: { type: 'string' } } } } },
        { id: 'post', type: 'http' },
      ],
      [{ id: 'customfield_10016', name: 'Story points', custom: true, type: 'number' }],
    );
    const paths = groups.flatMap((g) => g.values.map((v) => v.path));
    expect(paths).toEqual(expect.arrayContaining(['issue.fields.summary', 'issue.fields.customfield_10016', 'changelog.items[0].toString', 'steps.classify.output.label', 'steps.classify.text', 'steps.post.status', 'steps.post.body']));
    expect(stepReferences([{ a: '{{ steps.classify.output.label }} {{ steps.x.status }}' }])).toEqual(['classify', 'x']);
  });
});

describe('trigger-driven dry-run sample', () => {
  it('follows the event, project, issue type and status change', () => {
    const e = sampleEventForTrigger({ type: 'event', events: ['avi:jira:updated:issue'], projects: ['OPS'], issueTypes: ['Bug'], fieldChanged: { field: 'status', from: 'In Progress', to: 'Done' } }) as {
      eventType: string;
      issue: { key: string; fields: { project: { key: string }; issuetype: { name: string }; status: { name: string } } };
      changelog: { items: { field: string; fromString: string; toString: string }[] };
    };
    expect(e.eventType).toBe('avi:jira:updated:issue');
    expect(e.issue.key).toBe('OPS-1');
    expect(e.issue.fields.project.key).toBe('OPS');
    expect(e.issue.fields.issuetype.name).toBe('Bug');
    expect(e.issue.fields.status.name).toBe('Done');
    expect(e.changelog.items[0]).toMatchObject({ field: 'status', fieldId: 'status', fromString: 'In Progress', toString: 'Done' });
  });
  it('is a created event without a changelog by default, and carries a comment for comment events', () => {
    const created = sampleEventForTrigger(undefined) as Record<string, unknown>;
    expect(created.eventType).toBe('avi:jira:created:issue');
    expect(created.changelog).toBeUndefined();
    expect((sampleEventForTrigger({ type: 'event', events: ['avi:jira:commented:issue'] }) as Record<string, unknown>).comment).toBeDefined();
  });
  it('is the event a webhook, schedule or manual run really gets, so the dry run matches and shows what the run reads', () => {
    expect(sampleEventForTrigger({ type: 'webhook', webhookId: 'hook_1' })).toEqual({ eventType: 'blubees:webhook', webhook: { id: 'hook_1', body: { example: 'value' } } });
    const schedule = sampleEventForTrigger({ type: 'schedule', schedule: { cron: '0 9 * * *' } });
    expect(schedule).toEqual({ eventType: 'blubees:schedule', timestamp: expect.stringMatching(/^\d+$/), scheduledAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
    const perIssue = sampleEventForTrigger({ type: 'schedule', schedule: { cron: '0 9 * * *', jql: 'project = OPS' } }) as { issue: { key: string; fields: object } };
    expect(perIssue.issue.fields).toBeDefined();
    // A manual run reads its issue from Jira when it starts: its event carries the issue's id, key and fields.
    const manual = sampleEventForTrigger({ type: 'manual' }) as { eventType: string; issue: { key: string; fields: { summary?: unknown } } };
    expect(manual.eventType).toBe('blubees:manual');
    expect(Object.keys(manual.issue)).toEqual(['id', 'key', 'fields']);
    expect(manual.issue.fields.summary).toEqual(expect.any(String));
  });
});

describe('templates', () => {
  it('call Jira with Jira steps (the app token comes with every trigger), never through a connection needing a Jira API token', () => {
    for (const t of TEMPLATES) {
      const viaConnection = t.definition.steps.filter((st) => st.type === 'http' && /^\/rest\/api\//.test(String((st as { path?: unknown }).path ?? '')));
      expect(viaConnection.map((st) => st.id), t.id).toEqual([]);
      expect(t.needs.join(' '), t.id).not.toMatch(/Jira site’s REST API|API token/);
    }
  });
  it('has at least 6, each a valid rule once connections are picked, with only kinds that have forms', () => {
    expect(TEMPLATES.length).toBeGreaterThanOrEqual(6);
    expect(TEMPLATES.map((t) => t.id)).toEqual(expect.arrayContaining(['webhook-on-done', 'ai-triage-bug']));
    for (const t of TEMPLATES) {
      const draft = draftFromDefinition(t.definition);
      expect(draft.steps.every((s) => s.mode === 'form'), t.id).toBe(true);
      const { definition, errors } = definitionFromDraft(draft);
      // Only the connections are left to choose.
      expect(Object.keys(errors).every((k) => /connection$/.test(k)), `${t.id}: ${JSON.stringify(errors)}`).toBe(true);
      expect(definition).toEqual({ ...t.definition, enabled: true });
    }
  });
});

describe('import and export', () => {
  const rule: RuleDefinition = {
    name: 'R',
    trigger: { type: 'manual' },
    steps: [
      { id: 'a', type: 'http', connection: 'c1', path: '/' },
      { id: 'b', type: 'ai.chat', connection: 'c2', model: 'm', prompt: 'p' },
      { id: 'c', type: 'transfer', source: { jiraAttachment: '1' }, destination: { connection: 'c1', path: '/x' } },
    ],
  };
  const here = [conn('c1', 'Tickets'), conn('c2', 'OpenAI', 'openai')];
  it('exports connection names (never secrets) and imports them by name on another site', () => {
    const file = exportRule(rule, here, new Date('2026-01-01T00:00:00Z'));
    expect(file.format).toBe(RULE_FILE_FORMAT);
    expect(file.connections).toEqual({ c1: { name: 'Tickets' }, c2: { name: 'OpenAI', provider: 'openai' } });
    expect(JSON.stringify(file)).not.toMatch(/secret/i);
    const elsewhere = [conn('x9', 'tickets'), conn('y9', 'OpenAI', 'openai')];
    const result = importRule(JSON.stringify(file), elsewhere);
    expect(result.messages).toEqual([]);
    expect(result.definition!.steps.map((s) => (s as { connection?: string }).connection ?? (s as unknown as { destination: { connection: string } }).destination.connection)).toEqual(['x9', 'y9', 'x9']);
  });
  it('says which step has no match or several, and clears that connection', () => {
    const file = JSON.stringify(exportRule(rule, here));
    const result = importRule(file, [conn('t1', 'Tickets'), conn('t2', 'Tickets')]);
    expect(result.messages).toEqual([
      'Step 1 (a): 2 connections are named “Tickets”; pick the right one.',
      'Step 2 (b): no connection here is named “OpenAI”. Create it in Connections, or pick another one.',
      'Step 3 (c, destination): 2 connections are named “Tickets”; pick the right one.',
    ]);
    expect((result.definition!.steps[0] as { connection: string }).connection).toBe('');
  });
  it('refuses what is not a rule, and accepts a bare definition from this site', () => {
    expect(importRule('{nope', here).error).toMatch(/not JSON/);
    expect(importRule('{"format":"other/v9"}', here).error).toMatch(/Unknown file format/);
    expect(importRule('{"name":"x"}', here).error).toMatch(/no trigger or steps/);
    expect(importRule(JSON.stringify(rule), here)).toEqual({ definition: rule, messages: [] });
    expect(importRule(JSON.stringify(rule), []).messages).toHaveLength(3);
  });
});

describe('plain-language errors', () => {
  it('explains every category the engine records, with a fix', () => {
    // The engine's ErrorCategories class (read-only here): every constant must have an explanation.
    const source = readFileSync(resolve(process.cwd(), '../src/BluBees.Engine/Execution/RunRecord.cs'), 'utf8') // vitest runs from forge-app/;
    const klass = source.slice(source.indexOf('class ErrorCategories'));
    const fromEngine = [...klass.slice(0, klass.indexOf('\n}')).matchAll(/const string \w+ = "([a-z0-9_]+)"/g)].map((m) => m[1]);
    expect(fromEngine.length).toBeGreaterThan(20);
    const engine = [...fromEngine, 'timeout', 'refused', 'blocked_destination', 'http_4xx', 'http_5xx', 'template_error', 'condition_error', 'connection_missing', 'credential_scope', 'secret_unavailable', 'response_too_large', 'too_many_redirects', 'invalid_url', 'connection_failed', 'internal_error', 'rule_invalid', 'system_token_missing', 'loop_stopped', 'rate_limited', 'transition_not_found', 'issue_missing', 'attachment_missing', 'connection_mismatch', 'ai_invalid_output', 'ai_provider_error', 'oauth_token_rejected', 'oauth_token_unavailable', 'circuit_open'];
    for (const c of engine) {
      const e = ERROR_CATEGORIES[c];
      expect(e, c).toBeDefined();
      expect(e.explanation.length && e.fix.length, c).toBeTruthy();
    }
    expect(explainCategory('brand_new')!.title).toBe('brand new');
    expect(explainCategory(null)).toBeUndefined();
  });
  it('numbers steps from 1', () => {
    expect(humanPath('steps[0]')).toBe('Step 1');
    expect(humanPath('steps[1].body.title')).toBe('Step 2 › body.title');
    expect(humanPath('$.steps[2].path')).toBe('Step 3 › path');
    expect(humanPath('trigger.events')).toBe('trigger.events');
  });
});
