"""A message after a sync when something worth knowing happened, sent through Apprise to the user's URLs.

Notifying is a courtesy, never part of the sync: every failure comes back as a warning string, nothing here
raises, and the sync it follows is already committed. Apprise URLs hold secrets (passwords, bot tokens, webhook
keys, private topics), so a URL only ever leaves this module masked, and Apprise's own logging is muted while it
works. Apprise is imported inside `deliver` only: `followtui --help` and a sync with nothing to send never pay
for it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace

from followtui.models import Change, ChangeKind

#: `on` may name this besides the event-log kinds: an unfollow by someone you follow (the trick worked on you).
TRICKSTER = "trickster"
NOTIFY_KINDS: tuple[str, ...] = (*(kind.value for kind in ChangeKind), TRICKSTER)
DEFAULT_NOTIFY_ON: frozenset[str] = frozenset({ChangeKind.UNFOLLOWED_YOU.value, ChangeKind.GONE.value, TRICKSTER})
#: Names per line of a message; the rest is "and N more" (a phone screen, not a report).
NAMES_PER_LINE = 10
#: Seconds to open a connection and to wait for an answer, per service (a user's longer ?cto=/?rto= is capped).
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0
#: The whole send, retries included: a cron sync must end even when a service hangs.
SEND_TIMEOUT_S = 30.0
#: Loggers that could carry a URL, a token or a request path while Apprise works.
_QUIET_LOGGERS = ("apprise", "urllib3", "requests")
_TAG = "followtui-url-{}"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]{0,31})://")
_HOST = re.compile(
    r"(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]{2,45}\]|(?:[A-Za-z0-9\-]{1,63}\.)+[A-Za-z]{2,63})"
    r"(?::\d{1,5})?"
)
# One send at a time: muting and restoring the loggers must not interleave.
_SEND_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """[notify] in config.toml: where messages go (Apprise URLs) and what is worth one."""

    urls: tuple[str, ...] = ()
    on: frozenset[str] = DEFAULT_NOTIFY_ON


@dataclass(frozen=True, slots=True)
class Notice:
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one URL fared: `url` is masked (safe to print); `error` says why it got nothing, "" when it did."""

    url: str
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def mask_url(url: str) -> str:
    """The scheme and, when it looks like one, the host: never a password, token, topic or path.

    'ntfy://my-topic' → 'ntfy://m…', 'mailto://user:pass@example.org' → 'mailto://…@example.org',
    'json://127.0.0.1:8080/path' → 'json://127.0.0.1:8080/…'. What is not plainly a host name is a secret.
    """
    text = url.strip() if isinstance(url, str) else ""
    match = _SCHEME.match(text)
    if match is None:
        return "…"
    rest = text[match.end() :]
    cut = next((i for i, ch in enumerate(rest) if ch in "/?#"), len(rest))
    authority, tail = rest[:cut], rest[cut:]
    _, at, host = authority.rpartition("@")
    if _HOST.fullmatch(host):
        shown = host
    elif at or len(host) < 4 or not host[0].isalnum():
        shown = "…" if host else ""
    else:
        shown = host[0] + "…"  # a topic or token: its first character tells two URLs apart
    masked = f"{match.group(1).lower()}://{'…@' if at else ''}{shown}"
    if tail and not masked.endswith("…"):
        masked += tail[0] + "…"
    return masked


def matches(change: Change, on: Collection[str]) -> bool:
    """Whether `on` (event-log kinds and "trickster") makes this change worth a message."""
    return change.kind.value in on or (TRICKSTER in on and _is_trickster(change))


def _is_trickster(change: Change) -> bool:
    from followtui.core.changes import YOU_FOLLOW_THEM

    return change.kind is ChangeKind.UNFOLLOWED_YOU and change.detail == YOU_FOLLOW_THEM


def compose(changes: Sequence[Change], on: Collection[str]) -> Notice | None:
    """The message for one run's changes, or None when none of them is worth one."""
    from followtui.core.changes import KIND_TITLES, named_lines

    chosen = [c for c in changes if matches(c, on)]
    if not chosen:
        return None
    tricksters = [c for c in chosen if TRICKSTER in on and _is_trickster(c)]
    counts = []
    for kind in ChangeKind:
        count = sum(1 for c in chosen if c.kind is kind) if kind.value in on else 0
        if count:
            counts.append(f"{count:,} {KIND_TITLES[kind]}")
        if kind is ChangeKind.UNFOLLOWED_YOU and tricksters:
            counts.append(f"{len(tricksters):,} trickster{'s' if len(tricksters) != 1 else ''}")
    blocks = []
    for account in dict.fromkeys(c.account for c in chosen):  # in the order the run met them
        mine = [c for c in chosen if c.account == account]
        lines = [account]
        for kind in ChangeKind:
            if kind.value in on:
                lines += named_lines(mine, cap=NAMES_PER_LINE, kinds=(kind,))
            if kind is ChangeKind.UNFOLLOWED_YOU:
                lines += _trickster_lines([c for c in tricksters if c.account == account])
        blocks.append("\n".join(lines))
    return Notice(title="followtui: " + ", ".join(counts), body="\n\n".join(blocks))


