from django.urls import path

from realtime.consumers import JobProgressConsumer, TurnoutConsumer

websocket_urlpatterns = [
    path("ws/jobs/<int:job_id>/", JobProgressConsumer.as_asgi()),
    path("ws/turnout/<slug:slug>/<str:code>/", TurnoutConsumer.as_asgi()),
]
