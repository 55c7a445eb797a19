"""A page per mentor: its figures by hand on a small frame, safe to forward, linked by name."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import SETTINGS, enriched, row

from mentortrack.analytics.health import health_scores
from mentortrack.reports.context import open_report
from mentortrack.reports.mentor_pages import page_links, page_names, write_contents, write_mentor_pages
from mentortrack.reports.storage import write_table
from mentortrack.reports.tables import styled

MENTOR = "Asha <i>K</i>"
XSS = "<script>alert(1)</script>"


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    rows = [
        row(Session_ID="A1", Session_Date="2025-09-02", Mentor_Name=MENTOR, Post_Session_Rating="5",
            Follow_Up_Scheduled="Yes", Learner_ID="L1", Learner_Name="Learner_9", Learner_Email="secret@x.org",
            Learner_Feedback=f"Loved the {XSS} mock interview"),
        row(Session_ID="A2", Session_Date="2025-09-20", Mentor_Name=MENTOR, Post_Session_Rating="1",
            Learner_ID="L2", Learner_Feedback="The mentor was late and unprepared"),
        row(Session_ID="A3", Session_Date="2025-09-25", Mentor_Name=MENTOR, Session_Status="No-show",
            Learner_Attended="No", Post_Session_Rating="", Actual_Duration_mins="0", Learner_Feedback="",
            Learner_ID="L3"),
        row(Session_ID="B1", Session_Date="2025-09-05", Mentor_Name="Ben Other", Post_Session_Rating="3",
            Learner_ID="L4", Learner_Feedback="It was fine"),
        row(Session_ID="A0", Session_Date="2025-08-12", Mentor_Name=MENTOR, Post_Session_Rating="4",
            Learner_ID="L5", Learner_Feedback="Good tips"),
    ]
    table = enriched(tmp_path, rows, ["Positive", "Negative", "No feedback", "Neutral", "Positive"],
                     ["mock interview", "late mentor", None, "fine", "tips"])
    out = tmp_path / "report"
    out.mkdir()
    write_table(table, out / "enriched.parquet")
    write_contents(out, table[table["month"] == "2025-09"])
    ctx = open_report(out / "enriched.parquet", "2025-09", out, "hand-built", False, SETTINGS)
    write_mentor_pages(out, ctx, ctx.tables)
    return out


def test_page_names_are_safe_and_unique() -> None:
    names = page_names(pd.Series(["A_B", "A/B", "../../etc", None, "A/B"]))
    assert names == {"../../etc": "etc.html", "A/B": "A_B.html", "A_B": "A_B-2.html"}


def test_pages_are_listed_and_linked(folder: Path) -> None:
    contents = json.loads((folder / "mentors" / "pages.json").read_text())
    assert contents == {MENTOR: "Asha_i_K_i.html", "Ben Other": "Ben_Other.html"}
    assert page_links(folder) == {MENTOR: "mentors/Asha_i_K_i.html", "Ben Other": "mentors/Ben_Other.html"}
    assert page_links(folder / "elsewhere") == {}


def test_the_page_by_hand(folder: Path) -> None:
    page = (folder / "mentors" / "Asha_i_K_i.html").read_text()
    assert "<title>Asha &lt;i&gt;K&lt;/i&gt; — September 2025</title>" in page
    assert "September 2025: 3 sessions, 2 completed." in page
    # completion: 2 completed of 3 resolved (66.7 %) against the program's 3 of 4 (75.0 %)
    assert "<td>Completion rate</td><td><b>66.7%</b></td><td>3</td>" in page and "<td>75.0%</td>" in page
    # average rating (5 + 1) / 2 = 3.00 over 2 rated; the program (5 + 1 + 3) / 3 = 3.00
    assert "<td>Average rating</td><td><b>3.00</b></td><td>2</td>" in page
    # 3 sessions, 2 completed: fewer completed sessions than the health score needs (3)
    score = health_scores(pd.read_parquet(folder / "enriched.parquet"), SETTINGS.warnings.health)
    assert score[(score["mentor_name"] == MENTOR) & (score["month"] == "2025-09")]["score"].isna().all()
    assert 'no score</span> 3 sessions, 2 completed this month; a score needs 3 completed' in page
    # red: A2 only (rated 1, negative); open on 25 September (14-day window): A2 and A3 (no-show: rebook)
    assert "Red sessions, September 2025: 1" in page and "<td class=\"nowrap\">A2</td>" in page
    # the data ends on 25 September (a partial month): follow-ups are open as of that day
    assert "Open follow-ups on 2025-09-25: 2" in page and "learner no-show: rebook" in page
    assert "Sessions of the last 14 days that need a follow-up" in page
    # themes and quotes over July to September: praise from A1 and A0, complaints from A2
    assert "<span class=\"chip\">Mock-interview realism — 1 praise: &#39;Loved the &lt;script&gt;" in page
    assert ("<span class=\"chip complaint\">Punctuality — 1 complaint: &#39;The mentor was late and unprepared&#39;"
            "</span>") in page
    assert "Preparation — 1 complaint" in page
    # the chips quote it already: no blockquote repeats it
    assert "<blockquote>The mentor was late and unprepared</blockquote>" not in page
    assert page.count("The mentor was late and unprepared") == 2, "in the Punctuality and the Preparation chip"


def test_a_page_without_praise_or_complaints_says_there_was_none(folder: Path) -> None:
    page = (folder / "mentors" / "Ben_Other.html").read_text()
    assert "<em>no positive feedback</em>" in page and "<em>no negative feedback</em>" in page
    assert "no theme found" not in page


def test_the_page_is_safe_to_forward(folder: Path) -> None:
    page = (folder / "mentors" / "Asha_i_K_i.html").read_text()
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Learner_9" not in page and "secret@x.org" not in page and "<td>L2</td>" in page
    assert "Ben Other" not in page and "It was fine" not in page


def test_table_cells_link_with_text_and_url_escaped() -> None:
    frame = pd.DataFrame({"mentor_name": ["A<b>", "Plain"], "sessions": [3, 4]})
    html = styled(frame, links={"mentor_name": {"A<b>": 'mentors/a".html'}}).to_html()
    assert '<a href="mentors/a&quot;.html">A&lt;b&gt;</a>' in html
    assert ">Plain<" in html and "<b>" not in html


def test_each_mentors_rows_are_split_once_and_match_a_filter(folder: Path) -> None:
    from mentortrack.reports.mentor_pages import mentor_rows

    ctx = open_report(folder / "enriched.parquet", "2025-09", folder, "hand-built", False, SETTINGS)
    window = ctx.window(SETTINGS.warnings.mentors.window_months)
    assert ctx.window(SETTINGS.warnings.mentors.window_months) is window, "a window is selected once per context"
    rows = mentor_rows(ctx)
    assert set(rows) == {MENTOR, "Ben Other"}
    for mentor, own in rows.items():
        for part, frame in zip(own, (ctx.history, ctx.scope, window)):
            pd.testing.assert_frame_equal(part, frame[frame["mentor_name"] == mentor])
    assert sorted(rows[MENTOR].history["session_id"]) == ["A0", "A1", "A2", "A3"]
    assert sorted(rows[MENTOR].scope["session_id"]) == ["A1", "A2", "A3"]
