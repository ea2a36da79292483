import React from 'react';
import Button from '@atlaskit/button/new';
import { Checkbox } from '@atlaskit/checkbox';
import { token } from '@atlaskit/tokens';
import {
  addCondition,
  addGroup,
  depthOf,
  isListOp,
  MAX_DEPTH,
  opInfo,
  OPS,
  pathsOf,
  removeNode,
  setMode,
  updateCondition,
  type CondDraft,
  type GroupDraft,
} from '../lib/conditions';
import { row, SelectField, TextField } from './common';
import { SmartValuePicker } from './SmartValuePicker';

/** Operators for which a blank value ("") is a value to compare with (not `in`/`notIn`: a list; not greater/less than or a regex). */
const BLANK_OPS: string[] = ['equals', 'notEquals', 'contains', 'notContains', 'startsWith'];

export const FIELD_SUGGESTIONS = [
  'issue.fields.priority.name',
  'issue.fields.status.name',
  'issue.fields.issuetype.name',
  'issue.fields.project.key',
  'issue.fields.summary',
  'issue.fields.labels',
  'issue.fields.components.name',
  'issue.fields.fixVersions.name',
  'issue.fields.assignee.accountId',
];

interface Props {
  /** Where the group sits in the rule (`conditions`, or a step's `steps[1].if`): error keys and labels use it. */
  prefix?: string;
  /** The accessible name of the outermost group. */
  label?: string;
  /** What happens with no condition. */
  emptyText?: string;
  value: GroupDraft;
  onChange: (next: GroupDraft) => void;
  errors: Record<string, string[]>;
  readOnly: boolean;
}

/** Where focus goes after an edit of the tree: a new condition's field, or what took a removed node's place. */
export function focusAfterEdit(before: GroupDraft, after: GroupDraft): string | undefined {
  const place = new Map<string, { parent: string; index: number }>();
  const kinds = new Map<string, 'cond' | 'group'>();
  const walk = (g: GroupDraft, into: Map<string, { parent: string; index: number }>, kindsOf?: Map<string, 'cond' | 'group'>) =>
    g.children.forEach((c, index) => {
      into.set(c.id, { parent: g.id, index });
      kindsOf?.set(c.id, c.kind);
      if (c.kind === 'group') walk(c, into, kindsOf);
    });
  walk(before, place);
  const now = new Map<string, { parent: string; index: number }>();
  walk(after, now, kinds);
  const added = [...now.keys()].find((id) => !place.has(id) && kinds.get(id) === 'cond');
  if (added) return `${added}-field`;
  const removed = [...place.entries()].find(([id, at]) => !now.has(id) && (at.parent === after.id || now.has(at.parent)));
  if (!removed) return undefined;
  const { parent, index } = removed[1];
  const siblings = [...now.entries()].filter(([, at]) => at.parent === parent).sort((a, b) => a[1].index - b[1].index);
  const next = siblings[Math.min(index, siblings.length - 1)];
  if (!next) return `${parent}-add`;
  return kinds.get(next[0]) === 'cond' ? `${next[0]}-field` : `${next[0]}-mode`;
}

export function ConditionBuilder({ value, onChange: setValue, errors, readOnly, prefix = 'conditions', label = 'Conditions', emptyText = 'No conditions: the rule runs for every matching trigger.' }: Props) {
  const paths = pathsOf(value, prefix);
  // Keyboard users keep their place: after an add, focus goes to the new condition's field; after a remove, to what
  // took its place (or the one before it, or the group's "Add condition").
  const [focusId, setFocusId] = React.useState<string>();
  React.useEffect(() => {
    if (!focusId) return;
    setFocusId(undefined);
    document.getElementById(focusId)?.focus();
  }, [focusId, value]);
  const onChange = (next: GroupDraft) => {
    setFocusId(focusAfterEdit(value, next));
    setValue(next);
  };
  const suggestions = `${value.id}-field-suggestions`;
  return (
    <SuggestionsId.Provider value={suggestions}>
      <div>
        <datalist id={suggestions}>
          {FIELD_SUGGESTIONS.map((f) => (
            <option key={f} value={f} />
          ))}
        </datalist>
        {value.children.length === 0 ? (
          <div style={row('space.100')}>
            <span style={{ color: token('color.text.subtle') }}>{emptyText}</span>
            {!readOnly && (
              <Button id={`${value.id}-add`} onClick={() => onChange(addCondition(value, value.id))}>
                Add condition
              </Button>
            )}
          </div>
        ) : (
          <GroupView group={value} root={value} onChange={onChange} errors={errors} readOnly={readOnly} paths={paths} rootLabel={label} />
        )}
      </div>
    </SuggestionsId.Provider>
  );
}

