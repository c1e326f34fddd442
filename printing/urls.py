from django.urls import path

from printing import views

urlpatterns = [
    path("e/<slug:slug>/print/", views.print_start, name="printing-start"),
    path("e/<slug:slug>/print/jobs/<int:pk>/", views.print_job, name="printing-job"),
    path("e/<slug:slug>/print/jobs/<int:pk>/resume/", views.print_resume, name="printing-resume"),
    path(
        "e/<slug:slug>/print/jobs/<int:pk>/files/<str:name>",
        views.print_download,
        name="printing-download",
    ),
    path("e/<slug:slug>/print/reprint/", views.reprint, name="printing-reprint"),
]
