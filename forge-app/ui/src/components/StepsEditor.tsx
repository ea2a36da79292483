// The steps of a rule: each step is edited with its kind's form from the step library (steps/registry.ts);
// a step no form can show exactly (a future kind, a rich-text ADF comment) is edited as JSON. Blocks
// (if/else, for each) hold nested step lists, edited here with the same forms, recursively.
import React, { useMemo } from 'react';
import Button from '@atlaskit/button/new';
import { token } from '@atlaskit/tokens';
import type { Connection } from '../api';
import type { JiraField } from '../lib/jira';
import { walkDrafts } from '../lib/flow';
import { listOptions, loopGroup } from '../lib/loopScope';
import { blockDepth, newStep, RULE_LIMITS, stepDraftFrom, stepJson, type StepDraft } from '../lib/ruleForm';
import type { Step } from '../api';
import { smartGroups, type PriorStep } from '../lib/smartValues';
import { ListChoices } from '../steps/blocks';
import { stepKind, stepKinds } from '../steps/registry';
import { Help } from '../steps/shared';
import { row, SelectField, stack, TextField } from './common';
import { NestedLists, StepCondition } from './FlowParts';
import { JsonStepEditor } from './JsonStepEditor';
import { SmartScope } from './SmartValuePicker';
import { cardStyle } from './stepCard';

export { KeyValueEditor } from '../steps/shared';

interface Shared {
  connections: Connection[];
  errors: Record<string, string[]>;
  readOnly: boolean;
  fields: JiraField[];
  /** Every step id of the rule, so a new nested step gets a free one. */
  takenIds: Set<string>;
}

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
  const takenIds = useMemo(() => {
    const ids = new Set<string>();
    walkDrafts(steps, 'steps', (s) => ids.add(s.id.trim()));
    return ids;
  }, [steps]);
  return <StepList steps={steps} onChange={onChange} prefix="steps" idBase="" titleBase="" before={[]} shared={{ connections, errors, readOnly, fields, takenIds }} />;
}

/** What a step leaves for the steps after it: itself and, for an if block, the steps of its branches (a loop's stay inside). */
function priorOf(s: StepDraft): PriorStep[] {
  const json = stepJson(s, '', () => undefined) as unknown as Record<string, unknown>;
  const own: PriorStep = { id: s.id.trim(), type: String(json.type ?? s.type), json };
  if (s.mode !== 'form' || stepKind(s.type)?.loop) return [own];
  return [own, ...Object.values(s.nested ?? {}).flatMap((list) => list.flatMap(priorOf))];
}

/**
 * A step in the JSON editor as a form draft, when its kind's form shows the JSON exactly (the same check as opening a
 * rule): "Edit as JSON" is not a one-way door, and a step written as JSON can move to its form.
 */
function formDraftOf(s: StepDraft): StepDraft | undefined {
  if (s.mode !== 'json') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(s.jsonText);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !stepKind(String((parsed as { type?: unknown }).type))) return undefined;
  const draft = stepDraftFrom({ ...(parsed as Step), id: s.id });
  return draft.mode === 'form' ? draft : undefined;
}

function freeId(list: StepDraft[], taken: Set<string>): string {
  for (let n = list.length + 1; ; n++) if (!taken.has(`step_${n}`)) return `step_${n}`;
}

