"""The layer walls hold at run time: headless code never loads Textual, `--help` loads neither Textual nor httpx,
and the simulator and the models load nothing of ours. The same walls are import-linter contracts in
pyproject.toml ([tool.importlinter], run by `make test`), which also see imports made inside functions."""

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


def _ours(loaded: set[str], *, but: str) -> set[str]:
    """Modules of followtui loaded, other than the package itself and `but` (with its submodules)."""
    return {m for m in loaded if m.startswith("followtui.") and m != but and not m.startswith(but + ".")}


def test_simulator_shares_no_code_with_the_app():
    loaded = _modules_after("import followtui.simulator, followtui.simulator.server")
    assert not _ours(loaded, but="followtui.simulator")


def test_models_load_nothing_of_ours():
    loaded = _modules_after("import followtui.models")
    assert not _ours(loaded, but="followtui.models")
