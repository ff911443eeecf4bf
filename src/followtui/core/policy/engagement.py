"""How much someone engages with you, as the lists and exports show it (the verdict's rule reads the same)."""

from __future__ import annotations

from datetime import datetime

from followtui.core.policy.relation import Relation
from followtui.core.policy.relation_rules import in_window


def engagement(relation: Relation, window_days: int, now: datetime) -> tuple[int | None, datetime | None]:
    """(interactions in the window, when the last one was); (None, None) when none were read for your account."""
    if relation.interactions is None:
        return None, None
    count = sum(in_window(relation, window_days, now).values())
    last = max((at for _, at in relation.interactions if at is not None), default=None)
    return count, last
