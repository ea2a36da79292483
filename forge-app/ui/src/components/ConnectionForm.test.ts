import { describe, expect, it } from 'vitest';
import type { Connection } from '../api';
import { buildConnectionInput, initialState, secretOriginChanged } from './ConnectionForm';

const ai: Connection = {
  id: 'conn-ai',
  name: 'OpenAI',
  baseUrl: 'https://api.openai.com/v1',
  auth: { type: 'bearer' },
  secretSet: true,
  provider: 'openai',
  resilience: { maxRetries: 1, requestsPerSecond: 5 },
};

describe('connection form input', () => {
  it('keeps what the form does not edit: the AI provider and the resilience settings, and leaves the secret out', () => {
    const { input, errors } = buildConnectionInput({ ...initialState(ai), name: 'OpenAI (prod)' }, undefined, {
      creating: false,
      replacing: false,
      originalType: 'bearer',
      original: ai,
    });
    expect(errors).toEqual({});
    expect(input).toEqual({
      name: 'OpenAI (prod)',
      baseUrl: 'https://api.openai.com/v1',
      auth: { type: 'bearer' },
      provider: 'openai',
      resilience: { maxRetries: 1, requestsPerSecond: 5 },
    });
  });

  it('builds an OAuth 2.0 connection with its token endpoint, client id and scope', () => {
    const state = {
      ...initialState(),
      name: 'Service desk',
      baseUrl: 'https://api.example.com/v1',
      authType: 'oauth2RefreshToken' as const,
      tokenUrl: 'https://login.example.com/oauth/token',
      clientId: 'blubees',
      scope: 'tickets:write offline_access',
      clientAuth: 'basic' as const,
    };
    const { input, errors } = buildConnectionInput(state, 'refresh-token', { creating: true, replacing: true });
    expect(errors).toEqual({});
    expect(input).toEqual({
      name: 'Service desk',
      baseUrl: 'https://api.example.com/v1',
      auth: { type: 'oauth2RefreshToken', tokenUrl: 'https://login.example.com/oauth/token', clientId: 'blubees', scope: 'tickets:write offline_access', clientAuth: 'basic' },
      secret: 'refresh-token',
    });
  });

  it('names the missing OAuth fields and the missing client secret', () => {
    const state = { ...initialState(), name: 'x', baseUrl: 'https://api.example.com', authType: 'oauth2ClientCredentials' as const, tokenUrl: 'not a url' };
    const { errors } = buildConnectionInput(state, undefined, { creating: true, replacing: true });
    expect(Object.keys(errors).sort()).toEqual(['auth.clientId', 'auth.tokenUrl', 'secret']);
    expect(errors.secret).toEqual(['Enter the client secret.']);
  });
});

describe('a stored secret on edit', () => {
  const team: Connection = { id: 'c-team', name: 'Team A', baseUrl: 'https://api.example.com/v1/teamA', auth: { type: 'bearer' }, secretSet: true };

  // As the backend (ConnectionService): kept only while the base URL stays inside the one it was given for. It was kept
  // for any path of the same host.
  it('must be entered again when the base URL leaves its path, not when it narrows it', () => {
    for (const baseUrl of ['https://api.example.com/v1/teamB', 'https://api.example.com/v1/teamAB', 'https://api.example.com/', 'https://other.example.com/v1/teamA']) {
      expect(secretOriginChanged(team, { ...initialState(team), baseUrl })).toBe(true);
    }
    for (const baseUrl of ['https://api.example.com/v1/teamA', 'https://api.example.com/v1/teamA/', 'https://API.example.com/v1/teamA/sub']) {
      expect(secretOriginChanged(team, { ...initialState(team), baseUrl })).toBe(false);
    }
  });
});
