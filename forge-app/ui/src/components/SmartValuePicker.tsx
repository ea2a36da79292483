// A "{ }" button next to a templated input: browses the run scope and inserts `{{ … }}` at the caret.
import React, { createContext, useContext, useEffect, useRef, useState } from 'react';
import Button from '@atlaskit/button/new';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import { expression, FILTERS, insertAt, smartGroups, type SmartGroup } from '../lib/smartValues';
import { SelectField, TextAreaField, TextField } from './common';

/** The smart values offered at this point of the editor (set per step by the steps editor). */
export const SmartScope = createContext<SmartGroup[]>(smartGroups([]));

export function SmartValuePicker({
  targetId,
  label,
  value,
  onChange,
  disabled,
  mode = 'template',
}: {
  targetId: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  disabled?: boolean;
  /** `template`: inserts `{{ path | filter }}` at the caret; `path`: the value becomes the bare path (condition fields). */
  mode?: 'template' | 'path';
}) {
  const groups = useContext(SmartScope);
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState('');
  const selection = useRef<{ start: number | null; end: number | null }>({ start: null, end: null });
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onDown);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onDown);
    };
  }, [open]);

  function remember() {
    const el = document.getElementById(targetId) as HTMLInputElement | HTMLTextAreaElement | null;
    selection.current = el ? { start: el.selectionStart, end: el.selectionEnd } : { start: null, end: null };
  }

  function pick(path: string) {
    if (mode === 'path') {
      onChange(path);
      setOpen(false);
      return;
    }
    const { value: next, caret } = insertAt(value, expression(path, filter), selection.current.start, selection.current.end);
    onChange(next);
    setOpen(false);
    requestAnimationFrame(() => {
      const el = document.getElementById(targetId) as HTMLInputElement | HTMLTextAreaElement | null;
      if (el) {
        el.focus();
        el.setSelectionRange?.(caret, caret);
      }
    });
  }

  const q = search.trim().toLowerCase();
  const shown = groups
    .map((g) => ({ ...g, values: g.values.filter((v) => !q || v.path.toLowerCase().includes(q) || v.label.toLowerCase().includes(q)) }))
    .filter((g) => g.values.length);
  return (
    <div ref={box} style={{ position: 'relative', alignSelf: 'flex-end' }}>
      <Button
        spacing="compact"
        isDisabled={disabled}
        aria-label={mode === 'path' ? `Pick a field for ${label}` : `Insert a smart value into ${label}`}
        aria-expanded={open}
        onMouseDown={remember}
        onClick={() => {
          if (!open) {
            remember();
            setSearch('');
          }
          setOpen(!open);
        }}
      >
        {mode === 'path' ? 'Fields' : '{ }'}
      </Button>
      {open && (
        <div
          role="dialog"
          aria-label={`Smart values for ${label}`}
          style={{
            position: 'absolute',
            right: 0,
            top: '100%',
            zIndex: 510,
            width: 380,
            maxHeight: 420,
            overflowY: 'auto',
            background: token('elevation.surface.overlay'),
            boxShadow: token('elevation.shadow.overlay'),
            borderRadius: 4,
            padding: token('space.150'),
            display: 'flex',
            flexDirection: 'column',
            gap: token('space.100'),
          }}
        >
          <Textfield aria-label="Search smart values" placeholder="Search, e.g. summary" value={search} onChange={(e) => setSearch((e.target as HTMLInputElement).value)} autoFocus />
          {mode === 'template' && <SelectField id={`${targetId}-smart-filter`} label="Apply a filter" options={FILTERS.map((f) => ({ value: f.value, label: f.label }))} value={filter} onChange={setFilter} />}
          {shown.length === 0 && <span style={{ color: token('color.text.subtle') }}>Nothing matches “{search}”.</span>}
          {shown.map((g) => (
            <div key={g.name} role="group" aria-label={g.name}>
              <div style={{ font: token('font.body.small'), fontWeight: 600, color: token('color.text.subtle'), margin: `${token('space.050')} 0` }}>{g.name}</div>
              <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
                {g.values.map((v) => (
                  <li key={v.path}>
                    <button
                      type="button"
                      data-smart-value={v.path}
                      onClick={() => pick(v.path)}
                      style={{ all: 'unset', cursor: 'pointer', display: 'flex', justifyContent: 'space-between', gap: 8, width: '100%', padding: '4px 6px', borderRadius: 3, boxSizing: 'border-box' }}
                      onMouseEnter={(e) => (e.currentTarget.style.background = token('color.background.neutral.subtle.hovered'))}
                      onMouseLeave={(e) => (e.currentTarget.style.background = 'transparent')}
                    >
                      <span>{v.label}</span>
                      <code style={{ color: token('color.text.subtle'), fontSize: 11 }}>{v.path}</code>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

type TemplateProps = {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  errors?: string[];
  helper?: React.ReactNode;
  required?: boolean;
  isDisabled?: boolean;
  placeholder?: string;
  multiline?: boolean;
  rows?: number;
  monospace?: boolean;
};

/** A text input (or text area) whose value is a template, with the smart-value picker beside it. */
export function TemplateField({ multiline, rows, monospace, ...p }: TemplateProps) {
  return (
    <div style={{ display: 'flex', gap: token('space.050'), alignItems: 'flex-start', width: '100%' }}>
      <div style={{ flex: 1, minWidth: 0 }}>
        {multiline ? (
          <TextAreaField id={p.id} label={p.label} value={p.value} onChange={p.onChange} errors={p.errors} helper={p.helper} isDisabled={p.isDisabled} rows={rows ?? 3} monospace={monospace ?? false} placeholder={p.placeholder} />
        ) : (
          <TextField id={p.id} label={p.label} value={p.value} onChange={p.onChange} errors={p.errors} helper={p.helper} required={p.required} isDisabled={p.isDisabled} placeholder={p.placeholder} />
        )}
      </div>
      <div style={{ paddingTop: 24 }}>
        <SmartValuePicker targetId={p.id} label={p.label} value={p.value} onChange={p.onChange} disabled={p.isDisabled} />
      </div>
    </div>
  );
}
