"""URLs of the incidents app, under /incidents/; each view module lists its own."""

from incidents.views import breach, detail, escalation, lists, reporting

app_name = "incidents"

urlpatterns = [
    *reporting.urlpatterns,
    *lists.urlpatterns,
    *detail.urlpatterns,
    *escalation.urlpatterns,
    *breach.urlpatterns,
]
