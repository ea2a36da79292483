// Display names for account ids (version authors), looked up as the signed-in user through requestJira, so Jira's
// own visibility rules apply. Looked up once per account per page load; a failed look-up leaves the id to be shown.
import { useEffect, useState } from 'react';
import { jira } from './jira';

const cache = new Map<string, Promise<string | undefined>>();

export function displayNameOf(accountId: string): Promise<string | undefined> {
  let pending = cache.get(accountId);
  if (!pending) {
    pending = jira.user(accountId).then(
      (u) => u.displayName,
      () => undefined,
    );
    cache.set(accountId, pending);
  }
  return pending;
}

/** Tests: forget earlier look-ups. */
export function clearDisplayNames() {
  cache.clear();
}

/** accountId → display name, filled in as look-ups answer. */
export function useDisplayNames(accountIds: (string | null | undefined)[]): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  const key = [...new Set(accountIds.filter((a): a is string => !!a))].sort().join(',');
  useEffect(() => {
    let live = true;
    for (const id of key ? key.split(',') : []) {
      displayNameOf(id).then((name) => {
        if (live && name) setNames((n) => (n[id] === name ? n : { ...n, [id]: name }));
      });
    }
    return () => {
      live = false;
    };
  }, [key]);
  return names;
}
