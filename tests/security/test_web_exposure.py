"""The assistant's web exposure, attacked: customer text echoed into replies, the chat page's
links (?rasa_url=, tokens in URLs), and what nginx with the shipped site sends and refuses."""

import asyncio
import http.client
import string
import threading
import uuid
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

import pytest
import requests
import socketio
from aiohttp import web
from playwright.sync_api import expect

from actions import clock, shop
from actions.catalogue import ActionAnswerProductInquiry, ActionRecommendProducts
from actions.db import engine as db_engine
from actions.formatting import ECHO_MARKUP_CHARACTERS, ECHO_MAX_CHARS
from actions.identity import VERIFIED_AT_SLOT
from actions.order_changes import ActionAskChangeConfirmed
from harness.local_servers import free_port
from scripts.serve_web import SECURITY_HEADERS
from tests.conftest import make_tracker, user_event
from tests.e2e.scale_out_servers import nginx_server
from tests.e2e.test_web_chat import browser  # noqa: F401  (the Chromium fixture)
from tests.integration.live import page_server
from tests.conftest import use_shop_database
from tests.integration.live import assistant_on_test_shop, fill_new_shop
from tests.shop_factory import NOW, add_customer, add_order, add_product

XSS = "<img src=x onerror=alert(1)>"
# The same as an account's name: one word, as replies use the first name.
XSS_NAME = XSS.replace(" ", "/")
MARKDOWN_LINK = "[claim your refund](https://evil.example/login)"
CUSTOMER_EMAIL = "lena.vogt@example.com"
ORDER_ID = 512345
# A production-like limit for the header and browser tests; the burst test gets its own.
SITE_RATE_LIMIT, SITE_RATE_BURST = "10r/s", 40
STRICT_RATE_LIMIT, STRICT_RATE_BURST = "1r/m", 2
STUB_REPLY = "Hello from the stand-in assistant"
# Widgets render the bot's text as Markdown or HTML; none of this may come from a customer.
MARKUP = set(ECHO_MARKUP_CHARACTERS)
# What masks personal data in replies (actions/privacy.py): ours, not the customer's.
MASK = "***"


# --- customer text echoed into replies -------------------------------------------------------

def fill_shop(session):
    # A customer may name their own account anything, markup included.
    lena = add_customer(session, name=f"{XSS_NAME} Vogt", email=CUSTOMER_EMAIL)
    kettle = add_product(session, name="Gooseneck kettle", sku="BC-KI-0777", price=Decimal("39.90"), stock=9)
    add_product(session, name="Barista coffee grinder", sku="BC-KI-0778", price=Decimal("89.00"), stock=9)
    add_order(session, lena, "paid", order_id=ORDER_ID, products=[kettle])


# The order's email given just now (the form's validator sets these).
VERIFIED = {"order_id": str(ORDER_ID), "order_contact": CUSTOMER_EMAIL, VERIFIED_AT_SLOT: NOW.isoformat()}


@pytest.fixture
def test_shop(tmp_path, monkeypatch):
    """The actions' database: a fresh SQLite shop (fill_shop)."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    fill_new_shop(url, fill_shop)
    use_shop_database(monkeypatch, url)
    yield
    db_engine.default_engine.cache_clear()
    shop.shop_repository.cache_clear()


def filled_in(dispatcher, domain) -> List[Dict[str, str]]:
    """Per reply, the values its template shows, as the customer's widget gets them."""
    values = []
    for message in dispatcher.messages:
        template = domain["responses"][message["response"]][0]["text"]
        fields = {field for _, field, _, _ in string.Formatter().parse(template) if field}
        values.append({field: str(message.get(field, "")) for field in fields})
    return values


def assert_quoted_safely(dispatcher, domain, typed: str) -> None:
    """No value in a reply carries markup, nor what the customer typed unchanged."""
    for values in filled_in(dispatcher, domain):
        for field, value in values.items():
            assert not MARKUP & set(value.replace(MASK, "")), (field, value)
            assert typed not in value


