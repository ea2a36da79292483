// The smart-value catalogue: what a template can read (docs/api.md "Templates": issue, changelog, comment,
// user, project, event, steps.<id>.* of earlier steps, and the Jira Automation smart values of "Jira smart values":
// now, triggerIssue, initiator, issue.url, changelog.<field>…) and the common filters, Jira's date functions included.
import type { JiraField } from './jira';

export interface SmartValue {
  path: string;
  label: string;
}
export interface SmartGroup {
  name: string;
  values: SmartValue[];
}
export interface PriorStep {
  id: string;
  type: string;
  /** The step's JSON (form output), to list e.g. the AI step's schema properties. */
  json?: Record<string, unknown>;
}

export const ISSUE_VALUES: SmartValue[] = [
  { path: 'issue.key', label: 'Issue key' },
  { path: 'issue.id', label: 'Issue id' },
  { path: 'issue.fields.summary', label: 'Summary' },
  { path: 'issue.fields.description', label: 'Description' },
  { path: 'issue.fields.status.name', label: 'Status' },
  { path: 'issue.fields.priority.name', label: 'Priority' },
  { path: 'issue.fields.issuetype.name', label: 'Issue type' },
  { path: 'issue.fields.labels', label: 'Labels (list)' },
  // A name through a list reads it from every item (docs/api.md "Conditions" and "Jira smart values"): "Backend, API".
  { path: 'issue.fields.components.name', label: 'Components (names)' },
  { path: 'issue.fields.fixVersions.name', label: 'Fix versions (names)' },
  { path: 'issue.fields.assignee.displayName', label: 'Assignee (name)' },
  { path: 'issue.fields.assignee.accountId', label: 'Assignee (account id)' },
  { path: 'issue.fields.reporter.displayName', label: 'Reporter (name)' },
  { path: 'issue.fields.reporter.accountId', label: 'Reporter (account id)' },
  { path: 'issue.fields.project.key', label: 'Project key' },
  { path: 'issue.fields.parent.key', label: 'Parent key' },
  { path: 'issue.fields.created', label: 'Created (date)' },
  { path: 'issue.fields.updated', label: 'Updated (date)' },
];

/** Jira Automation's names that BluBees also understands (docs/api.md "Jira smart values"), for rules copied from Jira. */
export const JIRA_STYLE_VALUES: SmartValue[] = [
  { path: 'issue.summary', label: 'Summary (Jira style)' },
  { path: 'issue.url', label: 'Issue link' },
  { path: 'issue.description', label: 'Description (plain text)' },
  { path: 'triggerIssue.key', label: 'Trigger issue key' },
  { path: 'initiator.displayName', label: 'Initiator (name)' },
  { path: 'baseUrl', label: 'Jira site address' },
];

/** Dates: the run's start and Jira-style date arithmetic and formats. */
export const DATE_VALUES: SmartValue[] = [
  { path: 'now', label: 'Now (run start, UTC)' },
  { path: 'now.jiraDate', label: 'Today (yyyy-MM-dd)' },
  { path: 'now.plusDays(1).jiraDate', label: 'Tomorrow (yyyy-MM-dd)' },
  { path: 'now.plusBusinessDays(3).jiraDate', label: 'In 3 business days' },
  { path: 'issue.created.diff(now).days', label: 'Days since created' },
];

const OTHER_GROUPS: SmartGroup[] = [
  { name: 'Dates', values: DATE_VALUES },
  { name: 'Jira Automation names', values: JIRA_STYLE_VALUES },
  {
    name: 'Change (updated events)',
    values: [
      { path: 'changelog.items[0].field', label: 'Changed field' },
      { path: 'changelog.items[0].fromString', label: 'Changed from' },
      { path: 'changelog.items[0].toString', label: 'Changed to' },
      { path: 'changelog.status.fromString', label: 'Status changed from' },
      { path: 'changelog.status.toString', label: 'Status changed to' },
    ],
  },
  {
    name: 'Comment (comment events)',
    values: [
      { path: 'comment.bodyText', label: 'Comment text' },
      { path: 'comment.author.displayName', label: 'Comment author' },
    ],
  },
  {
    name: 'User and project',
    values: [
      { path: 'user.accountId', label: 'Acting user (account id)' },
      { path: 'user.displayName', label: 'Acting user (name)' },
      { path: 'project.key', label: 'Project key' },
      { path: 'project.name', label: 'Project name' },
    ],
  },
  {
    name: 'Event',
    values: [
      { path: 'event.type', label: 'Event type' },
      { path: 'event.timestamp', label: 'Event time' },
      { path: 'event.source', label: 'Started by (event, schedule, webhook, manual)' },
    ],
  },
  {
    // docs/api.md "Templates": `webhook` (webhook rules) is `{id, body}`, the body parsed as JSON when it is JSON.
    name: 'Incoming webhook (webhook rules)',
    values: [
      { path: 'webhook.body', label: 'Request body (add .field to read one field)' },
      { path: 'webhook.id', label: 'Webhook id' },
    ],
  },
];

