// Where the chat (web/chat.js) finds the Rasa server, as the page's server states it.
//   rasaUrl        the server the chat talks to; null: this page's own origin, as behind
//                  deploy/nginx, which serves this file unchanged
//   otherRasaUrls  further servers a page link may choose with ?rasa_url=; any other is ignored
// scripts/serve_web.py (make run) answers this file itself with the Rasa server it was given.
window.BRIGHTCART_ASSISTANT = { rasaUrl: null, otherRasaUrls: [] };
