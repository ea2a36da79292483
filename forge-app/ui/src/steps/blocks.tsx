// Control-flow blocks (docs/api.md "Control flow"): `if` runs its `then` or its `else` steps by a condition;
// `forEach` runs its nested steps once per item of a list, with `item` and `index` in scope. The editor
// (components/StepsEditor.tsx) renders the condition and the nested lists; these forms hold the rest.
import React, { createContext, useContext, useState } from 'react';
import { token } from '@atlaskit/tokens';
import { SelectField, TextField } from '../components/common';
import { SmartValuePicker } from '../components/SmartValuePicker';
import type { ListOption } from '../lib/loopScope';
import { grid2, numText, onErrorFrom, OnErrorSelect, onErrorTo, parseNumber, split, str } from './shared';
import type { StepKind } from './types';

/** The lists a for-each block can walk at its place in the rule (set per step by the steps editor). */
export const ListChoices = createContext<ListOption[]>([]);

export const LOOP_LIMIT = { default: 100, max: 1000 };
export const LOOP_PARALLELISM = { default: 1, max: 10 };

export const ifKind: StepKind = {
  type: 'if',
  label: 'If / else',
  summary: 'Run some steps when a condition holds, and others (optionally) when it does not.',
  docs: 'control-flow',
  condition: 'required',
  nested: [
    { key: 'then', label: 'Then: when the condition holds', help: 'These steps run when the condition holds.' },
    { key: 'else', label: 'Otherwise (optional)', help: 'These steps run when it does not. Leave empty to do nothing.', optional: true },
  ],
  help: (
    <>
      Checks the condition below against the issue, the event and what earlier steps left (<code>steps.&lt;id&gt;.…</code>), then runs the{' '}
      <strong>Then</strong> steps or the <strong>Otherwise</strong> steps. The run log shows which branch was taken. When a step inside fails,
      “If this step fails” decides whether the run stops or goes on after the block.
    </>
  ),
  defaults: () => ({ onError: 'stop', onErrorExplicit: false, extra: {} }),
  fromJson(step) {
    const onError = onErrorFrom(step.onError);
    return onError ? { onError, onErrorExplicit: step.onError !== undefined, ...split(step, ['onError']) } : undefined;
  },
  toJson(v) {
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'if' };
    onErrorTo(out, v);
    return out;
  },
  Form: ({ index: i, values: s, onChange, errors, path: p, readOnly }) => (
    <div style={grid2}>
      <OnErrorSelect id={`step-${i}-onError`} value={s.onError} onChange={(v) => onChange({ onError: v })} errors={errors[`${p}.onError`]} readOnly={readOnly} />
    </div>
  ),
};

