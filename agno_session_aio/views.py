"""Class-based views: parse the request, make one store call, render with render.py."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from typing import Any, Final

import attrs

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from . import identity, params, records, render, rules, writes
from .errors import NOT_READY_STATUS, BodyTooLarge, Conflict, MediaNotConfigured, NotFound
from .jsonutil import json_response, no_content
from .keys import CONFIG_KEY, DATABASES_KEY, METRICS_KEY, REQUEST_CONTEXT_KEY, STARTED_AT_KEY
from .render import without_nulls
from .store import SessionStore

READINESS_TIMEOUT = 2.0


class BaseView(web.View):
    """Typed access to what every session view needs; no verb-named helpers (web.View would route them)."""

    async def store_for(self, db_id: str | None, table: str | None = None) -> SessionStore:
        store = await self.request.app[DATABASES_KEY].resolve(db_id, table)
        if REQUEST_CONTEXT_KEY in self.request:
            self.request[REQUEST_CONTEXT_KEY].db_id = store.db_id
        return store

    async def scoped(self, scope: params.Scope) -> tuple[SessionStore, str | None]:
        """The store and the owner the request is limited to, in AgentOS's order: the database's errors
        first, then the identity's; isolation's owner replaces the user_id query value (contract §1.10)."""
        store = await self.store_for(scope.db_id, scope.table)
        owner = identity.scoped_user_id(self.request)
        return store, owner if owner is not None else scope.user_id

    async def json_body(self) -> Any:
        try:
            raw = await self.request.read()
        except web.HTTPRequestEntityTooLarge:
            raise BodyTooLarge(self.request.client_max_size) from None
        return params.decode_body(raw, self.request.headers.get("Content-Type"))

    @property
    def session_id(self) -> str:
        return self.request.match_info["session_id"]


class SessionsView(BaseView):
    """GET /sessions (list), POST /sessions (create), DELETE /sessions (bulk delete)."""

    ALLOW_HEADER = "GET"

    async def get(self) -> web.Response:
        listing = params.parse_list(self.request.query)
        store, user_id = await self.scoped(listing.scope)
        page = await store.list_sessions(
            listing.query if user_id == listing.query.user_id else attrs.evolve(listing.query, user_id=user_id)
        )
        data = [without_nulls(render.session_list_item(item)) for item in page.items]
        meta = render.page_meta(listing.query, page.total_count)
        return json_response({"data": data, "meta": meta})

    async def post(self) -> web.Response:
        create = params.parse_create(self.request.query, await self.json_body())
        store = await self.store_for(create.db_id)
        scoped = identity.scoped_user_id(self.request)
        # The caller's own id wins over the body's, admins' too; isolation's owner over both.
        asserted = identity.asserted_user_id(self.request)
        owner = scoped if scoped is not None else asserted if asserted is not None else create.user_id
        session_id = create.session_id or str(uuid.uuid4())
        row = await store.create_session(writes.new_session_columns(create, session_id, owner))
        if row is None:
            if scoped is not None and not await store.session_exists(session_id, scoped):
                # Someone else's id: refused without saying whose it is or pointing at a PATCH.
                raise Conflict(
                    "Could not create a session with the supplied session_id. "
                    "Omit session_id to have one generated, or choose a different one."
                )
            raise Conflict(
                f"Session with id '{session_id}' already exists. Use PATCH /sessions/{session_id} to update it."
            )
        return json_response(without_nulls(render.session_detail(create.session_type, row, [])), status=201)

    async def delete(self) -> web.Response:
        delete = params.parse_bulk_delete(self.request.query, await self.json_body())
        store, user_id = await self.scoped(delete.scope)
        if delete.delete_media:
            raise MediaNotConfigured()
        # Types are ignored for local databases: deletion is by id, scoped by user (contract §4.8).
        await store.delete_sessions(delete.session_ids, user_id, bulk=True)
        return no_content()


class SessionView(BaseView):
    """GET, PATCH and DELETE /sessions/{session_id}."""

    ALLOW_HEADER = "GET"

    async def get(self) -> web.Response:
        query = params.parse_session(self.request.query)
        store, user_id = await self.scoped(query.scope)
        found = await store.get_session_with_runs(self.session_id, user_id)
        if found is None:
            prefix = f"{query.session_type.title()} " if query.session_type else ""
            raise NotFound(f"{prefix}Session with id '{self.session_id}' not found")
        session_type = query.session_type or rules.detect_session_type(found.row)
        return json_response(without_nulls(render.session_detail(session_type, found.row, found.runs)))

    async def patch(self) -> web.Response:
        update = params.parse_update(self.request.query, await self.json_body())
        store, user_id = await self.scoped(update.scope)
        summary = params.normalized_summary(update)

        def plan(row: records.Row) -> records.SessionChanges:
            # agno loads the row as the requested type (no type filter) and re-saves it as that type.
            return writes.patched_columns(update, update.session_type or rules.detect_session_type(row), row, summary)

        patched = await store.update_session(self.session_id, user_id, plan)
        if patched is None:
            raise NotFound(f"Session with id '{self.session_id}' not found")
        # The answer follows the stored type; the runs are those the loaded object kept (contract §4.5).
        stored_type = rules.detect_session_type(patched.row)
        return json_response(render.session_detail(stored_type, patched.row, patched.runs, loaded_as=patched.loaded_as))

    async def delete(self) -> web.Response:
        delete = params.parse_delete(self.request.query)
        store, user_id = await self.scoped(delete.scope)
        if delete.delete_media:
            raise MediaNotConfigured()
        await store.delete_sessions([self.session_id], user_id)
        return no_content()


class RenameView(BaseView):
    """POST /sessions/{session_id}/rename."""

    ALLOW_HEADER = "POST"

    async def post(self) -> web.Response:
        rename = params.parse_rename(self.request.query, await self.json_body())
        store, user_id = await self.scoped(rename.scope)
        found = await store.rename_session(self.session_id, rename.session_name, rename.session_type, user_id)
        if found is None:
            raise NotFound(f"Session with id '{self.session_id}' not found")
        session_type = rename.session_type or rules.detect_session_type(found.row)
        return json_response(render.session_detail(session_type, found.row, found.runs))


class SessionRunsView(BaseView):
    """GET /sessions/{session_id}/runs: every run, flat, in storage order."""

    ALLOW_HEADER = "GET"
    previews = False

    async def get(self) -> web.Response:
        query = params.parse_runs(self.request.query)
        store, user_id = await self.scoped(query.scope)
        found = await store.get_session_with_runs(self.session_id, user_id)
        if found is None:
            raise NotFound(f"Session with ID {self.session_id} not found")
        row, runs = found
        session_type = query.session_type or rules.detect_session_type(row)
        rendered = []
        for run in runs:
            created_at = run.get("created_at")
            # agno compares numbers only; an ISO-string timestamp is kept, as a missing one is.
            if isinstance(created_at, (int, float)) and not isinstance(created_at, bool):
                if query.created_after is not None and created_at < query.created_after:
                    continue
                if query.created_before is not None and created_at > query.created_before:
                    continue
            shaped = render.classify_run(run, session_type, row)
            if shaped is None:
                continue
            if query.statuses is not None and str(shaped.get("status") or "").upper() not in query.statuses:
                continue
            rendered.append(without_nulls(render.run_preview(shaped) if self.previews else shaped))
        return json_response(rendered)


class SessionRunPreviewsView(SessionRunsView):
    """GET /sessions/{session_id}/run-previews: the same runs, reduced to previews."""

    previews = True


class RunView(BaseView):
    """GET /sessions/{session_id}/runs/{run_id}."""

    ALLOW_HEADER = "GET"

    async def get(self) -> web.Response:
        query = params.parse_session(self.request.query)
        store, user_id = await self.scoped(query.scope)
        found = await store.get_session_with_runs(self.session_id, user_id)
        if found is None:
            raise NotFound(f"Session with ID {self.session_id} not found")
        row, runs = found
        if not runs:
            raise NotFound(f"Session with ID {self.session_id} has no runs")
        run_id = self.request.match_info["run_id"]
        run = next((run for run in runs if run.get("run_id") == run_id), None)
        if run is None:
            raise NotFound(f"Run with ID {run_id} not found in session {self.session_id}")
        return json_response(render.single_run(run, row))


class MediaView(BaseView):
    """GET /sessions/{session_id}/media/{storage_key}: AgentOS without media storage, after its parameter checks."""

    ALLOW_HEADER = "GET"

    async def get(self) -> web.Response:
        params.parse_media(self.request.query)
        raise MediaNotConfigured()


class OpenAPIView(web.View):
    """GET /openapi.json: the document openapi.py builds from the route table."""

    async def get(self) -> web.Response:
        from . import openapi  # it imports this module for the view classes it documents

        return json_response(openapi.document())


# Swagger UI from the CDN FastAPI's /docs uses; the page holds no data of its own.
DOCS_PAGE: Final = """<!DOCTYPE html>
<html>
<head>
<title>agno-session-aio - Swagger UI</title>
<link type="text/css" rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>
SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
                 presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
                 layout: "BaseLayout"})
