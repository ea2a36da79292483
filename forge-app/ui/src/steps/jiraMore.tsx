// The Jira step kinds added after the first four (docs/api.md "Jira steps"): create, assign, link and
// search. Like the others they run as the app on the event's site; create, link and search take no `issue`.
import React from 'react';
import { token } from '@atlaskit/tokens';
import { fieldOptions, jira } from '../lib/jira';
import { SelectField, TextField } from '../components/common';
import { JiraMultiSelect, JiraSelect, JiraUserSelect } from '../components/JiraPicker';
import { SmartValuePicker, TemplateField } from '../components/SmartValuePicker';
import { common, commonTo, CommonFields, FieldRowsEditor, fieldRowsFrom, fieldRowsTo, jiraHelp, type FieldRow } from './jira';
import { grid2, numText, onErrorFrom, OnErrorSelect, onErrorTo, parseNumber, split, str } from './shared';
import type { StepKind, Values } from './types';

/** An optional template property: its text, and whether the JSON had it (so `""` survives a round trip). */
function optional(step: Record<string, unknown>, key: string): Values | undefined {
  const text = str(step[key]);
  return text === undefined ? undefined : { [key]: text, [`had_${key}`]: step[key] !== undefined };
}
function putOptional(out: Record<string, unknown>, v: Values, key: string) {
  const text = String(v[key] ?? '');
  if (text !== '' || v[`had_${key}`]) out[key] = text;
}
function onlyOnError(step: Record<string, unknown>): Values | undefined {
  const onError = onErrorFrom(step.onError);
  return onError ? { onError, onErrorExplicit: step.onError !== undefined } : undefined;
}
function Alerts({ messages }: { messages?: string[] }) {
  return (
    <>
      {messages?.map((m, k) => (
        <span key={k} role="alert" style={{ color: token('color.text.danger') }}>
          {m}
        </span>
      ))}
    </>
  );
}

export const jiraCreateKind: StepKind = {
  type: 'jira.create',
  label: 'Create an issue',
  summary: 'Create an issue or sub-task (e.g. a follow-up task) and use its key later.',
  docs: 'jira-steps',
  help: (
    <>
      Creates an issue of the chosen type in the project (default: the event’s project); with a parent it creates a sub-task (choose a sub-task type).
      Fields take a field id (<code>customfield_10016</code>) or the field’s name exactly as Jira shows it (<code>Story Points</code>); a name that
      matches no field, or several, fails with <code>field_not_found</code>. Later steps read <code>steps.&lt;id&gt;.key</code> and{' '}
      <code>steps.&lt;id&gt;.id</code> (the new issue). {jiraHelp}
    </>
  ),
  defaults: () => ({ issueType: '', project: '', had_project: false, parent: '', had_parent: false, summary: '', rows: [], onError: 'stop', onErrorExplicit: false, extra: {} }),
  fromJson(step) {
    const base = onlyOnError(step);
    const issueType = str(step.issueType);
    const [project, parent] = [optional(step, 'project'), optional(step, 'parent')];
    if (!base || issueType === undefined || !project || !parent) return undefined;
    if (!step.fields || typeof step.fields !== 'object' || Array.isArray(step.fields)) return undefined;
    const { summary, ...rest } = step.fields as Record<string, unknown>;
    if (typeof summary !== 'string') return undefined;
    const summaryAt = Object.keys(step.fields).indexOf('summary');
    return { ...base, issueType, ...project, ...parent, summary, summaryAt, rows: fieldRowsFrom(rest), ...split(step, ['issueType', 'project', 'parent', 'fields', 'onError']) };
  },
  toJson(v, add) {
    if (!String(v.issueType ?? '').trim()) add('issueType', 'Choose the issue type.');
    if (!String(v.summary ?? '').trim()) add('fields.summary', 'Write the summary of the new issue.');
    const rest = fieldRowsTo(v.rows as FieldRow[], add);
    if ('summary' in rest) add('fields.summary', 'The summary has its own input: remove the “summary” row.');
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'jira.create', issueType: v.issueType ?? '' };
    putOptional(out, v, 'project');
    putOptional(out, v, 'parent');
    // The summary goes back where it was among the fields (first in a new step), so opening a step never reorders them.
    const entries = Object.entries(rest);
    entries.splice(Math.min(Number(v.summaryAt ?? 0), entries.length), 0, ['summary', v.summary ?? '']);
    out.fields = Object.fromEntries(entries);
    onErrorTo(out, v);
    return out;
  },
  Form({ index: i, values: s, onChange, errors, path: p, readOnly }) {
    return (
      <>
        <div style={grid2}>
          <JiraSelect
            id={`step-${i}-issueType`}
            label="Issue type"
            required
            smart
            value={s.issueType}
            onChange={(v) => onChange({ issueType: v })}
            errors={errors[`${p}.issueType`]}
            cacheKey="issueTypes"
            load={() => jira.issueTypes()}
            isDisabled={readOnly}
            placeholder="Task"
          />
          <JiraSelect
            id={`step-${i}-project`}
            label="Project (optional)"
            smart
            value={s.project}
            onChange={(v) => onChange({ project: v })}
            errors={errors[`${p}.project`]}
            cacheKey="projects"
            load={() => jira.projects()}
            isDisabled={readOnly}
            placeholder="The event's project"
            helper="A project key; empty: the event's project."
          />
          <TemplateField
            id={`step-${i}-parent`}
            label="Parent (optional)"
            value={s.parent}
            onChange={(v) => onChange({ parent: v })}
            errors={errors[`${p}.parent`]}
            isDisabled={readOnly}
            placeholder="{{ issue.key }}"
            helper="An issue key: the new issue becomes its sub-task."
          />
        </div>
        <TemplateField id={`step-${i}-summary`} label="Summary" required value={s.summary} onChange={(v) => onChange({ summary: v })} errors={errors[`${p}.fields.summary`]} isDisabled={readOnly} placeholder="Follow up: {{ issue.fields.summary }}" />
        <Alerts messages={errors[`${p}.fields`]} />
        <FieldRowsEditor
          index={i}
          rows={s.rows as FieldRow[]}
          onRows={(rows) => onChange({ rows })}
          errors={errors}
          path={p}
          readOnly={readOnly}
          addLabel="Add another field"
          forCreate
          fieldHelper="A field id, or its exact name as Jira shows it."
        />
        <div style={grid2}>
          <OnErrorSelect id={`step-${i}-onError`} value={s.onError} onChange={(v) => onChange({ onError: v })} errors={errors[`${p}.onError`]} readOnly={readOnly} />
        </div>
      </>
    );
  },
};

