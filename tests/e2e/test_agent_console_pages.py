"""Human handoff in real headless Chromium, two pages at once: a customer in the chat widget
asks for a person, an agent signs in to /agent, claims, replies and resolves; the customer sees
the reply and rates. Screenshots of both pages are kept in results/ (the README shows them)."""

import subprocess
import sys

import pytest
from playwright.sync_api import expect

from actions.config import PROJECT_DIR
from harness.local_servers import free_port
from tests.e2e.test_web_chat import REPLY_TIMEOUT_MS, ask, bot_says, browser  # noqa: F401  (browser: the Chromium fixture)
from tests.integration.live import assistant_on_test_shop, page_server

PASSWORD = "correct horse battery staple"
SCREENSHOTS = PROJECT_DIR / "results"


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("handoff-pages")
    port = free_port()
    rasa_env = {"ALLOWED_ORIGINS": f"http://127.0.0.1:{port}"}
    with assistant_on_test_shop(work_dir, lambda session: None, rasa_env=rasa_env) as (assistant, _):
        env = dict(assistant.env, AGENT_PASSWORD=PASSWORD)
        subprocess.run([sys.executable, "-m", "scripts.create_agent", "anna", "--name", "Anna"], env=env, check=True)
        with page_server(work_dir, assistant.url, port=port, env=assistant.env) as url:
            yield url


def test_a_person_takes_over_in_the_console_and_the_customer_rates(browser, page_url):  # noqa: F811 (the fixture)
    customer = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    customer.goto(page_url)
    customer.locator(".rw-launcher").click()
    bot_says(customer, "Brightcart")
    ask(customer, "I'd like to talk to a human please")
    bot_says(customer, "number 1 in the queue")

    agent = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    agent.goto(page_url + "agent")
    agent.fill("input[name=username]", "anna")
    agent.fill("input[name=password]", "wrong password")
    agent.click("#sign-in button")
    expect(agent.locator("#sign-in-error")).to_have_text("wrong username or password")
    agent.fill("input[name=password]", PASSWORD)
    agent.click("#sign-in button")
    expect(agent.locator("#who")).to_have_text("Signed in as Anna")

    waiting = agent.locator("#handoffs button").first
    expect(waiting).to_contain_text("orders and delivery", timeout=REPLY_TIMEOUT_MS)
    waiting.click()
    expect(agent.locator("#messages li.customer", has_text="I'd like to talk to a human please")).to_be_visible()
    agent.click("#claim")
    bot_says(customer, "Anna: Hi, I'm Anna")

    ask(customer, "my parcel 100032 has not arrived")
    expect(agent.locator("#messages li.customer").last).to_have_text("my parcel 100032 has not arrived", timeout=REPLY_TIMEOUT_MS)
    agent.fill("#reply input", "Sorry about that! It is with DHL and arrives tomorrow.")
    agent.press("#reply input", "Enter")
    bot_says(customer, "Anna: Sorry about that! It is with DHL and arrives tomorrow.")
    expect(agent.locator("#messages li.agent").last).to_contain_text("arrives tomorrow", timeout=REPLY_TIMEOUT_MS)
    SCREENSHOTS.mkdir(exist_ok=True)
    agent.screenshot(path=str(SCREENSHOTS / "agent-console.png"))

    agent.click("#resolve")
    bot_says(customer, "Rate this conversation")
    customer.screenshot(path=str(SCREENSHOTS / "handoff-customer.png"))
    customer.locator(".rw-replies .rw-reply", has_text="5").click()
    bot_says(customer, "Thank you for rating this conversation 5 out of 5!")
    ask(customer, "Anna was quick and kind")
    bot_says(customer, "passed your comment on to our team")
    expect(agent.locator("#no-handoffs")).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    agent.goto(page_url + "insights")
    expect(agent.locator("#summary")).to_contain_text("CSAT average (1-5)", timeout=REPLY_TIMEOUT_MS)
    expect(agent.locator("#csat-flow")).to_contain_text("handoff")
    expect(agent.locator("#comments")).to_contain_text("Anna was quick and kind")
    agent.screenshot(path=str(SCREENSHOTS / "insights.png"), full_page=True)


def test_insights_send_a_signed_out_visitor_to_sign_in(browser, page_url):  # noqa: F811 (the fixture)
    page = browser.new_context().new_page()
    page.goto(page_url + "insights")
    expect(page.locator("#signed-out")).to_be_visible()
    expect(page.locator("#insights")).to_be_hidden()
