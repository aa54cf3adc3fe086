"""Verifying a bearer JWT as AgentOS's JWTValidator does (docs/contract.md §1.8).

One configured algorithm; a JWKS key chosen by the token's kid (else the JWKS's key without a kid), then
the static keys in order; 10 s of leeway on exp, nbf and iat; aud and iss checked only when configured.
PyJWT does the cryptography, so its error texts are AgentOS's error texts.

PyJWT spends 0.1–0.25 ms on each token, as much as the rest of a request, and a client sends the same
token many times: a verified token's claims are kept (bounded), and only its expiry is checked again.
Nothing else about a verified token can change, since the keys are fixed at start-up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, Final

import jwt
from jwt.types import Options

from .config import JwtConfig

logger = logging.getLogger(__name__)

LEEWAY_SECONDS: Final = 10
# The JWKS entry used for tokens whose kid names no key (a single-key JWKS usually has no kid).
DEFAULT_KID: Final = "_default"
# Verified tokens kept per process; the oldest goes first (a token is a few hundred bytes).
VERIFIED_TOKENS_KEPT: Final = 10_000


class JwtVerifier:
    """Turns a token into its claims, or raises the PyJWT error AgentOS would have met."""

    def __init__(self, config: JwtConfig) -> None:
        self.algorithms = [config.algorithm]
        self.keys = config.keys
        self.audience = config.audience
        self.issuer = config.issuer
        self.jwks = _jwks_keys(config.jwks) if config.jwks is not None else {}
        # token -> (claims, exp as PyJWT reads it, or None)
        self._verified: dict[str, tuple[dict[str, Any], int | None]] = {}

    def claims(self, token: str) -> dict[str, Any]:
        kept = self._verified.get(token)
        if kept is not None:
            payload, expires = kept
            # PyJWT's own expiry rule, the only check whose answer changes with time.
            if expires is not None and expires <= time.time() - LEEWAY_SECONDS:
                del self._verified[token]
                raise jwt.ExpiredSignatureError("Signature has expired")
            return payload
        payload = self._verify(token)
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (payload, int(payload["exp"]) if "exp" in payload else None)
        return payload

    def _verify(self, token: str) -> dict[str, Any]:
        # aud is checked below, by hand, for AgentOS's own messages.
        options: Options = {"verify_aud": False}
        payload: dict[str, Any] | None = None
        failure: jwt.InvalidTokenError | None = None
        if self.jwks:
            try:
                kid = jwt.get_unverified_header(token).get("kid")
                key = self.jwks.get(kid) if kid else None
                if key is None:
                    key = self.jwks.get(DEFAULT_KID)
                if key is not None:
                    payload = jwt.decode(token, key.key, algorithms=self.algorithms, leeway=LEEWAY_SECONDS,
                                         options=options)
            except jwt.ExpiredSignatureError:
                raise
            except jwt.InvalidTokenError as exc:
                if not self.keys:
                    raise
                failure = exc
        if payload is None:
            for key_text in self.keys:
                try:
                    payload = jwt.decode(token, key_text, algorithms=self.algorithms, leeway=LEEWAY_SECONDS,
                                         options=options)
                    break
                except jwt.ExpiredSignatureError:
                    raise
                except jwt.InvalidTokenError as exc:
                    failure = exc
        if payload is None:
            raise failure or jwt.InvalidTokenError("No verification keys configured")
        if self.audience is not None:
            _check_audience(payload.get("aud"), self.audience)
        if self.issuer is not None:
            issuer = payload.get("iss")
            if issuer is None:
                raise jwt.InvalidTokenError(
                    'Token is missing the "iss" claim. Issuer verification requires this claim to be present '
                    "in the token."
                )
            if issuer != self.issuer:
                raise jwt.InvalidIssuerError(f"Invalid issuer. Expected: {self.issuer}, got: {issuer}")
        return payload


def _check_audience(audience: Any, expected: str) -> None:
    if audience is None:
        raise jwt.InvalidTokenError(
            'Token is missing the "aud" claim. Audience verification requires this claim to be present in the token.'
        )
    if isinstance(audience, list):
        held = audience
    else:
        held = [audience] if audience else []
    if expected not in held:
        raise jwt.InvalidAudienceError(f"Invalid audience. Expected one of: {[expected]}, got: {held}")


def _jwks_keys(document: Mapping[str, Any]) -> dict[str, jwt.PyJWK]:
    """Each usable key by kid; a key without kid is the default. Unusable keys are skipped, as AgentOS does."""
    keys: dict[str, jwt.PyJWK] = {}
    entries = document.get("keys") or []
    if not entries:
        logger.warning("the JWKS holds no keys")
    for entry in entries:
        try:
            key = jwt.PyJWK.from_dict(entry)
        except Exception as exc:  # PyJWK raises several types for one cause: this entry is not a usable key
            logger.warning("skipped a JWKS key that cannot be used: %s", exc)
            continue
        keys[entry.get("kid") or DEFAULT_KID] = key
    return keys
