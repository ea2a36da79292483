import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATE_VALUES, expression, FILTERS, JIRA_STYLE_VALUES, smartGroups } from './smartValues';

const doc = readFileSync(path.resolve(__dirname, '../../../../docs/api.md'), 'utf8');

describe('smart-value picker: Jira Automation values', () => {
  it('offers the run time, date arithmetic and Jira-style names in their own groups', () => {
    const groups = smartGroups([]);
    const byName = Object.fromEntries(groups.map((g) => [g.name, g.values.map((v) => v.path)]));
    expect(byName['Dates']).toEqual(expect.arrayContaining(['now', 'now.jiraDate', 'now.plusDays(1).jiraDate', 'now.plusBusinessDays(3).jiraDate', 'issue.created.diff(now).days']));
    expect(byName['Jira Automation names']).toEqual(expect.arrayContaining(['issue.summary', 'issue.url', 'triggerIssue.key', 'initiator.displayName']));
    expect(byName['Change (updated events)']).toEqual(expect.arrayContaining(['changelog.status.fromString', 'changelog.status.toString']));
    expect(byName['Comment (comment events)']).toContain('comment.bodyText');
  });

  it('offers what a webhook rule reads (its request body) and what started the run', () => {
    const byName = Object.fromEntries(smartGroups([]).map((g) => [g.name, g.values.map((v) => v.path)]));
    expect(byName['Incoming webhook (webhook rules)']).toEqual(['webhook.body', 'webhook.id']);
    expect(byName['Event']).toContain('event.source');
    expect(doc).toContain('`event` (`type`, `timestamp`, `source`), `webhook`');
  });

  it('writes the date filters after a pipe', () => {
    expect(expression('now', 'plus_days')).toBe('{{ now | plus_days: 1 }}');
    expect(expression('issue.fields.duedate', 'plus_business_days')).toBe('{{ issue.fields.duedate | plus_business_days: 1 }}');
    expect(expression('now', 'format')).toBe('{{ now | format: "dd/MM/yyyy" }}');
    expect(expression('issue.fields.created', 'jira_date')).toBe('{{ issue.fields.created | jira_date }}');
    expect(expression('now', 'convert_to_time_zone')).toBe('{{ now | convert_to_time_zone: "Europe/Berlin" }}');
  });

  it('offers only filters and values that docs/api.md documents', () => {
    for (const f of FILTERS.filter((x) => x.value)) {
      expect(doc, f.value).toContain(`\`${f.value}`);
    }
    for (const v of [...DATE_VALUES, ...JIRA_STYLE_VALUES]) {
      const root = v.path.split(/[.(]/)[0];
      expect(doc.includes(`\`${root}`) || doc.includes(`{{${root}`), v.path).toBe(true);
    }
    for (const fn of ['plusDays', 'plusBusinessDays', 'jiraDate', 'diff']) {
      expect(doc, fn).toContain(fn);
    }
  });

  it('keeps labels unique within a group, so the picker can tell entries apart', () => {
    for (const g of smartGroups([])) {
      const labels = g.values.map((v) => v.label);
      expect(new Set(labels).size, g.name).toBe(labels.length);
    }
    const filterValues = FILTERS.map((f) => f.value);
    expect(new Set(filterValues).size).toBe(filterValues.length);
  });
});
