"""AgentOS's auth layer (docs/contract.md §1.5, §1.8–1.10): the security key, or JWTs with scopes, or neither.

One middleware, built for the configured mode. It answers agno's 401 and 403 texts before any parsing,
and records who the caller is (IDENTITY_KEY) for the views' user isolation.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable
from typing import Any, Final

import jwt
from aiohttp import web
from aiohttp.typedefs import Handler

from .. import scopes
from ..config import Config, JwtConfig
from ..errors import Forbidden, Unauthorized
from ..identity import Identity, is_reserved
from ..jwtauth import JwtVerifier
from ..keys import IDENTITY_KEY
from ..routes import agentos_path
from .types import Middleware

logger = logging.getLogger(__name__)

SERVICE_TOKEN_PREFIX: Final = "agno_pat_"
# Service-account tokens live in AgentOS's own database; none is valid here.
SERVICE_TOKEN_REFUSED: Final = "Invalid or expired service account token"


def make_auth_middleware(config: Config, open_paths: Iterable[str]) -> Middleware | None:
    """The auth middleware for the configured mode, or None when every request is open and unscoped."""
    exempt = frozenset(open_paths)
    if config.jwt is not None:
        if config.security_key:
            logger.warning("OS_SECURITY_KEY is ignored: JWT mode is on (JWT_VERIFICATION_KEY, JWT_JWKS_FILE or "
                           "JWT_JWKS), as in AgentOS")
        return _jwt_middleware(config.jwt, config.user_isolation, exempt)
    if config.security_key:
        return _security_key_middleware(config.security_key, exempt)
    if config.user_isolation:
        return _asserted_identity_middleware()
    return None


def _security_key_middleware(security_key: str, exempt: frozenset[str]) -> Middleware:
    expected = security_key.encode()

    @web.middleware
    async def security_key_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if _passes_unchecked(request.method, agentos_path(request), exempt):
            return await handler(request)
        token = bearer_token(request.headers.get("Authorization", ""))
        if not token:
            raise Unauthorized("Authorization header required")
        if token.startswith(SERVICE_TOKEN_PREFIX):
            raise Unauthorized(SERVICE_TOKEN_REFUSED)
        # aiohttp keeps undecodable header bytes as surrogates; they must compare, not crash.
        if not hmac.compare_digest(token.encode("utf-8", "surrogateescape"), expected):
            raise Unauthorized("Invalid authentication token")
        return await handler(request)

    return security_key_middleware


def _jwt_middleware(config: JwtConfig, isolation: bool, exempt: frozenset[str]) -> Middleware:
    verifier = JwtVerifier(config)

    @web.middleware
    async def jwt_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = agentos_path(request)
        if _passes_unchecked(request.method, path, exempt):
            return await handler(request)
        token = bearer_token(_as_latin1(request.headers.get("Authorization", "")))
        if not token:
            raise Unauthorized("Authorization header missing")
        if token.startswith(SERVICE_TOKEN_PREFIX):
            raise Unauthorized(SERVICE_TOKEN_REFUSED)
        claims = _verified_claims(verifier, token)
        user_id = claims.get("sub")
        if is_reserved(user_id):
            logger.warning("refused a JWT claiming a reserved subject: %r", user_id)
            raise Unauthorized("Invalid token subject")
        granted = _scope_list(claims.get("scopes", []))
        if config.authorization:
            required = scopes.required_scope(request.method, path)
            if required is not None and not scopes.grants(granted, required, config.admin_scope):
                logger.info("refused %s %s: it needs %s, the token holds %r", request.method, request.path,
                            required, granted)
                raise Forbidden(f"Insufficient permissions. Required scope(s): {required}")
        request[IDENTITY_KEY] = Identity(
            user_id=user_id, admin=config.admin_scope in granted, isolation=isolation
        )
        return await handler(request)

    return jwt_middleware


def _asserted_identity_middleware() -> Middleware:
    """Isolation without auth: the user_id query value is the caller, as AgentOS's no-auth identity does."""

    @web.middleware
    async def asserted_identity_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        user_id = request.query.getall("user_id", [None])[-1]
        if user_id and not is_reserved(user_id):
            request[IDENTITY_KEY] = Identity(user_id=user_id, isolation=True)
        return await handler(request)

    return asserted_identity_middleware


def _verified_claims(verifier: JwtVerifier, token: str) -> dict[str, Any]:
    """The token's claims, or agno's 401 for why they cannot be trusted."""
    try:
        return verifier.claims(token)
    except jwt.InvalidAudienceError:
        raise Unauthorized("Invalid token audience - token not valid for this AgentOS instance") from None
    except jwt.ExpiredSignatureError:
        raise Unauthorized("Token has expired") from None
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(f"Invalid token: {exc}") from None
    except Exception as exc:  # a key that does not fit the algorithm, and the like: agno answers them all so
        raise Unauthorized(f"Error decoding token: {exc}") from None


def _scope_list(claim: object) -> list[Any]:
    """agno's reading of the scopes claim: a list as is, one string as a list of it, anything else none."""
    if isinstance(claim, str):
        return [claim]
    return claim if isinstance(claim, list) else []


def _passes_unchecked(method: str, path: str, exempt: frozenset[str]) -> bool:
    # AgentOS lets every OPTIONS request through (CORS preflights are answered before auth), and its
    # open paths with any trailing slashes.
    return method == "OPTIONS" or path in exempt


def _as_latin1(value: str) -> str:
    """A header value as Starlette decodes its bytes (latin-1), so a non-ASCII token fails with agno's text."""
    if value.isascii():
        return value
    return value.encode("utf-8", "surrogateescape").decode("latin-1")


def bearer_token(authorization: str) -> str:
    """"Bearer <key>" (any case) or a bare key, whitespace-stripped, as agno extracts it."""
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return authorization.strip()
