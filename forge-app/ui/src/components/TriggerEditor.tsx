import React from 'react';
import { Checkbox } from '@atlaskit/checkbox';
import Toggle from '@atlaskit/toggle';
import { token } from '@atlaskit/tokens';
import type { TriggerType, Webhook } from '../api';
import { EVENT_TYPES, type RuleDraft } from '../lib/ruleForm';
import { row, SelectField, stack, TextField } from './common';

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
            {EVENT_TYPES.map((e) => (
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
          <div style={row('space.150')}>
            <TextField
              id="trigger-projects"
              label="Projects"
              value={draft.projectsText}
              onChange={(v) => onChange({ projectsText: v })}
              helper="Project keys, comma separated. Empty means every project."
              errors={errors['trigger.projects']}
              isDisabled={readOnly}
            />
            <TextField
              id="trigger-issueTypes"
              label="Issue types"
              value={draft.issueTypesText}
              onChange={(v) => onChange({ issueTypesText: v })}
              helper="Issue type names, comma separated. Empty means all."
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
          {draft.fieldChangedEnabled && (
            <div style={row('space.150')}>
              <TextField
                id="trigger-fieldChanged-field"
                label="Field"
                required
                value={draft.fieldChanged.field}
                onChange={(v) => onChange({ fieldChanged: { ...draft.fieldChanged, field: v } })}
                errors={errors['trigger.fieldChanged.field'] ?? errors['trigger.fieldChanged']}
                helper="As in the changelog, e.g. status or priority."
                isDisabled={readOnly}
              />
              <TextField
                id="trigger-fieldChanged-from"
                label="From (optional)"
                value={draft.fieldChanged.from}
                onChange={(v) => onChange({ fieldChanged: { ...draft.fieldChanged, from: v } })}
                errors={errors['trigger.fieldChanged.from']}
                isDisabled={readOnly}
              />
              <TextField
                id="trigger-fieldChanged-to"
                label="To (optional)"
                value={draft.fieldChanged.to}
                onChange={(v) => onChange({ fieldChanged: { ...draft.fieldChanged, to: v } })}
                errors={errors['trigger.fieldChanged.to']}
                isDisabled={readOnly}
              />
            </div>
          )}
        </>
      )}
      {draft.triggerType === 'schedule' && (
        <TextField
          id="trigger-everyHours"
          label="Every (hours)"
          value={draft.everyHours}
          onChange={(v) => onChange({ everyHours: v })}
          errors={errors['trigger.schedule.everyHours'] ?? errors['trigger.schedule']}
          helper="Jira calls BluBees hourly; the rule runs when this many hours have passed."
          isDisabled={readOnly}
          width={120}
        />
      )}
      {draft.triggerType === 'manual' && (
        <p style={{ margin: 0, color: token('color.text.subtle') }}>People run this rule with “Run now” in the BluBees panel of an issue.</p>
      )}
      {draft.triggerType === 'webhook' && (
        <SelectField
          id="trigger-webhookId"
          label="Incoming webhook"
          required
          options={webhooks.map((w) => ({ value: w.id, label: w.name }))}
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
