"""`/_sim/*` control routes: advance days, read the truth and the log, set faults, read counters, drive the
event streams (`/_sim/stream/...`, when a `StreamServer` serves the same world).

They let a test or a demo drive a simulator running in another process (the standalone CLI) exactly as an
in-process test drives a `World`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from .faults import FaultPlan
from .wire import Request, Response, json_response

if TYPE_CHECKING:
    from .server import SimulatorServer


def _body(req: Request) -> dict[str, Any]:
    data = orjson.loads(req.body) if req.body.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def _ref(value: Any) -> str | int:
    """Account references arrive as ints (ids) or strings (logins; digit strings are read as ids)."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if not isinstance(value, (str, int)):
        raise ValueError(f"bad account reference {value!r}")
    return value


def control(sim: SimulatorServer, req: Request) -> Response:
    world, name, method = sim.world, req.path[len("/_sim/") :].strip("/"), req.method

    def ok(payload: Any) -> Response:
        return json_response(200, payload, route="control")

    if name == "advance" and method == "POST":
        return ok(world.advance_days(int(_body(req).get("days", 1))))
    if name == "truth" and method == "GET":
        owner = req.arg("owner") or world.owners[0].login
        return ok(world.truth(_ref(owner)))
    if name == "events" and method == "GET":
        return ok(world.events(req.arg("since")))
    if name == "faults":
        if method == "POST":
            sim.faults = FaultPlan.from_dict(_body(req))
        plan = sim.faults
        return ok(plan.to_dict() if plan is not None else {"rate": 0})
    if name == "stats" and method == "GET":
        return ok(sim.stats())
    if name == "stats" and method == "DELETE":
        sim.reset_stats()
        return ok(sim.stats())
    if name == "token" and method == "POST":
        data = _body(req)
        world.add_token(str(data["token"]), _ref(data["owner"]))
        return ok({"ok": True})
    if name == "app_password" and method == "POST":
        data = _body(req)
        world.add_app_password(_ref(data["owner"]), str(data["password"]))
        return ok({"ok": True})
    if name == "hide_network" and method == "POST":
        data = _body(req)
        world.hide_network(_ref(data["account"]), bool(data.get("hidden", True)))
        return ok({"ok": True})
    if name == "whois" and method == "GET":
        return ok(_whois(sim, _ref(req.arg("account") or world.owners[0].login)))
    if name == "change" and method == "POST":
        return ok({"changed": _change(sim, _body(req))})
    if name == "now" and method == "GET":
        return ok({"now": world.now().strftime("%Y-%m-%dT%H:%M:%SZ"), "day": world.day})
    if name == "stream" or name.startswith("stream/"):
        return _stream(sim, name[len("stream") :].strip("/"), req)
    return json_response(404, {"error": f"no control route {method} /_sim/{name}"}, route="control")


def _whois(sim: SimulatorServer, ref: str | int) -> dict[str, Any]:
    """One account under every platform's name for it."""
    from .bluesky import did_for, handle_for
    from .mastodon import mastodon_id_for

    acc = sim.world.account(ref)
    if acc is None:
        raise KeyError(f"no such account: {ref!r}")
    out: dict[str, Any] = {"id": acc.id, "login": acc.login, "state": acc.state}
    out.update(did=did_for(acc.id), handle=handle_for(acc.login), mastodon_id=mastodon_id_for(acc.id))
    app = sim.app
    if hasattr(app, "acct"):
        out["acct"] = app.acct(acc)
    return out


def _change(sim: SimulatorServer, data: dict[str, Any]) -> bool:
    """One forced change: {"kind": follow|unfollow|refollow|delete|suspend|deactivate|reactivate|rename|move,
    "actor", "target"/"new_login"}. `refollow`: the actor, already following the target, follows it again (one
    commit deleting the old record and creating a new one on the streams)."""
    world, kind, actor = sim.world, data["kind"], _ref(data["actor"])
    if kind == "follow":
        return world.follow(actor, _ref(data["target"]))
    if kind == "unfollow":
        return world.unfollow(actor, _ref(data["target"]))
    if kind == "refollow":
        return world.refollow(actor, _ref(data["target"]))
    if kind == "delete":
        return world.delete(actor)
    if kind == "suspend":
        return world.suspend(actor)
    if kind == "deactivate":
        return world.deactivate(actor)
    if kind == "reactivate":
        return world.reactivate(actor)
    if kind == "move":
        return world.move(actor, _ref(data["target"]))
    if kind == "rename":
        return world.rename(actor, str(data["new_login"]))
    raise ValueError(f"unknown change kind {kind!r}")