def _trickster_lines(tricksters: Sequence[Change]) -> list[str]:
    """'tricksters (you follow them): a, b and 3 more', capped like every other line."""
    from followtui.core.changes import KIND_TITLES, named_lines

    plain = [replace(c, detail="") for c in tricksters]  # the line's title already says "you follow them"
    prefix = f"{KIND_TITLES[ChangeKind.UNFOLLOWED_YOU]}: "
    lines = named_lines(plain, cap=NAMES_PER_LINE, kinds=(ChangeKind.UNFOLLOWED_YOU,))
    return ["tricksters (you follow them): " + line.removeprefix(prefix) for line in lines]


def notice_for_test(settings: NotifySettings) -> Notice:
    on = ", ".join(kind for kind in NOTIFY_KINDS if kind in settings.on) or "nothing ([notify] on is empty)"
    return Notice(
        title="followtui test notification",
        body=f"followtui test notification: [notify] in config.toml works. `followtui sync` will tell you of: {on}.",
    )


def deliver(urls: Sequence[str], notice: Notice) -> list[Delivery]:
    """Send one message to every URL through Apprise, bounded in time; one Delivery per URL, in order. Never raises."""
    if not urls:
        return []
    masked = [mask_url(url) for url in urls]
    try:
        with _SEND_LOCK, _quiet_loggers():
            errors = _deliver(list(urls), notice)
    except ImportError:
        errors = ["Apprise is not installed (pip install apprise)"] * len(urls)
    except Exception as exc:  # Apprise or a plugin broke: a warning, never a failed sync
        errors = [f"Apprise failed ({type(exc).__name__})"] * len(urls)  # not str(exc): it may quote the URL
    return [Delivery(url, error) for url, error in zip(masked, errors, strict=True)]


def _deliver(urls: list[str], notice: Notice) -> list[str]:
    import apprise

    asset = apprise.AppriseAsset(secure_logging=True, service_timeout=SEND_TIMEOUT_S, result_log_disk_size=0)
    hub = apprise.Apprise(asset=asset)
    errors = [""] * len(urls)
    for position, url in enumerate(urls):
        service = apprise.Apprise.instantiate(url, asset=asset, tag=_TAG.format(position))
        if service is None:
            errors[position] = "not a URL Apprise understands (unknown scheme or missing parts)"
            continue
        # Every Apprise service reads these two (URLBase); a user's ?cto=/?rto= may shorten them, not lengthen.
        service.socket_connect_timeout = min(float(service.socket_connect_timeout), CONNECT_TIMEOUT_S)
        service.socket_read_timeout = min(float(service.socket_read_timeout), READ_TIMEOUT_S)
        hub.add(service)
    if len(hub) == 0:
        return errors
    outcome: dict[str, str] = {}
    text = apprise.NotifyFormat.TEXT  # names are plain text, never markdown or HTML
    with hub.notify(body=notice.body, title=notice.title, body_format=text, timeout=SEND_TIMEOUT_S) as result:
        for service_result in result:  # matched back to its URL by the tag it was given
            error = "" if service_result else "timed out" if _timed_out(service_result) else "not delivered"
            for tag in service_result.tag:
                outcome[str(tag)] = error
    for position in range(len(urls)):
        if not errors[position]:
            errors[position] = outcome.get(_TAG.format(position), "not attempted")
    return errors


def _timed_out(service_result: object) -> bool:
    import apprise

    return getattr(service_result, "status", None) == apprise.AppriseResultStatus.TIMEOUT


@contextlib.contextmanager
def _quiet_loggers() -> Iterator[None]:
    """Nothing Apprise (or the HTTP library under it) logs may reach stderr or a log file: it can quote a URL."""
    saved = []
    null = logging.NullHandler()
    for name in _QUIET_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.disabled, logger.propagate))
        logger.disabled, logger.propagate = True, False
        logger.addHandler(null)  # so Python's last-resort handler never speaks for it either
    try:
        yield
    finally:
        for logger, disabled, propagate in saved:
            logger.removeHandler(null)
            logger.disabled, logger.propagate = disabled, propagate


def send(urls: Sequence[str], notice: Notice) -> list[str]:
    """Deliver `notice`; a warning (with the masked URL) for every URL that did not get it."""
    return [f"notification to {d.url} failed: {d.error}" for d in deliver(urls, notice) if not d.ok]


def notify_run(settings: NotifySettings, changes: Sequence[Change]) -> list[str]:
    """After a sync: one message when something in `on` happened, nothing otherwise. Returns warnings."""
    if not settings.urls:
        return []
    try:
        notice = compose(changes, settings.on)
    except Exception as exc:  # a surprise in the data must not turn into a failed sync
        return [f"notification not sent: could not compose it ({type(exc).__name__})"]
    return [] if notice is None else send(settings.urls, notice)


def send_test(settings: NotifySettings) -> list[str]:
    """`followtui notify --test`: the test message to every configured URL. Returns warnings."""
    return send(settings.urls, notice_for_test(settings))
