// The four Jira step kinds (docs/api.md "Jira steps"): they act on the event's site with the app's
// system token, so no connection is needed. `issue` (optional) is a template rendering another issue key.
import React from 'react';
import Button from '@atlaskit/button/new';
import { token } from '@atlaskit/tokens';
import { newId } from '../lib/conditions';
import { fieldOptions, jira } from '../lib/jira';
import { SelectField, TextField } from '../components/common';
import { JiraSelect, JiraUserSelect } from '../components/JiraPicker';
import { TemplateField } from '../components/SmartValuePicker';
import { grid2, onErrorFrom, OnErrorSelect, onErrorTo, split, str } from './shared';
import type { AddError, StepFormProps, StepKind, Values } from './types';

function common(step: Record<string, unknown>): Values | undefined {
  const issue = str(step.issue);
  const onError = onErrorFrom(step.onError);
  if (issue === undefined || !onError) return undefined;
  return { issue, hadIssue: step.issue !== undefined, onError, onErrorExplicit: step.onError !== undefined };
}
function commonTo(out: Record<string, unknown>, v: Values) {
  if (v.issue || v.hadIssue) out.issue = v.issue;
  onErrorTo(out, v);
}
function CommonFields({ index: i, values: s, onChange, errors, path: p, readOnly }: StepFormProps) {
  return (
    <div style={grid2}>
      <TemplateField
        id={`step-${i}-issue`}
        label="Issue (optional)"
        value={s.issue}
        onChange={(v) => onChange({ issue: v })}
        errors={errors[`${p}.issue`]}
        isDisabled={readOnly}
        placeholder="The event's issue"
        helper="Leave empty for the issue of the event, or pick e.g. the parent's key."
      />
      <OnErrorSelect id={`step-${i}-onError`} value={s.onError} onChange={(v) => onChange({ onError: v })} errors={errors[`${p}.onError`]} readOnly={readOnly} />
    </div>
  );
}
const jiraHelp = 'Runs as the BluBees app on the Jira site that sent the event (no connection needed; scheduled and webhook rules have no site token, so Jira steps fail there with system_token_missing).';

export const jiraCommentKind: StepKind = {
  type: 'jira.comment',
  label: 'Comment on the issue',
  summary: 'Add a comment to the issue (or another issue).',
  docs: 'jira-steps',
  help: (
    <>
      Adds a comment. The text is a template: blank lines separate paragraphs, line breaks stay line breaks. {jiraHelp} Later steps read{' '}
      <code>steps.&lt;id&gt;.body.id</code> (the new comment).
    </>
  ),
  defaults: () => ({ body: '', issue: '', onError: 'stop', extra: {} }),
  fromJson(step) {
    const c = common(step);
    // An Atlassian Document Format body stays in the JSON editor.
    if (!c || typeof step.body !== 'string') return undefined;
    return { ...c, body: step.body, ...split(step, ['body', 'issue', 'onError']) };
  },
  toJson(v, add) {
    if (!String(v.body ?? '').trim()) add('body', 'Write the comment.');
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'jira.comment', body: v.body };
    commonTo(out, v);
    return out;
  },
  Form(props) {
    const { index: i, values: s, onChange, errors, path: p, readOnly } = props;
    return (
      <>
        <TemplateField id={`step-${i}-body`} label="Comment" multiline rows={4} value={s.body} onChange={(v) => onChange({ body: v })} errors={errors[`${p}.body`]} isDisabled={readOnly} placeholder="Escalated: {{ issue.fields.summary }}" />
        <CommonFields {...props} />
      </>
    );
  },
};

interface FieldRow {
  id: string;
  field: string;
  value: string;
  /** The value is JSON (a list, an object, null, a number) rather than a text template. */
  json: boolean;
}

