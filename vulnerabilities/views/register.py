"""Pages of the vulnerability register: the list with filters and CSV export, one vulnerability's page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from vulnerabilities.queries import register as queries


@login_required
@require_GET
def register(request):
    queries.require_register(request.user)
    vulnerabilities = queries.register_rows(request.user)[:50]
    return render(request, "vulnerabilities/register/list.html", {"vulnerabilities": vulnerabilities})


urlpatterns = [
    path("", register, name="register"),
]
