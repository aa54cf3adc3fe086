"""Known, intentional differences between AgentOS 3.1.10 and our service — the ONE list of them.

Each entry names a step (``steps.py``), optionally one request of it, why the answers may differ,
what AgentOS is observed to answer (asserted, so an entry goes stale loudly if agno changes), and
what OUR answer must be instead.  For these requests equality is not required; the predicate on our
answer is.  The database state after such a step is not compared (AgentOS failed, so it did not
write; we may have).

Policy (from the brief): where AgentOS answers 5xx because of a bug, ours answers a clean 4xx or
the correct 200.  Where AgentOS answers 5xx because the *stored* data is invalid, ours may answer
200 or a clean 5xx, but never a crash (an HTML/non-JSON body or a dropped connection).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .compare import Observed


def _is_detail(obs: Observed) -> bool:
    return obs.is_json and isinstance(obs.body, dict) and list(obs.body) == ["detail"]


def _json_answer(obs: Observed) -> bool:
    return obs.is_json and (obs.status < 400 or _is_detail(obs))


def clean_4xx(obs: Observed) -> bool:
    return 400 <= obs.status < 500 and obs.status != 404 and _is_detail(obs)


def clean_4xx_or_404(obs: Observed) -> bool:
    return 400 <= obs.status < 500 and _is_detail(obs)


def clean_4xx_or_200(check_200: Callable[[Observed], bool]) -> Callable[[Observed], bool]:
    return lambda obs: clean_4xx(obs) or (obs.status == 200 and obs.is_json and check_200(obs))


def renamed_to(name: str) -> Callable[[Observed], bool]:
    return lambda obs: isinstance(obs.body, dict) and obs.body.get("session_name") == name


def first_page(obs: Observed) -> bool:
    body = obs.body
    return isinstance(body, dict) and isinstance(body.get("data"), list) and isinstance(body.get("meta"), dict)


def session_with(**expected: object) -> Callable[[Observed], bool]:
    """200 with a session body whose fields have these values (``chat_ids``: the ids of
    ``chat_history``, in order)."""

    def check(obs: Observed) -> bool:
        body = obs.body
        if not (obs.status == 200 and obs.is_json and isinstance(body, dict)):
            return False
        for key, value in expected.items():
            if key == "chat_ids":
                chat = body.get("chat_history")
                if not isinstance(chat, list) or [m.get("id") if isinstance(m, dict) else m for m in chat] != value:
                    return False
            elif key not in body or body[key] != value:
                return False
        return True

    return check


def ok_or_clean_5xx(obs: Observed) -> bool:
    return obs.status == 200 and obs.is_json or (500 <= obs.status < 600 and _is_detail(obs))


@dataclass(frozen=True)
class KnownDifference:
    step: str
    reason: str
    agentos_status: Tuple[int, ...]
    ours: Callable[[Observed], bool]
    ours_expected: str
    request: Optional[int] = None  # None: every request of the step
    discovered: bool = False  # True: found by running the suite (not from the contract document)

    def check(self, agentos: Sequence[Observed], ours: Sequence[Observed]) -> List[str]:
        problems: List[str] = []
        indices = range(len(agentos)) if self.request is None else [self.request]
        for i in indices:
            a, b = agentos[i], ours[i]
            if a.status not in self.agentos_status:
                problems.append(
                    f"request {i}: AgentOS answered {a.short(200)}, the entry expects {self.agentos_status}: "
                    "stale known difference?"
                )
            if not self.ours(b):
                problems.append(f"request {i}: ours answered {b.short(300)}; expected {self.ours_expected}")
        return problems


KNOWN_DIFFERENCES: List[KnownDifference] = [
    # ---- AgentOS bugs: ours answers a clean 4xx or the correct 200 ----------------------------
    KnownDifference(
        "media-no-key",
        "an empty storage key: the trailing-slash middleware strips the slash, Starlette redirects back to it"
        " (307, Location with the slash): a redirect loop",
        (307,),
        lambda obs: obs.status == 404 and _is_detail(obs),
        "404 {detail: Not Found}: no route without a storage key",
        discovered=True,
    ),
    KnownDifference(
        "media-no-key-no-slash",
        "as media-no-key: 307 to the path with a slash, which redirects back (a loop)",
        (307,),
        lambda obs: obs.status == 404 and _is_detail(obs),
        "404 {detail: Not Found}",
        discovered=True,
    ),
    KnownDifference(
        "list-page-zero",
        "page=0 passes AgentOS's validation (ge=0) and then fails: 500 Internal server error (ValueError)",
        (500,),
        clean_4xx_or_200(first_page),
        "a clean 4xx {detail} (e.g. 422 greater_than_equal) or 200 with a page",
    ),
    KnownDifference(
        "list-limit-beyond-bigint",
        "limit > 2^63-1 passes validation and PostgreSQL rejects it: 500 (DataError bigint out of range)",
        (500,),
        clean_4xx_or_200(first_page),
        "a clean 4xx {detail} or 200 with a page",
    ),
    KnownDifference(
        "list-int-digits-4300",
        "a 4300-digit limit passes pydantic and PostgreSQL rejects it: 500 (DataError), as list-limit-beyond-bigint",
        (500,),
        clean_4xx_or_200(first_page),
        "a clean 4xx {detail} (422 less_than_equal)",
        discovered=True,
    ),
    *[
        KnownDifference(
            f"list-sort-attribute-{name}",
            "sort_by names an attribute of SQLAlchemy's column collection, not a column: 500 (AttributeError)",
            (500,),
            lambda obs: obs.status == 200 and first_page(obs),
            "200, the page unsorted, as for any other unknown sort_by",
            discovered=True,
        )
        # steps.SORT_BY_ATTRIBUTES that AgentOS crashes on (its `c` and `index` sort as unknown names).
        for name in ("compare", "keys", "items", "get", "class", "values", "init")
    ],
    KnownDifference(
        "list-page-beyond-bigint",
        "page > 2^63-1 passes validation and PostgreSQL rejects the OFFSET: 500 (DataError)",
        (500,),
        clean_4xx_or_200(first_page),
        "a clean 4xx {detail} or 200 with an empty page",
    ),
    KnownDifference(
        "list-offset-beyond-bigint",
        "OFFSET (page-1)*limit beyond 2^63-1: PostgreSQL rejects it, 500 (DataError)",
        (500,),
        clean_4xx_or_200(first_page),
        "a clean 4xx {detail} or 200 with an empty page",
    ),
    KnownDifference(
        "list-parse-page-minus-zero",
        "page=-0 is page 0: AgentOS 500 (ValueError), as list-page-zero",
        (500,),
        clean_4xx_or_200(first_page),
        "a clean 4xx {detail} or 200 with a page",
        discovered=True,
    ),
    KnownDifference(
        "list-parse-name-null-byte",
        "a NUL byte in session_name reaches PostgreSQL, which rejects it: 500 (DataError)",
        (500,),
        clean_4xx_or_200(first_page),
        "a clean 4xx {detail} or 200 (no stored name can contain NUL: empty page)",
        discovered=True,
    ),
    KnownDifference(
        "list-parse-user-null-byte",
        "a NUL byte in user_id reaches PostgreSQL: 500 (DataError)",
        (500,),
        clean_4xx_or_200(first_page),
        "a clean 4xx {detail} or 200 with an empty page",
        discovered=True,
    ),
    KnownDifference(
        "detail-null-byte-id",
        "a NUL byte in the session id reaches PostgreSQL: 500 (DataError)",
        (500,),
        clean_4xx_or_404,
        "a clean 4xx {detail}, e.g. 404 Session with id ... not found",
        discovered=True,
    ),
    KnownDifference(
        "runs-null-byte-user",
        "a NUL byte in user_id reaches PostgreSQL: 500 (DataError)",
        (500,),
        clean_4xx_or_404,
        "a clean 4xx {detail}, e.g. 404 Session with ID ag-full not found",
        discovered=True,
    ),
    KnownDifference(
        "rename-jsonnull",
        "rename of a session whose session_data is JSON null: PostgreSQL 'cannot set path in scalar' -> 500 (DataError)",
        (500,),
        clean_4xx_or_200(renamed_to("fixed")),
        "200 with session_name 'fixed' (or a clean 4xx)",
    ),
    KnownDifference(
        "rename-jsonnull-team",
        "same upstream bug as rename-jsonnull, for a team session",
        (500,),
        clean_4xx_or_200(renamed_to("fixed")),
        "200 with session_name 'fixed' (or a clean 4xx)",
    ),
    KnownDifference(
        "patch-summary-unknown-key",
        "PATCH summary with a key other than summary/topics/updated_at: SessionSummary(**data) -> 500 (TypeError)",
        (500,),
        clean_4xx_or_200(lambda o: True),
        "a clean 4xx {detail} (e.g. 422) or 200",
    ),
    KnownDifference(
        "patch-summary-missing-summary",
        "PATCH summary without the required 'summary' key: SessionSummary(**data) -> 500 (TypeError)",
        (500,),
        clean_4xx_or_200(lambda o: True),
        "a clean 4xx {detail} (e.g. 422) or 200",
    ),
    # ---- invalid stored data: AgentOS 500s; ours may serve it or fail cleanly ----------------
    KnownDifference(
        "stored-session-name-int",
        "stored non-string session_name fails AgentOS's response model: 500 (ValidationError)",
        (500,),
        ok_or_clean_5xx,
        "200, or a clean 5xx with a {detail} body",
    ),
    KnownDifference(
        "stored-session-name-int-list",
        "as stored-session-name-int, in the list endpoint (the whole page fails)",
        (500,),
        ok_or_clean_5xx,
        "200, or a clean 5xx with a {detail} body",
    ),
    KnownDifference(
        "stored-content-list",
        "a run whose content is a list fails RunSchema: 500 (ValidationError)",
        (500,),
        ok_or_clean_5xx,
        "200, or a clean 5xx with a {detail} body",
    ),
    KnownDifference(
        "stored-summary-unknown-key",
        "a stored summary with an unknown key fails SessionSummary(**data): 500 (TypeError)",
        (500,),
        ok_or_clean_5xx,
        "200, or a clean 5xx with a {detail} body",
    ),
    # ---- discovered by running the suite; intentional per docs/compatibility.md -------------
    KnownDifference(
        "rename-sqlnull",
        "rename of a session whose session_data is SQL NULL: AgentOS answers 200 but jsonb_set(NULL) "
        "drops the name (session_name stays derived); ours sets the name",
        (200,),
        lambda o: o.status == 200 and renamed_to("lost")(o),
        "200 with session_name 'lost' (the rename applied)",
        discovered=True,
    ),
]

# ---- large limit/page values (steps list-big-*) --------------------------------------------
for _step, _query in [
    ("list-big-limit-2p63", "limit=2^63"),
    ("list-big-limit-2p64", "limit=2^64"),
    ("list-big-limit-2p63-filtered", "limit=2^63 with type/user_id filters"),
]:
    KNOWN_DIFFERENCES.append(KnownDifference(
        _step,
        f"{_query} passes AgentOS's validation and PostgreSQL rejects the LIMIT: 500 (DataError bigint out of "
        "range). Correct: a clean 422 (limit <= 2^63-1), or 200 with the first page",
        (500,),
        clean_4xx_or_200(first_page),
        "a clean 4xx {detail} or 200 with a page",
        discovered=True,
    ))
KNOWN_DIFFERENCES.append(KnownDifference(
    "list-big-page-2p63-minus-1-limit-2",
    "page=2^63-1&limit=2: OFFSET (page-1)*limit is beyond bigint, PostgreSQL rejects it: 500 (DataError). "
    "Correct: 200 with an empty page and the true totals (the page is past the end), or a clean 4xx",
    (500,),
    clean_4xx_or_200(first_page),
    "200 with an empty page (or a clean 4xx {detail})",
    discovered=True,
))

# ---- a session whose runs were deleted, session_data SQL NULL (as rename-sqlnull) ------------
KNOWN_DIFFERENCES.append(KnownDifference(
    "runs-deleted-ag-sqlnull-write",
    "rename of a session whose session_data is SQL NULL (here without runs): AgentOS answers 200 but "
    "jsonb_set(NULL) drops the name, so the rename, the PATCH after it and the read-back all show ''; "
    "ours sets the name (docs/compatibility.md)",
    (200,),
    renamed_to("Renamed"),
    "200 with session_name 'Renamed' on every request",
    discovered=True,
))

# ---- runs whose stored input is a plain string (steps input-str-*) ---------------------------
# AgentOS rebuilds the whole session through AgentSession/TeamSession.from_dict for detail, rename
# and PATCH; RunInput.from_dict / TeamRunInput.from_dict then call .get() on the string:
# 500 (AttributeError). The list, runs, run-previews and single-run endpoints do not, and answer
# 200 (compared as equal). The correct answer is the 200 agno gives for the same session with the
# input wrapped in {"input_content": ...}: the same body, and, where the name is derived from the
# input, that string itself (agno's stringify_input_content(str) is the string).
_FULL_STATE = {"city": "Lisbon", "nested": {"b": 1, "a": [1, 2]}}
_FULL_CHAT = ["m-af-2", "m-af-3", "m-af-5", "m-af-7", "m-af-8", "m-af-9"]
_PLAIN_INPUT = {
    # label: (session_id, derived or stored name, chat_history ids, session_state before the patch)
    "agent-nomsg": ("ag-pretty", "plain string é", [], None),
    "agent-msgs": ("ag-derived", "What is the weather?", ["m-dv-2", "m-dv-3"], {"step": 1}),
    "agent-named": ("ag-full", "Trip planning", _FULL_CHAT, _FULL_STATE),
    "team-nomsg": ("tm-pretty", "Research X", [], None),
    "team-run": ("tm-full", "Research quantum computing", ["m-tf-2", "m-tf-3"], None),
    "team-member": ("tm-full", "Research quantum computing", ["m-tf-2", "m-tf-3"], None),
}
for _label, (_sid, _name, _chat, _state) in _PLAIN_INPUT.items():
    _prefix = f"input-str-{_label}"
    _crash = "500 (AttributeError: RunInput.from_dict on a str)"
    for _suffix, _what in (("detail", "GET detail"), ("detail-typed", "GET detail with type")):
        KNOWN_DIFFERENCES.append(KnownDifference(
            f"{_prefix}-{_suffix}",
            f"{_what} of {_sid}, one of whose runs has a plain-string input: {_crash}. Correct: 200 with "
            f"session_name {_name!r} and the usual chat_history",
            (500,),
            clean_4xx_or_200(session_with(session_id=_sid, session_name=_name, chat_ids=_chat)),
            f"200 with session_name {_name!r}, chat_history ids {_chat} (or a clean 4xx)",
            discovered=True,
        ))
    _rename_crash = (
        "500 (DataError: the JSON-null session_data rename bug, as rename-jsonnull; with it fixed the "
        "plain-string input would still fail as AttributeError)"
        if _sid in ("ag-pretty", "tm-pretty") else _crash
    )
    KNOWN_DIFFERENCES.append(KnownDifference(
        f"{_prefix}-rename",
        f"rename of {_sid}, one of whose runs has a plain-string input: {_rename_crash}. Correct: 200, renamed",
        (500,),
        clean_4xx_or_200(session_with(session_id=_sid, session_name="Renamed", chat_ids=_chat)),
        "200 with session_name 'Renamed' (or a clean 4xx)",
        discovered=True,
    ))
    KNOWN_DIFFERENCES.append(KnownDifference(
        f"{_prefix}-patch",
        f"PATCH session_state of {_sid}, one of whose runs has a plain-string input: {_crash}. "
        "Correct: 200 with the new state",
        (500,),
        clean_4xx_or_200(session_with(session_id=_sid, session_name=_name, session_state={"p": 1}, chat_ids=_chat)),
        "200 with session_state {'p': 1} (or a clean 4xx)",
        discovered=True,
    ))
    KNOWN_DIFFERENCES.append(KnownDifference(
        f"{_prefix}-patch-empty",
        f"PATCH {{}} of {_sid}, one of whose runs has a plain-string input: {_crash}. Correct: 200, "
        "nothing but updated_at changed",
        (500,),
        clean_4xx_or_200(session_with(session_id=_sid, session_name=_name, session_state=_state, chat_ids=_chat)),
        f"200 with session_state {_state} unchanged (or a clean 4xx)",
        discovered=True,
    ))

KNOWN_BY_STEP: Dict[str, KnownDifference] = {k.step: k for k in KNOWN_DIFFERENCES}
assert len(KNOWN_BY_STEP) == len(KNOWN_DIFFERENCES), "one entry per step"
