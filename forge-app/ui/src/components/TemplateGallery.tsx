// Rule templates: pick one, then finish it in the editor (connections are left for you to pick).
import React from 'react';
import Button from '@atlaskit/button/new';
import { token } from '@atlaskit/tokens';
import type { RuleDefinition } from '../api';
import { TEMPLATES } from '../lib/templates';
import { stepKind } from '../steps/registry';
import { row, stack } from './common';
import { useHeadingFocus } from './focusMoves';

export function TemplateGallery({ onUse, onCancel }: { onUse: (definition: RuleDefinition) => void; onCancel: () => void }) {
  const heading = useHeadingFocus();
  return (
    <div style={stack('space.200')}>
      <div style={{ ...row('space.100'), justifyContent: 'space-between' }}>
        <h3 ref={heading} tabIndex={-1} style={{ margin: 0, font: token('font.heading.medium') }}>
          Start from a template
        </h3>
        <Button appearance="subtle" onClick={onCancel}>
          Back to rules
        </Button>
      </div>
      <ul aria-label="Rule templates" style={{ listStyle: 'none', margin: 0, padding: 0, display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(300px, 1fr))', gap: token('space.200') }}>
        {TEMPLATES.map((t) => (
          <li
            key={t.id}
            aria-label={t.name}
            style={{ border: `1px solid ${token('color.border')}`, borderRadius: 6, padding: token('space.200'), display: 'flex', flexDirection: 'column', gap: token('space.100') }}
          >
            <strong style={{ font: token('font.heading.xsmall') }}>{t.name}</strong>
            <span style={{ color: token('color.text.subtle') }}>{t.description}</span>
            <span style={{ font: token('font.body.small'), color: token('color.text.subtlest') }}>
              Steps: {t.definition.steps.map((s) => stepKind(s.type)?.label ?? s.type).join(' → ')}
            </span>
            {t.needs.length > 0 && <span style={{ font: token('font.body.small') }}>You will need: {t.needs.join('; ')}.</span>}
            <div style={{ marginTop: 'auto' }}>
              <Button appearance="primary" onClick={() => onUse(structuredClone(t.definition))} aria-label={`Use template ${t.name}`}>
                Use template
              </Button>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
