from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common import api as common_api
from common import views as common_views
from election import api as election_api
from election import views as election_views
from realtime import urls as realtime_urls
from reconciliation import urls as reconciliation_urls
from results import urls as results_urls
from voters import urls as voters_urls

api_patterns = [
    path("elections/", election_api.ElectionList.as_view(), name="api-elections"),
    path("elections/<slug:slug>/", election_api.ElectionDetail.as_view(), name="api-election"),
    path(
        "elections/<slug:slug>/contests/", election_api.ContestList.as_view(), name="api-contests"
    ),
    path(
        "elections/<slug:slug>/contests/<str:contest>/constituencies/",
        election_api.ConstituencyList.as_view(),
        name="api-constituencies",
    ),
    path(
        "elections/<slug:slug>/polling-areas/",
        election_api.PollingAreaList.as_view(),
        name="api-polling-areas",
    ),
    path("units/<str:code>/", election_api.UnitDetail.as_view(), name="api-unit"),
    path("jobs/<int:pk>/", common_api.JobDetail.as_view(), name="api-job"),
    path("audit/", common_api.AuditList.as_view(), name="api-audit"),
    *voters_urls.api_urlpatterns,
    *results_urls.api_urlpatterns,
    *realtime_urls.api_urlpatterns,
    *reconciliation_urls.api_urlpatterns,
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", election_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("e/<slug:slug>/", election_views.election_detail, name="election"),
    path("e/<slug:slug>/u/<str:code>/", election_views.unit_detail, name="unit"),
    path("e/<slug:slug>/pa/<str:code>/", election_views.polling_area_detail, name="polling-area"),
    path("e/<slug:slug>/contests/<str:code>/", election_views.contest_detail, name="contest"),
    path("e/<slug:slug>/accounts/", election_views.accounts, name="accounts"),
    path("e/<slug:slug>/rehearsal/", election_views.rehearsal, name="rehearsal"),
    path("jobs/<int:pk>/", common_views.job_detail, name="job"),
    path("audit/", common_views.audit_list, name="audit"),
    path("", include((voters_urls.urlpatterns, "voters"))),
    path("", include((results_urls.urlpatterns, "results"))),
    path("", include("printing.urls")),
    path("", include((reconciliation_urls.urlpatterns, "reconciliation"))),
    *realtime_urls.urlpatterns,
]

handler500 = "common.unavailable.server_error"
