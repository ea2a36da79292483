import React, { type ReactNode } from 'react';
import Button from '@atlaskit/button/new';
import { ErrorMessage, HelperMessage, Label } from '@atlaskit/form';
import Lozenge from '@atlaskit/lozenge';
import ModalDialog, { ModalBody, ModalFooter, ModalHeader, ModalTitle, ModalTransition } from '@atlaskit/modal-dialog';
import SectionMessage from '@atlaskit/section-message';
import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import TextArea from '@atlaskit/textarea';
import { token } from '@atlaskit/tokens';
import { ApiError, errorMessage, type RunStatus } from '../api';
import { humanPath } from '../lib/errors';
import { focusProblem } from './focusProblem';

// ---------- formatting ----------

export function formatTime(value?: string | null): string {
  if (!value) return '—';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toLocaleString();
}
export function formatDuration(ms?: number | null): string {
  if (ms === undefined || ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
export function formatBytes(n?: number | null): string {
  if (n === undefined || n === null) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// ---------- layout ----------

export const stack = (gap = 'space.200'): React.CSSProperties => ({ display: 'flex', flexDirection: 'column', gap: token(gap as 'space.200') });
export const row = (gap = 'space.100'): React.CSSProperties => ({ display: 'flex', flexWrap: 'wrap', alignItems: 'flex-end', gap: token(gap as 'space.100') });

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section aria-label={title} style={{ ...stack('space.150'), borderTop: `1px solid ${token('color.border')}`, paddingTop: token('space.200') }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: token('space.100') }}>
        <h3 style={{ margin: 0, font: token('font.heading.small') }}>{title}</h3>
        {actions}
      </div>
      {children}
    </section>
  );
}

// ---------- fields ----------

/**
 * What a screen reader reads after an input's label: its errors (first, they matter most), then its hint. The ids are
 * those `Field` gives the messages.
 */
export function describedBy(id: string, errors?: string[], helper?: ReactNode): string | undefined {
  const ids = [...(errors ?? []).map((_, i) => `${id}-error-${i}`), ...(helper ? [`${id}-helper`] : [])];
  return ids.length ? ids.join(' ') : undefined;
}

/**
 * Save-time warnings (docs/api.md "Save-time warnings") travel to their field in the same map as the errors, each
 * message ending with this invisible mark: the field shows it as a warning, and it never makes the input invalid.
 */
export const WARNING_MARK = '\u2063';
export const isWarning = (message: string) => message.endsWith(WARNING_MARK);
/** True when `messages` hold an error (not only warnings). */
export const hasErrors = (messages?: string[]) => !!messages?.some((m) => !isWarning(m));

export function Field({
  id,
  label,
  children,
  helper,
  errors,
  required,
}: {
  id: string;
  label: string;
  children: ReactNode;
  helper?: ReactNode;
  errors?: string[];
  required?: boolean;
}) {
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: token('space.050'), minWidth: 0 }}>
      <Label htmlFor={id}>
        {label}
        {required ? <span aria-hidden="true" style={{ color: token('color.text.danger') }}> *</span> : null}
      </Label>
      {children}
      {helper ? (
        <span id={`${id}-helper`}>
          <HelperMessage>{helper}</HelperMessage>
        </span>
      ) : null}
      {errors?.map((message, i) =>
        isWarning(message) ? (
          <span key={i} id={`${id}-error-${i}`} role="status" data-field-warning={id} style={{ display: 'flex', gap: token('space.050'), font: token('font.body.small'), color: token('color.text.warning') }}>
            <span aria-hidden="true">⚠</span>
            <span>
              <span style={{ fontWeight: 600 }}>Warning: </span>
              {message.slice(0, -WARNING_MARK.length)}
            </span>
          </span>
        ) : (
          <span key={i} id={`${id}-error-${i}`} role="alert" data-field-error={id}>
            <ErrorMessage>{message}</ErrorMessage>
          </span>
        ),
      )}
    </div>
  );
}

export function TextField({
  id,
  label,
  value,
  onChange,
  errors,
  helper,
  required,
  isDisabled,
  type,
  placeholder,
  autoComplete,
  width,
  list,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors?: string[];
  helper?: ReactNode;
  required?: boolean;
  isDisabled?: boolean;
  type?: string;
  placeholder?: string;
  autoComplete?: string;
  width?: number | string;
  list?: string;
}) {
  return (
    <Field id={id} label={label} errors={errors} helper={helper} required={required}>
      <Textfield
        list={list}
        id={id}
        name={id}
        value={value}
        type={type}
        placeholder={placeholder}
        autoComplete={autoComplete ?? 'off'}
        isDisabled={isDisabled}
        isInvalid={hasErrors(errors)}
        isRequired={required}
        aria-describedby={describedBy(id, errors, helper)}
        width={width as never}
        onChange={(e) => onChange((e.target as HTMLInputElement).value)}
      />
    </Field>
  );
}

