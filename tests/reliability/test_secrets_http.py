"""A server that echoes the Authorization header (or the app password) back, in every place an answer can carry
it, never gets the secret into an error message, its repr or a traceback. The simulator does not echo, so
these run against httpx's MockTransport."""

from __future__ import annotations

import traceback

import httpx
import orjson
import pytest

from followtui.models import Profile
from followtui.providers.bluesky import BlueskyProvider
from followtui.providers.http import HttpClient, RetryPolicy

TOKEN = "ghp_EchoedBackSentinel0123456789abcdefXYZ"
PASSWORD = "echo-k7qz-m2vw-p9rt"
FAST = RetryPolicy(attempts=2, base_delay_s=0, max_delay_s=0)


def no_piece_of(secret: str, text: str, piece: int = 8) -> None:
    """Not the secret, nor any run of `piece` of its characters (a cut-off end of it is still a leak)."""
    for start in range(len(secret) - piece + 1):
        assert secret[start : start + piece] not in text, (secret[start : start + piece], text)


def everything_about(exc: BaseException) -> str:
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


def echo(template: str, status: int, *, json_key: str | None = "message", headers: dict[str, str] | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        said = template.format(auth=request.headers.get("authorization", ""))
        body = orjson.dumps({json_key: said}) if json_key else said.encode()
        extra = {k: v.format(auth=request.headers.get("authorization", "")) for k, v in (headers or {}).items()}
        return httpx.Response(status, content=body, headers=extra)

    return handler


LONG = "x" * 280  # the message is cut at 300 characters: the secret straddles the cut
CASES = {
    "401 message": ("Bad credentials: {auth}", 401, "message", None),
    "403 message": ("forbidden for {auth}", 403, "message", None),
    "404 message": ("nothing here for {auth}", 404, "message", None),
    "422 error_description": ("invalid token {auth}", 422, "error_description", None),
    "400 error": ("{auth} is not allowed", 400, "error", None),
    "401 cut at 300 characters": (LONG + " {auth}", 401, "message", None),
    "422 cut at 300 characters": (LONG + "{auth}", 422, "message", None),
    "plain-text body": ("Authorization: {auth}", 400, None, None),
    "plain-text body cut": (LONG + "{auth}", 400, None, None),
    "500s until retries run out": ("{auth}", 500, "message", None),
    "rate limit": ("API rate limit exceeded for {auth}", 429, "message", {"retry-after": "3600"}),
    "redirect Location": ("", 302, None, {"location": "https://elsewhere.test/login?echo={auth}"}),
    "redirect Location cut": ("", 301, None, {"location": "https://elsewhere.test/" + "a" * 170 + "{auth}"}),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
async def test_an_echoed_token_never_reaches_an_error(case):
    template, status, key, headers = CASES[case]
    client = httpx.AsyncClient(transport=httpx.MockTransport(echo(template, status, json_key=key, headers=headers)))
    http = HttpClient("https://api.example.test", platform_name="GitHub",
                      headers={"Authorization": f"Bearer {TOKEN}"}, secrets=(TOKEN,), retry=FAST, client=client,
                      max_wait_s=1)  # fmt: skip
    with pytest.raises(Exception) as info:
        await http.get_json("/user")
    await client.aclose()
    no_piece_of(TOKEN, everything_about(info.value))
    no_piece_of(TOKEN, repr(http))


@pytest.mark.parametrize("detail", ["bad {auth} and {password}", LONG + "{password}", LONG[:270] + " {auth}"])
async def test_an_echoed_app_password_or_session_never_reaches_a_bluesky_error(detail):
    access = "eyJhbGciOi.EchoedAccessJwtSentinel.sig"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("createSession"):
            tokens = {"accessJwt": access, "refreshJwt": "eyJhbGciOi.EchoedRefreshJwtSentinel.sig"}
            return httpx.Response(200, json={"did": "did:plc:me", "handle": "me.test", **tokens})
        said = detail.format(auth=request.headers.get("authorization", ""), password=PASSWORD)
        return httpx.Response(400, json={"error": "InvalidRequest", "message": said})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    bluesky = BlueskyProvider("https://bsky.example.test", PASSWORD, identifier="me.test", client=client, retry=FAST)
    with pytest.raises(Exception) as info:
        await bluesky.follow(Profile(id="did:plc:alice", handle="alice.test"))
    await client.aclose()
    text = everything_about(info.value)
    no_piece_of(PASSWORD, text)
    no_piece_of(access, text)
    assert "Sentinel" not in text


async def test_a_wrong_app_password_echoed_by_the_sign_in_never_reaches_the_error():
    def handler(request: httpx.Request) -> httpx.Response:
        sent = orjson.loads(request.content)["password"]
        return httpx.Response(401, json={"error": "AuthenticationRequired", "message": LONG + sent})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    bluesky = BlueskyProvider("https://bsky.example.test", PASSWORD, identifier="me.test", client=client, retry=FAST)
    with pytest.raises(Exception) as info:
        await bluesky.follow(Profile(id="did:plc:alice", handle="alice.test"))
    await client.aclose()
    no_piece_of(PASSWORD, everything_about(info.value))