function GroupView({
  group,
  root,
  onChange,
  errors,
  readOnly,
  paths,
  rootLabel,
}: {
  group: GroupDraft;
  root: GroupDraft;
  onChange: (next: GroupDraft) => void;
  errors: Record<string, string[]>;
  readOnly: boolean;
  paths: Map<string, string>;
  rootLabel: string;
}) {
  const path = paths.get(group.id)!;
  const depth = depthOf(root, group.id);
  const isRoot = group.id === root.id;
  const label = isRoot ? rootLabel : `Condition group at ${path}`;
  return (
    <fieldset
      aria-label={label}
      data-path={path}
      style={{
        border: `1px solid ${token('color.border')}`,
        borderLeft: `3px solid ${group.mode === 'all' ? token('color.border.brand') : token('color.border.discovery')}`,
        borderRadius: 4,
        padding: token('space.150'),
        margin: 0,
        display: 'flex',
        flexDirection: 'column',
        gap: token('space.100'),
      }}
    >
      <legend style={{ padding: `0 ${token('space.050')}` }}>
        <span style={row('space.100')}>
          <span style={{ minWidth: 240 }}>
            <SelectField
              id={`${group.id}-mode`}
              label="Match"
              options={[
                { value: 'all', label: 'all of these (AND)' },
                { value: 'any', label: 'any of these (OR)' },
              ]}
              value={group.mode}
              isDisabled={readOnly}
              onChange={(v) => onChange(setMode(root, group.id, (v || 'all') as 'all' | 'any'))}
            />
          </span>
          {!isRoot && !readOnly && (
            <Button appearance="subtle" spacing="compact" onClick={() => onChange(removeNode(root, group.id))} aria-label={`Remove group ${path}`}>
              Remove group
            </Button>
          )}
        </span>
      </legend>
      {errors[path]?.map((m, i) => (
        <span key={i} role="alert" style={{ color: token('color.text.danger') }}>
          {m}
        </span>
      ))}
      {group.children.map((child) =>
        child.kind === 'group' ? (
          <GroupView key={child.id} group={child} root={root} onChange={onChange} errors={errors} readOnly={readOnly} paths={paths} rootLabel={rootLabel} />
        ) : (
          <ConditionRow key={child.id} cond={child} root={root} onChange={onChange} errors={errors} readOnly={readOnly} path={paths.get(child.id)!} />
        ),
      )}
      {!readOnly && (
        <div style={row('space.100')}>
          <Button id={`${group.id}-add`} spacing="compact" onClick={() => onChange(addCondition(root, group.id))}>
            Add condition
          </Button>
          {depth < MAX_DEPTH && (
            <Button spacing="compact" onClick={() => onChange(addGroup(root, group.id, group.mode === 'all' ? 'any' : 'all'))}>
              Add group
            </Button>
          )}
        </div>
      )}
    </fieldset>
  );
}