export function TextAreaField({
  id,
  label,
  value,
  onChange,
  errors,
  helper,
  isDisabled,
  rows = 6,
  monospace = true,
  placeholder,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors?: string[];
  helper?: ReactNode;
  isDisabled?: boolean;
  rows?: number;
  monospace?: boolean;
  placeholder?: string;
}) {
  return (
    <Field id={id} label={label} errors={errors} helper={helper}>
      <TextArea
        id={id}
        name={id}
        value={value}
        minimumRows={rows}
        isMonospaced={monospace}
        isInvalid={hasErrors(errors)}
        isDisabled={isDisabled}
        placeholder={placeholder}
        resize="vertical"
        spellCheck={false}
        aria-describedby={describedBy(id, errors, helper)}
        onChange={(e) => onChange((e.target as HTMLTextAreaElement).value)}
      />
    </Field>
  );
}

export interface Option {
  label: string;
  value: string;
}

export function SelectField({
  id,
  label,
  options,
  value,
  onChange,
  errors,
  helper,
  isDisabled,
  isClearable,
  placeholder,
  required,
}: {
  id: string;
  label: string;
  options: Option[];
  value: string | undefined;
  onChange: (value: string) => void;
  errors?: string[];
  helper?: ReactNode;
  isDisabled?: boolean;
  isClearable?: boolean;
  placeholder?: string;
  required?: boolean;
}) {
  const selected = options.find((o) => o.value === value) ?? null;
  return (
    <Field id={id} label={label} errors={errors} helper={helper} required={required}>
      <div data-select-id={id} style={{ minWidth: 180, maxWidth: 480, width: '100%' }}>
        <Select<Option, false>
          inputId={id}
          aria-describedby={describedBy(id, errors, helper)}
          options={options}
          value={selected}
          isDisabled={isDisabled}
          isClearable={isClearable}
          isInvalid={hasErrors(errors)}
          placeholder={placeholder ?? 'Choose…'}
          onChange={(option) => onChange(option ? option.value : '')}
        />
      </div>
    </Field>
  );
}

// ---------- feedback ----------

export { Loading } from './Loading';

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div
      role="note"
      style={{
        ...stack('space.100'),
        alignItems: 'center',
        textAlign: 'center',
        padding: token('space.400'),
        border: `1px dashed ${token('color.border')}`,
        borderRadius: 6,
        color: token('color.text.subtle'),
      }}
    >
      <strong style={{ color: token('color.text') }}>{title}</strong>
      {children}
    </div>
  );
}

export function ErrorBanner({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : undefined;
  return (
    <div role="alert">
      <SectionMessage
        appearance={api?.isForbidden ? 'warning' : 'error'}
        title={title ?? api?.title ?? 'Something went wrong'}
        actions={onRetry ? [<Button key="retry" onClick={onRetry}>Try again</Button>] : undefined}
      >
        <p>
          {api
            ? // A caller's own title ('BluBees could not load') must not hide that the session expired and a reload fixes it,
              // nor that BluBees was not reached or did not answer (status 0: the detail alone, 'Failed to fetch', says neither).
              title && (api.status === 401 || api.status === 0)
              ? [`${api.title}.`, api.detail].filter(Boolean).join(' ')
              : api.detail ?? (title ? api.title : '')
            : errorMessage(error)}
        </p>
        {/* 429 and 503 pass: say when to try again (the answer's Retry-After), so a refused save is simply retried. */}
        {api?.retryHint ? <p>{api.retryHint}</p> : null}
        {/* A 400's field errors ('see errors' says the detail): shown here when the page has no field to put them at. */}
        {api && Object.keys(api.fieldErrors).length > 0 && (
          <ul style={{ margin: 0, paddingLeft: token('space.250') }}>
            {Object.entries(api.fieldErrors).flatMap(([path, messages]) =>
              messages.map((m, i) => (
                <li key={`${path}-${i}`}>
                  {path ? <strong>{humanPath(path)}</strong> : null}
                  {path ? ': ' : ''}
                  {m}
                </li>
              )),
            )}
          </ul>
        )}
      </SectionMessage>
    </div>
  );
}

/** A 404 on a list endpoint: this backend version does not offer the feature yet. */
export function isMissing(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

export function NotAvailable({ what }: { what: string }) {
  return (
    <div role="status">
      <SectionMessage appearance="information" title="Not available yet">
        <p>{what} not available on this BluBees backend yet.</p>
      </SectionMessage>
    </div>
  );
}

/** Errors that the form could not place next to a field, listed with their paths. */
export function ErrorSummary({
  errors,
  title = 'Please fix the following',
  linked = false,
  focusOn,
}: {
  errors: Record<string, string[]>;
  title?: string;
  linked?: boolean;
  /** Changes on each refused attempt (a save, a check): the summary then takes focus and comes into view. */
  focusOn?: number;
}) {
  const entries = Object.entries(errors);
  const ref = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    if (!focusOn || !ref.current) return;
    ref.current.scrollIntoView?.({ block: 'start' });
    ref.current.focus();
  }, [focusOn]);
  if (entries.length === 0) return null;
  return (
    <div role="alert" ref={ref} tabIndex={-1} data-testid="error-summary">
      <SectionMessage appearance="error" title={title}>
        <ul style={{ margin: 0, paddingLeft: token('space.250') }}>
          {entries.flatMap(([path, messages]) =>
            messages.map((m, i) => (
              <li key={`${path}-${i}`}>
                {path && linked ? (
                  // Takes the admin to the field, however far down a long rule it is.
                  <button
                    type="button"
                    aria-label={`Go to ${humanPath(path)}: ${m}`}
                    onClick={() => focusProblem(path, m)}
                    style={{ background: 'none', border: 0, padding: 0, font: 'inherit', fontWeight: 600, color: token('color.link'), textDecoration: 'underline', cursor: 'pointer' }}
                  >
                    {humanPath(path)}
                  </button>
                ) : path ? (
                  <strong>{humanPath(path)}</strong>
                ) : null}
                {path ? ': ' : ''}
                {m}
              </li>
            )),
          )}
        </ul>
      </SectionMessage>
    </div>
  );
}

