"""Seeded fault injection for API routes: server errors, rate limits, dropped, hung and broken responses, and
answers that parse but mislead (wrong types, list pages whose chain repeats, stalls or silently loses rows).

A plan draws from its own seeded generator once per API request, so a run with the same seed and the same
request sequence hits the same faults. Control endpoints never consult it.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

import orjson

from .wire import Response

ALL_KINDS = (
    "500",
    "502",
    "503",
    "429",
    "ratelimit",
    "reset",
    "timeout",
    "truncated",
    "malformed",
    "wrong_types",
    "repeated_cursor",
    "empty_page",
    "short_page",
)
# Faults the server answers itself without running the route (so a faulted PUT changes nothing).
STATUS_KINDS = frozenset({"500", "502", "503", "429", "ratelimit"})
# Faults that break the transport or the body of an otherwise real response.
TRANSPORT_KINDS = frozenset({"reset", "timeout", "truncated", "malformed"})
# Faults in the content of a real 200, in the platform's own shape (its app's `content_fault`): valid JSON of
# the right route with wrong types, or a list page whose next cursor or link misleads. Where one has nothing
# to bend (a list fault on a profile route, the last page), the answer goes out as it is and is not counted.
CONTENT_KINDS = frozenset({"wrong_types", "repeated_cursor", "empty_page", "short_page"})


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str
    variant: float  # a seeded number in [0, 1) for picking among variants of a kind


@dataclass
class FaultPlan:
    """Inject a fault into `rate` of API requests, choosing uniformly among `kinds`."""

    rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = ALL_KINDS
    retry_after_s: int = 1
    hang_s: float = 30.0
    max_faults: int | None = None
    injected: dict[str, int] = field(default_factory=dict, init=False)
    drawn: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.kinds = tuple(str(k) for k in self.kinds)
        unknown = set(self.kinds) - set(ALL_KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {ALL_KINDS}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        self._rng = random.Random(f"faults:{self.seed}")
        self._lock = threading.Lock()

    def draw(self) -> Fault | None:
        """The fault for the next API request, or None. Always consumes the same randomness per call."""
        with self._lock:
            self.drawn += 1
            roll, kind, variant = self._rng.random(), self._rng.choice(self.kinds), self._rng.random()
            if roll >= self.rate:
                return None
            if self.max_faults is not None and sum(self.injected.values()) >= self.max_faults:
                return None
            self.injected[kind] = self.injected.get(kind, 0) + 1
            return Fault(kind, variant)

    def retract(self, fault: Fault) -> None:
        """Uncount a drawn fault that did not apply to its request (the answer went out unchanged)."""
        with self._lock:
            left = self.injected.get(fault.kind, 0) - 1
            if left > 0:
                self.injected[fault.kind] = left
            else:
                self.injected.pop(fault.kind, None)

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "rate": self.rate,
                "seed": self.seed,
                "kinds": list(self.kinds),
                "retry_after_s": self.retry_after_s,
                "hang_s": self.hang_s,
                "max_faults": self.max_faults,
                "drawn": self.drawn,
                "injected": dict(self.injected),
            }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultPlan | None:
        """Build from a control-endpoint body; a rate of 0 (or missing) means no faults at all."""
        rate = float(data.get("rate") or 0)
        if rate <= 0:
            return None
        return cls(
            rate=rate,
            seed=int(data.get("seed", 0)),
            kinds=tuple(data.get("kinds") or ALL_KINDS),
            retry_after_s=int(data.get("retry_after_s", 1)),
            hang_s=float(data.get("hang_s", 30.0)),
            max_faults=data.get("max_faults"),
        )


@dataclass(frozen=True, slots=True)
class Shape:
    """Where one platform's JSON keeps what a client must read right: stable ids, counts, handles, the lists
    of items inside an object body, and optional details (names, bios, avatars, times)."""

    ids: tuple[str, ...]
    counts: tuple[str, ...]
    handles: tuple[str, ...]
    details: tuple[str, ...]
    lists: tuple[str, ...] = ()


#: The ways `wrong_types` bends one object, in the order tried when one does not apply.
WRONG_TYPES = ("id_object", "count_string", "list_for_object", "null_handle", "detail_type")


def wrong_types(payload: Any, variant: float, shape: Shape) -> tuple[Any, str]:
    """`payload` with one object's field of the wrong type (an id as an object, a count as a string, a list
    where an object belongs, a null handle, a detail of another type), and which of those it was.

    The object is a list item (a page's accounts, a batch's profiles) or the body itself (a profile). The
    variant picks the bend and the item; a bend the object has no field for gives way to the next one.
    """
    scaled = variant * len(WRONG_TYPES)
    first = int(scaled)
    pick = scaled - first  # the rest of the variant chooses the item and the field
    items, holder = _items(payload, shape)
    index = int(pick * len(items)) if items else 0
    target = items[index] if items else payload
    for step in range(len(WRONG_TYPES)):
        bend = WRONG_TYPES[(first + step) % len(WRONG_TYPES)]
        if bend == "list_for_object":
            if items and holder is not None:
                holder[index] = [target]
            elif isinstance(payload, dict):
                payload = [payload]
            else:
                continue
            return payload, bend
        if not isinstance(target, dict):
            continue
        keys = {
            "id_object": shape.ids,
            "count_string": shape.counts,
            "null_handle": shape.handles,
            "detail_type": shape.details,
        }[bend]
        present = [k for k in keys if k in target and target[k] is not None]
        if not present:
            continue
        key = present[int(pick * 7919) % len(present)]
        value = target[key]
        if bend == "id_object":
            target[key] = {"id": value}
        elif bend == "count_string":
            target[key] = str(value)
        elif bend == "null_handle":
            target[key] = None
        else:  # a string becomes a number, anything else a string
            target[key] = 12345 if isinstance(value, str) else str(value)
        return payload, bend
    # Nothing to bend inside (an empty page): the container itself has the wrong type.
    if isinstance(payload, list):
        return {"items": payload}, "list_for_object"
    for key in shape.lists:
        if isinstance(payload, dict) and isinstance(payload.get(key), list):
            payload[key] = {}
            return payload, "list_for_object"
    return payload, ""


def _items(payload: Any, shape: Shape) -> tuple[list[Any], list[Any] | None]:
    """The items of a list body, or of the first non-empty item list inside an object body."""
    if isinstance(payload, list):
        return payload, payload
    if isinstance(payload, dict):
        for key in shape.lists:
            value = payload.get(key)
            if isinstance(value, list) and value:
                return value, value
    return [], None


def cut(count: int, variant: float) -> tuple[int, int]:
    """For a short page of `count` items: where the silent gap starts and how long it is (1 to half)."""
    length = 1 + int(variant * max(1, count // 2))
    length = min(length, count - 1) if count > 1 else 1
    start = int((variant * 7919) % 1 * (count - length + 1))
    return start, length


def rebody(resp: Response, payload: Any, *, link: str | None = None) -> Response:
    """The same answer (status, headers, route) with another JSON body and, if given, another Link header."""
    headers = [(k, v) for k, v in resp.headers if link is None or k.lower() != "link"]
    if link:
        headers.append(("Link", link))
    return Response(resp.status, headers, orjson.dumps(payload), resp.route)


def link_header(resp: Response) -> str:
    return next((v for k, v in resp.headers if k.lower() == "link"), "")
