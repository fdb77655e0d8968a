// The Brightcart support chat: rasa-webchat talking to the Rasa server's socket.io channel.
//
// Where the Rasa server is: window.BRIGHTCART_ASSISTANT.rasaUrl, which the page's server
// states in assistant-location.js (default: this page's own origin). A link may pick another
// server with ?rasa_url=, but only one of the origins that file lists in otherRasaUrls (or
// the page's own): the shop's branded chat never talks to a server a crafted link names.
//
// A signed-in customer: the shop's own page sets window.BRIGHTCART_SHOP_TOKEN before this
// script runs, from its server-rendered page (a script of its own origin, or one carrying
// its CSP nonce). The token never travels in a URL, where logs, history and Referer headers
// would keep it; a ?shop_token= in the address is ignored.
(function () {
  const assistant = window.BRIGHTCART_ASSISTANT || {};
  const brandColour = getComputedStyle(document.documentElement).getPropertyValue("--brand").trim();

  // The origin of `url` if it is an http(s) URL, else null.
  function originOf(url) {
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.origin : null;
    } catch (error) {
      return null;
    }
  }

  function rasaOrigin() {
    const stated = originOf(assistant.rasaUrl || window.location.origin);
    const allowed = [window.location.origin, stated, ...(assistant.otherRasaUrls || []).map(originOf)];
    const requested = new URLSearchParams(window.location.search).get("rasa_url");
    const requestedOrigin = requested ? originOf(requested) : null;
    return requestedOrigin && allowed.includes(requestedOrigin) ? requestedOrigin : stated;
  }

  const shopToken = typeof window.BRIGHTCART_SHOP_TOKEN === "string" ? window.BRIGHTCART_SHOP_TOKEN : "";

  window.WebChat.default(
    {
      // An origin only: socket.io would read a path in the URL as its namespace.
      socketUrl: rasaOrigin(),
      socketPath: "/socket.io/",
      // The channel reads the token from customData (channels/socket_io.py).
      customData: shopToken ? { shop_token: shopToken } : {},
      // Sent unseen when the chat opens, so the assistant introduces itself. Plain text for
      // NLU: the channels read "/greet" as text unless it is a button the assistant offered.
      initPayload: "hi",
      title: "Brightcart support",
      subtitle: "Orders, returns, products",
      inputTextFieldHint: "Ask about an order, a return or a product",
      mainColor: brandColour,
      userBackgroundColor: brandColour,
      // Order details stay in this tab only, not in the browser for the next person.
      params: { storage: "session" },
    },
    null
  );
})();
