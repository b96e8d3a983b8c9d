from django.urls import path

from gonghui.orgs import views

urlpatterns = [
    path("orgs/tree/", views.tree, name="org-tree"),
    path("orgs/tree/<int:pk>/", views.tree_children, name="org-tree-children"),
]
