import { afterEach, describe, expect, it, vi } from 'vitest';
import React from 'react';
import { render, screen } from '@testing-library/react';
import { view } from '@forge/bridge';
import { pickView, start } from './main';
import { AppErrorBoundary } from './components/StartFailure';

afterEach(() => vi.restoreAllMocks());

describe('app start', () => {
  it('says the app could not load, with a reload, when the Forge context cannot be read (no spinner for good)', async () => {
    vi.spyOn(view, 'getContext').mockRejectedValue(new Error('bridge timed out'));
    const container = document.createElement('div');
    document.body.appendChild(container);
    await start(container);
    expect(await screen.findByText('BluBees could not load')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Reload the page' })).toBeInTheDocument();
    expect(screen.queryByText('Loading BluBees')).toBeNull();
    container.remove();
  });

  it('shows the same, not an empty frame, when a page fails while drawing (a chunk that did not download)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const Broken = React.lazy(() => Promise.reject(new Error('Failed to fetch dynamically imported module')));
    render(
      <AppErrorBoundary>
        <React.Suspense fallback={null}>
          <Broken />
        </React.Suspense>
      </AppErrorBoundary>,
    );
    expect(await screen.findByText('BluBees could not load')).toBeInTheDocument();
  });

  it("opens the issue panel with the context's issue id and key, and without an id does not", () => {
    const panel = { type: 'jira:issuePanel', issue: { id: '10042', key: 'SUP-12' } };
    expect(pickView({ extension: panel })).toEqual({ kind: 'panel', issueKey: 'SUP-12', issueId: '10042' });
    expect(pickView({ extension: { ...panel, issue: { id: 10042, key: 'SUP-12' } } })).toEqual({ kind: 'panel', issueKey: 'SUP-12', issueId: '10042' });
    expect(pickView({ extension: { ...panel, issue: { key: 'SUP-12' } } })).toEqual({ kind: 'admin' });
  });
});
