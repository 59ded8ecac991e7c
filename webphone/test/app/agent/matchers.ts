// The few DOM matchers the desk tests read best with (jest-dom is not a
// dependency here): attribute, text, value, enabled, focus, presence.
import { expect } from 'vitest';

function element(received: unknown): HTMLElement {
  if (!(received instanceof HTMLElement)) throw new TypeError(`expected an element, got ${String(received)}`);
  return received;
}

function result(pass: boolean, message: string) {
  return { pass, message: () => message };
}

expect.extend({
  toBeInTheDocument(received: unknown) {
    const el = element(received);
    return result(el.ownerDocument.contains(el), 'element in the document');
  },
  toHaveAttribute(received: unknown, name: string, value?: string) {
    const el = element(received);
    const actual = el.getAttribute(name);
    const pass = value === undefined ? actual !== null : actual === value;
    return result(pass, `attribute ${name}: expected ${String(value)}, got ${String(actual)}`);
  },
  toHaveTextContent(received: unknown, text: string | RegExp) {
    const actual = element(received).textContent.replace(/\s+/g, ' ');
    const pass = typeof text === 'string' ? actual.includes(text) : text.test(actual);
    return result(pass, `text: expected ${String(text)}, got "${actual}"`);
  },
  toHaveValue(received: unknown, value: string | number) {
    const el = element(received) as HTMLInputElement;
    const actual = typeof value === 'number' ? Number(el.value) : el.value;
    return result(actual === value, `value: expected ${String(value)}, got ${String(actual)}`);
  },
  toBeDisabled(received: unknown) {
    return result((element(received) as HTMLButtonElement).disabled, 'disabled');
  },
  toBeEnabled(received: unknown) {
    return result(!(element(received) as HTMLButtonElement).disabled, 'enabled');
  },
  toHaveFocus(received: unknown) {
    const el = element(received);
    return result(el.ownerDocument.activeElement === el, 'focused');
  },
  toContainElement(received: unknown, child: unknown) {
    return result(element(received).contains(element(child)), 'contains the element');
  },
});

interface DomMatchers<R = unknown> {
  toBeInTheDocument(): R;
  toHaveAttribute(name: string, value?: string): R;
  toHaveTextContent(text: string | RegExp): R;
  toHaveValue(value: string | number): R;
  toBeDisabled(): R;
  toBeEnabled(): R;
  toHaveFocus(): R;
  toContainElement(child: HTMLElement | null): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any -- vitest's own augmentation pattern
  interface Assertion<T = any> extends DomMatchers<T> {}
}
