"""The chat page (web/) in a real headless Chromium, against the real servers on loopback."""

import time
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

import jwt
import pytest
from playwright.sync_api import expect, sync_playwright

from actions.config import PROJECT_DIR
from harness.local_servers import REPLY_LIMIT_SECONDS, free_port
from tests.integration.live import assistant_on_test_shop, page_server
from tests.shop_factory import add_customer, add_order, add_product

# Debian's Chromium (scripts/ensure_test_packages.sh); the network is closed to browser downloads.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
SCREENSHOT = PROJECT_DIR / "results" / "web-chat.png"
# The widget shows each bot message after a typing delay of up to 3 s.
REPLY_TIMEOUT_MS = REPLY_LIMIT_SECONDS * 1000

CUSTOMER_EMAIL = "lena.vogt@example.com"
SHIPPED_ORDER, PAID_ORDER = 482913, 610001
SHOP_SECRET = "e2e-secret-of-the-shop-" + "0123456789abcdef" * 2


def fill_shop(session):
    lena = add_customer(session, name="Lena Vogt", email=CUSTOMER_EMAIL)
    kettle = add_product(session, name="Gooseneck kettle", sku="BC-KI-0777", price=Decimal("39.90"), stock=4)
    add_order(session, lena, "in_transit", order_id=SHIPPED_ORDER)
    add_order(session, lena, "paid", order_id=PAID_ORDER, products=[kettle])
    return lena.id


@pytest.fixture(scope="module")
def web_port():
    return free_port()


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, web_port):
    work_dir = tmp_path_factory.mktemp("web-assistant")
    # The page is the one web origin the Rasa server answers (CORS, socket.io).
    rasa_env = {"SHOP_JWT_SECRET": SHOP_SECRET, "ALLOWED_ORIGINS": f"http://127.0.0.1:{web_port}"}
    with assistant_on_test_shop(work_dir, fill_shop, rasa_env=rasa_env) as (running, lena_id):
        running.lena_id = lena_id
        yield running


def same_server_by_name(url: str) -> str:
    """The same Rasa server under another origin: localhost instead of 127.0.0.1."""
    return url.replace("127.0.0.1", "localhost")


@pytest.fixture(scope="module")
def page_url(tmp_path_factory, assistant, web_port):
    """The page, stating the test's Rasa server; a link may also choose it by the name localhost."""
    with page_server(tmp_path_factory.mktemp("web"), assistant.url, same_server_by_name(assistant.url),
                     port=web_port) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_chat(browser, page_url):
    """Opens the shop page (with `query` in its URL) in a fresh browser profile and its chat;
    returns the page once the assistant has greeted. `init_script` runs before the page's own
    scripts, as the shop's page would set things. Every request the page made is kept in
    `page.requested`, and the URL of every WebSocket it opened in `page.websockets`."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})

    def open_page(init_script=None, **query):
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.requested, page.websockets = [], []
        page.on("request", lambda request: page.requested.append(request))
        page.on("websocket", lambda socket: page.websockets.append(socket.url))
        page.goto(page_url + ("?" + urlencode(query) if query else ""))
        expect(page.locator("header")).to_contain_text("Brightcart")
        page.locator(".rw-launcher").click()
        bot_says(page, "Brightcart")
        return page

    yield open_page
    context.close()


def bot_says(page, text):
    """Waits until the chat shows a bot message containing `text`."""
    expect(page.locator(".rw-response", has_text=text).last).to_be_visible(timeout=REPLY_TIMEOUT_MS)


def ask(page, text):
    page.locator(".rw-new-message").fill(text)
    page.locator(".rw-new-message").press("Enter")
    expect(page.locator(".rw-client", has_text=text).last).to_be_visible()


def test_the_page_loads_nothing_from_outside(open_chat, assistant, page_url):
    """Only the page's server and the Rasa server answer; the widget's web-font @import is
    refused by the page's Content-Security-Policy before it leaves the browser."""
    page = open_chat()
    ours = {urlsplit(page_url).netloc, urlsplit(assistant.url).netloc}
    outside = [request for request in page.requested if urlsplit(request.url).netloc not in ours]
    assert [request.url for request in outside if request.failure != "csp"] == []


def test_faq_answer_is_shown(open_chat):
    page = open_chat()
    ask(page, "which payment methods do you accept?")
    bot_says(page, "PayPal")


def test_order_status_after_order_number_and_email(open_chat):
    page = open_chat()
    ask(page, "where is my package")
    bot_says(page, "order number")
    ask(page, f"its {SHIPPED_ORDER}")
    bot_says(page, "email address or phone number")
    ask(page, CUSTOMER_EMAIL)
    bot_says(page, f"matches order {SHIPPED_ORDER} (l***@example.com)")
    bot_says(page, "on its way with DHL")


def test_cancellation_confirmation_buttons_keep_the_order(open_chat):
    page = open_chat()
    ask(page, f"please cancel order {PAID_ORDER}")
    bot_says(page, "email address or phone number")
    ask(page, CUSTOMER_EMAIL)
    bot_says(page, "Shall I cancel it now?")
    replies = page.locator(".rw-replies .rw-reply")
    expect(replies).to_have_text(["Yes", "No"])
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    replies.filter(has_text="No").click()
    bot_says(page, f"I've left order {PAID_ORDER} as it is")
    expect(replies).to_have_count(0)


def test_signed_in_customer_from_the_shop_token_needs_only_the_order_number(open_chat, assistant):
    claims = {"sub": str(assistant.lena_id), "aud": "brightcart-assistant", "exp": int(time.time()) + 300}
    token = jwt.encode(claims, SHOP_SECRET, algorithm="HS256")
    # As the shop's server-rendered page hands it over: never in a URL.
    page = open_chat(init_script=f"window.BRIGHTCART_SHOP_TOKEN = {token!r};")
    ask(page, "where is my package")
    bot_says(page, "order number")
    ask(page, str(SHIPPED_ORDER))
    bot_says(page, "on its way with DHL")
    assert [request.url for request in page.requested if token in request.url] == []


def test_a_link_may_choose_a_rasa_server_the_page_s_server_allows(open_chat, assistant):
    chosen = same_server_by_name(assistant.url)
    page = open_chat(rasa_url=chosen)
    ask(page, "which payment methods do you accept?")
    bot_says(page, "PayPal")
    assert page.websockets and all(url.startswith(chosen.replace("http", "ws")) for url in page.websockets)
