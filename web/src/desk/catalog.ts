// The catalog page's logic (/painel/catalogo; gateway /desk/categories and
// /desk/macros): names in the UI's language, the ids the router takes, the
// forms' request bodies, and a macro's text with example values filled in
// (the router fills the real ones on a ticket). The router decides every
// save; only the id is checked here, because a bad id is no page (404)
// rather than a sentence.
import type { Language } from '../types';
import type { CatalogCategory, CatalogMacro } from './types';

export { PRIORITIES } from './settings';
export const TIERS = ['N1', 'N2', 'N3'] as const;
/** The ticket actions a macro can carry out. SaveMacro also takes reopen,
 * close, accept and reject, but ApplyMacro refuses every resolved or
 * closed ticket, the only ones those apply to: a macro with one of them
 * could never be applied, so the page does not offer them (a macro that
 * has one shows it). */
export const MACRO_ACTIONS = ['request_info', 'open', 'resolve'] as const;

export function isMacroAction(action: string): boolean {
  return (MACRO_ACTIONS as readonly string[]).includes(action);
}

/** The placeholders the router fills, each with the i18n key of what it
 * stands for and the example value of the preview per language. */
export const PLACEHOLDERS = [
  { token: '{{cliente.nome}}', key: 'customer', example: { 'pt-BR': 'Maria Oliveira', en: 'Mary Johnson' } },
  { token: '{{chamado.numero}}', key: 'number', example: { 'pt-BR': '1234', en: '1234' } },
  {
    token: '{{chamado.assunto}}',
    key: 'subject',
    example: { 'pt-BR': 'Não consigo emitir a nota fiscal', en: 'I cannot issue the invoice' },
  },
  { token: '{{agente.nome}}', key: 'agent', example: { 'pt-BR': 'Carlos Lima', en: 'Carl Lee' } },
] as const;

/** An id as the router takes it: 1 to 32 of a-z, 0-9 and '-'. */
export function isCatalogId(id: string): boolean {
  return /^[a-z0-9-]{1,32}$/.test(id);
}

/** An id suggested from a Portuguese name: "Nota fiscal" → "nota-fiscal",
 * "Ação de cobrança!" → "acao-de-cobranca". */
export function suggestId(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 32)
    .replace(/-+$/, '');
}

/** A macro the router would send in Portuguese to an English ticket. */
export function isPortugueseOnly(m: Pick<CatalogMacro, 'text_en'>): boolean {
  return !m.text_en.trim();
}

/** The text with the example value of each placeholder, read as the
 * router reads it (router_macro_render: from each "{{" to the next "}}");
 * an unknown one stays as written. */
export function previewText(text: string, lang: Language): string {
  let out = '';
  let p = 0;
  for (;;) {
    const open = text.indexOf('{{', p);
    const close = open < 0 ? -1 : text.indexOf('}}', open);
    if (close < 0) return out + text.slice(p);
    const token = text.slice(open, close + 2);
    const known = PLACEHOLDERS.find((x) => x.token === token);
    out += text.slice(p, open) + (known ? known.example[lang] : token);
    p = close + 2;
  }
}

/** The router's sentence as people read it: capital first letter, final
 * full stop. */
export function asSentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const first = t.charAt(0).toLocaleUpperCase('pt-BR') + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

export type CategoryForm = CatalogCategory;
export type MacroForm = CatalogMacro;

export function emptyCategory(): CategoryForm {
  return { id: '', name: '', name_en: '', priority: 'normal', tier: 'N1', procedure: '' };
}

export function emptyMacro(): MacroForm {
  return { id: '', name: '', name_en: '', text: '', text_en: '', category: '', priority: '', action: '' };
}

/** What the form sends, or the i18n key of why not (only the id: the rest
 * is the router's to judge). Names are trimmed; texts keep their lines. */
export function categoryRequest(
  f: CategoryForm,
): { id: string; body: Omit<CatalogCategory, 'id'> } | { invalid: string } {
  const id = f.id.trim();
  if (!isCatalogId(id)) return { invalid: 'desk.catalog.badId' };
  return {
    id,
    body: { name: f.name.trim(), name_en: f.name_en.trim(), priority: f.priority, tier: f.tier, procedure: f.procedure },
  };
}

export function macroRequest(f: MacroForm): { id: string; body: Omit<CatalogMacro, 'id'> } | { invalid: string } {
  const id = f.id.trim();
  if (!isCatalogId(id)) return { invalid: 'desk.catalog.badId' };
  return {
    id,
    body: {
      name: f.name.trim(),
      name_en: f.name_en.trim(),
      text: trimEnd(f.text),
      text_en: trimEnd(f.text_en),
      category: f.category,
      priority: f.priority,
      action: f.action,
    },
  };
}

function trimEnd(text: string): string {
  return text.replace(/\s+$/, '');
}
