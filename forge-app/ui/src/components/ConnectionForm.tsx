import React, { useEffect, useRef, useState } from 'react';
import Button from '@atlaskit/button/new';
import Lozenge from '@atlaskit/lozenge';
import SectionMessage, { SectionMessageAction } from '@atlaskit/section-message';
import { token } from '@atlaskit/tokens';
import { api, ApiError, type AiProvider, type AuthType, type Connection, type ConnectionInput } from '../api';
import { ErrorBanner, ErrorSummary, row, SelectField, stack, TextField } from './common';

export const AUTH_TYPES: { value: AuthType; label: string }[] = [
  { value: 'none', label: 'No authentication' },
  { value: 'apiKey', label: 'API key' },
  { value: 'bearer', label: 'Bearer token' },
  { value: 'basic', label: 'Basic (username and password)' },
  { value: 'oauth2ClientCredentials', label: 'OAuth 2.0 client credentials' },
  { value: 'oauth2RefreshToken', label: 'OAuth 2.0 refresh token' },
];
const SECRET_LABEL: Record<AuthType, string> = {
  none: '',
  apiKey: 'API key',
  bearer: 'Bearer token',
  basic: 'Password',
  oauth2ClientCredentials: 'Client secret',
  oauth2RefreshToken: 'Refresh token',
};
const isOAuth = (t: AuthType) => t === 'oauth2ClientCredentials' || t === 'oauth2RefreshToken';

/** Scheme, host and port: what an OAuth 2.0 client secret or refresh token is tied to (the token URL; docs/api.md, Connections). */
function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a.trim()).origin === new URL(b.trim()).origin;
  } catch {
    return a.trim() === b.trim();
  }
}

/**
 * Whether `next` is inside the base URL a secret was given for: its origin, at or below its path (the backend's
 * CredentialScope; a `/v1/teamA` secret is not kept for `/v1/teamB` or the whole host).
 */
function withinScope(original: string, next: string): boolean {
  try {
    const a = new URL(original.trim());
    const b = new URL(next.trim());
    const base = a.pathname.replace(/\/+$/, '');
    return a.origin === b.origin && (base === '' || b.pathname === base || b.pathname.startsWith(base + '/'));
  } catch {
    return original.trim() === next.trim();
  }
}

/**
 * The backend keeps a stored secret on update only while the auth type stays the same, the base URL stays inside the
 * one the secret was given for (same origin, at or below its path) and (OAuth 2.0) the token URL's origin stays the
 * same; otherwise the secret must be sent again.
 */
export function secretOriginChanged(original: Connection | undefined, state: ConnectionFormState): boolean {
  if (!original) return false;
  if (!withinScope(original.baseUrl, state.baseUrl)) return true;
  return isOAuth(original.auth?.type) && isOAuth(state.authType) && !sameOrigin(original.auth?.tokenUrl ?? '', state.tokenUrl);
}
export const PROVIDERS: { value: '' | AiProvider; label: string }[] = [
  { value: '', label: 'No (plain HTTP connection)' },
  { value: 'openai', label: 'OpenAI-compatible chat completions' },
  { value: 'anthropic', label: 'Anthropic messages' },
];

export interface ConnectionFormState {
  name: string;
  baseUrl: string;
  authType: AuthType;
  apiKeyIn: 'header' | 'query';
  apiKeyName: string;
  username: string;
  tokenUrl: string;
  clientId: string;
  scope: string;
  clientAuth: 'body' | 'basic';
  provider: '' | AiProvider;
}

export function initialState(c?: Connection): ConnectionFormState {
  return {
    name: c?.name ?? '',
    baseUrl: c?.baseUrl ?? 'https://',
    authType: c?.auth?.type ?? 'none',
    apiKeyIn: c?.auth?.in ?? 'header',
    apiKeyName: c?.auth?.name ?? (c ? '' : 'X-API-Key'),
    username: c?.auth?.username ?? '',
    tokenUrl: c?.auth?.tokenUrl ?? '',
    clientId: c?.auth?.clientId ?? '',
    scope: c?.auth?.scope ?? '',
    clientAuth: c?.auth?.clientAuth ?? 'body',
    provider: c?.provider ?? '',
  };
}

/**
 * Builds the request body. `secret` is included only when the user typed a new one; on update,
 * leaving it out keeps the stored secret.
 */
