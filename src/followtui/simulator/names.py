"""Generated handles, display names and bios for simulated accounts.

Variety is the point: real follower lists hold empty and very long bios, emoji, CJK and right-to-left names,
bots, promo accounts and (with `hostile`) text built to break a terminal UI. Everything is drawn from a
`random.Random` the caller seeds, so a world is the same on every run.
"""

from __future__ import annotations

import random


def _words(text: str) -> list[str]:
    return text.split()


_FIRST = _words(
    "alex ana ben carla chen dana eli emma felix gina hana ivan jade jon kai kim lars lea luca maya mei "
    "nico nina omar otto pia raj rosa sam sara tao tom uma vera wei yara yuki zoe ahmed priya diego "
    "ingrid kofi lena mateo noor olga pablo quinn ravi sofia tariq ugo viktor wanda xiao yusuf zara"
)
_WORD = _words(
    "code dev hack byte bit pixel cloud data rust py go node stack loop func lambda vector kernel shell "
    "cat fox owl bear wolf panda otter moth crab frog tiger koala lynx raven moon star sun nova orbit "
    "neon echo zen flux spark quark ember frost storm river forest stone iron ninja wizard pilot maker"
)
_LAST = _words(
    "smith garcia muller rossi dubois novak kowalski jensen silva tanaka kim nguyen patel okafor "
    "andersen schmidt ivanova costa haddad cohen larsen moreau kaya lopez wright fischer"
)
_CJK = ("张伟", "王芳", "李娜", "山田太郎", "佐藤花子", "김민준", "이서연", "陈静", "鈴木一郎", "박지훈")
_RTL = ("محمد علي", "فاطمة الزهراء", "דוד כהן", "שרה לוי", "علی رضایی", "יעל ברק")
_EMOJI = ("✨", "🦀", "🐍", "🚀", "🌱", "☕", "🎧", "🏳️‍🌈", "👩‍💻", "🇺🇦", "🔥", "🐧")
_TOPICS = _words(
    "python rust go typescript devops kubernetes machine-learning security linux open-source "
    "databases compilers gamedev embedded web accessibility design data-science music photography"
)
_ROLES = ("engineer", "student", "maintainer", "researcher", "SRE", "designer", "hobbyist", "founder")
_CITIES = ("Berlin", "Lagos", "São Paulo", "Tokyo", "Montréal", "Kraków", "Nairobi", "Seoul", "Tel Aviv", "")
_COMPANIES = ("@acme", "Initech", "Globex", "@opensource-collective", "Umbrella Labs", "self-employed", "")
_PROMO = (
    "Follow for follow back! 100% F4F",
    "DM for promo 💰 crypto signals daily",
    "🚀 Grow your GitHub! Free followers: bit.ly/x",
    "Giveaway every week, follow + star to win",
)
_LONG_BIO = (
    "Building things that should not exist yet. Previously at three startups, two of which you have "
    "heard of. Writing about {a}, {b} and the occasional rant about tabs. Opinions mine. He/they. ☕→💻"
)

HOSTILE_SAMPLES = (
    "[/bold]",
    "[@click=app.quit]x[/]",
    "[red]not red[/red]",
    "[link=https://example.invalid]click[/link]",
    "\x1b[31mred\x1b[0m",
    "\x1b[2J\x1b[H",
    "\x1b]8;;https://example.invalid\x1b\\link\x1b]8;;\x1b\\",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b]0;owned\x07",
    "bell\x07 back\x08space",
    "line\rover",
    "nul\x00byte",
    "\u202eevil\u202c",
    "\x9b31m8bit",
    "\x1b]2;owned\x1b\\",  # window title, ended by ST
    "\x1bP+q544e\x1b\\",  # DCS (a terminfo query)
    "\x1b_Gf=100;AAAA\x1b\\",  # APC (kitty graphics)
    "\x9d0;owned\x9c",  # 8-bit OSC
    "\u2066isolate\u2069 \u202dforced\u202c",
    "line\u2028separator\u2029paragraph",
    "Z\u0336\u0334\u0335\u0337\u0338\u0489\u0301\u0302\u0303algo",
    "\u200bzero\u200dwidth\ufeff",
    "👩‍👩‍👧‍👦 🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    "$variable [$accent]themed[/]",
    '=HYPERLINK("https://example.invalid","x")',
    "@SUM(A1:A9)",
    "-1+1",
    "+1",
)


def make_login(rng: random.Random, taken: set[str]) -> str:
    """A GitHub-valid login (letters, digits, single hyphens, at most 39), unique in `taken` (lowercased)."""
    while True:
        style = rng.random()
        if style < 0.35:
            login = f"{rng.choice(_FIRST)}{rng.choice(_WORD)}"
        elif style < 0.6:
            login = f"{rng.choice(_FIRST)}-{rng.choice(_LAST)}"
        elif style < 0.8:
            login = f"{rng.choice(_WORD)}{rng.choice(_WORD).capitalize()}"
        else:
            login = f"{rng.choice(_FIRST).capitalize()}{rng.choice(_LAST).capitalize()}"
        if rng.random() < 0.55 or login.lower() in taken:
            login = f"{login}{rng.randrange(1, 10 ** rng.randint(1, 4))}"
        login = login[:39]
        key = login.lower()
        if key not in taken:
            taken.add(key)
            return login


