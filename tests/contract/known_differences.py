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
    KnownDifference(
        "legacy-runs-merge",
        "AgentOS merges the legacy 2.x `runs` column with agno_runs; ours reads agno_runs only",
        (200,),
        lambda o: o.status in (200, 404) and _json_answer(o),
        "200 (runs from agno_runs only) or 404 for a run that exists only in the legacy column",
        discovered=True,
    ),
    KnownDifference(
        "legacy-runs-only",
        "as legacy-runs-merge, for a session whose runs exist only in the legacy column",
        (200,),
        lambda o: o.status in (200, 404) and _json_answer(o),
        "200 with no legacy runs, or 404 'has no runs'",
        discovered=True,
    ),
]

KNOWN_BY_STEP: Dict[str, KnownDifference] = {k.step: k for k in KNOWN_DIFFERENCES}
assert len(KNOWN_BY_STEP) == len(KNOWN_DIFFERENCES), "one entry per step"
