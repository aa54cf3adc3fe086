"""Small single-purpose middlewares, one module each; their order is fixed in app.py."""

from .auth import make_auth_middleware
from .cors import DEFAULT_ORIGINS, make_cors_middleware
from .errors import error_middleware
from .metrics import make_metrics_middleware
from .real_ip import make_real_ip_middleware
from .request_id import request_context_middleware
from .timeout import make_timeout_middleware
from .tracing import make_tracing_middleware

__all__ = [
    "DEFAULT_ORIGINS",
    "make_cors_middleware",
    "error_middleware",
    "make_auth_middleware",
    "make_metrics_middleware",
    "make_real_ip_middleware",
    "make_timeout_middleware",
    "make_tracing_middleware",
    "request_context_middleware",
]
