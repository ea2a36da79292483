import React, { lazy, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import '@atlaskit/css-reset';
import { view } from '@forge/bridge';
import { Loading } from './components/Loading';
import './styles.css';

const AdminApp = lazy(() => import('./components/AdminApp').then((m) => ({ default: m.AdminApp })));
const IssuePanel = lazy(() => import('./components/IssuePanel').then((m) => ({ default: m.IssuePanel })));

interface ForgeContext {
  moduleKey?: string;
  extension?: { type?: string; issue?: { key?: string } };
}

export function pickView(context: ForgeContext): { kind: 'panel'; issueKey: string } | { kind: 'admin' } {
  const issueKey = context.extension?.issue?.key;
  if ((context.extension?.type === 'jira:issuePanel' || context.moduleKey === 'blubees-issue-panel') && issueKey) return { kind: 'panel', issueKey };
  return { kind: 'admin' };
}

async function start() {
  const root = createRoot(document.getElementById('root')!);
  root.render(<Loading label="Loading BluBees" />);
  // In Jira this applies the user's theme (light/dark) to the design tokens.
  await view.theme.enable().catch(() => undefined);
  const context = (await view.getContext()) as ForgeContext;
  const picked = pickView(context);
  root.render(
    <React.StrictMode>
      <Suspense fallback={<Loading label="Loading BluBees" />}>{picked.kind === 'panel' ? <IssuePanel issueKey={picked.issueKey} /> : <AdminApp />}</Suspense>
    </React.StrictMode>,
  );
}

start();
