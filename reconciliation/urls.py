"""URLs of the reconciliation board: `urlpatterns` at the site root (namespace
"reconciliation"), `api_urlpatterns` under api/."""

from django.urls import path

from reconciliation import api, views

app_name = "reconciliation"

urlpatterns = [
    path("e/<slug:slug>/reconciliation/u/<str:code>/", views.unit_board, name="unit"),
    path("e/<slug:slug>/reconciliation/u/<str:code>/board.xlsx", views.unit_xlsx, name="xlsx"),
]

api_urlpatterns = [
    path(
        "reconciliation/<slug:slug>/<str:code>/", api.BoardView.as_view(), name="api-reconciliation"
    ),
]