export function buildConnectionInput(
  state: ConnectionFormState,
  secret: string | undefined,
  mode: { creating: boolean; replacing: boolean; originalType?: AuthType; original?: Connection },
  clientSecret?: string,
): { input: ConnectionInput; errors: Record<string, string[]> } {
  const errors: Record<string, string[]> = {};
  if (!state.name.trim()) errors.name = ['Give the connection a name.'];
  try {
    const url = new URL(state.baseUrl.trim());
    if (url.protocol !== 'https:' && url.protocol !== 'http:') errors.baseUrl = ['Use an https:// URL.'];
  } catch {
    errors.baseUrl = ['Enter a full URL, for example https://api.example.com.'];
  }
  const auth: ConnectionInput['auth'] = { type: state.authType };
  if (state.authType === 'apiKey') {
    auth.in = state.apiKeyIn;
    auth.name = state.apiKeyName.trim();
    if (!auth.name) errors['auth.name'] = [state.apiKeyIn === 'header' ? 'Enter the header name.' : 'Enter the query parameter name.'];
  }
  if (state.authType === 'basic') {
    auth.username = state.username.trim();
    if (!auth.username) errors['auth.username'] = ['Enter the username.'];
  }
  if (isOAuth(state.authType)) {
    auth.tokenUrl = state.tokenUrl.trim();
    auth.clientId = state.clientId.trim();
    if (!/^https?:\/\/\S+$/.test(auth.tokenUrl)) errors['auth.tokenUrl'] = ['Enter the token endpoint, for example https://login.example.com/oauth/token.'];
    if (!auth.clientId) errors['auth.clientId'] = ['Enter the client id.'];
    if (state.scope.trim()) auth.scope = state.scope.trim();
    if (state.clientAuth !== 'body') auth.clientAuth = state.clientAuth;
  }
  const input: ConnectionInput = { name: state.name.trim(), baseUrl: state.baseUrl.trim(), auth };
  if (state.provider) input.provider = state.provider;
  // The form does not edit resilience settings: a save keeps them as they are instead of resetting them.
  if (mode.original?.resilience) input.resilience = mode.original.resilience;
  const needsSecret = state.authType !== 'none';
  const mustSend =
    needsSecret && (mode.creating || mode.replacing || mode.originalType !== state.authType || secretOriginChanged(mode.original, state));
  if (mustSend) {
    if (!secret) errors.secret = [`Enter the ${SECRET_LABEL[state.authType].toLowerCase()}.`];
    else input.secret = secret;
  }
  // A refresh-token connection's client secret (optional: a public client has none); the backend allows it on no other type.
  if (state.authType === 'oauth2RefreshToken' && clientSecret) input.clientSecret = clientSecret;
  return { input, errors };
}

/** A 409 whose reason is connection_changed: the connection was saved by someone else since this editor opened it. */
function isChangedElsewhere(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status === 409 && err.problem.reason === 'connection_changed';
}

