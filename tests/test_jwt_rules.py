"""JWT mode's pure rules against agno's own functions (the oracle), without a server or a database.

* token verification: our JwtVerifier and agno's JWTValidator over one corpus of tokens and settings,
  same claims or the same exception type and text;
* route scopes and scope grants: ours and agno's default mappings / has_required_scopes;
* the settings and their errors.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from agno_session_aio import scopes
from agno_session_aio.config import Config, ConfigError, JwtConfig
from agno_session_aio.jwtauth import JwtVerifier

SECRET = "unit-secret-0123456789-0123456789-0123"
RSA_1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_2 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_1 = ec.generate_private_key(ec.SECP256R1())


def _pem(key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _jwk(key: Any, kid: str | None) -> dict[str, Any]:
    entry = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    if kid:
        entry["kid"] = kid
    return entry


def _token(key: Any, alg: str = "RS256", kid: str | None = None, **claims: Any) -> str:
    now = int(time.time())
    payload = {"sub": "u", "iat": now, "exp": now + 600, **claims}
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid} if kid else None)


# (name, our JwtConfig fields, agno JWTValidator arguments, expected audience for agno)
SETTINGS = [
    ("hs-static", {"keys": (SECRET,), "algorithm": "HS256"}, {"verification_keys": [SECRET], "algorithm": "HS256"},
     None),
    ("rs-static", {"keys": (_pem(RSA_1),)}, {"verification_keys": [_pem(RSA_1)]}, None),
    ("rs-jwks-kids", {"jwks": {"keys": [_jwk(RSA_1, "a"), _jwk(RSA_2, "b")]}}, {"jwks": [("a", RSA_1), ("b", RSA_2)]},
     None),
    ("rs-jwks-default-and-static", {"jwks": {"keys": [_jwk(RSA_1, None)]}, "keys": (_pem(RSA_2),)},
     {"jwks": [(None, RSA_1)], "verification_keys": [_pem(RSA_2)]}, None),
    ("rs-pinned", {"keys": (_pem(RSA_1),), "audience": "os", "issuer": "iss"},
     {"verification_keys": [_pem(RSA_1)], "issuer": "iss"}, "os"),
    ("es-static", {"keys": (_pem(EC_1),), "algorithm": "ES256"}, {"verification_keys": [_pem(EC_1)], "algorithm": "ES256"},
     None),
]


def _tokens() -> list[tuple[str, str]]:
    """The corpus, minted when a test runs (its times are relative to now)."""
    now = int(time.time())
    return [
        ("hs", _token(SECRET, "HS256")),
        ("hs-wrong-secret", _token(SECRET + "x", "HS256")),
        ("rs1", _token(RSA_1)),
        ("rs1-kid-a", _token(RSA_1, kid="a")),
        ("rs1-kid-b", _token(RSA_1, kid="b")),
        ("rs2-kid-b", _token(RSA_2, kid="b")),
        ("rs2-kid-z", _token(RSA_2, kid="z")),
        ("rs2", _token(RSA_2)),
        ("es", _token(EC_1, "ES256")),
        ("expired", _token(RSA_1, kid="a", exp=now - 600)),
        ("expired-hs", _token(SECRET, "HS256", exp=now - 600)),
        ("leeway", _token(RSA_1, kid="a", exp=now - 2)),
        ("nbf", _token(RSA_1, kid="a", nbf=now + 600)),
        ("iat", _token(RSA_1, kid="a", iat=now + 600)),
        ("aud-ok", _token(RSA_1, aud="os", iss="iss")),
        ("aud-list", _token(RSA_1, aud=["x", "os"], iss="iss")),
        ("aud-wrong", _token(RSA_1, aud="x", iss="iss")),
        ("aud-number", _token(RSA_1, aud=5, iss="iss")),
        ("iss-wrong", _token(RSA_1, aud="os", iss="other")),
        ("iss-missing", _token(RSA_1, aud="os")),
        ("sub-int", _token(RSA_1, kid="a", sub=3)),
        ("garbage", "not-a-token"),
        ("dots", "a.b.c"),
        ("empty-segments", ".."),
        ("unsigned", jwt.encode({"sub": "u"}, None, algorithm="none")),
        ("non-ascii", "é.x.y"),
    ]


def _agno_validator(arguments: dict[str, Any], tmp_path: Path) -> Any:
    from agno.os.middleware.jwt import JWTValidator

    arguments = dict(arguments)
    jwks = arguments.pop("jwks", None)
    if jwks is not None:
        path = tmp_path / "jwks.json"
        path.write_text(json.dumps({"keys": [_jwk(key, kid) for kid, key in jwks]}))
        arguments["jwks_file"] = str(path)
    return JWTValidator(**arguments)


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        return "claims", call()
    except Exception as exc:  # the type and text are what is compared
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize(("name", "ours", "agno", "audience"), SETTINGS, ids=[s[0] for s in SETTINGS])
def test_verifier_answers_as_agnos_validator(name: str, ours: dict[str, Any], agno: dict[str, Any],
                                            audience: str | None, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_VERIFICATION_KEY", raising=False)
    monkeypatch.delenv("JWT_JWKS_FILE", raising=False)
    validator = _agno_validator(agno, tmp_path)
    verifier = JwtVerifier(JwtConfig(**ours))
    outcomes = set()
    for label, token in _tokens():
        expected = _outcome(lambda: validator.validate_token(token, audience))
        got = _outcome(lambda: verifier.claims(token))
        assert got == expected, label
        assert _outcome(lambda: verifier.claims(token)) == expected, f"{label}, a second time (kept claims)"
        outcomes.add(expected[0])
    assert "claims" in outcomes and len(outcomes) > 1  # the corpus both passes and fails each setting


def test_kept_tokens_still_expire_and_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from agno_session_aio import jwtauth

    now = int(time.time())  # not the module's NOW: the suite may have run for minutes since
    verifier = JwtVerifier(JwtConfig(keys=(SECRET,), algorithm="HS256"))
    token = _token(SECRET, "HS256", iat=now, exp=now + 5)
    assert verifier.claims(token)["exp"] == now + 5
    monkeypatch.setattr(jwtauth.time, "time", lambda: now + 15.5)
    with pytest.raises(jwt.ExpiredSignatureError, match="^Signature has expired$"):
        verifier.claims(token)
    assert token not in verifier._verified
    monkeypatch.setattr(jwtauth, "VERIFIED_TOKENS_KEPT", 3)
    for n in range(10):
        verifier.claims(_token(SECRET, "HS256", iat=now, exp=now + 600, jti=str(n)))
    assert len(verifier._verified) == 3


SCOPE_SETS: list[list[Any]] = [
    [], ["sessions:read"], ["sessions:write"], ["sessions:delete"], ["sessions:*"], ["*"],
    ["sessions:*:read"], ["sessions::read"], ["sessions:x:read"], ["SESSIONS:READ"], ["sessions:read:"],
    ["agent_os:admin"], ["admin"], ["custom:admin"], ["system:read"], ["sessions:read sessions:write"],
    ["a:b:c:d"], ["sessions"], [1], [None, "sessions:read"], ["agent_os:admin", 5], [["sessions:read"]],
    ["sessions:read", "sessions:write", "sessions:delete"], ["*:*:read"], ["sessions:*:*"],
]


@pytest.mark.parametrize("admin_scope", ["agent_os:admin", "custom:admin"])
def test_scope_grants_match_agnos_has_required_scopes(admin_scope: str) -> None:
    from agno.os.scopes import has_required_scopes

    for granted, required in itertools.product(SCOPE_SETS, (scopes.READ, scopes.WRITE, scopes.DELETE)):
        try:
            expected = has_required_scopes(granted, [required], admin_scope=admin_scope)
        except Exception:  # AgentOS answers a scope its parser cannot read as a refusal (provider_error)
            expected = False
        assert scopes.grants(granted, required, admin_scope) == expected, (granted, required)


def test_route_scopes_match_agnos_default_mappings() -> None:
    from agno.os.scopes import get_default_scope_mappings, get_required_scopes_for_route

    mappings = get_default_scope_mappings()
    paths = ["/sessions", "/sessions/x", "/sessions/x/runs", "/sessions/x/runs/y", "/sessions/x/run-previews",
             "/sessions/x/rename", "/sessions/a/b/rename", "/sessions/x/media/a/b.png", "/sessions/x/y/z",
             "/sessionsx", "/session", "/nope", "/health", "/"]
    for method, path in itertools.product(["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "FOO"], paths):
        expected = get_required_scopes_for_route(mappings, method, path)
        ours = scopes.required_scope(method, path)
        assert ([ours] if ours else []) == expected, (method, path)


def test_jwt_settings_from_the_environment(tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [_jwk(RSA_1, "a")]}))
    config = Config.from_env({"JWT_JWKS_FILE": str(jwks), "JWT_VERIFICATION_KEY": " spaced secret ",
                              "AGNO_AUTHORIZATION": "true", "AGNO_JWT_VERIFY_AUDIENCE": "yes",
                              "AGNO_JWT_AUDIENCE": "os", "AGNO_USER_ISOLATION": "1"})
    assert config.jwt is not None and config.user_isolation
    assert config.jwt.keys == (" spaced secret ",)  # a secret is taken exactly as given
    assert (config.jwt.algorithm, config.jwt.audience, config.jwt.authorization) == ("RS256", "os", True)
    assert config.jwt.jwks == {"keys": [_jwk(RSA_1, "a")]}
    inline = Config.from_env({"JWT_JWKS": json.dumps({"keys": []}), "AGNO_JWT_AUDIENCE": "ignored"})
    assert inline.jwt is not None and inline.jwt.jwks == {"keys": []} and inline.jwt.audience is None
    assert Config.from_env({"OS_SECURITY_KEY": "k"}).jwt is None


@pytest.mark.parametrize(("environ", "named"), [
    ({"AGNO_AUTHORIZATION": "true"}, "AGNO_AUTHORIZATION"),
    ({"JWT_VERIFICATION_KEY": "k", "AGNO_JWT_VERIFY_AUDIENCE": "true"}, "AGNO_JWT_AUDIENCE"),
    ({"JWT_VERIFICATION_KEY": "k", "AGNO_JWT_ALGORITHM": "none"}, "AGNO_JWT_ALGORITHM"),
    ({"JWT_VERIFICATION_KEY": "k", "AGNO_JWT_ALGORITHM": "RS999"}, "AGNO_JWT_ALGORITHM"),
    ({"JWT_JWKS_FILE": "/nonexistent/jwks.json"}, "JWT_JWKS_FILE"),
    ({"JWT_JWKS": "{not json"}, "JWT_JWKS"),
    ({"JWT_JWKS": '{"keys": {}}'}, "JWT_JWKS"),
    ({"JWT_JWKS": "[]"}, "JWT_JWKS"),
    ({"AGNO_USER_ISOLATION": "maybe"}, "AGNO_USER_ISOLATION"),
])
def test_jwt_settings_refused_naming_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Config.from_env(environ)
