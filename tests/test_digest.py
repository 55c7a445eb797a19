"""The program manager's digest: the period's facts by hand, the PDF attachment, sending and the command."""

from __future__ import annotations

import email
import email.utils
from pathlib import Path

import pandas as pd
import pytest
from conftest import SETTINGS, enriched, row
from test_mail_faults import serve, settings  # noqa: F401 (the fixture)
from typer.testing import CliRunner

from mentortrack.cli import app
from mentortrack.config import DigestSettings, Settings
from mentortrack.lifecycle.digest import Period, compose_digest, enrich_period, enriched_days, gather
from mentortrack.lifecycle.mailer import send, to_message
from mentortrack.wording import plural

REPORT = {"compare_min_sessions": 1, "dashboard_kpis": ["total_sessions", "completion_rate"]}


def changed(report: dict | None = None, report_url: str | None = None, threshold: float | None = None) -> Settings:
    """The shipped settings with the report settings :data:`REPORT` (and ``report``), the digest's ``report_url``
    and the health ``threshold`` changed."""
    lifecycle, warnings = SETTINGS.lifecycle, SETTINGS.warnings
    if report_url is not None:
        digest = DigestSettings.model_validate({**lifecycle.digest.model_dump(), "report_url": report_url})
        lifecycle = lifecycle.model_copy(update={"digest": digest})
    if threshold is not None:
        warnings = warnings.model_copy(update={"health": warnings.health.model_copy(update={"threshold": threshold})})
    return SETTINGS.model_copy(update={"report": SETTINGS.report.model_copy(update={**REPORT, **(report or {})}),
                                       "lifecycle": lifecycle, "warnings": warnings})


@pytest.fixture()
def table(tmp_path: Path) -> pd.DataFrame:
    rows = [
        row(Session_ID="P1", Session_Date="2025-09-03", Post_Session_Rating="5"),                 # week before
        row(Session_ID="W1", Session_Date="2025-09-08", Follow_Up_Scheduled="Yes"),                # Monday
        row(Session_ID="W2", Session_Date="2025-09-10", Post_Session_Rating="1",
            Learner_Feedback="Waste of time", Learner_ID="L2"),                                     # red
        row(Session_ID="W3", Session_Date="2025-09-14", Session_Status="No-show", Learner_Attended="No",
            Post_Session_Rating="", Actual_Duration_mins="0", Learner_Feedback="", Learner_ID="L3"),  # Sunday
        row(Session_ID="N1", Session_Date="2025-09-15"),                                           # next week
    ]
    return enriched(tmp_path, rows, ["Positive", "Positive", "Negative", "No feedback", "Positive"], [None] * 5)


def test_a_week_runs_monday_to_sunday_and_compares_with_the_week_before() -> None:
    week = Period.week_of(pd.Timestamp("2025-09-10"))
    assert (week.first, week.last) == (pd.Timestamp("2025-09-08"), pd.Timestamp("2025-09-14"))
    assert (week.previous_first, week.previous_last) == (pd.Timestamp("2025-09-01"), pd.Timestamp("2025-09-07"))
    month = Period.month("2025-03")
    assert (month.first, month.last, month.previous_first, month.previous_last) == (
        pd.Timestamp("2025-03-01"), pd.Timestamp("2025-03-31"), pd.Timestamp("2025-02-01"), pd.Timestamp("2025-02-28"))
    assert month.report_month == "2025-03" and week.report_month == "2025-09"


def test_the_facts_of_a_week_by_hand(table: pd.DataFrame, tmp_path: Path) -> None:
    facts = gather(table, Period.week_of(pd.Timestamp("2025-09-12")), changed(), tmp_path / "reports")
    assert (facts["sessions"], facts["previous_sessions"]) == (3, 1)
    kpis = {k["kpi"]: k for k in facts["kpis"]}
    # resolved this week: W1, W2 completed, W3 no-show -> 2/3; the week before: 1/1
    assert kpis["completion_rate"]["value"] == pytest.approx(2 / 3)
    assert kpis["completion_rate"]["delta"] == pytest.approx(2 / 3 - 1)
    assert kpis["total_sessions"]["delta"] == 2
    assert facts["red_count"] == 1 and [r["session_id"] for r in facts["red"]] == ["W2"]
    # open on Sunday: W2 (rated 1, negative, red), W3 (no-show: rebook); W1 and P1 need nothing
    assert facts["followup_count"] == 2
    assert facts["report_link"] is None and facts["attachments"] == ()


