// The knowledge, settings and outbox pages' pure logic.
import { describe, expect, it } from 'vitest';
import { articleLink, articlesPath, draftIsStale, editable, editsDraft, gapRows, markdownText, pageCount, parseTags, personOf, saveBody, type KbArticle } from '../src/desk/kb';
import { canResend, lastError, outboxCount, outboxPath, outboxStateLabel } from '../src/desk/outbox';
import { recurringProblem } from '../src/desk/problems';
import { durationSeconds, durationWords, formFrom, parseDuration, percentFraction, personName, settingsChanges, warningPercent, type SettingRow } from '../src/desk/settings';

describe('durations', () => {
  it('reads the router’s durations in words', () => {
    expect(durationWords('4h')).toBe('4 h');
    expect(durationWords('30m')).toBe('30 min');
    expect(durationWords('90m')).toBe('1 h 30 min');
    expect(durationWords('90')).toBe('1 h 30 min');
    expect(durationWords('45s')).toBe('45 s');
    expect(durationWords('sempre')).toBe('sempre');
    expect(durationSeconds('0h')).toBeNull();
  });

  it('takes what people type as the router’s form', () => {
    expect(parseDuration('4h')).toBe('4h');
    expect(parseDuration(' 4 h ')).toBe('4h');
    expect(parseDuration('30 min')).toBe('30m');
    expect(parseDuration('90')).toBe('90m');
    expect(parseDuration('1h30')).toBe('90m');
    expect(parseDuration('2h00')).toBe('2h');
    expect(parseDuration('1 h 30 min')).toBe('90m');
    expect(parseDuration('0m')).toBeNull();
    expect(parseDuration('quatro horas')).toBeNull();
    expect(parseDuration('')).toBeNull();
  });

  it('shows the warning as a percentage and takes it back as a fraction', () => {
    expect(warningPercent('0.8')).toBe('80');
    expect(warningPercent('0.75')).toBe('75');
    expect(percentFraction('80')).toBe('0.8');
    expect(percentFraction('75%')).toBe('0.75');
    expect(percentFraction('0')).toBeNull();
    expect(percentFraction('100')).toBeNull();
    expect(percentFraction('oitenta')).toBeNull();
  });
});

describe('the settings diff', () => {
  const rows: SettingRow[] = [
    { key: 'sla/alta/first_response', value: '2h', changed: false },
    { key: 'sla/alta/resolution', value: '16h', changed: false },
    { key: 'sla/warning', value: '0.8', changed: true },
    { key: 'calendar/mon', value: '08:00-18:00', changed: false },
    { key: 'calendar/sat', value: '', changed: false },
    { key: 'calendar/holidays', value: '2026-12-24,2026-12-31', changed: false },
    { key: 'calendar/national_holidays', value: 'yes', changed: false },
  ];

  it('sends nothing when nothing changed', () => {
    expect(settingsChanges(rows, formFrom(rows))).toEqual({ changes: {} });
  });

  it('sends only the changed keys, in the router’s form', () => {
    const form = formFrom(rows);
    expect(form['sla/warning']).toBe('80');
    expect(form['calendar/holidays']).toBe('2026-12-24\n2026-12-31');
    form['sla/alta/first_response'] = '1h30';
    form['sla/alta/resolution'] = '16 h';
    form['sla/warning'] = '90';
    form['calendar/sat'] = '08:00 - 12:00';
    form['calendar/holidays'] = '2026-12-31\n2026-12-24\n2027-01-02';
    form['calendar/national_holidays'] = 'no';
    expect(settingsChanges(rows, form)).toEqual({
      changes: {
        'sla/alta/first_response': '90m',
        'sla/warning': '0.9',
        'calendar/sat': '08:00-12:00',
        'calendar/holidays': '2026-12-24,2026-12-31,2027-01-02',
        'calendar/national_holidays': 'no',
      },
    });
  });

  it('names who changed them without the role', () => {
    expect(personName('admin:renato@example.com')).toBe('renato@example.com');
    expect(personName('Renato Alves')).toBe('Renato Alves');
  });

  it('names the first field that is wrong', () => {
    const form = formFrom(rows);
    form['sla/alta/resolution'] = 'amanhã';
    expect(settingsChanges(rows, form)).toEqual({ key: 'sla/alta/resolution', invalid: 'desk.settings.badDuration' });
    const form2 = formFrom(rows);
    form2['calendar/holidays'] = '24/12/2026';
    expect(settingsChanges(rows, form2)).toEqual({ key: 'calendar/holidays', invalid: 'desk.settings.badHolidays' });
  });
});

describe('the outbox', () => {
  it('labels its states and asks for one', () => {
    expect(outboxStateLabel('pending')).toBe('desk.outbox.state.pending');
    expect(outboxStateLabel('dead')).toBe('desk.outbox.state.dead');
    expect(outboxStateLabel('sent')).toBe('desk.outbox.state.unknown');
    expect(outboxPath('retrying')).toBe('/desk/outbox?state=retrying&limit=100');
    const page = { items: [], pending: 3, retrying: 1, dead: 2, skipped_robot: 0, skipped_ack_rate: 0 };
    expect(outboxCount(page, 'dead')).toBe(2);
    expect(outboxCount(null, 'dead')).toBeNull();
  });

  it('lets admins resend dead notifications only', () => {
    expect(canResend('admin', { state: 'dead' })).toBe(true);
    expect(canResend('admin', { state: 'retrying' })).toBe(false);
    expect(canResend('supervisor', { state: 'dead' })).toBe(false);
    expect(canResend(undefined, { state: 'dead' })).toBe(false);
  });

  it('shows the last error with its code', () => {
    expect(lastError({ last_error: 'mailbox unavailable', last_code: 550 })).toBe('550: mailbox unavailable');
    expect(lastError({ last_error: 'timeout', last_code: 0 })).toBe('timeout');
    // The SMTP server's reply already starts with its code: not twice.
    expect(lastError({ last_error: '550 5.1.1 <a@b.example>: Recipient address rejected: User unknown', last_code: 550 }))
      .toBe('550 5.1.1 <a@b.example>: Recipient address rejected: User unknown');
    expect(lastError({ last_error: '5501 odd', last_code: 550 })).toBe('550: 5501 odd');
    expect(lastError({ last_error: '', last_code: '' })).toBe('');
  });
});

