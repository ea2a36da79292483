import { useEffect, useRef, useState } from 'react';

/**
 * A view that replaced the list takes focus on its heading once it is drawn (`ready`): the button that opened it is
 * gone, and focus left on a removed element falls to the page, where a screen reader says nothing.
 */
export function useHeadingFocus<T extends HTMLElement = HTMLHeadingElement>(ready = true) {
  const ref = useRef<T>(null);
  const done = useRef(false);
  useEffect(() => {
    if (!ready || done.current || !ref.current) return;
    done.current = true;
    ref.current.focus();
  }, [ready]);
  return ref;
}

/**
 * Back on a list, focus returns to the control that left it (found by its `data-testid`), once it is drawn:
 * `returnTo(testId)` before switching back; `active` while the list is shown.
 */
export function useFocusReturn(active: boolean, redraw: unknown) {
  const [target, setTarget] = useState<string>();
  useEffect(() => {
    if (!active || !target) return;
    const element = document.querySelector<HTMLElement>(`[data-testid="${CSS.escape(target)}"]`);
    if (!element) return;
    element.focus();
    setTarget(undefined);
  }, [active, target, redraw]);
  return setTarget;
}