export const jiraEditKind: StepKind = {
  type: 'jira.edit',
  label: 'Edit issue fields',
  summary: 'Set summary, labels, priority, assignee or custom fields.',
  docs: 'jira-steps',
  help: (
    <>
      Sets fields of the issue. Values are templates: <code>labels</code> takes comma- or space-separated labels, <code>priority</code> a name,{' '}
      <code>assignee</code> an account id (empty unassigns), <code>description</code> text; custom fields take any value. {jiraHelp}
    </>
  ),
  defaults: () => ({ rows: [{ id: newId('f'), field: '', value: '', json: false }], issue: '', onError: 'stop', extra: {} }),
  fromJson(step) {
    const c = common(step);
    if (!c || !step.fields || typeof step.fields !== 'object' || Array.isArray(step.fields)) return undefined;
    const rows: FieldRow[] = Object.entries(step.fields as Record<string, unknown>).map(([field, value]) =>
      typeof value === 'string' ? { id: newId('f'), field, value, json: false } : { id: newId('f'), field, value: JSON.stringify(value), json: true },
    );
    return { ...c, rows, ...split(step, ['fields', 'issue', 'onError']) };
  },
  toJson(v, add: AddError) {
    const fields: Record<string, unknown> = {};
    for (const r of (v.rows ?? []) as FieldRow[]) {
      const name = r.field.trim();
      if (!name) continue;
      if (r.json) {
        try {
          fields[name] = JSON.parse(r.value);
        } catch {
          add(`fields.${name}`, 'This value is marked as JSON but does not parse.');
        }
      } else fields[name] = r.value;
    }
    if (Object.keys(fields).length === 0) add('fields', 'Choose at least one field to set.');
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'jira.edit', fields };
    commonTo(out, v);
    return out;
  },
  Form(props) {
    const { index: i, values: s, onChange, errors, path: p, readOnly } = props;
    const rows = s.rows as FieldRow[];
    const set = (id: string, patch: Partial<FieldRow>) => onChange({ rows: rows.map((r) => (r.id === id ? { ...r, ...patch } : r)) });
    return (
      <>
        {errors[`${p}.fields`]?.map((m, k) => (
          <span key={k} role="alert" style={{ color: token('color.text.danger') }}>
            {m}
          </span>
        ))}
        {rows.map((r, k) => (
          <div key={r.id} role="group" aria-label={`Field ${k + 1}`} style={{ display: 'grid', gridTemplateColumns: 'minmax(200px,1fr) 2fr auto', gap: token('space.100'), alignItems: 'start' }}>
            <JiraSelect
              id={`step-${i}-field-${k}`}
              label={`Field ${k + 1}`}
              value={r.field}
              onChange={(v) => set(r.id, { field: v })}
              cacheKey="fields"
              load={async () => fieldOptions(await jira.fields())}
              isDisabled={readOnly}
              placeholder="summary, labels, customfield_10016…"
            />
            {(() => {
              const valueField = (hint?: string) => (
                <TemplateField
                  id={`step-${i}-value-${k}`}
                  label={r.json ? `Value ${k + 1} (JSON)` : `Value ${k + 1}`}
                  value={r.value}
                  onChange={(v) => set(r.id, { value: v })}
                  errors={errors[`${p}.fields.${r.field.trim()}`]}
                  isDisabled={readOnly}
                  helper={hint}
                  placeholder={r.field === 'labels' ? 'needs-triage, {{ project.key | downcase }}' : r.field === 'assignee' ? 'An account id, or a smart value' : '{{ issue.fields.summary }}'}
                />
              );
              return r.field.trim() === 'assignee' && !r.json ? (
                <JiraUserSelect
                  id={`step-${i}-value-${k}`}
                  label={`Value ${k + 1}`}
                  value={r.value}
                  onChange={(v) => set(r.id, { value: v })}
                  search={(q) => jira.users(q)}
                  errors={errors[`${p}.fields.assignee`]}
                  isDisabled={readOnly}
                  fallback={(hint) => valueField(hint)}
                />
              ) : (
                valueField()
              );
            })()}
            {!readOnly ? (
              <div style={{ paddingTop: 24 }}>
                <Button appearance="subtle" onClick={() => onChange({ rows: rows.filter((x) => x.id !== r.id) })} aria-label={`Remove field ${k + 1}`}>
                  Remove
                </Button>
              </div>
            ) : (
              <span />
            )}
          </div>
        ))}
        {!readOnly && (
          <div>
            <Button spacing="compact" onClick={() => onChange({ rows: [...rows, { id: newId('f'), field: '', value: '', json: false }] })}>
              Add field
            </Button>
          </div>
        )}
        <CommonFields {...props} />
      </>
    );
  },
};

