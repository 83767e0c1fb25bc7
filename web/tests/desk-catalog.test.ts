// The catalog page's logic (src/desk/catalog.ts) and the category names in
// the UI's language (src/categories.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { categories, categoryName, localName, replaceCategories } from '../src/categories';
import {
  asSentence,
  categoryRequest,
  emptyMacro,
  isCatalogId,
  isMacroAction,
  isPortugueseOnly,
  macroRequest,
  previewText,
  suggestId,
} from '../src/desk/catalog';
import { setLanguage } from '../src/i18n';

afterEach(() => {
  setLanguage('pt-BR');
  categories.value = [];
});

describe('ids', () => {
  it('takes what the router takes: 1 to 32 of a-z, 0-9 and "-"', () => {
    expect(isCatalogId('nota-fiscal')).toBe(true);
    expect(isCatalogId('n1')).toBe(true);
    expect(isCatalogId('x'.repeat(32))).toBe(true);
    expect(isCatalogId('')).toBe(false);
    expect(isCatalogId('x'.repeat(33))).toBe(false);
    expect(isCatalogId('Nota Fiscal')).toBe(false);
    expect(isCatalogId('ação')).toBe(false);
    expect(isCatalogId('a_b')).toBe(false);
  });

  it('suggests one from a Portuguese name', () => {
    expect(suggestId('Nota fiscal')).toBe('nota-fiscal');
    expect(suggestId('  Ação de cobrança! ')).toBe('acao-de-cobranca');
    expect(suggestId('2ª via — boleto')).toBe('2-via-boleto');
    const long = suggestId('Uma categoria com um nome realmente comprido demais');
    expect(long.length).toBeLessThanOrEqual(32);
    expect(isCatalogId(long)).toBe(true);
    expect(long.endsWith('-')).toBe(false);
    expect(suggestId('!!!')).toBe('');
  });
});

describe('request bodies', () => {
  it('a category: trimmed names, the id checked here (a bad one is a 404, not a sentence)', () => {
    expect(categoryRequest({ id: ' nota-fiscal ', name: ' Nota fiscal ', name_en: 'Invoices ', priority: 'alta', tier: 'N2', procedure: '' })).toEqual({
      id: 'nota-fiscal',
      body: { name: 'Nota fiscal', name_en: 'Invoices', priority: 'alta', tier: 'N2', procedure: '' },
    });
    expect(categoryRequest({ id: 'Nota Fiscal', name: 'Nota fiscal', name_en: '', priority: 'alta', tier: 'N2', procedure: '' })).toEqual({
      invalid: 'desk.catalog.badId',
    });
  });

  it('a macro: texts keep their lines but lose trailing blanks; an empty name goes to the router to judge', () => {
    const f = { ...emptyMacro(), id: 'nf-2via', name: '', text: 'Olá, {{cliente.nome}}!\n\n  Segue.\n\n', text_en: '  ', category: 'nota-fiscal', action: 'resolve' };
    expect(macroRequest(f)).toEqual({
      id: 'nf-2via',
      body: { name: '', name_en: '', text: 'Olá, {{cliente.nome}}!\n\n  Segue.', text_en: '', category: 'nota-fiscal', priority: '', action: 'resolve' },
    });
    expect(macroRequest({ ...f, id: '' })).toEqual({ invalid: 'desk.catalog.badId' });
  });

  it('offers only the ticket actions a macro can carry out (never on a resolved or closed ticket)', () => {
    expect(['request_info', 'open', 'resolve'].every(isMacroAction)).toBe(true);
    expect(['reopen', 'close', 'accept', 'reject'].some(isMacroAction)).toBe(false);
    expect(isMacroAction('')).toBe(false);
  });
});

describe('the preview', () => {
  it('fills each placeholder with the example of the language', () => {
    const text = 'Olá, {{cliente.nome}}! Chamado #{{chamado.numero}} “{{chamado.assunto}}”.\n{{agente.nome}}';
    expect(previewText(text, 'pt-BR')).toBe('Olá, Maria Oliveira! Chamado #1234 “Não consigo emitir a nota fiscal”.\nCarlos Lima');
    expect(previewText('Re: {{chamado.assunto}}', 'en')).toBe('Re: I cannot issue the invoice');
  });

  it('leaves what the router leaves: unknown or unclosed placeholders', () => {
    expect(previewText('{{cliente.email}} e {{cliente.nome}}', 'pt-BR')).toBe('{{cliente.email}} e Maria Oliveira');
    expect(previewText('{{ cliente.nome }}', 'pt-BR')).toBe('{{ cliente.nome }}');
    expect(previewText('Olá {{cliente.nome', 'pt-BR')).toBe('Olá {{cliente.nome');
    expect(previewText('{{cliente.nome}}{{cliente.nome}}', 'en')).toBe('Mary JohnsonMary Johnson');
    expect(previewText('', 'pt-BR')).toBe('');
  });

  it('marks macros without English text', () => {
    expect(isPortugueseOnly({ text_en: '' })).toBe(true);
    expect(isPortugueseOnly({ text_en: ' \n' })).toBe(true);
    expect(isPortugueseOnly({ text_en: 'Hello' })).toBe(false);
  });
});

describe('the router’s sentences', () => {
  it('start with a capital and end with a full stop', () => {
    expect(asSentence('o nome vai de 1 a 80 caracteres')).toBe('O nome vai de 1 a 80 caracteres.');
    expect(asSentence('Já pronta.')).toBe('Já pronta.');
    expect(asSentence('é o procedimento?')).toBe('É o procedimento?');
    expect(asSentence('')).toBe('');
  });
});

describe('names in the UI’s language', () => {
  it('English when the UI is in English and there is one; else Portuguese; else the id', () => {
    expect(localName({ id: 'nf', name: 'Nota fiscal', name_en: 'Invoices' }, 'en')).toBe('Invoices');
    expect(localName({ id: 'nf', name: 'Nota fiscal', name_en: '' }, 'en')).toBe('Nota fiscal');
    expect(localName({ id: 'nf', name: 'Nota fiscal', name_en: 'Invoices' }, 'pt-BR')).toBe('Nota fiscal');
    expect(localName({ id: 'nf', name: '' }, 'pt-BR')).toBe('nf');
  });

  it('categoryName follows the UI language, and an admin’s save replaces the cached list', () => {
    categories.value = [{ id: 'acesso', name: 'Acesso e senha', name_en: 'Login and password', description: 'Entrar' }];
    expect(categoryName('acesso')).toBe('Acesso e senha');
    setLanguage('en');
    expect(categoryName('acesso')).toBe('Login and password');
    expect(categoryName('nota-fiscal')).toBe('nota-fiscal');
    replaceCategories([
      { id: 'acesso', name: 'Acesso e senha', name_en: 'Login and password' },
      { id: 'nota-fiscal', name: 'Nota fiscal', name_en: '' },
    ]);
    expect(categoryName('nota-fiscal')).toBe('Nota fiscal');
    expect(categories.value[0].description).toBe('Entrar');
  });
});
