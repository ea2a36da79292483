// A step edited as its JSON definition: any kind (a future one, an HTTP step with a `url`, a block whose
// condition the builder cannot show). The backend's validation errors for it are listed beneath.
import React from 'react';
import { token } from '@atlaskit/tokens';
import type { StepDraft } from '../lib/ruleForm';
import { FORMAT_DOCS_URL, formBlockers, stepKind } from '../steps/registry';
import { Help } from '../steps/shared';
import { TextAreaField, TextField } from './common';
import { cardStyle } from './stepCard';

/** Any step kind, edited as its JSON definition; the backend's validation errors for it are listed beneath. */
export function JsonStepEditor({
  path: p,
  idKey,
  title,
  step,
  errors,
  readOnly,
  onChange,
  controls,
}: {
  /** The step's path (`steps[0]`, `steps[1].then[0]`). */
  path: string;
  /** Element ids: `step-<idKey>-…`. */
  idKey: number | string;
  /** `Step 1`, `Step 2 › Then 1`. */
  title: string;
  step: StepDraft;
  errors: Record<string, string[]>;
  readOnly: boolean;
  onChange: (patch: Partial<StepDraft>) => void;
  controls: React.ReactNode;
}) {
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
  const blockers = known && parsed ? formBlockers(parsed) : [];
  const nested = Object.entries(errors)
    .filter(([k]) => k.startsWith(`${p}.`) && k !== `${p}.id`)
    .flatMap(([k, messages]) => messages.map((m) => `${k.slice(p.length + 1)}: ${m}`));
  return (
    <fieldset aria-label={title} data-path={p} style={cardStyle}>
      <legend style={{ font: token('font.heading.xsmall'), padding: `0 ${token('space.050')}` }}>
        {title}: {kindName || 'JSON'}
      </legend>
      {errors[p]?.map((m, k) => (
        <span key={k} role="alert" style={{ color: token('color.text.danger') }}>
          {m}
        </span>
      ))}
      <Help>
        {known ? (
          blockers.length > 0 ? (
            <>This {known.label.toLowerCase()} step has a {blockers.join(', ')} the form cannot show exactly (a shape or option it does not write), so it is edited as JSON and saved exactly as written. </>
          ) : (
            <>This {known.label.toLowerCase()} step uses options the form does not show, so it is edited as JSON and saved exactly as written. </>
          )
        ) : kindName ? (
          <>This version of the editor has no form for “{kindName}” steps: edit the JSON; it is saved exactly as written. </>
        ) : null}
        The step format of every kind is described in{' '}
        <a href={FORMAT_DOCS_URL} target="_blank" rel="noreferrer">
          the rule format (docs/api.md)
        </a>
        .
      </Help>
      <TextField id={`step-${idKey}-id`} label="Step id" value={step.id} onChange={(v) => onChange({ id: v })} errors={errors[`${p}.id`]} isDisabled={readOnly} />
      <TextAreaField
        id={`step-${idKey}-json`}
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
