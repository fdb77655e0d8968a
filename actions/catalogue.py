"""Product questions, recommendations and coupons, answered from the shop's catalogue."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import clock
from actions.formatting import echo_customer_text, format_day, format_money, format_product_line
from actions.generation.replies import send_reply
from actions.customer_profile import customer_profile
from actions.identity import known_customer
from actions.shop import ShopUnavailable, ask_shop, shop_repository


def availability(stock: int) -> str:
    if stock <= 0:
        return "currently out of stock"
    return "in stock" if stock > 5 else f"only {stock} left in stock"


class ActionAnswerProductInquiry(Action):
    """Price, stock, description and warranty of the product the customer named."""

    def name(self) -> Text:
        return "action_answer_product_inquiry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        query = tracker.get_slot("product_query")
        query = query.strip() if isinstance(query, str) else ""
        try:
            products = await ask_shop(shop_repository().find_products, query, 3) if query else []
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return [SlotSet("product_query", None)]
        if not products:
            dispatcher.utter_message(response="utter_product_not_found", product_query=echo_customer_text(query))
            return [SlotSet("product_query", None)]
        best, others = products[0], products[1:]
        dispatcher.utter_message(
            response="utter_product_details",
            name=best.name,
            sku=best.sku,
            price=format_money(best.price),
            availability=availability(best.stock),
            description=best.description,
            warranty_months=best.warranty_months,
        )
        if others:
            dispatcher.utter_message(
                response="utter_product_alternatives",
                alternatives="; ".join(f"{p.name} ({p.sku}), {format_money(p.price)}" for p in others),
            )
        return [SlotSet("product_query", None)]


class ActionRecommendProducts(Action):
    """In-stock suggestions from the customer's history and preferences, else bestsellers."""

    def name(self) -> Text:
        return "action_recommend_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        order = await known_customer(tracker)
        customer_id = order.customer_id if order else None
        try:
            products = await ask_shop(shop_repository().recommend_products, customer_id, 3)
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return []
        lines = "\n".join(format_product_line(p) for p in products)
        act = "recommendations_personal" if order is not None else "recommendations_popular"
        await send_reply(dispatcher, act, dict(products=lines), customer_profile(tracker, order))
        return []


class ActionListPromotions(Action):
    """Coupons valid today for this customer's tier (all-customer coupons when anonymous)."""

    def name(self) -> Text:
        return "action_list_promotions"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        order = await known_customer(tracker)
        customer_id = order.customer_id if order else None
        try:
            promotions = await ask_shop(shop_repository().promotions_for_customer, customer_id, clock.now().date())
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return []
        if not promotions:
            dispatcher.utter_message(response="utter_no_promotions")
            return []
        lines = "\n".join(f"- {p.code}: {p.description} (until {format_day(p.valid_until)})" for p in promotions)
        await send_reply(dispatcher, "promotions", dict(promotions=lines), customer_profile(tracker, order))
        return []
