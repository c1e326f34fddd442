"""Websocket consumers. Each checks who the user is and what they may see before accept()."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from common.api import job_visible
from common.jobs import job_group, job_snapshot
from common.models import Job


@database_sync_to_async
def _load_job(user: Any, job_id: int) -> dict[str, Any] | None:
    job = Job.objects.filter(pk=job_id).first()
    if job is None or not job_visible(user, job):
        return None
    return job_snapshot(job)


class JobProgressConsumer(AsyncJsonWebsocketConsumer):
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
        self.group = job_group(job_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(snapshot)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def job_update(self, event: dict[str, Any]) -> None:
        await self.send_json(event["job"])
