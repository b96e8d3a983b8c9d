from django.urls import path

from gonghui.reports import views

urlpatterns = [
    path("", views.home, name="home"),
    path("reviews/", views.review_index, name="review-index"),
    path("reviews/export/", views.review_export, name="review-export"),
    path("reviews/<int:pk>/", views.review_detail, name="review-detail"),
]
