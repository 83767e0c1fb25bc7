// The pages of docs/API.md "The web app's pages", in history mode (the
// gateway answers index.html for any path outside /api/).
import { nextTick } from 'vue';
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { i18n } from './i18n';
import { notify, pageChanged, ready, setRouter, signedIn } from './store';
import ArticleView from './views/ArticleView.vue';
import ForgotView from './views/ForgotView.vue';
import HomeView from './views/HomeView.vue';
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
  }
}

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
