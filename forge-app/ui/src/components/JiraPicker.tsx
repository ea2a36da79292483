// Pickers backed by Jira (lib/jira.ts). Each loads its options once; when Jira cannot be asked (no
// requestJira outside Jira, 401/403, network) the picker becomes a plain text input with a hint.
import React, { useEffect, useState } from 'react';
import { AsyncCreatableSelect, CreatableSelect } from '@atlaskit/select';
import { token } from '@atlaskit/tokens';
import { jira, jiraAvailable, JiraUnavailable, type JiraField, type JiraOption } from '../lib/jira';
import { describedBy, Field, hasErrors, TextField } from './common';
import { SmartValuePicker } from './SmartValuePicker';

export type Loader = () => Promise<JiraOption[]>;

const cache = new Map<string, Promise<JiraOption[]>>();
/** Forget cached look-ups (tests). */
export function clearJiraCache() {
  cache.clear();
}

export function useJiraOptions(cacheKey: string | undefined, load: Loader | undefined) {
  // Without requestJira (local dev, tests) the fallback shows at once rather than after a failed call.
  const unavailable = !jiraAvailable() ? new JiraUnavailable().message : undefined;
  const [state, setState] = useState<{ options: JiraOption[]; error?: string; loading: boolean }>({ options: [], loading: !!cacheKey && !unavailable, error: unavailable });
  useEffect(() => {
    if (unavailable) return;
    if (!cacheKey || !load) {
      setState({ options: [], loading: false });
      return;
    }
    let live = true;
    let pending = cache.get(cacheKey);
    if (!pending) {
      pending = load();
      cache.set(cacheKey, pending);
      pending.catch(() => cache.delete(cacheKey));
    }
    setState((s) => ({ ...s, loading: true }));
    pending.then(
      (options) => live && setState({ options, loading: false }),
      (e: unknown) => live && setState({ options: [], loading: false, error: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cacheKey]);
  return state;
}

interface Opt {
  value: string;
  label: string;
}

const hintStyle: React.CSSProperties = { color: token('color.text.subtlest') };

/** One value: pick from Jira's list or type any value (a template is fine where the rule takes one). */
export function JiraSelect({
  id,
  label,
  value,
  onChange,
  cacheKey,
  load,
  helper,
  errors,
  isDisabled,
  required,
  placeholder,
  smart,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  cacheKey?: string;
  load?: Loader;
  helper?: React.ReactNode;
  errors?: string[];
  isDisabled?: boolean;
  required?: boolean;
  placeholder?: string;
  /** The value is a template: show the smart-value picker next to the picker (or its text fallback). */
  smart?: boolean;
}) {
  const { options, error, loading } = useJiraOptions(cacheKey, load);
  const picker = renderJiraSelect();
  if (!smart) return picker;
  return (
    <div style={{ display: 'flex', gap: token('space.050'), alignItems: 'flex-start', width: '100%' }}>
      <div style={{ flex: 1, minWidth: 0 }}>{picker}</div>
      <div style={{ paddingTop: 24 }}>
        {/* Over a list picker the caret is not in the value, so the smart value is appended (no such element id). */}
        <SmartValuePicker targetId={error || !cacheKey ? id : `${id}-list`} label={label} value={value} onChange={onChange} disabled={isDisabled} />
      </div>
    </div>
  );

  function renderJiraSelect() {
    if (error || !cacheKey) {
      return (
        <TextField
          id={id}
          label={label}
          value={value}
          onChange={onChange}
          errors={errors}
          required={required}
          isDisabled={isDisabled}
          placeholder={placeholder}
          helper={
            <>
              {helper}
              {error ? <span data-testid={`${id}-hint`} style={hintStyle}> {error}</span> : null}
            </>
          }
        />
      );
  }
  const opts: Opt[] = options.map((o) => ({ value: o.value, label: o.detail ? `${o.label} · ${o.detail}` : o.label }));
  const selected = value ? opts.find((o) => o.value === value) ?? { value, label: value } : null;
  return (
    <Field id={id} label={label} helper={helper} errors={errors} required={required}>
      <div data-select-id={id} style={{ width: '100%' }}>
        <CreatableSelect<Opt, false>
          inputId={id}
          aria-describedby={describedBy(id, errors, helper)}
          options={opts}
          value={selected}
          isLoading={loading}
          isDisabled={isDisabled}
          isClearable
          isInvalid={hasErrors(errors)}
          placeholder={placeholder ?? 'Choose or type…'}
          formatCreateLabel={(text: string) => `Use “${text}”`}
          onCreateOption={(text: string) => onChange(text.trim())}
          onChange={(o) => onChange(o ? o.value : '')}
          />
        </div>
      </Field>
    );
  }
}

/** Several values (project keys, issue type names); falls back to a comma-separated text input. */
export function JiraMultiSelect({
  id,
  label,
  values,
  onChange,
  cacheKey,
  load,
  helper,
  errors,
  isDisabled,
}: {
  id: string;
  label: string;
  values: string[];
  onChange: (v: string[]) => void;
  cacheKey: string;
  load: Loader;
  helper?: React.ReactNode;
  errors?: string[];
  isDisabled?: boolean;
}) {
  const { options, error, loading } = useJiraOptions(cacheKey, load);
  const [text, setText] = useState(values.join(', '));
  useEffect(() => {
    if (text.split(',').map((s) => s.trim()).filter(Boolean).join(',') !== values.join(',')) setText(values.join(', '));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [values.join(',')]);
  if (error) {
    return (
      <TextField
        id={id}
        label={label}
        value={text}
        onChange={(v) => {
          setText(v);
          onChange(v.split(',').map((s) => s.trim()).filter(Boolean));
        }}
        errors={errors}
        isDisabled={isDisabled}
        helper={
          <>
            {helper} Comma separated.<span data-testid={`${id}-hint`} style={hintStyle}> {error}</span>
          </>
        }
      />
    );
  }
  const opts: Opt[] = options.map((o) => ({ value: o.value, label: o.label }));
  const selected = values.map((v) => opts.find((o) => o.value === v) ?? { value: v, label: v });
  return (
    <Field id={id} label={label} helper={helper} errors={errors}>
      <div data-select-id={id} style={{ width: '100%' }}>
        <CreatableSelect<Opt, true>
          inputId={id}
          aria-describedby={describedBy(id, errors, helper)}
          isMulti
          options={opts}
          value={selected}
          isLoading={loading}
          isDisabled={isDisabled}
          isInvalid={hasErrors(errors)}
          placeholder="Any"
          formatCreateLabel={(t: string) => `Use “${t}”`}
          onCreateOption={(t: string) => onChange([...values, t.trim()])}
          onChange={(list) => onChange((list ?? []).map((o) => o.value))}
        />
      </div>
    </Field>
  );
}

/** Jira's fields (for custom fields in the smart-value picker); empty when Jira cannot be asked. */
export function useJiraFields(): JiraField[] {
  const [fields, setFields] = useState<JiraField[]>([]);
  useEffect(() => {
    if (!jiraAvailable()) return;
    let live = true;
    jira.fields().then(
      (f) => live && setFields(f),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return fields;
}

const USER_HINT = 'Search by name; or type an account id or a smart value.';

/**
 * The user search both user pickers share: Jira's answers as options, the display names they have seen (so a picked
 * account id shows its name), and the reason Jira cannot be asked (no requestJira, or a refused search), which makes
 * the picker fall back to its text input.
 */
function useUserSearch(search: (query: string) => Promise<JiraOption[]>) {
  const [problem, setProblem] = useState<string | undefined>(() => (!jiraAvailable() ? new JiraUnavailable().message : undefined));
  const [labels, setLabels] = useState<Record<string, string>>({});
  const load = async (q: string): Promise<Opt[]> => {
    if (!q.trim()) return [];
    try {
      const found = await search(q.trim());
      setLabels((l) => ({ ...l, ...Object.fromEntries(found.map((o) => [o.value, o.label])) }));
      return found.map((o) => ({ value: o.value, label: o.label }));
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
      return [];
    }
  };
  return { problem, labels, load };
}

/**
 * A Jira user, searched as you type (`/rest/api/3/user/search`), stored as the account id; any typed value (e.g. a
 * smart value) is kept as it is. Without requestJira, or when Jira refuses (the user search needs the
 * read:jira-user scope), it is a text input with a hint.
 */
export function JiraUserSelect({
  id,
  label,
  value,
  onChange,
  search,
  errors,
  isDisabled,
  fallback,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  search: (query: string) => Promise<JiraOption[]>;
  errors?: string[];
  isDisabled?: boolean;
  /** Rendered instead when Jira cannot be asked; gets the reason. */
  fallback: (hint: string) => React.ReactNode;
}) {
  const users = useUserSearch(search);
  if (users.problem) return <>{fallback(users.problem)}</>;
  const selected = value ? { value, label: users.labels[value] ?? value } : null;
  return (
    <Field id={id} label={label} errors={errors} helper={USER_HINT}>
      <div data-select-id={id} style={{ width: '100%' }}>
        <AsyncCreatableSelect<Opt, false>
          inputId={id}
          aria-describedby={describedBy(id, errors, USER_HINT)}
          value={selected}
          isDisabled={isDisabled}
          isClearable
          cacheOptions
          placeholder="Search users…"
          loadOptions={users.load}
          formatCreateLabel={(t: string) => `Use “${t}”`}
          onCreateOption={(t: string) => onChange(t.trim())}
          onChange={(o) => onChange(o ? o.value : '')}
        />
      </div>
    </Field>
  );
}

/**
 * Several Jira users (a multi-user picker field), searched as you type like JiraUserSelect and stored as account ids
 * in the order picked; a typed value (an account id, a smart value) is kept as it is. Falls back the same way.
 */
export function JiraUsersSelect({
  id,
  label,
  value,
  onChange,
  search,
  errors,
  isDisabled,
  fallback,
}: {
  id: string;
  label: string;
  value: string[];
  onChange: (v: string[]) => void;
  search: (query: string) => Promise<JiraOption[]>;
  errors?: string[];
  isDisabled?: boolean;
  /** Rendered instead when Jira cannot be asked; gets the reason. */
  fallback: (hint: string) => React.ReactNode;
}) {
  const users = useUserSearch(search);
  if (users.problem) return <>{fallback(users.problem)}</>;
  return (
    <Field id={id} label={label} errors={errors} helper={USER_HINT}>
      <div data-select-id={id} style={{ width: '100%' }}>
        <AsyncCreatableSelect<Opt, true>
          inputId={id}
          aria-describedby={describedBy(id, errors, USER_HINT)}
          isMulti
          value={value.map((v) => ({ value: v, label: users.labels[v] ?? v }))}
          isDisabled={isDisabled}
          cacheOptions
          placeholder="Search users…"
          loadOptions={users.load}
          formatCreateLabel={(t: string) => `Use “${t}”`}
          onCreateOption={(t: string) => (t.trim() && !value.includes(t.trim()) ? onChange([...value, t.trim()]) : undefined)}
          onChange={(os) => onChange([...new Set((os ?? []).map((o) => o.value))])}
        />
      </div>
    </Field>
  );
}