type AssignMode = 'user' | 'unassign' | 'default';
export const jiraAssignKind: StepKind = {
  type: 'jira.assign',
  label: 'Assign the issue',
  summary: 'Assign the issue to a user, to the project’s default assignee, or unassign it.',
  docs: 'jira-steps',
  help: (
    <>
      Assigns the issue. Pick a user, or use a smart value that renders an account id (e.g. <code>{'{{ issue.fields.reporter.accountId }}'}</code>);
      anything other than an account id fails with <code>template_error</code>. {jiraHelp}
    </>
  ),
  defaults: () => ({ mode: 'user', assignee: '', issue: '', onError: 'stop', extra: {} }),
  fromJson(step) {
    const c = common(step);
    if (!c || typeof step.assignee !== 'string') return undefined;
    const mode: AssignMode = step.assignee === '' ? 'unassign' : step.assignee === '-1' ? 'default' : 'user';
    return { ...c, mode, assignee: mode === 'user' ? step.assignee : '', ...split(step, ['assignee', 'issue', 'onError']) };
  },
  toJson(v, add) {
    const mode = (v.mode ?? 'user') as AssignMode;
    let assignee = '';
    if (mode === 'default') assignee = '-1';
    else if (mode === 'user') {
      assignee = String(v.assignee ?? '');
      if (!assignee.trim()) add('assignee', 'Choose the user (or pick “Unassign”).');
    }
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'jira.assign', assignee };
    commonTo(out, v);
    return out;
  },
  Form(props) {
    const { index: i, values: s, onChange, errors, path: p, readOnly } = props;
    const templateInput = (hint?: string) => (
      <TextField id={`step-${i}-assignee`} label="User" required value={s.assignee} onChange={(v) => onChange({ assignee: v })} errors={errors[`${p}.assignee`]} isDisabled={readOnly} helper={hint} placeholder="An account id, or {{ issue.fields.reporter.accountId }}" />
    );
    return (
      <>
        <div style={grid2}>
          <SelectField
            id={`step-${i}-assignMode`}
            label="Assign to"
            options={[
              { value: 'user', label: 'A user' },
              { value: 'default', label: 'The project’s default assignee' },
              { value: 'unassign', label: 'Nobody (unassign)' },
            ]}
            value={s.mode}
            onChange={(v) => onChange({ mode: v || 'user' })}
            isDisabled={readOnly}
          />
          {s.mode === 'user' && (
            <div style={{ display: 'flex', gap: token('space.050'), alignItems: 'flex-start' }}>
              <div style={{ flex: 1, minWidth: 0 }}>
                <JiraUserSelect id={`step-${i}-assignee`} label="User" value={s.assignee} onChange={(v) => onChange({ assignee: v })} search={(q) => jira.users(q)} errors={errors[`${p}.assignee`]} isDisabled={readOnly} fallback={(hint) => templateInput(hint)} />
              </div>
              {/* Appends the smart value (the caret of the user search is not in the value). */}
              <div data-testid={`step-${i}-assignee-smart`} style={{ paddingTop: 24 }}>
                <SmartValuePicker targetId={`step-${i}-assignee-list`} label="User" value={s.assignee} onChange={(v) => onChange({ assignee: v })} disabled={readOnly} />
              </div>
            </div>
          )}
        </div>
        <CommonFields {...props} />
      </>
    );
  },
};

