"""URLs of voter lists: include `urlpatterns` at the site root and `api_urlpatterns` under api/."""

from django.urls import path

from voters import api, views

app_name = "voters"

urlpatterns = [
    path("e/<slug:slug>/voters/u/<str:code>/", views.unit_voters, name="unit"),
    path("e/<slug:slug>/voters/u/<str:code>/changes/", views.unit_changes, name="changes"),
    path("e/<slug:slug>/voters/u/<str:code>/duplicates/", views.unit_duplicates, name="duplicates"),
    path("e/<slug:slug>/voters/u/<str:code>/import/", views.import_start, name="import-start"),
    path("e/<slug:slug>/voters/pa/<str:code>/", views.area_list, name="area"),
    path("e/<slug:slug>/voters/pa/<str:code>/new/", views.voter_new, name="new"),
    path("e/<slug:slug>/voters/v/<int:pk>/", views.voter_detail, name="voter"),
    path("e/<slug:slug>/voters/imports/<int:pk>/", views.import_detail, name="import"),
    path(
        "e/<slug:slug>/voters/imports/<int:pk>/errors.xlsx",
        views.import_errors,
        name="import-errors",
    ),
    path("e/<slug:slug>/voters/template.xlsx", views.template_xlsx, name="template"),
    path("e/<slug:slug>/voters/template.csv", views.template_csv, name="template-csv"),
]

api_urlpatterns = [
    path(
        "elections/<slug:slug>/voters/<int:pk>/events/",
        api.VoterEvents.as_view(),
        name="api-voter-events",
    ),
    path(
        "elections/<slug:slug>/voters/counts/", api.VoterCounts.as_view(), name="api-voter-counts"
    ),
    path(
        "elections/<slug:slug>/voters/search/", api.VoterSearch.as_view(), name="api-voter-search"
    ),
    path(
        "elections/<slug:slug>/polling-areas/<str:code>/voters/",
        api.AreaVotersCreate.as_view(),
        name="api-area-voters",
    ),
]
