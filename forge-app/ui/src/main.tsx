import React, { lazy, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import '@atlaskit/css-reset';
import { view } from '@forge/bridge';
import { Loading } from './components/Loading';
import { AppErrorBoundary, StartFailure } from './components/StartFailure';
import './styles.css';

const AdminApp = lazy(() => import('./components/AdminApp').then((m) => ({ default: m.AdminApp })));
const IssuePanel = lazy(() => import('./components/IssuePanel').then((m) => ({ default: m.IssuePanel })));

interface ForgeContext {
  moduleKey?: string;
  extension?: { type?: string; issue?: { id?: string | number; key?: string } };
}

/**
 * The issue panel's context names its issue by id and key (`extension.issue`:
 * https://developer.atlassian.com/platform/forge/manifest-reference/modules/jira-issue-panel/ "Extension context").
 * The panel asks for the issue's runs by id (stable when the issue moves to another project, never reused), showing the key.
 */
export function pickView(context: ForgeContext): { kind: 'panel'; issueKey: string; issueId: string } | { kind: 'admin' } {
  const issueKey = context.extension?.issue?.key;
  const id = context.extension?.issue?.id;
  const issueId = id === undefined || id === null ? '' : String(id);
  if ((context.extension?.type === 'jira:issuePanel' || context.moduleKey === 'blubees-issue-panel') && issueKey && issueId) return { kind: 'panel', issueKey, issueId };
  return { kind: 'admin' };
}

/** Draws the app into `container`. A start that fails (the Forge context not read) shows why instead of a spinner for good. */
export async function start(container: HTMLElement): Promise<void> {
  const root = createRoot(container);
  root.render(<Loading label="Loading BluBees" />);
  let picked: ReturnType<typeof pickView>;
  try {
    // In Jira this applies the user's theme (light/dark) to the design tokens.
    await view.theme.enable().catch(() => undefined);
    picked = pickView((await view.getContext()) as ForgeContext);
  } catch {
    root.render(<StartFailure />);
    return;
  }
  // No <React.StrictMode>: in development it mounts, unmounts and re-mounts every effect, and
  // @atlaskit/portal (used by modal-dialog) appends its container during render but removes it in an effect
  // cleanup, so after the simulated unmount the modal rendered into a detached node: under `npm run dev` the
  // delete confirmation (and every modal) showed up empty. Production builds never double-invoke effects.
  root.render(
    <AppErrorBoundary>
      <Suspense fallback={<Loading label="Loading BluBees" />}>{picked.kind === 'panel' ? <IssuePanel issueKey={picked.issueKey} issueId={picked.issueId} /> : <AdminApp />}</Suspense>
    </AppErrorBoundary>,
  );
}

const container = document.getElementById('root');
if (container) void start(container);
