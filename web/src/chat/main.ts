// The embeddable chat page (/chat, chat.html): the chat widget alone, in
// the frame public/chat.js puts on a customer's site. Its own small bundle:
// no router, the chat's words only. The language: ?lang=en, else the
// browser's.
import { createApp, h } from 'vue';
import { createI18n } from 'vue-i18n';
import ChatWidget from './ChatWidget.vue';
import { chatEn, chatPtBR } from './messages';
import '../style.css';

const asked = new URLSearchParams(window.location.search).get('lang');
const browser = (navigator.languages?.[0] ?? navigator.language ?? '').toLowerCase();
const lang = asked === 'en' || (!asked && browser.startsWith('en')) ? 'en' : 'pt-BR';
document.documentElement.lang = lang;

const i18n = createI18n({
  legacy: false,
  locale: lang,
  fallbackLocale: 'pt-BR',
  messages: {
    'pt-BR': { chat: chatPtBR, app: { unexpected: 'Algo deu errado. Tente de novo em instantes.' } },
    en: { chat: chatEn, app: { unexpected: 'Something went wrong. Please try again in a moment.' } },
  },
  missingWarn: false,
  fallbackWarn: false,
});

createApp({ render: () => h(ChatWidget, { embedded: true }) })
  .use(i18n)
  .mount('#chat-app');
