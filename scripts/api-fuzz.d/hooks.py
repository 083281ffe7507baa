"""Schemathesis hooks for OGate's API (scripts/api-fuzz)."""

import schemathesis

# The feed long-polls for up to `wait_ms` (at most 60,000) when it has no task, and the fuzzed
# gateway has none: a valid wait is cut to this, so that the run is spent on inputs, not on
# waiting. An invalid value (negative, too large, not a number) is sent as generated.
LONGEST_WAIT_MS = 200


@schemathesis.hook
def before_call(context, case, kwargs):
    query = case.query or {}
    wait = query.get("wait_ms")
    if isinstance(wait, bool):
        return
    try:
        wait_ms = int(str(wait))
    except ValueError:
        return
    if str(wait_ms) == str(wait) and LONGEST_WAIT_MS < wait_ms <= 60_000:
        query["wait_ms"] = LONGEST_WAIT_MS
