"""Template helpers of the page layout (templates/base.html).

``{% shared name=value ... %}...{% endshared %}`` marks a stretch of the layout that is the same for
everyone who reads the portal in one language: words, links, static files, no one's data. It is rendered
once per process for each language, URL configuration, script prefix and set of the values named on the
tag, and then reused, so the header's dozens of ``{% translate %}``, ``{% url %}`` and ``{% static %}``
tags cost a dictionary look-up a page. Inside, only the values named on the tag can be read (never the
page's context: nobody's name or token can end up in what another person is served), so whatever the
stretch varies on is named, e.g. ``{% shared officer=user.is_security_officer %}``; keep those few and
boolean. A block cannot be inside (a page could not fill it).
"""

import html
import itertools

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import token_kwargs
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.autoreload import file_changed
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

_MAX_FRAGMENTS = (
    1000  # a bound, far above the layout's fragments x languages x flags; reached, all start over
)
_fragments: dict[tuple, str] = {}
_serials = itertools.count()  # each {% shared %} as compiled: its own entries (never reused, unlike id())


@receiver(setting_changed)
@receiver(file_changed)
def _forget_fragments(**kwargs) -> None:
    """Changed settings (tests) or an edited template (the development server) render them anew."""
    _fragments.clear()


class SharedNode(template.Node):
    def __init__(self, nodelist, values):
        self.nodelist = nodelist
        self.values = values
        self.serial = next(_serials)

    def render(self, context):
        values = {name: value.resolve(context) for name, value in self.values.items()}
        key = (
            self.serial,
            tuple(values.items()),
            get_language(),
            get_urlconf() or settings.ROOT_URLCONF,
            get_script_prefix(),
            context.autoescape,
        )
        html = _fragments.get(key)
        if html is None:
            if len(_fragments) >= _MAX_FRAGMENTS:
                _fragments.clear()
            html = _fragments[key] = self.nodelist.render(context.new(values))  # already safe: a template's
        return html


@register.tag
def shared(parser, token):
    """``{% shared [name=value ...] %}...{% endshared %}``: rendered once per language and values (above)."""
    bits = token.split_contents()[1:]
    values = token_kwargs(bits, parser, support_legacy=False)
    if bits:
        raise template.TemplateSyntaxError(f"'shared' takes only name=value arguments, not {bits[0]!r}")
    nodelist = parser.parse(("endshared",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError("'shared' cannot hold a block: a page could not fill it")
    return SharedNode(nodelist, values)


_CURRENT = ' aria-current="page"'


def _escaped(text) -> str:
    """As Django's ``conditional_escape`` (the standard library's ``html.escape``, unless already safe),
    without its check for lazy arguments: the links' labels and URLs are plain strings."""
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))


@register.simple_tag
def nav_links(links) -> str:
    """The menu's or the second row's links (``dpms.navigation``), each ``<a href="url">label</a>``, the
    current one with ``aria-current="page"``: written here rather than by a loop of template tags, as every
    page shows them."""
    written = []
    for link in links:
        current = _CURRENT if link["current"] else ""
        written.append(f'<a href="{_escaped(link["url"])}"{current}>{_escaped(link["label"])}</a>')
    return mark_safe("".join(written))  # noqa: S308 - every value in it is escaped
