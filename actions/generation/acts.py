"""The dialogue acts the generator can phrase: the slots each must mention, and the template
response the action sends when generation is off or fails."""

from typing import Dict, Tuple

# act -> (slots every reply must contain, template response)
ACTS: Dict[str, Tuple[Tuple[str, ...], str]] = {
    "order_not_shipped": (("order_id", "items", "status_text"), "utter_order_not_shipped_yet"),
    "order_on_the_way": (
        ("order_id", "carrier", "tracking_number", "eta", "latest_checkpoint"), "utter_order_on_the_way"
    ),
    "order_delivered": (("order_id", "items", "delivered_on"), "utter_order_delivered"),
    "order_status": (("order_id", "items", "status_text"), "utter_order_status"),
    "order_cancelled": (("order_id", "refund_days"), "utter_order_cancelled"),
    "cancel_refused": (("order_id", "status_text", "return_window"), "utter_cancel_refused_on_the_way"),
    "refund_requested": (("kind_text", "reference", "order_id", "amount", "refund_days"), "utter_refund_requested"),
    "refund_window_closed": (("order_id", "delivered_on", "window_closed_on"), "utter_refund_window_closed"),
    "address_changed": (("order_id", "masked_address"), "utter_address_changed"),
    "refund_status": (
        ("kind_text", "reference", "order_id", "amount", "refund_status_text"), "utter_refund_status"
    ),
    "item_changed": (("change_text", "order_id", "total"), "utter_item_changed"),
    "invoice_summary": (
        ("invoice_number", "order_id", "issued_on", "net", "vat", "total"), "utter_invoice_summary"
    ),
    "recommendations_personal": (("products",), "utter_recommendations_personal"),
    "recommendations_popular": (("products",), "utter_recommendations_popular"),
    "promotions": (("promotions",), "utter_promotions"),
    "handoff_queued": (("reference", "position", "support_phone"), "utter_handoff_queued"),
    "complaint_logged": (("reference",), "utter_complaint_ticket"),
    "warranty_claim_opened": (("reference", "order_id"), "utter_warranty_claim_opened"),
}
# The customer's first name may appear in any reply; it is never required.
OPTIONAL_SLOTS = ("name",)
ALL_SLOTS = tuple(sorted({slot for slots, _ in ACTS.values() for slot in slots} | set(OPTIONAL_SLOTS)))


def placeholder(slot: str) -> str:
    return f"[{slot}]"


def required_slots(act: str) -> Tuple[str, ...]:
    return ACTS[act][0]


def template_response(act: str) -> str:
    return ACTS[act][1]
