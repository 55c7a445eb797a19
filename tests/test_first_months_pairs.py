"""The issue-23 features on data shaped like a program's first months: one month and a few days of the next,
15 mentors with 2 to 10 sessions each, the real export's feedback sentences, one planted concerning comment
rated 5 and one harmless comment rated 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import SETTINGS, enriched, row
from test_webhooks import Hook
from typer.testing import CliRunner

from mentortrack.analytics.pairs import STATUSES, pair_status
from mentortrack.analytics.safeguarding import safeguarding_alerts
from mentortrack.cli import app
from mentortrack.config import NudgeSettings
from mentortrack.lifecycle.reminders import due_nudges
from mentortrack.reports.storage import write_table

FEEDBACK = ["Excellent career guidance, very motivating", "Mentor was late, shortened our discussion time",
            "Session felt rushed, didn't get enough time", "Vague advice, expected more concrete steps", ""]
PLANTED = "Great mentor, but he asked for my WhatsApp number to talk privately"
HARMLESS = "I felt safe asking basic questions, though it was slow"


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    rows, labels, day = [], [], pd.Timestamp("2025-09-01")
    for m in range(15):
        for k in range(2 + m % 9):                                    # 2..10 sessions per mentor
            i = len(rows)
            status = ["Completed", "Completed", "Completed", "No-show", "Cancelled"][i % 5]
            text = FEEDBACK[i % 5] if status == "Completed" else ""
            rating = str(1 + (i * 7) % 5) if status == "Completed" else ""
            rows.append(row(Session_ID=f"SS{1001 + i}", Session_Date=f"{day + pd.Timedelta(days=i % 35):%Y-%m-%d}",
                            Mentor_Name=f"Mentor {m:02d}", Learner_ID=f"L{m:02d}{k % 3}", Session_Status=status,
                            Post_Session_Rating=rating, Learner_Feedback=text,
                            Learner_Attended="Yes" if status == "Completed" else "No",
                            Actual_Duration_mins="45" if status == "Completed" else "0",
                            Learner_Email=f"l{m:02d}{k % 3}@example.org"))
            labels.append({"Excellent": "Positive", "": "No feedback"}.get(text.split(" ")[0], "Negative"))
    rows += [row(Session_ID="SS9001", Session_Date="2025-10-04", Mentor_Name="Mentor 03", Learner_ID="L900",
                 Post_Session_Rating="5", Learner_Feedback=PLANTED),
             row(Session_ID="SS9002", Session_Date="2025-10-04", Mentor_Name="Mentor 04", Learner_ID="L901",
                 Post_Session_Rating="2", Learner_Feedback=HARMLESS)]
    labels += ["Positive", "Negative"]
    return enriched(tmp_path_factory.mktemp("first"), rows, labels, [None] * len(rows))


def test_only_the_planted_comment_alerts(program: pd.DataFrame) -> None:
    alerts = safeguarding_alerts(program, SETTINGS.safeguarding)
    assert alerts[["session_id", "mentor_name", "learner_id", "quote"]].values.tolist() == [
        ["SS9001", "Mentor 03", "L900", PLANTED]]


def test_pair_statuses_are_complete_and_explained(program: pd.DataFrame) -> None:
    pairs = pair_status(program, pd.Timestamp("2025-10-05"), SETTINGS.warnings.pairs, SETTINGS.lifecycle.followups)
    assert set(pairs["status"]) <= set(STATUSES) and (pairs["reason"].str.len() > 0).all()
    assert not pairs.duplicated(["mentor_name", "learner_id"]).any()
    assert pairs["booked"].sum() == len(program)                      # every session is in one listed pair
    one = pairs[(pairs["mentor_name"] == "Mentor 03") & (pairs["learner_id"] == "L900")].iloc[0]
    assert (one["status"], one["reason"]) == ("Too early to tell", "1 session booked; 3 needed to judge")


def test_nudges_go_to_the_learners_quiet_for_thirty_days(program: pd.DataFrame) -> None:
    steps = NudgeSettings(days=[30, 90], window_days=14)
    last = program.groupby("learner_id")["session_date"].max()
    quiet = sorted(last[last <= pd.Timestamp("2025-09-05")].index)     # 30+ days before 5 October
    due = due_nudges(program, pd.Timestamp("2025-10-05"), steps)
    assert sorted(due["learner_id"]) == quiet and len(quiet) and (due["stage_day"] == 30).all()
    assert due_nudges(program, pd.Timestamp("2025-09-30"), steps).empty   # the data is 29 days old


def test_the_alert_reaches_a_local_webhook_and_the_url_is_written_nowhere(program: pd.DataFrame,
                                                                           tmp_path: Path) -> None:
    hook = Hook([200])
    try:
        path = write_table(program, tmp_path / "enriched.parquet")
        out = tmp_path / "alerts"
        result = CliRunner().invoke(app, ["alerts", str(path), "--as-of", "2025-10-04 23:00", "--out", str(out),
                                          "--webhook", hook.url, "--webhook-service", "slack"])
    finally:
        hook.server.shutdown()
        hook.server.server_close()
    assert result.exit_code == 0, result.output
    posted = json.dumps(hook.bodies)
    assert "SS9001" in posted and "WhatsApp" in posted and "I felt safe" not in posted
    written = "".join(p.read_text(encoding="utf-8") for p in out.iterdir())
    assert "s3cr3t" not in written + result.output


@pytest.mark.slow
def test_the_dashboard_shows_the_alert_first_and_escaped(program: pd.DataFrame, tmp_path: Path) -> None:
    import nbformat
    import papermill as pm

    from mentortrack.paths import notebook_path

    planted = program.assign(learner_feedback=program["learner_feedback"].where(
        program["session_id"] != "SS9001", PLANTED + " <script>x</script>"))
    path = write_table(planted, tmp_path / "enriched.parquet")
    out = tmp_path / "07.ipynb"
    pm.execute_notebook(str(notebook_path("07_dashboard")), str(out), kernel_name="mentortrack", progress_bar=False,
                        parameters={"enriched_path": str(path), "month": "2025-10", "output_dir": str(tmp_path)})
    html = " ".join(str(o.get("data", {}).get("text/html", "")) for c in nbformat.read(out, as_version=4).cells
                    if c.cell_type == "code" for o in c.outputs)
    assert html.index("Safeguarding alerts: 1") < html.index("kpi")            # above the KPI tiles
    assert "SS9001" in html and "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x</script>" not in html
    assert "I felt safe" not in html.split("Safeguarding alerts: 1")[1].split("</table>")[0]
