import React, { type ReactNode } from 'react';
import Button from '@atlaskit/button/new';
import SectionMessage from '@atlaskit/section-message';
import { token } from '@atlaskit/tokens';

/** What the app shows when it cannot start or a page fails to draw: what happened and the one fix, a reload. */
export function StartFailure() {
  return (
    <main style={{ padding: token('space.200') }}>
      <div role="alert">
        <SectionMessage
          appearance="error"
          title="BluBees could not load"
          actions={[
            <Button key="reload" onClick={() => window.location.reload()}>
              Reload the page
            </Button>,
          ]}
        >
          <p>Part of the app did not load (the connection may have dropped, or the app was updated). Reload the page to try again.</p>
        </SectionMessage>
      </div>
    </main>
  );
}

/**
 * Catches an error while drawing the app (a page's code that did not download, an answer of a shape the page did not
 * expect): React would otherwise remove the whole tree and leave the user an empty frame.
 */
export class AppErrorBoundary extends React.Component<{ children: ReactNode }, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  render() {
    return this.state.failed ? <StartFailure /> : this.props.children;
  }
}
