import React from 'react';
import Button from '@atlaskit/button/new';
import { token } from '@atlaskit/tokens';
import type { Connection } from '../api';
import { newId } from '../lib/conditions';
import { HTTP_METHODS, newStep, type KeyValue, type StepDraft } from '../lib/ruleForm';
import { row, SelectField, stack, TextAreaField, TextField } from './common';

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
  return (
    <div role="group" aria-label={label} style={stack('space.050')}>
      <span style={{ font: token('font.body.small'), fontWeight: 600, color: token('color.text.subtle') }}>{label}</span>
      {items.length === 0 && <span style={{ color: token('color.text.subtlest') }}>None.</span>}
      {items.map((kv, i) => (
        <div key={kv.id} style={row('space.100')}>
          <TextField id={`${id}-${i}-key`} label={`${keyLabel} ${i + 1}`} value={kv.key} onChange={(v) => set(kv.id, { key: v })} isDisabled={readOnly} errors={errors[kv.key]} />
          <TextField
            id={`${id}-${i}-value`}
            label={`Value ${i + 1}`}
            value={kv.value}
            onChange={(v) => set(kv.id, { value: v })}
            isDisabled={readOnly}
            width={320}
          />
          {!readOnly && (
            <Button appearance="subtle" onClick={() => onChange(items.filter((x) => x.id !== kv.id))} aria-label={`Remove ${label.toLowerCase()} ${i + 1}`}>
              Remove
            </Button>
          )}
        </div>
      ))}
      {!readOnly && (
        <div>
          <Button spacing="compact" onClick={() => onChange([...items, { id: newId('kv'), key: '', value: '' }])}>
            Add {label.toLowerCase().replace(/s$/, '')}
          </Button>
        </div>
      )}
    </div>
  );
}

/** Errors for a key/value map come keyed as `steps[0].headers.X-Name`; re-key them by the name. */
function subErrors(errors: Record<string, string[]>, prefix: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, messages] of Object.entries(errors)) {
    if (key.startsWith(`${prefix}.`)) out[key.slice(prefix.length + 1)] = messages;
    const bracket = key.match(new RegExp(`^${prefix.replace(/[[\]]/g, '\\$&')}\\['(.+)'\\]$`));
    if (bracket) out[bracket[1]] = messages;
  }
  return out;
}

