import React from 'react';
import { Checkbox } from '@atlaskit/checkbox';
import Toggle from '@atlaskit/toggle';
import { token } from '@atlaskit/tokens';
import type { TriggerType, Webhook } from '../api';
import { EVENT_TYPES, type RuleDraft } from '../lib/ruleForm';
import { jira, fieldOptions } from '../lib/jira';
import { row, SelectField, stack, TextField } from './common';
import { JiraMultiSelect, JiraSelect } from './JiraPicker';
import { ScheduleFields } from './ScheduleFields';

export const TRIGGER_TYPES: { value: TriggerType; label: string }[] = [
  { value: 'event', label: 'A Jira issue event' },
  { value: 'schedule', label: 'A schedule' },
  { value: 'manual', label: 'Manually, from the issue panel' },
  { value: 'webhook', label: 'An incoming webhook' },
];

export function TriggerEditor({
  draft,
  onChange,
  webhooks,
  errors,
  readOnly,
}: {
  draft: RuleDraft;
  onChange: (patch: Partial<RuleDraft>) => void;
  webhooks: Webhook[];
  errors: Record<string, string[]>;
  readOnly: boolean;
}) {
  const toggleEvent = (value: string, checked: boolean) =>
    onChange({ events: checked ? [...draft.events.filter((e) => e !== value), value] : draft.events.filter((e) => e !== value) });
  return (
    <div style={stack('space.150')}>
      <SelectField
        id="trigger-type"
        label="Run this rule on"
        options={TRIGGER_TYPES}
        value={draft.triggerType}
        onChange={(v) => onChange({ triggerType: (v || 'event') as TriggerType })}
        errors={errors['trigger.type']}
        isDisabled={readOnly}
      />
      {draft.triggerType === 'event' && (
        <>
          <fieldset aria-describedby={errors['trigger.events'] ? 'trigger-events-error' : undefined} style={{ border: 0, padding: 0, margin: 0, ...stack('space.050') }}>
            <legend style={{ font: token('font.body.small'), fontWeight: 600, color: token('color.text.subtle'), marginBottom: token('space.050') }}>Events</legend>
            {[
              ...EVENT_TYPES,
              // An event the builder does not offer (an imported or hand-written rule): shown, so that it can be unticked.
              ...draft.events.filter((v) => !EVENT_TYPES.some((e) => e.value === v)).map((v) => ({ value: v, label: `${v} (not an event BluBees supports)` })),
            ].map((e) => (
              <Checkbox
                key={e.value}
                id={`event-${e.value.replace(/[^a-z]/gi, '-')}`}
                name="events"
                value={e.value}
                label={e.label}
                isChecked={draft.events.includes(e.value)}
                isDisabled={readOnly}
                onChange={(ev) => toggleEvent(e.value, ev.target.checked)}
              />
            ))}
            {errors['trigger.events']?.map((m, i) => (
              <span key={i} id="trigger-events-error" role="alert" style={{ color: token('color.text.danger') }}>
                {m}
              </span>
            ))}
          </fieldset>
          <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(260px, 1fr))', gap: token('space.150') }}>
            <JiraMultiSelect
              id="trigger-projects"
              label="Projects"
              values={draft.projects}
              onChange={(projects) => onChange({ projects })}
              cacheKey="projects"
              load={() => jira.projects()}
              helper="Empty means every project."
              errors={errors['trigger.projects']}
              isDisabled={readOnly}
            />
            <JiraMultiSelect
              id="trigger-issueTypes"
              label="Issue types"
              values={draft.issueTypes}
              onChange={(issueTypes) => onChange({ issueTypes })}
              cacheKey="issueTypes"
              load={() => jira.issueTypes()}
              helper="Empty means all."
              errors={errors['trigger.issueTypes']}
              isDisabled={readOnly}
            />
          </div>
          <div style={row('space.100')}>
            <Toggle
              id="trigger-fieldChanged-toggle"
              isChecked={draft.fieldChangedEnabled}
              isDisabled={readOnly}
              onChange={() => onChange({ fieldChangedEnabled: !draft.fieldChangedEnabled })}
            />
            <label htmlFor="trigger-fieldChanged-toggle">Only when a field changed</label>
          </div>
          {draft.fieldChangedEnabled && <FieldChanged draft={draft} onChange={onChange} errors={errors} readOnly={readOnly} />}
        </>
      )}
      {draft.triggerType === 'schedule' && (
        <ScheduleFields draft={draft.schedule} onChange={(schedule) => onChange({ schedule })} errors={errors} readOnly={readOnly} />
      )}
      {draft.triggerType === 'manual' && (
        <p style={{ margin: 0, color: token('color.text.subtle') }}>
          People run this rule with “Run now” in the BluBees panel of an issue. The run reads that issue from Jira first, so conditions and smart values such as {'{{ issue.fields.summary }}'} work as
          for a Jira event.
        </p>
      )}
      {draft.triggerType === 'webhook' && (
        <SelectField
          id="trigger-webhookId"
          label="Incoming webhook"
          required
          options={[
            ...webhooks.map((w) => ({ value: w.id, label: w.name })),
            // A stored id that is not (or no longer, or not yet) in the list stays visible rather than reading as unset.
            ...(draft.webhookId && !webhooks.some((w) => w.id === draft.webhookId) ? [{ value: draft.webhookId, label: `${draft.webhookId} (not found)` }] : []),
          ]}
          value={draft.webhookId}
          onChange={(v) => onChange({ webhookId: v })}
          errors={errors['trigger.webhookId']}
          helper={webhooks.length ? 'Senders sign requests with the webhook secret.' : 'Create an incoming webhook in the Webhooks tab first.'}
          isDisabled={readOnly}
        />
      )}
    </div>
  );
}

