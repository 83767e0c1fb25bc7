// The pages of docs/API.md "The web app's pages", in history mode (the
// gateway answers index.html for any path outside /api/).
import { nextTick } from 'vue';
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { i18n } from './i18n';
import { canSeeReports, isAdmin, isStaff } from './desk/staff';
import { notify, pageChanged, ready, setRouter, signedIn, state } from './store';
import ArticleView from './views/ArticleView.vue';
import ForgotView from './views/ForgotView.vue';
import HomeView from './views/HomeView.vue';
import MyDataView from './views/MyDataView.vue';
import LandingView from './views/LandingView.vue';
import NewTicketView from './views/NewTicketView.vue';
import NotFoundView from './views/NotFoundView.vue';
import ResetView from './views/ResetView.vue';
import SearchView from './views/SearchView.vue';
import SignInView from './views/SignInView.vue';
import SignUpView from './views/SignUpView.vue';
import TicketsView from './views/TicketsView.vue';
import TicketView from './views/TicketView.vue';

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page's title */
    title: string;
    /** the page needs a session */
    auth?: boolean;
    /** a dashboard page: staff only (`reports`: supervisors and admins,
     * `admin`: admins) */
    staff?: true | 'reports' | 'admin';
    /** a dashboard page open to anyone (sign-in, set password) */
    desk?: boolean;
  }
}

// The dashboard is one chunk (src/desk/index.ts), loaded by its first page.
const desk = () => import('./desk/index');

const routes: RouteRecordRaw[] = [
  { path: '/', component: HomeView, meta: { title: 'title.home' } },
  { path: '/ajuda', component: SearchView, meta: { title: 'title.help' } },
  { path: '/ajuda/:id', component: ArticleView, props: true, meta: { title: 'title.article' } },
  { path: '/entrar', component: SignInView, meta: { title: 'title.signin' } },
  { path: '/cadastro', component: SignUpView, meta: { title: 'title.signup' } },
  { path: '/esqueci-senha', component: ForgotView, meta: { title: 'title.forgot' } },
  { path: '/confirmar', component: LandingView, props: { kind: 'confirm' }, meta: { title: 'title.confirm' } },
  { path: '/entrar/link', component: LandingView, props: { kind: 'link' }, meta: { title: 'title.link' } },
  { path: '/redefinir-senha', component: ResetView, meta: { title: 'title.reset' } },
  { path: '/chamados', component: TicketsView, meta: { title: 'title.tickets', auth: true } },
  { path: '/chamados/novo', component: NewTicketView, meta: { title: 'title.newTicket', auth: true } },
  {
    path: '/chamados/:number(\\d+)',
    component: TicketView,
    props: (r) => ({ number: Number(r.params.number) }),
    meta: { title: 'title.ticket', auth: true },
  },
  // LGPD: the customer's copy of their data (a ZIP file).
  { path: '/meus-dados', component: MyDataView, meta: { title: 'myData.title', auth: true } },
  // The dashboard: its own chunk, loaded only when one of its pages opens.
  {
    path: '/painel',
    component: () => desk().then((m) => m.DeskLayout),
    children: [
      { path: '', component: () => desk().then((m) => m.QueueView), meta: { title: 'desk.title.queues', staff: true } },
      { path: 'entrar', component: () => desk().then((m) => m.DeskSignIn), meta: { title: 'desk.title.signin', desk: true } },
      {
        path: 'definir-senha',
        component: () => desk().then((m) => m.SetPasswordView),
        meta: { title: 'desk.title.setPassword', desk: true },
      },
      {
        path: 'chamados/:number(\\d+)',
        component: () => desk().then((m) => m.DeskTicketView),
        props: (r) => ({ number: Number(r.params.number) }),
        meta: { title: 'desk.title.ticket', staff: true },
      },
      { path: 'conta', component: () => desk().then((m) => m.AccountView), meta: { title: 'desk.title.account', staff: true } },
      { path: 'pessoas', component: () => desk().then((m) => m.PeopleView), meta: { title: 'desk.title.people', staff: 'admin' } },
      { path: 'clientes', component: () => desk().then((m) => m.CustomersView), meta: { title: 'desk.customers.title', staff: true } },
      {
        path: 'relatorios',
        component: () => desk().then((m) => m.ReportsView),
        meta: { title: 'desk.title.reports', staff: 'reports' },
      },
      // Knowledge (staff), settings and outbox (supervisors and admins).
      { path: 'artigos', component: () => desk().then((m) => m.ArticlesView), meta: { title: 'desk.kb.title', staff: true } },
      {
        path: 'artigos/:id',
        component: () => desk().then((m) => m.ArticleEditorView),
        props: true,
        meta: { title: 'desk.kb.editor.editTitle', staff: true },
      },
      { path: 'lacunas', component: () => desk().then((m) => m.GapsView), meta: { title: 'desk.gaps.title', staff: true } },
      // The live web chats the bot handed on (issue 16).
      { path: 'chats', component: () => desk().then((m) => m.ChatsView), meta: { title: 'desk.chats.title', staff: true } },
      {
        path: 'configuracoes',
        component: () => desk().then((m) => m.SettingsView),
        meta: { title: 'desk.settings.title', staff: 'reports' },
      },
      // Categories and macros: every staff member reads them, admins change them.
      { path: 'catalogo', component: () => desk().then((m) => m.CatalogView), meta: { title: 'desk.catalog.title', staff: true } },
      { path: 'saida', component: () => desk().then((m) => m.OutboxView), meta: { title: 'desk.outbox.title', staff: 'reports' } },
      // LGPD: export, anonymise, the audit (admins; the router decides).
      { path: 'lgpd', component: () => desk().then((m) => m.LgpdView), meta: { title: 'desk.lgpd.title', staff: 'admin' } },
    ],
  },
  { path: '/:rest(.*)*', component: NotFoundView, meta: { title: 'title.notFound' } },
];

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
});

setRouter(router);

router.beforeEach(async (to) => {
  await ready;
  if (to.meta.staff || to.meta.desk) (await desk()).loadDeskMessages();
  if (to.path === '/painel/entrar' && isStaff(state.session)) return { path: '/painel' };
  if (to.meta.staff) {
    const s = state.session;
    if (!isStaff(s)) return { path: '/painel/entrar', query: { next: to.fullPath } };
    if (to.meta.staff === 'reports' && !canSeeReports(s)) return { path: '/painel' };
    if (to.meta.staff === 'admin' && !isAdmin(s)) return { path: '/painel' };
  }
  if (to.meta.auth && !signedIn()) {
    notify('common.signinNeeded', undefined, true);
    return { path: '/entrar', query: { next: to.fullPath } };
  }
  return true;
});

let first = true;
router.afterEach((to) => {
  pageChanged();
  document.title = `${i18n.global.t(to.meta.title)} · Balcão`;
  if (first) {
    first = false;
    return;
  }
  // Tell screen readers the page changed: focus its heading.
  void nextTick(() => {
    const h1 = document.querySelector<HTMLElement>('#main h1');
    if (h1) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: true });
    }
  });
});
