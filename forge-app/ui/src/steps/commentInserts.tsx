// jira.comment: insert a mention (the reporter, the assignee, the acting user or a person picked) or a link into the
// comment, so mentioning someone or linking a page needs no Atlassian Document Format JSON. The comment is then saved
// as rich text (lib/adf.ts richAdfFromText: `@[accountId]` a mention, `[text](address)` a link).
import React from 'react';
import Button from '@atlaskit/button/new';
import { token } from '@atlaskit/tokens';
import { SelectField, TextField } from '../components/common';
import { JiraUserSelect } from '../components/JiraPicker';
import { TemplateField } from '../components/SmartValuePicker';
import { jira } from '../lib/jira';

const WHO = [
  { value: '{{ issue.fields.reporter.accountId }}', label: 'The reporter' },
  { value: '{{ issue.fields.assignee.accountId }}', label: 'The assignee' },
  { value: '{{ user.accountId }}', label: 'The acting user' },
  { value: 'pick', label: 'A person…' },
];

/** The comment with `insert` added at its end (a space before it unless the text ends in one). */
export const appendToComment = (text: string, insert: string) => (!text || /\s$/.test(text) ? text + insert : `${text} ${insert}`);

export function CommentInserts({ i, onInsert }: { i: number | string; onInsert: (insert: string) => void }) {
  const [who, setWho] = React.useState(WHO[0].value);
  const [person, setPerson] = React.useState('');
  const [linkText, setLinkText] = React.useState('');
  const [href, setHref] = React.useState('');
  const [problem, setProblem] = React.useState<string>();
  const row = { display: 'grid', gridTemplateColumns: 'minmax(160px,1fr) 2fr auto', gap: token('space.100'), alignItems: 'end' } as const;
  return (
    <div role="group" aria-label={`Insert into the comment of step ${typeof i === 'number' ? i + 1 : i}`} style={{ display: 'flex', flexDirection: 'column', gap: token('space.100') }}>
      <div style={row}>
        <SelectField id={`step-${i}-mention-who`} label="Mention" options={WHO} value={who} onChange={(v) => setWho(v || WHO[0].value)} />
        {who === 'pick' ? (
          <JiraUserSelect
            id={`step-${i}-mention-person`}
            label="Person to mention"
            value={person}
            onChange={setPerson}
            search={(q) => jira.users(q)}
            fallback={(hint) => <TextField id={`step-${i}-mention-person`} label="Person to mention (account id)" value={person} onChange={setPerson} helper={hint} />}
          />
        ) : (
          <span />
        )}
        <Button
          onClick={() => {
            const id = who === 'pick' ? person.trim() : who;
            if (!id || /[\]\n]/.test(id)) return setProblem('Choose the person to mention.');
            setProblem(undefined);
            onInsert(`@[${id}]`);
          }}
        >
          Insert mention
        </Button>
      </div>
      <div style={{ ...row, gridTemplateColumns: 'minmax(160px,1fr) 2fr auto' }}>
        <TextField id={`step-${i}-link-text`} label="Link text" value={linkText} onChange={setLinkText} placeholder="Runbook" />
        <TemplateField id={`step-${i}-link-href`} label="Link address" value={href} onChange={setHref} placeholder="https://example.com/runbooks/{{ issue.key }}" />
        <Button
          onClick={() => {
            const [t, h] = [linkText.trim(), href.trim()];
            if (!t || /[\]\n]/.test(t)) return setProblem('Enter the link text (without “]”).');
            if (!h || /[)\n]/.test(h)) return setProblem('Enter the link address (without “)”).');
            setProblem(undefined);
            onInsert(`[${t}](${h})`);
            setLinkText('');
            setHref('');
          }}
        >
          Insert link
        </Button>
      </div>
      {problem && (
        <span role="alert" style={{ color: token('color.text.danger') }}>
          {problem}
        </span>
      )}
    </div>
  );
}

export type CommentFormat = 'bold' | 'italic' | 'code' | 'heading' | 'bullets' | 'numbers' | 'codeBlock';
const FORMATS: { kind: CommentFormat; label: string }[] = [
  { kind: 'bold', label: 'Bold' },
  { kind: 'italic', label: 'Italic' },
  { kind: 'code', label: 'Code' },
  { kind: 'heading', label: 'Heading' },
  { kind: 'bullets', label: 'Bulleted list' },
  { kind: 'numbers', label: 'Numbered list' },
  { kind: 'codeBlock', label: 'Code block' },
];
const INLINE: Partial<Record<CommentFormat, [string, string]>> = { bold: ['**', 'bold text'], italic: ['*', 'italic text'], code: ['`', 'code'] };

/**
 * The comment with the text from `start` to `end` formatted (lib/adf.ts richAdfFromText reads it): bold, italic and
 * code wrap it (a placeholder when nothing is selected); a heading, a list (one item per selected line) or a code block
 * becomes a block of its own, separated from the text around it by blank lines.
 */
export function formatComment(text: string, start: number, end: number, kind: CommentFormat): string {
  const selected = text.slice(start, end);
  const inline = INLINE[kind];
  if (inline) {
    const inner = selected.trim() ? selected.trim().replace(/\s*\n\s*/g, ' ') : inline[1];
    return `${text.slice(0, start)}${inline[0]}${inner}${inline[0]}${text.slice(end)}`;
  }
  const lines = (selected.trim() || 'item').split('\n').map((l) => l.trim()).filter(Boolean);
  const block =
    kind === 'heading' ? `## ${lines.join(' ')}` : kind === 'bullets' ? lines.map((l) => `- ${l}`).join('\n') : kind === 'numbers' ? lines.map((l, k) => `${k + 1}. ${l}`).join('\n') : `\`\`\`\n${selected.trim() || 'code'}\n\`\`\``;
  const before = text.slice(0, start).trimEnd();
  const after = text.slice(end).trimStart();
  return `${before}${before ? '\n\n' : ''}${block}${after ? `\n\n${after}` : ''}`;
}

/** Format buttons for the comment box `targetId` (the selection, or the caret's place). */
export function CommentFormatButtons({ i, label, targetId, text, onFormat }: { i: number | string; label?: string; targetId: string; text: string; onFormat: (next: string) => void }) {
  return (
    <div role="group" aria-label={label ?? `Format the comment of step ${typeof i === 'number' ? i + 1 : i}`} style={{ display: 'flex', flexWrap: 'wrap', gap: token('space.050'), alignItems: 'center' }}>
      <span style={{ font: token('font.body.small'), color: token('color.text.subtle') }}>Format:</span>
      {FORMATS.map((f) => (
        <Button
          key={f.kind}
          spacing="compact"
          onClick={() => {
            const box = document.getElementById(targetId) as HTMLTextAreaElement | null;
            const start = box?.selectionStart ?? text.length;
            const end = box?.selectionEnd ?? text.length;
            onFormat(formatComment(text, Math.min(start, text.length), Math.min(end, text.length), f.kind));
          }}
        >
          {f.label}
        </Button>
      ))}
    </div>
  );
}
