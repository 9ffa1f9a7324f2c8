"""A policy's Markdown, rendered safely: ``{{ version.body|policy_markdown }}``.

markdown-it-py with raw HTML off (a ``<script>`` or ``<img onerror>`` in the text shows as text), images off
(nothing is fetched from elsewhere when a page is read), and links only to http(s), mailto, or this site
(a path or an anchor). A link whose address is anything else (``javascript:``, ``data:``, ``vbscript:``, in
any case, entity-encoded or with control characters inside the scheme) is left as plain text. Headings move
one level down, so a policy's own ``# Title`` sits under the page's heading.
"""

import re
from urllib.parse import unquote

from django import template
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

register = template.Library()

SAFE_SCHEMES = {"http", "https", "mailto"}
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
# Characters a browser drops from a URL before reading its scheme: ASCII controls, whitespace.
INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


def safe_link(url: str) -> bool:
    """Whether a link to ``url`` may be rendered: http(s) and mailto, or a same-site address (a path, a
    query, an anchor). The address is read as a browser would (percent-decoding, controls dropped) before
    its scheme is looked at, so ``java%09script:`` is refused like ``javascript:``."""
    seen = url
    for _round in range(3):  # doubly encoded tricks: decode until nothing changes
        decoded = unquote(seen)
        if decoded == seen:
            break
        seen = decoded
    seen = INVISIBLE.sub("", seen).replace("\\", "/")
    scheme = SCHEME.match(seen)
    if scheme:
        return scheme.group(1).lower() in SAFE_SCHEMES
    # No scheme: a path on this site, unless a colon before the first slash makes a browser read one.
    return ":" not in seen.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]


def _heading_one_level_down(state) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + 1, 6)
            token.tag = f"h{level}"


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable(["image", "html_inline", "html_block"])
    md.validateLink = safe_link  # type: ignore[method-assign]  # markdown-it's documented hook
    md.core.ruler.push("heading_one_level_down", _heading_one_level_down)
    return md


MARKDOWN = _renderer()


def render_markdown(text: str) -> SafeString:
    """``text`` (Markdown) as HTML that runs nothing: every piece of the output is escaped by the renderer."""
    return mark_safe(MARKDOWN.render(text or ""))  # noqa: S308 - raw HTML is off and links are checked


@register.filter
def policy_markdown(text: str) -> SafeString:
    return render_markdown(text)