export function ConnectionForm({
  connection,
  readOnly,
  onSaved,
  onCancel,
}: {
  connection?: Connection;
  readOnly: boolean;
  onSaved: (c: Connection) => void;
  onCancel: () => void;
}) {
  const creating = !connection;
  // The connection as last read here: the one opened, or the one reloaded after someone else saved it (409 connection_changed).
  const [original, setOriginal] = useState(connection);
  const [state, setState] = useState(() => initialState(connection));
  // The secret lives only in this component's state until it is sent; it is never pre-filled.
  const [secret, setSecret] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [replacing, setReplacing] = useState(creating || !original?.secretSet);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [failure, setFailure] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const [reloading, setReloading] = useState(false);

  // The button that opened the form is gone: the heading takes focus, so keyboard and screen-reader users start here.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const set = <K extends keyof ConnectionFormState>(key: K, value: ConnectionFormState[K]) => setState((s) => ({ ...s, [key]: value }));
  const typeChanged = !creating && original?.auth?.type !== state.authType;
  // A new origin or a path outside the old base URL: the stored secret is not sent there, so it must be entered again
  // (the backend refuses without it).
  const originChanged = !creating && original?.secretSet === true && secretOriginChanged(original, state);
  // The stored client secret is kept on update under the same rules as the secret (type and origins unchanged).
  const keepsClientSecret = !creating && original?.clientSecretSet === true && !typeChanged && !secretOriginChanged(original, state);
  const showSecretInput = state.authType !== 'none' && (replacing || typeChanged || originChanged || !!errors.secret?.length);

  /** `over`: the revision an admin chose to save over after a 409 connection_changed (else the revision opened here). */
  async function submit(e?: React.FormEvent, over?: number) {
    e?.preventDefault();
    if (readOnly) return;
    const { input, errors: local } = buildConnectionInput(
      state,
      secret || undefined,
      { creating, replacing, originalType: original?.auth?.type, original },
      clientSecret || undefined,
    );
    setErrors(local);
    setFailure(undefined);
    if (Object.keys(local).length) return;
    setSaving(true);
    try {
      // The revision opened (or reloaded) here: a connection someone else saved since is refused (409), not overwritten.
      const saved = creating ? await api.createConnection(input) : await api.updateConnection(original!.id, input, over ?? original?.revision);
      setSecret('');
      setClientSecret('');
      onSaved(saved);
    } catch (err) {
      // A 409 connection_changed names baseRevision in its errors: it is shown as what it is, not as a field to fix.
      if (isChangedElsewhere(err)) setFailure(err);
      else if (err instanceof ApiError && Object.keys(err.fieldErrors).length) setErrors(err.fieldErrors);
      else setFailure(err);
    } finally {
      setSaving(false);
    }
  }

  /** Discards the edits made here and opens the connection as it is now saved (after a 409 connection_changed). */
  async function reload() {
    if (!original) return;
    setReloading(true);
    try {
      const fresh = await api.getConnection(original.id);
      setOriginal(fresh);
      setState(initialState(fresh));
      setSecret('');
      setClientSecret('');
      setReplacing(!fresh.secretSet);
      setErrors({});
      setFailure(undefined);
    } catch (err) {
      setFailure(err);
    } finally {
      setReloading(false);
    }
  }

  // A 409 connection_changed: someone saved the connection after this editor opened it (docs/api.md, Connections).
  const changedElsewhere = isChangedElsewhere(failure)
    ? { detail: failure.detail ?? failure.title, currentRevision: typeof failure.problem.currentRevision === 'number' ? failure.problem.currentRevision : undefined }
    : undefined;

  const placed = new Set(['name', 'baseUrl', 'auth.type', 'auth.in', 'auth.name', 'auth.username', 'auth.tokenUrl', 'auth.clientId', 'auth.scope', 'provider', 'secret', 'clientSecret']);
  const unplaced = Object.fromEntries(Object.entries(errors).filter(([k]) => !placed.has(k)));

  return (
    <form onSubmit={submit} aria-label={creating ? 'New connection' : `Edit connection ${original?.name}`} style={stack('space.200')} noValidate>
      <h3 ref={heading} tabIndex={-1} style={{ margin: 0, font: token('font.heading.small') }}>
        {creating ? 'New connection' : `Edit ${original?.name}`}
      </h3>
      {changedElsewhere ? (
        <div role="alert" data-testid="connection-changed">
          <SectionMessage
            appearance="warning"
            title="Someone else saved this connection while you were editing it"
            actions={[
              <SectionMessageAction key="reload" onClick={reload}>
                {reloading ? 'Reloading…' : 'Reload the connection (discard my changes)'}
              </SectionMessageAction>,
              ...(changedElsewhere.currentRevision !== undefined
                ? [
                    <SectionMessageAction key="over" onClick={() => submit(undefined, changedElsewhere.currentRevision)}>
                      {`Save my changes over revision ${changedElsewhere.currentRevision}`}
                    </SectionMessageAction>,
                  ]
                : []),
            ]}
          >
            <p style={{ margin: 0 }}>{changedElsewhere.detail}</p>
            <p style={{ margin: 0 }}>
              Your changes are still here, not saved. Reload to see the saved connection (your changes are discarded), or save yours over it.
            </p>
          </SectionMessage>
        </div>
      ) : (
        <ErrorBanner error={failure} />
      )}
      <ErrorSummary errors={unplaced} />
      <div style={row('space.200')}>
        <TextField id="conn-name" label="Name" required value={state.name} onChange={(v) => set('name', v)} errors={errors.name} isDisabled={readOnly} />
        <TextField
          id="conn-baseUrl"
          label="Base URL"
          required
          value={state.baseUrl}
          onChange={(v) => set('baseUrl', v)}
          errors={errors.baseUrl}
          helper="Steps call paths relative to this URL."
          isDisabled={readOnly}
          width={360}
        />
      </div>
      <div style={row('space.200')}>
        <SelectField
          id="conn-authType"
          label="Authentication"
          options={AUTH_TYPES}
          value={state.authType}
          onChange={(v) => {
            const next = (v || 'none') as AuthType;
            // A secret typed for one kind (an API key) is not the next kind's (a password): never send it under it.
            if (next !== state.authType) {
              setSecret('');
              setClientSecret('');
            }
            set('authType', next);
          }}
          errors={errors['auth.type']}
          isDisabled={readOnly}
        />
        {state.authType === 'apiKey' && (
          <>
            <SelectField
              id="conn-apiKeyIn"
              label="Send the key in"
              options={[
                { value: 'header', label: 'A request header' },
                { value: 'query', label: 'A query parameter' },
              ]}
              value={state.apiKeyIn}
              onChange={(v) => set('apiKeyIn', (v || 'header') as 'header' | 'query')}
              errors={errors['auth.in']}
              isDisabled={readOnly}
            />
            <TextField
              id="conn-apiKeyName"
              label={state.apiKeyIn === 'header' ? 'Header name' : 'Query parameter name'}
              required
              value={state.apiKeyName}
              onChange={(v) => set('apiKeyName', v)}
              errors={errors['auth.name']}
              isDisabled={readOnly}
            />
          </>
        )}
        {state.authType === 'basic' && (
          <TextField id="conn-username" label="Username" required value={state.username} onChange={(v) => set('username', v)} errors={errors['auth.username']} isDisabled={readOnly} />
        )}
      </div>
      {isOAuth(state.authType) && (
        <div style={row('space.200')}>
          <TextField id="conn-tokenUrl" label="Token URL" required value={state.tokenUrl} onChange={(v) => set('tokenUrl', v)} errors={errors['auth.tokenUrl']} isDisabled={readOnly} width={360} />
          <TextField id="conn-clientId" label="Client id" required value={state.clientId} onChange={(v) => set('clientId', v)} errors={errors['auth.clientId']} isDisabled={readOnly} />
          <TextField id="conn-scope" label="Scope" value={state.scope} onChange={(v) => set('scope', v)} errors={errors['auth.scope']} helper="Optional, space-separated." isDisabled={readOnly} />
          <SelectField
            id="conn-clientAuth"
            label="Client authentication"
            options={[
              { value: 'body', label: 'In the form body' },
              { value: 'basic', label: 'HTTP Basic' },
            ]}
            value={state.clientAuth}
            onChange={(v) => set('clientAuth', (v || 'body') as 'body' | 'basic')}
            isDisabled={readOnly}
          />
        </div>
      )}
      {state.authType === 'oauth2RefreshToken' && (
        <TextField
          id="conn-clientSecret"
          label="Client secret (optional)"
          type="password"
          autoComplete="new-password"
          value={clientSecret}
          onChange={setClientSecret}
          errors={errors.clientSecret}
          helper={
            keepsClientSecret
              ? 'A client secret is stored (encrypted; it cannot be displayed). Leave empty to keep it, or type a new one to replace it.'
              : 'For a confidential client; leave empty for a public client. Write-only: stored encrypted and never shown again.'
          }
          isDisabled={readOnly}
          width={360}
        />
      )}
      <SelectField
        id="conn-provider"
        label="Use for AI steps"
        options={PROVIDERS}
        value={state.provider}
        onChange={(v) => set('provider', (v || '') as '' | AiProvider)}
        errors={errors.provider}
        isDisabled={readOnly}
      />

      {state.authType !== 'none' &&
        (showSecretInput ? (
          <div style={row('space.100')}>
            <TextField
              id="conn-secret"
              label={SECRET_LABEL[state.authType]}
              type="password"
              autoComplete="new-password"
              required
              value={secret}
              onChange={setSecret}
              errors={errors.secret}
              helper={
                originChanged && !replacing && !typeChanged
                  ? 'The address changed: the stored secret is only sent to the address it was given for (its host, at or below its path), so enter it again. Write-only: stored encrypted and never shown again.'
                  : 'Write-only: stored encrypted and never shown again.'
              }
              isDisabled={readOnly}
              width={360}
            />
            {!creating && original?.secretSet && !typeChanged && !originChanged && (
              <Button
                appearance="subtle"
                onClick={() => {
                  setReplacing(false);
                  setSecret('');
                }}
              >
                Keep the current secret
              </Button>
            )}
          </div>
        ) : (
          <div role="group" aria-labelledby="conn-secret-status-label" style={stack('space.050')}>
            <span id="conn-secret-status-label" style={{ font: token('font.body.small'), fontWeight: 600, color: token('color.text.subtle') }}>
              {SECRET_LABEL[state.authType]}
            </span>
            <div style={row('space.100')}>
              <Lozenge appearance="success">Set</Lozenge>
              <span style={{ color: token('color.text.subtle') }}>Stored encrypted; it cannot be displayed.</span>
              {!readOnly && (
                <Button onClick={() => setReplacing(true)} aria-label={`Replace the ${SECRET_LABEL[state.authType].toLowerCase()}`}>
                  Replace
                </Button>
              )}
            </div>
          </div>
        ))}

      <div style={row('space.100')}>
        {!readOnly && (
          <Button appearance="primary" type="submit" isLoading={saving}>
            {creating ? 'Create connection' : 'Save connection'}
          </Button>
        )}
        <Button appearance="subtle" onClick={onCancel}>
          {readOnly ? 'Back' : 'Cancel'}
        </Button>
      </div>
    </form>
  );
}
