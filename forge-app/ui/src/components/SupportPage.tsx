import React, { useEffect, useState } from 'react';
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import { token } from '@atlaskit/tokens';
import { api, ApiError, type AuditEntry, type SupportGrant } from '../api';
import { ConfirmDialog, EmptyState, ErrorBanner, formatTime, isMissing, Loading, NotAvailable, row, Section, stack, TextField, useLoad } from './common';

/** The backend's longest grant (SupportGrant.MaxHours: one week); the backend refuses more with 400 naming hours. */
export const MAX_GRANT_HOURS = 168;

export function isActive(grant: SupportGrant, now = Date.now()): boolean {
  if (grant.active !== undefined) return grant.active;
  if (grant.revokedAt) return false;
  return grant.expiresAt ? new Date(grant.expiresAt).getTime() > now : true;
}

export function validateHours(text: string): string | undefined {
  const n = Number(text);
  if (!text.trim() || !Number.isInteger(n) || n < 1 || n > MAX_GRANT_HOURS) return `Enter a whole number of hours from 1 to ${MAX_GRANT_HOURS}.`;
  return undefined;
}

export function SupportPage({ readOnly }: { readOnly: boolean }) {
  const grants = useLoad(() => api.listGrants(), []);
  const audit = useLoad(() => api.listAudit(), []);
  // Older audit pages the admin asked for; every read support made must stay reachable, not only the newest page.
  const [older, setOlder] = useState<{ items: AuditEntry[]; nextCursor: string | null }>();
  const [olderLoading, setOlderLoading] = useState(false);
  const [olderError, setOlderError] = useState<unknown>();
  useEffect(() => {
    setOlder(undefined);
    setOlderError(undefined);
  }, [audit.data]);
  const entries = [...(audit.data?.items ?? []), ...(older?.items ?? [])];
  const olderCursor = older ? older.nextCursor : (audit.data?.nextCursor ?? null);

  async function loadOlder() {
    if (!olderCursor) return;
    setOlderLoading(true);
    setOlderError(undefined);
    try {
      const page = await api.listAudit(olderCursor);
      setOlder((prev) => ({ items: [...(prev?.items ?? []), ...page.items], nextCursor: page.nextCursor }));
    } catch (err) {
      setOlderError(err);
    } finally {
      setOlderLoading(false);
    }
  }
  const [hours, setHours] = useState('4');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [failure, setFailure] = useState<unknown>();
  const [working, setWorking] = useState(false);
  const [revoking, setRevoking] = useState<SupportGrant>();

  async function grant(e: React.FormEvent) {
    e.preventDefault();
    const problem = validateHours(hours);
    setErrors(problem ? { hours: [problem] } : {});
    setFailure(undefined);
    if (problem) return;
    setWorking(true);
    try {
      await api.createGrant(Number(hours), reason.trim() || undefined);
      setReason('');
      grants.reload();
      audit.reload();
    } catch (err) {
      // The backend names the field (errors.hours, errors.reason): show each under its field.
      const named = err instanceof ApiError ? Object.fromEntries(['hours', 'reason'].filter((k) => err.fieldErrors[k]?.length).map((k) => [k, err.fieldErrors[k]])) : {};
      if (Object.keys(named).length) setErrors(named);
      else setFailure(err);
    } finally {
      setWorking(false);
    }
  }

  async function revoke() {
    if (!revoking) return;
    setWorking(true);
    setFailure(undefined);
    try {
      await api.revokeGrant(revoking.id);
      grants.reload();
    } catch (err) {
      setFailure(err);
    } finally {
      setWorking(false);
      setRevoking(undefined);
    }
  }

  const list = grants.data ?? [];
  const active = list.filter((g) => isActive(g));
  return (
    <div style={stack('space.300')}>
      <p style={{ margin: 0 }}>
        BluBees support staff cannot see your operational logs unless you allow it here, for a limited time. Every read they make is recorded in the audit list
        below. Payloads and secrets are never visible to anyone.
      </p>
      <ErrorBanner error={failure} />
      <Section title="Support access">
        {grants.loading && !grants.data ? (
          <Loading label="Loading support access" />
        ) : (
          <>
            {isMissing(grants.error) ? <NotAvailable what="Support access grants are" /> : <ErrorBanner error={grants.error} onRetry={grants.reload} />}
            {!grants.error && (
            <div role="status" style={row('space.100')}>
              {active.length ? (
                <>
                  <Lozenge appearance="moved">access granted</Lozenge>
                  <span>Support can read operational logs until {formatTime(active.map((g) => g.expiresAt ?? '').sort().pop())}.</span>
                </>
              ) : (
                <>
                  <Lozenge appearance="default">no access</Lozenge>
                  <span>Support cannot read your logs.</span>
                </>
              )}
            </div>
            )}
            {list.length > 0 && (
              <DynamicTable
                caption="Grants"
                head={{ cells: ['Granted', 'Expires', 'Reason', 'State', 'Actions'].map((c, i) => ({ key: `h${i}`, content: c })) }}
                rows={list.map((g) => ({
                  key: g.id,
                  cells: [
                    { key: 'created', content: formatTime(g.createdAt) },
                    { key: 'expires', content: formatTime(g.expiresAt) },
                    { key: 'reason', content: g.reason ?? '—' },
                    { key: 'state', content: isActive(g) ? <Lozenge appearance="moved">active</Lozenge> : <Lozenge>ended</Lozenge> },
                    {
                      key: 'revoke',
                      content:
                        !readOnly && isActive(g) ? (
                          <Button appearance="subtle" onClick={() => setRevoking(g)} aria-label={`Revoke support access granted ${formatTime(g.createdAt)}`}>
                            Revoke
                          </Button>
                        ) : (
                          ''
                        ),
                    },
                  ],
                }))}
              />
            )}
          </>
        )}
        {!readOnly && !isMissing(grants.error) && (
          <form onSubmit={grant} aria-label="Grant support access" style={row('space.150')} noValidate>
            <TextField id="grant-hours" label="Hours" required value={hours} onChange={setHours} errors={errors.hours} width={100} type="number" />
            <TextField id="grant-reason" label="Reason (optional)" value={reason} onChange={setReason} errors={errors.reason} width={360} placeholder="Ticket number or short note" />
            <Button appearance="primary" type="submit" isLoading={working}>
              Grant access
            </Button>
          </form>
        )}
      </Section>
      <Section title="Support access audit">
        {isMissing(audit.error) ? <NotAvailable what="The support access audit is" /> : <ErrorBanner error={audit.error} onRetry={audit.reload} />}
        {audit.loading && !audit.data ? (
          <Loading label="Loading the audit list" />
        ) : entries.length === 0 && !audit.error ? (
          <EmptyState title="No support reads recorded" />
        ) : (
          <DynamicTable
            caption="Support reads"
            head={{ cells: ['When', 'Who', 'What they read', 'Outcome'].map((c, i) => ({ key: `h${i}`, content: c })) }}
            rows={entries.map((a, i) => ({
              key: `${a.at}-${i}`,
              cells: [
                { key: 'at', content: formatTime(a.at) },
                { key: 'actor', content: a.actor },
                { key: 'query', content: <code style={{ color: token('color.text') }}>{auditRead(a)}</code> },
                { key: 'outcome', content: auditOutcome(a) },
              ],
            }))}
          />
        )}
        <ErrorBanner error={olderError} onRetry={loadOlder} />
        {olderCursor && (
          <div>
            <Button onClick={loadOlder} isLoading={olderLoading}>
              Show older entries
            </Button>
          </div>
        )}
      </Section>
      <ConfirmDialog
        isOpen={!!revoking}
        title="Revoke support access?"
        confirmLabel="Revoke"
        appearance="warning"
        isWorking={working}
        onCancel={() => setRevoking(undefined)}
        onConfirm={revoke}
      >
        <p>Support staff lose access to your operational logs immediately.</p>
      </ConfirmDialog>
    </div>
  );
}

const denialReasons: Record<string, string> = {
  no_grant: 'no active grant',
  role_missing: 'no support role',
  mfa_missing: 'no multi-factor sign-in',
  mfa_too_old: 'multi-factor sign-in too old',
};

/** Allowed, or denied and why; repeated denials are one entry with their count and the time of the last. */
function auditOutcome(entry: AuditEntry): string {
  if (entry.outcome !== 'denied') return 'allowed';
  const why = denialReasons[entry.reason ?? ''] ?? entry.reason ?? 'refused';
  const count = entry.count ?? 1;
  return count > 1 ? `denied (${why}): ${count} times, last ${formatTime(entry.lastAt)}` : `denied (${why})`;
}

/** What a support read asked for: the route and its filter parameters (the backend sends the query as an object). */
function auditRead(entry: AuditEntry): string {
  const params = new URLSearchParams(Object.entries(entry.query ?? {})).toString();
  return params ? `${entry.route}?${params}` : entry.route;
}
