import { describe, expect, it } from 'vitest';
import { sampleEventFor, sampleEventKinds, sampleEventOf } from './sampleEvents';
import { sampleEvent } from './ruleForm';

describe('sample events (samples/events, the documented Forge payloads)', () => {
  it('offers created, updated, commented and deleted', () => {
    expect(sampleEventKinds).toEqual(['created', 'updated', 'commented', 'deleted']);
    expect(sampleEventOf('deleted').eventType).toBe('avi:jira:deleted:issue');
  });

  it('keeps the documented shapes: associatedStatuses is an array, comment bodies are ADF', () => {
    const updated = sampleEventOf('updated') as { associatedStatuses: unknown; changelog: { items: unknown[] } };
    expect(Array.isArray(updated.associatedStatuses)).toBe(true);
    expect(updated.changelog.items.length).toBeGreaterThan(0);
    const commented = sampleEventOf('commented') as { comment: { body: { type: string; version: number } } };
    expect(commented.comment.body.type).toBe('doc');
    expect(commented.comment.body.version).toBe(1);
  });

  it('returns a fresh copy with the current time each call', () => {
    const a = sampleEventOf('created') as { issue: { key: string } };
    a.issue.key = 'CHANGED-1';
    expect((sampleEventOf('created') as { issue: { key: string } }).issue.key).toBe('SP-10');
    expect(Number((sampleEventOf('created') as { timestamp: string }).timestamp)).toBeGreaterThan(1_700_000_000_000);
  });

  it('pre-fills the dry-run box by event type', () => {
    expect((sampleEvent('avi:jira:updated:issue') as { changelog?: unknown }).changelog).toBeDefined();
    expect((sampleEventFor('avi:jira:assigned:issue') as { eventType: string }).eventType).toBe('avi:jira:assigned:issue');
  });
});
