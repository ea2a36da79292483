// The steps of a rule: each step is edited with its kind's form from the step library (steps/registry.ts);
// a step no form can show exactly (a future kind, an HTTP step with a `url`) is edited as JSON.
import React, { useMemo } from 'react';
import Button from '@atlaskit/button/new';
import { token } from '@atlaskit/tokens';
import type { Connection } from '../api';
import type { JiraField } from '../lib/jira';
import { newStep, stepJson, type StepDraft } from '../lib/ruleForm';
import { smartGroups, type PriorStep } from '../lib/smartValues';
import { FORMAT_DOCS_URL, stepKind, stepKinds } from '../steps/registry';
import { Help } from '../steps/shared';
import { row, SelectField, stack, TextAreaField, TextField } from './common';
import { SmartScope } from './SmartValuePicker';

export { KeyValueEditor } from '../steps/shared';

const cardStyle: React.CSSProperties = { border: `1px solid ${token('color.border')}`, borderRadius: 4, padding: token('space.150'), margin: 0, ...stack('space.150') };

export function StepsEditor({
  steps,
  onChange,
  connections,
  errors,
  readOnly,
  fields = [],
}: {
  steps: StepDraft[];
  onChange: (steps: StepDraft[]) => void;
  connections: Connection[];
  errors: Record<string, string[]>;
  readOnly: boolean;
  /** Jira fields (custom fields appear in the smart-value picker). */
  fields?: JiraField[];
}) {
  const [adding, setAdding] = React.useState('http');
  const update = (uid: string, patch: Partial<StepDraft>) => onChange(steps.map((s) => (s.uid === uid ? { ...s, ...patch } : s)));
  const move = (index: number, delta: number) => {
    const next = [...steps];
    const [item] = next.splice(index, 1);
    next.splice(index + delta, 0, item);
    onChange(next);
  };
  // What each step leaves for later ones (its id, kind and JSON, e.g. an AI step's answer names).
  const prior: PriorStep[] = useMemo(
    () =>
      steps.map((s) => {
        const json = stepJson(s, '', () => undefined) as unknown as Record<string, unknown>;
        return { id: s.id.trim(), type: String(json.type ?? s.type), json };
      }),
    [steps],
  );
  return (
    <div style={stack('space.200')}>
      {steps.length === 0 && <span style={{ color: token('color.text.subtle') }}>No steps yet: add one below.</span>}
      {steps.map((s, i) => {
        const p = `steps[${i}]`;
        const kind = s.mode === 'form' ? stepKind(s.type) : undefined;
        const controls = !readOnly && (
          <div style={row('space.050')}>
            <Button spacing="compact" isDisabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move step ${i + 1} up`}>
              Move up
            </Button>
            <Button spacing="compact" isDisabled={i === steps.length - 1} onClick={() => move(i, 1)} aria-label={`Move step ${i + 1} down`}>
              Move down
            </Button>
            {kind && (
              <Button
                spacing="compact"
                appearance="subtle"
                aria-label={`Edit step ${i + 1} as JSON`}
                onClick={() => {
                  const { id: _id, ...rest } = stepJson(s, p, () => undefined);
                  update(s.uid, { mode: 'json', jsonText: JSON.stringify(rest, null, 2) });
                }}
              >
                Edit as JSON
              </Button>
            )}
            <Button spacing="compact" appearance="subtle" onClick={() => onChange(steps.filter((x) => x.uid !== s.uid))} aria-label={`Remove step ${i + 1}`}>
              Remove step
            </Button>
          </div>
        );
        const scope = smartGroups(prior.slice(0, i), fields);
        return (
          <SmartScope.Provider key={s.uid} value={scope}>
            {kind ? (
              <fieldset aria-label={`Step ${i + 1}`} data-path={p} data-kind={kind.type} style={cardStyle}>
                <legend style={{ font: token('font.heading.xsmall'), padding: `0 ${token('space.050')}` }}>
                  Step {i + 1}: {kind.label}
                </legend>
                <Help>{kind.help}</Help>
                {errors[p]?.map((m, k) => (
                  <span key={k} role="alert" style={{ color: token('color.text.danger') }}>
                    {m}
                  </span>
                ))}
                <TextField
                  id={`step-${i}-id`}
                  label="Step id"
                  value={s.id}
                  onChange={(v) => update(s.uid, { id: v })}
                  errors={errors[`${p}.id`]}
                  isDisabled={readOnly}
                  helper={`Later steps read its results as steps.${s.id || '<id>'}.…`}
                />
                <kind.Form index={i} values={s.values} onChange={(patch) => update(s.uid, { values: { ...s.values, ...patch } })} errors={errors} path={p} readOnly={readOnly} connections={connections} />
                {controls}
              </fieldset>
            ) : (
              <JsonStepEditor index={i} step={s} errors={errors} readOnly={readOnly} onChange={(patch) => update(s.uid, patch)} controls={controls} />
            )}
          </SmartScope.Provider>
        );
      })}
      {!readOnly && (
        <div style={{ ...row('space.100'), alignItems: 'flex-end' }}>
          <div style={{ minWidth: 320 }}>
            <SelectField
              id="add-step-kind"
              label="Add a step"
              options={[...stepKinds().map((k) => ({ value: k.type, label: `${k.label} — ${k.summary}` })), { value: 'json', label: 'Any step as JSON (advanced)' }]}
              value={adding}
              onChange={(v) => setAdding(v || 'http')}
            />
          </div>
          <Button onClick={() => onChange([...steps, newStep(steps.length, adding === 'json' ? 'json' : adding)])}>Add step</Button>
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
  const parsed = (() => {
    try {
      const value: unknown = JSON.parse(step.jsonText);
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  })();
  const kindName = typeof parsed?.type === 'string' ? parsed.type : '';
  const known = kindName ? stepKind(kindName) : undefined;
  const nested = Object.entries(errors)
    .filter(([k]) => k.startsWith(`${p}.`) && k !== `${p}.id`)
    .flatMap(([k, messages]) => messages.map((m) => `${k.slice(p.length + 1)}: ${m}`));
  return (
    <fieldset aria-label={`Step ${index + 1}`} data-path={p} style={cardStyle}>
      <legend style={{ font: token('font.heading.xsmall'), padding: `0 ${token('space.050')}` }}>
        Step {index + 1}: {kindName || 'JSON'}
      </legend>
      {errors[p]?.map((m, k) => (
        <span key={k} role="alert" style={{ color: token('color.text.danger') }}>
          {m}
        </span>
      ))}
      <Help>
        {known ? (
          <>This {known.label.toLowerCase()} step uses options the form does not show, so it is edited as JSON and saved exactly as written. </>
        ) : kindName ? (
          <>This version of the editor has no form for “{kindName}” steps: edit the JSON; it is saved exactly as written. </>
        ) : null}
        The step format of every kind is described in{' '}
        <a href={FORMAT_DOCS_URL} target="_blank" rel="noreferrer">
          the rule format (docs/api.md)
        </a>
        .
      </Help>
      <TextField id={`step-${index}-id`} label="Step id" value={step.id} onChange={(v) => onChange({ id: v })} errors={errors[`${p}.id`]} isDisabled={readOnly} />
      <TextAreaField
        id={`step-${index}-json`}
        label="Step definition (JSON)"
        value={step.jsonText}
        onChange={(v) => onChange({ jsonText: v })}
        errors={nested}
        helper={
          <>
            The step without its id, for any step kind: <code>"type"</code> names it. String values are Liquid templates.
          </>
        }
        isDisabled={readOnly}
      />
      {controls}
    </fieldset>
  );
}
