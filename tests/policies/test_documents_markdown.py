"""A policy's Markdown renders inert: no raw HTML, no script links however spelt, no outside images."""

import pytest
from django.template import Context, Template

from policies.templatetags.policy_text import render_markdown, safe_link

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](java%09script:alert(1))",
    "[x](java%0ascript:alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "[x]: javascript:alert(1)\n\n[x]",
    '[x](http://example.com "a" onclick="alert(1)")',
    "![a](javascript:alert(1))",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_renders_inert(text):
    html = str(render_markdown(text)).lower()
    assert "<script" not in html
    assert "<img" not in html
    assert "onerror=" not in html or "&lt;img" in html
    assert 'href="javascript' not in html
    assert 'href="java%' not in html
    assert 'href="vbscript' not in html
    assert 'href="data:' not in html
    assert "onclick=" not in html or "onclick=&quot;" in html


def test_raw_html_shows_as_text():
    html = str(render_markdown("<script>alert(1)</script>"))
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"


def test_images_from_anywhere_are_not_loaded():
    html = str(render_markdown("![status](https://tracker.example/pixel.png)"))
    assert "<img" not in html


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://intranet.example/vpn", True),
        ("http://example.com", True),
        ("mailto:security@example.com", True),
        ("/policies/3/", True),
        ("#section-2", True),
        ("?page=2", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java%09script:alert(1)", False),
        ("java%2509script:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("file:///etc/passwd", False),
        ("ftp://example.com", False),
    ],
)
def test_only_web_mail_and_same_site_links_are_kept(url, allowed):
    assert safe_link(url) is allowed


def test_ordinary_markdown_renders_as_expected():
    html = str(
        render_markdown(
            "# Passwords\n\nUse the **password manager** for [every account](https://vault.example/).\n\n"
            "| Device | Encrypted |\n|---|---|\n| Laptop | yes |\n"
        )
    )
    assert "<h2>Passwords</h2>" in html  # one level below the page's own heading
    assert "<strong>password manager</strong>" in html
    assert '<a href="https://vault.example/">every account</a>' in html
    assert "<table>" in html


def test_the_template_filter_renders_without_double_escaping():
    html = Template("{% load policy_text %}{{ body|policy_markdown }}").render(Context({"body": "A & B <b>"}))
    assert html == "<p>A &amp; B &lt;b&gt;</p>\n"
