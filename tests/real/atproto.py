"""A tiny AT Protocol client for the real-server tests: accounts and follow records on the PDS, reads from the
AppView. Written from the wire format (shared with no followtui code), so it checks followtui, not itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

FOLLOW = "app.bsky.graph.follow"
PASSWORD = "correct-horse-battery"
T = TypeVar("T")


@dataclass
class Actor:
    handle: str
    did: str
    access_jwt: str = field(repr=False)
    app_password: str | None = field(default=None, repr=False)
    #: subject DID -> rkey of our follow record, as we created them (our own ground truth)
    follows: dict[str, str] = field(default_factory=dict)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Network:
    def __init__(self, pds: str, appview: str) -> None:
        self.pds = pds.rstrip("/")
        self.appview = appview.rstrip("/")
        self.http = httpx.Client(timeout=60)

    def close(self) -> None:
        self.http.close()

    # -- PDS ---------------------------------------------------------------------------------------------

    def _post(self, nsid: str, body: dict[str, Any], actor: Actor | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {actor.access_jwt}"} if actor else {}
        r = self.http.post(f"{self.pds}/xrpc/{nsid}", json=body, headers=headers)
        assert r.status_code == 200, f"{nsid}: {r.status_code} {r.text}"
        return r.json() if r.content else {}

    def create_account(self, handle: str, *, app_password: bool = False) -> Actor:
        local = handle.split(".")[0]
        data = self._post(
            "com.atproto.server.createAccount",
            {"handle": handle, "email": f"{local}@example.test", "password": PASSWORD},
        )
        actor = Actor(handle=data["handle"], did=data["did"], access_jwt=data["accessJwt"])
        if app_password:
            made = self._post("com.atproto.server.createAppPassword", {"name": "followtui"}, actor)
            actor.app_password = made["password"]
        return actor

    def follow(self, actor: Actor, subject: Actor, created_at: str | None = None) -> str:
        record = {"$type": FOLLOW, "subject": subject.did, "createdAt": created_at or now_iso()}
        data = self._post(
            "com.atproto.repo.createRecord", {"repo": actor.did, "collection": FOLLOW, "record": record}, actor
        )
        rkey = data["uri"].rsplit("/", 1)[1]
        actor.follows[subject.did] = rkey
        return rkey

    def unfollow(self, actor: Actor, subject: Actor) -> None:
        rkey = actor.follows.pop(subject.did)
        self._post("com.atproto.repo.deleteRecord", {"repo": actor.did, "collection": FOLLOW, "rkey": rkey}, actor)

    def refollow(self, actor: Actor, subject: Actor, created_at: str | None = None) -> str:
        """What a client's "re-follow" does: the old follow record deleted and a new one created in ONE commit
        (com.atproto.repo.applyWrites). Returns the new record's rkey (read back from the PDS)."""
        old = actor.follows[subject.did]
        record = {"$type": FOLLOW, "subject": subject.did, "createdAt": created_at or now_iso()}
        writes = [
            {"$type": "com.atproto.repo.applyWrites#delete", "collection": FOLLOW, "rkey": old},
            {"$type": "com.atproto.repo.applyWrites#create", "collection": FOLLOW, "value": record},
        ]
        self._post("com.atproto.repo.applyWrites", {"repo": actor.did, "writes": writes}, actor)
        new = self.follow_records(actor)[subject.did]
        assert new != old, "applyWrites kept the old follow record"
        actor.follows[subject.did] = new
        return new

    def deactivate(self, actor: Actor) -> None:
        self._post("com.atproto.server.deactivateAccount", {}, actor)

    def follow_records(self, actor: Actor) -> dict[str, str]:
        """subject DID -> rkey of every follow record in the actor's repo, read from the PDS."""
        out: dict[str, str] = {}
        cursor = None
        while True:
            params: dict[str, Any] = {"repo": actor.did, "collection": FOLLOW, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            r = self.http.get(f"{self.pds}/xrpc/com.atproto.repo.listRecords", params=params)
            assert r.status_code == 200, r.text
            data = r.json()
            for rec in data["records"]:
                out[rec["value"]["subject"]] = rec["uri"].rsplit("/", 1)[1]
            cursor = data.get("cursor")
            if not cursor or not data["records"]:
                return out

    # -- AppView ------------------------------------------------------------------------------------------

    def profile(self, actor: Actor | str) -> dict[str, Any]:
        did = actor if isinstance(actor, str) else actor.did
        r = self.http.get(f"{self.appview}/xrpc/app.bsky.actor.getProfile", params={"actor": did})
        assert r.status_code == 200, r.text
        return r.json()

    def graph(self, actor: Actor, which: str, limit: int = 100) -> tuple[list[str], int]:
        """DIDs of getFollowers/getFollows to the chain's end, and how many pages that took."""
        nsid, key = ("app.bsky.graph.getFollowers", "followers") if which == "followers" else (
            "app.bsky.graph.getFollows", "follows")  # fmt: skip
        dids: list[str] = []
        cursor = None
        pages = 0
        while True:
            params: dict[str, Any] = {"actor": actor.did, "limit": limit}
            if cursor:
                params["cursor"] = cursor
            r = self.http.get(f"{self.appview}/xrpc/{nsid}", params=params)
            assert r.status_code == 200, r.text
            data = r.json()
            pages += 1
            dids += [p["did"] for p in data[key]]
            cursor = data.get("cursor")
            if not cursor:
                return dids, pages

    def wait_indexed(self, actor: Actor, followers: set[str], following: set[str], timeout: float = 60) -> None:
        """Until the AppView's counts and lists for `actor` are exactly these sets."""

        def settled() -> bool:
            p = self.profile(actor)
            if (p.get("followersCount"), p.get("followsCount")) != (len(followers), len(following)):
                return False
            return (
                set(self.graph(actor, "followers")[0]) == followers
                and set(self.graph(actor, "follows")[0]) == following
            )

        wait_for(settled, timeout, f"the AppView to index {actor.handle}")

    def wait_for_follows(self, actor: Actor, following: set[str], timeout: float = 60) -> None:
        def settled() -> bool:
            return (
                self.profile(actor).get("followsCount") == len(following)
                and set(self.graph(actor, "follows")[0]) == following
            )

        wait_for(settled, timeout, f"the AppView to index {actor.handle}'s follows")

    def wait_counts(self, actor: Actor, followers: int, following: int, timeout: float = 60) -> None:
        def settled() -> bool:
            p = self.profile(actor)
            return (p.get("followersCount"), p.get("followsCount")) == (followers, following)

        wait_for(settled, timeout, f"the AppView to count {actor.handle}'s follows")


def find_commit(
    firehose: str, repo: str, wanted: Callable[[list[tuple[str, str]]], bool], timeout: float = 60
) -> dict[str, Any]:
    """The first commit of `repo` on the firehose (replayed from its start) whose ops, as (action, path), are
    `wanted`: {"seq", "time", "ops"}. Read straight from the wire (DAG-CBOR header and body per frame)."""
    import libipld
    from websockets.sync.client import connect

    deadline = time.monotonic() + timeout
    with connect(f"{firehose}?cursor=0", max_size=None, open_timeout=30) as ws:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no such commit of {repo} on the firehose within {timeout:.0f}s")
            try:
                frame = ws.recv(timeout=left)
            except TimeoutError:
                continue
            assert isinstance(frame, bytes), "a text frame on the firehose"
            header, body = libipld.decode_dag_cbor_multi(frame)
            if header.get("t") != "#commit" or body.get("repo") != repo:
                continue
            ops = [(op["action"], op["path"]) for op in body["ops"]]
            if wanted(ops):
                return {"seq": body["seq"], "time": body["time"], "ops": ops}


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.2)
