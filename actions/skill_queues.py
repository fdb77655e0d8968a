"""The team's skill queues, and which one a conversation goes to: one table, read by the
handoff, the agent console and the report."""

from typing import Iterable, Optional, Text

# Queue name -> how the customer and the agents see it.
QUEUES = {
    "orders": "orders and delivery",
    "returns": "returns and refunds",
    "payments": "payments and invoices",
    "account": "account",
    "complaints": "complaints",
}
# Where a conversation goes when none of its intents names a queue.
DEFAULT_QUEUE = "orders"

INTENT_QUEUES = {
    "track_order": "orders",
    "cancel_order": "orders",
    "change_order": "orders",
    "place_order": "orders",
    "change_shipping_address": "orders",
    "set_up_shipping_address": "orders",
    "delivery_options": "orders",
    "delivery_period": "orders",
    "check_cancellation_fee": "orders",
    "missing_order_number": "orders",
    "product_inquiry": "orders",
    "get_refund": "returns",
    "track_refund": "returns",
    "check_refund_policy": "returns",
    "return_item": "returns",
    "warranty_claim": "returns",
    "check_invoice": "payments",
    "get_invoice": "payments",
    "check_payment_methods": "payments",
    "payment_issue": "payments",
    "create_account": "account",
    "delete_account": "account",
    "edit_account": "account",
    "recover_password": "account",
    "registration_problems": "account",
    "switch_account": "account",
    "newsletter_subscription": "account",
    "complaint": "complaints",
}


def queue_for(intents_newest_first: Iterable[Optional[Text]]) -> Text:
    """The queue of the customer's latest request that names one ("a person, please" names none)."""
    for intent in intents_newest_first:
        if intent in INTENT_QUEUES:
            return INTENT_QUEUES[intent]
    return DEFAULT_QUEUE


def queue_title(queue: Text) -> Text:
    return QUEUES.get(queue, queue)
