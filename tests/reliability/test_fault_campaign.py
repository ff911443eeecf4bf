"""The fault campaign: seeded sync runs on every platform, with random faults, over real loopback HTTP.

A run builds its own world (seed, list sizes and page size drawn from the run's seed, so lists span several
pages), takes a baseline without faults, then lets simulated days pass, each followed by a sync under a random
seeded FaultPlan (rate, kinds, Retry-After). Every sync must end exactly right (every pane equals the
simulator's truth) or abort with exit code 3 or 6, one clear line on stderr, no traceback and the store as it
was. A follower_lost event for an account that still follows is a phantom unfollow: there must be none.

The syncs are the real `followtui sync` command run in this process (typer's CliRunner): argument parsing, the
per-account failure handling, the exit-code mapping and the stderr line are the ones cron runs, without a
Python start-up per sync. Only the provider's timings are shortened: a short read timeout, and waits
(back-offs, rate limits) that are decided and reported as usual but do not sleep, since the simulator draws
its faults per request, not per second.

Runs per platform: FOLLOWTUI_SOAK_RUNS when set, else FULL_RUNS when soak tests are selected (`make soak`
runs `-m soak`), else REDUCED_RUNS (`make test`). FOLLOWTUI_SOAK_TALLY names a JSON file to write the tally
to; it is printed in pytest's terminal summary either way.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import orjson
import pytest

from followtui.cli.exit_codes import ExitCode
from followtui.core import connect
from followtui.core.store import Store
from followtui.models import EventKind
from followtui.simulator import FAULT_KINDS, FaultPlan, SimulatorServer, World

from ..integration.harness import PLATFORM_CASES, PlatformCase, TruthLog, assert_matches_truth, cli_in_process

pytestmark = [pytest.mark.soak, pytest.mark.slow]

REDUCED_RUNS = 6
FULL_RUNS = 200
DAYS = 4
#: Page sizes the provider asks for, small ones up to the platform's largest, so lists run from one page to fifteen.
PAGE_SIZES = {"github": (10, 30, 100), "bluesky": (10, 25, 100), "mastodon": (10, 40, 80)}
RATES = (0.03, 0.06, 0.1, 0.15, 0.25)
#: Retry-After of rate-limit faults: most are waited out, 120 s is longer than the client may wait.
RETRY_AFTER_S = (1, 2, 5, 120)
HYDRATE = (0, 5, 20)
READ_TIMEOUT_S = 0.5
HANG_S = 1.5
#: A faulted sync may end only as a network/API failure, or held back as suspect; nothing else.
ABORT_CODES = frozenset({int(ExitCode.NETWORK), int(ExitCode.SUSPECT)})
MAX_MESSAGE = 600


@dataclass
class Tally:
    runs: int = 0
    syncs: int = 0
    faulted_syncs: int = 0
    exact: int = 0
    exact_under_faults: int = 0
    aborted: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    phantom_unfollows: int = 0
    phantom_removals: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


class _Summary:
    """Prints the tally in pytest's terminal summary (and writes it to FOLLOWTUI_SOAK_TALLY when set)."""

    def __init__(self, tallies: dict[str, Tally], runs: int) -> None:
        self.tallies = tallies
        self.runs = runs

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.tallies:
            return
        terminalreporter.section(f"fault campaign: {self.runs} runs per platform, {DAYS} faulted days each")
        for line in summary_lines(self.tallies):
            terminalreporter.write_line(line)
        target = os.environ.get("FOLLOWTUI_SOAK_TALLY")
        if target:
            doc = {
                "runs_per_platform": self.runs,
                "days": DAYS,
                "platforms": {p: asdict(t) for p, t in self.tallies.items()},
            }
            Path(target).write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))


def summary_lines(tallies: dict[str, Tally]) -> list[str]:
    lines = []
    for platform, t in tallies.items():
        aborted = ", ".join(f"exit {code}: {n}" for code, n in sorted(t.aborted.items())) or "none"
        lines.append(
            f"{platform}: {t.runs} runs, {t.syncs} syncs ({t.faulted_syncs} with faults injected): "
            f"{t.exact} exact ({t.exact_under_faults} of them under faults), {sum(t.aborted.values())} aborted "
            f"({aborted}); phantom unfollows {t.phantom_unfollows}, phantom removals {t.phantom_removals}; "
            f"{len(t.failures)} wrong; {t.seconds:.0f} s"
        )
        lines.append("  faults injected: " + ", ".join(f"{k} {t.faults[k]}" for k in FAULT_KINDS))
        lines.append("  most common aborts: " + "; ".join(f"{n}× {r}" for r, n in t.reasons.most_common(6)))
        lines.extend(f"  WRONG: {failure}" for failure in t.failures[:5])
    return lines


