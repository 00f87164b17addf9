from django.urls import path

from hello import views

urlpatterns = [
    path("", views.index),
    path("healthz", views.healthz),
    path("slow", views.slow),
    path("jobs", views.jobs),
    path("uploads", views.upload),
    path("uploads/<path:name>", views.uploaded),
]
