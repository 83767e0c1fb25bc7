// The promise of a ticket in words, in the business time zone: "Respondemos
// até amanhã às 12h". Pure: no Vue, no i18n plugin, so Vitest checks every
// sentence. The API sends the promise as {kind, due, state} with `due` in
// UTC; the session tells the time zone.

export type Lang = 'pt-BR' | 'en';

export interface Promise_ {
  kind: 'first_response' | 'resolution' | 'waiting_customer' | 'validation' | 'done';
  due: string | null;
  state: 'running' | 'met' | 'breached' | null;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function localParts(date: Date, timeZone: string): LocalParts {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour') % 24,
    minute: get('minute'),
  };
}

/** Calendar days from `now` to `date`, both as seen in `timeZone`. */
export function dayDifference(date: Date, now: Date, timeZone: string): number {
  const a = localParts(date, timeZone);
  const b = localParts(now, timeZone);
  return Math.round(
    (Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(b.year, b.month - 1, b.day)) / 86400000,
  );
}

/** "12h", "9h30" in Portuguese; "12 pm", "9:30 am" in English. */
export function clockWords(date: Date, timeZone: string, lang: Lang): string {
  const { hour, minute } = localParts(date, timeZone);
  const mm = String(minute).padStart(2, '0');
  if (lang === 'pt-BR') return minute === 0 ? `${hour}h` : `${hour}h${mm}`;
  const suffix = hour < 12 ? 'am' : 'pm';
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  return minute === 0 ? `${h12} ${suffix}` : `${h12}:${mm} ${suffix}`;
}

/**
 * When, in words, relative to `now`:
 * pt-BR "hoje às 17h", "amanhã às 12h", "sexta-feira, 4 de dez., às 9h";
 * en "5 pm today", "12 pm tomorrow", "Friday, Dec 4, at 9 am".
 */
export function whenWords(date: Date, now: Date, timeZone: string, lang: Lang): string {
  const days = dayDifference(date, now, timeZone);
  const clock = clockWords(date, timeZone, lang);
  if (lang === 'pt-BR') {
    // "à 1h", "às 12h"
    const at = localParts(date, timeZone).hour === 1 ? 'à' : 'às';
    if (days === 0) return `hoje ${at} ${clock}`;
    if (days === 1) return `amanhã ${at} ${clock}`;
    return `${dayWords(date, now, timeZone, lang)}, ${at} ${clock}`;
  }
  if (days === 0) return `${clock} today`;
  if (days === 1) return `${clock} tomorrow`;
  return `${dayWords(date, now, timeZone, lang)}, at ${clock}`;
}

function dayWords(date: Date, now: Date, timeZone: string, lang: Lang): string {
  const sameYear = localParts(date, timeZone).year === localParts(now, timeZone).year;
  return new Intl.DateTimeFormat(lang, {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'short',
    year: sameYear ? undefined : 'numeric',
  }).format(date);
}

/** A moment in full for the thread ("3 de dez., 14:05"), in the business time zone. */
export function timeWords(iso: string, timeZone: string, lang: Lang): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(lang, {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(date);
}

const WORDS = {
  'pt-BR': {
    first_response: (w: string) => `Respondemos até ${w}`,
    first_response_late: 'Nossa resposta está atrasada, e seu chamado já está com prioridade',
    first_response_soon: 'Respondemos assim que possível',
    first_response_met: 'Já respondemos, e seguimos cuidando do seu chamado',
    resolution: (w: string) => `Nossa meta é resolver até ${w}`,
    resolution_late: 'A solução está levando mais tempo do que prometemos, mas seguimos cuidando dele',
    resolution_soon: 'Estamos cuidando do seu chamado',
    waiting_customer: 'Aguardando sua resposta',
    validation: (w: string) => `Confirme se resolveu: fecha sozinho ${w}`,
    validation_soon: 'Confirme se resolveu: o chamado fecha sozinho em breve',
    done: 'Atendimento concluído',
  },
  en: {
    first_response: (w: string) => `We'll reply by ${w}`,
    first_response_late: 'Our reply is overdue, and your ticket now has priority',
    first_response_soon: "We'll reply as soon as we can",
    first_response_met: "We've replied, and we're still on it",
    resolution: (w: string) => `We aim to solve it by ${w}`,
    resolution_late: "The fix is taking longer than we promised, but we're still on it",
    resolution_soon: "We're working on your ticket",
    waiting_customer: 'Waiting for your reply',
    validation: (w: string) => `Please confirm it is solved: it closes by itself ${w}`,
    validation_soon: 'Please confirm it is solved: it closes by itself soon',
    done: 'Service completed',
  },
} as const;

/** The validation deadline reads "fecha sozinho hoje às 17h" or "… em sexta-feira, 4 de dez., às 9h". */
function validationWhen(date: Date, now: Date, timeZone: string, lang: Lang): string {
  const days = dayDifference(date, now, timeZone);
  const w = whenWords(date, now, timeZone, lang);
  if (lang === 'pt-BR') return days <= 1 ? w : `em ${w}`;
  return days <= 1 ? `at ${w}` : `on ${w}`;
}

/** The promise in one sentence. */
export function promiseWords(
  promise: Promise_ | null | undefined,
  now: Date,
  timeZone: string,
  lang: Lang,
): string {
  const t = WORDS[lang] ?? WORDS['pt-BR'];
  if (!promise) return '';
  const due = promise.due ? new Date(promise.due) : null;
  const valid = due !== null && !Number.isNaN(due.getTime());
  const late = promise.state === 'breached' || (valid && due!.getTime() < now.getTime());
  switch (promise.kind) {
    case 'first_response':
      if (promise.state === 'met') return t.first_response_met;
      if (late) return t.first_response_late;
      return valid ? t.first_response(whenWords(due!, now, timeZone, lang)) : t.first_response_soon;
    case 'resolution':
      if (late && promise.state !== 'met') return t.resolution_late;
      return valid ? t.resolution(whenWords(due!, now, timeZone, lang)) : t.resolution_soon;
    case 'waiting_customer':
      return t.waiting_customer;
    case 'validation':
      if (!valid || due!.getTime() < now.getTime()) return t.validation_soon;
      return t.validation(validationWhen(due!, now, timeZone, lang));
    case 'done':
      return t.done;
    default:
      return '';
  }
}
