// Rule templates: common automations as rule definitions whose connections are left for the user to pick.
import type { RuleDefinition } from '../api';

export interface RuleTemplate {
  id: string;
  name: string;
  description: string;
  /** What the user must provide (connections, names). */
  needs: string[];
  definition: RuleDefinition;
}

export const TEMPLATES: RuleTemplate[] = [
  {
    id: 'webhook-on-done',
    name: 'Notify a webhook when an issue is done',
    description: 'When an issue of the project moves to Done, POST its key and summary to a webhook (Slack-style or your own service).',
    needs: ['A connection to the webhook’s service', 'The project key'],
    definition: {
      name: 'Notify the webhook when an OPS issue is done',
      enabled: true,
      trigger: { type: 'event', events: ['avi:jira:updated:issue'], projects: ['OPS'], fieldChanged: { field: 'status', to: 'Done' } },
      steps: [{ id: 'notify', type: 'http', connection: '', method: 'POST', path: '/', body: { key: '{{ issue.key }}', summary: '{{ issue.fields.summary }}' } }],
    },
  },
  {
    id: 'ai-triage-bug',
    name: 'AI triage: classify new bugs and add a label',
    description: 'When a bug is created, ask an AI model to classify it into one of your labels and add that label to the issue.',
    needs: ['An AI connection (OpenAI or Anthropic)', 'The labels to choose from'],
    definition: {
      name: 'Classify new bugs with AI',
      enabled: true,
      trigger: { type: 'event', events: ['avi:jira:created:issue'], issueTypes: ['Bug'] },
      steps: [
        {
          id: 'classify',
          type: 'ai.chat',
          connection: '',
          model: 'gpt-4o-mini',
          system: 'You triage bug reports. Answer with the one label that fits best.',
          prompt: 'Summary: {{ issue.fields.summary }}\nDescription: {{ issue.fields.description | truncate: 4000 }}',
          schema: { type: 'object', properties: { label: { type: 'string', enum: ['ui', 'backend', 'performance', 'security'] } }, required: ['label'] },
        },
        { id: 'label', type: 'jira.edit', fields: { labels: '{{ issue.fields.labels | join: " " }} {{ steps.classify.output.label }}' } },
      ],
    },
  },
  {
    id: 'follow-up-task',
    name: 'Create a linked follow-up task for new bugs',
    description: 'When a bug is created, create a task for its follow-up in the same project, link the two, and label the bug.',
    needs: [],
    definition: {
      name: 'Follow-up task for new bugs',
      enabled: true,
      trigger: { type: 'event', events: ['avi:jira:created:issue'], issueTypes: ['Bug'] },
      steps: [
        { id: 'followup', type: 'jira.create', issueType: 'Task', fields: { summary: 'Follow up: {{ issue.fields.summary }}', labels: ['follow-up'] } },
        { id: 'link', type: 'jira.link', linkType: 'Relates', outwardIssue: '{{ steps.followup.key }}' },
        { id: 'label', type: 'jira.edit', update: { labels: [{ add: 'has-follow-up' }, { remove: 'needs-triage' }] } },
      ],
    },
  },
  {
    id: 'comment-high-priority',
    name: 'Comment when a high-priority issue is created',
    description: 'Adds a comment to every new High or Highest priority issue, e.g. pointing to the on-call runbook.',
    needs: [],
    definition: {
      name: 'Comment on new high-priority issues',
      enabled: true,
      trigger: { type: 'event', events: ['avi:jira:created:issue'] },
      conditions: { all: [{ field: 'issue.fields.priority.name', op: 'in', value: ['High', 'Highest'] }] },
      steps: [{ id: 'note', type: 'jira.comment', body: 'This {{ issue.fields.priority.name | downcase }}-priority issue was flagged for the on-call team.\n\nReporter: {{ issue.fields.reporter.displayName | default: "unknown" }}' }],
    },
  },
  {
    id: 'parent-follows-subtask',
    name: 'Sub-tasks: start the parent when a sub-task starts',
    description: 'When a sub-task moves to In Progress, transition its parent to In Progress too.',
    needs: ['Your workflow’s transition name'],
    definition: {
      name: 'Start the parent when a sub-task starts',
      enabled: true,
      trigger: { type: 'event', events: ['avi:jira:updated:issue'], fieldChanged: { field: 'status', to: 'In Progress' } },
      conditions: { all: [{ field: 'issue.fields.parent.key', op: 'isNotEmpty' }] },
      steps: [{ id: 'start_parent', type: 'jira.transition', transition: 'In Progress', issue: '{{ issue.fields.parent.key }}', onError: 'continue' }],
    },
  },
  {
    id: 'sync-external-tracker',
    name: 'Sync to an external tracker on update',
    description: 'On every issue update, PUT the issue’s summary, status, priority and assignee to another tracker.',
    needs: ['A connection to the tracker’s API'],
    definition: {
      name: 'Sync issues to the external tracker',
      enabled: true,
      trigger: { type: 'event', events: ['avi:jira:created:issue', 'avi:jira:updated:issue'] },
      steps: [
        {
          id: 'sync',
          type: 'http',
          connection: '',
          method: 'PUT',
          path: '/issues/{{ issue.key | url_encode }}',
          body: {
            summary: '{{ issue.fields.summary }}',
            status: '{{ issue.fields.status.name }}',
            priority: '{{ issue.fields.priority.name }}',
            assignee: '{{ issue.fields.assignee.displayName | default: "" }}',
            labels: '{{ issue.fields.labels }}',
          },
        },
      ],
    },
  },
  {
    id: 'escalate-stale',
    name: 'Escalate stale high-priority issues daily',
    description: 'Once a day, search Jira for High/Highest issues not updated for 3 days and post the list to a chat webhook.',
    // The search is a Jira step: it runs as the app with the token Forge sends with the schedule, no Jira API token needed.
    needs: ['A connection to the chat webhook'],
    definition: {
      name: 'Escalate stale high-priority issues',
      enabled: true,
      trigger: { type: 'schedule', schedule: { cron: '0 9 * * *' } },
      steps: [
        {
          id: 'stale',
          type: 'jira.search',
          jql: 'priority in (High, Highest) AND statusCategory != Done AND updated < -3d',
          select: ['summary'],
          maxResults: 50,
        },
        {
          id: 'post',
          type: 'http',
          connection: '',
          method: 'POST',
          path: '/',
          body: { text: '{{ steps.stale.count }} stale high-priority issues: {{ steps.stale.issues | map: "key" | join: ", " }}' },
        },
      ],
    },
  },
  {
    id: 'archive-attachments',
    name: 'Archive the first attachment to storage',
    description: 'When an issue is created, stream its first attachment into a storage API (never held by BluBees).',
    needs: ['A connection to the storage API'],
    definition: {
      name: 'Archive attachments',
      enabled: true,
      trigger: { type: 'event', events: ['avi:jira:created:issue'] },
      conditions: { all: [{ field: 'issue.fields.attachment', op: 'isNotEmpty' }] },
      steps: [
        {
          id: 'archive',
          type: 'transfer',
          source: { jiraAttachment: '{{ issue.fields.attachment[0].id }}' },
          destination: { connection: '', method: 'PUT', path: '/jira/{{ issue.key | url_encode }}/{{ issue.fields.attachment[0].filename | url_encode }}' },
        },
      ],
    },
  },
  {
    id: 'close-subtasks-on-done',
    name: 'Close the open sub-tasks when the parent is done',
    description:
      'When an issue moves to Done, find its open sub-tasks, comment on each and move it to Done; create a follow-up issue when any were open, and post a summary to a webhook.',
    needs: ['A connection for the summary', 'The project key', 'The name of your Done transition'],
    definition: {
      name: 'Close the open sub-tasks of done OPS issues',
      enabled: true,
      trigger: { type: 'event', events: ['avi:jira:updated:issue'], projects: ['OPS'], fieldChanged: { field: 'status', to: 'Done' } },
      steps: [
        { id: 'subtasks', type: 'jira.search', jql: 'parent = {{ issue.key }} AND statusCategory != Done' },
        {
          id: 'each',
          type: 'forEach',
          items: 'steps.subtasks.issues',
          steps: [
            { id: 'note', type: 'jira.comment', issue: '{{ item.key }}', body: 'Closed because its parent {{ issue.key }} is done.' },
            { id: 'close', type: 'jira.transition', issue: '{{ item.key }}', transition: 'Done' },
          ],
        },
        {
          id: 'check',
          type: 'if',
          if: { all: [{ field: 'steps.subtasks.count', op: 'greaterThan', value: 0 }] },
          then: [{ id: 'follow', type: 'jira.create', issueType: 'Task', fields: { summary: 'Follow up on the sub-tasks closed with {{ issue.key }}' } }],
        },
        { id: 'summary', type: 'http', connection: '', method: 'POST', path: '/', body: { key: '{{ issue.key }}', closed: '{{ steps.subtasks.count }}', followUp: '{{ steps.follow.key }}' } },
      ],
    },
  },
];
