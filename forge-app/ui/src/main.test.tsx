import { afterEach, describe, expect, it, vi } from 'vitest';
import React from 'react';
import { render, screen } from '@testing-library/react';
import { view } from '@forge/bridge';
import { start } from './main';
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
});
