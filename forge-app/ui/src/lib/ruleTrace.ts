import type { RuleTraceEntry } from '../api';

const EVENT_NAMES: Record<string, string> = {
  'avi:jira:created:issue': 'issue created',
  'avi:jira:updated:issue': 'issue updated',
  'avi:jira:deleted:issue': 'issue deleted',
  'avi:jira:assigned:issue': 'issue assigned',
  'avi:jira:commented:issue': 'issue commented',
  'avi:jira:deleted:comment': 'comment deleted',
  'avi:jira:mentioned:issue': 'issue mentioned',
  'blubees:schedule': 'schedule',
};

/** Why a schedule's occurrence did not fire (the backend's closed list; `operator` of a `schedule` entry). */
const SCHEDULE_REASONS: Record<string, string> = {
  jql_rejected: "Jira refused the schedule's JQL, so nothing fired (correct the JQL and save the rule)",
  system_token_missing: "the scheduled trigger came without the app's Jira token, so the JQL was not searched",
  system_token_refused: "Jira refused the app's token, so the JQL was not searched",
};

export function eventName(entry: Pick<RuleTraceEntry, 'eventType' | 'source'>): string {
  return (entry.eventType && (EVENT_NAMES[entry.eventType] ?? entry.eventType)) || entry.source || 'unknown';
}

/** Why the event stopped, in words (the same sentences as `blubees rule why`). */
export function traceReason(entry: Pick<RuleTraceEntry, 'stage' | 'path' | 'operator'>): string {
  if (entry.stage === 'disabled') return 'the rule is disabled';
  if (entry.stage === 'schedule') return (entry.operator && SCHEDULE_REASONS[entry.operator]) || 'the schedule did not fire';
  if (entry.stage === 'trigger') {
    switch (entry.path) {
      case 'trigger.projects':
        return "the trigger's project filter didn't match";
      case 'trigger.issueTypes':
        return "the trigger's issue type filter didn't match";
      case 'trigger.fieldChanged':
        return "the trigger's field-changed filter didn't match";
      default:
        return "the trigger didn't match";
    }
  }
  if (entry.stage === 'conditions') return entry.operator === 'any' ? "none of the conditions of an 'any' group passed" : "a condition didn't pass";
  return 'it did not run';
}

/** "Event 'issue updated' on OPS-12 at 12:01: the trigger's project filter didn't match (trigger.projects, in)". */
export function describeTrace(entry: RuleTraceEntry, time: (iso: string) => string): string {
  const issue = entry.issueKey ?? entry.issueId;
  const where = entry.path ? ` (${entry.path}${entry.operator ? `, ${entry.operator}` : ''})` : '';
  return `Event '${eventName(entry)}'${issue ? ` on ${issue}` : ''} at ${time(entry.at)}: ${traceReason(entry)}${where}`;
}
