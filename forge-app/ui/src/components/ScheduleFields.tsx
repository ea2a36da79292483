import React, { useEffect, useState } from 'react';
import { token } from '@atlaskit/tokens';
import { api, ApiError, errorMessage, type NextRuns } from '../api';
import { draftCron, SCHEDULE_PRESETS, timeZones, type ScheduleDraft } from '../lib/scheduleForm';
import { SelectField, stack, TextField } from './common';

/** How long the form waits after the last keystroke before asking for the next run times. */
const NEXT_RUNS_DELAY_MS = 300;

/**
 * The schedule trigger: a preset (hourly, daily at, weekdays at) or a custom cron, a time zone, an optional JQL
 * ("for each issue matching") and the next run times, asked from the backend as the admin types.
 */
export function ScheduleFields({
  draft,
  onChange,
  errors,
  readOnly,
}: {
  draft: ScheduleDraft;
  onChange: (next: ScheduleDraft) => void;
  errors: Record<string, string[]>;
  readOnly: boolean;
}) {
  const set = (patch: Partial<ScheduleDraft>) => onChange({ ...draft, ...patch });
  const cron = draftCron(draft);
  if (draft.preset === 'hours') {
    return (
      <div style={stack('space.100')}>
        <TextField
          id="trigger-everyHours"
          label="Every (hours)"
          value={draft.everyHours}
          onChange={(v) => set({ everyHours: v })}
          errors={errors['trigger.schedule.everyHours'] ?? errors['trigger.schedule']}
          helper="An older interval schedule. Pick a cron schedule to run at set times instead."
          isDisabled={readOnly}
          width={120}
        />
        {!readOnly && (
          <button type="button" onClick={() => set({ preset: 'daily' })}>
            Use a cron schedule
          </button>
        )}
      </div>
    );
  }
  return (
    <div style={stack('space.150')}>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(220px, 1fr))', gap: token('space.150'), alignItems: 'start' }}>
        <SelectField
          id="trigger-schedule-preset"
          label="Run"
          options={SCHEDULE_PRESETS}
          value={draft.preset}
          onChange={(v) => set(v === 'custom' ? { preset: 'custom', cron: cron ?? draft.cron } : { preset: (v || 'daily') as ScheduleDraft['preset'] })}
          isDisabled={readOnly}
        />
        {(draft.preset === 'daily' || draft.preset === 'weekdays') && (
          <TextField
            id="trigger-schedule-time"
            label="At (HH:MM)"
            value={draft.time}
            onChange={(v) => set({ time: v })}
            errors={errors['trigger.schedule.cron']}
            placeholder="09:00"
            isDisabled={readOnly}
            width={120}
          />
        )}
        {draft.preset === 'custom' && (
          <TextField
            id="trigger-schedule-cron"
            label="Cron expression"
            required
            value={draft.cron}
            onChange={(v) => set({ cron: v })}
            errors={errors['trigger.schedule.cron'] ?? errors['trigger.schedule']}
            helper="Five fields: minute hour day-of-month month day-of-week, e.g. 30 8 * * 1-5. At most every 5 minutes."
            placeholder="0 9 * * 1-5"
            isDisabled={readOnly}
          />
        )}
        <SelectField
          id="trigger-schedule-timeZone"
          label="Time zone"
          options={timeZones(draft.timeZone).map((z) => ({ value: z, label: z }))}
          value={draft.timeZone}
          onChange={(v) => set({ timeZone: v || 'UTC' })}
          errors={errors['trigger.schedule.timeZone']}
          isDisabled={readOnly}
        />
      </div>
      <TextField
        id="trigger-schedule-jql"
        label="For each issue matching JQL (optional)"
        value={draft.jql}
        onChange={(v) => set({ jql: v })}
        errors={errors['trigger.schedule.jql']}
        helper="With a JQL the rule runs once per matching issue, with that issue in scope like an issue event."
        placeholder="project = OPS AND statusCategory != Done"
        isDisabled={readOnly}
      />
      {draft.jql.trim() && (
        <TextField
          id="trigger-schedule-maxIssues"
          label="At most (issues)"
          value={draft.maxIssues}
          onChange={(v) => set({ maxIssues: v })}
          errors={errors['trigger.schedule.maxIssues']}
          helper="1 to 1000; default 100."
          placeholder="100"
          isDisabled={readOnly}
          width={120}
        />
      )}
      <NextRunTimes cron={cron} timeZone={draft.timeZone || 'UTC'} />
    </div>
  );
}

/** The next five run times of the cron, from the backend (the same validation as saving), refreshed as it changes. */
function NextRunTimes({ cron, timeZone }: { cron: string | null; timeZone: string }) {
  const [state, setState] = useState<{ runs?: NextRuns; error?: string }>({});
  useEffect(() => {
    if (!cron) {
      setState({});
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      api.nextRuns(cron, timeZone).then(
        (runs) => current && setState({ runs }),
        (e) => current && setState({ error: nextRunsError(e) }),
      );
    }, NEXT_RUNS_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [cron, timeZone]);
  return (
    <section aria-label="Next run times" aria-live="polite" style={stack('space.050')}>
      <strong style={{ font: token('font.body.small'), color: token('color.text.subtle') }}>Next runs ({timeZone})</strong>
      {state.error && (
        <span role="alert" style={{ color: token('color.text.danger') }}>
          {state.error}
        </span>
      )}
      {state.runs && (
        <ol style={{ margin: 0, paddingLeft: token('space.250') }}>
          {state.runs.next.map((r) => (
            <li key={r.utc}>
              <time dateTime={r.utc}>{formatLocal(r.local)}</time>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** The field messages of a refused schedule (e.g. "fires more often than every 5 minutes"), else the error's text. */
function nextRunsError(e: unknown): string {
  if (e instanceof ApiError) {
    const messages = Object.entries(e.fieldErrors).flatMap(([field, list]) => list.map((m) => `${field.replace('trigger.schedule.', '')} ${m}`));
    if (messages.length) return messages.join('; ');
  }
  return errorMessage(e);
}

/** "2026-12-07T09:00:00+01:00" as "Mon 2026-12-07 09:00 (UTC+01:00)": the wall-clock time in the schedule's zone. */
export function formatLocal(local: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):\d{2}([+-]\d{2}:\d{2}|Z)$/.exec(local);
  if (!m) return local;
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toLocaleDateString('en-GB', { weekday: 'short', timeZone: 'UTC' });
  return `${day} ${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]} (UTC${m[6] === 'Z' ? '' : m[6]})`;
}
