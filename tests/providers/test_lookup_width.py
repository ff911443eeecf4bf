"""What `make_provider` adds for the app (issue 14, whole-process speed): profile look-ups use the lists' share of
the pool too, since a sync looks profiles up only once both lists are in; and making a provider leaves httpx's
own command-line client (click, Rich, Pygments) unloaded."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx

from followtui.providers import make_provider
from followtui.providers.github import GitHubProvider

from .conftest import json_response
from .test_github_profiles import full_user


async def test_the_apps_providers_look_profiles_up_twice_as_wide_as_a_list():
    state = {"in_flight": 0, "peak": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        state["in_flight"] += 1
        state["peak"] = max(state["peak"], state["in_flight"])
        await asyncio.sleep(0.002)
        state["in_flight"] -= 1
        return json_response(200, full_user(int(request.url.path.rsplit("/", 1)[1])))

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        github = make_provider("github", None, None, concurrency=3, client=client)
        result = await github.lookup([str(i) for i in range(1, 40)], budget=12)
    assert set(result) == {str(i) for i in range(1, 13)} and github.requests_made == 12
    assert state["peak"] == 6
    assert GitHubProvider(concurrency=3, client=client).lookup_concurrency == 3  # built directly: as asked


def test_making_a_provider_does_not_load_the_httpx_command():
    code = (
        "import sys\nfrom followtui.providers import make_provider\n"
        "make_provider('github', 'http://127.0.0.1:1')\nimport httpx\n"
        "print(' '.join(m for m in ('httpx._main', 'click', 'rich.console', 'pygments') if sys.modules.get(m)))\n"
        "print(callable(httpx.main), httpx.AsyncClient is not None)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["", "True True"]
