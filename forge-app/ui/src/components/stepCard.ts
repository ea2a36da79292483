import type React from 'react';
import { token } from '@atlaskit/tokens';
import { stack } from './common';

/** The frame of one step in the editor. */
export const cardStyle: React.CSSProperties = { border: `1px solid ${token('color.border')}`, borderRadius: 4, padding: token('space.150'), margin: 0, ...stack('space.150') };
