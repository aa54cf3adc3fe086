"""JWT steps (contract §1.8–1.10), run by ``test_jwt.py`` against server pairs started in JWT mode.

Two setups, each one AgentOS and one of ours on the same seeded database:

* ``rbac``: RS256 keys from a JWKS file (two keys, by ``kid``: rotation), ``authorization`` on (route
  scopes), user isolation on, the audience and the issuer pinned;
* ``verify``: an HS256 shared secret in ``JWT_VERIFICATION_KEY``, authorization off (tokens are only
  verified), no isolation, and an ``OS_SECURITY_KEY`` that JWT mode must ignore;
* ``asserted``: no auth at all but user isolation on, where the ``user_id`` query value is the caller.

The tests mint every token here: claims, keys and headers are the variable.  Tokens carry times
relative to the moment this module is imported (a run takes minutes; expiries are an hour away).
Step ids: ``jwt-<setup>-<route>-<variant>`` and ``jwt-<setup>-<case>``.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from . import seed as S
from .generated import SEED, generate
from .steps import NO_BODY, Req, Step, with_headers

AUDIENCE = "contract-os"
ISSUER = "https://issuer.contract.test"
SECRET = "contract-hs256-secret-0123456789-0123456789"
SECURITY_KEY = "contract-key-ignored-in-jwt-mode"
ALL_SCOPES = ["sessions:read", "sessions:write", "sessions:delete"]
ADMIN = "agent_os:admin"
NOW = int(time.time())


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


#: k1 and k2 are in the JWKS (kid "k1", "k2"); k3 is nobody's key
K1, K2, K3 = _rsa(), _rsa(), _rsa()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def write_jwks(path: Path) -> Path:
    keys = []
    for kid, key in (("k1", K1), ("k2", K2)):
        entry = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        entry.update(kid=kid, use="sig", alg="RS256")
        keys.append(entry)
    path.write_text(json.dumps({"keys": keys}))
    return path


def claims(user: Optional[str] = S.USER_1, scopes: Any = ALL_SCOPES, **extra: Any) -> Dict[str, Any]:
    """A valid payload for the rbac setup; ``extra`` adds or (value ``...``) removes claims."""
    body: Dict[str, Any] = {"sub": user, "scopes": scopes, "aud": AUDIENCE, "iss": ISSUER, "iat": NOW,
                            "exp": NOW + 3600}
    if user is None:
        del body["sub"]
    if scopes is None:
        del body["scopes"]
    for name, value in extra.items():
        if value is ...:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def rs(payload: Dict[str, Any], key: rsa.RSAPrivateKey = K1, kid: Optional[str] = "k1",
       alg: str = "RS256") -> str:
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid} if kid else None)


def hs(payload: Dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(payload, secret, algorithm="HS256")


def unsigned(payload: Dict[str, Any]) -> str:
    return jwt.encode(payload, None, algorithm="none")


Headers = List[Tuple[str, str]]


def bearer(token: str) -> Headers:
    return [("Authorization", f"Bearer {token}")]


def _fresh_within_leeway() -> Headers:
    """a token that expired 3 s ago, within the 10 s leeway"""
    return bearer(rs(claims(exp=int(time.time()) - 3)))


GOOD = rs(claims())
ADMIN_TOKEN = rs(claims(user="root", scopes=[ADMIN]))
USER_2_TOKEN = rs(claims(user=S.USER_2))

#: (label, headers or a function making them at send time) of the rbac setup: what a token can get
#: wrong, one thing at a time
RBAC_VARIANTS: List[Tuple[str, Any]] = [
    ("good", bearer(GOOD)),
    ("rotated-key", bearer(rs(claims(), key=K2, kid="k2"))),
    ("bearer-lower", [("Authorization", f"bearer {GOOD}")]),
    ("bare-token", [("Authorization", GOOD)]),
    ("none", []),
    ("bearer-empty", [("Authorization", "Bearer ")]),
    ("garbage", bearer("abc")),
    ("three-dots", bearer("a.b.c")),
    ("security-key", bearer(SECURITY_KEY)),
    ("pat", bearer("agno_pat_abc")),
    ("cookie-only", [("Cookie", f"access_token={GOOD}")]),
    ("expired", bearer(rs(claims(exp=NOW - 3600)))),
    ("expired-within-leeway", _fresh_within_leeway),
    ("not-yet-valid", bearer(rs(claims(nbf=NOW + 3600)))),
    ("issued-in-future", bearer(rs(claims(iat=NOW + 3600)))),
    ("exp-not-int", bearer(rs(claims(exp="tomorrow")))),
    ("wrong-signature", bearer(rs(claims(), key=K3, kid="k1"))),
    ("unknown-kid", bearer(rs(claims(), key=K3, kid="k9"))),
    ("no-kid", bearer(rs(claims(), kid=None))),
    ("kid-of-other-key", bearer(rs(claims(), key=K1, kid="k2"))),
    ("hs256", bearer(jwt.encode(claims(), SECRET, algorithm="HS256", headers={"kid": "k1"}))),
    ("alg-none", bearer(unsigned(claims()))),
    ("wrong-audience", bearer(rs(claims(aud="someone-else")))),
    ("audience-list", bearer(rs(claims(aud=["other", AUDIENCE])))),
    ("no-audience", bearer(rs(claims(aud=...)))),
    ("wrong-issuer", bearer(rs(claims(iss="https://evil.test")))),
    ("no-issuer", bearer(rs(claims(iss=...)))),
    ("sub-service-account", bearer(rs(claims(user="sa:robot")))),
    ("sub-scheduler", bearer(rs(claims(user="__scheduler__")))),
    ("sub-oauth", bearer(rs(claims(user="__oauth__:client")))),
    ("sub-not-string", bearer(rs(claims(sub=42)))),
    ("jti-not-string", bearer(rs(claims(jti=7)))),
    ("no-sub", bearer(rs(claims(user=None)))),
    ("empty-sub", bearer(rs(claims(user="")))),
    ("read-only", bearer(rs(claims(scopes=["sessions:read"])))),
    ("write-only", bearer(rs(claims(scopes=["sessions:write"])))),
    ("no-scopes", bearer(rs(claims(scopes=None)))),
    ("scopes-string", bearer(rs(claims(scopes="sessions:read")))),
    ("scopes-spaced", bearer(rs(claims(scopes=" ".join(ALL_SCOPES))))),
    ("scopes-star", bearer(rs(claims(scopes=["sessions:*"])))),
    ("scopes-wildcard-id", bearer(rs(claims(scopes=[s.replace(":", ":*:") for s in ALL_SCOPES])))),
    ("scopes-empty-id", bearer(rs(claims(scopes=[s.replace(":", "::") for s in ALL_SCOPES])))),
    ("scopes-one-id", bearer(rs(claims(scopes=["sessions:ag-full:read"])))),
    ("scopes-upper", bearer(rs(claims(scopes=[s.upper() for s in ALL_SCOPES])))),
    ("scopes-not-strings", bearer(rs(claims(scopes=[1, *ALL_SCOPES])))),
    ("scopes-object", bearer(rs(claims(scopes={"sessions": "read"})))),
    ("scope-claim", bearer(rs(claims(scopes=None, scope=" ".join(ALL_SCOPES))))),
    ("admin", bearer(ADMIN_TOKEN)),
    ("admin-bare", bearer(rs(claims(scopes=["admin"])))),
    ("two-headers-good-first", bearer(GOOD) + bearer("abc")),
    # identity providers' tokens with many group claims pass 8 KiB
    ("large-token", bearer(rs(claims(groups=[f"group-{n:05d}" for n in range(500)])))),
    ("two-headers-bad-first", bearer("abc") + bearer(GOOD)),
]
SHORT = ("good", "none", "read-only", "no-sub", "admin", "expired", "scopes-not-strings")


def _req(method: str, path: Any, body: Any = NO_BODY) -> Req:
    return Req(method, path, json=body)


@dataclass
class Table:
    """One setup's steps: a route table crossed with credential variants, plus scripted cases."""

    setup: str
    variants: List[Tuple[str, Any]]
    reader: Headers  # the credential read-backs are sent with (sees every user's sessions)
    steps: List[Step] = field(default_factory=list)

    def routes(self, routes: Sequence[Tuple[str, Req, List[Req], Optional[Sequence[str]]]]) -> None:
        variants = dict(self.variants)
        for route, template, reads, names in routes:
            for name in names or [label for label, _ in self.variants]:
                requests = [with_headers(template, variants[name])] + [with_headers(r, self.reader) for r in reads]
                self.steps.append(Step(f"jwt-{self.setup}-{route}-{name}",
                                       f"{template.method} {template.path} with {name}", requests))

    def case(self, case: str, description: str, *requests: Tuple[Headers, Req]) -> None:
        self.steps.append(Step(f"jwt-{self.setup}-{case}", description,
                               [with_headers(req, headers) for headers, req in requests]))


