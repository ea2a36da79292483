import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import { TriggerEditor } from './TriggerEditor';
import { formatLocal } from './ScheduleFields';
import { fakeBackend } from '../test/fakeBackend';
import { choose, user } from '../test/utils';
import { definitionFromDraft, draftFromDefinition, emptyDraft, type RuleDraft } from '../lib/ruleForm';
import { scheduleDraftFrom } from '../lib/scheduleForm';

const nextRuns = (cron: string, timeZone: string) => ({
  cron,
  timeZone,
  next: [
    { utc: '2026-12-07T08:00:00Z', local: '2026-12-07T09:00:00+01:00' },
    { utc: '2026-12-08T08:00:00Z', local: '2026-12-08T09:00:00+01:00' },
  ],
});

/** The editor with its draft in state, as the rule editor holds it; `latest` sees every change. */
function Harness({ initial, latest }: { initial: RuleDraft; latest: { draft?: RuleDraft } }) {
  const [draft, setDraft] = useState(initial);
  latest.draft = draft;
  return <TriggerEditor draft={draft} onChange={(patch) => setDraft((d) => ({ ...d, ...patch }))} webhooks={[]} errors={{}} readOnly={false} />;
}

function scheduleDraft(schedule = scheduleDraftFrom({ cron: '0 9 * * *', timeZone: 'Europe/Berlin' })): RuleDraft {
  return { ...emptyDraft(), triggerType: 'schedule', schedule };
}

const params = (path: string) => new URLSearchParams(path.split('?')[1]);

describe('schedule trigger', () => {
  it('shows the next run times for the preset and time zone, asked from the backend', async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/schedules/next', (req) => nextRuns(params(req.path).get('cron')!, params(req.path).get('timeZone')!));
    render(<Harness initial={scheduleDraft()} latest={{}} />);

    const list = await screen.findByRole('region', { name: 'Next run times' });
    await waitFor(() => expect(list.textContent).toContain('Mon 2026-12-07 09:00 (UTC+01:00)'));
    const call = backend.callsTo('GET', '/api/schedules/next').at(-1)!;
    expect(Object.fromEntries(params(call.path))).toEqual({ cron: '0 9 * * *', timeZone: 'Europe/Berlin', count: '5' });
  });

  it('turns "weekdays at" into a cron, switches to a custom cron, and asks again as it changes', async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/schedules/next', (req) => nextRuns(params(req.path).get('cron')!, params(req.path).get('timeZone')!));
    const latest: { draft?: RuleDraft } = {};
    const u = user();
    render(<Harness initial={scheduleDraft()} latest={latest} />);

    await choose(u, 'trigger-schedule-preset', 'Weekdays (Mon–Fri) at…');
    const time = screen.getByLabelText(/^At \(HH:MM\)/);
    await u.clear(time);
    await u.type(time, '07:45');
    await waitFor(() => expect(backend.callsTo('GET', '/api/schedules/next').some((c) => params(c.path).get('cron') === '45 7 * * 1-5')).toBe(true));
    expect(definitionFromDraft(latest.draft!).definition.trigger).toEqual({ type: 'schedule', schedule: { cron: '45 7 * * 1-5', timeZone: 'Europe/Berlin' } });

    await choose(u, 'trigger-schedule-preset', 'Custom cron expression');
    const cron = screen.getByLabelText(/^Cron expression/);
    expect(cron).toHaveValue('45 7 * * 1-5');
    await u.clear(cron);
    await u.type(cron, '*/15 9-17 * * *');
    await u.type(screen.getByLabelText(/^For each issue matching JQL/), 'project = OPS');
    await waitFor(() => expect(backend.callsTo('GET', '/api/schedules/next').some((c) => params(c.path).get('cron') === '*/15 9-17 * * *')).toBe(true));
    expect(definitionFromDraft(latest.draft!).definition.trigger).toEqual({
      type: 'schedule',
      schedule: { cron: '*/15 9-17 * * *', timeZone: 'Europe/Berlin', jql: 'project = OPS' },
    });
  });

  it('shows the backend\'s validation message for a cron it refuses', async () => {
    const backend = fakeBackend();
    backend.on('GET', '/api/schedules/next', () => ({
      status: 400,
      headers: {},
      body: { title: 'Invalid', status: 400, errors: { 'trigger.schedule.cron': ['fires more often than every 5 minutes'] } },
    }));
    render(<Harness initial={scheduleDraft(scheduleDraftFrom({ cron: '* * * * *' }))} latest={{}} />);

    expect(await screen.findByRole('alert')).toHaveTextContent(/5 minutes/);
  });

  it('keeps an older everyHours schedule as it is', () => {
    const draft = draftFromDefinition({ name: 'Old', trigger: { type: 'schedule', schedule: { everyHours: 6 } }, steps: [] });
    fakeBackend();
    render(<Harness initial={draft} latest={{}} />);

    expect(screen.getByLabelText(/^Every \(hours\)/)).toHaveValue('6');
    expect(definitionFromDraft(draft).definition.trigger).toEqual({ type: 'schedule', schedule: { everyHours: 6 } });
  });

  it('reads saved crons back as their preset', () => {
    expect(scheduleDraftFrom({ cron: '0 * * * *' }).preset).toBe('hourly');
    expect(scheduleDraftFrom({ cron: '5 18 * * 1-5', timeZone: 'Asia/Tokyo' })).toMatchObject({ preset: 'weekdays', time: '18:05', timeZone: 'Asia/Tokyo' });
    expect(scheduleDraftFrom({ cron: '0 9 1 * *' })).toMatchObject({ preset: 'custom', cron: '0 9 1 * *', timeZone: 'UTC' });
    expect(formatLocal('2026-03-29T03:00:00+02:00')).toBe('Sun 2026-03-29 03:00 (UTC+02:00)');
  });
});