function ConditionRow({
  cond,
  root,
  onChange,
  errors,
  readOnly,
  path,
}: {
  cond: CondDraft;
  root: GroupDraft;
  onChange: (next: GroupDraft) => void;
  errors: Record<string, string[]>;
  readOnly: boolean;
  path: string;
}) {
  const needs = opInfo(cond.op).needs;
  const patch = (p: Partial<CondDraft>) => onChange(updateCondition(root, cond.id, p));
  // A blank value ("") is one the backend compares with (ConditionCompiler takes any value but null for these), which a
  // text box cannot tell from "not filled in": it is an explicit choice, kept through a change to another such operator.
  const blank = cond.typed?.op === cond.op && cond.typed.text === '' && cond.value === '' && cond.typed.value === '';
  return (
    <div role="group" aria-label={`Condition ${path}`} data-path={path} style={row('space.100')}>
      <FieldInput id={`${cond.id}-field`} value={cond.field} onChange={(v) => patch({ field: v })} errors={errors[`${path}.field`]} readOnly={readOnly} changelog={cond.op === 'changed'} />
      <SelectField
        id={`${cond.id}-op`}
        label="Operator"
        options={OPS.map((o) => ({ value: o.value, label: o.label }))}
        value={cond.op}
        onChange={(v) => {
          const op = (v || 'equals') as CondDraft['op'];
          patch(blank && BLANK_OPS.includes(op) ? { op, typed: { op, text: '', value: '' } } : { op });
        }}
        errors={errors[`${path}.op`]}
        isDisabled={readOnly}
      />
      {needs === 'value' && (
        <div style={{ display: 'flex', flexDirection: 'column' }}>
          <TextField
            id={`${cond.id}-value`}
            label={isListOp(cond.op) ? 'Values (comma separated)' : 'Value'}
            value={cond.value}
            onChange={(v) => patch({ value: v })}
            errors={errors[`${path}.value`]}
            isDisabled={readOnly}
            placeholder={blank ? 'Blank (saved as "")' : undefined}
          />
          {BLANK_OPS.includes(cond.op) && (
            <Checkbox
              id={`${cond.id}-blank`}
              label='Blank value (empty text "")'
              isChecked={blank}
              isDisabled={readOnly}
              onChange={(e) => patch(e.target.checked ? { value: '', typed: { op: cond.op, text: '', value: '' } } : { typed: undefined })}
            />
          )}
        </div>
      )}
      {needs === 'fromTo' && (
        <>
          <div style={{ display: 'flex', flexDirection: 'column' }}>
            <TextField id={`${cond.id}-from`} label="From (optional)" value={cond.from} onChange={(v) => patch({ from: v, emptyFrom: false })} errors={errors[`${path}.from`]} isDisabled={readOnly} placeholder={cond.emptyFrom ? 'Empty (saved as "")' : 'Any value'} />
            <Checkbox id={`${cond.id}-emptyFrom`} label='From empty ("")' isChecked={!!cond.emptyFrom} isDisabled={readOnly} onChange={(e) => patch({ from: '', emptyFrom: e.target.checked })} />
          </div>
          <div style={{ display: 'flex', flexDirection: 'column' }}>
            <TextField id={`${cond.id}-to`} label="To (optional)" value={cond.to} onChange={(v) => patch({ to: v, emptyTo: false })} errors={errors[`${path}.to`]} isDisabled={readOnly} placeholder={cond.emptyTo ? 'Empty (saved as "")' : 'Any value'} />
            <Checkbox id={`${cond.id}-emptyTo`} label='To empty ("")' isChecked={!!cond.emptyTo} isDisabled={readOnly} onChange={(e) => patch({ to: '', emptyTo: e.target.checked })} />
          </div>
        </>
      )}
      {!readOnly && (
        <Button appearance="subtle" onClick={() => onChange(removeNode(root, cond.id))} aria-label={`Remove condition ${path}`}>
          Remove
        </Button>
      )}
      {errors[path]?.map((m, i) => (
        <span key={i} role="alert" style={{ color: token('color.text.danger'), flexBasis: '100%' }}>
          {m}
        </span>
      ))}
    </div>
  );
}

/**
 * The id of this builder's list of field suggestions: one per condition builder (the rule's conditions, each step's
 * "Only run if…" and if block), so a page holding several has no two elements with one id.
 */
const SuggestionsId = React.createContext<string | undefined>(undefined);

/** Text input with field-path suggestions (a native datalist keeps it keyboard friendly). */
function FieldInput({ id, value, onChange, errors, readOnly, changelog }: { id: string; value: string; onChange: (v: string) => void; errors?: string[]; readOnly: boolean; changelog?: boolean }) {
  const suggestions = React.useContext(SuggestionsId);
  // "changed" reads the event's change log, whose items name a field (status, priority, customfield_10016), not a path.
  if (changelog) {
    return (
      <TextField id={id} label="Field" value={value} onChange={onChange} errors={errors} isDisabled={readOnly} placeholder="status" width={300} helper="The field's name in Jira's change log: status, priority, assignee, or a custom field's id." />
    );
  }
  return (
    <span style={{ display: 'flex', gap: token('space.050'), alignItems: 'flex-start' }}>
      <TextField
        id={id}
        label="Field"
        value={value}
        onChange={onChange}
        errors={errors}
        isDisabled={readOnly}
        placeholder="issue.fields.priority.name"
        width={300}
        list={suggestions}
      />
      <span style={{ paddingTop: 24 }}>
        <SmartValuePicker mode="path" targetId={id} label="Field" value={value} onChange={onChange} disabled={readOnly} />
      </span>
    </span>
  );
}
