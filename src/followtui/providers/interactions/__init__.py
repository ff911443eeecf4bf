"""Reading who engaged with your posts or repositories, per platform, within a request budget.

Each provider's `interactions(account, since, budget)` delegates here: `bluesky`, `mastodon` and `github` know
their platform's endpoints and shapes, `_common` the budget, the order requests go out in, and the collection
of what came back (deduplicated, your own acts left out). Values from the network are cleaned with the
provider's own helpers; a malformed item is skipped (a missed like costs nothing, unlike a missed follower),
a malformed answer is an ApiError as everywhere else, and a post or repository that vanished is skipped.
"""
