// Building blocks shared by the step forms.
import React from 'react';
import Button from '@atlaskit/button/new';
import { token } from '@atlaskit/tokens';
import type { Connection } from '../api';
import { newId } from '../lib/conditions';
import { row, SelectField, stack, TextField } from '../components/common';
import { TemplateField } from '../components/SmartValuePicker';
import type { AddError, Values } from './types';

export interface KeyValue {
  id: string;
  key: string;
  value: string;
}

/** Record<string,string> → rows; undefined when a value is not a string (the JSON editor keeps it). */
export function kvFrom(record: unknown): KeyValue[] | undefined {
  if (record === undefined) return [];
  if (!record || typeof record !== 'object' || Array.isArray(record)) return undefined;
  const entries = Object.entries(record as Record<string, unknown>);
  if (entries.some(([, v]) => typeof v !== 'string')) return undefined;
  return entries.map(([key, value]) => ({ id: newId('kv'), key, value: value as string }));
}
/** The most headers, and the most query parameters, a request may have (RuleLimits.MaxHeaders, MaxQuery in the backend). */
export const MAX_PAIRS = 30;

/**
 * Rows → Record<string,string> (rows without a name are left out); a name given twice is reported under `path.<name>`
 * with `add`, more than {@link MAX_PAIRS} names under `path` (where the backend names it).
 */
export function kvTo(list: KeyValue[] | undefined, path?: string, add?: AddError): Record<string, string> | undefined {
  const entries = (list ?? []).filter((kv) => kv.key.trim() !== '').map((kv) => [kv.key.trim(), kv.value] as const);
  if (path && add && entries.length > MAX_PAIRS) add(path, `At most ${MAX_PAIRS} are allowed (there are ${entries.length}); remove ${entries.length - MAX_PAIRS}.`);
  const seen = new Set<string>();
  for (const [key] of entries) {
    if (seen.has(key) && path && add) add(`${path}.${key}`, `“${key}” is given twice; keep one row.`);
    seen.add(key);
  }
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** The names among `keys` whose value is an empty object (`"headers": {}`): written back as such when their rows stay empty. */
export function emptyMapsOf(step: Record<string, unknown>, keys: string[]): string[] {
  return keys.filter((k) => {
    const v = step[k];
    return !!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0;
  });
}
export function keepEmptyMaps(out: Record<string, unknown>, keys: string[] | undefined) {
  for (const k of keys ?? []) if (out[k] === undefined) out[k] = {};
}

/** Puts `value` under `key` unless it is undefined or ''. */
export function put(target: Record<string, unknown>, key: string, value: unknown) {
  if (value !== undefined && value !== '') target[key] = value;
}
export const str = (v: unknown): string | undefined => (v === undefined ? '' : typeof v === 'string' ? v : undefined);
export const numText = (v: unknown): string | undefined => (v === undefined ? '' : typeof v === 'number' ? String(v) : undefined);

export function parseNumber(text: string, path: string, add: AddError, opts: { min: number; max: number; integer?: boolean; what: string }): number | undefined {
  if (!text.trim()) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < opts.min || n > opts.max || (opts.integer && !Number.isInteger(n))) {
    add(path, `Enter ${opts.integer ? 'a whole number' : 'a number'} from ${opts.min} to ${opts.max} (${opts.what}).`);
    return undefined;
  }
  return n;
}

/** Splits off the properties a form shows; the rest is kept in `extra` and written back unchanged. */
export function split(step: Record<string, unknown>, known: string[]): { extra: Record<string, unknown> } {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(step)) if (!known.includes(k) && k !== 'id' && k !== 'type') extra[k] = v;
  return { extra };
}

/**
 * Where a request goes (http steps, transfer sides): `connection` + a `path` relative to its base URL, or an absolute
 * `url` (a template) with no connection (an unauthenticated call) or with one on the same origin (its credentials).
 */
