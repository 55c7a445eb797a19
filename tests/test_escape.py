"""The one escaping path, medium by medium, and the places that used to bypass it."""

from __future__ import annotations

import jinja2
import mistune
import pandas as pd
from test_hostile import LINK, MATH, SCRIPT, live

from mentortrack.contract.text import normalise_value
from mentortrack.reports import charts, tables
from mentortrack.reports.escape import body_text, header_text, html_text, ics_text, markdown_text


def test_html_text_escapes_markup_and_quotes() -> None:
    assert html_text('<a href="x" onclick=\'y\'>') == "&lt;a href=&quot;x&quot; onclick=&#x27;y&#x27;&gt;"
    assert html_text(None) == "" and html_text(float("nan")) == "" and html_text(3) == "3"


def test_markdown_text_renders_as_the_characters_it_holds() -> None:
    for value in [SCRIPT, LINK, "![x](javascript:alert(1))", "**bold** _it_ `code`", MATH, "# heading", "- item",
                  "12. item", "<https://evil.example>", "a | b", "~~gone~~", "&lt;"]:
        rendered = mistune.html(markdown_text(value))
        assert live(rendered) == [] and "<a " not in rendered and "<img" not in rendered, value
        for tag in ("<em>", "<strong>", "<code>", "<h1>", "<li>", "<del>", "<script"):
            assert tag not in rendered, (value, rendered)
    assert markdown_text("Dates 2025-09-08, a - b. Fine") == "Dates 2025-09-08, a - b. Fine"  # readable as text
    assert markdown_text("line\u2028break") == "line break"


def test_header_text_is_one_line_and_body_text_keeps_only_newlines() -> None:
    assert header_text("Budget\u2028track\x85NEL\x0bVT\x0cFF\r\nCRLF\x00") == "Budget track NEL VT FF CRLF"
    assert body_text("a\u2028b\r\nc\x85d\x00e") == "a\nb\nc\nde"
    assert ics_text("x\u2029y") == "x\ny"


def test_contract_text_is_nfc_without_line_breaks() -> None:
    decomposed = "Jose\u0301"
    assert normalise_value(decomposed) == "Jos\u00e9" and normalise_value("a\u2028b\x85c") == "a b c"


def test_a_later_format_cannot_unescape_a_styled_table() -> None:
    frame = pd.DataFrame({"mentor_name": [SCRIPT, "<img src=x onerror=alert(2)>"], "score": [31.0, 55.0]})
    styler = tables.styled(frame, show_pii=False)
    styler = styler.format({"mentor_name": lambda v: v}).format(lambda v: v, subset=["mentor_name"])
    assert live(styler.to_html()) == [] and "&lt;script&gt;" in styler.to_html()
    health = tables.health_table(frame, 40).to_html()
    assert live(health) == [] and "&lt;img src=x" in health


def test_links_in_a_table_keep_their_escaped_text_and_url() -> None:
    frame = pd.DataFrame({"mentor_name": [SCRIPT]})
    page = tables.styled(frame, show_pii=False, links={"mentor_name": {SCRIPT: 'mentors/a".html'}}).to_html()
    assert '<a href="mentors/a&quot;.html">&lt;script&gt;alert(1)&lt;/script&gt;</a>' in page and live(page) == []


def test_a_mathtext_name_is_drawn_as_text() -> None:
    scope = pd.DataFrame({"mentor_name": [MATH, "$\\frac{", "Ann"], "level": ["red", "amber", "green"]})
    figure = charts.warnings_per_mentor(scope, title="Warnings per mentor")
    image = charts.image_html(figure)  # mathtext would raise while drawing "$_$"
    assert image.startswith('<img class="mt-chart"')
    labels = [t.get_text() for ax in figure.axes for t in ax.get_yticklabels() + ax.get_xticklabels()]
    assert any(MATH in label for label in labels)


def test_reports_from_the_bundled_sample_say_so_on_every_page() -> None:
    env = jinja2.Environment(loader=jinja2.PackageLoader("mentortrack", "templates"), autoescape=True,
                             undefined=jinja2.ChainableUndefined)  # only the banner matters here
    common = {"title": "t", "generated": "now", "data_through": "2025-10-31", "score": None}
    for template in ("page_chrome.html.j2", "mentor_page.html.j2", "index.html.j2"):
        extra = {"counts": {}, "notebooks": [], "mentor_pages": {}, "exports": []} if template == "index.html.j2" else {}
        sample = env.get_template(template).render(**common, **extra, data_label="bundled sample")
        own = env.get_template(template).render(**common, **extra, data_label="export.csv")
        assert "Sample data" in sample and "Sample data" not in own, template
