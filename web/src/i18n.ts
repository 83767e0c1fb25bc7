// vue-i18n, Composition API only. Messages are compiled at run time by
// vue-i18n's JIT compiler (an AST interpreter, no eval / new Function: the
// CSP forbids them; scripts/size.mjs checks the bundle).
import { createI18n } from 'vue-i18n';
import en from './locales/en';
import ptBR from './locales/pt-BR';
import type { Language } from './types';
import { chatEn, chatPtBR } from './chat/messages';

export const LANGUAGES: Language[] = ['pt-BR', 'en'];

export const i18n = createI18n({
  legacy: false,
  locale: 'pt-BR',
  fallbackLocale: 'pt-BR',
  messages: { 'pt-BR': { ...ptBR, chat: chatPtBR }, en: { ...en, chat: chatEn } },
  missingWarn: false,
  fallbackWarn: false,
});

export function currentLanguage(): Language {
  return i18n.global.locale.value === 'en' ? 'en' : 'pt-BR';
}

/** Switches the texts and the <html lang> together. */
export function setLanguage(lang: string): void {
  const l: Language = lang === 'en' ? 'en' : 'pt-BR';
  i18n.global.locale.value = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}
