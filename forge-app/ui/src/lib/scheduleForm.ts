// The schedule trigger's form state: a cron preset (or a custom cron), a time zone and an optional JQL; rules saved
// with the older everyHours keep it until the admin picks a cron.
import type { Schedule } from '../api';

/** The longest schedule JQL the backend takes (ScheduleCompiler.MaxJqlLength), its outer spaces trimmed. */
export const MAX_JQL_LENGTH = 2000;

export type SchedulePreset = 'hourly' | 'daily' | 'weekdays' | 'custom' | 'hours';

export interface ScheduleDraft {
  preset: SchedulePreset;
  /** HH:MM for the daily and weekdays presets. */
  time: string;
  /** The custom cron expression. */
  cron: string;
  timeZone: string;
  jql: string;
  maxIssues: string;
  /** Only for a rule saved with the older everyHours. */
  everyHours: string;
  /**
   * The schedule as it was saved, written back while the draft still means it: an explicit `"timeZone": "UTC"`, a cron
   * spelled otherwise than the preset writes it (`00 09 * * 1-5`), a JQL with outer spaces. Opening never changes a rule.
   */
  saved?: { cron: string; timeZone?: string; jql?: string };
}

export const SCHEDULE_PRESETS: { value: SchedulePreset; label: string }[] = [
  { value: 'hourly', label: 'Every hour' },
  { value: 'daily', label: 'Every day at…' },
  { value: 'weekdays', label: 'Weekdays (Mon–Fri) at…' },
  { value: 'custom', label: 'Custom cron expression' },
];

/** The time zone the browser runs in (IANA), else UTC. */
export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** IANA zones for the select: the browser's list when it has one, else a short list; the current one is always included. */
export function timeZones(current: string): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const list = intl.supportedValuesOf?.('timeZone') ?? ['UTC', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney'];
  const all = new Set(['UTC', ...list]);
  if (current) all.add(current);
  return [...all];
}

export function emptySchedule(): ScheduleDraft {
  return { preset: 'daily', time: '09:00', cron: '0 9 * * *', timeZone: localTimeZone(), jql: '', maxIssues: '', everyHours: '' };
}

const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** The cron a preset stands for; null when the time is not HH:MM. */
export function presetCron(preset: SchedulePreset, time: string): string | null {
  if (preset === 'hourly') return '0 * * * *';
  const m = TIME.exec(time.trim());
  if (!m) return null;
  const fields = `${Number(m[2])} ${Number(m[1])} * *`;
  return preset === 'daily' ? `${fields} *` : preset === 'weekdays' ? `${fields} 1-5` : null;
}

/** The draft of a saved schedule: a cron a preset produces shows as that preset, anything else as custom. */
export function scheduleDraftFrom(schedule?: Schedule): ScheduleDraft {
  const base = emptySchedule();
  if (!schedule) return base;
  if (schedule.cron === undefined && schedule.everyHours !== undefined) {
    return { ...base, preset: 'hours', everyHours: String(schedule.everyHours), timeZone: 'UTC' };
  }
  const cron = (schedule.cron ?? '').trim();
  const saved = { cron: schedule.cron ?? '', ...(schedule.timeZone !== undefined ? { timeZone: schedule.timeZone } : {}), ...(schedule.jql !== undefined ? { jql: schedule.jql } : {}) };
  const draft = { ...base, cron, timeZone: schedule.timeZone ?? 'UTC', jql: schedule.jql ?? '', maxIssues: schedule.maxIssues !== undefined ? String(schedule.maxIssues) : '', saved };
  if (cron === '0 * * * *') return { ...draft, preset: 'hourly' };
  const m = /^(\d{1,2}) (\d{1,2}) \* \* (\*|1-5)$/.exec(cron);
  if (m && Number(m[1]) < 60 && Number(m[2]) < 24) {
    return { ...draft, preset: m[3] === '*' ? 'daily' : 'weekdays', time: `${m[2].padStart(2, '0')}:${m[1].padStart(2, '0')}` };
  }
  return { ...draft, preset: 'custom' };
}

/** The cron the draft stands for (null when it has none yet, e.g. a bad time). */
export function draftCron(draft: ScheduleDraft): string | null {
  if (draft.preset === 'hours') return null;
  if (draft.preset === 'custom') return draft.cron.trim() || null;
  return presetCron(draft.preset, draft.time);
}

/** The API's schedule, with client-side checks reported through `add` (the backend validates again). */
export function scheduleFromDraft(draft: ScheduleDraft, add: (path: string, message: string) => void): Schedule {
  if (draft.preset === 'hours') {
    const hours = Number(draft.everyHours);
    if (!Number.isInteger(hours) || hours < 1 || hours > 168) add('trigger.schedule.everyHours', 'Enter a whole number of hours from 1 to 168.');
    return { everyHours: Number.isFinite(hours) ? hours : 1 };
  }
  const cron = draftCron(draft);
  if (!cron) add('trigger.schedule.cron', draft.preset === 'custom' ? 'Enter a cron expression (minute hour day month weekday).' : 'Enter a time as HH:MM, e.g. 09:00.');
  const saved = draft.saved;
  // A preset's cron that means the saved one (the same five fields, numbers without leading zeros) keeps its spelling.
  const sameCron = !!cron && !!saved && cronFields(saved.cron) === cronFields(cron);
  const schedule: Schedule = { cron: sameCron ? saved!.cron : (cron ?? '') };
  if (draft.timeZone && (draft.timeZone !== 'UTC' || saved?.timeZone === 'UTC')) schedule.timeZone = draft.timeZone;
  const jql = draft.jql.trim();
  if (jql.length > MAX_JQL_LENGTH) add('trigger.schedule.jql', `Use at most ${MAX_JQL_LENGTH} characters (this JQL has ${jql.length}).`);
  if (jql) {
    schedule.jql = saved?.jql !== undefined && saved.jql.trim() === jql ? saved.jql : jql;
    if (draft.maxIssues.trim()) {
      const max = Number(draft.maxIssues);
      if (!Number.isInteger(max) || max < 1 || max > 1000) add('trigger.schedule.maxIssues', 'Enter a whole number from 1 to 1000.');
      schedule.maxIssues = Number.isFinite(max) ? max : 100;
    }
  }
  return schedule;
}

/** A cron's fields with numbers read as numbers (`00 09` is `0 9`), to tell the same schedule spelled otherwise. */
function cronFields(cron: string): string {
  return cron
    .trim()
    .split(/\s+/)
    .map((f) => f.replace(/\d+/g, (d) => String(Number(d))))
    .join(' ');
}
