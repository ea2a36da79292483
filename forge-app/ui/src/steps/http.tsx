// `http`: one request to a connection, or to an absolute `url` (docs/api.md "HTTP step").
import React from 'react';
import Button from '@atlaskit/button/new';
import { token } from '@atlaskit/tokens';
import { SelectField, TextField } from '../components/common';
import { TemplateField } from '../components/SmartValuePicker';
import { emptyMapsOf, grid2, keepEmptyMaps, KeyValueEditor, kvFrom, kvTo, numText, onErrorFrom, OnErrorSelect, onErrorTo, parseNumber, split, subErrors, TargetFields, targetFrom, targetTo, type KeyValue } from './shared';
import type { StepKind } from './types';
import { inexactNumbers, reportInexactNumbers } from '../lib/jsonNumbers';
import { BODY_TYPES, bodyEntries, BodyRows, numberFrom, parseBodyName, setBodyLeaf, type BodyLeaf, type BodyType } from './bodyFields';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
const KNOWN = ['connection', 'method', 'path', 'url', 'headers', 'query', 'body', 'timeoutSeconds', 'onError'];

export const httpKind: StepKind = {
  type: 'http',
  label: 'Send a web request',
  summary: 'Call an API through one of your connections (webhooks, ticketing tools, chat).',
  docs: 'http-step',
  help: (
    <>
      Sends one request to a <strong>connection</strong> (its base URL and credentials are added for you). The path, header values, query values and
      every string in the JSON body are templates: use the <code>{'{ }'}</code> button to insert issue data. A body field may also be a number, yes/no or empty (null): pick its type; a name ending in <code>[]</code> adds to a list. A body value that is exactly one{' '}
      <code>{'{{ … }}'}</code> keeps its type (numbers stay numbers, lists stay lists). Later steps can read <code>steps.&lt;id&gt;.status</code>,{' '}
      <code>ok</code> and <code>body</code>.
    </>
  ),
  defaults: () => ({ target: 'connection', connection: '', method: 'POST', path: '/', url: '', headers: [], query: [], bodyText: '', timeoutSeconds: '', onError: 'stop', extra: {} }),
  fromJson(step) {
    const target = targetFrom(step);
    if (!target || (target.target === 'connection' && typeof step.connection !== 'string')) return undefined;
    const headers = kvFrom(step.headers);
    const query = kvFrom(step.query);
    const method = step.method === undefined ? '' : typeof step.method === 'string' ? step.method : undefined;
    const timeoutSeconds = numText(step.timeoutSeconds);
    const onError = onErrorFrom(step.onError);
    if (!headers || !query || method === undefined || timeoutSeconds === undefined || !onError) return undefined;
    return {
      ...target,
      method,
      headers,
      query,
      bodyText: step.body === undefined ? '' : JSON.stringify(step.body, null, 2),
      timeoutSeconds,
      onError,
      onErrorExplicit: step.onError !== undefined,
      emptyMaps: emptyMapsOf(step, ['headers', 'query']),
      ...split(step, KNOWN),
    };
  },
  toJson(v, add) {
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'http' };
    targetTo(v, out, add);
    if (v.method) out.method = v.method;
    const headers = kvTo(v.headers, 'headers', add);
    if (headers) out.headers = headers;
    const query = kvTo(v.query, 'query', add);
    if (query) out.query = query;
    keepEmptyMaps(out, v.emptyMaps);
    if (String(v.bodyText ?? '').trim()) {
      try {
        out.body = JSON.parse(v.bodyText);
        reportInexactNumbers(v.bodyText, 'body', add);
      } catch (e) {
        add('body', `The body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const t = parseNumber(String(v.timeoutSeconds ?? ''), 'timeoutSeconds', add, { min: 1, max: 60, integer: true, what: 'seconds' });
    if (t !== undefined) out.timeoutSeconds = t;
    onErrorTo(out, v);
    return out;
  },
  Form({ index: i, values: s, onChange, errors, path: p, readOnly, connections }) {
    return (
      <>
        <TargetFields
          id={`step-${i}`}
          values={s}
          onChange={onChange}
          errors={errors}
          path={p}
          readOnly={readOnly}
          connections={connections}
          pathHelper="Relative to the connection's base URL, e.g. /hooks/{{ issue.key | url_encode }}."
        />
        <SelectField
          id={`step-${i}-method`}
          label="Method"
          options={[...HTTP_METHODS, ...(s.method && !(HTTP_METHODS as readonly string[]).includes(s.method) ? [s.method] : [])].map((m) => ({ value: m, label: m }))}
          value={s.method}
          onChange={(v) => onChange({ method: v || 'POST' })}
          errors={errors[`${p}.method`]}
          isDisabled={readOnly}
          placeholder="GET (the default)"
        />
        <KeyValueEditor id={`step-${i}-headers`} label="Headers" items={s.headers as KeyValue[]} onChange={(headers) => onChange({ headers })} errors={subErrors(errors, `${p}.headers`)} readOnly={readOnly} />
        <KeyValueEditor id={`step-${i}-query`} label="Query parameters" items={s.query as KeyValue[]} onChange={(query) => onChange({ query })} errors={subErrors(errors, `${p}.query`)} readOnly={readOnly} />
        <BodyField i={i} value={s.bodyText} onChange={(bodyText) => onChange({ bodyText })} errors={errors} p={p} readOnly={readOnly} />
        <div style={grid2}>
          <TextField
            id={`step-${i}-timeout`}
            label="Timeout (seconds)"
            value={s.timeoutSeconds}
            onChange={(v) => onChange({ timeoutSeconds: v })}
            errors={errors[`${p}.timeoutSeconds`]}
            isDisabled={readOnly}
            placeholder="15 (default)"
          />
          <OnErrorSelect id={`step-${i}-onError`} value={s.onError} onChange={(v) => onChange({ onError: v })} errors={errors[`${p}.onError`]} readOnly={readOnly} />
        </div>
      </>
    );
  },
};

/** The JSON body, with "Add field" rows that write `"name": "{{ … }}"` for people who do not write JSON. */
function BodyField({ i, value, onChange, errors, p, readOnly }: { i: number | string; value: string; onChange: (v: string) => void; errors: Record<string, string[]>; p: string; readOnly: boolean }) {
  const nested = Object.entries(errors)
    .filter(([k]) => k.startsWith(`${p}.body.`) || k.startsWith(`${p}.body[`))
    .flatMap(([k, m]) => m.map((x) => `${k.slice(p.length + 1)}: ${x}`));
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
      <TemplateField
        id={`step-${i}-body`}
        label="JSON body"
        multiline
        monospace
        rows={6}
        value={value}
        onChange={onChange}
        errors={[...(errors[`${p}.body`] ?? []), ...nested]}
        helper={
          <>
            Any JSON. String values are templates, for example <code>{'"{{ issue.key }}"'}</code>. Or build it with the fields below.
          </>
        }
        isDisabled={readOnly}
        placeholder={'{\n  "key": "{{ issue.key }}"\n}'}
      />
      <BodyRows i={i} bodyText={value} onChange={onChange} errors={errors} p={p} readOnly={readOnly} />
      {noRowsReason(value) && <span style={{ font: token('font.body.small'), color: token('color.text.subtle') }}>{noRowsReason(value)}</span>}
      {!readOnly && <BodyBuilder i={i} bodyText={value} onChange={onChange} />}
    </div>
  );
}

/** Why a body that is JSON has no body-field rows (not an object, or a number the builder would round); undefined otherwise. */
function noRowsReason(bodyText: string): string | undefined {
  if (!bodyText.trim() || bodyEntries(bodyText) !== undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return undefined; // the body's own error says it is not JSON
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return 'No body fields: the body is not a JSON object (fields are names in an object); edit the JSON above.';
  const inexact = inexactNumbers(bodyText);
  return `No body fields: the body holds ${inexact.length === 1 ? 'a number' : 'numbers'} the builder would round (${inexact.join(', ')}); edit the JSON above, where it is kept as written.`;
}

/** Adds one top-level property to a JSON-object body: a name and a smart value (or a number, yes/no, null), no JSON typing. */
export function addBodyField(bodyText: string, name: string, value: BodyLeaf): string | undefined {
  let body: Record<string, unknown> = {};
  if (bodyText.trim()) {
    try {
      const parsed = JSON.parse(bodyText);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
      body = parsed;
    } catch {
      return undefined;
    }
  }
  return JSON.stringify({ ...body, [name]: value }, null, 2);
}

function BodyBuilder({ i, bodyText, onChange }: { i: number | string; bodyText: string; onChange: (v: string) => void }) {
  const [name, setName] = React.useState('');
  const [value, setValue] = React.useState('');
  const [type, setType] = React.useState<BodyType>('text');
  const [problem, setProblem] = React.useState<string>();
  const typed = (): BodyLeaf | undefined => (type === 'text' ? value : type === 'number' ? numberFrom(value) : type === 'boolean' ? value === 'true' : null);
  return (
    <div role="group" aria-label={`Add a body field to step ${typeof i === 'number' ? i + 1 : i}`} style={{ display: 'grid', gridTemplateColumns: 'minmax(140px,1fr) minmax(140px,1fr) 2fr auto', gap: token('space.100'), alignItems: 'end' }}>
      <TextField id={`step-${i}-bodyfield-name`} label="Body field name" value={name} onChange={setName} placeholder="summary or fields.priority.name" helper="A dotted name goes inside objects: fields.priority.name; [] adds to a list: labels[], items[].sku, then items[0].qty." />
      <SelectField
        id={`step-${i}-bodyfield-type`}
        label="Body field type"
        options={BODY_TYPES}
        value={type}
        onChange={(t) => {
          setType((t || 'text') as BodyType);
          setValue(t === 'boolean' ? 'true' : '');
        }}
      />
      {type === 'text' && <TemplateField id={`step-${i}-bodyfield-value`} label="Body field value" value={value} onChange={setValue} placeholder="{{ issue.fields.summary }}" />}
      {type === 'number' && <TextField id={`step-${i}-bodyfield-value`} label="Body field value (number)" value={value} onChange={setValue} placeholder="3" />}
      {type === 'boolean' && (
        <SelectField
          id={`step-${i}-bodyfield-value`}
          label="Body field value (yes/no)"
          options={[
            { value: 'true', label: 'Yes (true)' },
            { value: 'false', label: 'No (false)' },
          ]}
          value={value}
          onChange={setValue}
        />
      )}
      {type === 'null' && <span style={{ color: token('color.text.subtle') }}>Saved as null</span>}
      <Button
        onClick={() => {
          if (!name.trim()) return setProblem('Name the field first.');
          const v = typed();
          if (v === undefined) return setProblem(`“${value.trim()}” is not a number: enter one such as 3 or -2.5.`);
          const dotted = /[.[\]]/.test(name.trim());
          const path = dotted ? parseBodyName(name) : undefined;
          const next = !dotted ? addBodyField(bodyText, name.trim(), v) : path && setBodyLeaf(bodyText, path, v);
          if (next === undefined)
            return setProblem(
              dotted && addBodyField(bodyText, 'x', '') !== undefined
                ? `“${name.trim()}” cannot be written: a part of the name is empty, already holds a value that is not an object (or not a list, for [n]), or skips past the end of a list (use [] to add at the end), or the body has a number the builder cannot keep; edit the body above.`
                : 'The body above is not a JSON object; fix it or clear it first.',
            );
          setProblem(undefined);
          onChange(next);
          setName('');
          setValue(type === 'boolean' ? 'true' : '');
        }}
      >
        Add to body
      </Button>
      {problem && (
        <span role="alert" style={{ color: token('color.text.danger'), gridColumn: '1 / -1' }}>
          {problem}
        </span>
      )}
    </div>
  );
}
