/* Balcão web chat, embeddable with one tag on any site:
 *
 *   <script src="https://<gateway>/chat.js" async></script>
 *
 * Adds a "Fale conosco" / "Chat with us" button that opens the gateway's
 * chat page (/chat) in a frame: every call stays on the gateway's own
 * origin. The gateway must list the site in gateway/chat/embed_origins
 * (the page's CSP frame-ancestors). Optional: data-lang="en" on the tag. */
(function () {
  'use strict';
  var me = document.currentScript;
  if (!me || window.__balcaoChat) return;
  window.__balcaoChat = true;
  var origin = new URL(me.src, window.location.href).origin;
  var asked = me.getAttribute('data-lang') || document.documentElement.lang || navigator.language || '';
  var lang = /^en/i.test(asked) ? 'en' : 'pt-BR';
  var label = lang === 'en' ? 'Chat with us' : 'Fale conosco';

  function style(el, rules) {
    for (var k in rules) el.style[k] = rules[k];
  }

  function start() {
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    button.setAttribute('aria-expanded', 'false');
    button.setAttribute('aria-controls', 'balcao-chat-frame');
    style(button, {
      position: 'fixed', right: '20px', bottom: '20px', zIndex: '2147483000',
      border: '0', borderRadius: '999px', padding: '12px 20px', background: '#1d4ed8',
      color: '#fff', font: '600 16px system-ui, sans-serif', cursor: 'pointer',
      boxShadow: '0 4px 14px rgba(16,24,40,.25)',
    });
    var frame = null;

    function open() {
      if (!frame) {
        frame = document.createElement('iframe');
        frame.id = 'balcao-chat-frame';
        frame.title = label;
        frame.src = origin + '/chat?lang=' + encodeURIComponent(lang);
        frame.setAttribute('allow', 'clipboard-write');
        style(frame, {
          position: 'fixed', right: '20px', bottom: '20px', zIndex: '2147483000',
          width: 'min(380px, calc(100vw - 40px))', height: 'min(560px, calc(100vh - 40px))',
          border: '1px solid #cfd5de', borderRadius: '10px', background: '#fff',
          boxShadow: '0 8px 28px rgba(16,24,40,.25)',
        });
        document.body.appendChild(frame);
      }
      frame.style.display = 'block';
      button.style.display = 'none';
      button.setAttribute('aria-expanded', 'true');
      frame.focus();
    }

    function close() {
      if (frame) frame.style.display = 'none';
      button.style.display = '';
      button.setAttribute('aria-expanded', 'false');
      button.focus();
    }

    button.addEventListener('click', open);
    window.addEventListener('message', function (e) {
      if (e.origin === origin && e.data && e.data.balcaoChat === 'close') close();
    });
    document.body.appendChild(button);
  }

  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