export function StepsEditor({
  steps,
  onChange,
  connections,
  errors,
  readOnly,
}: {
  steps: StepDraft[];
  onChange: (steps: StepDraft[]) => void;
  connections: Connection[];
  errors: Record<string, string[]>;
  readOnly: boolean;
}) {
  const update = (uid: string, patch: Partial<StepDraft>) => onChange(steps.map((s) => (s.uid === uid ? { ...s, ...patch } : s)));
  const move = (index: number, delta: number) => {
    const next = [...steps];
    const [item] = next.splice(index, 1);
    next.splice(index + delta, 0, item);
    onChange(next);
  };
  const connectionOptions = connections.map((c) => ({ value: c.id, label: `${c.name} (${c.baseUrl})` }));
  return (
    <div style={stack('space.200')}>
      {steps.length === 0 && <span style={{ color: token('color.text.subtle') }}>No steps yet.</span>}
      {steps.map((s, i) => {
        const p = `steps[${i}]`;
        const controls = !readOnly && (
          <div style={row('space.050')}>
            <Button spacing="compact" isDisabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move step ${i + 1} up`}>
              Move up
            </Button>
            <Button spacing="compact" isDisabled={i === steps.length - 1} onClick={() => move(i, 1)} aria-label={`Move step ${i + 1} down`}>
              Move down
            </Button>
            <Button spacing="compact" appearance="subtle" onClick={() => onChange(steps.filter((x) => x.uid !== s.uid))} aria-label={`Remove step ${i + 1}`}>
              Remove step
            </Button>
          </div>
        );
        if (s.mode === 'json') {
          return <JsonStepEditor key={s.uid} index={i} step={s} errors={errors} readOnly={readOnly} onChange={(patch) => update(s.uid, patch)} controls={controls} />;
        }
        return (
          <fieldset
            key={s.uid}
            aria-label={`Step ${i + 1}`}
            data-path={p}
            style={{ border: `1px solid ${token('color.border')}`, borderRadius: 4, padding: token('space.150'), margin: 0, ...stack('space.150') }}
          >
            <legend style={{ font: token('font.heading.xsmall'), padding: `0 ${token('space.050')}` }}>
              Step {i + 1}: HTTP request
            </legend>
            {errors[p]?.map((m, k) => (
              <span key={k} role="alert" style={{ color: token('color.text.danger') }}>
                {m}
              </span>
            ))}
            <div style={row('space.150')}>
              <TextField id={`step-${i}-id`} label="Step id" value={s.id} onChange={(v) => update(s.uid, { id: v })} errors={errors[`${p}.id`]} isDisabled={readOnly} width={140} />
              <SelectField
                id={`step-${i}-connection`}
                label="Connection"
                required
                options={connectionOptions}
                value={s.connection}
                onChange={(v) => update(s.uid, { connection: v })}
                errors={errors[`${p}.connection`]}
                isDisabled={readOnly}
                placeholder={connections.length ? 'Choose a connection…' : 'Create a connection first'}
              />
              <SelectField
                id={`step-${i}-method`}
                label="Method"
                options={HTTP_METHODS.map((m) => ({ value: m, label: m }))}
                value={s.method}
                onChange={(v) => update(s.uid, { method: v || 'POST' })}
                errors={errors[`${p}.method`]}
                isDisabled={readOnly}
              />
              <TextField
                id={`step-${i}-path`}
                label="Path"
                required
                value={s.path}
                onChange={(v) => update(s.uid, { path: v })}
                errors={errors[`${p}.path`]}
                helper="Relative to the connection's base URL; templates allowed."
                isDisabled={readOnly}
                width={320}
              />
            </div>
            <KeyValueEditor id={`step-${i}-headers`} label="Headers" items={s.headers} onChange={(headers) => update(s.uid, { headers })} errors={subErrors(errors, `${p}.headers`)} readOnly={readOnly} />
            <KeyValueEditor id={`step-${i}-query`} label="Query parameters" items={s.query} onChange={(query) => update(s.uid, { query })} errors={subErrors(errors, `${p}.query`)} readOnly={readOnly} />
            <TextAreaField
              id={`step-${i}-body`}
              label="JSON body"
              value={s.bodyText}
              onChange={(v) => update(s.uid, { bodyText: v })}
              errors={[...(errors[`${p}.body`] ?? []), ...Object.entries(errors).filter(([k]) => k.startsWith(`${p}.body.`) || k.startsWith(`${p}.body[`)).flatMap(([k, m]) => m.map((x) => `${k.slice(p.length + 1)}: ${x}`))]}
              helper={
                <>
                  Any JSON. String values are Liquid templates, for example <code>{'"{{ issue.key }}"'}</code> or <code>{'"{{ issue.fields.summary }}"'}</code>.
                </>
              }
              isDisabled={readOnly}
              placeholder={'{\n  "key": "{{ issue.key }}"\n}'}
            />
            <div style={row('space.150')}>
              <TextField
                id={`step-${i}-timeout`}
                label="Timeout (seconds)"
                value={s.timeoutSeconds}
                onChange={(v) => update(s.uid, { timeoutSeconds: v })}
                errors={errors[`${p}.timeoutSeconds`]}
                isDisabled={readOnly}
                width={120}
                placeholder="default"
              />
              <SelectField
                id={`step-${i}-onError`}
                label="If this step fails"
                options={[
                  { value: 'stop', label: 'Stop the run' },
                  { value: 'continue', label: 'Continue with the next step' },
                ]}
                value={s.onError}
                onChange={(v) => update(s.uid, { onError: (v || 'stop') as StepDraft['onError'] })}
                errors={errors[`${p}.onError`]}
                isDisabled={readOnly}
              />
              {controls}
            </div>
          </fieldset>
        );
      })}
      {!readOnly && (
        <div style={row('space.100')}>
          <Button onClick={() => onChange([...steps, newStep(steps.length)])}>Add HTTP step</Button>
          <Button onClick={() => onChange([...steps, newStep(steps.length, 'json')])}>Add step as JSON</Button>
        </div>
      )}
    </div>
  );
}

/** Any step kind, edited as its JSON definition; the backend's validation errors for it are listed beneath. */
function JsonStepEditor({
  index,
  step,
  errors,
  readOnly,
  onChange,
  controls,
}: {
  index: number;
  step: StepDraft;
  errors: Record<string, string[]>;
  readOnly: boolean;
  onChange: (patch: Partial<StepDraft>) => void;
  controls: React.ReactNode;
}) {
  const p = `steps[${index}]`;
  const kind = (() => {
    try {
      const parsed: unknown = JSON.parse(step.jsonText);
      return typeof parsed === 'object' && parsed !== null && typeof (parsed as { type?: unknown }).type === 'string' ? (parsed as { type: string }).type : '';
    } catch {
      return '';
    }
  })();
  const nested = Object.entries(errors)
    .filter(([k]) => k.startsWith(`${p}.`) && k !== `${p}.id`)
    .flatMap(([k, messages]) => messages.map((m) => `${k.slice(p.length + 1)}: ${m}`));
  return (
    <fieldset
      aria-label={`Step ${index + 1}`}
      data-path={p}
      style={{ border: `1px solid ${token('color.border')}`, borderRadius: 4, padding: token('space.150'), margin: 0, ...stack('space.150') }}
    >
      <legend style={{ font: token('font.heading.xsmall'), padding: `0 ${token('space.050')}` }}>
        Step {index + 1}: {kind || 'JSON'}
      </legend>
      {errors[p]?.map((m, k) => (
        <span key={k} role="alert" style={{ color: token('color.text.danger') }}>
          {m}
        </span>
      ))}
      <TextField id={`step-${index}-id`} label="Step id" value={step.id} onChange={(v) => onChange({ id: v })} errors={errors[`${p}.id`]} isDisabled={readOnly} width={140} />
      <TextAreaField
        id={`step-${index}-json`}
        label="Step definition (JSON)"
        value={step.jsonText}
        onChange={(v) => onChange({ jsonText: v })}
        errors={nested}
        helper={
          <>
            The step without its id, for any step kind: <code>"type"</code> names it. See the API guide for each kind&apos;s fields; string values are Liquid
            templates.
          </>
        }
        isDisabled={readOnly}
      />
      {controls}
    </fieldset>
  );
}
