import '@testing-library/jest-dom/vitest';
import { afterEach } from 'vitest';

// jsdom lacks a few browser APIs that Atlaskit components touch.
if (typeof window !== 'undefined') {
  window.matchMedia ??= ((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => undefined,
    removeListener: () => undefined,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dispatchEvent: () => false,
  })) as unknown as typeof window.matchMedia;
  class NoopObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  }
  (globalThis as Record<string, unknown>).ResizeObserver ??= NoopObserver;
  (globalThis as Record<string, unknown>).IntersectionObserver ??= NoopObserver;
  Element.prototype.scrollIntoView ??= function scrollIntoView() {};
  afterEach(async () => {
    const { cleanup } = await import('@testing-library/react');
    cleanup();
  });
}
