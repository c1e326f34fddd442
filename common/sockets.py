"""Websocket groups per user: a change of someone's access reaches every socket they hold.

Consumers join `user.<id>` next to their data group; `access_changed(user_id)` (after commit,
e.g. when a role is revoked) makes each of them check the user's access again and close the
socket when it is gone.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def access_changed(user_id: int) -> None:
    """After commit: every socket of the user checks its access again."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(user_group(user_id), {"type": "access.changed"})
        except Exception:  # noqa: BLE001 - the role is gone; a socket is checked on reconnect
            log.exception("could not tell the sockets of user %s", user_id)

    transaction.on_commit(send)