def _stream(sim: SimulatorServer, name: str, req: Request) -> Response:
    """`/_sim/stream/...`, driving the `StreamServer` of this world (404 when none runs):

    - `GET /_sim/stream`: its URLs (`url`, `jetstream`, `firehose`), `seq` (newest), `oldest_seq`, `time_us`,
      `retention`, connected `clients`, frame counters and noise runs.
    - `GET /_sim/stream/commits?cursor=SEQ&limit=N`: the kept commits after SEQ as JSON summaries.
    - `POST /_sim/stream/inject {"kind": garbage|truncated|missing_fields|unknown_type, "endpoint":
      all|jetstream|firehose}`: one malformed frame to every current client -> `{"clients": n}`.
    - `POST /_sim/stream/drop {"code": null|int, "reason": str}`: drop every connection (no code: abort the TCP
      connection; a code: close with it) -> `{"dropped": n}`.
    - `POST /_sim/stream/retention {"commits": n}`: keep only the newest n commits (older cursors become outdated).
    - `POST /_sim/stream/live {"owner", "every_s", "seed"}` / `DELETE`: start / stop live activity around an owner
      (see simulator.live: follows, a follow-back and a quick unfollow, leavers, every few seconds).
    - `POST /_sim/stream/noise {"rate", "seconds", "count", "per_minute", "seed", "unfollow_share",
      "refollow_share", "wait": bool}`: start follow churn among non-owners (see `StreamServer.noise`; `wait`
      answers when it is done); `GET` its status; `DELETE` stops every run.
    """
    from .stream import StreamServer

    stream = StreamServer.for_world(sim.world)
    method = req.method

    def ok(payload: Any) -> Response:
        return json_response(200, payload, route="control")

    if stream is None:
        return json_response(404, {"error": "no stream server serves this world"}, route="control")
    if name == "" and method == "GET":
        return ok(stream.status())
    if name == "commits" and method == "GET":
        after = int(req.arg("cursor") or 0)
        limit = int(req.arg("limit") or 1000)
        return ok({"commits": [c.summary() for c in stream.log.commits(after, limit)], "seq": stream.log.head_seq})
    if name == "inject" and method == "POST":
        data = _body(req)
        return ok({"clients": stream.inject(str(data.get("kind", "garbage")), str(data.get("endpoint", "all")))})
    if name == "drop" and method == "POST":
        data = _body(req)
        code = data.get("code")
        return ok({"dropped": stream.drop(None if code is None else int(code), str(data.get("reason", "")))})
    if name == "retention" and method == "POST":
        stream.set_retention(int(_body(req)["commits"]))
        return ok(stream.status())
    if name == "noise" and method == "POST":
        data = _body(req)
        wait = bool(data.pop("wait", False))
        allowed = {"rate", "seconds", "count", "per_minute", "seed", "unfollow_share", "refollow_share"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown noise options {sorted(unknown)}")
        run = stream.noise(**data)
        if wait:
            run.wait()
        return ok(run.status())
    if name == "noise" and method == "GET":
        return ok({"runs": stream.noise_status()})
    if name == "noise" and method == "DELETE":
        return ok({"stopped": stream.stop_noise()})
    if name == "live" and method == "POST":
        data = _body(req)
        owner = _ref(data.get("owner") or sim.world.owners[0].login)
        live = stream.live(owner, every_s=float(data.get("every_s", 5)), seed=int(data.get("seed", 0)))
        return ok(live.status())
    if name == "live" and method == "DELETE":
        return ok({"stopped": stream.stop_live()})
    return json_response(404, {"error": f"no control route {method} /_sim/stream/{name}"}, route="control")
