// The control-flow parts of a step card: its condition ("Only run if…", or an if block's own condition) and
// a block's nested step lists.
import React from 'react';
import Toggle from '@atlaskit/toggle';
import { token } from '@atlaskit/tokens';
import type { GroupDraft } from '../lib/conditions';
import { startCondition } from '../lib/flow';
import type { StepDraft } from '../lib/ruleForm';
import type { StepKind } from '../steps/types';
import { row, stack } from './common';
import { ConditionBuilder } from './ConditionBuilder';

const Errors = ({ messages }: { messages?: string[] }) => (
  <>
    {messages?.map((m, k) => (
      <span key={k} role="alert" style={{ color: token('color.text.danger') }}>
        {m}
      </span>
    ))}
  </>
);

export function StepCondition({
  step,
  kind,
  path: p,
  idKey,
  name,
  errors,
  readOnly,
  onChange,
}: {
  step: StepDraft;
  kind: StepKind;
  path: string;
  idKey: number | string;
  /** `step 2`, `step 2 › Then 1`. */
  name: string;
  errors: Record<string, string[]>;
  readOnly: boolean;
  onChange: (runIf: GroupDraft | undefined) => void;
}) {
  const required = kind.condition === 'required';
  const on = !!step.runIf;
  const toggleId = `step-${idKey}-runIf`;
  const builder = step.runIf && (
    <>
      {step.runIf.children.length === 0 && <Errors messages={errors[`${p}.if`]} />}
      <ConditionBuilder
        prefix={`${p}.if`}
        label={required ? `Condition of ${name}` : `Only run ${name} if`}
        emptyText={required ? 'No condition yet: add one.' : 'No condition: the step always runs.'}
        value={step.runIf}
        onChange={onChange}
        errors={errors}
        readOnly={readOnly}
      />
    </>
  );
  if (required)
    return (
      <div style={stack('space.100')}>
        <strong>If</strong>
        {builder}
      </div>
    );
  return (
    <div style={stack('space.100')}>
      <div style={row('space.100')}>
        <Toggle id={toggleId} isChecked={on} isDisabled={readOnly} onChange={() => onChange(on ? undefined : startCondition())} />
        <label htmlFor={toggleId}>Only run if…</label>
        {!on && <span style={{ color: token('color.text.subtlest'), font: token('font.body.small') }}>Off: the step always runs. On: it is skipped (and logged as skipped) when the conditions do not hold.</span>}
      </div>
      {builder}
    </div>
  );
}

export function NestedLists({
  step,
  kind,
  path: p,
  idKey,
  title,
  errors,
  onChange,
  renderList,
}: {
  step: StepDraft;
  kind: StepKind;
  path: string;
  idKey: number | string;
  title: string;
  errors: Record<string, string[]>;
  onChange: (nested: Record<string, StepDraft[]>) => void;
  renderList: (key: string, list: StepDraft[], onList: (list: StepDraft[]) => void) => React.ReactNode;
}) {
  return (
    <>
      {(kind.nested ?? []).map((n) => (
        <section
          key={n.key}
          aria-label={`${title}: ${n.label}`}
          data-path={`${p}.${n.key}`}
          id={`step-${idKey}-${n.key}`}
          style={{ ...stack('space.100'), borderLeft: `3px solid ${n.key === 'else' ? token('color.border.discovery') : token('color.border.brand')}`, paddingLeft: token('space.150') }}
        >
          <strong>{n.label}</strong>
          {n.help && <span style={{ color: token('color.text.subtle'), font: token('font.body.small') }}>{n.help}</span>}
          <Errors messages={errors[`${p}.${n.key}`]} />
          {renderList(n.key, step.nested?.[n.key] ?? [], (list) => onChange({ ...(step.nested ?? {}), [n.key]: list }))}
        </section>
      ))}
    </>
  );
}
