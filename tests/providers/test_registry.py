"""make_provider: the one way the app gets a provider."""

from __future__ import annotations

import pytest

from followtui.providers import SUPPORTED_PLATFORMS, make_provider
from followtui.providers.github import GitHubProvider, api_base_for


async def test_github_is_made_with_its_options():
    provider = make_provider("GitHub", None, None, per_page=50, concurrency=2)
    try:
        assert isinstance(provider, GitHubProvider)
        assert provider.platform == "github" and provider.per_page == 50
        assert provider.requests_made == 0 and provider.server_time() is None
    finally:
        await provider.aclose()


def test_unknown_platform_names_the_supported_ones():
    with pytest.raises(ValueError, match="unknown platform 'myspace'; supported: github"):
        make_provider("myspace", None, None)
    assert "github" in SUPPORTED_PLATFORMS


@pytest.mark.parametrize(
    ("server", "base"),
    [
        (None, "https://api.github.com"),
        ("", "https://api.github.com"),
        ("github.com", "https://api.github.com"),
        ("https://github.com/", "https://api.github.com"),
        ("https://ghe.example/api/v3/", "https://ghe.example/api/v3"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_server_names_become_api_base_urls(server, base):
    assert api_base_for(server) == base


def test_importing_providers_does_not_import_textual_or_core():
    import subprocess
    import sys

    code = (
        "import sys, followtui.providers, followtui.providers.github;"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'textual' or m.startswith('followtui.core')"
        " or m.startswith('followtui.simulator')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
