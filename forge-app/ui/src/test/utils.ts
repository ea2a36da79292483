import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

export const user = () => userEvent.setup();

/** Picks an option of an Atlaskit (react-select) Select by its input id and option label. */
export async function choose(u: ReturnType<typeof userEvent.setup>, inputId: string, optionLabel: string | RegExp) {
  const input = document.getElementById(inputId) as HTMLInputElement;
  if (!input) throw new Error(`no select input #${inputId}`);
  input.focus();
  await u.keyboard('{ArrowDown}');
  const listbox = await screen.findByRole('listbox');
  await u.click(within(listbox).getByText(optionLabel));
}
