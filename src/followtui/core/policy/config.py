"""Reading policy.toml into a Policy: written with commented defaults on first use, never rewritten.

Every mistake in the file is reported with the file and the key, and that key keeps its default; nothing in
the file can stop followtui. Headless: no Textual here.
"""

from __future__ import annotations

import contextlib
import json
import os
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from followtui.core.config import quote, toml_error_text
from followtui.core.errors import StoreError
from followtui.core.policy.settings import SECTIONS, Action, Policy, settable
from followtui.core.policy.text import fold, resolve_scripts
from followtui.core.storage import FILE_MODE, ensure_private_dir
from followtui.sanitize import clean_text

POLICY_FILE = "policy.toml"
MAX_ITEMS = 1000
MAX_PHRASE = 100


def policy_path(config_dir: Path) -> Path:
    return Path(config_dir) / POLICY_FILE


def write_default_policy(config_dir: Path) -> bool:
    """Write the commented default policy.toml; never touch an existing one. True when it was written."""
    from followtui.core.policy.toml_text import DEFAULT_POLICY_TEXT

    config_dir = Path(config_dir)
    ensure_private_dir(config_dir)
    try:
        fd = os.open(policy_path(config_dir), os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(DEFAULT_POLICY_TEXT)
    return True


def load_policy(config_dir: Path, *, write_default: bool = True) -> Policy:
    """The policy from config_dir/policy.toml (written with commented defaults first when missing).

    Never raises for the file's content: a broken file means defaults plus `problems`.
    """
    path = policy_path(config_dir)
    if write_default:
        with contextlib.suppress(OSError, StoreError):  # a read-only config dir must not stop anything
            write_default_policy(Path(config_dir))
    problems: list[str] = []
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Policy()
    except OSError as exc:
        return Policy(problems=(f"policy file {path}: cannot read it ({exc.strerror or exc}); using the defaults",))
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        problems.append(f"policy file {path}: not UTF-8 text (byte {exc.start}); using the defaults")
        data = {}
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"policy file {path}: {toml_error_text(exc)}; using the defaults")
        data = {}
    return policy_from_data(data, path, problems)


def policy_from_data(data: dict[str, Any], path: Path, problems: list[str] | None = None) -> Policy:
    """A Policy from parsed TOML; each mistake becomes a problem naming the file and key."""
    problems = [] if problems is None else problems

    def report(where: str, what: str) -> None:
        problems.append(f"policy file {path}: {where}: {what}")

    per_account = data.get("accounts")
    data = {name: value for name, value in data.items() if name != "accounts"}
    tables: dict[str, Any] = {}
    set_keys: set[str] = set()
    for name, value in data.items():
        section = SECTIONS.get(name)
        if section is None:
            report(quote(name), f"unknown table, ignored (known: {', '.join(SECTIONS)}, accounts)")
        elif not isinstance(value, dict):
            report(f"[{name}]", f"should be a table, found {_type_name(value)}; ignored")
        else:
            values = _parse_table(name, section, value, report)
            set_keys.update(f"{name}.{key}" for key in values)
            tables[name] = section(**values)
    policy = Policy(source=path, **tables)
    policy, reverted = _check_together(policy, report)
    policy = replace(policy, from_file=frozenset(set_keys - reverted), problems=tuple(problems), applied=str(path))
    if per_account is None:
        return policy
    overrides = _account_policies(per_account, data, path, problems, report)
    return replace(policy, problems=tuple(problems), overrides=overrides)


def _account_policies(
    per_account: object, base: dict[str, Any], path: Path, problems: list[str], report: Any
) -> tuple[tuple[str, Policy], ...]:
    """`[accounts."github:me".TABLE]`: the file's tables with that account's own values laid over them."""
    if not isinstance(per_account, dict):
        report("[accounts]", f"should be a table of your accounts, found {_type_name(per_account)}; ignored")
        return ()
    out = []
    for label, tables in per_account.items():
        where = f"[accounts.{json.dumps(label, ensure_ascii=False)}]"
        if not isinstance(tables, dict):
            report(where, f"should be a table of policy tables, found {_type_name(tables)}; ignored")
            continue
        merged = {name: dict(value) if isinstance(value, dict) else value for name, value in base.items()}
        for name, value in tables.items():
            if isinstance(value, dict) and isinstance(merged.get(name), dict):
                merged[name] = {**merged[name], **value}
            else:
                merged[name] = value
        own: list[str] = []
        account_policy = policy_from_data(merged, path, own)
        problems.extend(
            problem.replace(f"policy file {path}: ", f"policy file {path}: {where} ", 1)
            for problem in own
            if problem not in problems
        )
        applied = f"{path} with {where}"
        out.append((label.casefold(), replace(account_policy, problems=(), applied=applied)))
    return tuple(out)


