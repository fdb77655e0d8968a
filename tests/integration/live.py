"""The real servers on a small test shop, and a socket.io client, for end-to-end tests."""

import asyncio
import os
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import socketio

from actions.config import PROJECT_DIR
from actions.db.engine import make_engine, session_scope
from actions.db.models import Base
from harness.local_servers import REPLY_LIMIT_SECONDS, Assistant, Server, free_port


def fill_new_shop(shop_url: str, fill_shop: Callable[[Any], Any]) -> Any:
    """Creates the commerce schema at `shop_url`, fills it with `fill_shop(session)` in one
    transaction and returns what that returned."""
    engine = make_engine(shop_url)
    Base.metadata.create_all(engine)
    with session_scope(engine) as session:
        filled = fill_shop(session)
    engine.dispose()
    return filled


@contextmanager
def assistant_on_test_shop(work_dir: Path, fill_shop: Callable[[Any], Any], **options) -> Iterator[Tuple[Assistant, Any]]:
    """The action and Rasa servers on a fresh SQLite shop that `fill_shop(session)` fills.

    Yields the running assistant and what `fill_shop` returned (e.g. customer ids).
    """
    shop_url = f"sqlite:///{work_dir / 'shop.db'}"
    filled = fill_new_shop(shop_url, fill_shop)
    running = Assistant(work_dir, shop_url, **options).start()
    try:
        yield running, filled
    finally:
        running.stop()


# (message, number of bot replies to wait for, extra fields of the user_uttered payload)
SocketTurn = Tuple[str, int, Dict[str, Any]]


async def socket_turns(url: str, turns: Sequence[SocketTurn]) -> List[str]:
    """Plays the turns as one socket.io client; returns each turn's replies joined."""
    client = socketio.AsyncClient()
    replies: asyncio.Queue = asyncio.Queue()
    session: asyncio.Queue = asyncio.Queue()
    client.on("bot_uttered", lambda data: replies.put_nowait(data.get("text", "")))
    client.on("session_confirm", lambda session_id: session.put_nowait(session_id))
    await client.connect(url, socketio_path="/socket.io", transports=["websocket"])
    try:
        await client.emit("session_request", {"session_id": uuid.uuid4().hex})
        session_id = await asyncio.wait_for(session.get(), REPLY_LIMIT_SECONDS)
        answers = []
        for message, reply_count, extra in turns:
            await client.emit("user_uttered", {"message": message, "session_id": session_id, **extra})
            texts = [await asyncio.wait_for(replies.get(), REPLY_LIMIT_SECONDS) for _ in range(reply_count)]
            answers.append(" ".join(texts))
        return answers
    finally:
        await client.disconnect()


WIDGET_SCRIPT = PROJECT_DIR / "web" / "node_modules" / "rasa-webchat" / "lib" / "index.js"


@contextmanager
def page_server(
    log_dir: Path, rasa_url: str, *other_rasa_urls: str, port: int = 0, env: Optional[Dict[str, str]] = None
) -> Iterator[str]:
    """scripts/serve_web.py as `make run` starts it, stating the Rasa server at `rasa_url`
    (and others a link may choose); yields the page's URL. `env`: the assistant's (its secrets
    and shop), for the agent console; default: this process's environment."""
    assert WIDGET_SCRIPT.exists(), "web/node_modules is missing: run `make install`"
    port = port or free_port()
    allowed = [argument for url in other_rasa_urls for argument in ("--allow-rasa-url", url)]
    server = Server(
        "web",
        [sys.executable, "scripts/serve_web.py", "--bind", "127.0.0.1", "--port", str(port),
         "--rasa-url", rasa_url, *allowed],
        f"http://127.0.0.1:{port}/",
        dict(env if env is not None else os.environ),
        log_dir,
    )
    server.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.stop()
