// The AI step's "several named values" answer format: a form that writes the structured-output schema (docs/api.md
// "AI step — ai.chat", Structured output), so an admin gets e.g. a priority, labels and a reason back without writing
// JSON Schema. It writes the subset the backend checks itself (src/BluBees.Engine/Steps/Ai/OutputSchema.cs): an
// object root, properties of type string (optionally one of a list), number, integer, boolean or a list of strings
// (optionally from a list), a group of values (an object, with its own values) or a list of groups (a list of objects),
// each with an optional description, `required` and `additionalProperties: false`.
import React from 'react';
import Button from '@atlaskit/button/new';
import { Checkbox } from '@atlaskit/checkbox';
import { token } from '@atlaskit/tokens';
import { SelectField, TextField } from '../components/common';
import { newId } from '../lib/conditions';
import { afterRemove, useFocusAfter } from './shared';
import type { AddError } from './types';

export type OutKind = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | 'objects';

/** One value the model answers with: `steps.<id>.output.<name>`. */
export interface OutField {
  id: string;
  name: string;
  kind: OutKind;
  /** Allowed values, comma separated (text and lists of text only); empty: any. */
  choices: string;
  description: string;
  required: boolean;
  /** A group's (object's) or each list item's values: kinds `object` and `objects`. */
  nested?: OutFields;
}

export interface OutFields {
  outFields: OutField[];
  /** The schema's `additionalProperties` as saved (new schemas: false, no other names in the answer). */
  additional: boolean | undefined;
  /** The schema had a `required` list (kept, empty or not). */
  hadRequired: boolean;
}

export const OUT_KINDS: { value: OutKind; label: string }[] = [
  { value: 'string', label: 'Text' },
  { value: 'number', label: 'Number' },
  { value: 'integer', label: 'Whole number' },
  { value: 'boolean', label: 'Yes / no' },
  { value: 'array', label: 'List of texts' },
  { value: 'object', label: 'Group of values (an object)' },
  { value: 'objects', label: 'List of groups (objects)' },
];
const grouped = (k: OutKind) => k === 'object' || k === 'objects';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** JSON text with object keys sorted: equal for equal JSON values whatever their key order. */
const canonical = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(canonical).join(',')}]` : v && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}` : JSON.stringify(v);

export const newOutField = (name = ''): OutField => ({ id: newId('o'), name, kind: 'string', choices: '', description: '', required: true });
export const defaultOutFields = (): OutFields => ({ outFields: [newOutField()], additional: false, hadRequired: false });

const choiceList = (text: string) =>
  text
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);

function propertySchema(f: OutField, add: AddError, at: string): Record<string, unknown> {
  const choices = choiceList(f.choices);
  if (grouped(f.kind)) {
    const inner = f.nested ?? defaultOutFields();
    const out: Record<string, unknown> =
      f.kind === 'object' ? outFieldsSchema(inner, add, at) : { type: 'array', items: outFieldsSchema(inner, add, `${at}.items`) };
    if (f.description) out.description = f.description;
    return out;
  }
  const out: Record<string, unknown> = { type: f.kind };
  if (f.kind === 'string' && choices.length) out.enum = choices;
  if (f.kind === 'array') out.items = choices.length ? { type: 'string', enum: choices } : { type: 'string' };
  if (f.description) out.description = f.description;
  return out;
}

/** The schema the rows write; errors keyed where the backend names them (`schema.properties.<name>`, nested: `schema.properties.<name>.items.properties.<name>`). */
export function outFieldsSchema(v: OutFields, add: AddError, at = 'schema'): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  if (v.outFields.length === 0) add(`${at}.properties`, 'Add at least one value for the model to answer with.');
  for (const f of v.outFields) {
    const name = f.name.trim();
    if (!NAME.test(name)) {
      add(`${at}.properties.${name}`, 'Name the value with letters, digits and _, not starting with a digit (e.g. priority).');
      continue;
    }
    if (name in properties) add(`${at}.properties.${name}`, `“${name}” is used twice: keep one.`);
    if (choiceList(f.choices).length && f.kind !== 'string' && f.kind !== 'array') add(`${at}.properties.${name}.enum`, 'Allowed values apply to text and lists of texts only.');
    properties[name] = propertySchema(f, add, `${at}.properties.${name}`);
    if (f.required) required.push(name);
  }
  const schema: Record<string, unknown> = { type: 'object', properties };
  if (required.length || v.hadRequired) schema.required = required;
  if (v.additional !== undefined) schema.additionalProperties = v.additional;
  return schema;
}