/** What a step of each kind leaves for the steps after it (docs/api.md, each kind's section). */
export function stepOutputs(step: PriorStep): SmartValue[] {
  const base = `steps.${step.id}`;
  const v = (suffix: string, label: string): SmartValue => ({ path: `${base}.${suffix}`, label });
  switch (step.type) {
    case 'http':
      return [v('status', 'Status code'), v('ok', 'Succeeded (true/false)'), v('body', 'Response body')];
    case 'ai.chat': {
      // Each named value, and the values of a group (an object) inside it; a list's items are read in a loop (item.…).
      const props = (schema: unknown, at: string, depth: number): string[] => {
        const properties = (schema as { properties?: unknown } | undefined)?.properties;
        if (!properties || typeof properties !== 'object' || Array.isArray(properties) || depth > 8) return [];
        return Object.entries(properties as Record<string, unknown>).flatMap(([name, p]) => [
          `${at}${name}`,
          ...((p as { type?: unknown } | undefined)?.type === 'object' ? props(p, `${at}${name}.`, depth + 1) : []),
        ]);
      };
      return [v('text', 'Answer (text)'), v('output', 'Answer (structured)'), ...props(step.json?.schema, '', 0).map((p) => v(`output.${p}`, `Answer: ${p}`)), v('model', 'Model used')];
    }
    case 'jira.comment':
      return [v('status', 'Status code'), v('ok', 'Succeeded (true/false)'), v('body.id', 'Comment id')];
    case 'jira.create':
      return [v('key', 'New issue key'), v('id', 'New issue id'), v('status', 'Status code'), v('ok', 'Succeeded (true/false)')];
    case 'jira.search':
      return [v('issues', 'Found issues (list)'), v('count', 'Number of issues found'), v('truncated', 'More matched than were kept (true/false)'), v('issues[0].key', 'First found issue key'), v('status', 'Status code')];
    case 'jira.edit':
    case 'jira.transition':
    case 'jira.assign':
    case 'jira.link':
      return [v('status', 'Status code'), v('ok', 'Succeeded (true/false)')];
    case 'jira.fetch':
      return [v('issue.key', 'Fetched issue key'), v('issue.fields.summary', 'Fetched summary'), v('issue.fields.status.name', 'Fetched status'), v('status', 'Status code')];
    // Blocks (docs/api.md "Control flow"): an if block's branch; a loop's counts (its nested outputs end with it).
    case 'if':
      return [v('branch', 'Branch taken (then / else / none)')];
    case 'forEach':
      return [v('items', 'Items in the list'), v('count', 'Items gone through'), v('succeeded', 'Items that succeeded'), v('failed', 'Items that failed'), v('cut', 'Items past the limit')];
    case 'transfer':
      return [v('status', 'Status code'), v('ok', 'Succeeded (true/false)'), v('bytes', 'Bytes moved'), v('contentType', 'Content type'), v('body', 'Destination answer')];
    default:
      return [v('status', 'Status code'), v('ok', 'Succeeded (true/false)'), v('body', 'Body')];
  }
}

export function smartGroups(prior: PriorStep[], fields: JiraField[] = []): SmartGroup[] {
  const custom = fields.filter((f) => f.custom).map((f) => ({ path: `issue.fields.${f.id}`, label: f.name }));
  return [
    { name: 'Issue', values: ISSUE_VALUES },
    ...(custom.length ? [{ name: 'Custom fields', values: custom }] : []),
    ...OTHER_GROUPS,
    ...prior.filter((p) => p.id).map((p) => ({ name: `Step “${p.id}” (${p.type})`, values: stepOutputs(p) })),
  ];
}

export interface Filter {
  value: string;
  label: string;
  /** The text after the pipe. */
  text: string;
}
export const FILTERS: Filter[] = [
  { value: '', label: 'No filter', text: '' },
  { value: 'upcase', label: 'UPPER CASE', text: 'upcase' },
  { value: 'downcase', label: 'lower case', text: 'downcase' },
  { value: 'default', label: 'Default when empty', text: 'default: ""' },
  { value: 'date', label: 'Date (YYYY-MM-DD)', text: 'date: "%Y-%m-%d"' },
  { value: 'jira_date', label: 'Jira date (yyyy-MM-dd)', text: 'jira_date' },
  { value: 'jira_date_time', label: 'Jira date-time (for date-time fields)', text: 'jira_date_time' },
  { value: 'format', label: 'Date as dd/MM/yyyy (Java pattern)', text: 'format: "dd/MM/yyyy"' },
  { value: 'plus_days', label: 'Date + 1 day', text: 'plus_days: 1' },
  { value: 'minus_days', label: 'Date − 1 day', text: 'minus_days: 1' },
  { value: 'plus_business_days', label: 'Date + 1 business day', text: 'plus_business_days: 1' },
  { value: 'plus_hours', label: 'Date + 1 hour', text: 'plus_hours: 1' },
  { value: 'convert_to_time_zone', label: 'Date in a time zone', text: 'convert_to_time_zone: "Europe/Berlin"' },
  { value: 'truncate', label: 'Shorten to 50 characters', text: 'truncate: 50' },
  { value: 'as_number', label: 'As a number', text: 'as_number' },
  { value: 'sum', label: 'Sum of a list', text: 'sum' },
  { value: 'json', label: 'As JSON', text: 'json' },
  { value: 'url_encode', label: 'URL-encoded', text: 'url_encode' },
  { value: 'size', label: 'Size / count', text: 'size' },
  { value: 'join', label: 'Join a list with ", "', text: 'join: ", "' },
];

export function expression(path: string, filter = ''): string {
  const f = FILTERS.find((x) => x.value === filter);
  return f && f.text ? `{{ ${path} | ${f.text} }}` : `{{ ${path} }}`;
}

/** Inserts `text` into `value` replacing the selection [start, end); returns the new value and caret. */
export function insertAt(value: string, text: string, start?: number | null, end?: number | null): { value: string; caret: number } {
  const s = start ?? value.length;
  const e = Math.max(end ?? s, s);
  const next = value.slice(0, s) + text + value.slice(e);
  return { value: next, caret: s + text.length };
}

/** `steps.<id>` references in a definition (for the dry-run note). */
export function stepReferences(json: unknown): string[] {
  const found = new Set<string>();
  JSON.stringify(json ?? null).replace(/steps\.([A-Za-z_][A-Za-z0-9_]*)/g, (_m, id: string) => {
    found.add(id);
    return '';
  });
  return [...found];
}