def _rbac() -> Table:
    t = Table("rbac", RBAC_VARIANTS, reader=bearer(ADMIN_TOKEN))
    create = _req("POST", "/sessions", {"session_id": "jwt-new", "session_name": "J", "user_id": S.USER_2})
    t.routes([
        ("list", _req("GET", "/sessions?limit=3"), [], None),
        ("detail", _req("GET", f"/sessions/{S.AGENT_FULL}"), [], None),
        ("create", create, [_req("GET", "/sessions/jwt-new")], None),
        ("unknown-path", _req("GET", "/nope"), [], SHORT),
        ("health", _req("GET", "/health"), [], ("none", "garbage")),
        ("runs", _req("GET", f"/sessions/{S.TEAM_FULL}/runs"), [], SHORT),
        ("run-previews", _req("GET", f"/sessions/{S.AGENT_FULL}/run-previews"), [], SHORT),
        ("run", _req("GET", f"/sessions/{S.AGENT_FULL}/runs/run-af-1"), [], SHORT),
        ("media", _req("GET", f"/sessions/{S.AGENT_FULL}/media/a/b.png"), [], SHORT),
        ("rename", _req("POST", f"/sessions/{S.TEAM_NAMED}/rename", {"session_name": "R"}),
         [_req("GET", f"/sessions/{S.TEAM_NAMED}")], SHORT + ("write-only",)),
        ("patch", _req("PATCH", f"/sessions/{S.TEAM_NAMED}", {"session_state": {"x": 1}}),
         [_req("GET", f"/sessions/{S.TEAM_NAMED}")], SHORT + ("write-only",)),
        ("delete", _req("DELETE", f"/sessions/{S.WF_EMPTY}"), [_req("GET", f"/sessions/{S.WF_EMPTY}")],
         SHORT + ("write-only",)),
        ("delete-many", _req("DELETE", "/sessions", {"session_ids": [S.WF_EMPTY], "session_types": ["workflow"]}),
         [_req("GET", f"/sessions/{S.WF_EMPTY}")], SHORT),
        ("head-list", _req("HEAD", "/sessions"), [], ("none", "no-scopes", "good")),
        ("put-sessions", _req("PUT", "/sessions"), [], ("none", "no-scopes", "good")),
        ("post-detail", _req("POST", f"/sessions/{S.AGENT_FULL}"), [], ("no-scopes", "good")),
        ("options", _req("OPTIONS", "/sessions"), [], ("none",)),
        ("list-trailing-slash", _req("GET", "/sessions//"), [], ("read-only", "write-only")),
        ("rename-trailing-slash", _req("POST", f"/sessions/{S.TEAM_NAMED}/rename/", {"session_name": "R"}),
         [], ("read-only", "write-only")),
    ])
    me, other, admin, nosub = bearer(GOOD), bearer(USER_2_TOKEN), bearer(ADMIN_TOKEN), bearer(rs(claims(user=None)))
    empty = bearer(rs(claims(user="")))
    # user isolation: user-1 against user-2's sessions, and the admin that sees everyone's
    t.case("iso-list", "user-1's list holds only user-1's sessions", (me, _req("GET", "/sessions?limit=50")))
    t.case("iso-list-other-filter", "user_id=user-2 does not widen user-1's list",
           (me, _req("GET", f"/sessions?user_id={S.USER_2}&limit=50")))
    t.case("iso-list-user-2", "user-2's list", (other, _req("GET", "/sessions?limit=50&type=team")))
    t.case("iso-detail-other", "user-1 reads user-2's session", (me, _req("GET", f"/sessions/{S.AGENT_SDK}")))
    t.case("iso-detail-other-typed", "user-1 reads user-2's session with a type",
           (me, _req("GET", f"/sessions/{S.AGENT_SDK}?type=agent")))
    t.case("iso-detail-unowned", "user-1 reads a session whose user_id is ''",
           (me, _req("GET", f"/sessions/{S.AGENT_UNICODE}")))
    t.case("iso-detail-own-user-filter", "user-1 reads its own session naming user-2",
           (me, _req("GET", f"/sessions/{S.AGENT_FULL}?user_id={S.USER_2}")))
    t.case("iso-runs-other", "user-1 reads user-2's runs", (me, _req("GET", f"/sessions/{S.TEAM_PRETTY}/runs")))
    t.case("iso-previews-other", "user-1 reads user-2's run previews",
           (me, _req("GET", f"/sessions/{S.WF_OBJ}/run-previews")))
    t.case("iso-run-other", "user-1 reads one of user-2's runs",
           (me, _req("GET", f"/sessions/{S.AGENT_SDK}/runs/run-sdk-1")))
    t.case("iso-rename-other", "user-1 renames user-2's session",
           (me, _req("POST", f"/sessions/{S.WF_OBJ}/rename", {"session_name": "taken"})),
           (admin, _req("GET", f"/sessions/{S.WF_OBJ}")))
    t.case("iso-patch-other", "user-1 patches user-2's session",
           (me, _req("PATCH", f"/sessions/{S.AGENT_SDK}", {"session_state": {"stolen": True}})),
           (admin, _req("GET", f"/sessions/{S.AGENT_SDK}")))
    t.case("iso-patch-own", "user-1 patches its own session naming user-2",
           (me, _req("PATCH", f"/sessions/{S.TEAM_NAMED}?user_id={S.USER_2}", {"session_name": "mine"})))
    t.case("iso-delete-other", "user-1 deletes user-2's session: 204, still there",
           (me, _req("DELETE", f"/sessions/{S.WF_OBJ}")), (admin, _req("GET", f"/sessions/{S.WF_OBJ}")))
    t.case("iso-delete-many-mixed", "user-1 bulk-deletes its own and user-2's sessions",
           (me, _req("DELETE", "/sessions", {"session_ids": [S.WF_EMPTY, S.WF_OBJ],
                                             "session_types": ["workflow", "workflow"]})),
           (admin, _req("GET", "/sessions?type=workflow&limit=50")))
    t.case("iso-delete-media-other", "delete_media on user-2's session",
           (me, _req("DELETE", f"/sessions/{S.WF_OBJ}?delete_media=true")))
    t.case("iso-media-other", "user-1 fetches media of user-2's session",
           (me, _req("GET", f"/sessions/{S.AGENT_SDK}/media/k")))
    t.case("iso-create-body-user", "user-1 creates naming user-2 as owner: user-1 owns it",
           (me, _req("POST", "/sessions?type=team", {"session_id": "jwt-iso", "user_id": S.USER_2})),
           (admin, _req("GET", "/sessions/jwt-iso")))
    t.case("iso-create-no-id", "user-1 creates without an id",
           (me, _req("POST", "/sessions", {"session_name": "generated"})),
           (admin, _req("GET", f"/sessions?user_id={S.USER_1}&session_name=generated")))
    t.case("iso-create-own-id", "user-1 creates over its own session id",
           (me, _req("POST", "/sessions", {"session_id": S.AGENT_FULL})))
    t.case("iso-create-other-id", "user-1 creates over user-2's session id",
           (me, _req("POST", "/sessions?type=workflow", {"session_id": S.AGENT_SDK})))
    t.case("iso-create-unowned-id", "user-1 creates over a session of user ''",
           (me, _req("POST", "/sessions", {"session_id": S.AGENT_UNICODE})))
    t.case("admin-list", "the admin lists everyone's sessions", (admin, _req("GET", "/sessions?limit=50")))
    t.case("admin-list-filter", "the admin's user_id filter applies",
           (admin, _req("GET", f"/sessions?user_id={S.USER_2}&limit=50")))
    t.case("admin-detail-other", "the admin reads user-2's session", (admin, _req("GET", f"/sessions/{S.AGENT_SDK}")))
    t.case("admin-create-body-user", "the admin creates naming user-2: its own sub is the owner",
           (admin, _req("POST", "/sessions", {"session_id": "jwt-admin", "user_id": S.USER_2})),
           (admin, _req("GET", "/sessions/jwt-admin")))
    t.case("admin-create-other-id", "the admin creates over user-2's session id",
           (admin, _req("POST", "/sessions", {"session_id": S.AGENT_SDK})))
    t.case("admin-delete-other", "the admin deletes user-2's session",
           (admin, _req("DELETE", f"/sessions/{S.WF_OBJ}")), (admin, _req("GET", f"/sessions/{S.WF_OBJ}")))
    # no subject under isolation: refused, after what AgentOS checks first
    t.case("nosub-list", "a token without sub lists", (nosub, _req("GET", "/sessions")))
    t.case("nosub-create", "a token without sub creates", (nosub, _req("POST", "/sessions", {"session_id": "x"})))
    t.case("nosub-unknown-db", "a token without sub names an unknown db",
           (nosub, _req("GET", "/sessions?db_id=nope")))
    t.case("nosub-invalid-query", "a token without sub sends an invalid query",
           (nosub, _req("GET", "/sessions?limit=0")))
    t.case("nosub-bad-status", "a token without sub filters runs by an unknown status",
           (nosub, _req("GET", f"/sessions/{S.AGENT_FULL}/runs?status=bogus")))
    t.case("nosub-bulk-mismatch", "a token without sub bulk-deletes with mismatched lengths",
           (nosub, _req("DELETE", "/sessions", {"session_ids": ["a", "b"], "session_types": ["agent"]})))
    t.case("nosub-media", "a token without sub fetches media", (nosub, _req("GET", f"/sessions/{S.AGENT_FULL}/media/k")))
    t.case("nosub-delete-media", "a token without sub deletes with media",
           (nosub, _req("DELETE", f"/sessions/{S.AGENT_FULL}?delete_media=true")))
    t.case("emptysub-detail", "a token with sub '' reads", (empty, _req("GET", f"/sessions/{S.AGENT_UNICODE}")))
    t.case("emptysub-create", "a token with sub '' creates", (empty, _req("POST", "/sessions", {})))
    return t