function fieldFrom(name: string, p: unknown, required: boolean): OutField | undefined {
  if (!p || typeof p !== 'object' || Array.isArray(p)) return undefined;
  const s = p as Record<string, unknown>;
  const description = s.description === undefined ? '' : typeof s.description === 'string' ? s.description : undefined;
  if (description === undefined) return undefined;
  const items = s.items as Record<string, unknown> | undefined;
  // A group (an object) or a list of groups: its values are rows too when they write it back exactly.
  if (s.type === 'object' || (s.type === 'array' && items && typeof items === 'object' && items.type === 'object')) {
    const object = Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'description'));
    const nested = outFieldsFrom(s.type === 'object' ? object : items);
    if (!nested || (s.type === 'array' && Object.keys(object).some((k) => k !== 'type' && k !== 'items'))) return undefined;
    return { id: newId('o'), name, kind: s.type === 'object' ? 'object' : 'objects', choices: '', description, required, nested };
  }
  if (!OUT_KINDS.some((k) => k.value === s.type)) return undefined;
  const list = s.type === 'string' ? s.enum : s.type === 'array' && items && typeof items === 'object' ? items.enum : undefined;
  // Allowed values are edited comma separated: a value that holds a comma or outer spaces, or is empty, keeps the JSON editor.
  if (list !== undefined && !(Array.isArray(list) && list.length > 0 && list.every((x) => typeof x === 'string' && x !== '' && x === x.trim() && !x.includes(',')))) return undefined;
  return { id: newId('o'), name, kind: s.type as OutKind, choices: list ? (list as string[]).join(', ') : '', description, required };
}

/** The rows for a schema, or undefined when they cannot write it back exactly (the JSON schema editor keeps it). */
export function outFieldsFrom(schema: unknown): OutFields | undefined {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
  const s = schema as Record<string, unknown>;
  if (Object.keys(s).some((k) => !['type', 'properties', 'required', 'additionalProperties'].includes(k))) return undefined;
  if (s.type !== 'object' || !s.properties || typeof s.properties !== 'object' || Array.isArray(s.properties)) return undefined;
  if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean') return undefined;
  if (s.required !== undefined && !(Array.isArray(s.required) && s.required.every((r) => typeof r === 'string'))) return undefined;
  const required = (s.required as string[] | undefined) ?? [];
  const outFields: OutField[] = [];
  for (const [name, p] of Object.entries(s.properties as Record<string, unknown>)) {
    const f = name === name.trim() ? fieldFrom(name, p, required.includes(name)) : undefined;
    if (!f) return undefined;
    outFields.push(f);
  }
  if (outFields.length === 0) return undefined;
  const values: OutFields = { outFields, additional: s.additionalProperties as boolean | undefined, hadRequired: s.required !== undefined };
  const problems: string[] = [];
  const back = outFieldsSchema(values, (_p, m) => problems.push(m));
  return problems.length === 0 && canonical(back) === canonical(schema) ? values : undefined;
}

/** The backend's errors inside `<schema>.properties.<name>`, by row (`choices`: those at its allowed values; a group's values' own errors are theirs). */
function rowErrors(errors: Record<string, string[]>, schemaAt: string, name: string) {
  const base = `${schemaAt}.properties.${name}`;
  const out = { name: [] as string[], choices: [] as string[] };
  for (const [k, messages] of Object.entries(errors)) {
    if (k !== base && !k.startsWith(`${base}.`) && !k.startsWith(`${base}[`)) continue;
    if (k.startsWith(`${base}.properties.`) || k.startsWith(`${base}.items.properties.`)) continue;
    const rest = k.slice(base.length);
    if (/^(\.items)?\.enum\b/.test(rest)) out.choices.push(...messages);
    else out.name.push(...(rest ? messages.map((m) => `${rest.slice(1)}: ${m}`) : messages));
  }
  return out;
}

/** The errors of the schema that no row holds (`schema`, `schema.type`, `schema.required`, `schema.properties`). */
export function schemaLevelErrors(errors: Record<string, string[]>, p: string, names: string[]): string[] {
  const base = `${p}.schema`;
  const out: string[] = [];
  for (const [k, messages] of Object.entries(errors)) {
    if (k !== base && !k.startsWith(`${base}.`) && !k.startsWith(`${base}[`)) continue;
    if (names.some((n) => k === `${base}.properties.${n}` || k.startsWith(`${base}.properties.${n}.`) || k.startsWith(`${base}.properties.${n}[`))) continue;
    out.push(...(k === base ? messages : messages.map((m) => `${k.slice(base.length + 1)}: ${m}`)));
  }
  return out;
}