_TYPE_NAMES = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "a table"}


def _type_name(value: object) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _parse_table(name: str, section: type, table: dict[str, Any], report: Any) -> dict[str, Any]:
    known = {f.name: f for f in settable(section)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        spec = known.get(key)
        where = f"[{name}] {key}" if spec else f"[{name}] {quote(key)}"
        if spec is None:
            report(where, f"unknown setting, ignored (known: {', '.join(known)})")
            continue
        parsed = _parse_value(spec, value, lambda what, w=where: report(w, what))  # type: ignore[misc]
        if parsed is not None:
            values[key] = parsed
    if name == "script" and "allow" in values:
        _, unknown = resolve_scripts(values["allow"])
        if unknown:
            from followtui.core.policy.text import KNOWN_SCRIPTS, SCRIPT_ALIASES

            names = ", ".join([*KNOWN_SCRIPTS, *(a.title() for a in SCRIPT_ALIASES)])
            report(f"[{name}] allow", f"unknown script {', '.join(map(quote, unknown))}, ignored (known: {names})")
            values["allow"] = tuple(s for s in values["allow"] if s not in unknown)
    return values


def _parse_value(spec: Any, value: object, report: Any) -> Any:
    default = spec.default
    shown = f"the default {_toml_inline(default)}"
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        report(f"should be true or false, found {_type_name(value)}; using {shown}")
    elif isinstance(default, Action):
        choices = ", ".join(f'"{a.value}"' for a in Action)
        if isinstance(value, str) and value.strip().lower() in {a.value for a in Action}:
            return Action(value.strip().lower())
        report(f"should be one of {choices}, found {quote(value)}; using {shown}")
    elif isinstance(default, (int, float)):
        low, high = spec.metadata["range"]
        whole = isinstance(default, int)
        kinds = int if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
            kind = "a whole number" if whole else "a number"
            report(f"should be {kind} from {_toml_inline(low)} to {_toml_inline(high)}, found {quote(value)}; "
                   f"using {shown}")  # fmt: skip
            return None
        return value if whole else float(value)
    elif isinstance(default, tuple):
        if isinstance(value, list):
            return _parse_list(value, report)
        report(f"should be a list of strings, found {_type_name(value)}; using the default")
    return None


def _parse_list(items: list[Any], report: Any) -> tuple[str, ...]:
    out: dict[str, str] = {}  # folded -> as written
    for position, item in enumerate(items, start=1):
        if not isinstance(item, str):
            report(f"item {position} should be a string, found {_type_name(item)}; skipped")
            continue
        text = clean_text(item, MAX_PHRASE)
        if len(item) > MAX_PHRASE:
            report(f"item {position} is longer than {MAX_PHRASE} characters; skipped")
        elif not fold(text).strip():
            report(f"item {position} is empty; skipped")
        elif fold(text) in out:
            report(f"item {position} {quote(text)} is listed twice; skipped")
        else:
            out[fold(text)] = text
    if len(out) > MAX_ITEMS:
        report(f"at most {MAX_ITEMS} items; ignored the rest")
    return tuple(out.values())[:MAX_ITEMS]


def _check_together(policy: Policy, report: Any) -> tuple[Policy, set[str]]:
    """Settings that only make sense together; a contradiction puts both keys back to their defaults."""
    reverted: set[str] = set()
    checks = [
        ("verdict", "skip_at", "follow_back_at", lambda s: s.skip_at < s.follow_back_at, "should be below"),
        ("inactive", "skip_days", "review_days", lambda s: s.skip_days == 0 or s.skip_days > s.review_days,
         "should be 0 (off) or more than"),
        ("ratio", "healthy_min", "healthy_max", lambda s: s.healthy_min <= s.healthy_max, "should not be above"),
    ]  # fmt: skip
    for name, first, second, holds, wording in checks:
        settings = getattr(policy, name)
        if not holds(settings):
            default = SECTIONS[name]()
            report(f"[{name}] {first}", f"{getattr(settings, first)} {wording} {second} ({getattr(settings, second)}); "
                   f"using the defaults {getattr(default, first)} and {getattr(default, second)}")  # fmt: skip
            fixed = replace(settings, **{first: getattr(default, first), second: getattr(default, second)})
            policy = replace(policy, **{name: fixed})
            reverted.update({f"{name}.{first}", f"{name}.{second}"})
    return policy, reverted


def _toml_inline(value: object) -> str:
    from followtui.core.policy.toml_text import toml_value

    return toml_value(value)