export const forEachKind: StepKind = {
  type: 'forEach',
  label: 'For each',
  summary: 'Repeat steps for every issue found, sub-task or linked issue.',
  docs: 'control-flow',
  loop: true,
  nested: [{ key: 'steps', label: 'Steps for each item', help: 'These run once per item. Use the { } button to insert the current item (item.key, item.fields.summary…) or its position (index).' }],
  help: (
    <>
      Runs the steps inside once for every item of a list: the issues an earlier search found, the issue's sub-tasks or linked issues, or a list in an
      earlier step's answer. Inside, <code>item</code> is the current item and <code>index</code> its position (from 0). At most {LOOP_LIMIT.max} items;{' '}
      {LOOP_LIMIT.default} unless you set a limit. Items run one at a time unless you allow more at once (up to {LOOP_PARALLELISM.max}). When an item's steps fail, “If this step fails” decides
      whether the loop and the run stop or go on with the next items.
    </>
  ),
  defaults: () => ({ items: '', limit: '', parallelism: '', onError: 'stop', onErrorExplicit: false, extra: {} }),
  fromJson(step) {
    const items = str(step.items);
    const limit = numText(step.limit);
    const parallelism = numText(step.parallelism);
    const onError = onErrorFrom(step.onError);
    if (items === undefined || limit === undefined || parallelism === undefined || !onError) return undefined;
    return { items, limit, parallelism, onError, onErrorExplicit: step.onError !== undefined, ...split(step, ['items', 'limit', 'parallelism', 'onError']) };
  },
  toJson(v, add) {
    const items = String(v.items ?? '').trim();
    if (!items) add('items', 'Choose the list to go through.');
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'forEach', items };
    const limit = parseNumber(String(v.limit ?? ''), 'limit', add, { min: 1, max: LOOP_LIMIT.max, integer: true, what: 'items at most' });
    if (limit !== undefined) out.limit = limit;
    const parallelism = parseNumber(String(v.parallelism ?? ''), 'parallelism', add, { min: 1, max: LOOP_PARALLELISM.max, integer: true, what: 'items at once' });
    if (parallelism !== undefined) out.parallelism = parallelism;
    onErrorTo(out, v);
    return out;
  },
  Form({ index: i, values: s, onChange, errors, path: p, readOnly }) {
    return (
      <>
        <ItemsPicker id={`step-${i}-items`} value={s.items} onChange={(items) => onChange({ items })} errors={errors[`${p}.items`]} readOnly={readOnly} />
        <div style={grid2}>
          <TextField
            id={`step-${i}-limit`}
            label="Stop after (items)"
            value={s.limit}
            onChange={(v) => onChange({ limit: v })}
            errors={errors[`${p}.limit`]}
            isDisabled={readOnly}
            placeholder={`${LOOP_LIMIT.default} (default)`}
            helper={`1 to ${LOOP_LIMIT.max}. Items beyond it are left out, and the run says so.`}
          />
          <TextField
            id={`step-${i}-parallelism`}
            label="Items at once"
            value={s.parallelism}
            onChange={(v) => onChange({ parallelism: v })}
            errors={errors[`${p}.parallelism`]}
            isDisabled={readOnly}
            placeholder="1 (one at a time)"
            helper={`1 to ${LOOP_PARALLELISM.max}. More at once is faster but the order of the work is not kept.`}
          />
          <OnErrorSelect id={`step-${i}-onError`} value={s.onError} onChange={(v) => onChange({ onError: v })} errors={errors[`${p}.onError`]} readOnly={readOnly} />
        </div>
      </>
    );
  },
};

const TYPED = '__typed';

/** The list to go through: the lists the scope has, or a path typed (or picked) by hand. */
export function ItemsPicker({ id, value, onChange, errors, readOnly }: { id: string; value: string; onChange: (v: string) => void; errors?: string[]; readOnly: boolean }) {
  const options = useContext(ListChoices);
  const known = options.some((o) => o.value === value);
  const [typing, setTyping] = useState(!!value && !known);
  const showPath = typing || (!!value && !known);
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
      <SelectField
        id={id}
        label="Go through"
        required
        options={[...options, { value: TYPED, label: 'Another list (a path, e.g. in a web request’s answer)' }]}
        value={showPath ? TYPED : value}
        onChange={(v) => {
          if (v === TYPED) {
            setTyping(true);
            if (known) onChange('');
          } else {
            setTyping(false);
            onChange(v);
          }
        }}
        errors={showPath ? undefined : errors}
        isDisabled={readOnly}
        placeholder="Choose a list…"
      />
      {showPath && (
        <div style={{ display: 'flex', gap: token('space.050'), alignItems: 'flex-start' }}>
          <div style={{ flex: 1 }}>
            <TextField
              id={`${id}-path`}
              label="Path of the list"
              required
              value={value}
              onChange={onChange}
              errors={errors}
              isDisabled={readOnly}
              placeholder="steps.lookup.body.items"
              helper="Where the list is: e.g. steps.<id>.body.items for a list in a web request's answer. Use Fields to browse."
            />
          </div>
          <div style={{ paddingTop: 24 }}>
            <SmartValuePicker mode="path" targetId={`${id}-path`} label="Path of the list" value={value} onChange={onChange} disabled={readOnly} />
          </div>
        </div>
      )}
    </div>
  );
}
