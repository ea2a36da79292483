// `transfer`: stream a body from a source request to a destination request (docs/api.md "Transfer step").
import React from 'react';
import { token } from '@atlaskit/tokens';
import { SelectField, TextField } from '../components/common';
import { TemplateField } from '../components/SmartValuePicker';
import { emptyMapsOf, grid2, keepEmptyMaps, KeyValueEditor, kvFrom, kvTo, numText, onErrorFrom, OnErrorSelect, onErrorTo, parseNumber, split, str, subErrors, TargetFields, targetFrom, targetTo, type KeyValue } from './shared';
import type { AddError, StepKind, Values } from './types';

const SIDE_KNOWN = ['connection', 'method', 'path', 'url', 'headers', 'query', 'jiraAttachment'];

function sideFrom(side: unknown, allowJira: boolean): Values | undefined {
  if (!side || typeof side !== 'object' || Array.isArray(side)) return undefined;
  const s = side as Record<string, unknown>;
  const extra = split(s, SIDE_KNOWN).extra;
  if (allowJira && s.jiraAttachment !== undefined) {
    const jiraAttachment = str(s.jiraAttachment);
    if (jiraAttachment === undefined || ['connection', 'method', 'path', 'url', 'headers', 'query'].some((k) => k in s)) return undefined;
    return { mode: 'jira', jiraAttachment, target: 'connection', connection: '', method: '', path: '', url: '', headers: [], query: [], extra };
  }
  const target = targetFrom(s);
  const method = str(s.method);
  const headers = kvFrom(s.headers);
  const query = kvFrom(s.query);
  if (!target || method === undefined || !headers || !query) return undefined;
  return { mode: 'connection', ...target, method, headers, query, emptyMaps: emptyMapsOf(s, ['headers', 'query']), jiraAttachment: '', extra };
}
function sideTo(v: Values, name: string, add: AddError): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(v.extra ?? {}) };
  if (v.mode === 'jira') {
    if (!String(v.jiraAttachment ?? '').trim()) add(`${name}.jiraAttachment`, 'Pick the attachment id, e.g. {{ issue.fields.attachment[0].id }}.');
    out.jiraAttachment = v.jiraAttachment;
    return out;
  }
  targetTo(v, out, add, name);
  if (v.method) out.method = v.method;
  const headers = kvTo(v.headers, `${name}.headers`, add);
  if (headers) out.headers = headers;
  const query = kvTo(v.query, `${name}.query`, add);
  if (query) out.query = query;
  keepEmptyMaps(out, v.emptyMaps);
  return out;
}