export const jiraLinkKind: StepKind = {
  type: 'jira.link',
  label: 'Link issues',
  summary: 'Link the issue to another (blocks, relates to, duplicates…).',
  docs: 'jira-steps',
  help: (
    <>
      Links two issues with a link type of your site (its name, e.g. <code>Blocks</code>, <code>Relates</code>, <code>Duplicate</code>). Give the
      inward issue, the outward issue, or both (issue keys, as Jira’s API names them); the one left empty is the event’s issue. Each link type lists its
      outward and inward wording. {jiraHelp}
    </>
  ),
  defaults: () => ({ linkType: '', inwardIssue: '', had_inwardIssue: false, outwardIssue: '', had_outwardIssue: false, onError: 'stop', onErrorExplicit: false, extra: {} }),
  fromJson(step) {
    const base = onlyOnError(step);
    const linkType = str(step.linkType);
    const [inward, outward] = [optional(step, 'inwardIssue'), optional(step, 'outwardIssue')];
    if (!base || linkType === undefined || !inward || !outward) return undefined;
    return { ...base, linkType, ...inward, ...outward, ...split(step, ['linkType', 'inwardIssue', 'outwardIssue', 'onError']) };
  },
  toJson(v, add) {
    if (!String(v.linkType ?? '').trim()) add('linkType', 'Choose the link type.');
    if (!String(v.inwardIssue ?? '').trim() && !String(v.outwardIssue ?? '').trim()) add('outwardIssue', 'Enter the other issue: as the inward issue, the outward issue, or both.');
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'jira.link', linkType: v.linkType ?? '' };
    putOptional(out, v, 'inwardIssue');
    putOptional(out, v, 'outwardIssue');
    onErrorTo(out, v);
    return out;
  },
  Form({ index: i, values: s, onChange, errors, path: p, readOnly }) {
    return (
      <>
        <div style={grid2}>
          <JiraSelect
            id={`step-${i}-linkType`}
            label="Link type"
            required
            smart
            value={s.linkType}
            onChange={(v) => onChange({ linkType: v })}
            errors={errors[`${p}.linkType`]}
            cacheKey="linkTypes"
            load={() => jira.linkTypes()}
            isDisabled={readOnly}
            placeholder="Blocks"
          />
          <TemplateField id={`step-${i}-inwardIssue`} label="Inward issue (optional)" value={s.inwardIssue} onChange={(v) => onChange({ inwardIssue: v })} errors={errors[`${p}.inwardIssue`]} isDisabled={readOnly} placeholder="The event's issue" helper="An issue key; empty: the event's issue." />
          <TemplateField id={`step-${i}-outwardIssue`} label="Outward issue (optional)" value={s.outwardIssue} onChange={(v) => onChange({ outwardIssue: v })} errors={errors[`${p}.outwardIssue`]} isDisabled={readOnly} placeholder="{{ steps.create.key }}" helper="An issue key; empty: the event's issue." />
          <OnErrorSelect id={`step-${i}-onError`} value={s.onError} onChange={(v) => onChange({ onError: v })} errors={errors[`${p}.onError`]} readOnly={readOnly} />
        </div>
      </>
    );
  },
};

