// The machinery itself, with or without the web app: Debian's Chromium,
// driven by playwright-core, reads the gateway's /healthz (every service
// "ok"), the page saves a screenshot, and axe-core loads and runs.
import { axe, check, env, log, person, runFlow, shot, step } from '../lib.mjs';

runFlow('smoke: Chromium reads the gateway', async (browser) => {
  const who = await person(browser);
  const { page } = who;
  await step('/healthz in the browser', async () => {
    const res = await page.goto('/healthz');
    check(res.status() === 200, 'the gateway answers /healthz with 200', res.status());
    const text = await page.locator('body').innerText();
    const health = JSON.parse(text);
    log(`healthz: ${text.trim()}`);
    check(['router', 'intake', 'kb', 'notify'].every((s) => JSON.stringify(health).includes(s)),
      'the page lists the services', health);
    await shot(page, 'healthz');
  });
  await step('axe-core runs in the page', async () => {
    await page.setContent('<!doctype html><html lang="pt-BR"><title>Teste</title><body><main><h1>Olá</h1><img src="data:image/png;base64,iVBORw0KGgo="></main></body></html>');
    const violations = await axe(page);
    check(violations.some((v) => v.id === 'image-alt'), 'axe finds an image without alt text', violations);
  });
  check(who.dialogs.length === 0, 'no dialog fired', who.dialogs);
  log(`base ${env.base}`);
});