def run_count(config: pytest.Config) -> int:
    """FOLLOWTUI_SOAK_RUNS outright, else the full count when the run selects soak tests, else the reduced one."""
    told = os.environ.get("FOLLOWTUI_SOAK_RUNS", "").strip()
    if told not in ("", "0"):
        return int(told)
    expression = str(config.getoption("markexpr", "") or "")
    return FULL_RUNS if "soak" in expression and "not soak" not in expression else REDUCED_RUNS


@pytest.fixture(scope="module")
def campaign(request: pytest.FixtureRequest) -> _Summary:
    plugins = request.config.pluginmanager
    summary = plugins.get_plugin("followtui-fault-campaign")
    if summary is None:
        summary = _Summary({}, run_count(request.config))
        plugins.register(summary, "followtui-fault-campaign")
    return summary


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture
def provider_options(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Options every provider the CLI makes gets on top of its own (the run sets its page size)."""
    for name in list(os.environ):
        if name.startswith("FOLLOWTUI_") and not name.startswith("FOLLOWTUI_SOAK_"):
            monkeypatch.delenv(name)
    options: dict[str, Any] = {"timeout_s": READ_TIMEOUT_S, "sleep": _no_sleep}
    real = connect.provider_for

    def provider_for(account: Any, **kwargs: Any) -> Any:
        return real(account, **{**options, **kwargs})

    monkeypatch.setattr(connect, "provider_for", provider_for)
    return options


@pytest.mark.parametrize("case", PLATFORM_CASES, ids=lambda c: c.platform)
def test_every_faulted_sync_is_exact_or_aborts_cleanly(
    tmp_path: Path, case: PlatformCase, provider_options: dict[str, Any], campaign: _Summary
) -> None:
    tally = campaign.tallies.setdefault(case.platform, Tally())
    runs = campaign.runs
    started = time.perf_counter()
    for index in range(runs):
        data_dir = tmp_path / f"run{index}"
        if run_once(case, index, data_dir, provider_options, tally):
            shutil.rmtree(data_dir, ignore_errors=True)
    tally.seconds += time.perf_counter() - started
    assert not tally.failures, "\n".join(tally.failures[:10])
    assert tally.phantom_unfollows == 0 and tally.phantom_removals == 0
    if runs >= 3:  # the campaign really saw both outcomes
        assert tally.exact_under_faults > 0 and sum(tally.aborted.values()) > 0, summary_lines(campaign.tallies)
    if runs >= 20:
        assert set(tally.faults) == set(FAULT_KINDS), tally.faults


def run_once(case: PlatformCase, index: int, data_dir: Path, options: dict[str, Any], tally: Tally) -> bool:
    """One seeded run: a baseline, then DAYS faulted syncs. False (and a failure in the tally) when one went wrong."""
    rng = Random(f"fault-campaign:{case.platform}:{index}")
    per_page = rng.choice(PAGE_SIZES[case.platform])
    followers, following = rng.randint(per_page // 2, 5 * per_page), rng.randint(per_page // 3, 3 * per_page)
    world = World.generate(seed=rng.randrange(1 << 30), owner="octocat", followers=followers, following=following)
    hydrate = str(rng.choice(HYDRATE))
    options["per_page"] = per_page
    tally.runs += 1
    with SimulatorServer(world, platform=case.platform, rate_limit=0) as sim:
        added = cli_in_process(data_dir, "account", "add", case.platform, case.owner_handle("octocat"), "--server",
                               sim.url)  # fmt: skip
        assert added.exit_code == 0, added.stderr
        key = Store(data_dir).accounts()[0].key
        truth = TruthLog(world, "octocat")
        for day in range(DAYS + 1):
            if day:
                world.advance_days(1)
            plan = random_plan(rng) if day else None
            before = store_state(data_dir, key)
            sim.faults = plan
            result = cli_in_process(data_dir, "sync", "--hydrate", hydrate)
            sim.faults = None
            injected = dict(plan.injected) if plan else {}
            where = (
                f"{case.platform} run {index} day {day} ({followers} followers, {following} following, "
                f"{per_page} a page, --hydrate {hydrate}, faults {plan.to_dict() if plan else None})"
            )
            tally.syncs += 1
            tally.faults.update(injected)
            tally.faulted_syncs += bool(injected)
            if result.exit_code == 0:
                problem = judge_success(data_dir, key, result, truth, case, sim, tally)
                if problem is None:
                    tally.exact += 1
                    tally.exact_under_faults += bool(injected)
                    continue
            else:
                problem = judge_abort(result, before, store_state(data_dir, key), bool(day))
                if problem is None:
                    tally.aborted[result.exit_code] += 1
                    tally.reasons[reason_of(result.stderr)] += 1
                    continue
            tally.failures.append(f"{where}: {problem}")
            return False
    return True


def random_plan(rng: Random) -> FaultPlan:
    kinds = tuple(k for k in FAULT_KINDS if rng.random() < 0.5) or (rng.choice(FAULT_KINDS),)
    return FaultPlan(
        rate=rng.choice(RATES),
        seed=rng.randrange(1 << 30),
        kinds=kinds,
        retry_after_s=rng.choice(RETRY_AFTER_S),
        hang_s=HANG_S,
    )


def store_state(data_dir: Path, key: str) -> tuple[Any, ...]:
    """What a failed sync must leave as it was: the current sets, their time, and the number of events."""
    stored = Store(data_dir).read()
    snapshot = stored.snapshot(key)
    sets = None if snapshot is None else (snapshot.followers, snapshot.following, snapshot.observed_at)
    return sets, len(stored.events(key))


def judge_success(
    data_dir: Path, key: str, result: Any, truth: TruthLog, case: PlatformCase, sim: Any, tally: Tally
) -> str | None:
    if "Traceback" in result.stderr:
        return f"exit 0 with a traceback: {result.stderr[-500:]!r}"
    now = truth.observe()
    stored = Store(data_dir).read()
    snapshot = stored.snapshot(key)
    assert snapshot is not None
    followers = {case.id_of(r["id"]) for r in now["followers"]}
    following = {case.id_of(r["id"]) for r in now["following"]}
    new = [e for e in stored.events(key) if e.at == snapshot.observed_at]
    phantom_unfollows = sum(e.kind is EventKind.FOLLOWER_LOST and e.profile_id in followers for e in new)
    phantom_removals = sum(e.kind is EventKind.FOLLOWING_REMOVED and e.profile_id in following for e in new)
    tally.phantom_unfollows += phantom_unfollows
    tally.phantom_removals += phantom_removals
    if phantom_unfollows or phantom_removals:
        return f"{phantom_unfollows} phantom unfollows and {phantom_removals} phantom removals recorded"
    try:
        assert_matches_truth(data_dir, truth, case, sim)
    except AssertionError as exc:
        return f"the panes differ from the truth: {str(exc)[:400]}"
    return None


def judge_abort(result: Any, before: tuple[Any, ...], after: tuple[Any, ...], faulted: bool) -> str | None:
    """An aborted sync: a documented code, one clear line (waits aside), no traceback, the store unchanged."""
    if not faulted:
        return f"the sync without faults failed (exit {result.exit_code}): {result.stderr[-500:]!r}"
    if result.exit_code not in ABORT_CODES:
        return f"exit code {result.exit_code}, not one of {sorted(ABORT_CODES)}: {result.stderr[-500:]!r}"
    if not isinstance(result.exception, SystemExit):
        return f"an unhandled {type(result.exception).__name__}: {result.exception}"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    failed = [line for line in lines if ": failed: " in line]
    others = [line for line in lines if ": failed: " not in line and not line.startswith("waiting ")]
    if "Traceback" in result.stderr or len(failed) != 1 or others:
        return f"not one clear line on stderr: {result.stderr[-800:]!r}"
    said = failed[0].split(": failed: ", 1)[1].strip()
    if not said or len(said) > MAX_MESSAGE or re.fullmatch(r"[A-Za-z]+Error", said):
        return f"an unclear message: {failed[0]!r}"
    if after != before:
        return "the store changed although the sync failed"
    return None


def reason_of(stderr: str) -> str:
    """A failure line without its numbers, host and port: what kind of abort it was."""
    line = next(line for line in stderr.splitlines() if ": failed: " in line)
    said = line.split(": failed: ", 1)[1]
    said = re.sub(r"127\.0\.0\.1:\d+", "HOST", said)
    said = re.sub(r"/[\w./-]*\d[\w./-]*", "/…", said)
    said = re.sub(r"\d[\d,.]*", "N", said)
    return said[:90]
