"""URLs of turnout: include `urlpatterns` at the site root and `api_urlpatterns` under api/."""

from django.urls import path

from realtime import api, views

urlpatterns = [
    path("e/<slug:slug>/turnout/", views.turnout_start, name="turnout-start"),
    path("e/<slug:slug>/turnout/pa/<str:code>/", views.turnout_report, name="turnout-report"),
    path("e/<slug:slug>/turnout/u/<str:code>/", views.turnout_dashboard, name="turnout-dashboard"),
    path("e/<slug:slug>/turnout/publish/", views.turnout_publish_page, name="turnout-publish"),
    path("public/turnout/<slug:slug>/", views.turnout_public, name="turnout-public"),
]

api_urlpatterns = [
    path("turnout/", api.TurnoutReports.as_view(), name="api-turnout"),
    path("turnout/<str:code>/", api.TurnoutUnit.as_view(), name="api-turnout-unit"),
    path("public/turnout/<slug:slug>/", api.PublicTurnout.as_view(), name="api-turnout-public"),
]
