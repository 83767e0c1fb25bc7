// Passwords (the mails the portal sends: confirmation and reset): Rafael
// signs up with a password, signs out and in again with it; a wrong password
// is refused with a sentence; "esqueci minha senha" mails a reset link that
// sets a new password, signs him in and ends his other session (another
// browser); the old password no longer works, the new one does.
import {
  api, check, mailedLink, person, runFlow, seeText, shot, signUp, step, uniqueAddress,
} from '../lib.mjs';

async function signInWithPassword(who, email, password) {
  const { page } = who;
  await page.goto('/entrar');
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

async function signedIn(who) {
  return (await api(who, 'GET', '/session')).body.signed_in === true;
}

runFlow('senha: entrar, errar, redefinir por e-mail', async (browser) => {
  const rafael = await person(browser, { name: 'rafael' });
  const { page } = rafael;
  const email = uniqueAddress('rafael');
  const first = 'primeira senha longa 2026';
  const second = 'segunda senha ainda mais longa';

  await step('sign up with a password, sign out', async () => {
    await signUp(rafael, { name: 'Rafael Lima', email, password: first, sentText: /link de confirmação|verifique/i });
    await page.getByTestId('nav-signout').click();
    await page.getByTestId('nav-signin').waitFor({ state: 'visible' });
    check(!(await signedIn(rafael)), 'signed out');
  });

  await step('a wrong password is refused with a sentence', async () => {
    await signInWithPassword(rafael, email, 'não é essa a senha');
    const said = await seeText(page.getByTestId('error'), /./);
    check(!/unauthorized/i.test(said), `the page says why in words: "${said}"`);
    check(!(await signedIn(rafael)), 'still signed out');
    await shot(page, 'wrong-password');
  });

  await step('the right password signs him in', async () => {
    await signInWithPassword(rafael, email, first);
    await page.getByTestId('nav-signout').waitFor({ state: 'visible' });
    check(await signedIn(rafael), 'signed in with the password');
  });

  const other = await person(browser, { name: 'rafael-no-celular' });
  await step('another browser signed in too', async () => {
    await signInWithPassword(other, email, first);
    await other.page.getByTestId('nav-signout').waitFor({ state: 'visible' });
    check(await signedIn(other), 'the other browser is signed in');
  });

  await step('"esqueci minha senha": the mailed link sets a new one', async () => {
    const fresh = await person(browser, { name: 'rafael-esqueceu' });
    await fresh.page.goto('/esqueci-senha');
    await fresh.page.getByTestId('reset-email').fill(email);
    await fresh.page.getByTestId('reset-submit').click();
    await fresh.page.getByTestId('reset-sent').waitFor({ state: 'visible' });
    await shot(fresh.page, 'reset-sent');
    const { url } = await mailedLink(email, '/redefinir-senha');
    await fresh.page.goto(url);
    await fresh.page.getByTestId('reset-password').fill(second);
    await shot(fresh.page, 'reset');
    await fresh.page.getByTestId('reset-save').click();
    await fresh.page.getByTestId('nav-signout').waitFor({ state: 'visible' });
    check(await signedIn(fresh), 'the reset signs him in');
    check(!(await signedIn(other)) && !(await signedIn(rafael)), 'his other sessions ended');
    await fresh.context.close();
  });

  await step('the old password no longer works, the new one does', async () => {
    await signInWithPassword(other, email, first);
    await other.page.getByTestId('error').waitFor({ state: 'visible' });
    check(!(await signedIn(other)), 'the old password is refused');
    await signInWithPassword(other, email, second);
    await other.page.getByTestId('nav-signout').waitFor({ state: 'visible' });
    check(await signedIn(other), 'the new password signs him in');
  });
  check(rafael.errors.length === 0 && other.errors.length === 0, 'no script error',
    [...rafael.errors, ...other.errors]);
});