def test_too_few_sessions_are_not_compared(table: pd.DataFrame, tmp_path: Path) -> None:
    facts = gather(table, Period.week_of(pd.Timestamp("2025-09-12")), changed({"compare_min_sessions": 2}), tmp_path)
    assert not facts["comparable"] and all(k["delta"] is None for k in facts["kpis"])
    mail = compose_digest(facts, "pm@school.org", settings(25))
    assert "Too few sessions to compare with the week before (3 vs 1; 2 needed in each)." in mail.text
    assert "(+" not in mail.text and "(-" not in mail.text


PUBLISHED = "https://reports.school.org/mentoring/"
"""Where the reports of the digest tests are published."""


def test_a_monthly_digest_links_the_report_and_attaches_its_pdf(table: pd.DataFrame, tmp_path: Path) -> None:
    folder = tmp_path / "reports" / "2025-09"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("<html></html>", encoding="utf-8")
    (folder / "dashboard.pdf").write_bytes(b"%PDF-1.4 tiny")
    unpublished = gather(table, Period.month("2025-09"), changed(), tmp_path / "reports")
    assert unpublished["report_link"] is None and "file://" not in compose_digest(unpublished, "pm@school.org",
                                                                                 settings(25)).text
    assert "has no web address to link: set digest.report_url" in compose_digest(unpublished, "pm@school.org",
                                                                                 settings(25)).text
    facts = gather(table, Period.month("2025-09"), changed(report_url=PUBLISHED), tmp_path / "reports")
    mail = compose_digest(facts, "pm@school.org", settings(25))
    assert mail.key == "pm-digest:month:2025-09-01" and mail.subject.endswith("Program digest, September 2025")
    assert facts["report_link"] == "https://reports.school.org/mentoring/2025-09/index.html"
    assert facts["report_link"] in mail.html
    message = email.message_from_bytes(bytes(to_message(mail, "from@school.org")))
    assert email.utils.parsedate_to_datetime(message["Date"]).tzinfo is not None
    attached = [p for p in message.walk() if p.get_filename()]
    assert [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in attached] == [
        ("dashboard.pdf", "application/pdf", b"%PDF-1.4 tiny")]
    (folder / "mentors").mkdir()
    (folder / "mentors" / "pages.json").write_text('{"Sneha Reddy": "Sneha_Reddy.html"}')
    everyone = changed(report_url=PUBLISHED, threshold=100)  # every scored mentor below 100 is at risk
    linked = gather(table, Period.month("2025-09"), everyone, tmp_path / "reports")
    page = "https://reports.school.org/mentoring/2025-09/mentors/Sneha_Reddy.html"
    assert [(m["mentor_name"], m["page"]) for m in linked["at_risk"]] == [("Sneha Reddy", page)]
    assert f'<a href="{page}">Sneha Reddy</a>' in compose_digest(linked, "pm@school.org", settings(25)).html
    weekly = gather(table, Period.week_of(pd.Timestamp("2025-09-30")), changed(), tmp_path / "reports")
    assert weekly["attachments"] == ()


def test_feedback_in_the_digest_is_escaped(table: pd.DataFrame, tmp_path: Path) -> None:
    table = table.copy()
    table.loc[table["session_id"] == "W2", "reasons"] = "<script>alert(1)</script>"
    facts = gather(table, Period.week_of(pd.Timestamp("2025-09-12")), changed(), tmp_path)
    html = compose_digest(facts, "pm@school.org", settings(25)).html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_digest_is_sent_once(table: pd.DataFrame, serve, tmp_path: Path) -> None:  # noqa: ANN001, F811
    server, port = serve()
    facts = gather(table, Period.week_of(pd.Timestamp("2025-09-12")), changed(), tmp_path)
    mail = compose_digest(facts, "pm@school.org", settings(port))
    log = tmp_path / "sent_log.csv"
    assert send([mail], settings(port), log).sent == 1
    assert send([mail], settings(port), log).already_sent == 1
    assert server.received == ["pm-digest:week:2025-09-08"]


