import { describe, expect, it } from 'vitest';
import { clockWords, dayDifference, promiseWords, timeWords } from '../src/promise';

const TZ = 'America/Sao_Paulo'; // UTC-3, no daylight saving time since 2019
// Thursday, 3 December 2026, 10:00 in São Paulo.
const NOW = new Date('2026-12-03T13:00:00Z');

const running = (kind: 'first_response' | 'resolution' | 'validation', due: string) =>
  ({ kind, due, state: 'running' }) as const;

describe('the promise in pt-BR', () => {
  it('says "hoje" for later today', () => {
    expect(promiseWords(running('first_response', '2026-12-03T20:00:00Z'), NOW, TZ, 'pt-BR')).toBe(
      'Respondemos até hoje às 17h',
    );
  });
  it('says "amanhã" for tomorrow, with minutes when there are some', () => {
    expect(promiseWords(running('first_response', '2026-12-04T15:00:00Z'), NOW, TZ, 'pt-BR')).toBe(
      'Respondemos até amanhã às 12h',
    );
    expect(promiseWords(running('first_response', '2026-12-04T12:30:00Z'), NOW, TZ, 'pt-BR')).toBe(
      'Respondemos até amanhã às 9h30',
    );
  });
  it('names the weekday and date further away', () => {
    // Monday 7 December, 9:00 in São Paulo
    expect(promiseWords(running('first_response', '2026-12-07T12:00:00Z'), NOW, TZ, 'pt-BR')).toBe(
      'Respondemos até segunda-feira, 7 de dez., às 9h',
    );
  });
  it('counts days in the business time zone, not in UTC', () => {
    // 23:30 in São Paulo on the 3rd is already the 4th in UTC: still "hoje".
    expect(promiseWords(running('first_response', '2026-12-04T02:30:00Z'), NOW, TZ, 'pt-BR')).toBe(
      'Respondemos até hoje às 23h30',
    );
    expect(dayDifference(new Date('2026-12-04T02:30:00Z'), NOW, TZ)).toBe(0);
  });
  it('says singular "à 1h"', () => {
    expect(promiseWords(running('first_response', '2026-12-04T04:00:00Z'), NOW, TZ, 'pt-BR')).toBe(
      'Respondemos até amanhã à 1h',
    );
  });
  it('owns up to a missed promise instead of showing a past time', () => {
    const past = running('first_response', '2026-12-03T12:00:00Z');
    expect(promiseWords(past, NOW, TZ, 'pt-BR')).toBe(
      'Nossa resposta está atrasada, e seu chamado já está com prioridade',
    );
    expect(
      promiseWords({ kind: 'resolution', due: '2026-12-04T15:00:00Z', state: 'breached' }, NOW, TZ, 'pt-BR'),
    ).toBe('A solução está levando mais tempo do que prometemos, mas seguimos cuidando dele');
  });
  it('words the resolution goal', () => {
    expect(promiseWords(running('resolution', '2026-12-04T20:00:00Z'), NOW, TZ, 'pt-BR')).toBe(
      'Nossa meta é resolver até amanhã às 17h',
    );
  });
  it('waits for the customer, and asks for validation with the auto-close time', () => {
    expect(promiseWords({ kind: 'waiting_customer', due: null, state: null }, NOW, TZ, 'pt-BR')).toBe(
      'Aguardando sua resposta',
    );
    expect(promiseWords(running('validation', '2026-12-04T15:00:00Z'), NOW, TZ, 'pt-BR')).toBe(
      'Confirme se resolveu: fecha sozinho amanhã às 12h',
    );
    expect(promiseWords(running('validation', '2026-12-10T15:00:00Z'), NOW, TZ, 'pt-BR')).toBe(
      'Confirme se resolveu: fecha sozinho em quinta-feira, 10 de dez., às 12h',
    );
  });
  it('has words for a promise without a date and for a finished ticket', () => {
    expect(promiseWords({ kind: 'first_response', due: null, state: 'running' }, NOW, TZ, 'pt-BR')).toBe(
      'Respondemos assim que possível',
    );
    expect(promiseWords({ kind: 'done', due: null, state: 'met' }, NOW, TZ, 'pt-BR')).toBe(
      'Atendimento concluído',
    );
    expect(promiseWords(null, NOW, TZ, 'pt-BR')).toBe('');
  });
  it('adds the year only when it is another year', () => {
    expect(promiseWords(running('first_response', '2027-01-04T12:00:00Z'), NOW, TZ, 'pt-BR')).toBe(
      'Respondemos até segunda-feira, 4 de jan. de 2027, às 9h',
    );
  });
});

describe('the promise in English', () => {
  it('today, tomorrow, a weekday', () => {
    expect(promiseWords(running('first_response', '2026-12-03T20:00:00Z'), NOW, TZ, 'en')).toBe(
      "We'll reply by 5 pm today",
    );
    expect(promiseWords(running('first_response', '2026-12-04T15:00:00Z'), NOW, TZ, 'en')).toBe(
      "We'll reply by 12 pm tomorrow",
    );
    expect(promiseWords(running('first_response', '2026-12-07T12:30:00Z'), NOW, TZ, 'en')).toBe(
      "We'll reply by Monday, Dec 7, at 9:30 am",
    );
  });
  it('past due, waiting, validation', () => {
    expect(promiseWords(running('first_response', '2026-12-02T12:00:00Z'), NOW, TZ, 'en')).toBe(
      'Our reply is overdue, and your ticket now has priority',
    );
    expect(promiseWords({ kind: 'waiting_customer', due: null, state: null }, NOW, TZ, 'en')).toBe(
      'Waiting for your reply',
    );
    expect(promiseWords(running('validation', '2026-12-03T20:00:00Z'), NOW, TZ, 'en')).toBe(
      'Please confirm it is solved: it closes by itself at 5 pm today',
    );
  });
});

describe('clock and time words', () => {
  it('writes the hour the way each language does', () => {
    const noon = new Date('2026-12-03T15:00:00Z');
    expect(clockWords(noon, TZ, 'pt-BR')).toBe('12h');
    expect(clockWords(noon, TZ, 'en')).toBe('12 pm');
    const midnight = new Date('2026-12-04T03:00:00Z');
    expect(clockWords(midnight, TZ, 'pt-BR')).toBe('0h');
    expect(clockWords(midnight, TZ, 'en')).toBe('12 am');
  });
  it('shows a message time in the business time zone', () => {
    expect(timeWords('2026-12-03T14:05:00Z', TZ, 'pt-BR')).toMatch(/3 de dez\. de 2026.*11:05/);
    expect(timeWords('2026-12-03T14:05:00Z', TZ, 'en')).toMatch(/Dec 3, 2026.*11:05/);
    expect(timeWords('not a time', TZ, 'en')).toBe('');
  });
});