@pytest.mark.parametrize(
    "typed", [XSS, MARKDOWN_LINK, "<b>" + "samovar " * 40 + "</b>"], ids=["html", "markdown-link", "long"]
)
async def test_product_search_quotes_the_query_without_markup(test_shop, dispatcher, domain, typed):
    tracker = make_tracker([user_event(typed, "product_inquiry")], slots={"product_query": typed})

    events = await ActionAnswerProductInquiry().run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_product_not_found"]
    quoted = dispatcher.messages[0]["product_query"]
    assert 0 < len(quoted) <= ECHO_MAX_CHARS
    assert_quoted_safely(dispatcher, domain, typed)
    assert events == [{"event": "slot", "timestamp": None, "name": "product_query", "value": None}]


async def test_address_confirmation_quotes_the_street_without_markup(test_shop, dispatcher, domain):
    street = f"{XSS} 12"
    tracker = make_tracker(
        [user_event("please change the delivery address", "change_shipping_address")],
        slots={
            **VERIFIED, "shipping_street": street,
            "shipping_postcode": "10115", "shipping_city": "Berlin", "shipping_country": "Germany",
        },
    )

    await ActionAskChangeConfirmed().run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_confirm_address"]
    assert_quoted_safely(dispatcher, domain, street)


async def test_recommendations_address_the_customer_by_name_without_markup(test_shop, dispatcher, domain):
    tracker = make_tracker([user_event("what would you recommend", "product_recommendation")], slots=VERIFIED)

    await ActionRecommendProducts().run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_recommendations_personal"]
    assert_quoted_safely(dispatcher, domain, XSS_NAME)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    """The real action and Rasa servers on the test shop."""
    with assistant_on_test_shop(tmp_path_factory.mktemp("echo-assistant"), fill_shop) as (running, _):
        yield running


def assert_no_markup_in_replies(replies: List[str]) -> None:
    """The domain's own texts use no markup either, so none may appear at all."""
    assert replies, "no reply at all"
    for reply in replies:
        assert not {"<", "`", "["} & set(reply), reply
        assert "onerror=alert(1)>" not in reply


# A link whose text names no request: "claim your refund" inside the product question now
# switches to a refund request, which never echoes what was typed.
PRODUCT_MARKDOWN_LINK = "[samovar deluxe](https://evil.example/login)"


@pytest.mark.parametrize("typed", [XSS, PRODUCT_MARKDOWN_LINK], ids=["html", "markdown-link"])
def test_product_search_over_the_real_servers_quotes_no_markup(assistant, typed):
    conversation = uuid.uuid4().hex
    assert any("Which product" in reply for reply in assistant.say("I have a question about a product", conversation))

    replies = assistant.say(typed, conversation)

    assert any("couldn't find a product" in reply for reply in replies), replies
    assert_no_markup_in_replies(replies)


@pytest.mark.parametrize(
    "message",
    [f"my order number is {XSS}", f'/inform{{"order_id": "{XSS}"}}', f'/inform{{"product": "{XSS}"}}'],
    ids=["typed", "intent-with-order-id", "intent-with-product"],
)
def test_slots_set_from_a_message_are_never_echoed_with_markup(assistant, message):
    """A slot set from a message (an order number out of the blue, a product) never comes back as markup."""
    response = assistant.send(message)

    assert response.status_code == 200 or 400 <= response.status_code < 500
    if response.status_code == 200:
        assert_no_markup_in_replies([reply.get("text", "") for reply in response.json()])


# --- nginx with the shipped site, in front of a stand-in for the Rasa servers ----------------