/** The watched field (Jira's field list) and, for the status, from/to picked from the site's statuses. */
function FieldChanged({ draft, onChange, errors, readOnly }: { draft: RuleDraft; onChange: (patch: Partial<RuleDraft>) => void; errors: Record<string, string[]>; readOnly: boolean }) {
  const fc = draft.fieldChanged;
  const isStatus = fc.field.trim().toLowerCase() === 'status';
  const empty = (which: 'from' | 'to') => (which === 'from' ? 'emptyFrom' : 'emptyTo') as 'emptyFrom' | 'emptyTo';
  const valuePicker = (which: 'from' | 'to', label: string) =>
    isStatus ? (
      <JiraSelect
        id={`trigger-fieldChanged-${which}`}
        label={label}
        value={fc[which]}
        onChange={(v) => onChange({ fieldChanged: { ...fc, [which]: v, [empty(which)]: false } })}
        cacheKey="statuses"
        load={() => jira.statuses()}
        errors={errors[`trigger.fieldChanged.${which}`]}
        isDisabled={readOnly}
        placeholder={fc[empty(which)] ? 'Empty (saved as "")' : 'Any status'}
      />
    ) : (
      <TextField
        id={`trigger-fieldChanged-${which}`}
        label={label}
        value={fc[which]}
        onChange={(v) => onChange({ fieldChanged: { ...fc, [which]: v, [empty(which)]: false } })}
        errors={errors[`trigger.fieldChanged.${which}`]}
        isDisabled={readOnly}
        placeholder={fc[empty(which)] ? 'Empty (saved as "")' : 'Any value'}
      />
    );
  return (
    <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(220px, 1fr))', gap: token('space.150'), alignItems: 'start' }}>
      <JiraSelect
        id="trigger-fieldChanged-field"
        label="Field"
        required
        value={fc.field}
        onChange={(v) => onChange({ fieldChanged: { ...fc, field: v } })}
        cacheKey="fields"
        load={async () => fieldOptions(await jira.fields())}
        errors={errors['trigger.fieldChanged.field'] ?? errors['trigger.fieldChanged']}
        helper="As in the changelog, e.g. status or priority."
        isDisabled={readOnly}
        placeholder="status"
      />
      {valuePicker('from', 'From (optional)')}
      {valuePicker('to', 'To (optional)')}
    </div>
  );
}
