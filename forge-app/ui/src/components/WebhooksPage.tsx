import React, { useState } from 'react';
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import SectionMessage from '@atlaskit/section-message';
import { token } from '@atlaskit/tokens';
import { api, ApiError, type CreatedWebhook, type UsedBy, type Webhook } from '../api';
import { ConfirmDialog, CopyButton, EmptyState, ErrorBanner, formatTime, isMissing, Loading, NotAvailable, row, stack, TextField, useLoad } from './common';

export function WebhooksPage({ readOnly }: { readOnly: boolean }) {
  const list = useLoad(() => api.listWebhooks(), []);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  const [working, setWorking] = useState(false);
  // Shown once, right after creation or rotation; dropped as soon as the user dismisses it or leaves.
  const [created, setCreated] = useState<CreatedWebhook & { rotated?: boolean }>();
  const [deleting, setDeleting] = useState<Webhook>();
  const [rotating, setRotating] = useState<Webhook>();
  // A delete the backend refused because rules use the hook (409 with usedBy): which rules, by name.
  const [inUse, setInUse] = useState<{ webhook: Webhook; usedBy: UsedBy[] }>();

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setNameError(name.trim() ? undefined : 'Give the webhook a name.');
    setFailure(undefined);
    if (!name.trim()) return;
    setWorking(true);
    try {
      setCreated(await api.createWebhook(name.trim()));
      setName('');
      list.reload();
    } catch (err) {
      // The backend names the field (errors.name: too long, control characters): show it under the field.
      const named = err instanceof ApiError ? err.fieldErrors.name : undefined;
      if (named?.length) setNameError(named.join(' '));
      else setFailure(err);
    } finally {
      setWorking(false);
    }
  }

  async function remove() {
    if (!deleting) return;
    setWorking(true);
    setFailure(undefined);
    setInUse(undefined);
    try {
      await api.deleteWebhook(deleting.id);
      list.reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.usedBy.length > 0) setInUse({ webhook: deleting, usedBy: err.usedBy });
      else setFailure(err);
    } finally {
      setWorking(false);
      setDeleting(undefined);
    }
  }

  async function rotate() {
    if (!rotating) return;
    setWorking(true);
    setFailure(undefined);
    try {
      const rotated = await api.rotateWebhookSecret(rotating.id);
      setCreated({ ...rotated, name: rotated.name ?? rotating.name, url: rotated.url ?? rotating.url, rotated: true });
      list.reload();
    } catch (err) {
      setFailure(err);
    } finally {
      setWorking(false);
      setRotating(undefined);
    }
  }

  const items = list.data ?? [];
  return (
    <div style={stack('space.200')}>
      <p style={{ margin: 0 }}>
        Incoming webhooks let other systems start a rule. Senders call the app&apos;s web trigger URL with the webhook&apos;s id (<code>?hook=</code>
        <em>webhook id</em>) and sign each request with the webhook secret (headers <code>X-BluBees-Signature</code> and <code>X-BluBees-Timestamp</code>).
      </p>
      {created && (
        <div role="alert">
          <SectionMessage
            appearance="warning"
            title={created.rotated ? `Copy the new secret of “${created.name}” now` : `Copy the secret of “${created.name}” now`}
            actions={[
              <Button key="done" onClick={() => setCreated(undefined)}>
                I have copied it
              </Button>,
            ]}
          >
            <p>This is the only time the secret is shown. BluBees stores it encrypted and cannot display it again.</p>
            {created.rotated && <p>The old secret no longer works: requests signed with it are rejected until the sender uses this one.</p>}
            <p>
              Webhook id (the sender adds <code>?hook={created.id}</code> to the web trigger URL): <code>{created.id}</code>{' '}
              <CopyButton value={created.id} label="Copy the webhook id" />
            </p>
            {created.url && (
              <p>
                URL: <code style={{ overflowWrap: 'anywhere' }}>{created.url}</code> <CopyButton value={created.url} label="Copy the webhook URL" />
              </p>
            )}
            <p>
              Secret: <code style={{ userSelect: 'all', color: token('color.text') }}>{created.secret}</code>{' '}
              {created.secret ? <CopyButton value={created.secret} label="Copy the webhook secret" /> : null}
            </p>
          </SectionMessage>
        </div>
      )}
      {inUse && (
        <div role="alert">
          <SectionMessage appearance="warning" title={`“${inUse.webhook.name}” is still in use`}>
            <p>Rules started by this webhook would never run again, so it was not deleted. Change or delete these rules first:</p>
            <ul>
              {inUse.usedBy.map((r) => (
                <li key={r.id}>{r.name}</li>
              ))}
            </ul>
          </SectionMessage>
        </div>
      )}
      <ErrorBanner error={failure} />
      {!readOnly && (
        <form onSubmit={create} aria-label="New incoming webhook" style={row('space.150')} noValidate>
          <TextField id="webhook-name" label="Name" required value={name} onChange={setName} errors={nameError ? [nameError] : undefined} />
          <Button appearance="primary" type="submit" isLoading={working}>
            Create webhook
          </Button>
        </form>
      )}
      {isMissing(list.error) ? (
        <NotAvailable what="Incoming webhooks are" />
      ) : (
        <ErrorBanner error={list.error} onRetry={list.reload} />
      )}
      {list.loading && !list.data ? (
        <Loading label="Loading webhooks" />
      ) : list.error ? null : items.length === 0 ? (
        <EmptyState title="No incoming webhooks" />
      ) : (
        <DynamicTable
          caption="Incoming webhooks"
          head={{ cells: ['Name', 'Webhook id', 'URL', 'Created', 'Actions'].map((c, i) => ({ key: `h${i}`, content: c })) }}
          rows={items.map((w) => ({
            key: w.id,
            cells: [
              { key: 'name', content: <strong>{w.name}</strong> },
              {
                key: 'id',
                content: (
                  <span style={{ display: 'inline-flex', alignItems: 'center', gap: token('space.100'), flexWrap: 'wrap' }}>
                    <code style={{ overflowWrap: 'anywhere' }}>{w.id}</code>
                    <CopyButton value={w.id} label={`Copy the id of webhook ${w.name}`} />
                  </span>
                ),
              },
              {
                key: 'url',
                content: w.url ? (
                  <span style={{ display: 'inline-flex', alignItems: 'center', gap: token('space.100'), flexWrap: 'wrap' }}>
                    <code style={{ overflowWrap: 'anywhere' }}>{w.url}</code>
                    <CopyButton value={w.url} label={`Copy the URL of webhook ${w.name}`} />
                  </span>
                ) : (
                  '—'
                ),
              },
              { key: 'created', content: formatTime(w.createdAt) },
              {
                key: 'delete',
                content: !readOnly ? (
                  <div style={row('space.050')}>
                    <Button onClick={() => setRotating(w)} aria-label={`Rotate the secret of webhook ${w.name}`}>
                      Rotate secret
                    </Button>
                    <Button appearance="subtle" onClick={() => setDeleting(w)} aria-label={`Delete webhook ${w.name}`}>
                      Delete
                    </Button>
                  </div>
                ) : (
                  ''
                ),
              },
            ],
          }))}
        />
      )}
      <ConfirmDialog
        isOpen={!!rotating}
        title="Rotate this webhook's secret?"
        confirmLabel="Rotate secret"
        appearance="warning"
        isWorking={working}
        onCancel={() => setRotating(undefined)}
        onConfirm={rotate}
      >
        <p>
          “{rotating?.name}” gets a new secret, shown once. The current secret stops working at once: update the sender right after, or its
          requests are rejected.
        </p>
      </ConfirmDialog>
      <ConfirmDialog isOpen={!!deleting} title="Delete this webhook?" confirmLabel="Delete" isWorking={working} onCancel={() => setDeleting(undefined)} onConfirm={remove}>
        <p>Senders using “{deleting?.name}” will be rejected from now on.</p>
      </ConfirmDialog>
    </div>
  );
}