/** The select's errors: the list's own, and each item's (`select[1]`, as the backend names it) naming the field id. */
function selectErrors(errors: Record<string, string[]>, p: string, select: string[]): string[] | undefined {
  const out = [...(errors[`${p}.select`] ?? [])];
  for (const [key, messages] of Object.entries(errors)) {
    const item = key.startsWith(`${p}.select[`) ? /^\[(\d+)\]$/.exec(key.slice(`${p}.select`.length)) : null;
    if (item) out.push(...messages.map((m) => `“${select[Number(item[1])] ?? `Field ${Number(item[1]) + 1}`}”: ${m}`));
  }
  return out.length ? out : undefined;
}

export const jiraSearchKind: StepKind = {
  type: 'jira.search',
  label: 'Search issues (JQL)',
  summary: 'Find issues with JQL and use the list, or its count, in later steps.',
  docs: 'jira-steps',
  help: (
    <>
      Runs a JQL search (a template, e.g. <code>{'project = {{ project.key }} AND status = "In Progress"'}</code>) and keeps up to “Maximum results”
      issues (1–1000, default 50), each with the chosen fields (default summary, status, issue type, assignee). Later steps read{' '}
      <code>steps.&lt;id&gt;.issues</code> (the list), <code>steps.&lt;id&gt;.count</code> and <code>steps.&lt;id&gt;.truncated</code> (more matched
      than were kept). {jiraHelp}
    </>
  ),
  defaults: () => ({ jql: '', select: [], hadSelect: false, maxResults: '', onError: 'stop', onErrorExplicit: false, extra: {} }),
  fromJson(step) {
    const base = onlyOnError(step);
    const maxResults = numText(step.maxResults);
    if (!base || typeof step.jql !== 'string' || maxResults === undefined) return undefined;
    if (step.select !== undefined && !(Array.isArray(step.select) && step.select.every((x) => typeof x === 'string'))) return undefined;
    return { ...base, jql: step.jql, select: (step.select as string[] | undefined) ?? [], hadSelect: step.select !== undefined, maxResults, ...split(step, ['jql', 'select', 'maxResults', 'onError']) };
  },
  toJson(v, add) {
    if (!String(v.jql ?? '').trim()) add('jql', 'Write the JQL query.');
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'jira.search', jql: v.jql ?? '' };
    const select = ((v.select ?? []) as string[]).map((x) => x.trim()).filter(Boolean);
    if (select.length || v.hadSelect) out.select = select;
    const max = parseNumber(String(v.maxResults ?? ''), 'maxResults', add, { min: 1, max: 1000, integer: true, what: 'issues' });
    if (max !== undefined) out.maxResults = max;
    onErrorTo(out, v);
    return out;
  },
  Form({ index: i, values: s, onChange, errors, path: p, readOnly }) {
    return (
      <>
        <TemplateField id={`step-${i}-jql`} label="JQL" required multiline rows={2} monospace value={s.jql} onChange={(v) => onChange({ jql: v })} errors={errors[`${p}.jql`]} isDisabled={readOnly} placeholder={'project = {{ project.key }} AND statusCategory != Done'} />
        <div style={grid2}>
          <JiraMultiSelect
            id={`step-${i}-select`}
            label="Fields of each result (optional)"
            values={s.select as string[]}
            onChange={(select) => onChange({ select })}
            cacheKey="fields"
            load={async () => fieldOptions(await jira.fields())}
            errors={selectErrors(errors, p, s.select as string[])}
            isDisabled={readOnly}
            helper="Field ids; default summary, status, issue type and assignee."
          />
          <TextField id={`step-${i}-maxResults`} label="Maximum results (optional)" value={s.maxResults} onChange={(v) => onChange({ maxResults: v })} errors={errors[`${p}.maxResults`]} isDisabled={readOnly} placeholder="50" helper="1 to 1000." />
          <OnErrorSelect id={`step-${i}-onError`} value={s.onError} onChange={(v) => onChange({ onError: v })} errors={errors[`${p}.onError`]} readOnly={readOnly} />
        </div>
      </>
    );
  },
};
