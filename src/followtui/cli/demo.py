"""`followtui demo`: the whole product on the built-in simulated network, offline.

The simulator runs as its own process on loopback (as a real server would, so it does not compete with the
app for the interpreter), and days pass through its control endpoint. The demo never touches real data: a
throwaway data dir unless --data-dir is given on the command line itself (FOLLOWTUI_DATA_DIR is ignored on
purpose), and an explicit one must not already track accounts.

Everything can be tried, actions too: each simulated platform is started with a secret made up for this run
(a token, or a Bluesky app password), and the demo's accounts name their own environment variable for it
(`token_env`, set in this process only), which followtui reads before any other source: the user's real tokens,
keyring and secrets are never read, written or sent. The same secret also goes into the demo data dir's
secrets.json (0600), so `followtui --data-dir DIR undo` works on a kept demo dir. Actions in the demo are capped
at DEMO_DAILY_CAP a platform a simulated day and paced by DEMO_PACING_S, whatever config.toml says: the cap is
meant to be reached, and a sync (r) lets a day pass, which lifts it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import string
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import typer

from followtui.cli.context import STATE, handle_errors
from followtui.cli.output import message
from followtui.core.errors import UsageError

#: The demo's accounts: (platform, the owner's login in the simulated world, the handle followtui tracks).
DEMO_ACCOUNTS = (
    ("github", "octocat", "octocat"),
    ("bluesky", "ada", "ada.bsky.test"),
    ("mastodon", "grace", "grace"),
)

#: Follows plus unfollows a demo platform allows in one simulated day: small, so that the cap is reached.
DEMO_DAILY_CAP = 5
#: Seconds between two actions of a batch in the demo: visible, without making a demo tedious.
DEMO_PACING_S = 0.3
#: Seconds between two live changes around the demo's Bluesky account while the UI is open (see `live_watch`).
DEMO_LIVE_EVERY_S = 6.0


@handle_errors
def demo(
    followers: int = typer.Option(300, "--followers", min=10, max=200_000, help="size of each demo account"),
    following: int | None = typer.Option(None, "--following", min=10, max=200_000, help="default: 2/3 of followers"),
    days: int = typer.Option(6, "--days", min=1, max=60, help="simulated days of history to build"),
    seed: int = typer.Option(7, "--seed", help="the simulated network's seed"),
    platforms: list[str] | None = typer.Option(
        None, "--platform", "-p", help="github, bluesky or mastodon (repeatable; default: all three)"
    ),
    headless: bool = typer.Option(False, "--headless", help="print a summary instead of opening the UI"),
    theme: str | None = typer.Option(None, "--theme", help="colour theme for the terminal UI"),
) -> None:
    """The terminal UI on a simulated network with days of history, synced for real over loopback; offline.

    One account on each platform ([ and ] switch between them). Sync (r) in the UI lets one more simulated
    day pass first.
    """
    explicit = STATE.data_dir_option
    following = following or followers * 2 // 3
    chosen = _choose(platforms)
    with tempfile.TemporaryDirectory(prefix="followtui-demo-") as scratch:
        data_dir = Path(explicit).expanduser() if explicit else Path(scratch)
        _require_empty(data_dir)
        names = ", ".join(f"{platform}:{handle}" for platform, _, handle in chosen)
        message(f"building a simulated network: {names}, each with {followers:,} followers, {following:,} following")
        grants = {platform: grant_secret(platform) for platform, _, _ in chosen}
        with contextlib.ExitStack() as stack:
            urls = [stack.enter_context(simulator(platform, login, seed + i, followers, following,
                                                  secret=grants[platform]))
                    for i, (platform, login, _) in enumerate(chosen)]  # fmt: skip
            asyncio.run(_build(data_dir, chosen, urls, days))
            write_demo_secrets(data_dir, chosen, grants)
            if headless:
                _show(data_dir)
            else:
                from followtui.cli.tui import open_tui

                bluesky = [url for (platform, _, _), url in zip(chosen, urls, strict=True) if platform == "bluesky"]
                if bluesky:
                    stack.enter_context(live_watch(data_dir, bluesky[0]))
                open_tui(data_dir, explicit=bool(explicit), theme=theme or STATE.theme,
                         before_sync=lambda: advance_day(urls), title="demo: simulated network",
                         adjust=demo_settings)  # fmt: skip
        if explicit:
            message(f"The demo data stays in {data_dir}; look around with: followtui --data-dir {data_dir}")


def _choose(platforms: list[str] | None) -> list[tuple[str, str, str]]:
    if not platforms:
        return list(DEMO_ACCOUNTS)
    wanted = [p.strip().lower() for p in platforms]
    known = [platform for platform, _, _ in DEMO_ACCOUNTS]
    unknown = [p for p in wanted if p not in known]
    if unknown:
        raise UsageError(f"unknown platform {unknown[0]!r}; choose from {', '.join(known)}")
    return [entry for entry in DEMO_ACCOUNTS if entry[0] in wanted]


def demo_secret_env(platform: str) -> str:
    """The variable a demo account reads its secret from: its own name, so no real token is ever used."""
    return f"FOLLOWTUI_DEMO_{platform.upper()}_SECRET"


def grant_secret(platform: str) -> str:
    """A secret for this run, put in this process's environment under the demo account's own variable.

    Bluesky's is an app password (xxxx-xxxx-xxxx-xxxx, the form Bluesky gives out); the others a token."""
    if platform == "bluesky":
        secret = "-".join("".join(secrets.choice(string.ascii_lowercase) for _ in range(4)) for _ in range(4))
    else:
        secret = f"demo-{platform}-{secrets.token_urlsafe(18)}"
    os.environ[demo_secret_env(platform)] = secret
    return secret


