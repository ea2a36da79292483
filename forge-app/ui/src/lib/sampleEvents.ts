// The documented Forge Jira event payloads (https://developer.atlassian.com/platform/forge/events-reference/jira/),
// kept once in samples/events and shared with the backend's tests and the CLI: associatedStatuses is an array,
// comment bodies are Atlassian Document Format.
import created from '../../../../samples/events/issue-created.json';
import updated from '../../../../samples/events/issue-updated.json';
import commented from '../../../../samples/events/comment-created.json';
import deleted from '../../../../samples/events/issue-deleted.json';

export const sampleEventKinds = ['created', 'updated', 'commented', 'deleted'] as const;
export type SampleEventKind = (typeof sampleEventKinds)[number];

const fixtures: Record<SampleEventKind, unknown> = { created, updated, commented, deleted };

const byEventType: Record<string, SampleEventKind> = {
  'avi:jira:created:issue': 'created',
  'avi:jira:updated:issue': 'updated',
  'avi:jira:commented:issue': 'commented',
  'avi:jira:deleted:issue': 'deleted',
};

/** A fresh copy of the documented sample of `kind`, stamped with the current time. */
export function sampleEventOf(kind: SampleEventKind): Record<string, unknown> {
  const event = JSON.parse(JSON.stringify(fixtures[kind])) as Record<string, unknown>;
  event.timestamp = String(Date.now());
  return event;
}

/** The documented sample for a Jira event type; other known types reuse the created-issue shape. */
export function sampleEventFor(eventType: string): Record<string, unknown> {
  const event = sampleEventOf(byEventType[eventType] ?? 'created');
  event.eventType = eventType;
  return event;
}