export const jiraTransitionKind: StepKind = {
  type: 'jira.transition',
  label: 'Transition the issue',
  summary: 'Move the issue through its workflow (e.g. to In Progress).',
  docs: 'jira-steps',
  help: (
    <>
      Moves the issue with a workflow transition, found by name (case-insensitive) among the transitions the issue has at run time; a missing one fails
      with <code>transition_not_found</code>. Pick from your statuses, or enter an example issue to list its transitions. {jiraHelp}
    </>
  ),
  defaults: () => ({ by: 'name', transition: '', transitionId: '', sampleIssue: '', issue: '', onError: 'stop', extra: {} }),
  fromJson(step) {
    const c = common(step);
    const [transition, transitionId] = [str(step.transition), str(step.transitionId)];
    if (!c || transition === undefined || transitionId === undefined) return undefined;
    if ((step.transition === undefined) === (step.transitionId === undefined)) return undefined;
    return { ...c, by: step.transitionId !== undefined ? 'id' : 'name', transition, transitionId, sampleIssue: '', ...split(step, ['transition', 'transitionId', 'issue', 'onError']) };
  },
  toJson(v, add) {
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'jira.transition' };
    if (v.by === 'id') {
      if (!String(v.transitionId ?? '').trim()) add('transitionId', 'Enter the transition id.');
      out.transitionId = String(v.transitionId ?? '').trim();
    } else {
      if (!String(v.transition ?? '').trim()) add('transition', 'Choose the transition.');
      out.transition = String(v.transition ?? '').trim();
    }
    commonTo(out, v);
    return out;
  },
  Form(props) {
    const { index: i, values: s, onChange, errors, path: p, readOnly } = props;
    const sample = String(s.sampleIssue ?? '').trim().toUpperCase();
    const validSample = /^[A-Z][A-Z0-9_]*-\d+$/.test(sample);
    return (
      <>
        <div style={grid2}>
          <SelectField
            id={`step-${i}-by`}
            label="Find the transition by"
            options={[
              { value: 'name', label: 'Name' },
              { value: 'id', label: 'Id' },
            ]}
            value={s.by}
            onChange={(v) => onChange({ by: v || 'name' })}
            isDisabled={readOnly}
          />
          {s.by === 'id' ? (
            <TemplateField id={`step-${i}-transitionId`} label="Transition id" value={s.transitionId} onChange={(v) => onChange({ transitionId: v })} errors={errors[`${p}.transitionId`]} isDisabled={readOnly} placeholder="31" />
          ) : (
            <JiraSelect
              key={validSample ? sample : 'statuses'}
              id={`step-${i}-transition`}
              label="Transition"
              required
              value={s.transition}
              onChange={(v) => onChange({ transition: v })}
              errors={errors[`${p}.transition`]}
              cacheKey={validSample ? `transitions:${sample}` : 'statuses'}
              load={validSample ? () => jira.transitions(sample) : () => jira.statuses()}
              isDisabled={readOnly}
              placeholder="In Progress"
              helper={validSample ? `Transitions of ${sample}.` : 'Status names of your site; transitions are often named after them.'}
            />
          )}
          {s.by !== 'id' && (
            <TextField id={`step-${i}-sampleIssue`} label="Example issue (optional)" value={s.sampleIssue} onChange={(v) => onChange({ sampleIssue: v })} isDisabled={readOnly} placeholder="OPS-1" helper="Lists that issue's transitions. Not saved." />
          )}
        </div>
        <CommonFields {...props} />
      </>
    );
  },
};

export const jiraFetchKind: StepKind = {
  type: 'jira.fetch',
  label: 'Read an issue',
  summary: 'Load an issue (e.g. the parent) for later steps.',
  docs: 'jira-steps',
  help: (
    <>
      Reads the whole issue so later steps can use it as <code>steps.&lt;id&gt;.issue.fields…</code> — useful for the parent issue, or in scheduled and
      webhook rules. {jiraHelp}
    </>
  ),
  defaults: () => ({ issue: '', onError: 'stop', extra: {} }),
  fromJson(step) {
    const c = common(step);
    return c && { ...c, ...split(step, ['issue', 'onError']) };
  },
  toJson(v) {
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'jira.fetch' };
    commonTo(out, v);
    return out;
  },
  Form: CommonFields,
};
