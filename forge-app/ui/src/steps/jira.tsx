// The first four Jira step kinds (the others are in jiraMore.tsx) (docs/api.md "Jira steps"): they act on the event's site with the app's
// system token, so no connection is needed. `issue` (optional) is a template rendering another issue key.
import React from 'react';
import Button from '@atlaskit/button/new';
import { Checkbox } from '@atlaskit/checkbox';
import { token } from '@atlaskit/tokens';
import { adfFromText, richAdfFromText, richTextFromAdf, textFromAdf } from '../lib/adf';
import { appendToComment, CommentFormatButtons, CommentInserts } from './commentInserts';
import { newId } from '../lib/conditions';
import { reportInexactNumbers } from '../lib/jsonNumbers';
import { fieldOptions, jira } from '../lib/jira';
import { SelectField, TextField } from '../components/common';
import { JiraSelect, JiraUserSelect, JiraUsersSelect } from '../components/JiraPicker';
import { TemplateField } from '../components/SmartValuePicker';
import { afterRemove, errorsWithin, grid2, onErrorFrom, OnErrorSelect, onErrorTo, split, str, useFocusAfter } from './shared';
import type { AddError, StepFormProps, StepKind, Values } from './types';
import { cascadeParts, FIELD_KINDS, kindOf, kindsFor, valueOf, type FieldKind } from './fieldValues';

export function common(step: Record<string, unknown>): Values | undefined {
  const issue = str(step.issue);
  const onError = onErrorFrom(step.onError);
  if (issue === undefined || !onError) return undefined;
  return { issue, hadIssue: step.issue !== undefined, onError, onErrorExplicit: step.onError !== undefined };
}
export function commonTo(out: Record<string, unknown>, v: Values) {
  if (v.issue || v.hadIssue) out.issue = v.issue;
  onErrorTo(out, v);
}
export function CommonFields({ index: i, values: s, onChange, errors, path: p, readOnly }: StepFormProps) {
  return (
    <div style={grid2}>
      <TemplateField
        id={`step-${i}-issue`}
        label="Issue (optional)"
        value={s.issue}
        onChange={(v) => onChange({ issue: v })}
        errors={errors[`${p}.issue`]}
        isDisabled={readOnly}
        placeholder="The event's issue"
        helper="Leave empty for the issue of the event, or pick e.g. the parent's key."
      />
      <OnErrorSelect id={`step-${i}-onError`} value={s.onError} onChange={(v) => onChange({ onError: v })} errors={errors[`${p}.onError`]} readOnly={readOnly} />
    </div>
  );
}
export const jiraHelp = 'Runs as the BluBees app on your Jira site, with the app token Forge sends with every trigger: issue events, schedules, incoming webhooks and “Run now” (no connection needed).';

export const jiraCommentKind: StepKind = {
  type: 'jira.comment',
  label: 'Comment on the issue',
  summary: 'Add a comment to the issue (or another issue).',
  docs: 'jira-steps',
  help: (
    <>
      Adds a comment. The text is a template: blank lines separate paragraphs, line breaks stay line breaks. The Format buttons (bold, italic, code,
      heading, lists, code block), “Insert mention” and “Insert link” format the text or add a mention or a link (the comment is then saved as rich text). {jiraHelp} Later steps read{' '}
      <code>steps.&lt;id&gt;.body.id</code> (the new comment).
    </>
  ),
  defaults: () => ({ body: '', adf: false, issue: '', onError: 'stop', extra: {} }),
  fromJson(step) {
    const c = common(step);
    if (!c) return undefined;
    if (typeof step.body === 'string') return { ...c, body: step.body, adf: false, ...split(step, ['body', 'issue', 'onError']) };
    // An Atlassian Document Format body of plain paragraphs is edited as its text and saved as paragraphs again;
    // a richer one (marks, mentions, lists) has no plain-text form and stays in the JSON editor.
    const text = textFromAdf(step.body);
    if (text !== undefined) return { ...c, body: text, adf: true, ...split(step, ['body', 'issue', 'onError']) };
    // Paragraphs with mentions and links are edited as text with @[accountId] and [text](address) in it.
    const rich = richTextFromAdf(step.body);
    return rich === undefined ? undefined : { ...c, body: rich, adf: true, rich: true, ...split(step, ['body', 'issue', 'onError']) };
  },
  toJson(v, add) {
    const text = String(v.body ?? '');
    if (!text.trim()) add('body', 'Write the comment.');
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'jira.comment', body: v.rich && text.trim() ? richAdfFromText(text) : v.adf && text.trim() ? adfFromText(text) : text };
    commonTo(out, v);
    return out;
  },
  Form(props) {
    const { index: i, values: s, onChange, errors, path: p, readOnly } = props;
    return (
      <>
        <TemplateField
          id={`step-${i}-body`}
          label="Comment"
          multiline
          rows={4}
          value={s.body}
          onChange={(v) => onChange({ body: v })}
          errors={errorsWithin(errors, `${p}.body`, !!s.adf)}
          isDisabled={readOnly}
          placeholder="Escalated: {{ issue.fields.summary }}"
          helper={
            s.rich
              ? 'Saved as rich text: **bold**, *italic*, `code`, @[…] mentions a person, [text](address) is a link; a block of “- ” or “1. ” lines is a list, “## ” a heading, ``` lines around code a code block; other blocks of text are paragraphs, line breaks stay line breaks. Smart values work in the text.'
              : s.adf
                ? 'Saved as Atlassian Document Format (rich text): each block of text becomes a paragraph, line breaks stay line breaks. Smart values work in the text.'
                : undefined
          }
        />
        {!readOnly && <CommentFormatButtons i={i} targetId={`step-${i}-body`} text={String(s.body ?? '')} onFormat={(body) => onChange({ body, adf: true, rich: true })} />}
        {!readOnly && <CommentInserts i={i} onInsert={(insert) => onChange({ body: appendToComment(String(s.body ?? ''), insert), adf: true, rich: true })} />}
        <CommonFields {...props} />
      </>
    );
  },
};