def _verify() -> Table:
    token = hs({"sub": S.USER_1, "exp": NOW + 3600})
    variants: List[Tuple[str, Any]] = [
        ("good", bearer(token)),
        ("none", []),
        ("security-key", bearer(SECURITY_KEY)),
        ("security-key-bare", [("Authorization", SECURITY_KEY)]),
        ("rs256", bearer(GOOD)),
        ("wrong-secret", bearer(hs({"sub": S.USER_1}, secret=SECRET + "x"))),
        ("expired", bearer(hs({"sub": S.USER_1, "exp": NOW - 3600}))),
        ("no-claims", bearer(hs({}))),
        ("admin", bearer(hs({"sub": "root", "scopes": [ADMIN]}))),
        ("sub-service-account", bearer(hs({"sub": "sa:robot"}))),
        ("pat", bearer("agno_pat_abc")),
        ("scopes-not-strings", bearer(hs({"sub": S.USER_1, "scopes": [1]}))),
    ]
    t = Table("verify", variants, reader=bearer(token))
    create = _req("POST", "/sessions", {"session_id": "jwt-new", "user_id": S.USER_2})
    t.routes([
        ("list", _req("GET", "/sessions?limit=3"), [], None),
        ("detail-other-user", _req("GET", f"/sessions/{S.AGENT_SDK}"), [], None),
        ("create", create, [_req("GET", "/sessions/jwt-new")], None),
        ("delete-other-user", _req("DELETE", f"/sessions/{S.WF_OBJ}"), [_req("GET", f"/sessions/{S.WF_OBJ}")],
         ("good", "none", "no-claims")),
        ("list-user-filter", _req("GET", f"/sessions?user_id={S.USER_2}&limit=50"), [], ("good", "admin")),
        ("patch-other-user", _req("PATCH", f"/sessions/{S.AGENT_SDK}", {"session_name": "n"}), [],
         ("good", "no-claims")),
        ("create-other-id", _req("POST", "/sessions", {"session_id": S.AGENT_SDK}), [], ("good", "no-claims")),
    ])
    t.case("create-no-sub", "a token without sub creates: the body's user_id is the owner",
           (bearer(hs({})), _req("POST", "/sessions", {"session_id": "jwt-nosub", "user_id": S.USER_2})),
           (bearer(token), _req("GET", "/sessions/jwt-nosub")))
    return t


