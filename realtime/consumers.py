"""Websocket consumers. Each checks who the user is and what they may see before accept()."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from common.api import job_visible
from common.jobs import job_group, job_snapshot
from common.models import Job
from common.sockets import user_group


@database_sync_to_async
def _fresh_user(user_id: int) -> Any:  # noqa: ANN401
    """The user as the database has it now (roles are cached on the scope's user object)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


class _UserSocket(AsyncJsonWebsocketConsumer):
    """A socket of a logged-in user: joins the user's group, and closes itself when an access
    change (a revoked role, a disabled account) means the user may no longer see its data."""

    groups_joined: list[str]

    async def join(self, *groups: str) -> None:
        self.groups_joined = [*groups, user_group(self.scope["user"].pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def still_allowed(self, user: Any) -> bool:  # noqa: ANN401
        raise NotImplementedError

    async def access_changed(self, event: dict[str, Any]) -> None:
        user = await _fresh_user(self.scope["user"].pk)
        if user is None or not await self.still_allowed(user):
            await self.close(code=4403)


@database_sync_to_async
def _load_job(user: Any, job_id: int) -> dict[str, Any] | None:
    job = Job.objects.filter(pk=job_id).first()
    if job is None or not job_visible(user, job):
        return None
    return job_snapshot(job)


class JobProgressConsumer(_UserSocket):
    """Pushes a job's progress; the current state is sent right after joining."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        job_id = int(self.scope["url_route"]["kwargs"]["job_id"])
        snapshot = await _load_job(user, job_id)
        if snapshot is None:
            await self.close(code=4403)
            return
        self.job_id = job_id
        await self.join(job_group(job_id))
        await self.accept()
        await self.send_json(snapshot)

    async def still_allowed(self, user: Any) -> bool:  # noqa: ANN401
        return await _load_job(user, self.job_id) is not None

    async def job_update(self, event: dict[str, Any]) -> None:
        await self.send_json(event["job"])


@database_sync_to_async
def _turnout_start(user: Any, slug: str, code: str) -> tuple[Any, Any] | None:
    """(election, unit) when the user may watch this unit, else None."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from election import selectors

    try:
        election = selectors.election_get(user=user, slug=slug)
        unit = selectors.unit_get(user=user, election=election, code=code)
    except (Http404, PermissionDenied):
        return None
    return election, unit


@database_sync_to_async
def _turnout_snapshot(election: Any, unit: Any) -> dict[str, Any]:  # noqa: ANN401
    from realtime import live

    return live.current_snapshot(election, unit)


class TurnoutConsumer(_UserSocket):
    """A unit's live turnout: joins `turnout.e<election>.u<unit>` after the checks, then sends
    the current snapshot; later snapshots come from the coalescer (realtime/live.py), already
    encoded as JSON text (one encoding per tick, not one per socket)."""

    async def connect(self) -> None:
        from realtime import live

        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        kwargs = self.scope["url_route"]["kwargs"]
        ids = await _turnout_start(user, kwargs["slug"], kwargs["code"])
        if ids is None:
            await self.close(code=4403)
            return
        self.election, self.unit = ids
        await self.join(live.group_name(self.election.id, self.unit.id))
        await self.accept()
        live.ensure_started()
        await self.send_json(await _turnout_snapshot(self.election, self.unit))
        # the heartbeat only after the state: the first message is always a snapshot
        beat = live.beat_group(self.election.id)
        self.groups_joined.append(beat)
        await self.channel_layer.group_add(beat, self.channel_name)

    async def still_allowed(self, user: Any) -> bool:  # noqa: ANN401
        kwargs = self.scope["url_route"]["kwargs"]
        return await _turnout_start(user, kwargs["slug"], kwargs["code"]) is not None

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # {"type": "refresh"}: a client that suspects it missed something asks for the state
        if isinstance(content, dict) and content.get("type") == "refresh":
            await self.send_json(await _turnout_snapshot(self.election, self.unit))

    async def dispatch(self, message: dict[str, Any]) -> None:
        # A pushed snapshot or heartbeat is sent as it came, without the database: skip the
        # clean-up of old database connections that channels runs (in a thread) before every
        # handler — at 1,000 dashboards it was a quarter of a web worker's socket work.
        if message.get("type") == "turnout.snapshot":
            await self.turnout_snapshot(message)
            return
        await super().dispatch(message)

    async def turnout_snapshot(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])
