import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createI18n } from 'vue-i18n';
import deskEn from '../src/locales/desk.en';
import deskPtBR from '../src/locales/desk.pt-BR';
import en from '../src/locales/en';
import ptBR from '../src/locales/pt-BR';
import { chatEn, chatPtBR } from '../src/chat/messages';

function keys(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)],
  );
}

// The dashboard's texts live apart (they load with its chunk) and join
// the same messages; so do the web chat's (src/chat/messages.ts).
const allPt = { ...ptBR, ...deskPtBR, chat: chatPtBR };
const allEn = { ...en, ...deskEn, chat: chatEn };
const pt = keys(allPt).sort();
const eng = keys(allEn).sort();

describe('translations', () => {
  it('pt-BR and English have the same keys', () => {
    expect(pt.filter((k) => !eng.includes(k))).toEqual([]);
    expect(eng.filter((k) => !pt.includes(k))).toEqual([]);
  });

  it('every sentence compiles and renders in both languages (JIT, no eval)', () => {
    const i18n = createI18n({ legacy: false, locale: 'pt-BR', messages: { 'pt-BR': allPt, en: allEn } });
    const params = { tier: 'N2', rate: '50%', deflected: 2, sent: 2, from: 'a', to: 'b', max: 10, count: 1, n: 3, q: 'boleto', name: 'Ana', email: 'ana@example.com', score: 5, time: 'x', date: 'y' };
    for (const lang of ['pt-BR', 'en'] as const) {
      i18n.global.locale.value = lang;
      for (const k of pt) {
        const out = i18n.global.t(k, params);
        expect(out, `${lang} ${k}`).not.toBe(k);
        expect(out, `${lang} ${k}`).not.toMatch(/[{}]/);
      }
    }
  });

  it('pluralizes the search count', () => {
    const i18n = createI18n({ legacy: false, locale: 'pt-BR', messages: { 'pt-BR': ptBR, en } });
    expect(i18n.global.t('search.count', 0)).toBe('nenhum resultado');
    expect(i18n.global.t('search.count', 1)).toBe('1 resultado');
    expect(i18n.global.t('search.count', 12)).toBe('cerca de 12 resultados');
  });

  it('every key the pages use exists', () => {
    const src = join(__dirname, '..', 'src');
    const used = new Set<string>();
    for (const f of filesUnder(src).filter((f) => /\.(vue|ts)$/.test(f) && !f.includes('locales'))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\b(?:t|notify)\(\s*'([a-zA-Z]+\.[a-zA-Z0-9_.]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/\bkey:\s*'([a-zA-Z]+\.[a-zA-Z0-9_.]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/title: '(title\.[a-zA-Z]+)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(50);
    expect([...used].filter((k) => !pt.includes(k))).toEqual([]);
  });

  it('has a word for every ticket status of the API', () => {
    for (const s of ['novo', 'aberto', 'aguardando_cliente', 'resolvido', 'fechado', 'reaberto']) {
      expect(pt).toContain(`status.${s}`);
    }
    expect(ptBR.status.resolvido).toBe('Resolvido — aguardando sua confirmação');
    expect(ptBR.status.aguardando_cliente).toBe('Aguardando sua resposta');
    expect(en.status.fechado).toBe('Closed');
  });
});
