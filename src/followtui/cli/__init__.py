"""The `followtui` command. Headless commands never import Textual (nor httpx until they talk to a server)."""

from __future__ import annotations

import typer

from followtui import __version__
from followtui.cli import (
    accounts,
    actions_cmd,
    annotate,
    backup_cmd,
    changes_cmd,
    demo,
    import_cmd,
    notify_cmd,
    policy_cmd,
    serve_cmd,
    show,
    stats_cmd,
    sync_cmd,
    watch_cmd,
)
from followtui.cli.context import STATE, handle_errors, quiet_closed_stdout, usage_exit
from followtui.core.paths import ENV_DATA_DIR

app = typer.Typer(
    name="followtui",
    help="Who follows you, who you follow, who left, and whom to follow back.",
    invoke_without_command=True,
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
app.add_typer(accounts.app, name="account")
app.add_typer(import_cmd.app, name="import")
app.add_typer(policy_cmd.app, name="policy")
app.command("demo")(demo.demo)
app.command("sync")(sync_cmd.sync)
app.command("show")(show.show)
app.command("history")(show.history)
app.command("changes")(changes_cmd.changes)
app.command("stats")(stats_cmd.stats)
app.command("tag")(annotate.tag)
app.command("untag")(annotate.untag)
app.command("note")(annotate.note)
app.command("keep")(annotate.keep)
app.command("follow")(actions_cmd.follow)
app.command("unfollow")(actions_cmd.unfollow)
app.command("undo")(actions_cmd.undo)
app.command("notify")(notify_cmd.notify)
app.command("serve")(serve_cmd.serve)
app.command("backup")(backup_cmd.backup)
app.command("watch")(watch_cmd.watch)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"followtui {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    data_dir: str = typer.Option(
        None,
        "--data-dir",
        metavar="PATH",
        help=f"where followtui keeps its data (env {ENV_DATA_DIR}; default: your user data dir)",
    ),
    theme: str = typer.Option(None, "--theme", help="colour theme for the terminal UI (remembered)"),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="print the version"),
) -> None:
    if data_dir is not None and not data_dir.strip():
        usage_exit("--data-dir needs a path (it was empty)")
    STATE.data_dir_option = data_dir
    STATE.theme = theme
    if ctx.invoked_subcommand is None:
        from followtui.cli.tui import open_main_tui

        handle_errors(open_main_tui)(theme)


def hoist_global_options(argv: list[str]) -> list[str]:
    """Let `--data-dir` stand anywhere on the line, as users expect of a global option."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg == "--data-dir" and i + 1 < len(argv):
            front += argv[i : i + 2]
            i += 2
            continue
        if arg.startswith("--data-dir="):
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def main() -> None:
    import sys

    from followtui.lifetime import exit_without_waiting_for_stuck_threads

    try:
        app(args=hoist_global_options(sys.argv[1:]), prog_name="followtui")
    except SystemExit as done:
        _flush_or_quiet(done)
        exit_without_waiting_for_stuck_threads(done.code if isinstance(done.code, int) else 1)
        raise
    _flush_or_quiet(SystemExit(0))
    exit_without_waiting_for_stuck_threads(0)


def _flush_or_quiet(done: SystemExit) -> None:
    """Flush stdout now, while a closed pipe can still be told apart: a reader that stopped early (`| head`)
    ends the command quietly with 0, instead of a complaint from the interpreter's final flush."""
    import sys

    try:
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_closed_stdout()
        done.code = 0
    except (OSError, ValueError):
        pass