export interface FieldRow {
  id: string;
  field: string;
  value: string;
  /** The value is JSON (a list, an object, null, a number) rather than a text template. */
  json: boolean;
  /** The value is an Atlassian Document Format document of plain paragraphs (a description), edited as its text. */
  adf?: boolean;
  /** With `adf`: a document with formatting (marks, lists, headings, code: lib/adf.ts richAdfFromText), edited as its text form. */
  rich?: boolean;
  /** The value's shape when it is not text (a number, an option, a list…: fieldValues.ts); `value` holds its text. */
  kind?: FieldKind;
}

export function fieldRowsFrom(fields: Record<string, unknown>): FieldRow[] {
  return Object.entries(fields).map(([field, value]) => {
    if (typeof value === 'string') return { id: newId('f'), field, value, json: false };
    const text = textFromAdf(value);
    if (text !== undefined) return { id: newId('f'), field, value: text, json: false, adf: true };
    // A description with formatting is rich text (the Format buttons write it); other document fields keep their JSON row.
    const rich = field === 'description' ? richTextFromAdf(value) : undefined;
    if (rich !== undefined) return { id: newId('f'), field, value: rich, json: false, adf: true, rich: true };
    const shaped = kindOf(value);
    return shaped ? { id: newId('f'), field, value: shaped.text, json: false, kind: shaped.kind } : { id: newId('f'), field, value: JSON.stringify(value), json: true };
  });
}
export function fieldRowsTo(rows: FieldRow[] | undefined, add: AddError): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const r of rows ?? []) {
    const name = r.field.trim();
    if (!name) continue;
    if (name in fields) add(`fields.${name}`, `“${name}” is set twice: keep one row.`);
    if (r.json) {
      try {
        fields[name] = JSON.parse(r.value);
        reportInexactNumbers(r.value, `fields.${name}`, add);
      } catch {
        add(`fields.${name}`, 'This value is marked as JSON but does not parse.');
      }
    } else if (r.kind && r.kind !== 'text') fields[name] = valueOf(r.kind, r.value, name, add);
    else {
      fields[name] = r.adf && r.value.trim() ? (r.rich ? richAdfFromText(r.value) : adfFromText(r.value)) : r.value;
      const problem = textProblem(name, r.value);
      if (problem) add(`fields.${name}`, problem);
    }
  }
  return fields;
}