class StubRasa:
    """Stands in for the Rasa servers: socket.io as rasa-webchat speaks it (every message is
    answered with STUB_REPLY), 200 for any other request. Records every request path and
    every message it got, and runs on its own event loop in a thread."""

    def __init__(self, allowed_origins: List[str]):
        self.port = free_port()
        self.paths: List[str] = []
        self.messages: List[Dict[str, Any]] = []
        self.sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins=allowed_origins)
        self.sio.on("session_request", self.confirm_session)
        self.sio.on("user_uttered", self.answer)
        self.loop = asyncio.new_event_loop()
        self.runner: Optional[web.AppRunner] = None

    async def confirm_session(self, sid, data):
        await self.sio.emit("session_confirm", (data or {}).get("session_id") or uuid.uuid4().hex, room=sid)

    async def answer(self, sid, data):
        self.messages.append(data)
        await self.sio.emit("bot_uttered", {"text": STUB_REPLY}, room=sid)

    def start(self) -> "StubRasa":
        @web.middleware
        async def record(request, handler):
            self.paths.append(request.path)
            return await handler(request)

        async def ok(request):
            return web.json_response([])

        async def serve():
            app = web.Application(middlewares=[record])
            self.sio.attach(app)
            app.router.add_route("*", "/{path:.*}", ok)
            self.runner = web.AppRunner(app)
            await self.runner.setup()
            await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

        # Its own loop in a thread: Playwright's sync API holds this thread's loop.
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(serve(), self.loop).result(timeout=30)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Site:
    """nginx with the shipped site on loopback: HTTP and HTTPS, its certificate, its upstream."""

    def __init__(self, work_dir, rate_limit: str, rate_burst: int):
        self.port, self.tls_port = free_port(), free_port()
        self.work_dir, self.rate_limit, self.rate_burst = work_dir, rate_limit, rate_burst
        self.certificate = work_dir / "tls-certificate.pem"
        self.upstream = StubRasa([self.url, self.tls_url])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def tls_url(self) -> str:
        return f"https://127.0.0.1:{self.tls_port}"

    def __enter__(self) -> "Site":
        self.upstream.start()
        self.nginx = nginx_server(
            self.port, self.tls_port, [self.upstream.port], self.work_dir, self.rate_limit, self.rate_burst,
            console_port=free_port(),  # no console: this site is about the chat
        )
        self.nginx.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.nginx.stop()
        self.upstream.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with Site(tmp_path_factory.mktemp("site"), SITE_RATE_LIMIT, SITE_RATE_BURST) as running:
        yield running


@pytest.fixture(scope="module")
def strict_site(tmp_path_factory):
    """The same site with a limit of one request a minute beyond a burst of 2."""
    with Site(tmp_path_factory.mktemp("strict-site"), STRICT_RATE_LIMIT, STRICT_RATE_BURST) as running:
        yield running


def csp_directives(policy: str) -> Dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("path", ["/", "/chat.js", "/missing.html", "/webhooks/rest/webhook"])
def test_every_response_carries_the_security_headers(site, scheme, path):
    url = site.url if scheme == "http" else site.tls_url
    response = requests.get(url + path, verify=str(site.certificate), timeout=10)

    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    policy = csp_directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"  # socket.io to its own origin only
    assert "nginx/" not in response.headers.get("Server", "")


def test_the_page_server_of_make_run_sends_the_same_headers(site, make_run_page):
    """scripts/serve_web.py and nginx agree on every header and every CSP directive but where
    the chat may connect (serve_web: also the Rasa server on its own port)."""
    ours = requests.get(make_run_page.url, timeout=10).headers
    nginx = requests.get(site.url, timeout=10).headers

    assert {name: ours.get(name) for name in SECURITY_HEADERS} == {name: nginx.get(name) for name in SECURITY_HEADERS}
    ours_policy = csp_directives(ours["Content-Security-Policy"])
    nginx_policy = csp_directives(nginx["Content-Security-Policy"])
    rasa_url = make_run_page.rasa_url
    assert ours_policy.pop("connect-src") == f"'self' {rasa_url} {rasa_url.replace('http', 'ws', 1)}"
    nginx_policy.pop("connect-src")
    assert ours_policy == nginx_policy


def test_tls_serves_the_page_and_only_tls_gets_strict_transport_security(site):
    secure = requests.get(site.tls_url + "/", verify=str(site.certificate), timeout=10)
    plain = requests.get(site.url + "/", timeout=10)

    assert secure.status_code == 200 and "Brightcart" in secure.text
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in plain.headers


# What a client sends to the assistant through nginx: a REST message, a socket.io handshake.
REST_MESSAGE = ("POST", "/webhooks/rest/webhook", b'{"sender": "x", "message": "hi"}')
SOCKET_HANDSHAKE = ("GET", "/socket.io/?EIO=4&transport=polling", None)
# Within one minute, STRICT_RATE_LIMIT lets the first request and a burst of 2 through.
ALLOWED_AT_ONCE = STRICT_RATE_BURST + 1


