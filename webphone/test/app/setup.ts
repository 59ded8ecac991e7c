// Each component test starts from an empty page and empty storage.
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// The webphone's test hooks are data-test (README, "Hooks for end-to-end tests").
configure({ testIdAttribute: 'data-test' });

afterEach(() => {
  cleanup();
  localStorage.clear();
  sessionStorage.clear();
});
