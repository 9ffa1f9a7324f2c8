"""What every page needs: the signed-in person's unread count and role flags for the navigation."""

from dpms import navigation
from dpms.models import Notification


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_count": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        "app_nav": navigation.menu(request),
        "app_subnav": navigation.section_links(request),
    }
