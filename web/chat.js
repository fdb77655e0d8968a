// The Brightcart support chat: rasa-webchat talking to the Rasa server's socket.io channel.
// Query parameters of the page, for demos and tests:
//   rasa_url    where the Rasa server is; default: BRIGHTCART_RASA_URL from
//               assistant-location.js, else this page's host, port 5005
//   shop_token  a signed-in customer's token from the shop, sent with every message
(function () {
  const query = new URLSearchParams(window.location.search);
  const shopToken = query.get("shop_token");
  const brandColour = getComputedStyle(document.documentElement).getPropertyValue("--brand").trim();

  window.WebChat.default(
    {
      socketUrl:
        query.get("rasa_url") ||
        window.BRIGHTCART_RASA_URL ||
        `${window.location.protocol}//${window.location.hostname}:5005`,
      socketPath: "/socket.io/",
      // The channel reads the token from customData (channels/socket_io.py).
      customData: shopToken ? { shop_token: shopToken } : {},
      // Sent when the chat opens, so the assistant introduces itself.
      initPayload: "/greet",
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
