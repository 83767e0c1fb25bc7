import { describe, expect, it } from 'vitest';
import { formatSize, passwordLengthOk, safeNext, snippetParts, tokenFromHash, uuid } from '../src/util';

describe('mailed links', () => {
  it('reads the token from the fragment', () => {
    expect(tokenFromHash('#t=abc-DEF_123')).toBe('abc-DEF_123');
    expect(tokenFromHash('#x=1&t=tok')).toBe('tok');
    expect(tokenFromHash('')).toBeNull();
    expect(tokenFromHash('#t=')).toBeNull();
  });
  it('goes back only to a page of this app after signing in', () => {
    expect(safeNext('/chamados/12')).toBe('/chamados/12');
    expect(safeNext('//evil.example/x')).toBe('/chamados');
    expect(safeNext('/\\evil.example')).toBe('/chamados');
    expect(safeNext('https://evil.example/')).toBe('/chamados');
    expect(safeNext(undefined)).toBe('/chamados');
    expect(safeNext('/entrar?next=/x')).toBe('/chamados');
  });
  it('makes v4 UUIDs', () => {
    const a = uuid();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuid()).not.toBe(a);
  });
});

describe('kb snippets', () => {
  it('keeps the <b> marks as bold parts and decodes the escaped text', () => {
    expect(snippetParts('Como emitir a <b>segunda via</b> do boleto &amp; &lt;nota&gt;')).toEqual([
      { text: 'Como emitir a ', bold: false },
      { text: 'segunda via', bold: true },
      { text: ' do boleto & <nota>', bold: false },
    ]);
  });
  it('leaves any other markup as visible text, never as HTML', () => {
    const parts = snippetParts('<img src=x onerror=alert(1)> &#60;script&#62;');
    expect(parts).toEqual([{ text: '<img src=x onerror=alert(1)> <script>', bold: false }]);
  });
});

describe('file sizes', () => {
  it('are written the way each language writes numbers', () => {
    expect(formatSize(512, 'pt-BR')).toBe('512 B');
    expect(formatSize(1536, 'pt-BR')).toBe('1,5 KB');
    expect(formatSize(1536, 'en')).toBe('1.5 KB');
    expect(formatSize(25 * 1024 * 1024, 'en')).toBe('25 MB');
  });
});

describe('passwords', () => {
  it('counts characters as the gateway does, not UTF-16 units', () => {
    expect(passwordLengthOk('123456789')).toBe(false);
    expect(passwordLengthOk('1234567890')).toBe(true);
    // Five emoji are ten UTF-16 units but five characters.
    expect(passwordLengthOk('🔑🔑🔑🔑🔑')).toBe(false);
    expect(passwordLengthOk('ç'.repeat(128))).toBe(true);
    expect(passwordLengthOk('ç'.repeat(129))).toBe(false);
  });
});
