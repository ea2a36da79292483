// The shape of a Jira field value in jira.edit / jira.create rows, so a value that is not text (a number, an option,
// a list of components, a user, empty) is picked, not written as JSON. The shapes are Jira's own:
// - select / radio custom fields `{"value": "High"}` or `{"id": "10001"}`, multi-select and checkboxes
//   `[{"value": "a"}, {"value": "b"}]`, components and versions `[{"name": "Backend"}]`, labels `["a", "b"]`, number
//   fields a JSON number ("Field input formats",
//   https://developer.atlassian.com/server/jira/platform/jira-rest-api-examples/#setting-custom-field-data-for-other-field-types);
// - users by `{"accountId": "…"}` on Jira Cloud ("Edit issue", https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put,
//   and the Forge custom field data types, https://developer.atlassian.com/platform/forge/manifest-reference/modules/jira-custom-field/#data-types);
//   priority `{"name": "High"}` or `{"id": "2"}`; `null` clears a field;
// - a cascading select `{"value": "green", "child": {"value": "blue"}}`, and options, components and versions by id
//   `[{"id": "10001"}]` (the same "Field input formats" page: CascadingSelectField, MultiSelect, Version picker).
// Which shapes a field takes follows the backend's JiraFieldRules.Check (jira.edit) and CheckForCreate (jira.create),
// so the form never builds a value the backend refuses. Every string inside is a template, as everywhere in `fields`.
import { numberFrom } from './bodyFields';
import type { AddError } from './types';

export type FieldKind = 'text' | 'number' | 'option' | 'optionId' | 'named' | 'user' | 'cascade' | 'cascadeId' | 'options' | 'names' | 'ids' | 'users' | 'list' | 'empty' | 'json';

export const FIELD_KINDS: { value: FieldKind; label: string; hint?: string }[] = [
  { value: 'text', label: 'Text' },
  { value: 'number', label: 'Number', hint: 'A number such as 5 or 2.5 (Story points, number fields). For a smart value, choose Text and insert one value alone: it keeps its type.' },
  { value: 'option', label: 'Option, by its name', hint: 'A select list or radio option, by the name Jira shows.' },
  { value: 'optionId', label: 'Option or priority, by id', hint: 'The id of the option or priority (e.g. 10001).' },
  { value: 'named', label: 'By name (priority, version)', hint: 'The name Jira shows, e.g. High.' },
  { value: 'user', label: 'User', hint: 'A person, saved by account id.' },
  { value: 'cascade', label: 'Cascading option (parent and child), by name', hint: 'A cascading select list: the parent option and the child option under it, by the names Jira shows.' },
  { value: 'cascadeId', label: 'Cascading option (parent and child), by id', hint: 'A cascading select list: the ids of the parent option and of the child option under it.' },
  { value: 'options', label: 'Several options, by name', hint: 'Multi-select or checkboxes: one option per line; none clears the field.' },
  { value: 'names', label: 'Several by name (components, versions)', hint: 'One name per line; none clears the field.' },
  { value: 'ids', label: 'Several by id (options, components, versions)', hint: 'One id per line (e.g. 10001); none clears the field.' },
  { value: 'users', label: 'Several users', hint: 'People, saved by account id; none clears the field.' },
  { value: 'list', label: 'List of texts (labels)', hint: 'One item per line; none clears the field.' },
  { value: 'empty', label: 'Empty (clears the field)' },
  { value: 'json', label: 'Other (JSON)', hint: 'Edited as JSON: no value type writes this shape (e.g. an object with several names); it is saved exactly as written.' },
];

/** The shapes the backend takes for a field (JiraFieldRules.Check for jira.edit; CheckForCreate for jira.create): JSON only for a row loaded as JSON. */
export function kindsFor(field: string, forCreate: boolean): FieldKind[] {
  const name = field.trim();
  const all: FieldKind[] = ['text', 'number', 'option', 'optionId', 'named', 'user', 'cascade', 'cascadeId', 'options', 'names', 'ids', 'users', 'list', 'empty'];
  switch (name) {
    case 'summary':
    case 'description':
      return ['text'];
    case 'labels':
      return ['text', 'list'];
    case 'priority':
      return ['text', 'named', 'optionId'];
    case 'assignee':
      return ['text', 'user', 'empty'];
    // A day (the date picker, or a smart value such as {{ now | plus_days: 3 }}), or empty: no due date.
    case 'duedate':
      return ['text', 'empty'];
    // A resolution by name (the picker of Jira's resolutions), or empty: unresolved.
    case 'resolution':
      return forCreate ? all : ['text', 'empty'];
    default:
      return /^customfield_\d+$/.test(name) || forCreate ? all : ['text'];
  }
}

