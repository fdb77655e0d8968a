// The agent console: sign in, watch the queues, take a conversation, write to the customer,
// resolve it or hand it back. Talks to /agent/api on this page's own server (session cookie).
"use strict";

const POLL_MS = 1500;
const $ = (id) => document.getElementById(id);
let selected = null; // the reference of the conversation on screen
let agent = null;
let timer = null;

async function api(method, path, body) {
  const options = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(`/agent/api/${path}`, options);
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== "session") showSignIn();
  return { ok: response.ok, status: response.status, data };
}

function showSignIn() {
  agent = null;
  clearInterval(timer);
  $("console").hidden = true;
  $("sign-out").hidden = true;
  $("who").textContent = "";
  $("sign-in").hidden = false;
}

function showConsole(signedIn) {
  agent = signedIn;
  $("sign-in").hidden = true;
  $("console").hidden = false;
  $("sign-out").hidden = false;
  $("who").textContent = `Signed in as ${signedIn.display_name}`;
  refresh();
  clearInterval(timer);
  timer = setInterval(refresh, POLL_MS);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function refresh() {
  const { ok, data } = await api("GET", "handoffs");
  if (!ok) return;
  const list = $("handoffs");
  list.replaceChildren();
  for (const handoff of data.handoffs) {
    const mine = handoff.status === "with_agent";
    const button = element("button", `${mine ? "mine" : ""} ${handoff.reference === selected ? "selected" : ""}`);
    button.dataset.reference = handoff.reference;
    button.textContent = `${handoff.reference} · ${handoff.queue_title}${mine ? " · yours" : ""}`;
    button.title = handoff.summary;
    button.addEventListener("click", () => select(handoff.reference));
    const item = element("li");
    item.appendChild(button);
    list.appendChild(item);
  }
  $("no-handoffs").hidden = data.handoffs.length > 0;
  if (selected) await showConversation();
}

async function select(reference) {
  selected = reference;
  $("conversation-error").textContent = "";
  await refresh();
}

async function showConversation() {
  const { ok, status, data } = await api("GET", `handoffs/${selected}/messages`);
  if (!ok) {
    $("conversation-title").textContent = status === 404 ? `${selected} is no longer in your queues` : "Pick a conversation";
    for (const id of ["claim", "reply", "resolve", "hand-back"]) $(id).hidden = true;
    $("messages").replaceChildren();
    return;
  }
  const handoff = data.handoff;
  const mine = handoff.status === "with_agent";
  $("conversation-title").textContent = `${handoff.reference} · ${handoff.queue_title} (${handoff.reason})`;
  $("conversation-summary").textContent = handoff.order_id ? `Verified order ${handoff.order_id}` : "No verified order";
  const messages = $("messages");
  const atBottom = messages.scrollTop + messages.clientHeight >= messages.scrollHeight - 4;
  messages.replaceChildren(...data.messages.map((m) => element("li", m.from, m.text)));
  if (atBottom) messages.scrollTop = messages.scrollHeight;
  $("claim").hidden = mine;
  $("reply").hidden = !mine;
  $("resolve").hidden = !mine;
  $("hand-back").hidden = !mine;
}

async function act(verb, body) {
  const { ok, data } = await api("POST", `handoffs/${selected}/${verb}`, body || {});
  $("conversation-error").textContent = ok ? "" : data.error || "That did not work; try again.";
  await refresh();
  return ok;
}

$("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const { ok, data } = await api("POST", "session", { username: form.get("username"), password: form.get("password") });
  $("sign-in-error").textContent = ok ? "" : data.error || "Sign-in failed.";
  if (ok) {
    event.target.reset();
    showConsole(data.agent);
  }
});
$("sign-out").addEventListener("click", async () => {
  await api("DELETE", "session");
  showSignIn();
});
$("claim").addEventListener("click", () => act("claim"));
$("resolve").addEventListener("click", () => act("resolve"));
$("hand-back").addEventListener("click", () => act("hand-back"));
$("reply").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = event.target.elements.text;
  if (input.value.trim() && (await act("reply", { text: input.value }))) input.value = "";
});

// A session from earlier today goes straight to the console.
api("GET", "handoffs").then(({ ok, data }) => (ok ? showConsole(data.agent) : showSignIn()));
