import React, { useEffect, useState } from 'react';
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import SectionMessage from '@atlaskit/section-message';
import { api, ApiError, type Connection, type UsedBy } from '../api';
import { AUTH_TYPES, ConnectionForm } from './ConnectionForm';
import { ConfirmDialog, EmptyState, ErrorBanner, formatTime, Loading, row, stack, useLoad } from './common';

type View = { kind: 'list' } | { kind: 'edit'; connection?: Connection };

export function authSummary(c: Connection): string {
  const label = AUTH_TYPES.find((t) => t.value === c.auth?.type)?.label ?? c.auth?.type ?? 'unknown';
  if (c.auth?.type === 'apiKey' && c.auth.name) return `${label} (${c.auth.in === 'query' ? 'query' : 'header'} ${c.auth.name})`;
  if (c.auth?.type === 'basic' && c.auth.username) return `${label}: ${c.auth.username}`;
  return label;
}

export function ConnectionsPage({ readOnly }: { readOnly: boolean }) {
  const list = useLoad(() => api.listConnections(), []);
  const [view, setView] = useState<View>({ kind: 'list' });
  const [notice, setNotice] = useState<string>();
  const [deleting, setDeleting] = useState<Connection>();
  const [deleteWorking, setDeleteWorking] = useState(false);
  const [deleteError, setDeleteError] = useState<{ connection: Connection; error: unknown; usedBy: UsedBy[] }>();
  // Back on the list, focus returns to where the user left: the connection's Edit button, or New connection.
  const [returnTo, setReturnTo] = useState<string>();
  useEffect(() => {
    if (view.kind !== 'list' || !returnTo || list.loading) return;
    const target = document.querySelector<HTMLElement>(`[data-testid="${CSS.escape(returnTo)}"]`);
    if (!target) return;
    target.focus();
    setReturnTo(undefined);
  }, [view, returnTo, list.loading, list.data]);

  if (view.kind === 'edit') {
    return (
      <ConnectionForm
        connection={view.connection}
        readOnly={readOnly}
        onCancel={() => {
          setReturnTo(view.connection ? `connection-edit-${view.connection.id}` : 'connection-new');
          setView({ kind: 'list' });
        }}
        onSaved={(saved) => {
          setNotice(`Saved connection “${saved.name}”.`);
          setReturnTo(`connection-edit-${saved.id}`);
          setView({ kind: 'list' });
          list.reload();
        }}
      />
    );
  }

  async function confirmDelete() {
    if (!deleting) return;
    setDeleteWorking(true);
    try {
      await api.deleteConnection(deleting.id);
      setNotice(`Deleted connection “${deleting.name}”.`);
      setDeleteError(undefined);
      list.reload();
    } catch (error) {
      const usedBy = error instanceof ApiError ? error.usedBy : [];
      setDeleteError({ connection: deleting, error, usedBy });
    } finally {
      setDeleteWorking(false);
      setDeleting(undefined);
    }
  }

  const items = list.data ?? [];
  return (
    <div style={stack('space.200')}>
      <div style={{ ...row('space.100'), justifyContent: 'space-between' }}>
        <p style={{ margin: 0 }}>Connections hold the base URL and credentials of the services your rules call.</p>
        {!readOnly && (
          <Button appearance="primary" onClick={() => setView({ kind: 'edit' })} testId="connection-new">
            New connection
          </Button>
        )}
      </div>
      {notice && (
        <div role="status">
          <SectionMessage appearance="success">
            <p>{notice}</p>
          </SectionMessage>
        </div>
      )}
      {deleteError && (
        <div role="alert">
          {deleteError.usedBy.length > 0 || (deleteError.error instanceof ApiError && deleteError.error.status === 409) ? (
            <SectionMessage appearance="warning" title={`“${deleteError.connection.name}” is still in use`}>
              <p>Rules that call this connection would break, so it was not deleted. Remove it from these rules first:</p>
              <ul>
                {deleteError.usedBy.map((r) => (
                  <li key={r.id}>{r.name}</li>
                ))}
              </ul>
            </SectionMessage>
          ) : (
            <ErrorBanner error={deleteError.error} title={`Could not delete “${deleteError.connection.name}”`} />
          )}
        </div>
      )}
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? (
        <Loading label="Loading connections" />
      ) : items.length === 0 && !list.error ? (
        <EmptyState title="No connections yet">
          <span>Create a connection to the service your automation should call, then use it in a rule step.</span>
        </EmptyState>
      ) : (
        <DynamicTable
          caption="Connections"
          head={{
            cells: [
              { key: 'name', content: 'Name' },
              { key: 'baseUrl', content: 'Base URL' },
              { key: 'auth', content: 'Authentication' },
              { key: 'secret', content: 'Secret' },
              { key: 'updated', content: 'Updated' },
              { key: 'actions', content: 'Actions' },
            ],
          }}
          rows={items.map((c) => ({
            key: c.id,
            cells: [
              { key: 'name', content: <strong>{c.name}</strong> },
              { key: 'baseUrl', content: <code>{c.baseUrl}</code> },
              { key: 'auth', content: authSummary(c) },
              {
                key: 'secret',
                content:
                  c.auth?.type === 'none' ? '—' : c.secretSet ? <Lozenge appearance="success">Set</Lozenge> : <Lozenge appearance="moved">Not set</Lozenge>,
              },
              { key: 'updated', content: formatTime(c.updatedAt) },
              {
                key: 'actions',
                content: (
                  <div style={row('space.050')}>
                    <Button
                      onClick={() => setView({ kind: 'edit', connection: c })}
                      aria-label={`${readOnly ? 'View' : 'Edit'} connection ${c.name}`}
                      testId={`connection-edit-${c.id}`}
                    >
                      {readOnly ? 'View' : 'Edit'}
                    </Button>
                    {!readOnly && (
                      <Button appearance="subtle" onClick={() => setDeleting(c)} aria-label={`Delete connection ${c.name}`}>
                        Delete
                      </Button>
                    )}
                  </div>
                ),
              },
            ],
          }))}
        />
      )}
      <ConfirmDialog
        isOpen={!!deleting}
        title="Delete this connection?"
        confirmLabel="Delete"
        isWorking={deleteWorking}
        onCancel={() => setDeleting(undefined)}
        onConfirm={confirmDelete}
      >
        <p>
          “{deleting?.name}” and its stored secret will be deleted. Rules that still use it must be changed first.
        </p>
      </ConfirmDialog>
    </div>
  );
}
