// Lets an editor with unsaved changes hold the page that would unmount it (the admin tabs) until the admin agrees.
import { createContext } from 'react';

/** Registers (or, with undefined, releases) a check that says whether leaving now would lose changes. */
export type RegisterLeaveGuard = (hasChanges: (() => boolean) | undefined) => void;

export const LeaveGuard = createContext<RegisterLeaveGuard>(() => undefined);
