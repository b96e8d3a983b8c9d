from gonghui.care.views import hardship, insurance, welfare

urlpatterns = [*hardship.urlpatterns, *welfare.urlpatterns, *insurance.urlpatterns]