const OBJECT_KEY: Partial<Record<FieldKind, string>> = { option: 'value', optionId: 'id', named: 'name', user: 'accountId', options: 'value', names: 'name', ids: 'id', users: 'accountId' };
const line = (x: unknown): x is string => typeof x === 'string' && x !== '' && x.trim() === x && !/[\r\n]/.test(x);
const oneKey = (x: unknown): [string, unknown] | undefined => {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return undefined;
  const entries = Object.entries(x);
  return entries.length === 1 ? entries[0] : undefined;
};

/** A cascading select's `{"value": parent, "child": {"value": child}}` (or by `id`) as [parent, child], or undefined. */
function cascadeOf(value: unknown, key: 'value' | 'id'): [string, string] | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  const parent = o[key];
  if (Object.keys(o).length !== 2 || !line(parent)) return undefined;
  const child = oneKey(o.child);
  return child && child[0] === key && line(child[1]) ? [parent, child[1]] : undefined;
}

/** A cascade row's text (parent, a line break, child) as its two parts. */
export function cascadeParts(text: string): [string, string] {
  const at = text.indexOf('\n');
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

/** A saved value as a kind and the text the row edits, or undefined when no kind writes it back exactly (a JSON row). */
export function kindOf(value: unknown): { kind: FieldKind; text: string } | undefined {
  if (value === null) return { kind: 'empty', text: '' };
  if (typeof value === 'number') return Number.isFinite(value) && numberFrom(String(value)) === value ? { kind: 'number', text: String(value) } : undefined;
  const cascade = cascadeOf(value, 'value');
  if (cascade) return { kind: 'cascade', text: cascade.join('\n') };
  const cascadeId = cascadeOf(value, 'id');
  if (cascadeId) return { kind: 'cascadeId', text: cascadeId.join('\n') };
  const single = oneKey(value);
  if (single) {
    const kind = (['option', 'optionId', 'named', 'user'] as const).find((k) => OBJECT_KEY[k] === single[0]);
    return kind && typeof single[1] === 'string' ? { kind, text: single[1] } : undefined;
  }
  if (!Array.isArray(value)) return undefined;
  if (value.every(line)) return { kind: 'list', text: value.join('\n') };
  for (const kind of ['options', 'names', 'ids', 'users'] as const) {
    const items = value.map(oneKey);
    if (items.every((e) => e && e[0] === OBJECT_KEY[kind] && line(e[1]))) return { kind, text: items.map((e) => e![1]).join('\n') };
  }
  return undefined;
}

/** The JSON a row of that kind saves; a problem is reported at `fields.<name>`. */
export function valueOf(kind: FieldKind, text: string, name: string, add: AddError): unknown {
  const lines = () => text.split(/\r?\n/).map((x) => x.trim()).filter((x) => x !== '');
  switch (kind) {
    case 'empty':
      return null;
    case 'number': {
      const n = numberFrom(text);
      if (n === undefined) add(`fields.${name}`, text.trim() ? `“${text.trim()}” is not a number: enter one such as 5 or 2.5.` : 'Enter a number.');
      return n ?? 0;
    }
    case 'option':
    case 'optionId':
    case 'named':
    case 'user':
      if (!text.trim()) add(`fields.${name}`, kind === 'user' ? 'Choose the user.' : 'Enter the value.');
      return { [OBJECT_KEY[kind]!]: text };
    case 'cascade':
    case 'cascadeId': {
      const [parent, child] = cascadeParts(text).map((x) => x.trim());
      const key = kind === 'cascade' ? 'value' : 'id';
      if (!parent) add(`fields.${name}`, `Enter the parent option${kind === 'cascade' ? '' : ' id'}.`);
      else if (!child) add(`fields.${name}`, kind === 'cascade' ? 'Enter the child option (for the parent alone, choose “Option, by its name”).' : 'Enter the child option id (for the parent alone, choose “Option or priority, by id”).');
      return { [key]: parent, child: { [key]: child } };
    }
    case 'options':
    case 'names':
    case 'ids':
    case 'users':
      return lines().map((x) => ({ [OBJECT_KEY[kind]!]: x }));
    case 'list':
      return lines();
    default:
      return text;
  }
}
