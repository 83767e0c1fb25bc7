import { tokenFromHash } from './util';

/**
 * Reads the mailed link's token from location.hash and removes it from the
 * address bar (and so from the history), keeping vue-router's history state.
 */
export function takeHashToken(): string | null {
  const token = tokenFromHash(window.location.hash);
  if (window.location.hash) {
    history.replaceState(history.state, '', window.location.pathname + window.location.search);
  }
  return token;
}
