"""The API's throttles, per token (or signed-in person) and per client address.

A module of their own: the REST framework's views module reads ``DEFAULT_THROTTLE_CLASSES`` as it is first
imported, so the module that holds them must not import it (``dpms.api.conventions`` does)."""

from rest_framework.throttling import SimpleRateThrottle


class PersonOrTokenThrottle(SimpleRateThrottle):
    """A budget per token, or per person for a browser session; none for anonymous calls (refused anyway)."""

    scope = "person_or_token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "prefix"):
            ident = f"token:{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"person:{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AddressThrottle(SimpleRateThrottle):
    """A budget per client address, whoever calls from it (also anonymous and failed sign-ins)."""

    scope = "address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