export function OutFieldsEditor({
  index: i,
  rows,
  onRows,
  errors,
  path: p,
  readOnly,
  prefix = `step-${i}-out`,
  schemaAt = `${p}.schema`,
  of,
}: {
  index: number | string;
  rows: OutField[];
  onRows: (rows: OutField[]) => void;
  errors: Record<string, string[]>;
  path: string;
  readOnly: boolean;
  /** Element ids start with it (a group's values: `step-0-out-1`, under the group's row 1). */
  prefix?: string;
  /** Where the backend names these values' schema (`steps[0].schema`, a group's `….properties.customer`). */
  schemaAt?: string;
  /** The group these are the values of (a nested editor), and whether they are each item's of a list. */
  of?: { name: string; each: boolean };
}) {
  const set = (id: string, patch: Partial<OutField>) => onRows(rows.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  const focusAfter = useFocusAfter();
  const rowId = (k: number) => `${prefix}-name-${k}`;
  const groupName = of ? `Values of ${of.each ? 'each item of ' : ''}${of.name || 'this group'}` : 'Values the model answers with';
  return (
    <div role="group" aria-label={groupName} style={{ display: 'flex', flexDirection: 'column', gap: token('space.100') }}>
      <span style={{ font: token('font.body.small'), fontWeight: 600, color: token('color.text.subtle') }}>
        {of ? `${groupName} (read as …${of.name}${of.each ? '[0]' : ''}.<name>)` : 'Values the model answers with (read later as steps.<id>.output.<name>)'}
      </span>
      {rows.length === 0 && <span style={{ color: token('color.text.subtlest') }}>None yet: add one.</span>}
      {rows.map((r, k) => {
        const e = rowErrors(errors, schemaAt, r.name.trim());
        return (
          <div key={r.id} role="group" aria-label={`Answer value ${k + 1}`} style={{ display: 'grid', gridTemplateColumns: 'minmax(140px,1fr) 150px 2fr', gap: token('space.100'), alignItems: 'start', borderLeft: `2px solid ${token('color.border')}`, paddingLeft: token('space.100') }}>
            <TextField id={rowId(k)} label={`Name ${k + 1}`} value={r.name} onChange={(v) => set(r.id, { name: v })} errors={e.name.length ? e.name : undefined} isDisabled={readOnly} placeholder="priority" />
            <SelectField
              id={`${prefix}-kind-${k}`}
              label={`Type ${k + 1}`}
              options={OUT_KINDS}
              value={r.kind}
              onChange={(v) => {
                const kind = (v || 'string') as OutKind;
                set(r.id, grouped(kind) ? { kind, choices: '', nested: r.nested ?? defaultOutFields() } : { kind });
              }}
              isDisabled={readOnly}
            />
            {r.kind === 'string' || r.kind === 'array' ? (
              <TextField
                id={`${prefix}-choices-${k}`}
                label={`Allowed values ${k + 1} (optional)`}
                value={r.choices}
                onChange={(v) => set(r.id, { choices: v })}
                errors={e.choices.length ? e.choices : undefined}
                isDisabled={readOnly}
                placeholder="High, Medium, Low"
                helper="Comma separated; empty: any text."
              />
            ) : (
              <span />
            )}
            <div style={{ gridColumn: '1 / -1', display: 'grid', gridTemplateColumns: '1fr auto auto', gap: token('space.100'), alignItems: 'end' }}>
              <TextField id={`${prefix}-description-${k}`} label={`Description ${k + 1} (optional)`} value={r.description} onChange={(v) => set(r.id, { description: v })} isDisabled={readOnly} placeholder="Why this priority, in one sentence" helper="Tells the model what to put here." />
              <Checkbox id={`${prefix}-required-${k}`} label={`Always answered (required) ${k + 1}`} isChecked={r.required} isDisabled={readOnly} onChange={(ev) => set(r.id, { required: ev.target.checked })} />
              {!readOnly ? (
                <Button
                  appearance="subtle"
                  aria-label={`Remove answer value ${k + 1}`}
                  onClick={() => {
                    focusAfter(afterRemove(k, rows.length, rowId, `${prefix}-add`));
                    onRows(rows.filter((x) => x.id !== r.id));
                  }}
                >
                  Remove
                </Button>
              ) : (
                <span />
              )}
            </div>
            {grouped(r.kind) && (
              <div style={{ gridColumn: '1 / -1', paddingLeft: token('space.200') }}>
                <OutFieldsEditor
                  index={i}
                  rows={(r.nested ?? defaultOutFields()).outFields}
                  onRows={(outFields) => set(r.id, { nested: { ...(r.nested ?? defaultOutFields()), outFields } })}
                  errors={errors}
                  path={p}
                  readOnly={readOnly}
                  prefix={`${prefix}-${k}`}
                  schemaAt={`${schemaAt}.properties.${r.name.trim()}${r.kind === 'objects' ? '.items' : ''}`}
                  of={{ name: r.name.trim(), each: r.kind === 'objects' }}
                />
              </div>
            )}
          </div>
        );
      })}
      {!readOnly && (
        <div>
          <Button
            id={`${prefix}-add`}
            spacing="compact"
            aria-label={of ? `Add a value to ${of.name || 'this group'}` : undefined}
            onClick={() => {
              focusAfter(rowId(rows.length));
              onRows([...rows, newOutField()]);
            }}
          >
            Add a value
          </Button>
        </div>
      )}
    </div>
  );
}