/** A day as Jira's date fields take it (`"duedate": "2019-05-11"`, Create issue in docs/api.md), a real calendar day. */
export const isDay = (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
/** Text fields picked from the site's own list, by name (a smart value may still be typed). */
const SITE_PICKERS: Partial<Record<string, { cacheKey: string; load: () => ReturnType<typeof jira.priorities>; placeholder: string; helper: string }>> = {
  priority: {
    cacheKey: 'priorities',
    load: () => jira.priorities(),
    placeholder: 'High',
    helper: 'A priority of your site, by name. Jira has no empty priority: to keep the issue’s, remove this row.',
  },
  resolution: {
    cacheKey: 'resolutions',
    load: () => jira.resolutions(),
    placeholder: 'Done',
    helper: 'A resolution of your site, by name. Empty: unresolved.',
  },
};

const isTemplate = (text: string) => text.includes('{{') || text.includes('{%');

/**
 * What the backend refuses at save in a text row (JiraFieldRules.Check): a priority with nothing in it (Jira has no
 * empty priority, so every run would fail), and a due date that is neither a day, a date-time, a smart value nor empty.
 */
function textProblem(name: string, value: string): string | undefined {
  const text = value.trim();
  if (name === 'priority' && !text) return 'Choose a priority: Jira has no empty priority. To keep the issue’s priority, remove this row.';
  if (name === 'duedate' && text && !isTemplate(text) && !isDay(text) && !(text.length > 10 && text.includes('T') && !Number.isNaN(Date.parse(text))))
    return `“${text}” is not a day: pick one, write it as 2026-12-31, or use a smart value such as {{ now | plus_days: 3 }}.`;
  return undefined;
}

/** Field/value rows (jira.edit and jira.create): a field picker (ids, or any typed id or name) and a template value. */
export function FieldRowsEditor({
  index: i,
  rows,
  onRows,
  errors,
  path: p,
  readOnly,
  addLabel = 'Add field',
  fieldHelper,
  settable,
  forCreate,
}: {
  index: number | string;
  rows: FieldRow[];
  onRows: (rows: FieldRow[]) => void;
  errors: Record<string, string[]>;
  path: string;
  readOnly: boolean;
  addLabel?: string;
  fieldHelper?: string;
  /** The field ids the step can set (the picker offers only those); default: any. */
  settable?: RegExp;
  /** jira.create: any field name, so any value shape (the backend's JiraFieldRules.CheckForCreate). */
  forCreate?: boolean;
}) {
  const set = (id: string, patch: Partial<FieldRow>) => onRows(rows.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  const focusAfter = useFocusAfter();
  const kindOfRow = (r: FieldRow): FieldKind => (r.json ? 'json' : r.adf ? 'text' : (r.kind ?? 'text'));
  return (
    <>
      {rows.map((r, k) => (
        <div key={r.id} role="group" aria-label={`Field ${k + 1}`} style={{ display: 'grid', gridTemplateColumns: 'minmax(180px,1fr) minmax(160px,1fr) 2fr auto', gap: token('space.100'), alignItems: 'start' }}>
          <JiraSelect
            id={`step-${i}-field-${k}`}
            label={`Field ${k + 1}`}
            value={r.field}
            onChange={(v) => set(r.id, kindOfRow(r) === 'json' || kindsFor(v, !!forCreate).includes(kindOfRow(r)) ? { field: v } : { field: v, kind: 'text' })}
            cacheKey={settable ? 'settableFields' : 'fields'}
            load={async () => fieldOptions((await jira.fields()).filter((f) => !settable || settable.test(f.id)))}
            isDisabled={readOnly}
            helper={fieldHelper}
            placeholder="summary, labels, customfield_10016…"
          />
          {(() => {
            const kind = kindOfRow(r);
            const kinds = kindsFor(r.field, !!forCreate);
            if (r.adf || (kinds.length < 2 && kinds.includes(kind))) return <span />;
            return (
              <SelectField
                id={`step-${i}-kind-${k}`}
                label={`Value type ${k + 1}`}
                options={FIELD_KINDS.filter((o) => kinds.includes(o.value) || o.value === kind)}
                value={kind}
                onChange={(v) => {
                  const next = (v || 'text') as FieldKind;
                  if (next === kind) return;
                  let value = r.value;
                  if (kind === 'json') {
                    let parsed: unknown;
                    try {
                      parsed = JSON.parse(r.value);
                    } catch {
                      parsed = undefined;
                    }
                    const shaped = kindOf(parsed);
                    value = typeof parsed === 'string' ? parsed : shaped?.kind === next ? shaped.text : '';
                  }
                  set(r.id, { kind: next, json: false, value: next === 'empty' ? '' : value });
                }}
                isDisabled={readOnly}
              />
            );
          })()}
          {(() => {
            const kind = kindOfRow(r);
            const name = r.field.trim();
            const rowErrors = errorsWithin(errors, `${p}.fields.${name}`, !!r.adf);
            const hint = FIELD_KINDS.find((o) => o.value === kind)?.hint;
            const several = kind === 'options' || kind === 'names' || kind === 'ids' || kind === 'users' || kind === 'list';
            const valueField = (fallbackHint?: string) => (
              <TemplateField
                id={`step-${i}-value-${k}`}
                label={kind === 'json' ? `Value ${k + 1} (JSON)` : r.adf ? `Value ${k + 1} (rich text)` : several ? `Values ${k + 1} (one per line)` : `Value ${k + 1}`}
                multiline={r.adf || several}
                rows={several ? 3 : undefined}
                value={r.value}
                onChange={(v) => set(r.id, { value: v })}
                errors={rowErrors}
                isDisabled={readOnly}
                helper={
                  fallbackHint ??
                  (r.rich
                    ? 'Saved as rich text (Atlassian Document Format): **bold**, *italic*, `code`, a block of “- ” or “1. ” lines a list, “## ” a heading; other blocks are paragraphs.'
                    : r.adf
                      ? 'Saved as Atlassian Document Format: each block of text becomes a paragraph, line breaks stay line breaks.'
                      : hint)
                }
                placeholder={kind === 'names' ? 'Backend' : kind === 'options' || kind === 'option' ? 'High' : r.field === 'labels' ? 'needs-triage, {{ project.key | downcase }}' : r.field === 'assignee' ? 'An account id, or a smart value' : '{{ issue.fields.summary }}'}
              />
            );
            if (kind === 'cascade' || kind === 'cascadeId') {
              const [parent, child] = cascadeParts(r.value);
              const ids = kind === 'cascadeId' ? ' id' : '';
              return (
                <div style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
                  <TemplateField id={`step-${i}-value-${k}`} label={`Value ${k + 1}: parent option${ids}`} value={parent} onChange={(v) => set(r.id, { value: `${v.replace(/[\r\n]/g, ' ')}\n${child}` })} errors={rowErrors} isDisabled={readOnly} helper={hint} placeholder={ids ? '10100' : 'Europe'} />
                  <TemplateField id={`step-${i}-value-${k}-child`} label={`Value ${k + 1}: child option${ids}`} value={child} onChange={(v) => set(r.id, { value: `${parent}\n${v.replace(/[\r\n]/g, ' ')}` })} isDisabled={readOnly} placeholder={ids ? '10105' : 'Belgium'} />
                </div>
              );
            }
            if (kind === 'users')
              return (
                <JiraUsersSelect
                  id={`step-${i}-value-${k}`}
                  label={`Values ${k + 1} (users)`}
                  value={r.value.split('\n').map((x) => x.trim()).filter((x) => x !== '')}
                  onChange={(ids) => set(r.id, { value: ids.join('\n') })}
                  search={(q) => jira.users(q)}
                  errors={rowErrors}
                  isDisabled={readOnly}
                  fallback={(h) => valueField(`${h} One account id per line.`)}
                />
              );
            if (name === 'description' && kind === 'text' && !readOnly)
              return (
                <div style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
                  {valueField()}
                  <CommentFormatButtons i={`${i}-${k}`} label={`Format the description (field ${k + 1})`} targetId={`step-${i}-value-${k}`} text={r.value} onFormat={(value) => set(r.id, { value, adf: true, rich: true })} />
                </div>
              );
            if (kind === 'empty') return <span style={{ paddingTop: 28, color: token('color.text.subtle') }}>Saved as empty: the field is cleared.</span>;
            if (name === 'duedate' && kind === 'text')
              return (
                <div style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
                  {valueField('A day (2026-12-31) or a smart value such as {{ now | plus_days: 3 }} (a date-time is sent as its day). Empty: no due date.')}
                  {!readOnly && (
                    <TextField
                      id={`step-${i}-value-${k}-day`}
                      label={`Pick a day ${k + 1}`}
                      type="date"
                      value={isDay(r.value.trim()) ? r.value.trim() : ''}
                      onChange={(v) => set(r.id, { value: v })}
                    />
                  )}
                </div>
              );
            const sitePicker = kind === 'text' ? SITE_PICKERS[name] : undefined;
            if (sitePicker)
              return (
                <JiraSelect
                  id={`step-${i}-value-${k}`}
                  label={`Value ${k + 1}`}
                  value={r.value}
                  onChange={(v) => set(r.id, { value: v })}
                  cacheKey={sitePicker.cacheKey}
                  load={sitePicker.load}
                  errors={rowErrors}
                  isDisabled={readOnly}
                  smart
                  placeholder={sitePicker.placeholder}
                  helper={sitePicker.helper}
                />
              );
            if (kind === 'number')
              return <TextField id={`step-${i}-value-${k}`} label={`Value ${k + 1} (number)`} value={r.value} onChange={(v) => set(r.id, { value: v })} errors={rowErrors} isDisabled={readOnly} helper={hint} placeholder="5" />;
            return kind === 'user' || (name === 'assignee' && kind === 'text') ? (
              <JiraUserSelect
                id={`step-${i}-value-${k}`}
                label={`Value ${k + 1}`}
                value={r.value}
                onChange={(v) => set(r.id, { value: v })}
                search={(q) => jira.users(q)}
                errors={rowErrors}
                isDisabled={readOnly}
                fallback={(h) => valueField(h)}
              />
            ) : (
              valueField()
            );
          })()}
          {!readOnly ? (
            <div style={{ paddingTop: 24 }}>
              <Button
                appearance="subtle"
                onClick={() => {
                  focusAfter(afterRemove(k, rows.length, (n) => `step-${i}-field-${n}`, `step-${i}-field-add`));
                  onRows(rows.filter((x) => x.id !== r.id));
                }}
                aria-label={`Remove field ${k + 1}`}
              >
                Remove
              </Button>
            </div>
          ) : (
            <span />
          )}
        </div>
      ))}
      {!readOnly && (
        <div>
          <Button
            id={`step-${i}-field-add`}
            spacing="compact"
            onClick={() => {
              focusAfter(`step-${i}-field-${rows.length}`);
              onRows([...rows, { id: newId('f'), field: '', value: '', json: false }]);
            }}
          >
            {addLabel}
          </Button>
        </div>
      )}
    </>
  );
}

/** One `update` operation row of jira.edit: add/remove/set one value of a multi-value field. */
export interface UpdateRow {
  id: string;
  field: string;
  op: 'add' | 'remove' | 'set';
  value: string;
  /** `set` to a list (`{"set": ["a", "b"]}`; `[]` clears the field): `value` holds one item per line. */
  list?: boolean;
  /** Each value wrapped in an object by this key (`{"add": {"value": "a"}}`, `{"set": [{"id": "1"}]}`); none: text. */
  shape?: UpdateShape;
}
/** The object keys Jira takes a list field's item by: an option by name or id, a component or version by name or id, a user (fieldValues.ts cites the shapes). */
export type UpdateShape = 'value' | 'id' | 'name' | 'accountId';
const UPDATE_SHAPES: { value: '' | UpdateShape; label: string }[] = [
  { value: '', label: 'Text' },
  { value: 'value', label: 'Option, by its name' },
  { value: 'name', label: 'By name (components, versions)' },
  { value: 'id', label: 'By id' },
  { value: 'accountId', label: 'User (account id)' },
];
/** The shapes a field's items take: labels are text; components and versions text (sent as names), {"name"} or {"id"}; custom fields any. */
export function updateShapesFor(field: string): ('' | UpdateShape)[] {
  const name = field.trim();
  if (name === 'labels') return [''];
  if (name === 'components' || name === 'fixVersions' || name === 'versions') return ['', 'name', 'id'];
  return ['', 'value', 'id', 'name', 'accountId'];
}
const SHAPE_KEYS: readonly string[] = ['value', 'id', 'name', 'accountId'];
/** A saved operand as [text, shape]: text, or a one-key object of a shape with a text value; undefined otherwise. */
function operandOf(x: unknown): [string, UpdateShape | undefined] | undefined {
  if (typeof x === 'string') return [x, undefined];
  if (!x || typeof x !== 'object' || Array.isArray(x)) return undefined;
  const entries = Object.entries(x);
  return entries.length === 1 && SHAPE_KEYS.includes(entries[0][0]) && typeof entries[0][1] === 'string' ? [entries[0][1], entries[0][0] as UpdateShape] : undefined;
}
const operandTo = (text: string, shape: UpdateShape | undefined) => (shape ? { [shape]: text } : text);
const UPDATE_OPS = ['add', 'remove', 'set'] as const;
/** The fields jira.edit sets (the backend's JiraFieldRules.Check; others are refused at save): its field picker offers only these. */
export const EDIT_SETTABLE = /^(summary|description|labels|priority|assignee|duedate|resolution|customfield_\d+)$/;

/** Multi-value fields `update` accepts (docs/api.md "Jira steps"). */
export const UPDATABLE = /^(labels|components|fixVersions|versions|customfield_\d+)$/;

/** `update` JSON → rows, plus the fields written as a list; undefined when the form cannot show it exactly. */
export function updateRowsFrom(update: unknown): { updateRows: UpdateRow[]; updateLists: string[] } | undefined {
  if (update === undefined) return { updateRows: [], updateLists: [] };
  if (!update || typeof update !== 'object' || Array.isArray(update)) return undefined;
  const updateRows: UpdateRow[] = [];
  const updateLists: string[] = [];
  for (const [field, ops] of Object.entries(update as Record<string, unknown>)) {
    const list = Array.isArray(ops) ? ops : [ops];
    if (Array.isArray(ops)) {
      if (ops.length === 0) return undefined;
      updateLists.push(field);
    }
    for (const op of list) {
      if (!op || typeof op !== 'object' || Array.isArray(op)) return undefined;
      const entries = Object.entries(op as Record<string, unknown>);
      if (entries.length !== 1) return undefined;
      const [name, value] = entries[0];
      if (name === 'set' && Array.isArray(value)) {
        // One item per line, all of one shape: an item the lines cannot hold exactly (not text, empty, with a line break) keeps the JSON editor.
        const items = value.map(operandOf);
        const shape = items[0]?.[1];
        if (!items.every((x) => x && x[1] === shape && x[0] !== '' && !/[\r\n]/.test(x[0]))) return undefined;
        if (shape && !updateShapesFor(field).includes(shape)) return undefined;
        updateRows.push({ id: newId('u'), field, op: 'set', value: items.map((x) => x![0]).join('\n'), list: true, ...(shape ? { shape } : {}) });
        continue;
      }
      const operand = operandOf(value);
      if (!(UPDATE_OPS as readonly string[]).includes(name) || !operand || (operand[1] && !updateShapesFor(field).includes(operand[1]))) return undefined;
      updateRows.push({ id: newId('u'), field, op: name as UpdateRow['op'], value: operand[0], ...(operand[1] ? { shape: operand[1] } : {}) });
    }
  }
  return { updateRows, updateLists };
}
export function updateRowsTo(rows: UpdateRow[] | undefined, lists: string[] | undefined, add: AddError): Record<string, unknown> | undefined {
  const grouped = new Map<string, Record<string, unknown>[]>();
  for (const r of rows ?? []) {
    const field = r.field.trim();
    if (!field) continue;
    if (!UPDATABLE.test(field)) add(`update.${field}`, `“${field}” cannot be added to or removed from: use labels, components, fixVersions, versions or customfield_<digits>.`);
    if (r.op === 'set' && r.list) {
      grouped.set(field, [...(grouped.get(field) ?? []), { set: r.value.split(/\r?\n/).filter((x) => x !== '').map((x) => operandTo(x, r.shape)) }]);
      continue;
    }
    if (!r.value.trim()) add(`update.${field}`, `Enter the value to ${r.op}.`);
    grouped.set(field, [...(grouped.get(field) ?? []), { [r.op]: operandTo(r.value, r.shape) }]);
  }
  if (grouped.size === 0) return undefined;
  return Object.fromEntries([...grouped].map(([field, ops]) => [field, ops.length === 1 && !(lists ?? []).includes(field) ? ops[0] : ops]));
}

/**
 * The backend's errors for the `position`-th of `count` operations on one field (`base` is `steps[0].update.labels`):
 * the field's own errors, and those of that operation, which the backend names `base[1].add` (written as a list) or
 * `base.add` (one operation written alone); both are taken, as the form keeps either shape.
 */
export function updateRowErrors(errors: Record<string, string[]>, base: string, position: number, count: number): string[] | undefined {
  const mine = (key: string) => {
    if (key === base) return true;
    const rest = key.slice(base.length);
    if (!key.startsWith(base)) return false;
    const item = /^\[(\d+)\]/.exec(rest);
    if (item) return Number(item[1]) === position;
    return count === 1 && rest.startsWith('.');
  };
  const out = Object.entries(errors)
    .filter(([key]) => mine(key))
    .flatMap(([, messages]) => messages);
  return out.length ? out : undefined;
}

const UPDATE_FIELDS = [
  { value: 'labels', label: 'Labels (labels)' },
  { value: 'components', label: 'Components (components)' },
  { value: 'fixVersions', label: 'Fix versions (fixVersions)' },
  { value: 'versions', label: 'Affects versions (versions)' },
];

/** Add/remove rows for labels, components, versions and multi-value custom fields (`update`). */
export function UpdateRowsEditor({ index: i, rows, onRows, errors, path: p, readOnly }: { index: number | string; rows: UpdateRow[]; onRows: (rows: UpdateRow[]) => void; errors: Record<string, string[]>; path: string; readOnly: boolean }) {
  const set = (id: string, patch: Partial<UpdateRow>) => onRows(rows.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  const rowErrors = (r: UpdateRow) => {
    const field = r.field.trim();
    const same = rows.filter((x) => x.field.trim() === field);
    return updateRowErrors(errors, `${p}.update.${field}`, same.indexOf(r), same.length);
  };
  const newRow = (field: string): UpdateRow => ({ id: newId('u'), field, op: 'add', value: '' });
  const focusAfter = useFocusAfter();
  const add = (field: string) => {
    focusAfter(`step-${i}-update-value-${rows.length}`);
    onRows([...rows, newRow(field)]);
  };
  return (
    <div role="group" aria-label="Add or remove values" style={{ display: 'flex', flexDirection: 'column', gap: token('space.100') }}>
      <span style={{ font: token('font.body.small'), fontWeight: 600, color: token('color.text.subtle') }}>Add or remove values (labels, components, versions)</span>
      {rows.length === 0 && <span style={{ color: token('color.text.subtlest') }}>None: the fields above replace whole values.</span>}
      {rows.map((r, k) => (
        <div key={r.id} role="group" aria-label={`Change ${k + 1}`} style={{ display: 'grid', gridTemplateColumns: 'minmax(180px,1fr) 140px 2fr auto', gap: token('space.100'), alignItems: 'start' }}>
          <JiraSelect
            id={`step-${i}-update-field-${k}`}
            label={`Field ${k + 1}`}
            value={r.field}
            onChange={(v) => set(r.id, { field: v, shape: r.shape && updateShapesFor(v).includes(r.shape) ? r.shape : undefined })}
            cacheKey="updatableFields"
            load={async () => [
              ...UPDATE_FIELDS,
              ...(await jira.fields()).filter((f) => f.custom && f.type === 'array' && /^customfield_\d+$/.test(f.id)).map((f) => ({ value: f.id, label: `${f.name} (${f.id})` })),
            ]}
            isDisabled={readOnly}
            placeholder="labels, components, customfield_10020…"
          />
          <SelectField
            id={`step-${i}-update-op-${k}`}
            label={`Action ${k + 1}`}
            options={[
              { value: 'add', label: 'Add' },
              { value: 'remove', label: 'Remove' },
              { value: 'set', label: 'Set (replace)' },
            ]}
            value={r.op}
            onChange={(v) => set(r.id, { op: ((UPDATE_OPS as readonly string[]).includes(v) ? v : 'add') as UpdateRow['op'] })}
            isDisabled={readOnly}
          />
          <div style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
            <TemplateField
              id={`step-${i}-update-value-${k}`}
              label={r.op === 'set' && r.list ? `Values ${k + 1} (one per line)` : `Value ${k + 1}`}
              multiline={r.op === 'set' && r.list}
              rows={3}
              value={r.value}
              onChange={(v) => set(r.id, { value: v })}
              errors={rowErrors(r)}
              isDisabled={readOnly}
              helper={r.op === 'set' && r.list ? 'The field is set to exactly these values; none clears it.' : undefined}
              placeholder={r.field === 'components' ? 'Backend' : 'urgent'}
            />
            {r.op === 'set' && (
              <Checkbox
                id={`step-${i}-update-list-${k}`}
                label="Several values (one per line)"
                isChecked={!!r.list}
                isDisabled={readOnly}
                onChange={(e) => set(r.id, { list: e.target.checked })}
              />
            )}
            {updateShapesFor(r.field).length > 1 && (
              <SelectField
                id={`step-${i}-update-shape-${k}`}
                label={`Values as ${k + 1}`}
                options={UPDATE_SHAPES.filter((o) => updateShapesFor(r.field).includes(o.value))}
                value={r.shape ?? ''}
                onChange={(v) => set(r.id, { shape: (SHAPE_KEYS.includes(v) ? v : undefined) as UpdateShape | undefined })}
                isDisabled={readOnly}
                helper={r.shape ? `Each value is sent as {"${r.shape}": …}.` : undefined}
              />
            )}
          </div>
          {!readOnly ? (
            <div style={{ paddingTop: 24 }}>
              <Button
                appearance="subtle"
                onClick={() => {
                  focusAfter(afterRemove(k, rows.length, (n) => `step-${i}-update-field-${n}`, `step-${i}-update-add`));
                  onRows(rows.filter((x) => x.id !== r.id));
                }}
                aria-label={`Remove change ${k + 1}`}
              >
                Remove
              </Button>
            </div>
          ) : (
            <span />
          )}
        </div>
      ))}
      {!readOnly && (
        <div style={{ display: 'flex', gap: token('space.100') }}>
          <Button id={`step-${i}-update-add`} spacing="compact" onClick={() => add('labels')}>
            Add or remove a label
          </Button>
          <Button spacing="compact" onClick={() => add('components')}>
            Add or remove a component
          </Button>
        </div>
      )}
    </div>
  );
}

export const jiraEditKind: StepKind = {
  type: 'jira.edit',
  label: 'Edit issue fields',
  summary: 'Set summary, labels, priority, assignee, due date, resolution or custom fields; add or remove labels and components.',
  docs: 'jira-steps',
  help: (
    <>
      Sets fields of the issue. Values are templates: <code>labels</code> takes comma- or space-separated labels, <code>priority</code> a name,{' '}
      <code>assignee</code> an account id (empty unassigns), <code>description</code> text, <code>duedate</code> a day (pick one, or a smart value such as{' '}
      <code>{'{{ now | plus_days: 3 }}'}</code>; empty clears it), <code>resolution</code> a resolution picked from your site (empty: unresolved); custom fields take any value: pick its “Value type” (number, option, several options, user, empty…). Setting a field replaces its
      whole value; to add or remove one label, component or version and keep the others, use the “Add or remove values” rows (Jira’s{' '}
      <code>update</code>). {jiraHelp}
    </>
  ),
  defaults: () => ({ rows: [{ id: newId('f'), field: '', value: '', json: false }], updateRows: [], updateLists: [], hadFields: false, issue: '', onError: 'stop', extra: {} }),
  fromJson(step) {
    const c = common(step);
    if (!c) return undefined;
    const hasFields = step.fields !== undefined;
    if (hasFields && (!step.fields || typeof step.fields !== 'object' || Array.isArray(step.fields))) return undefined;
    if (!hasFields && step.update === undefined) return undefined;
    const upd = updateRowsFrom(step.update);
    if (!upd) return undefined;
    const rows = hasFields ? fieldRowsFrom(step.fields as Record<string, unknown>) : [];
    return { ...c, rows, hadFields: hasFields, ...upd, ...split(step, ['fields', 'update', 'issue', 'onError']) };
  },
  toJson(v, add: AddError) {
    const fields = fieldRowsTo(v.rows as FieldRow[], add);
    const update = updateRowsTo(v.updateRows as UpdateRow[], v.updateLists as string[], add);
    if (Object.keys(fields).length === 0 && !update) add('fields', 'Choose at least one field to set, or a value to add or remove.');
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'jira.edit' };
    if (Object.keys(fields).length > 0 || v.hadFields || !update) out.fields = fields;
    if (update) out.update = update;
    commonTo(out, v);
    return out;
  },
  Form(props) {
    const { index: i, values: s, onChange, errors, path: p, readOnly } = props;
    return (
      <>
        {errors[`${p}.fields`]?.map((m, k) => (
          <span key={k} role="alert" style={{ color: token('color.text.danger') }}>
            {m}
          </span>
        ))}
        {errors[`${p}.update`]?.map((m, k) => (
          <span key={`u${k}`} role="alert" style={{ color: token('color.text.danger') }}>
            {m}
          </span>
        ))}
        <FieldRowsEditor
          index={i}
          rows={s.rows as FieldRow[]}
          onRows={(rows) => onChange({ rows })}
          errors={errors}
          path={p}
          readOnly={readOnly}
          settable={EDIT_SETTABLE}
          fieldHelper="Summary, description, labels, priority, assignee, due date, resolution or a custom field."
        />
        <UpdateRowsEditor index={i} rows={(s.updateRows ?? []) as UpdateRow[]} onRows={(updateRows) => onChange({ updateRows })} errors={errors} path={p} readOnly={readOnly} />
        <CommonFields {...props} />
      </>
    );
  },
};

export const jiraTransitionKind: StepKind = {
  type: 'jira.transition',
  label: 'Transition the issue',
  summary: 'Move the issue through its workflow (e.g. to In Progress).',
  docs: 'jira-steps',
  help: (
    <>
      Moves the issue with a workflow transition, found by name (case-insensitive) among the transitions the issue has at run time; a missing one fails
      with <code>transition_not_found</code>. Pick from your statuses, or enter an example issue to list its transitions. {jiraHelp}
    </>
  ),
  defaults: () => ({ by: 'name', transition: '', transitionId: '', sampleIssue: '', issue: '', onError: 'stop', extra: {} }),
  fromJson(step) {
    const c = common(step);
    const [transition, transitionId] = [str(step.transition), str(step.transitionId)];
    if (!c || transition === undefined || transitionId === undefined) return undefined;
    if ((step.transition === undefined) === (step.transitionId === undefined)) return undefined;
    return { ...c, by: step.transitionId !== undefined ? 'id' : 'name', transition, transitionId, sampleIssue: '', ...split(step, ['transition', 'transitionId', 'issue', 'onError']) };
  },
  toJson(v, add) {
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'jira.transition' };
    if (v.by === 'id') {
      if (!String(v.transitionId ?? '').trim()) add('transitionId', 'Enter the transition id.');
      out.transitionId = String(v.transitionId ?? '').trim();
    } else {
      if (!String(v.transition ?? '').trim()) add('transition', 'Choose the transition.');
      out.transition = String(v.transition ?? '').trim();
    }
    commonTo(out, v);
    return out;
  },
  Form(props) {
    const { index: i, values: s, onChange, errors, path: p, readOnly } = props;
    const sample = String(s.sampleIssue ?? '').trim().toUpperCase();
    const validSample = /^[A-Z][A-Z0-9_]*-\d+$/.test(sample);
    return (
      <>
        <div style={grid2}>
          <SelectField
            id={`step-${i}-by`}
            label="Find the transition by"
            options={[
              { value: 'name', label: 'Name' },
              { value: 'id', label: 'Id' },
            ]}
            value={s.by}
            onChange={(v) => onChange({ by: v || 'name' })}
            isDisabled={readOnly}
          />
          {s.by === 'id' ? (
            <TemplateField id={`step-${i}-transitionId`} label="Transition id" value={s.transitionId} onChange={(v) => onChange({ transitionId: v })} errors={errors[`${p}.transitionId`]} isDisabled={readOnly} placeholder="31" />
          ) : (
            <JiraSelect
              key={validSample ? sample : 'statuses'}
              id={`step-${i}-transition`}
              label="Transition"
              required
              value={s.transition}
              onChange={(v) => onChange({ transition: v })}
              errors={errors[`${p}.transition`]}
              cacheKey={validSample ? `transitions:${sample}` : 'statuses'}
              load={validSample ? () => jira.transitions(sample) : () => jira.statuses()}
              isDisabled={readOnly}
              placeholder="In Progress"
              helper={validSample ? `Transitions of ${sample}.` : 'Status names of your site; transitions are often named after them.'}
            />
          )}
          {s.by !== 'id' && (
            <TextField id={`step-${i}-sampleIssue`} label="Example issue (optional)" value={s.sampleIssue} onChange={(v) => onChange({ sampleIssue: v })} isDisabled={readOnly} placeholder="OPS-1" helper="Lists that issue's transitions. Not saved." />
          )}
        </div>
        <CommonFields {...props} />
      </>
    );
  },
};

export const jiraFetchKind: StepKind = {
  type: 'jira.fetch',
  label: 'Read an issue',
  summary: 'Load an issue (e.g. the parent) for later steps.',
  docs: 'jira-steps',
  help: (
    <>
      Reads the whole issue so later steps can use it as <code>steps.&lt;id&gt;.issue.fields…</code> — useful for the parent issue, or in scheduled and
      webhook rules. {jiraHelp}
    </>
  ),
  defaults: () => ({ issue: '', onError: 'stop', extra: {} }),
  fromJson(step) {
    const c = common(step);
    return c && { ...c, ...split(step, ['issue', 'onError']) };
  },
  toJson(v) {
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'jira.fetch' };
    commonTo(out, v);
    return out;
  },
  Form: CommonFields,
};
