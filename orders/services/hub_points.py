"""Village hubs as delivery addresses, without orders knowing hubs.

The hubs app registers two functions in its AppConfig.ready(): `lookup` finds one hub by its
address slug or its reference ("hub:3"), `listing` lists the hubs a buyer may choose. Orders
keep only what these give back: the opaque reference, the name, the address and the hours.
With no hubs app installed (or nothing registered) there are simply no hubs to choose.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class HubPoint:
    reference: str  # opaque, "hub:3"
    slug: str  # what a buyer sends at checkout
    name: str
    address: dict  # the checkout address shape: name, line1, line2, city, state, postal_code
    hours: str  # free text people read
    village: str = ""
    is_open: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def one_line(self) -> str:
        address = self.address
        street = ", ".join(part for part in (address.get("line1"), address.get("line2")) if part)
        return (f"{street}, {address.get('city', '')}, {address.get('state', '')} "
                f"{address.get('postal_code', '')}")


_registry: dict[str, Callable] = {}


def hub_points_register(*, lookup: Callable[[str], HubPoint | None],
                        listing: Callable[[str], list[HubPoint]]) -> None:
    """Called once by the hubs app: `lookup(slug_or_reference)`, `listing(query)`."""
    _registry["lookup"] = lookup
    _registry["listing"] = listing


def hub_point_find(key: str) -> HubPoint | None:
    """The hub (open or closed) with that slug or reference, or None."""
    lookup = _registry.get("lookup")
    if lookup is None or not isinstance(key, str) or not key.strip():
        return None
    return lookup(key.strip())


def hub_points_list(*, query: str = "") -> list[HubPoint]:
    """Open hubs a buyer may choose, by state and village; `query` narrows them."""
    listing = _registry.get("listing")
    return list(listing((query or "").strip()[:100])) if listing is not None else []
