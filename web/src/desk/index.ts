// The dashboard's chunk: every page of /painel and its texts, loaded by
// the router when one of them opens (the portal's first page has none).
export { loadDeskMessages } from './i18n';
export { default as AccountView } from './views/AccountView.vue';
export { default as ArticleEditorView } from './views/ArticleEditorView.vue';
export { default as ArticlesView } from './views/ArticlesView.vue';
export { default as CatalogView } from './views/CatalogView.vue';
export { default as ChatsView } from './views/ChatsView.vue';
export { default as CustomersView } from './views/CustomersView.vue';
export { default as DeskLayout } from './views/DeskLayout.vue';
export { default as DeskSignIn } from './views/DeskSignIn.vue';
export { default as DeskTicketView } from './views/DeskTicketView.vue';
export { default as GapsView } from './views/GapsView.vue';
export { default as LgpdView } from './views/LgpdView.vue';
export { default as OutboxView } from './views/OutboxView.vue';
export { default as PeopleView } from './views/PeopleView.vue';
export { default as QueueView } from './views/QueueView.vue';
export { default as ReportsView } from './views/ReportsView.vue';
export { default as SetPasswordView } from './views/SetPasswordView.vue';
export { default as SettingsView } from './views/SettingsView.vue';