def test_the_command_on_the_bundled_sample(tmp_path: Path) -> None:
    out = tmp_path / "digest"
    result = CliRunner().invoke(app, ["digest", "--week-of", "2025-09-17", "--to", "pm@school.org",
                                      "--reports", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("digest, week of 2025-09-15: ")
    (eml,) = (out / "eml").iterdir()
    assert eml.name == "pm-digest_week_2025-09-15.eml"
    assert email.message_from_bytes(eml.read_bytes())["To"] == "pm@school.org"
    refused = CliRunner().invoke(app, ["digest", "--out", str(out)])
    assert refused.exit_code == 2 and "either --week-of" in refused.output
    stale = CliRunner().invoke(app, ["digest", "--month", "2031-01", "--out", str(out)])
    assert stale.exit_code == 2 and "the data ends on 2025-10-31, before the January 2031" in stale.output
    typo = CliRunner().invoke(app, ["digest", "--week-of", "nope", "--out", str(out)])
    assert typo.exit_code == 2 and "--week-of" in typo.output


def test_the_digest_reads_health_and_alerts_from_the_months_report_built_from_the_same_data(
        first_months: pd.DataFrame, first_months_export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from mentortrack.analytics.health import health_scores
    from mentortrack.lifecycle import digest
    from mentortrack.reports.context import ReportContext
    from mentortrack.reports.fingerprint import FINGERPRINT_FILE, file_digest, fingerprint
    from mentortrack.reports.shared_tables import compute_tables, tables_built_from, write_tables

    data = Path(shutil.copy(first_months_export, tmp_path / "export.csv"))
    folder = tmp_path / "reports" / "2025-09"
    history = first_months.assign(learner_feedback=first_months["learner_feedback"].where(
        first_months["session_id"] != "FM0002", "He asked me to message him on WhatsApp instead"))
    ctx = ReportContext(history=history, scope=history[history["month"] == "2025-09"], month="2025-09",
                        data_label="export.csv", output_dir=folder, settings=SETTINGS)
    write_tables(compute_tables(ctx, SETTINGS), folder)
    assert tables_built_from(folder, data, SETTINGS) is None, "no fingerprint: not the report of this data"
    (folder / FINGERPRINT_FILE).write_text(fingerprint(file_digest(data), data, "2025-09", False, SETTINGS))
    tables = tables_built_from(folder, data, SETTINGS)
    assert tables is not None and len(tables.safeguarding) >= 1

    def computed_again(*args: object, **kwargs: object) -> object:
        raise AssertionError("the digest computed a shared table again")

    monkeypatch.setattr(digest, "health_scores", computed_again)
    monkeypatch.setattr(digest, "safeguarding_alerts", computed_again)
    facts = gather(first_months, Period.month("2025-09"), SETTINGS, tmp_path / "reports", tables)
    assert [a["session_id"] for a in facts["safeguarding"]] == \
        [s for s in tables.safeguarding["session_id"] if s.startswith("FM")]
    scores = health_scores(history, SETTINGS.warnings.health)
    at_risk = scores[(scores["month"] == "2025-09") & scores["at_risk"]]
    assert sorted(m["mentor_name"] for m in facts["at_risk"]) == sorted(at_risk["mentor_name"])
    data.write_text(data.read_text() + data.read_text().splitlines()[-1].replace("FM0089", "FM0090") + "\n")
    assert tables_built_from(folder, data, SETTINGS) is None, "the export changed since the report"


def test_the_days_a_digest_reads_enriched_by_hand() -> None:
    followups = SETTINGS.lifecycle.followups  # window_days: 14
    assert followups.window_days == 14
    # a month: the month before (from 1 Aug), the month itself; the follow-up window of its first day (from
    # 18 Aug: the queues are made on the data's last day when the data ends inside the month) lies inside
    assert enriched_days(Period.month("2025-09"), followups, 1) == (pd.Timestamp("2025-08-01"), pd.Timestamp("2025-09-30"))
    # the mentors to watch are judged over the ranking's window: three months reach back to 1 July
    assert enriched_days(Period.month("2025-09"), followups, 3) == (pd.Timestamp("2025-07-01"), pd.Timestamp("2025-09-30"))
    # the week of 6–12 Oct: the follow-up window of its first day, from 22 Sep, starts before the week before
    # (29 Sep) and the month (1 Oct); to the end of October, the month whose health the digest shows
    assert enriched_days(Period.week_of(pd.Timestamp("2025-10-08")), followups, 1) == (
        pd.Timestamp("2025-09-22"), pd.Timestamp("2025-10-31"))


def test_enriching_the_period_only_gives_the_digest_of_the_whole_enrichment(first_months_export: Path,
                                                                            tmp_path: Path) -> None:
    from mentortrack.analytics.enrich import enrich
    from mentortrack.contract.load import load_sessions

    # a one-month ranking window, so the week's digest reads part of the five weeks of data enriched
    one_month = SETTINGS.model_copy(update={"warnings": SETTINGS.warnings.model_copy(update={
        "mentors": SETTINGS.warnings.mentors.model_copy(update={"window_months": 1})})})
    sessions = load_sessions(first_months_export, timezone=SETTINGS.lifecycle.timezone).sessions
    whole = enrich(sessions, one_month)
    period = Period.week_of(pd.Timestamp("2025-10-08"))
    part = enrich_period(sessions, period, one_month)
    read = (sessions["session_date"] >= pd.Timestamp("2025-09-22")) & (sessions["session_date"] <= pd.Timestamp("2025-10-31"))
    assert 0 < int(read.sum()) < len(sessions)
    alone = enrich(sessions[read], one_month)
    assert (alone["no_show_count"] != whole.loc[read, "no_show_count"]).any(), "a learner's no-shows before the period count"
    pd.testing.assert_frame_equal(part.loc[read, whole.columns], whole.loc[read], check_dtype=False)
    assert part.loc[~read, "sentiment"].isna().all()
    facts, expected = (gather(frame, period, one_month, tmp_path) for frame in (part, whole))
    assert {k: str(v) for k, v in facts.items()} == {k: str(v) for k, v in expected.items()}


def test_the_command_reads_the_months_report_built_from_the_same_data_and_enriches_nothing(
        first_months: pd.DataFrame, first_months_export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from mentortrack.analytics import enrich
    from mentortrack.reports.context import ReportContext
    from mentortrack.reports.fingerprint import FINGERPRINT_FILE, file_digest, fingerprint
    from mentortrack.reports.shared_tables import compute_tables, write_tables
    from mentortrack.reports.storage import write_table

    data = Path(shutil.copy(first_months_export, tmp_path / "export.csv"))
    folder = tmp_path / "reports" / "2025-09"
    ctx = ReportContext(history=first_months, scope=first_months[first_months["month"] == "2025-09"], month="2025-09",
                        data_label="export.csv", output_dir=folder, settings=SETTINGS)
    tables = compute_tables(ctx, SETTINGS)
    write_tables(tables, folder)
    write_table(first_months, folder / "enriched.parquet")
    (folder / FINGERPRINT_FILE).write_text(fingerprint(file_digest(data), data, "2025-09", False, SETTINGS))

    def enriched_again(*args: object, **kwargs: object) -> object:
        raise AssertionError("the digest enriched the export again")

    monkeypatch.setattr(enrich, "enrich", enriched_again)
    result = CliRunner().invoke(app, ["digest", str(data), "--month", "2025-09", "--reports", str(tmp_path / "reports"),
                                      "--out", str(tmp_path / "digest")])
    assert result.exit_code == 0, result.output
    facts = gather(first_months, Period.month("2025-09"), SETTINGS, tmp_path / "reports", tables)
    assert result.stdout.startswith(f"digest, September 2025: {facts['sessions']} sessions, {facts['red_count']} red, "
                                    f"{plural(len(facts['at_risk']), 'mentor')} at risk, "
                                    f"{plural(facts['followup_count'], 'open follow-up')}")
    data.write_text(data.read_text() + data.read_text().splitlines()[-1].replace("FM0089", "FM0090") + "\n")
    changed = CliRunner().invoke(app, ["digest", str(data), "--month", "2025-09", "--reports",
                                       str(tmp_path / "reports"), "--out", str(tmp_path / "digest")])
    assert changed.exit_code == 1 and isinstance(changed.exception, AssertionError), "a changed export is enriched"


def test_the_digest_says_each_share_with_its_base_and_makes_its_queues_on_the_datas_last_day(
        table: pd.DataFrame, tmp_path: Path) -> None:
    late = table["session_id"] == "W2"
    table.loc[late, ["learner_feedback", "themes", "points"]] = ["Mentor was late", "Punctuality", "mentor late"]
    week = compose_digest(gather(table, Period.week_of(pd.Timestamp("2025-09-12")), changed(), tmp_path),
                          "pm@school.org", settings(25))
    assert "- Completion rate: 66.7% (2 of 3 non-rescheduled sessions), " in week.text
    assert "2 of 3 non-rescheduled sessions" in week.html
    assert "Complaint themes of negative feedback:\n- " in week.text, "each theme on a line of its own"
    partial = gather(table, Period.week_of(pd.Timestamp("2025-09-16")), changed(), tmp_path)  # data through 15 Sep
    assert partial["as_of"] == pd.Timestamp("2025-09-15")
    text = compose_digest(partial, "pm@school.org", settings(25)).text
    assert "Open follow-ups on 2025-09-15:" in text and "Feedback reminders due on 2025-09-15:" in text


def test_mentors_below_the_threshold_are_counted_among_those_with_a_score(table: pd.DataFrame, tmp_path: Path) -> None:
    facts = gather(table, Period.week_of(pd.Timestamp("2025-09-12")), changed(), tmp_path)
    text = compose_digest(facts, "pm@school.org", settings(25)).text
    threshold = int(SETTINGS.warnings.health.threshold)
    assert facts["scored"] == 1, "one mentor, four sessions in September: scored"
    assert f"Mentors below the health threshold ({threshold}) in 2025-09: 0 of 1 with a score" in text
    unscored = {**facts, "scored": 0, "at_risk": []}
    assert f"({threshold}) in 2025-09: none has a score yet" in compose_digest(unscored, "pm@school.org", settings(25)).text


def test_a_partial_month_digest_says_what_it_covers_and_compares_no_count(first_months: pd.DataFrame,
                                                                           tmp_path: Path) -> None:
    facts = gather(first_months, Period.month("2025-10"), SETTINGS, tmp_path)
    mail = compose_digest(facts, "pm@school.org", settings(25))
    september, october = (int((first_months["month"] == m).sum()) for m in ("2025-09", "2025-10"))
    assert mail.text.startswith("Program digest, October 2025 (2025-10-01 to 2025-10-09)")
    assert "Data through 9 Oct 2025: partial month." in mail.text
    assert all(k["delta"] is None for k in facts["kpis"] if k["kpi"] == "total_sessions")
    assert (f"Counts of a partial month are not compared with a whole one; shares are not either: too few sessions "
            f"({october} vs {september}; {SETTINGS.report.compare_min_sessions} needed in each).") in mail.text
    assert facts["watch"].startswith("1 to watch over Sep 2025 – 9 Oct 2025: ") and f"\n{facts['watch']}.\n" in mail.text
    due = facts["reminder_count"]
    assert due and len([line for line in mail.text.splitlines() if line.startswith("- reminder: ")]) == min(due, 10)
    first = compose_digest(gather(first_months, Period.month("2025-09"), SETTINGS, tmp_path), "pm@school.org",
                           settings(25)).text
    assert "The month before has no sessions in the data: no change is shown." in first
