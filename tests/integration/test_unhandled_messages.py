"""A message the Rasa server cannot handle is answered 503 over REST, not 200 with silence."""

import uuid

import requests

from rasa_server.channels.rest import NOT_HANDLED_REPLY
from harness.local_servers import REPLY_LIMIT_SECONDS
from tests.integration.live import assistant_on_test_shop
from harness.redis_server import RedisServer


def test_a_message_arriving_while_the_lock_store_is_down_gets_503(tmp_path):
    # (A tracker store that is down would not do: Rasa then falls back to memory.)
    redis_server = RedisServer(tmp_path).start()
    lock_store = {"LOCK_STORE_TYPE": "redis", "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_server.port)}
    try:
        with assistant_on_test_shop(tmp_path, lambda session: None, rasa_env=lock_store) as (assistant, _):
            sender = uuid.uuid4().hex
            assert assistant.say("hi", sender)
            redis_server.stop()
            response = assistant.send("where is my order", sender)
            assert response.status_code == 503, response.text
            assert response.json()["message"] == NOT_HANDLED_REPLY
            assert response.headers["Retry-After"] == "5"
            # the next request on the server is judged on its own: a malformed one is a plain 400
            conversation_id = assistant.conversation_ids[sender]
            assert requests.post(f"{assistant.url}/webhooks/rest/webhook", json={"sender": conversation_id},
                                 timeout=REPLY_LIMIT_SECONDS).status_code == 400
    finally:
        redis_server.stop()
