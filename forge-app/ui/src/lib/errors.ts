// Plain-language explanations of run error categories (docs/api.md "Runs" and each step kind's section;
// the strings are the engine's ErrorCategories constants) and 1-based step paths.

export interface Explanation {
  title: string;
  /** What happened, in words. */
  explanation: string;
  /** What to do about it. */
  fix: string;
}

export const ERROR_CATEGORIES: Record<string, Explanation> = {
  timeout: { title: 'Timed out', explanation: 'The service did not answer within the step’s timeout.', fix: 'Check the service is up; raise “Timeout (seconds)” on the step if it is just slow.' },
  refused: { title: 'Connection refused', explanation: 'Nothing accepted the connection at the connection’s address.', fix: 'Check the connection’s base URL (host and port) and that the service is running.' },
  blocked_destination: { title: 'Destination blocked', explanation: 'BluBees refused to call this address: private, loopback and metadata IP addresses (and ports or schemes the operator does not allow) are never called.', fix: 'Use a public HTTPS address for the connection.' },
  http_4xx: { title: 'The service rejected the request (4xx)', explanation: 'The service answered with a client error such as 400, 401, 403 or 404, or 429 “too many requests” (after the retries the connection allows; the step’s status code says which).', fix: 'Check the path, the body fields and the connection’s credentials; a dry run shows exactly what is sent.' },
  http_5xx: { title: 'The service failed (5xx)', explanation: 'The service answered with a server error.', fix: 'Usually temporary on their side: check the service’s status; BluBees already retried where it could.' },
  template_error: { title: 'A smart value could not be filled in', explanation: 'A template failed while rendering (an unknown filter, a value too large, a limit reached).', fix: 'Open the rule, dry-run it with a sample event, and fix the field named in the dry run.' },
  condition_error: { title: 'A condition could not be evaluated', explanation: 'A condition compared values it could not compare (e.g. a number with text) or its pattern failed.', fix: 'Check the condition’s field path and value type in the rule’s Conditions.' },
  connection_saved_by_newer_version: { title: 'The connection was saved by a newer version', explanation: 'BluBees was rolled back to an earlier version, and the step’s connection holds settings this version cannot read, so it was not used and nothing was sent.', fix: 'Open the connection and save it again (give its secret again), or wait until the newer version is back.' },
  connection_missing: { title: 'The connection no longer exists', explanation: 'The step names a connection that was deleted.', fix: 'Edit the rule and pick an existing connection for the step.' },
  credential_scope: { title: 'Credential sent outside its connection', explanation: 'The request would have carried the connection’s credential to another address, so it was not sent.', fix: 'Keep the step’s path (or URL) on the connection’s own base URL; for an AI step, check the connection’s base URL and the model name.' },
  secret_unavailable: { title: 'The connection’s secret could not be read', explanation: 'The stored secret could not be decrypted.', fix: 'Open the connection and replace its secret; if it persists, contact your BluBees operator.' },
  response_too_large: { title: 'Answer too large', explanation: 'The response (or transferred file) was larger than allowed.', fix: 'Ask the service for less data, or raise the transfer step’s size cap.' },
  too_many_redirects: { title: 'Too many redirects', explanation: 'The service kept redirecting the request.', fix: 'Point the connection or path at the final address.' },
  invalid_url: { title: 'Invalid address', explanation: 'The rendered URL was not a valid http(s) address (or Jira’s site address was unavailable).', fix: 'Check the connection’s base URL and the smart values in the path.' },
  connection_failed: { title: 'Could not connect', explanation: 'The network connection failed (DNS, TLS or a reset). A host name that does not resolve to a public address is reported here too.', fix: 'Check the host name (it must resolve to a public address) and its certificate; try again later.' },
  internal_error: { title: 'BluBees had a problem', explanation: 'Something unexpected failed inside BluBees.', fix: 'Try again; if it repeats, contact support with the run id.' },
  rule_invalid: { title: 'The rule is not valid any more', explanation: 'The saved rule could not be compiled (e.g. after an upgrade).', fix: 'Open the rule, fix the fields it reports and save it again.' },
  oauth_token_rejected: { title: 'OAuth sign-in rejected', explanation: 'The token endpoint refused the connection’s client credentials or refresh token.', fix: 'Open the connection and replace the client secret or refresh token.' },
  oauth_token_unavailable: { title: 'OAuth token unavailable', explanation: 'No access token could be obtained from the token endpoint.', fix: 'Check the connection’s token URL and that the provider is reachable.' },
  circuit_open: { title: 'Paused after repeated failures', explanation: 'The connection failed several times in a row, so BluBees stopped calling it for a while (circuit breaker).', fix: 'Fix the service or connection; calls resume automatically after the break.' },
  rate_limited: { title: 'Rate limited', explanation: 'Jira kept answering 429 “too many requests” (or asked to wait longer than allowed), or the connection’s own rate limit was reached (its queue was full). A service’s 429 on an http or AI step is “The service rejected the request (4xx)”.', fix: 'Lower how often the rule runs, or raise the connection’s limits if the service allows it.' },
  system_token_missing: { title: 'No Jira access for this run', explanation: 'Jira steps (and a manual run’s read of its issue) need the app token Forge sends with every trigger: issue events, schedules, incoming webhooks and “Run now”. This run had none (e.g. an event sent by hand while testing).', fix: 'Trigger the rule from Jira itself (an event, its schedule, its webhook or “Run now”) rather than with a hand-made request; if real triggers fail this way, ask your BluBees operator to check the app’s token settings.' },
  issue_missing: { title: 'No issue to act on', explanation: 'The step’s issue rendered empty or was not an issue key.', fix: 'Check the step’s “Issue” field (leave it empty for the event’s issue).' },
  jira_issue_not_found: { title: 'Issue not found in Jira', explanation: 'The manual run could not read its issue: Jira answered that it does not exist or that BluBees may not see it (it may have been deleted or moved to a project the app cannot browse). No step ran.', fix: 'Check the issue still exists and that the BluBees app can browse its project, then run the rule again.' },
  transition_not_found: { title: 'Transition not available', explanation: 'The issue’s workflow has no transition with that name from its current status.', fix: 'Pick a transition the issue has (enter an example issue in the step to list them).' },
  attachment_missing: { title: 'No attachment', explanation: 'The attachment id rendered empty or was not a number (the issue may have no attachment).', fix: 'Add a condition that the issue has attachments, or check the attachment smart value.' },
  connection_mismatch: { title: 'Not an AI connection', explanation: 'The AI step’s connection no longer has an AI provider.', fix: 'Pick an AI connection for the step, or set the provider on the connection.' },
  ai_invalid_output: { title: 'The AI answer did not match the format', explanation: 'The model refused, asked for a tool, or answered something that is not the requested format, so nothing was passed on.', fix: 'Make the instructions clearer (list the allowed answers), or use a more capable model.' },
  ai_provider_error: { title: 'Unexpected answer from the AI provider', explanation: 'The provider answered successfully but not in its usual format.', fix: 'Check the AI connection’s base URL points at the provider’s API.' },
  field_not_found: {
    title: 'Field not found',
    explanation: 'A field of the “Create an issue” step was given by name, and that name matched no field of your Jira site, or several fields.',
    fix: 'Use the field’s id instead (e.g. customfield_10016: pick it in the step’s field list), or its exact name as Jira shows it; rename one of the fields if two share the name.',
  },
  template_budget_exceeded: { title: 'The rule did too much template work', explanation: 'The run used up its budget for smart values and conditions (they are charged by the text they read and write), so BluBees stopped it.', fix: 'Avoid loops over large fields (e.g. contains on a long description inside a for loop); split the work or use fewer, smaller smart values.' },
  redirect_refused: { title: 'Redirect to another site refused', explanation: 'The service answered with a redirect to a different host, scheme or port. A request carrying a stored secret or a body is never sent there.', fix: 'Point the connection (or the OAuth token URL) at the final address the service redirects to.' },
  bulkhead_full: { title: 'Too many calls to this connection at once', explanation: 'Every slot of the connection was busy with earlier calls (often a slow or hanging service), so this call was not made.', fix: 'Check the service is answering quickly; raise the connection’s “Max concurrency” if it can take more parallel calls.' },
  delivery_exhausted: { title: 'The event could not be run', explanation: 'The queued event was delivered to the worker too many times, or waited too long, without finishing.', fix: 'Check the other failures of this rule around that time; if the backend was down for over a day, events older than that are not run.' },
  cancelled: { title: 'Stopped by a restart', explanation: 'The backend was shutting down and the run did not finish within the drain deadline. The event stays queued and runs again after the restart.', fix: 'Nothing to do: look for the next run of the same event. If it happens on every deploy, ask your operator to raise the drain deadline.' },
  run_data_budget_exceeded: { title: 'The run holds too much data', explanation: 'This step’s answer would have taken the run past the data one run may hold in memory (16 MiB by default: the event and every answer kept for later steps), so its answer was not kept and the step failed. The request itself was sent.', fix: 'Ask the services for less data (filters, fields, smaller pages), or split the work over several rules. Your operator can raise the limit.' },
  run_deadline_exceeded: { title: 'The event took too long', explanation: 'The event’s runs held a worker for longer than the backend allows one event (the run deadline, two hours by default), so the rule running then was stopped and the rules after it did not run. The event is not run again.', fix: 'Shorten the rule: lower the step timeouts, retries and loop limits, or narrow the search it loops over. If it must run that long, ask your operator to raise the run deadline.' },
  loop_stopped: { title: 'Stopped to prevent a loop', explanation: 'The rule’s own Jira changes would have triggered it again (or it ran too often on one issue).', fix: 'Narrow the trigger (e.g. a field change) or add a condition so the rule’s own edit does not match.' },
  items_missing: { title: 'Nothing to loop over', explanation: 'The “For each” step’s list path found nothing: the field does not exist on this issue, or the step it reads did not run (skipped, or failed before producing its list).', fix: 'Check the list path (e.g. steps.search.issues or issue.fields.subtasks) and that the step it names runs before the loop; add an “if” to the loop when the list may be absent.' },
  items_not_list: { title: 'Not a list', explanation: 'The “For each” step’s list path found a value, but it is not a list (e.g. a single issue or a text field).', fix: 'Point the list path at the list itself, e.g. steps.search.issues rather than steps.search, or issue.fields.subtasks.' },
  step_limit_exceeded: { title: 'Too many steps in one run', explanation: 'The run started as many step executions as one run may (5,000, counting every step of every loop iteration), so the remaining steps did not run.', fix: 'Lower the loop’s limit, move work out of the loop, or narrow the search it loops over.' },
  unexpected_status: { title: 'Neither a success nor an error', explanation: 'A transfer’s source or destination, Jira for a Jira step, or the provider for an AI step answered a redirect BluBees does not follow (such as 300 or 304, a redirect without a new address, any redirect of a transfer’s upload, or one that would turn a Jira change or an AI request into reading a page), so nothing was copied as if it were the file or a finished upload, no Jira change is reported as made, and no page is taken for the model’s answer.', fix: 'Point that side of the transfer at the address that answers the file (source) or accepts the upload (destination) directly; for a Jira step, check the site’s address and try again; for an AI step, set the connection’s base URL to the provider’s API itself.' },
};