export interface TargetValues {
  target: 'connection' | 'url';
  connection: string;
  path: string;
  url: string;
}
/** The target of a request object, or undefined when the form cannot show it (both path and url, non-strings). */
export function targetFrom(s: Record<string, unknown>): TargetValues | undefined {
  const [connection, path, url] = [str(s.connection), str(s.path), str(s.url)];
  if (connection === undefined || path === undefined || url === undefined) return undefined;
  if (s.url === undefined) return { target: 'connection', connection, path, url: '' };
  if (s.path !== undefined) return undefined;
  if (s.connection !== undefined && !connection) return undefined;
  return { target: 'url', connection, path: '', url };
}
/** Writes the target into `out`; errors keyed `prefix.connection`, `prefix.path`, `prefix.url` (prefix may be ''). */
export function targetTo(v: Values, out: Record<string, unknown>, add: AddError, prefix = '') {
  const at = (name: string) => (prefix ? `${prefix}.${name}` : name);
  if (v.target === 'url') {
    const url = String(v.url ?? '').trim();
    if (!url) add(at('url'), 'Enter the URL, e.g. https://hooks.example.com/in.');
    else if (!/^https?:\/\//i.test(url)) add(at('url'), 'Enter a URL starting with https:// (or http://).');
    if (v.connection) out.connection = v.connection;
    out.url = url;
    return;
  }
  if (!v.connection) add(at('connection'), 'Choose a connection.');
  const path = String(v.path ?? '').trim();
  if (!path) add(at('path'), 'Enter a path (for example /issues).');
  // As the backend (HttpStepCompiler): a path is relative to the connection's base URL, never an address of its own.
  else if (path.includes('://') || path.startsWith('//') || path.includes('\\')) add(at('path'), 'Enter a path relative to the connection’s base URL (e.g. /issues), not an address; for another address choose “A web address” in “Send to”.');
  out.connection = v.connection;
  out.path = String(v.path ?? '').trim();
}

/**
 * Why a constant URL cannot carry the chosen connection's credentials, or undefined. As the backend (HttpStepCompiler,
 * CredentialScope): the URL must be on the connection's origin (scheme, host and port) and, on it, at or below the base
 * URL's path (`/v1/teamA` lends its credentials to `/v1/teamA/items`, never to `/v1/teamB` or `/admin`). Dot segments a
 * server could resolve (`..%2F`) are left to the backend's 400. A templated URL is checked when the step runs.
 */
export function offOrigin(url: string, connection: Connection | undefined): string | undefined {
  if (!connection || /\{\{|\{%/.test(url)) return undefined;
  let a: URL;
  let b: URL;
  try {
    a = new URL(url.trim());
    b = new URL(connection.baseUrl);
  } catch {
    return undefined;
  }
  if (a.origin.toLowerCase() !== b.origin.toLowerCase()) {
    return `This address is not on ${connection.name}'s host (${b.host}): its credentials are only sent there. Choose “None”, or an address on ${b.host}.`;
  }
  const base = b.pathname.replace(/\/+$/, '');
  const under = base === '' || a.pathname === base || a.pathname.startsWith(base + '/');
  return under ? undefined : `This address is outside ${connection.name}'s base URL (${b.host}${base}): its credentials are only sent at or below it. Choose “None”, or an address under ${b.host}${base}.`;
}

/** Connection + path, or an absolute URL with an optional connection (see `targetFrom`). */
export function TargetFields({
  id,
  values: v,
  onChange,
  errors,
  path: p,
  readOnly,
  connections,
  pathHelper,
}: {
  id: string;
  values: Values;
  onChange: (patch: Values) => void;
  errors: Record<string, string[]>;
  /** The request object's error prefix (`steps[0]`, `steps[0].source`). */
  path: string;
  readOnly: boolean;
  connections: Connection[];
  pathHelper?: React.ReactNode;
}) {
  const byUrl = v.target === 'url';
  return (
    <>
      <SelectField
        id={`${id}-target`}
        label="Send to"
        options={[
          { value: 'connection', label: 'A connection (its base URL and credentials)' },
          { value: 'url', label: 'A web address (no credentials, or a connection on the same host)' },
        ]}
        value={byUrl ? 'url' : 'connection'}
        onChange={(t) => onChange({ target: t === 'url' ? 'url' : 'connection' })}
        isDisabled={readOnly}
      />
      {byUrl ? (
        <>
          <TemplateField
            id={`${id}-url`}
            label="URL"
            required
            value={v.url ?? ''}
            onChange={(url) => onChange({ url })}
            errors={errors[`${p}.url`]}
            helper="An absolute https:// address; a template, e.g. https://hooks.example.com/{{ issue.key | url_encode }}."
            isDisabled={readOnly}
          />
          <SelectField
            id={`${id}-connection`}
            label="Credentials (optional)"
            options={[{ value: '', label: 'None: an unauthenticated call' }, ...connections.filter((c) => !c.provider).map((c) => ({ value: c.id, label: `${c.name} (${c.baseUrl})` })), ...(v.connection && !connections.some((c) => c.id === v.connection) ? [{ value: v.connection, label: `${v.connection} (not found)` }] : [])]}
            value={v.connection ?? ''}
            onChange={(connection) => onChange({ connection })}
            errors={[...(errors[`${p}.connection`] ?? []), ...[offOrigin(String(v.url ?? ''), connections.find((c) => c.id === v.connection))].filter((m): m is string => !!m)]}
            helper="A connection's credentials are only sent to its own host."
            isDisabled={readOnly}
          />
        </>
      ) : (
        <>
          <ConnectionSelect id={`${id}-connection`} value={v.connection} onChange={(connection) => onChange({ connection })} connections={connections} errors={errors[`${p}.connection`]} readOnly={readOnly} />
          <TemplateField id={`${id}-path`} label="Path" required value={v.path} onChange={(path) => onChange({ path })} errors={errors[`${p}.path`]} helper={pathHelper} isDisabled={readOnly} />
        </>
      )}
    </>
  );
}

export const onErrorFrom = (v: unknown): string | undefined => (v === undefined ? 'stop' : v === 'stop' || v === 'continue' ? v : undefined);
export function onErrorTo(out: Record<string, unknown>, values: Values) {
  if (values.onErrorExplicit || values.onError !== 'stop') out.onError = values.onError;
}

export function Help({ children }: { children: React.ReactNode }) {
  return (
    <div role="note" style={{ font: token('font.body.small'), color: token('color.text.subtle'), background: token('color.background.neutral.subtle.hovered'), borderRadius: 4, padding: token('space.100') }}>
      {children}
    </div>
  );
}

export function ConnectionSelect({
  id,
  label = 'Connection',
  value,
  onChange,
  connections,
  ai,
  errors,
  readOnly,
}: {
  id: string;
  label?: string;
  value: string;
  onChange: (v: string) => void;
  connections: Connection[];
  /** true: only AI provider connections; false: only the others. */
  ai?: boolean;
  errors?: string[];
  readOnly: boolean;
}) {
  const fitting = connections.filter((c) => (ai ? !!c.provider : true));
  const options = fitting.map((c) => ({ value: c.id, label: `${c.name} (${c.baseUrl})` }));
  // A stored id that is not (or no longer) in the list stays visible rather than silently vanishing.
  if (value && !options.some((o) => o.value === value)) options.push({ value, label: `${value} (not found)` });
  return (
    <SelectField
      id={id}
      label={label}
      required
      options={options}
      value={value}
      onChange={onChange}
      errors={errors}
      isDisabled={readOnly}
      placeholder={fitting.length ? 'Choose a connection…' : ai ? 'Create an AI connection first (Connections tab)' : 'Create a connection first'}
      helper={ai ? 'Only connections with an AI provider are listed.' : undefined}
    />
  );
}

export function OnErrorSelect({ id, value, onChange, errors, readOnly }: { id: string; value: string; onChange: (v: string) => void; errors?: string[]; readOnly: boolean }) {
  return (
    <SelectField
      id={id}
      label="If this step fails"
      options={[
        { value: 'stop', label: 'Stop the run' },
        { value: 'continue', label: 'Continue with the next step' },
      ]}
      value={value}
      onChange={(v) => onChange(v || 'stop')}
      errors={errors}
      isDisabled={readOnly}
    />
  );
}

/**
 * Keyboard users keep their place in a list of rows: call the returned function with an element id before changing
 * the rows, and that element (the row now in a removed one's place, a new row's first input, the add button) gets
 * focus once they are drawn. A removed row's own Remove button is gone, so focus would otherwise drop to the page.
 */
export function useFocusAfter(): (id: string) => void {
  const [id, setId] = React.useState<string>();
  React.useEffect(() => {
    if (!id) return;
    setId(undefined);
    document.getElementById(id)?.focus();
  }, [id]);
  return setId;
}

/** The id to focus after removing row `k` of `count` rows: the row now in its place, else the one before, else `empty`. */
export function afterRemove(k: number, count: number, rowId: (k: number) => string, empty: string): string {
  return count <= 1 ? empty : rowId(Math.min(k, count - 2));
}

export function KeyValueEditor({
  id,
  label,
  items,
  onChange,
  errors,
  readOnly,
  keyLabel = 'Name',
}: {
  id: string;
  label: string;
  items: KeyValue[];
  onChange: (items: KeyValue[]) => void;
  errors: Record<string, string[]>;
  readOnly: boolean;
  keyLabel?: string;
}) {
  const set = (itemId: string, patch: Partial<KeyValue>) => onChange(items.map((kv) => (kv.id === itemId ? { ...kv, ...patch } : kv)));
  const focusAfter = useFocusAfter();
  return (
    <div role="group" aria-label={label} style={stack('space.050')}>
      <span style={{ font: token('font.body.small'), fontWeight: 600, color: token('color.text.subtle') }}>{label}</span>
      {errors['']?.map((m, k) => (
        <span key={k} role="alert" style={{ color: token('color.text.danger') }}>
          {m}
        </span>
      ))}
      {items.length === 0 && <span style={{ color: token('color.text.subtlest') }}>None.</span>}
      {items.map((kv, i) => (
        <div key={kv.id} style={{ display: 'grid', gridTemplateColumns: 'minmax(140px, 1fr) 2fr auto', gap: token('space.100'), alignItems: 'end' }}>
          <TextField id={`${id}-${i}-key`} label={`${keyLabel} ${i + 1}`} value={kv.key} onChange={(v) => set(kv.id, { key: v })} isDisabled={readOnly} errors={errors[kv.key.trim()]} />
          <TemplateField id={`${id}-${i}-value`} label={`Value ${i + 1}`} value={kv.value} onChange={(v) => set(kv.id, { value: v })} isDisabled={readOnly} />
          {!readOnly ? (
            <Button
              appearance="subtle"
              onClick={() => {
                focusAfter(afterRemove(i, items.length, (k) => `${id}-${k}-key`, `${id}-add`));
                onChange(items.filter((x) => x.id !== kv.id));
              }}
              aria-label={`Remove ${label.toLowerCase()} ${i + 1}`}
            >
              Remove
            </Button>
          ) : (
            <span />
          )}
        </div>
      ))}
      {!readOnly && (
        <div>
          <Button
            id={`${id}-add`}
            spacing="compact"
            onClick={() => {
              focusAfter(`${id}-${items.length}-key`);
              onChange([...items, { id: newId('kv'), key: '', value: '' }]);
            }}
          >
            Add {label.toLowerCase().replace(/s$/, '').replace(/ parameter$/, ' parameter')}
          </Button>
        </div>
      )}
    </div>
  );
}

/**
 * The messages at `key` and at any path inside it (`key.value`, `key[0]`: the backend names the leaf of a JSON value
 * whose template does not compile), the inner ones prefixed with where they are. `adf`: the value is a document edited
 * as its text, so `content[1]…` is named as paragraph 2.
 */
export function errorsWithin(errors: Record<string, string[]>, key: string, adf = false): string[] | undefined {
  const out = [...(errors[key] ?? [])];
  for (const [k, messages] of Object.entries(errors)) {
    if (k.length <= key.length || !k.startsWith(key) || (k[key.length] !== '.' && k[key.length] !== '[')) continue;
    const rest = k.slice(key.length);
    const paragraph = adf ? /^\.content\[(\d+)\]/.exec(rest) : null;
    const where = paragraph ? `Paragraph ${Number(paragraph[1]) + 1}` : rest.replace(/^\./, '');
    out.push(...messages.map((m) => `${where}: ${m}`));
  }
  return out.length ? out : undefined;
}

/**
 * Errors for a key/value map come keyed as `steps[0].headers.X-Name` or `steps[0].headers['X-Name']`; re-key them by
 * the name. The map's own errors (`steps[0].headers`: too many) are keyed '' (shown above its rows).
 */
export function subErrors(errors: Record<string, string[]>, prefix: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (errors[prefix]) out[''] = errors[prefix];
  for (const [key, messages] of Object.entries(errors)) {
    if (key.startsWith(`${prefix}.`)) out[key.slice(prefix.length + 1)] = messages;
    const bracket = key.match(new RegExp(`^${prefix.replace(/[[\]]/g, '\\$&')}\\['(.+)'\\]$`));
    if (bracket) out[bracket[1]] = messages;
  }
  return out;
}

export const grid2: React.CSSProperties = { display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(220px, 1fr))', gap: token('space.150'), alignItems: 'start' };
export { row };
