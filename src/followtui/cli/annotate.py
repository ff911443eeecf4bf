"""`followtui tag|untag|note|keep`: the user's own words about accounts, kept apart from snapshots."""

from __future__ import annotations

import typer

from followtui.cli.context import STATE, handle_errors
from followtui.cli.output import message
from followtui.core.errors import UsageError
from followtui.sanitize import clean_text

MAX_TAG = 64
MAX_NOTE = 4000


def resolve_ref(ref: str) -> tuple[str, str]:
    """ACCOUNT_REF (handle, stable id, or platform:either) → (annotation key, shown handle)."""
    store = STATE.store()
    platforms = sorted({a.platform for a in store.accounts()})
    prefix, _, name = ref.partition(":")  # ids may hold colons themselves (Bluesky DIDs)
    if prefix not in platforms:
        prefix, name = "", ref  # a colon inside the handle or id itself
    name = name.lstrip("@")
    matches: list[tuple[str, str]] = []
    for platform in [prefix] if prefix else platforms:
        for pid, profile in store.profiles(platform).items():
            if pid == name or profile.handle.casefold() == name.casefold():
                matches.append((f"{platform}:{pid}", f"{platform}:{profile.handle}"))
    if not matches:
        raise UsageError(f"no known account {ref!r}; sync first, or give the stable id as platform:id")
    if len(matches) > 1:
        raise UsageError(f"{ref!r} matches {', '.join(m[1] for m in matches)}; write it as platform:handle")
    return matches[0]


def _tags(tags: list[str]) -> list[str]:
    cleaned = [clean_text(t, MAX_TAG).strip() for t in tags]
    if not all(cleaned):
        raise UsageError("a tag cannot be empty")
    return cleaned


@handle_errors
def tag(
    account_ref: str = typer.Argument(..., help="handle, stable id, or platform:handle"),
    tags: list[str] = typer.Argument(..., help="one or more tags"),
) -> None:
    """Add tags to an account."""
    from dataclasses import replace

    key, label = resolve_ref(account_ref)
    new = _tags(tags)
    result = STATE.store().annotate(key, lambda a: replace(a, tags=tuple(dict.fromkeys([*a.tags, *new]))))
    message(f"{label}: tags {', '.join(result.tags) or '(none)'}")


@handle_errors
def untag(
    account_ref: str = typer.Argument(..., help="handle, stable id, or platform:handle"),
    tags: list[str] = typer.Argument(..., help="tags to remove"),
) -> None:
    """Remove tags from an account."""
    from dataclasses import replace

    key, label = resolve_ref(account_ref)
    gone = set(_tags(tags))
    result = STATE.store().annotate(key, lambda a: replace(a, tags=tuple(t for t in a.tags if t not in gone)))
    message(f"{label}: tags {', '.join(result.tags) or '(none)'}")


@handle_errors
def note(
    account_ref: str = typer.Argument(..., help="handle, stable id, or platform:handle"),
    text: str = typer.Argument(..., help="the note (empty to clear)"),
) -> None:
    """Set the note of an account."""
    from dataclasses import replace

    key, label = resolve_ref(account_ref)
    cleaned = clean_text(text, MAX_NOTE, multiline=True)
    STATE.store().annotate(key, lambda a: replace(a, note=cleaned))
    message(f"{label}: note {'set' if cleaned else 'cleared'}")


@handle_errors
def keep(
    account_ref: str = typer.Argument(..., help="handle, stable id, or platform:handle"),
    off: bool = typer.Option(False, "--off", help="remove the account from the keep list"),
) -> None:
    """Put an account on the keep list: never part of a bulk unfollow."""
    from dataclasses import replace

    key, label = resolve_ref(account_ref)
    STATE.store().annotate(key, lambda a: replace(a, keep=not off))
    message(f"{label}: {'no longer kept' if off else 'kept'}")
