// Where a request goes, checked as the backend does (HttpStepCompiler): a connection's path is never an address of its
// own, and a constant URL sent with a connection's credentials must be inside that connection's base URL (host and path).
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render } from '@testing-library/react';
import type { Connection } from '../api';
import { httpKind } from './http';
import { transferKind } from './transfer';
import { formValuesFor } from './registry';
import type { StepKind, Values } from './types';

const connections: Connection[] = [{ id: 'conn-1', name: 'CRM', baseUrl: 'https://crm.example.com/api', auth: { type: 'bearer' }, secretSet: true }];
const errorsOf = (kind: StepKind, values: Values) => {
  const errors: Record<string, string[]> = {};
  kind.toJson(values, (rel, m) => (errors[rel] = [...(errors[rel] ?? []), m]));
  return errors;
};
const described = (id: string) =>
  (document.getElementById(id)?.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter((x) => x.includes('-error-'))
    .map((x) => document.getElementById(x)?.textContent ?? '');

describe('a connection path', () => {
  it('that is an address (://, //, a backslash) is refused at the path; a relative path is fine', () => {
    for (const path of ['https://evil.example.com/x', '//evil.example.com/x', '/a\\b']) {
      expect(errorsOf(httpKind, { ...httpKind.defaults(), connection: 'conn-1', path }).path?.[0]).toMatch(/not an address/);
    }
    expect(errorsOf(httpKind, { ...httpKind.defaults(), connection: 'conn-1', path: '/tickets/{{ issue.key | url_encode }}' })).toEqual({});
    const transfer = transferKind.defaults();
    expect(errorsOf(transferKind, { ...transfer, destination: { ...transfer.destination, connection: 'conn-1', path: 'https://x.example.com/' } })['destination.path']?.[0]).toMatch(/not an address/);
  });
});

describe('a URL with credentials', () => {
  const renderHttp = (url: string) => {
    const Form = httpKind.Form;
    return render(<Form index={0} values={formValuesFor({ type: 'http', connection: 'conn-1', url, method: 'GET' })!} onChange={() => undefined} errors={{}} path="steps[0]" readOnly={false} connections={connections} />);
  };

  it("on another host than the connection's is flagged at the credentials, as the backend refuses it", () => {
    renderHttp('https://other.example.com/x');
    expect(described('step-0-connection')).toEqual([expect.stringMatching(/not on CRM's host \(crm\.example\.com\)/)]);
  });

  // It was not flagged on another path of the same host ('https://CRM.example.com/other/path'), which the backend now
  // refuses: a connection's credentials go only to its base URL, path included.
  it("on the connection's host outside its base path is flagged at the credentials, as the backend refuses it", () => {
    for (const url of ['https://CRM.example.com/other/path', 'https://crm.example.com/apix', 'https://crm.example.com/']) {
      const { unmount } = renderHttp(url);
      expect(described('step-0-connection')).toEqual([expect.stringMatching(/outside CRM's base URL \(crm\.example\.com\/api\)/)]);
      unmount();
    }
  });

  it('at or below the base path, or a template (checked when it runs), is not', () => {
    for (const url of ['https://CRM.example.com/api/other/path', 'https://crm.example.com/api', 'https://crm.example.com:443/api/', 'https://{{ issue.fields.customfield_1 }}/x']) {
      const { unmount } = renderHttp(url);
      expect(described('step-0-connection')).toEqual([]);
      unmount();
    }
  });
});
