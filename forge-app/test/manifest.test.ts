// @vitest-environment node
// Offline validation of manifest.yml with @forge/manifest (what `forge lint` runs, minus the login).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessorBuilder, ValidationTypes } from '@forge/manifest';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLE_ENV = {
  BLUBEES_APP_ID: 'ari:cloud:ecosystem::app/0b6a1c5e-8f1d-4a57-9a44-1d2f0e6c9b11',
  BLUBEES_BACKEND_URL: 'https://blubees.example.com',
};

interface Outcome {
  success: boolean;
  errors: { message: string; level?: string }[];
  manifest: Record<string, any> | undefined;
}

/** Runs a validation the way the Forge CLI does: from the directory holding manifest.yml. */
async function validate(dir: string, type: ValidationTypes, env: Record<string, string | undefined> = SAMPLE_ENV): Promise<Outcome> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const result = await ProcessorBuilder.instance().withValidation(type).build().process();
    const errors = (result.errors ?? []).filter((e: { level?: string }) => e.level !== 'warning');
    return { success: result.success && errors.length === 0, errors, manifest: (result.manifestObject as any)?.typedContent };
  } finally {
    process.chdir(cwd);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A copy of the app's manifest and function source, with the built UI (or a stub of it). */
function mirror(edit?: (manifest: string) => string, options: { withUi?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'blubees-manifest-'));
  const manifest = readFileSync(join(appDir, 'manifest.yml'), 'utf8');
  writeFileSync(join(dir, 'manifest.yml'), edit ? edit(manifest) : manifest);
  cpSync(join(appDir, 'src'), join(dir, 'src'), { recursive: true });
  if (options.withUi !== false) {
    mkdirSync(join(dir, 'ui', 'dist'), { recursive: true });
    writeFileSync(join(dir, 'ui', 'dist', 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dir, 'ui', 'dist', 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  }
  dirs.push(dir);
  return dir;
}
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const builtUi = existsSync(join(appDir, 'ui', 'dist', 'index.html'));

describe('manifest.yml validates offline with @forge/manifest', () => {
  let dir: string;
  beforeAll(() => {
    // The real app directory when the UI has been built (npm run build); otherwise a mirror with a stub UI.
    dir = builtUi ? appDir : mirror();
  });

  it('passes FULL validation (schema, references, resources, scopes)', async () => {
    const outcome = await validate(dir, ValidationTypes.FULL);
    expect(outcome.errors.map((e) => e.message)).toEqual([]);
    expect(outcome.success).toBe(true);
  });

  it('passes PRODUCT_TRIGGER validation (event scopes)', async () => {
    const outcome = await validate(dir, ValidationTypes.PRODUCT_TRIGGER);
    expect(outcome.errors.map((e) => e.message)).toEqual([]);
    expect(outcome.success).toBe(true);
  });

  it('passes FORGE_REMOTE_COMPUTE validation', async () => {
    const outcome = await validate(dir, ValidationTypes.FORGE_REMOTE_COMPUTE);
    expect(outcome.errors.map((e) => e.message)).toEqual([]);
  });

  it('substitutes the app id and backend URL from the environment', async () => {
    const { manifest } = await validate(dir, ValidationTypes.FULL);
    expect(manifest!.app.id).toBe(SAMPLE_ENV.BLUBEES_APP_ID);
    expect(manifest!.remotes[0].baseUrl).toBe(SAMPLE_ENV.BLUBEES_BACKEND_URL);
    expect(manifest!.app.runtime.name).toBe('nodejs22.x');
  });

  it('wires every Forge entry point to the backend routes the backend serves', async () => {
    const { manifest } = await validate(dir, ValidationTypes.FULL);
    const m = manifest!.modules;
    const endpoints = Object.fromEntries(m.endpoint.map((e: any) => [e.key, e]));
    const routeOf = (key: string) => endpoints[key]?.route?.path;

    const issueTrigger = m.trigger.find((t: any) => t.events.includes('avi:jira:created:issue'));
    expect(issueTrigger.events.sort()).toEqual(
      [
        'avi:jira:assigned:issue',
        'avi:jira:commented:issue',
        'avi:jira:created:issue',
        'avi:jira:deleted:comment',
        'avi:jira:deleted:issue',
        'avi:jira:mentioned:issue',
        'avi:jira:updated:issue',
      ].sort(),
    );
    expect(issueTrigger.filter).toEqual({ ignoreSelf: true });
    expect(routeOf(issueTrigger.endpoint)).toBe('/forge/events');

    const lifecycle = m.trigger.find((t: any) => t.events.includes('avi:forge:installed:app'));
    expect(lifecycle.events).toContain('avi:forge:upgraded:app');
    expect(routeOf(lifecycle.endpoint)).toBe('/forge/lifecycle');
    expect(routeOf(m.preUninstall[0].endpoint)).toBe('/forge/uninstall');

    // The shortest documented interval: cron schedules fire at the first tick after each occurrence (docs/api.md).
    expect(m.scheduledTrigger[0].interval).toBe('fiveMinute');
    expect(routeOf(m.scheduledTrigger[0].endpoint)).toBe('/forge/scheduled');

    for (const key of ['jira:adminPage', 'jira:issuePanel']) {
      const ui = m[key][0];
      const endpoint = endpoints[ui.resolver.endpoint];
      expect(endpoint.remote).toBe('backend');
      expect(endpoint.route).toBeUndefined();
      expect(endpoint.auth).toEqual({ appSystemToken: { enabled: true }, appUserToken: { enabled: true } });
    }
    expect(m['jira:adminPage'][0].useAsConfig).toBe(true);
    expect(m['jira:issuePanel'][0].icon).toMatch(/^resource:main;/);

    for (const e of m.endpoint) {
      expect(e.remote).toBe('backend');
      expect(e.auth.appSystemToken.enabled).toBe(true);
    }
    expect(m.webtrigger[0].function).toBe('webhook-forwarder');
    expect(m.function[0].handler).toBe('webhook.handler');
  });

  it('declares the remote as storing metadata only, and the minimal scopes', async () => {
    const { manifest } = await validate(dir, ValidationTypes.FULL);
    const remote = manifest!.remotes[0];
    expect(remote.key).toBe('backend');
    // Not 'fetch' (a remote used for client fetch permissions, Atlassian's remotes reference): the UI fetches nothing.
    expect(remote.operations.sort()).toEqual(['compute', 'storage']);
    expect(remote.storage).toEqual({ inScopeEUD: false });
    expect(manifest!.permissions.scopes.sort()).toEqual(['read:app-system-token', 'read:app-user-token', 'read:jira-user', 'read:jira-work', 'write:jira-work']);
    // No external egress from the UI: everything goes through invokeRemote.
    expect(manifest!.permissions.external).toBeUndefined();
    expect(manifest!.permissions.content).toEqual({ styles: ['unsafe-inline'] });
  });
});

describe('the validation catches broken manifests', () => {
  const messages = (o: Outcome) => o.errors.map((e) => e.message).join('\n');

  it('fails PRODUCT_TRIGGER when the issue events lose their scope', async () => {
    const dir = mirror((m) => m.replace(/^\s+- read:jira-work\n/m, ''));
    const outcome = await validate(dir, ValidationTypes.PRODUCT_TRIGGER);
    expect(outcome.success).toBe(false);
    expect(messages(outcome)).toMatch(/requires 'read:jira-work' scope/);
  });

  it('fails FULL when a trigger names an endpoint that does not exist', async () => {
    const dir = mirror((m) => m.replace('endpoint: events-endpoint', 'endpoint: no-such-endpoint'));
    const outcome = await validate(dir, ValidationTypes.FULL);
    expect(outcome.success).toBe(false);
    expect(messages(outcome)).toMatch(/no-such-endpoint/);
  });

  it('fails FULL for a runtime the schema does not accept', async () => {
    const dir = mirror((m) => m.replace('name: nodejs22.x', 'name: nodejs18.x'));
    const outcome = await validate(dir, ValidationTypes.FULL);
    expect(outcome.success).toBe(false);
    expect(messages(outcome)).toMatch(/runtime/);
  });

  it('fails when a manifest variable is not set', async () => {
    const dir = mirror();
    const outcome = await validate(dir, ValidationTypes.FULL, { BLUBEES_BACKEND_URL: undefined, BLUBEES_APP_ID: SAMPLE_ENV.BLUBEES_APP_ID });
    expect(outcome.success).toBe(false);
    expect(messages(outcome)).toMatch(/BLUBEES_BACKEND_URL/);
  });

  it('fails FULL when the Custom UI resource has not been built', async () => {
    const dir = mirror(undefined, { withUi: false });
    const outcome = await validate(dir, ValidationTypes.FULL);
    expect(outcome.success).toBe(false);
    expect(messages(outcome)).toMatch(/ui\/dist/);
  });

  it('fails FULL when the web trigger function file is missing', async () => {
    const dir = mirror((m) => m.replace('handler: webhook.handler', 'handler: missing.handler'));
    const outcome = await validate(dir, ValidationTypes.FULL);
    expect(outcome.success).toBe(false);
    expect(messages(outcome)).toMatch(/missing/);
  });
});
