// The JSON body of an `http` step as rows of "where → value": every text, number, yes/no or empty (null) value of the
// body, at any depth of objects and lists (`fields.priority.name`, `items[0].sku`, named as the backend names its
// errors), is a row the admin edits (text rows take smart values), retypes, or removes, without touching the JSON;
// "Add to body" takes such a name and creates the objects and lists on the way (`tags[]` appends to a list). The JSON text stays the step's source of
// truth: rows edit it, and a body the rows cannot rewrite exactly (a number JavaScript would round) has no rows.
import React from 'react';
import Button from '@atlaskit/button/new';
import { token } from '@atlaskit/tokens';
import { inexactNumbers } from '../lib/jsonNumbers';
import { SelectField, TextField } from '../components/common';
import { TemplateField } from '../components/SmartValuePicker';
import { afterRemove, errorsWithin, useFocusAfter } from './shared';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** The body as an object the rows may rewrite, or undefined (not JSON, not an object, a number that would change). */
function editable(bodyText: string): Json | undefined {
  if (!bodyText.trim()) return {};
  try {
    const parsed = JSON.parse(bodyText);
    return isObject(parsed) && inexactNumbers(bodyText).length === 0 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The text values of a body by their dotted path (through objects whose names hold no dot), in document order. */
export function bodyRows(bodyText: string): { path: string[]; value: string }[] | undefined {
  const body = editable(bodyText);
  if (!body) return undefined;
  const out: { path: string[]; value: string }[] = [];
  const walk = (node: Json, at: string[]) => {
    for (const [k, v] of Object.entries(node)) {
      if (!k || k.includes('.') || k === '__proto__') continue;
      if (typeof v === 'string') out.push({ path: [...at, k], value: v });
      else if (isObject(v)) walk(v, [...at, k]);
    }
  };
  walk(body, []);
  return out;
}

/** A value a body row holds: JSON's text, number, true/false and null. */
export type BodyLeaf = string | number | boolean | null;
const isLeaf = (v: unknown): v is BodyLeaf => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** Where a value sits: names of object members and positions in lists. */
export type BodyPath = (string | number)[];
/** A path as the backend writes it in error keys: `items[0].sku`. */
export const pathName = (path: BodyPath) => path.map((k, n) => (typeof k === 'number' ? `[${k}]` : n ? `.${k}` : k)).join('');
/** A plain member name: one a dotted name can spell. */
const plainKey = (k: string) => !!k && !/[.[\]]/.test(k) && k !== '__proto__';

/** Every text, number, yes/no and empty value of a body by its path, through objects and lists, in document order. */
export function bodyEntries(bodyText: string): { path: BodyPath; value: BodyLeaf }[] | undefined {
  const body = editable(bodyText);
  if (!body) return undefined;
  const out: { path: BodyPath; value: BodyLeaf }[] = [];
  const visit = (v: unknown, at: BodyPath) => {
    if (isLeaf(v)) out.push({ path: at, value: v });
    else if (Array.isArray(v)) v.forEach((x, n) => visit(x, [...at, n]));
    else if (isObject(v)) for (const [k, x] of Object.entries(v)) if (plainKey(k)) visit(x, [...at, k]);
  };
  visit(body, []);
  return out;
}

/**
 * A name typed into "Add to body" as a path: `fields.priority.name`, `items[0].sku`, `tags[]` (`[]` is "a new element
 * at the end", given as -1); undefined when it is not one.
 */
export function parseBodyName(name: string): BodyPath | undefined {
  const path: BodyPath = [];
  for (const part of name.trim().split('.')) {
    const m = /^([^.[\]]+)((?:\[\d*\])*)$/.exec(part);
    if (!m || m[1] === '__proto__') return undefined;
    path.push(m[1]);
    for (const [, n] of m[2].matchAll(/\[(\d*)\]/g)) path.push(n === '' ? -1 : Number(n));
  }
  return path;
}

export type BodyType = 'text' | 'number' | 'boolean' | 'null';
export const BODY_TYPES: { value: BodyType; label: string }[] = [
  { value: 'text', label: 'Text' },
  { value: 'number', label: 'Number' },
  { value: 'boolean', label: 'Yes/no (true/false)' },
  { value: 'null', label: 'Empty (null)' },
];
export const typeOf = (v: BodyLeaf): BodyType => (v === null ? 'null' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'text');

/** A JSON number as typed ("3", "-2.5", "1e3"), or undefined: what a Number row saves. */
export function numberFrom(text: string): number | undefined {
  const t = text.trim();
  if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) && inexactNumbers(t).length === 0 ? n : undefined;
}

/** The value kept when a row's type changes: "3" becomes 3, 3 becomes "3", "true" becomes true; otherwise 0, false or "". */
export function convertLeaf(value: BodyLeaf, to: BodyType): BodyLeaf {
  if (to === 'null') return null;
  if (to === 'text') return value === null ? '' : String(value);
  if (to === 'number') return typeof value === 'number' ? value : (numberFrom(String(value ?? '')) ?? 0);
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

const print = (body: Json) => (Object.keys(body).length ? JSON.stringify(body, null, 2) : '');

/**
 * The body with `value` set at `path` (objects and lists on the way created; a position may be the next element of a
 * list, or -1 for "a new one at the end"), or undefined when `path` is bad or what is there already is not `replaceable`.
 */
function setAt(bodyText: string, path: BodyPath, value: BodyLeaf, replaceable: (existing: unknown) => boolean): string | undefined {
  const body = editable(bodyText);
  if (!body || path.length === 0 || typeof path[0] !== 'string') return undefined;
  let node: Json | unknown[] = body;
  for (let n = 0; n < path.length; n++) {
    const k = path[n];
    let at: string | number = k;
    if (typeof k === 'string') {
      if (!isObject(node) || !k || k === '__proto__') return undefined;
    } else {
      if (!Array.isArray(node) || k > node.length || k < -1) return undefined;
      at = k === -1 ? node.length : k;
    }
    const holder = node as Record<string | number, unknown>;
    if (n === path.length - 1) {
      if (holder[at] !== undefined && !replaceable(holder[at])) return undefined;
      holder[at] = value;
      return print(body);
    }
    if (holder[at] === undefined) holder[at] = typeof path[n + 1] === 'number' ? [] : {};
    const next: unknown = holder[at];
    if (!isObject(next) && !Array.isArray(next)) return undefined;
    node = next;
  }
  return undefined;
}

/** The body with the text at `path` set (objects on the way created), or undefined when something else is in the way. */
export function setBodyValue(bodyText: string, path: BodyPath, value: string): string | undefined {
  return setAt(bodyText, path, value, (existing) => typeof existing === 'string');
}

/** The body with the value at `path` set to a text, number, yes/no or null (objects and lists on the way created); undefined when an object or list is in the way. */
export function setBodyLeaf(bodyText: string, path: BodyPath, value: BodyLeaf): string | undefined {
  return setAt(bodyText, path, value, isLeaf);
}

/** The body without the value at `path` (a list closes the gap); objects and lists left empty by it go too. */
export function removeBodyValue(bodyText: string, path: BodyPath): string | undefined {
  const body = editable(bodyText);
  if (!body) return undefined;
  const empty = (v: unknown) => (Array.isArray(v) ? v.length === 0 : isObject(v) && Object.keys(v).length === 0);
  const drop = (node: unknown, rest: BodyPath): void => {
    const [k, ...more] = rest;
    if (Array.isArray(node) && typeof k === 'number' && k >= 0 && k < node.length) {
      if (more.length === 0) node.splice(k, 1);
      else {
        drop(node[k], more);
        if (empty(node[k])) node.splice(k, 1);
      }
    } else if (isObject(node) && typeof k === 'string' && Object.hasOwn(node, k)) {
      if (more.length === 0) delete node[k];
      else {
        drop(node[k], more);
        if (empty(node[k])) delete node[k];
      }
    }
  };
  drop(body, path);
  return print(body);
}

export function BodyRows({ i, bodyText, onChange, errors, p, readOnly }: { i: number | string; bodyText: string; onChange: (v: string) => void; errors: Record<string, string[]>; p: string; readOnly: boolean }) {
  const rows = bodyEntries(bodyText);
  const focusAfter = useFocusAfter();
  if (!rows || rows.length === 0) return null;
  const rowId = (k: number) => `step-${i}-bodyrow-${k}`;
  return (
    <div role="group" aria-label={`Body fields of step ${typeof i === 'number' ? i + 1 : i}`} style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
      <span style={{ font: token('font.body.small'), fontWeight: 600, color: token('color.text.subtle') }}>Body fields (the values of the body above)</span>
      {rows.map((r, k) => {
        const name = pathName(r.path);
        const set = (v: BodyLeaf) => {
          const next = setBodyLeaf(bodyText, r.path, v);
          if (next !== undefined) onChange(next);
        };
        return (
          <div key={name} style={{ display: 'grid', gridTemplateColumns: '2fr minmax(140px,1fr) auto', gap: token('space.100'), alignItems: 'end' }}>
            <LeafInput key={typeOf(r.value)} id={rowId(k)} label={`Body value at ${name}`} value={r.value} onChange={set} errors={errorsWithin(errors, `${p}.body.${name}`)} readOnly={readOnly} />
            <SelectField id={`${rowId(k)}-type`} label={`Type of ${name}`} options={BODY_TYPES} value={typeOf(r.value)} onChange={(t) => set(convertLeaf(r.value, (t || 'text') as BodyType))} isDisabled={readOnly} />
            {!readOnly ? (
              <Button
                appearance="subtle"
                aria-label={`Remove body field ${name}`}
                onClick={() => {
                  const next = removeBodyValue(bodyText, r.path);
                  if (next === undefined) return;
                  focusAfter(afterRemove(k, rows.length, rowId, `step-${i}-bodyfield-name`));
                  onChange(next);
                }}
              >
                Remove
              </Button>
            ) : (
              <span />
            )}
          </div>
        );
      })}
    </div>
  );
}

/**
 * The input for one value by its type: a template for text, a number (kept in the body only once it is one: the row
 * says what the body still holds), a yes/no choice, or nothing for null.
 */
export function LeafInput({ id, label, value, onChange, errors, readOnly }: { id: string; label: string; value: BodyLeaf; onChange: (v: BodyLeaf) => void; errors?: string[]; readOnly: boolean }) {
  const type = typeOf(value);
  const [draft, setDraft] = React.useState<string>();
  const shown = type === 'number' && draft !== undefined && numberFrom(draft) !== value ? draft : undefined;
  if (type === 'text') return <TemplateField id={id} label={label} value={value as string} onChange={onChange} errors={errors} isDisabled={readOnly} />;
  if (type === 'number')
    return (
      <TextField
        id={id}
        label={`${label} (number)`}
        value={shown ?? String(value)}
        onChange={(t) => {
          setDraft(t);
          const n = numberFrom(t);
          if (n !== undefined) onChange(n);
        }}
        errors={[...(errors ?? []), ...(shown !== undefined ? [`${shown.trim() ? `“${shown}” is not a number (e.g. 3 or -2.5)` : 'Enter a number'}: the body keeps ${String(value)}.`] : [])]}
        isDisabled={readOnly}
      />
    );
  if (type === 'boolean')
    return (
      <SelectField
        id={id}
        label={`${label} (yes/no)`}
        options={[
          { value: 'true', label: 'Yes (true)' },
          { value: 'false', label: 'No (false)' },
        ]}
        value={String(value)}
        onChange={(v) => onChange(v === 'true')}
        errors={errors}
        isDisabled={readOnly}
      />
    );
  return <TextField id={id} label={`${label} (empty: null)`} value="" onChange={() => undefined} errors={errors} isDisabled placeholder="null" />;
}