def _asserted() -> Table:
    t = Table("asserted", [("none", [])], reader=[])
    u2 = S.USER_2
    t.case("list", "the user_id query value filters", ([], _req("GET", f"/sessions?user_id={u2}&limit=50")))
    t.case("list-reserved", "a reserved user_id is no caller, but still a filter",
           ([], _req("GET", "/sessions?user_id=sa:robot")))
    t.case("detail-other", "user-2 asks for user-1's session", ([], _req("GET", f"/sessions/{S.AGENT_FULL}?user_id={u2}")))
    t.case("create-query-user", "the query's user_id owns the new session, not the body's",
           ([], _req("POST", f"/sessions?user_id={u2}", {"session_id": "as-1", "user_id": S.USER_1})),
           ([], _req("GET", "/sessions/as-1")))
    t.case("create-body-user", "without a query user_id the body's owns it",
           ([], _req("POST", "/sessions", {"session_id": "as-2", "user_id": S.USER_1})),
           ([], _req("GET", "/sessions/as-2")))
    t.case("create-reserved-query-user", "a reserved query user_id asserts nobody",
           ([], _req("POST", "/sessions?user_id=__scheduler__", {"session_id": "as-3", "user_id": S.USER_1})),
           ([], _req("GET", "/sessions/as-3")))
    t.case("create-taken-id", "the query's user over another's id",
           ([], _req("POST", f"/sessions?user_id={u2}", {"session_id": S.AGENT_FULL})))
    t.case("delete-other", "user-2 deletes user-1's session",
           ([], _req("DELETE", f"/sessions/{S.WF_EMPTY}?user_id={u2}")), ([], _req("GET", f"/sessions/{S.WF_EMPTY}")))
    return t


TABLES: List[Table] = [_rbac(), _verify(), _asserted()]
JWT_STEPS: List[Step] = [s for table in TABLES for s in table.steps]

#: the generated grammar (generated.py) again, on the rbac pair: each request as one of these callers,
#: so isolation and scopes meet every route, parameter and odd input; read-backs as the admin
GENERATED_CALLERS: List[Tuple[str, Headers]] = [
    ("user-1", bearer(GOOD)),
    ("user-2", bearer(USER_2_TOKEN)),
    ("admin", bearer(ADMIN_TOKEN)),
    ("read-only", bearer(rs(claims(scopes=["sessions:read"])))),
    ("no-sub", bearer(rs(claims(user=None)))),
    ("none", []),
]
JWT_GENERATED_STEPS: List[Step] = generate(
    SEED + 1, int(os.environ.get("AGNO_CONTRACT_JWT_STEPS", "150")), credentials=GENERATED_CALLERS,
    reader=bearer(ADMIN_TOKEN), prefix="jwt-rbac-gen")
_ids = [s.id for s in JWT_STEPS + JWT_GENERATED_STEPS]
assert len(_ids) == len(set(_ids)), "duplicate JWT step id"
