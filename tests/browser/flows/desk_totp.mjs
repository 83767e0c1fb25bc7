// Two-step sign-in for staff: Carla turns TOTP on at /painel/conta (the QR
// code shown, the secret read from the page, the code computed here with
// RFC 6238 / node:crypto), signs out, signs in with her password and is
// asked for the code; a wrong code is refused in words; the right one (of a
// later 30-second step: each code works once) lets her in.
import { createHmac } from 'node:crypto';
import {
  check, deskSignIn, log, member, person, runFlow, seeText, shot, step,
} from '../lib.mjs';

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/[=\s]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

// RFC 6238: HMAC-SHA1 over the 30-second step, 6 digits.
export function totp(secret, stepNumber) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(stepNumber));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(value).padStart(6, '0');
}

const nowStep = () => Math.floor(Date.now() / 1000 / 30);

runFlow('painel: verificação em duas etapas (TOTP)', async (browser) => {
  const carla = member('carla');
  const who = await person(browser, { name: 'Carla (N3)' });
  const { page } = who;
  let secret;
  let confirmed;

  await step('Carla turns TOTP on at /painel/conta', async () => {
    await deskSignIn(who, carla);
    await page.getByTestId('desk-nav-account').click();
    await page.waitForURL(/\/painel\/conta$/);
    await seeText(page.getByTestId('totp-state'), /^(Desativada|Off)\b/);
    await page.getByTestId('totp-begin').click();
    await page.getByTestId('totp-qr').waitFor({ state: 'visible' });
    const qr = await page.getByTestId('totp-qr').evaluate((img) => ({ src: img.src.slice(0, 30), w: img.naturalWidth, alt: img.alt }));
    check(qr.src.startsWith('data:image/') && qr.w > 0 && qr.alt, 'the QR code is shown (a data: image with a text alternative)', qr);
    secret = (await page.getByTestId('totp-secret').innerText()).trim();
    check(/^[A-Z2-7=\s]{16,}$/.test(secret), 'the secret is shown in base32', secret.length);
    await shot(page, 'account-totp-begin');
    await page.getByTestId('totp-code').fill('000000' === totp(secret, nowStep()) ? '111111' : '000000');
    await page.getByTestId('totp-confirm').click();
    await seeText(page.getByTestId('desk-error'), /\S/);
    log(`a wrong code: ${await page.getByTestId('desk-error').innerText()}`);
    confirmed = nowStep();
    await page.getByTestId('totp-code').fill(totp(secret, confirmed));
    await page.getByTestId('totp-confirm').click();
    await seeText(page.getByTestId('totp-state'), /^(Ativada|On)\b/);
    check(await page.getByTestId('totp-disable').isVisible(), 'the page now offers to turn it off');
    await shot(page, 'account-totp-on');
  });

  await step('signed out, the password alone is not enough', async () => {
    await page.getByTestId('nav-signout').click();
    await page.waitForURL((u) => u.pathname.startsWith('/painel/entrar') || u.pathname === '/');
    await page.goto('/painel/entrar');
    await page.getByTestId('desk-login-email').fill(carla.email);
    await page.getByTestId('desk-login-password').fill(carla.password);
    await page.getByTestId('desk-login-submit').click();
    await page.getByTestId('desk-login-code').waitFor({ state: 'visible' });
    check(await page.getByTestId('desk-login-code').evaluate((e) => e === document.activeElement), 'the code field has the focus');
    await shot(page, 'signin-code');
    await page.getByTestId('desk-login-code').fill(totp(secret, confirmed + 5));
    await page.getByTestId('desk-login-submit').click();
    const said = await seeText(page.getByTestId('desk-error'), /\S/);
    log(`a wrong code at sign-in: ${said}`);
    check(new URL(page.url()).pathname === '/painel/entrar', 'still on the sign-in page');
  });

  await step('the right code lets her in', async () => {
    // The code of the confirmation's step was used; the next step's is
    // accepted now (±1 step) and later (it is the current one).
    const stepToUse = Math.max(nowStep(), confirmed + 1);
    await page.getByTestId('desk-login-code').fill(totp(secret, stepToUse));
    await page.getByTestId('desk-login-submit').click();
    await page.waitForURL((u) => u.pathname === '/painel', { timeout: 15000 });
    await page.getByTestId('nav-signout').waitFor({ state: 'visible' });
    await shot(page, 'queues-after-totp');
  });

  check(who.errors.length === 0 && who.dialogs.length === 0, 'no script error, no dialog', [who.errors, who.dialogs]);
});