def make_name(rng: random.Random) -> str | None:
    """A display name: often Latin, sometimes CJK, RTL, emoji-decorated, empty or absent."""
    roll = rng.random()
    if roll < 0.12:
        return None
    if roll < 0.15:
        return ""
    if roll < 0.25:
        return rng.choice(_CJK)
    if roll < 0.32:
        return rng.choice(_RTL)
    name = f"{rng.choice(_FIRST).capitalize()} {rng.choice(_LAST).capitalize()}"
    if roll < 0.42:
        name = f"{name} {rng.choice(_EMOJI)}" if rng.random() < 0.5 else f"{rng.choice(_EMOJI)} {name}"
    return name


def make_bio(rng: random.Random, kind: str) -> str | None:
    """A bio fitting the account's archetype: promo for farmers, none for fresh fakes, long for some."""
    if kind == "farmer" and rng.random() < 0.7:
        return rng.choice(_PROMO)
    if kind == "newbie" and rng.random() < 0.8:
        return None
    roll = rng.random()
    if roll < 0.25:
        return None
    if roll < 0.32:
        return ""
    a, b = rng.sample(_TOPICS, 2)
    if roll < 0.42:
        return _LONG_BIO.format(a=a, b=b)
    if roll < 0.47:
        return rng.choice(_PROMO)
    if roll < 0.52:
        return f"{rng.choice(_CJK)}の{a}エンジニア / {b} 好き"
    return f"{rng.choice(_ROLES).capitalize()} into {a} and {b}."


def hostile(rng: random.Random, text: str | None) -> str:
    """`text` with markup, escape sequences or control characters spliced in."""
    sample = rng.choice(HOSTILE_SAMPLES)
    base = text or "x"
    return f"{sample} {base}" if rng.random() < 0.5 else f"{base}{sample}"


def make_details(rng: random.Random, kind: str, is_hostile: bool) -> dict[str, object]:
    """Profile fields that only full user objects carry (generated lazily, on first request)."""
    name = make_name(rng)
    bio = make_bio(rng, kind)
    location = rng.choice(_CITIES) or None
    if is_hostile:
        name = hostile(rng, name)
        bio = hostile(rng, bio)
        if rng.random() < 0.3:
            location = hostile(rng, location)
    return {
        "name": name,
        "bio": bio,
        "company": rng.choice(_COMPANIES) or None,
        "blog": "" if rng.random() < 0.6 else f"https://{rng.choice(_WORD)}.example.org",
        "location": location,
        "email": None,
        "hireable": None if rng.random() < 0.8 else True,
        "twitter_username": None if rng.random() < 0.85 else f"{rng.choice(_FIRST)}{rng.randrange(100)}",
    }


DAY = 86_400
YEAR = 365 * DAY


def make_profile(rng: random.Random, kind: str, *, hostile: bool, ref: int, born: int | None) -> dict[str, object]:
    """Text fields plus synthetic stats per archetype (times as epoch seconds, all before `ref` or `born`)."""
    created = born if born is not None else ref - rng.randint(60 * DAY, 12 * YEAR)
    last_active = ref - int(rng.expovariate(1 / (20 * DAY)))
    followers = int(rng.lognormvariate(2.5, 1.4))
    following = int(rng.lognormvariate(2.8, 1.2))
    repos = int(rng.lognormvariate(2.3, 1.1))
    if kind == "inactive":
        last_active = ref - rng.randint(200 * DAY, 5 * YEAR)
    elif kind == "elite":  # many followers, follows almost no one
        followers, following, repos = rng.randint(5_000, 500_000), rng.randint(0, 5), rng.randint(20, 300)
    elif kind == "farmer":  # follows 6-60x more than follow it
        following = rng.randint(5_000, 50_000)
        followers = following // rng.randint(6, 60)
    elif kind == "newbie":  # brand-new, empty, following thousands
        if born is None:
            created = ref - rng.randint(DAY, 30 * DAY)
        followers, following, repos = rng.randint(0, 10), rng.randint(1_000, 7_000), 0
    elif kind in ("bot", "org"):
        following = 0
        followers = rng.randint(0, 60) if kind == "bot" else rng.randint(50, 20_000)
    elif kind == "owner":
        created = ref - rng.randint(5 * YEAR, 10 * YEAR)
        last_active = ref - rng.randint(0, DAY)
    if born is not None:
        last_active = max(last_active, born)
    last_active = max(last_active, created)
    profile = make_details(rng, kind, hostile)
    profile.update(
        created_at=created,
        updated_at=max(created, last_active - rng.randint(0, 30 * DAY)),
        last_active_at=last_active,
        followers_count=followers,
        following_count=following,
        public_repos=repos,
        public_gists=rng.randint(0, 3) * (rng.random() < 0.3),
        has_avatar=kind != "newbie" or rng.random() < 0.2,
    )
    return profile
