"""URLs of results: include `urlpatterns` at the site root (namespace "results") and
`api_urlpatterns` under api/."""

from django.urls import path

from results import api, views

app_name = "results"

_pa = "e/<slug:slug>/results/pa/<str:code>/"
_c = "e/<slug:slug>/results/c/<str:code>/"

urlpatterns = [
    path("e/<slug:slug>/results/", views.overview, name="overview"),
    path("e/<slug:slug>/results/results.json", views.results_json, name="json"),
    path("e/<slug:slug>/results/u/<str:code>/", views.unit_progress, name="unit"),
    path(_pa, views.area_minutes, name="area"),
    path(_pa + "<str:contest>/<str:rnd>/", views.minutes_entry, name="entry"),
    path(_pa + "<str:contest>/<str:rnd>/settle/", views.minutes_settle, name="settle"),
    path(_c, views.contest_results, name="contest"),
    path(_c + "minutes.<str:kind>", views.contest_document, name="contest-doc"),
    path(_c + "<int:number>/", views.constituency_result, name="constituency"),
    path(
        _c + "<int:number>/minutes.<str:kind>",
        views.constituency_document,
        name="constituency-doc",
    ),
    path("public/<slug:slug>/results/", views.public_results, name="public"),
]

api_urlpatterns = [
    path("elections/<slug:slug>/results/", api.ResultsView.as_view(), name="api-results"),
    path(
        "elections/<slug:slug>/results/progress/<str:code>/",
        api.ProgressView.as_view(),
        name="api-results-progress",
    ),
    path(
        "elections/<slug:slug>/minutes/",
        api.MinutesEntryView.as_view(),
        name="api-minutes-entry",
    ),
    path(
        "elections/<slug:slug>/minutes/resolve/",
        api.MinutesResolveView.as_view(),
        name="api-minutes-resolve",
    ),
]
