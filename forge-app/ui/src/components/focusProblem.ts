// From a problem in a summary to its input: the error summary's entries take the admin (keyboard or pointer) to the
// field the problem names, however far down a long rule it is.

/**
 * Focuses the input that shows `message` for `path`: inside the innermost element marked `data-path` that holds the
 * path (a step card, a condition), the input whose error reads the message, else its first invalid input, else its
 * first input. Returns false when nothing on the page holds it.
 */
export function focusProblem(path: string, message: string): boolean {
  const holders = [...document.querySelectorAll<HTMLElement>('[data-path]')].filter((el) => {
    const p = el.dataset.path ?? '';
    return path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`);
  });
  const holder = holders.sort((a, b) => (b.dataset.path ?? '').length - (a.dataset.path ?? '').length)[0];
  const scope: ParentNode = holder ?? document;
  const marked = [...scope.querySelectorAll<HTMLElement>('[data-field-error]')].find((el) => el.textContent?.includes(message));
  const target =
    (marked && document.getElementById(marked.dataset.fieldError ?? '')) ||
    scope.querySelector<HTMLElement>('[aria-invalid="true"]') ||
    (holder ? holder.querySelector<HTMLElement>('input, textarea, select') : null);
  if (!target) return false;
  target.scrollIntoView?.({ block: 'center' });
  target.focus();
  return true;
}