export function explainCategory(category: string | null | undefined): Explanation | undefined {
  if (!category) return undefined;
  return ERROR_CATEGORIES[category] ?? { title: category.replace(/_/g, ' '), explanation: `The step failed with “${category}”.`, fix: 'See the BluBees documentation for this category.' };
}

/** `steps[1].path` → `Step 2 › path`; other paths unchanged. Steps are numbered from 1, as in the editor. */
export function humanPath(path: string | undefined | null): string {
  if (!path) return '';
  const m = path.match(/^\$?\.?steps\[(\d+)\]\.?(.*)$/i);
  if (!m) return path;
  let title = `Step ${Number(m[1]) + 1}`;
  let rest = m[2];
  // Nested steps of blocks, named as the editor shows them: `steps[1].then[0]` is "Step 2 › Then 1".
  for (let n = rest.match(/^(then|else|steps)\[(\d+)\]\.?(.*)$/); n; n = rest.match(/^(then|else|steps)\[(\d+)\]\.?(.*)$/)) {
    title += ` › ${NESTED_NAMES[n[1]]} ${Number(n[2]) + 1}`;
    rest = n[3];
  }
  return rest ? `${title} › ${rest}` : title;
}
const NESTED_NAMES: Record<string, string> = { then: 'Then', else: 'Otherwise', steps: 'Each' };
