import React from 'react';
import Spinner from '@atlaskit/spinner';
import { token } from '@atlaskit/tokens';

export function Loading({ label }: { label: string }) {
  return (
    <div role="status" aria-live="polite" style={{ display: 'flex', gap: token('space.100'), alignItems: 'center', padding: token('space.200') }}>
      <Spinner size="medium" label={label} />
      <span>{label}</span>
    </div>
  );
}
