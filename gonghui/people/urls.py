from django.urls import path

from gonghui.people import views

urlpatterns = [
    path("transfers/", views.transfer_list, name="transfer-list"),
    path("transfers/<int:pk>/decide/", views.transfer_decide, name="transfer-decide"),
]
