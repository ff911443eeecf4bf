"""`followtui notify --test`: try the [notify] URLs before a cron sync has something to say."""

from __future__ import annotations

import typer

from followtui.cli.context import STATE, handle_errors
from followtui.cli.exit_codes import ExitCode
from followtui.cli.output import message
from followtui.core.errors import UsageError


@handle_errors
def notify(
    test: bool = typer.Option(False, "--test", help="send a test message to every URL in [notify] of config.toml"),
) -> None:
    """Notifications after a sync (Apprise URLs in [notify] of config.toml); --test tries them."""
    from followtui.cli.tui import load_settings_for
    from followtui.core.config import data_dir_is_explicit
    from followtui.core.notify import deliver, notice_for_test

    if not test:
        raise UsageError("nothing to do: `followtui notify --test` sends a test message to the [notify] URLs")
    settings = load_settings_for(STATE.data_dir, data_dir_is_explicit(STATE.data_dir_option))
    for problem in settings.problems:
        message(f"warning: {problem}")
    if not settings.notify.urls:
        raise UsageError(f'no notification URLs: add urls = ["ntfy://…"] under [notify] in {settings.config_file}')
    deliveries = deliver(settings.notify.urls, notice_for_test(settings.notify))
    for delivery in deliveries:
        message(f"sent to {delivery.url}" if delivery.ok else f"failed: {delivery.url}: {delivery.error}")
    failed = sum(1 for d in deliveries if not d.ok)
    if failed:
        message(f"{failed} of {len(deliveries)} notification URLs did not get the test message")
        raise typer.Exit(int(ExitCode.NETWORK))
