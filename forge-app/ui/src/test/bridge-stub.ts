// @forge/bridge for unit tests: the real one throws outside Jira. Tests inject a transport
// with setTransport() (see fakeBackend.ts); anything that still reaches this stub fails loudly.
export async function invokeRemote(input: { path: string; method: string }) {
  throw new Error(`invokeRemote(${input.method} ${input.path}) called without a test transport`);
}
export const view = {
  getContext: async () => ({ moduleKey: 'blubees-admin', extension: { type: 'jira:adminPage' } }),
  theme: { enable: async () => undefined },
};
// Outside Jira there is no requestJira; picker tests mock @forge/bridge with one (lib/jira.test.tsx).
export const requestJira: undefined = undefined;
