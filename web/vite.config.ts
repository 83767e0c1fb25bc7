import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// `npm run dev` serves the app on http://127.0.0.1:5173 and sends /api to
// the gateway (BALCAO_GATEWAY, default http://127.0.0.1:8080). The gateway
// refuses a write whose Origin is not its gateway/public_url: the proxy
// says the request comes from there (BALCAO_PUBLIC_URL, default the
// gateway's address).
const gateway = process.env.BALCAO_GATEWAY || 'http://127.0.0.1:8080';
const publicUrl = process.env.BALCAO_PUBLIC_URL || gateway;

export default defineConfig({
  plugins: [vue()],
  define: {
    // vue-i18n: Composition API only, no devtools in production.
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': {
        target: gateway,
        changeOrigin: false,
        configure: (proxy) => {
          proxy.on('proxyReq', (req) => {
            if (req.getHeader('origin')) req.setHeader('origin', publicUrl);
          });
        },
      },
    },
  },
  build: {
    outDir: 'dist',
    target: 'es2020',
    // No inline data: URLs for assets: the CSP allows img data: only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // Two pages: the app, and the embeddable web chat (/chat, framed by
    // public/chat.js on a customer's site).
    rollupOptions: {
      input: { main: 'index.html', chat: 'chat.html' },
    },
  },
  test: {
    environment: 'node',
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/setup.ts'],
  },
});