/** One list of steps: the rule's, or a block's branch or loop body. */
export function StepList({
  steps,
  onChange,
  prefix,
  idBase,
  titleBase,
  before,
  loopItems,
  shared,
}: {
  steps: StepDraft[];
  onChange: (steps: StepDraft[]) => void;
  /** JSON path of the list: `steps`, `steps[1].then`. */
  prefix: string;
  /** Element-id stem of nested lists (`1-then`); '' at the top, where ids stay `step-<n>-…`. */
  idBase: string;
  /** `Step 2 › Then` for nested lists; '' at the top. */
  titleBase: string;
  /** What the steps before this list leave. */
  before: PriorStep[];
  /** Inside a for-each block: the list it goes through (for `item.*`). */
  loopItems?: string;
  shared: Shared;
}) {
  const { connections, errors, readOnly, fields } = shared;
  const [adding, setAdding] = React.useState('http');
  const addId = idBase ? `add-step-kind-${idBase}` : 'add-step-kind';
  const update = (uid: string, patch: Partial<StepDraft>) => onChange(steps.map((s) => (s.uid === uid ? { ...s, ...patch } : s)));
  // Keyboard users keep their place: after a move, focus stays on the moved step's move button (the other one when it
  // reaches an end, where this one is disabled); after a remove or an add, it goes to a step id (or the add picker).
  const [focusAfter, setFocusAfter] = React.useState<string>();
  React.useEffect(() => {
    if (!focusAfter) return;
    setFocusAfter(undefined);
    const target = document.getElementById(focusAfter) ?? [...document.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === focusAfter);
    target?.focus();
  }, [focusAfter, steps]);
  const nameAt = (j: number) => (titleBase ? `${titleBase} ${j + 1}` : `Step ${j + 1}`).replace(/^Step/, 'step');
  const idInput = (j: number) => `step-${idBase ? `${idBase}-${j}` : j}-id`;
  const move = (index: number, delta: number) => {
    const next = [...steps];
    const [item] = next.splice(index, 1);
    const j = index + delta;
    next.splice(j, 0, item);
    const atEnd = delta < 0 ? j === 0 : j === steps.length - 1;
    setFocusAfter(`Move ${nameAt(j)} ${(delta < 0) !== atEnd ? 'up' : 'down'}`);
    onChange(next);
  };
  const remove = (index: number) => {
    const left = steps.length - 1;
    setFocusAfter(left === 0 ? addId : idInput(Math.min(index, left - 1)));
    onChange(steps.filter((_, k) => k !== index));
  };
  const prior = useMemo(() => steps.map(priorOf), [steps]);
  return (
    <div style={stack('space.200')}>
      {steps.length === 0 && <span style={{ color: token('color.text.subtle') }}>No steps yet: add one below.</span>}
      {steps.map((s, i) => {
        const p = `${prefix}[${i}]`;
        const idKey: number | string = idBase ? `${idBase}-${i}` : i;
        const title = titleBase ? `${titleBase} ${i + 1}` : `Step ${i + 1}`;
        const name = title.replace(/^Step/, 'step');
        const kind = s.mode === 'form' ? stepKind(s.type) : undefined;
        const seen = [...before, ...prior.slice(0, i).flat()];
        const controls = !readOnly && (
          <div style={row('space.050')}>
            <Button spacing="compact" isDisabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move ${name} up`}>
              Move up
            </Button>
            <Button spacing="compact" isDisabled={i === steps.length - 1} onClick={() => move(i, 1)} aria-label={`Move ${name} down`}>
              Move down
            </Button>
            {!kind && formDraftOf(s) && (
              <Button
                spacing="compact"
                appearance="subtle"
                aria-label={`Edit ${name} with the form`}
                onClick={() => {
                  const { uid: _uid, id: _id, ...form } = formDraftOf(s)!;
                  update(s.uid, { ...form, jsonText: '' });
                }}
              >
                Edit with the form
              </Button>
            )}
            {kind && (
              <Button
                spacing="compact"
                appearance="subtle"
                aria-label={`Edit ${name} as JSON`}
                onClick={() => {
                  const { id: _id, ...rest } = stepJson(s, p, () => undefined);
                  update(s.uid, { mode: 'json', jsonText: JSON.stringify(rest, null, 2), runIf: undefined, runIfBare: undefined, nested: undefined });
                }}
              >
                Edit as JSON
              </Button>
            )}
            <Button spacing="compact" appearance="subtle" onClick={() => remove(i)} aria-label={`Remove ${name}`}>
              Remove step
            </Button>
          </div>
        );
        const scope = [...(loopItems !== undefined ? [loopGroup(loopItems)] : []), ...smartGroups(seen, fields)];
        return (
          <SmartScope.Provider key={s.uid} value={scope}>
            <ListChoices.Provider value={listOptions(seen, loopItems !== undefined)}>
              {kind ? (
                <fieldset aria-label={title} data-path={p} data-kind={kind.type} style={cardStyle}>
                  <legend style={{ font: token('font.heading.xsmall'), padding: `0 ${token('space.050')}` }}>
                    {title}: {kind.label}
                  </legend>
                  <Help>{kind.help}</Help>
                  {[...(errors[p] ?? []), ...(errors[`${p}.type`] ?? [])].map((m, k) => (
                    <span key={k} role="alert" style={{ color: token('color.text.danger') }}>
                      {m}
                    </span>
                  ))}
                  <TextField
                    id={`step-${idKey}-id`}
                    label="Step id"
                    value={s.id}
                    onChange={(v) => update(s.uid, { id: v })}
                    errors={errors[`${p}.id`]}
                    isDisabled={readOnly}
                    helper={`Later steps read its results as steps.${s.id || '<id>'}.…`}
                  />
                  <StepCondition step={s} kind={kind} path={p} idKey={idKey} name={name} errors={errors} readOnly={readOnly} onChange={(runIf) => update(s.uid, { runIf })} />
                  <kind.Form index={idKey} values={s.values} onChange={(patch) => update(s.uid, { values: { ...s.values, ...patch } })} errors={errors} path={p} readOnly={readOnly} connections={connections} />
                  <ExtraFields extra={s.values.extra} path={p} name={name} errors={errors} readOnly={readOnly} onChange={(extra) => update(s.uid, { values: { ...s.values, extra } })} />
                  {kind.nested && (
                    <NestedLists
                      step={s}
                      kind={kind}
                      path={p}
                      idKey={idKey}
                      title={title}
                      errors={errors}
                      onChange={(nested) => update(s.uid, { nested })}
                      renderList={(key, list, onList) => (
                        <StepList
                          steps={list}
                          onChange={onList}
                          prefix={`${p}.${key}`}
                          idBase={`${idKey}-${key}`}
                          titleBase={`${title} › ${key === 'then' ? 'Then' : key === 'else' ? 'Otherwise' : 'Each'}`}
                          before={seen}
                          loopItems={kind.loop ? String(s.values.items ?? '') : loopItems}
                          shared={shared}
                        />
                      )}
                    />
                  )}
                  {controls}
                </fieldset>
              ) : (
                <JsonStepEditor path={p} idKey={idKey} title={title} step={s} errors={errors} readOnly={readOnly} onChange={(patch) => update(s.uid, patch)} controls={controls} />
              )}
            </ListChoices.Provider>
          </SmartScope.Provider>
        );
      })}
      {!readOnly && (
        <div style={{ ...row('space.100'), alignItems: 'flex-end' }}>
          <div style={{ minWidth: 320 }}>
            <SelectField
              id={addId}
              label={titleBase ? `Add a step to ${titleBase.replace(/^Step/, 'step')}` : 'Add a step'}
              options={[...stepKinds()
                .filter((k) => !k.nested || blockDepth(prefix) < RULE_LIMITS.blockDepth)
                .map((k) => ({ value: k.type, label: `${k.label} — ${k.summary}` })), { value: 'json', label: 'Any step as JSON (advanced)' }]}
              helper={blockDepth(prefix) >= RULE_LIMITS.blockDepth ? `Blocks nest at most ${RULE_LIMITS.blockDepth} deep: no if/else or for each here.` : undefined}
              value={adding}
              onChange={(v) => setAdding(v || 'http')}
            />
          </div>
          <Button
            aria-label={titleBase ? `Add step to ${titleBase.replace(/^Step/, 'step')}` : undefined}
            onClick={() => {
              setFocusAfter(idInput(steps.length));
              onChange([...steps, { ...newStep(steps.length, adding === 'json' ? 'json' : adding), id: freeId(steps, shared.takenIds) }]);
            }}
          >
            Add step
          </Button>
        </div>
      )}
    </div>
  );
}

/**
 * Properties the kind's form does not show (kept so opening a step never changes it): a stray field of another kind,
 * which the backend refuses at save naming `steps[i].<name>`, is listed with that error and can be removed here.
 */
function ExtraFields({
  extra,
  path,
  name,
  errors,
  readOnly,
  onChange,
}: {
  extra: Record<string, unknown> | undefined;
  path: string;
  name: string;
  errors: Record<string, string[]>;
  readOnly: boolean;
  onChange: (extra: Record<string, unknown>) => void;
}) {
  const keys = Object.keys(extra ?? {});
  if (!keys.length) return null;
  return (
    <div role="group" aria-label={`Other properties of ${name}`} style={stack('space.050')}>
      <span style={{ font: token('font.body.small'), fontWeight: 600, color: token('color.text.subtle') }}>Other properties (not shown by this form, kept as they are)</span>
      {keys.map((key) => {
        const text = JSON.stringify(extra![key]) ?? '';
        return (
          <div key={key} style={stack('space.025')}>
            <div style={row('space.100')}>
              <code>{key}</code>
              <span style={{ color: token('color.text.subtle') }}>{text.length > 80 ? `${text.slice(0, 80)}…` : text}</span>
              {!readOnly && (
                <Button
                  spacing="compact"
                  appearance="subtle"
                  aria-label={`Remove ${key} from ${name}`}
                  onClick={() => onChange(Object.fromEntries(Object.entries(extra!).filter(([k]) => k !== key)))}
                >
                  Remove
                </Button>
              )}
            </div>
            {errors[`${path}.${key}`]?.map((m, k) => (
              <span key={k} role="alert" style={{ color: token('color.text.danger') }}>
                {m}
              </span>
            ))}
          </div>
        );
      })}
    </div>
  );
}