</script>
</body>
</html>
"""


class DocsView(web.View):
    """GET /docs: Swagger UI over /openapi.json, as AgentOS serves it."""

    async def get(self) -> web.Response:
        return web.Response(text=DOCS_PAGE, content_type="text/html")


class HealthView(web.View):
    """GET /health, as AgentOS answers it."""

    async def get(self) -> web.Response:
        started: datetime.datetime = self.request.app[STARTED_AT_KEY]
        return json_response({"status": "ok", "instantiated_at": rules.iso_datetime(started.timestamp())})


class LivenessView(web.View):
    """GET /healthz: the process serves requests; touches nothing else."""

    async def get(self) -> web.Response:
        return json_response({"status": "ok"})


class MetricsView(web.View):
    """GET /metrics in Prometheus text format."""

    async def get(self) -> web.Response:
        registry = self.request.app[METRICS_KEY].registry
        return web.Response(body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


class ReadinessView(web.View):
    """GET /readyz: whether this process can serve traffic, by AGNO_READINESS, and each database's state.

    With "any" (the default) one database down leaves the pod in service for the others; its requests
    answer 503 naming it. "all" and "default" are for operators who want the pod out of service then.
    """

    async def get(self) -> web.Response:
        registry = self.request.app[DATABASES_KEY]
        stores = registry.stores
        results = await asyncio.gather(*(_ping(store) for store in stores.values()))
        databases = dict(zip(stores, results))
        policy = self.request.app[CONFIG_KEY].readiness
        up = [status == "ok" for status in databases.values()]
        if policy == "all":
            ready = all(up)
        elif policy == "default":
            ready = databases.get(registry.default_db_id) == "ok"
        else:
            ready = any(up)
        status = "ok" if all(up) else "degraded" if ready else "unavailable"
        body = {"status": status, "policy": policy, "databases": databases}
        return json_response(body, status=200 if ready else NOT_READY_STATUS)


async def _ping(store: SessionStore) -> str:
    try:
        async with asyncio.timeout(READINESS_TIMEOUT):
            await store.ping()
    except Exception:  # any failure means not ready; the reason is in the log of that store
        return "down"
    return "ok"