def send(site: Site, request, client_address: str) -> int:
    """Sends `request` (method, path, body) to nginx from `client_address` (a loopback
    address: each test is a client of its own); returns the status."""
    method, path, body = request
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10, source_address=(client_address, 0))
    try:
        connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize(
    "client_request, client_address",
    [(REST_MESSAGE, "127.0.0.2"), (SOCKET_HANDSHAKE, "127.0.0.3")],
    ids=["rest", "socket.io"],
)
def test_a_burst_past_the_limit_gets_429_and_never_reaches_the_assistant(strict_site, client_request, client_address):
    strict_site.upstream.paths.clear()

    statuses = [send(strict_site, client_request, client_address) for _ in range(ALLOWED_AT_ONCE + 3)]

    assert statuses == [200] * ALLOWED_AT_ONCE + [429] * 3
    assert len(strict_site.upstream.paths) == ALLOWED_AT_ONCE


def test_the_limit_is_per_client_address(strict_site):
    statuses = [send(strict_site, REST_MESSAGE, "127.0.0.4") for _ in range(ALLOWED_AT_ONCE + 1)]

    assert statuses[-1] == 429
    assert send(strict_site, REST_MESSAGE, "127.0.0.5") == 200


# --- the chat page in Chromium --------------------------------------------------------------

@pytest.fixture(scope="module")
def make_run_page(tmp_path_factory):
    """scripts/serve_web.py as `make run` starts it, stating a Rasa server (nobody runs it)."""
    rasa_url = f"http://127.0.0.1:{free_port()}"
    with page_server(tmp_path_factory.mktemp("page"), rasa_url) as url:
        yield SimpleNamespace(url=url, rasa_url=rasa_url)


@pytest.fixture
def chat_page(browser):  # noqa: F811
    """Opens a URL in a fresh browser profile (init_script: JavaScript run before the page's
    own) and opens the chat; every request, WebSocket and console message is kept."""
    context = browser.new_context(ignore_https_errors=True)

    def open_chat(url, init_script=None):
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.requested, page.websockets, page.console = [], [], []
        page.on("request", lambda request: page.requested.append(request.url))
        page.on("websocket", lambda socket: page.websockets.append(socket.url))
        page.on("console", lambda message: page.console.append(message.text))
        page.goto(url)
        page.locator(".rw-launcher").click()
        expect(page.locator(".rw-response", has_text=STUB_REPLY).last).to_be_visible(timeout=30_000)
        return page

    yield open_chat
    context.close()


@pytest.fixture(scope="module")
def foreign_server():
    """A server a crafted link names; whatever reaches it is recorded."""
    server = StubRasa(["*"]).start()
    yield server
    server.stop()


def test_the_widget_talks_socket_io_to_its_origin_under_the_sites_policy(site, chat_page):
    page = chat_page(site.tls_url + "/")

    assert any(url.startswith(f"wss://127.0.0.1:{site.tls_port}/socket.io/") for url in page.websockets)
    assert [line for line in page.console if "Refused to connect" in line] == []


def test_a_crafted_link_cannot_point_the_chat_at_another_server(site, chat_page, foreign_server):
    page = chat_page(f"{site.tls_url}/?rasa_url={foreign_server.url}")

    assert foreign_server.paths == [] and foreign_server.messages == []
    foreign = urlsplit(foreign_server.url).netloc
    assert [url for url in page.requested + page.websockets if urlsplit(url).netloc == foreign] == []


def test_a_signed_in_customer_s_token_reaches_the_assistant_without_a_url(site, chat_page):
    token = f"shop-token-{uuid.uuid4().hex}"
    page = chat_page(site.tls_url + "/", init_script=f"window.BRIGHTCART_SHOP_TOKEN = {token!r};")

    sent = [message["message"] for message in site.upstream.messages
            if (message.get("customData") or {}).get("shop_token") == token]
    assert sent == ["hi"]  # the chat's first message, when it opens
    assert token not in page.url
    assert not [url for url in page.requested + page.websockets if token in url]


def test_a_token_in_the_page_url_is_ignored(site, chat_page):
    token = f"shop-token-{uuid.uuid4().hex}"
    chat_page(f"{site.tls_url}/?shop_token={token}")

    assert not [message for message in site.upstream.messages if token in str(message)]
