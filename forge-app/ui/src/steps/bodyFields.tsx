// The JSON body of an `http` step as rows of "where → value": every text value of the body, at any depth of objects
// (`fields.priority.name`), is a row the admin edits, inserts smart values into, or removes, without touching the JSON;
// "Add to body" takes such a dotted name and creates the objects on the way. The JSON text stays the step's source of
// truth: rows edit it, and a body the rows cannot rewrite exactly (a number JavaScript would round) has no rows.
import React from 'react';
import Button from '@atlaskit/button/new';
import { token } from '@atlaskit/tokens';
import { inexactNumbers } from '../lib/jsonNumbers';
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

const print = (body: Json) => (Object.keys(body).length ? JSON.stringify(body, null, 2) : '');

/** The body with the text at `path` set (objects on the way created), or undefined when something else is in the way. */
export function setBodyValue(bodyText: string, path: string[], value: string): string | undefined {
  const body = editable(bodyText);
  if (!body || path.length === 0 || path.some((k) => !k || k === '__proto__')) return undefined;
  let node = body;
  for (const k of path.slice(0, -1)) {
    if (node[k] === undefined) node[k] = {};
    if (!isObject(node[k])) return undefined;
    node = node[k] as Json;
  }
  const last = path[path.length - 1];
  if (node[last] !== undefined && typeof node[last] !== 'string') return undefined;
  node[last] = value;
  return print(body);
}

/** The body without the text at `path`; objects left empty by it go too. */
export function removeBodyValue(bodyText: string, path: string[]): string | undefined {
  const body = editable(bodyText);
  if (!body) return undefined;
  const drop = (node: Json, rest: string[]): void => {
    const [k, ...more] = rest;
    if (more.length === 0) {
      delete node[k];
      return;
    }
    if (!isObject(node[k])) return;
    drop(node[k] as Json, more);
    if (Object.keys(node[k] as Json).length === 0) delete node[k];
  };
  drop(body, path);
  return print(body);
}

export function BodyRows({ i, bodyText, onChange, errors, p, readOnly }: { i: number | string; bodyText: string; onChange: (v: string) => void; errors: Record<string, string[]>; p: string; readOnly: boolean }) {
  const rows = bodyRows(bodyText);
  const focusAfter = useFocusAfter();
  if (!rows || rows.length === 0) return null;
  const rowId = (k: number) => `step-${i}-bodyrow-${k}`;
  return (
    <div role="group" aria-label={`Body fields of step ${typeof i === 'number' ? i + 1 : i}`} style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
      <span style={{ font: token('font.body.small'), fontWeight: 600, color: token('color.text.subtle') }}>Body fields (the text values of the body above)</span>
      {rows.map((r, k) => {
        const name = r.path.join('.');
        return (
          <div key={name} style={{ display: 'grid', gridTemplateColumns: '1fr auto', gap: token('space.100'), alignItems: 'end' }}>
            <TemplateField
              id={rowId(k)}
              label={`Body value at ${name}`}
              value={r.value}
              onChange={(v) => {
                const next = setBodyValue(bodyText, r.path, v);
                if (next !== undefined) onChange(next);
              }}
              errors={errorsWithin(errors, `${p}.body.${name}`)}
              isDisabled={readOnly}
            />
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
