"""Shipment tracking behind a small interface, so a carrier's API can replace the database."""

import abc
from typing import Optional

from actions.db.repository import ShopRepository, TrackingInfo


class TrackingProvider(abc.ABC):
    """Where tracking information for an order comes from."""

    @abc.abstractmethod
    def track(self, order_id: int) -> Optional[TrackingInfo]:
        """Carrier, status, estimated delivery and checkpoints (oldest first), or None if not shipped."""


class DatabaseTrackingProvider(TrackingProvider):
    """Tracking as the shop's own database records it (the default)."""

    def __init__(self, repository: ShopRepository):
        self._repository = repository

    def track(self, order_id: int) -> Optional[TrackingInfo]:
        return self._repository.shipment_tracking(order_id)