describe('knowledge', () => {
  it('asks for the list with its filters and page', () => {
    expect(articlesPath({ q: '', status: '', visibility: '' }, 0)).toBe('/desk/kb/articles?limit=25');
    expect(articlesPath({ q: ' boleto ', status: 'publicado', visibility: 'interno' }, 2)).toBe(
      '/desk/kb/articles?q=boleto&status=publicado&visibility=interno&offset=50&limit=25',
    );
    expect(pageCount(0)).toBe(1);
    expect(pageCount(51)).toBe(3);
  });

  it('makes the gaps’ rows: most frequent first, the last time in São Paulo, a prefilled new article', () => {
    const rows = gapRows(
      [
        { query: 'nota fiscal', count: 2, searches: 2, bot: 0, last_at: '2026-12-03T02:30:00Z' },
        { query: 'boleto vencido', count: 7, searches: 5, bot: 2, last_at: '2026-12-04T14:05:00Z' },
      ],
      'America/Sao_Paulo',
      'pt-BR',
    );
    expect(rows.map((r) => r.query)).toEqual(['boleto vencido', 'nota fiscal']);
    expect(rows[0].last).toContain('11:05');
    expect(rows[1].last).toMatch(/^2 de dez/);
    expect(rows[1].last).toContain('23:30');
    expect(rows[0].newArticle).toEqual({ path: '/painel/artigos/novo', query: { title: 'boleto vencido' } });
  });

  it('turns Markdown into text for a reply and a hit into a link', () => {
    expect(markdownText('# Segunda via\n\nAcesse **Financeiro** e clique em [Boletos](https://x.test/b).\n\n- `Baixar`')).toBe(
      'Segunda via\n\nAcesse Financeiro e clique em Boletos (https://x.test/b).\n\n- Baixar',
    );
    expect(articleLink({ title: 'Segunda via', url: 'https://balcao.test/ajuda/segunda-via' })).toBe(
      'Segunda via: https://balcao.test/ajuda/segunda-via',
    );
    expect(articleLink({ title: 'Interno', url: null })).toBeNull();
    expect(parseTags('boleto, segunda via,, boleto ')).toEqual(['boleto', 'segunda via']);
  });

  it('flags recurring problems', () => {
    expect(recurringProblem({ number: 5, problem: null, incident_count: 3 })).toEqual({ problem: 5, count: 3 });
    expect(recurringProblem({ number: 6, problem: 5, incident_count: 0 }, [{ number: 5, incident_count: 3 }])).toEqual({ problem: 5, count: 3 });
    expect(recurringProblem({ number: 6, problem: 5, incident_count: 0 })).toEqual({ problem: 5, count: null });
    expect(recurringProblem({ number: 7, problem: null, incident_count: 0 })).toBeNull();
  });
});

describe('pending drafts of published articles', () => {
  const base = { id: 'toner', title: 'Toner', body: 'abra a tampa', version: 4, status: 'publicado', author: 'agent:ana@x' } as KbArticle;
  const draft = { ...base, body: 'gire a alavanca', revision: 2, author: 'agent:rui@x' } as KbArticle;

  it('saves a published article as its pending draft, with the revision it started from', () => {
    expect(editsDraft(base)).toBe(true);
    expect(saveBody(base, { body: 'novo' })).toEqual({ body: 'novo', base_version: 4, as_draft: true, base_draft: 0 });
    expect(saveBody({ ...base, draft }, { body: 'novo' })).toEqual({ body: 'novo', base_version: 4, as_draft: true, base_draft: 2 });
  });

  it('saves an unpublished article as it is, unless it keeps a draft', () => {
    const unpublished = { ...base, status: 'rascunho' } as KbArticle;
    expect(editsDraft(unpublished)).toBe(false);
    expect(editsDraft(null)).toBe(false);
    expect(saveBody(unpublished, { title: 'T' })).toEqual({ title: 'T', base_version: 4 });
    expect(editsDraft({ ...unpublished, draft })).toBe(true);
  });

  it('edits the draft when there is one, and says when it started from an older version', () => {
    expect(editable({ ...base, draft }).body).toBe('gire a alavanca');
    expect(editable(base).body).toBe('abra a tampa');
    expect(draftIsStale({ ...base, draft })).toBe(false);
    expect(draftIsStale({ ...base, version: 5, draft })).toBe(true);
    expect(draftIsStale(base)).toBe(false);
  });

  it('names people without their kind', () => {
    expect(personOf('agent:ana@suporte.example')).toBe('ana@suporte.example');
    expect(personOf('ana')).toBe('ana');
  });
});
