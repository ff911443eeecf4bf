"""Live activity around one owner, for the demo and the tests of `followtui watch`: while it runs, strangers
follow the owner, some get a follow-back and leave soon after (the trick a sync cannot see between two
moments), followers leave, strangers stay, and the owner follows someone, one change every few seconds of wall
time, stamped with the world's clock. Each change is an ordinary world change, so the streams carry it."""

from __future__ import annotations

import random
from typing import Any

from .background import Background
from .world import Account, World

#: The cycle it repeats: (what happens, who does it). "stranger" is someone who does not follow the owner;
#: "that" is the stranger of the cycle's first step; "follower" is a current follower.
SCRIPT: tuple[tuple[str, str], ...] = (
    ("follows you", "stranger"),
    ("you follow back", "that"),
    ("unfollows you", "that"),  # the trick: followed, got the follow-back, left
    ("unfollows you", "follower"),
    ("follows you", "stranger"),
    ("you follow", "stranger"),
)


class OwnerActivity(Background):
    """Runs `SCRIPT` for `owner` on a background thread, a step every `every_s` seconds (see module doc)."""

    thread_name = "simulator-live"

    def __init__(self, world: World, owner: str | int, *, every_s: float = 5.0, seed: int = 0) -> None:
        found = world.account(owner, include_gone=False)
        if found is None or not found.owner:
            raise ValueError(f"{owner!r} is not an owner of this world")
        super().__init__()
        self.world, self.owner, self.every_s = world, found, max(0.05, float(every_s))
        self.made: list[dict[str, Any]] = []
        self._rng = random.Random(f"live:{seed}")
        self._step = 0
        self._that: Account | None = None

    def status(self) -> dict[str, Any]:
        return {"owner": self.owner.login, "every_s": self.every_s, "running": self.running, "made": self.made[-20:]}

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.step()

    def step(self) -> dict[str, Any] | None:
        """The script's next change now (a step that finds nobody to act is skipped); what it did, or None."""
        index = self._step % len(SCRIPT)
        what, who = SCRIPT[index]
        self._step += 1
        with self.world.lock:
            actor = self._actor(who)
            if actor is None:
                return None
            if what.startswith("follows you"):
                done = self.world.follow(actor, self.owner, via="live")
                if index == 0:
                    self._that = actor
            elif what == "unfollows you":
                done = self.world.unfollow(actor, self.owner, via="live")
            else:  # you follow (back)
                done = self.world.follow(self.owner, actor, via="live")
            if not done:
                return None
            change = {"what": what, "who": actor.login, "at": self.world.now().isoformat()}
        self.made.append(change)
        return change

    def _actor(self, who: str) -> Account | None:
        world, owner = self.world, self.owner
        if who == "that":
            return self._that
        if who == "follower":
            followers = world.follower_ids(owner)
            return world.account(self._rng.choice(followers)) if followers else None
        known = set(world.follower_ids(owner)) | set(world.following_ids(owner))
        ids = world.random_account_ids()
        for _ in range(50):
            candidate = world.account(ids[self._rng.randrange(len(ids))], include_gone=False)
            if candidate is not None and candidate.active and not candidate.owner and candidate.id not in known:
                return candidate
        return None