const STATUS_APPEARANCE: Record<string, 'success' | 'removed' | 'moved' | 'default' | 'inprogress'> = {
  succeeded: 'success',
  failed: 'removed',
  partial: 'moved',
  skipped: 'default',
  running: 'inprogress',
};
export function StatusLozenge({ status }: { status?: RunStatus | string | null }) {
  if (!status) return <span style={{ color: token('color.text.subtlest') }}>never run</span>;
  return <Lozenge appearance={STATUS_APPEARANCE[status] ?? 'default'}>{status}</Lozenge>;
}

// ---------- confirm ----------

export function ConfirmDialog({
  isOpen,
  title,
  children,
  confirmLabel,
  appearance = 'danger',
  isWorking,
  onConfirm,
  onCancel,
}: {
  isOpen: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  appearance?: 'danger' | 'primary' | 'warning';
  isWorking?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <ModalTransition>
      {isOpen && (
        <ModalDialog onClose={onCancel} width="small">
          <ModalHeader>
            <ModalTitle appearance={appearance === 'danger' ? 'danger' : appearance === 'warning' ? 'warning' : undefined}>{title}</ModalTitle>
          </ModalHeader>
          <ModalBody>{children}</ModalBody>
          <ModalFooter>
            <Button appearance="subtle" onClick={onCancel}>
              Cancel
            </Button>
            <Button appearance={appearance} onClick={onConfirm} isLoading={isWorking} autoFocus>
              {confirmLabel}
            </Button>
          </ModalFooter>
        </ModalDialog>
      )}
    </ModalTransition>
  );
}

/** Small async-state hook: load on mount / when deps change, with reload. */
export function useLoad<T>(loader: () => Promise<T>, deps: React.DependencyList): {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (value: T) => void;
} {
  const [state, setState] = React.useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = React.useState(0);
  React.useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    loader().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return {
    data: state.data,
    error: state.error,
    loading: state.loading,
    reload: () => setTick((t) => t + 1),
    setData: (data: T) => setState({ data, loading: false }),
  };
}

/** Copies `value` to the clipboard (Clipboard API, else a hidden text area + execCommand) and says so. */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = React.useState<'yes' | 'failed'>();
  async function copy() {
    try {
      if (navigator.clipboard?.writeText) await navigator.clipboard.writeText(value);
      else {
        const area = document.createElement('textarea');
        area.value = value;
        area.setAttribute('readonly', '');
        area.style.position = 'fixed';
        area.style.opacity = '0';
        document.body.appendChild(area);
        area.select();
        const ok = document.execCommand('copy');
        area.remove();
        if (!ok) throw new Error('copy refused');
      }
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  }
  return (
    <span style={{ display: 'inline-flex', alignItems: 'center', gap: token('space.050') }}>
      <Button spacing="compact" onClick={copy} aria-label={label}>
        Copy
      </Button>
      <span role="status" style={{ font: token('font.body.small'), color: token('color.text.subtle') }}>
        {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Select and copy it by hand' : ''}
      </span>
    </span>
  );
}
