// What a "For each" block offers: the lists the scope has (for its `items` picker) and, inside the loop, the
// `item.*` and `index` smart values that fit the chosen list.
import type { PriorStep, SmartGroup, SmartValue } from './smartValues';

export interface ListOption {
  value: string;
  label: string;
}

/**
 * The lists a loop can walk at this point of the rule: each earlier `jira.search` step's results, the
 * event issue's sub-tasks and links, and, inside another loop, the current item's sub-tasks. A step's
 * answer body (an HTTP step's list) has no fixed shape, so it is typed as a path.
 */
export function listOptions(prior: PriorStep[], inLoop = false): ListOption[] {
  const searches = prior.filter((p) => p.id && p.type === 'jira.search').map((p) => ({ value: `steps.${p.id}.issues`, label: `Issues found by step “${p.id}”` }));
  return [
    ...searches,
    { value: 'issue.fields.subtasks', label: 'Sub-tasks of the issue' },
    { value: 'issue.fields.issuelinks', label: 'Linked issues of the issue (each link)' },
    ...(inLoop ? [{ value: 'item.fields.subtasks', label: 'Sub-tasks of the current item' }] : []),
  ];
}

const ISSUE_ITEM: [string, string][] = [
  ['key', 'Key'],
  ['id', 'Id'],
  ['fields.summary', 'Summary'],
  ['fields.status.name', 'Status'],
  ['fields.issuetype.name', 'Issue type'],
  ['fields.priority.name', 'Priority'],
];
const SEARCH_ITEM: [string, string][] = [...ISSUE_ITEM.slice(0, 5), ['fields.assignee.displayName', 'Assignee (name)']];
// An issue link (GET /rest/api/3/issue/{key} `fields.issuelinks[]`): `type` and one of `inwardIssue` /
// `outwardIssue`; https://developer.atlassian.com/cloud/jira/platform/issue-linking-model/
const LINK_ITEM: [string, string][] = [
  ['type.name', 'Link type'],
  ['outwardIssue.key', 'Linked issue key (outward link)'],
  ['inwardIssue.key', 'Linked issue key (inward link)'],
  ['outwardIssue.fields.status.name', 'Linked issue status (outward)'],
  ['inwardIssue.fields.status.name', 'Linked issue status (inward)'],
];

/** The smart values of the current item, for a loop over `items`. */
export function itemValues(items: string): SmartValue[] {
  const path = items.trim();
  const shape = /\.issues$/.test(path) ? SEARCH_ITEM : /subtasks$/.test(path) ? ISSUE_ITEM : /issuelinks$/.test(path) ? LINK_ITEM : [];
  return [
    { path: 'item', label: 'The current item (whole)' },
    ...shape.map(([p, label]) => ({ path: `item.${p}`, label: `Item: ${label}` })),
    { path: 'index', label: 'Position in the list (0, 1, 2…)' },
  ];
}

/** The group listed first inside a loop. */
export function loopGroup(items: string): SmartGroup {
  return { name: 'Current item (for each)', values: itemValues(items) };
}