export const transferKind: StepKind = {
  type: 'transfer',
  label: 'Move a file between systems',
  summary: 'Stream a Jira attachment or an export into a storage or document API.',
  docs: 'transfer-step',
  help: (
    <>
      Streams the <strong>source</strong> answer straight into the <strong>destination</strong> request, without keeping it: e.g. a Jira attachment
      into a storage API. Attempted once (a stream cannot be replayed); a body over the size cap fails with <code>response_too_large</code>. Later
      steps read <code>steps.&lt;id&gt;.status</code>, <code>bytes</code> and <code>body</code> (the destination's answer).
    </>
  ),
  defaults: () => ({
    source: { mode: 'jira', jiraAttachment: '{{ issue.fields.attachment[0].id }}', target: 'connection', connection: '', method: '', path: '', url: '', headers: [], query: [], extra: {} },
    destination: { mode: 'connection', target: 'connection', connection: '', method: 'PUT', path: '/', url: '', headers: [], query: [], jiraAttachment: '', extra: {} },
    maxBytes: '',
    timeoutSeconds: '',
    onError: 'stop',
    extra: {},
  }),
  fromJson(step) {
    const source = sideFrom(step.source, true);
    const destination = sideFrom(step.destination, false);
    const [maxBytes, timeoutSeconds] = [numText(step.maxBytes), numText(step.timeoutSeconds)];
    const onError = onErrorFrom(step.onError);
    if (!source || !destination || maxBytes === undefined || timeoutSeconds === undefined || !onError) return undefined;
    return { source, destination, maxBytes, timeoutSeconds, onError, onErrorExplicit: step.onError !== undefined, ...split(step, ['source', 'destination', 'maxBytes', 'timeoutSeconds', 'onError']) };
  },
  toJson(v, add) {
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'transfer', source: sideTo(v.source, 'source', add), destination: sideTo(v.destination, 'destination', add) };
    const maxBytes = parseNumber(String(v.maxBytes ?? ''), 'maxBytes', add, { min: 1, max: 64 * 1024 ** 3, integer: true, what: 'bytes' });
    if (maxBytes !== undefined) out.maxBytes = maxBytes;
    const t = parseNumber(String(v.timeoutSeconds ?? ''), 'timeoutSeconds', add, { min: 1, max: 3600, integer: true, what: 'seconds' });
    if (t !== undefined) out.timeoutSeconds = t;
    onErrorTo(out, v);
    return out;
  },
  Form({ index: i, values: s, onChange, errors, path: p, readOnly, connections }) {
    const side = (name: 'source' | 'destination') => {
      const v = s[name] as Values;
      const set = (patch: Values) => onChange({ [name]: { ...v, ...patch } });
      const sp = `${p}.${name}`;
      const methods = name === 'source' ? ['GET', 'POST'] : ['PUT', 'POST', 'PATCH'];
      return (
        <fieldset style={{ border: `1px solid ${token('color.border')}`, borderRadius: 4, padding: token('space.100'), margin: 0, display: 'flex', flexDirection: 'column', gap: token('space.100') }}>
          <legend style={{ padding: `0 ${token('space.050')}`, fontWeight: 600 }}>{name === 'source' ? 'Read from (source)' : 'Write to (destination)'}</legend>
          {errors[sp]?.map((m, k) => (
            <span key={k} role="alert" style={{ color: token('color.text.danger') }}>
              {m}
            </span>
          ))}
          {name === 'source' && (
            <SelectField
              id={`step-${i}-source-mode`}
              label="Source"
              options={[
                { value: 'jira', label: 'A Jira attachment of the issue' },
                { value: 'connection', label: 'A web request (a connection or a URL)' },
              ]}
              value={v.mode}
              onChange={(m) => set({ mode: m || 'jira' })}
              isDisabled={readOnly}
            />
          )}
          {v.mode === 'jira' ? (
            <TemplateField id={`step-${i}-source-jiraAttachment`} label="Attachment id" value={v.jiraAttachment} onChange={(x) => set({ jiraAttachment: x })} errors={errors[`${sp}.jiraAttachment`]} isDisabled={readOnly} helper="E.g. {{ issue.fields.attachment[0].id }} (the first attachment)." />
          ) : (
            <>
              <TargetFields id={`step-${i}-${name}`} values={v} onChange={set} errors={errors} path={sp} readOnly={readOnly} connections={connections} />
              <SelectField id={`step-${i}-${name}-method`} label="Method" options={[...methods, ...(v.method && !methods.includes(v.method) ? [v.method] : [])].map((m) => ({ value: m, label: m }))} value={v.method || methods[0]} onChange={(x) => set({ method: x })} errors={errors[`${sp}.method`]} isDisabled={readOnly} />
              <KeyValueEditor id={`step-${i}-${name}-headers`} label="Headers" items={v.headers as KeyValue[]} onChange={(headers) => set({ headers })} errors={subErrors(errors, `${sp}.headers`)} readOnly={readOnly} />
              <KeyValueEditor id={`step-${i}-${name}-query`} label="Query parameters" items={v.query as KeyValue[]} onChange={(query) => set({ query })} errors={subErrors(errors, `${sp}.query`)} readOnly={readOnly} />
            </>
          )}
        </fieldset>
      );
    };
    return (
      <>
        {side('source')}
        {side('destination')}
        <div style={grid2}>
          <TextField id={`step-${i}-maxBytes`} label="Size cap (bytes, optional)" value={s.maxBytes} onChange={(x) => onChange({ maxBytes: x })} errors={errors[`${p}.maxBytes`]} isDisabled={readOnly} placeholder="100 MiB (default)" />
          <TextField id={`step-${i}-timeout`} label="Timeout (seconds)" value={s.timeoutSeconds} onChange={(x) => onChange({ timeoutSeconds: x })} errors={errors[`${p}.timeoutSeconds`]} isDisabled={readOnly} placeholder="300 (default)" />
          <OnErrorSelect id={`step-${i}-onError`} value={s.onError} onChange={(x) => onChange({ onError: x })} errors={errors[`${p}.onError`]} readOnly={readOnly} />
        </div>
      </>
    );
  },
};
