"""The layer walls hold: headless code never imports Textual, and `--help` imports neither Textual nor httpx."""

import subprocess
import sys

HEADLESS = [
    "followtui.models",
    "followtui.core.store",
    "followtui.core.sync",
    "followtui.core.analysis",
    "followtui.providers",
    "followtui.providers.github",
    "followtui.simulator",
]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_core_and_providers_never_import_textual():
    loaded = _modules_after("\n".join(f"import {m}" for m in HEADLESS))
    assert not {m for m in loaded if m.split(".")[0] == "textual"}


def test_help_imports_neither_textual_nor_httpx():
    code = (
        "import sys\nsys.argv=['followtui','--help']\nfrom followtui.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    loaded = _modules_after(code)
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "httpx")}


def test_simulator_shares_no_code_with_providers():
    loaded = _modules_after("import followtui.simulator, followtui.simulator.server")
    assert not {m for m in loaded if m.startswith(("followtui.providers", "followtui.core"))}
