"""Row links from one reverse a page: the same URLs as reversing each row's."""

from django.urls import reverse

from dpms.links import url_for_any_pk


def test_every_pk_gets_the_url_reverse_gives_it():
    detail = url_for_any_pk("incidents:detail")
    for pk in (1, 7, 987654321, 10**12):
        assert detail(pk) == reverse("incidents:detail", args=[pk])