def write_demo_secrets(data_dir: Path, chosen: list[tuple[str, str, str]], grants: dict[str, str]) -> None:
    """The demo's secrets in its own data dir's secrets.json (0600, atomic): never the keyring, which is the
    user's, so `followtui --data-dir DIR follow|undo` on a kept demo dir can act too."""
    from followtui.core.secrets import SECRETS_FILE
    from followtui.core.storage import ensure_private_dir, write_json_atomically
    from followtui.core.store import Store

    ensure_private_dir(data_dir)
    keys = {a.platform: a.key for a in Store(data_dir).accounts()}
    doc = {keys[platform]: grants[platform] for platform, _, _ in chosen if platform in keys}
    write_json_atomically(data_dir / SECRETS_FILE, doc)


def demo_settings(settings):  # type: ignore[no-untyped-def]
    """The user's settings (theme, keys, tags) with the demo's action limits, so that the cap is reachable."""
    from dataclasses import replace

    return replace(settings, daily_cap=DEMO_DAILY_CAP, pacing_s=DEMO_PACING_S)


@contextlib.contextmanager
def simulator(
    platform: str, owner: str, seed: int, followers: int, following: int, *, secret: str = ""
) -> Iterator[str]:
    """`python -m followtui.simulator` in its own process; yields its URL and stops it afterwards. With
    `secret`, the simulated platform accepts it for `owner` (a token, or Bluesky's app password)."""
    command = [sys.executable, "-m", "followtui.simulator", "--platform", platform, "--port", "0",
               "--seed", str(seed), "--owner", owner, "--followers", str(followers),
               "--following", str(following), "--rate-limit", "0"]  # fmt: skip
    if secret:
        command += ["--app-password" if platform == "bluesky" else "--token", secret]
    if platform == "bluesky":  # its live streams too (Jetstream and the firehose), for `followtui watch`
        command += ["--stream-port", "0"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise UsageError(f"the simulated {platform} network did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def live_watch(data_dir: Path, url: str) -> Iterator[None]:
    """While the UI is open: things happen around the demo's Bluesky account every few seconds (someone follows,
    gets a follow-back and leaves; followers leave; strangers stay) and `followtui watch` records them from the
    simulated Jetstream as they happen, so the status line says "live" and the changes come in. The watch runs in
    its own process with the demo dir as its config dir: the user's notification URLs are never used."""
    import httpx

    owner = next(login for platform, login, _ in DEMO_ACCOUNTS if platform == "bluesky")
    jetstream = httpx.get(f"{url}/_sim/stream", timeout=30).json()["jetstream"]
    env = {**os.environ, "FOLLOWTUI_CONFIG_DIR": str(data_dir)}
    command = [sys.executable, "-m", "followtui", "--data-dir", str(data_dir), "watch", "--source", jetstream]
    watch = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=env)  # fmt: skip
    try:
        httpx.post(f"{url}/_sim/stream/live", json={"owner": owner, "every_s": DEMO_LIVE_EVERY_S}, timeout=30)
        yield
    finally:
        watch.terminate()  # SIGTERM: it saves its cursor and ends with exit 0
        try:
            watch.wait(timeout=10)
        except subprocess.TimeoutExpired:
            watch.kill()


def advance_day(urls: list[str]) -> None:
    """One simulated day passes on every network, together."""
    import httpx

    def one(url: str) -> None:
        httpx.post(f"{url}/_sim/advance", json={"days": 1}, timeout=120).raise_for_status()

    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        list(pool.map(one, urls))


def _require_empty(data_dir: Path) -> None:
    from followtui.core.store import Store

    if Store(data_dir).accounts():
        raise UsageError(f"{data_dir} already tracks accounts; the demo needs an empty data dir")


async def _build(data_dir: Path, chosen: list[tuple[str, str, str]], urls: list[str], days: int) -> None:
    """Add every demo account, take its baseline, then let the days pass with a sync after each."""
    from followtui.core.connect import add_account
    from followtui.core.store import Store
    from followtui.core.sync import SyncOptions
    from followtui.core.usecases import sync_accounts

    store = Store(data_dir)
    accounts = [
        await add_account(store, platform, handle, server=url, token_env=demo_secret_env(platform))
        for (platform, _, handle), url in zip(chosen, urls, strict=True)
    ]
    options = SyncOptions()  # the profile budget sized as for a real account (auto)

    async def sync_all(day: int) -> None:
        # each platform is its own simulator process: they sync together; the demo cannot go on past a failure
        reports = (await sync_accounts(store, accounts, options=options, together=True)).reports()
        if day:
            message(f"day {day}: " + "; ".join(
                f"{a.platform} +{r.gained} -{r.lost} ({r.gone} gone)" for a, r in zip(accounts, reports, strict=True)
            ))  # fmt: skip

    await sync_all(0)
    for day in range(1, days + 1):
        await asyncio.to_thread(advance_day, urls)
        await sync_all(day)


def _show(data_dir: Path) -> None:
    from followtui.core.analysis import AccountData
    from followtui.core.store import Store

    store = Store(data_dir)
    for account in store.accounts():
        _show_account(AccountData.load(store, account))


def _show_account(data) -> None:  # type: ignore[no-untyped-def]
    from followtui.cli.output import to_table
    from followtui.core.analysis import PANE_TITLES
    from followtui.core.codec import iso

    counts = {title: len(data.pane(pane)) for pane, title in PANE_TITLES.items() if pane != "tricksters"}
    tricksters = data.tricksters()
    counts["Tricksters"] = len(tricksters)
    print(f"\n{data.account.label}: " + ", ".join(f"{title} {n:,}" for title, n in counts.items()))
    rows = [
        {
            "handle": t.profile.handle,
            "times": t.times,
            "followed": iso(t.followed_at) or "before first sync",
            "followed back": iso(t.followed_back_at) or "-",
            "unfollowed": iso(t.unfollowed_at),
        }
        for t in tricksters[:10]
    ]
    if rows:
        print("\nTricksters (followed, then unfollowed):")
        print(to_table(rows, list(rows[0])), end="")
    days = [{k: getattr(d, k) for k in ("day", "gained", "lost", "gone", "followers")} for d in data.history()]
    print("\nHistory:")
    print(to_table(days, ["day", "gained", "lost", "gone", "followers"]), end="")
