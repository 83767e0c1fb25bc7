// The app's shared state: the session, the error shown in the alert region
// and a notice carried to the next page.
import { reactive, type Ref } from 'vue';
import type { Router } from 'vue-router';
import { api, ApiError } from './api';
import { currentLanguage, setLanguage } from './i18n';
import { startLive, stopLive } from './live';
import type { Session } from './types';

/** A sentence of our own: an i18n key and its values. */
export interface Local {
  key: string;
  params?: Record<string, unknown>;
}

export const state = reactive({
  ready: false,
  session: null as Session | null,
  error: null as ApiError | Local | null,
  notice: null as (Local & { keep: boolean }) | null,
});

export function signedIn(): boolean {
  return state.session?.signed_in === true;
}

export function timeZone(): string {
  return state.session?.time_zone || 'America/Sao_Paulo';
}

export function applySession(s: Session): void {
  const was = signedIn();
  state.session = s;
  setLanguage(s.language);
  if (s.signed_in) startLive();
  else if (was) stopLive();
}

api.onSession = applySession;

/** The first GET /session; pages wait for it. */
export const ready: Promise<void> = api
  .session()
  .catch((e: unknown) => {
    if (e instanceof ApiError) state.error = e;
  })
  .then(() => {
    state.ready = true;
  });

let router: Router | null = null;
export function setRouter(r: Router): void {
  router = r;
}

/** A notice (polite live region); `navigating`: keep it for the next page. */
export function notify(key: string, params?: Record<string, unknown>, navigating = false): void {
  state.notice = { key, params, keep: navigating };
}

export function showError(e: unknown): void {
  if (e instanceof ApiError) {
    const route = router?.currentRoute.value;
    if (e.status === 401 && (route?.meta.auth || route?.meta.staff)) {
      // The session ended: sign in again, then come back here.
      if (state.session) state.session = { ...state.session, signed_in: false, person: undefined };
      stopLive();
      notify('common.signinNeeded', undefined, true);
      void router!.push({ path: route.meta.staff ? '/painel/entrar' : '/entrar', query: { next: route.fullPath } });
      return;
    }
    state.error = e;
    return;
  }
  if (e && typeof e === 'object' && 'key' in e) {
    state.error = e as Local;
    return;
  }
  state.error = { key: 'app.unexpected' };
  console.error(e);
}

export function clearError(): void {
  state.error = null;
}

/** Sends a form: `busy` is true while `work` runs (the button is disabled),
 * and what goes wrong is shown in the alert region. True when it worked. */
export async function submit(busy: Ref<boolean>, work: () => Promise<void>): Promise<boolean> {
  busy.value = true;
  try {
    await work();
    return true;
  } catch (e) {
    showError(e);
    return false;
  } finally {
    busy.value = false;
  }
}

/** Called after each navigation: errors belong to the page they came from. */
export function pageChanged(): void {
  state.error = null;
  if (state.notice?.keep) state.notice.keep = false;
  else state.notice = null;
}

/** The language switch of the portal and the dashboard: the texts at
 * once, then the choice kept (on the account when signed in). */
export async function switchLanguage(): Promise<void> {
  const next = currentLanguage() === 'en' ? 'pt-BR' : 'en';
  setLanguage(next);
  try {
    await api.post('/session/language', { language: next });
  } catch (e) {
    showError(e);
  }
}

/** Signs out (this session only); false when the gateway refused. */
export async function signOut(): Promise<boolean> {
  try {
    await api.post('/logout', { everywhere: false });
  } catch (e) {
    showError(e);
    return false;
  }
  stopLive();
  try {
    await api.session();
  } catch {
    if (state.session) state.session = { ...state.session, signed_in: false, person: undefined };
  }
  notify('common.signedOut', undefined, true);
  return true;
}
