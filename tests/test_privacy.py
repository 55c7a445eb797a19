"""PII masking, formula neutralisation and escaped report tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mentortrack.reports.privacy import mask_pii, neutralize_formulas
from mentortrack.reports.tables import format_delta, format_value, kpi_tiles, level_table, styled


def test_mask_pii_on_canonical_and_export_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOW_PII", raising=False)
    frame = pd.DataFrame({"learner_email": ["learner_126@gmail.com", None], "learner_name": ["Learner_126", ""],
                          "Learner_Email": ["a.b@x.org", "not-an-email"], "learner_id": ["L1", "L2"]})
    masked = mask_pii(frame)
    assert masked["learner_email"].tolist()[0] == "l***@gmail.com" and pd.isna(masked["learner_email"].iloc[1])
    assert masked["learner_name"].tolist() == ["L***", ""]
    assert masked["Learner_Email"].tolist() == ["a***@x.org", "***"]
    assert masked["learner_id"].tolist() == ["L1", "L2"]
    assert mask_pii(frame, show_pii=True).equals(frame)
    monkeypatch.setenv("SHOW_PII", "1")
    assert mask_pii(frame)["learner_email"].iloc[0] == "learner_126@gmail.com"


def test_neutralize_formulas_leaves_numbers_alone() -> None:
    frame = pd.DataFrame({"text": ["=1+1", "+SUM(A1)", "-cmd", "@x", "\tx", "ok", None], "n": [-1, 2, 3, 4, 5, 6, 7]})
    safe = neutralize_formulas(frame)
    assert safe["text"].tolist()[:6] == ["'=1+1", "'+SUM(A1)", "'-cmd", "'@x", "'\tx", "ok"]
    assert pd.isna(safe["text"].iloc[6]) and safe["n"].tolist() == [-1, 2, 3, 4, 5, 6, 7]
    assert frame["text"].iloc[0] == "=1+1"


def test_styled_tables_escape_and_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOW_PII", raising=False)
    frame = pd.DataFrame({"learner_feedback": ["<script>alert(1)</script>"], "learner_email": ["x_1@gmail.com"],
                          "rate": [0.25], "level": ["red"]})
    for html in (styled(frame, percent=["rate"]).to_html(), level_table(frame).to_html()):
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "x_1@gmail.com" not in html and "x***@gmail.com" in html
    assert "25.0%" in styled(frame, percent=["rate"]).to_html()
    assert "background-color: #ffebee" in level_table(frame).to_html()


def test_kpi_formatting_and_tiles() -> None:
    assert format_value("completion_rate", 0.6489) == "64.9%"
    assert format_value("avg_rating", 3.4918) == "3.49"
    assert format_value("total_sessions", 1991.0) == "1,991"
    assert format_value("avg_rating", math.nan) == "–"
    assert format_delta("no_show_rate", -0.115) == "-11.5 pp"
    assert format_delta("total_sessions", -7.0) == "-7"
    assert format_delta("avg_rating", math.nan) == "no previous month"
    table = pd.DataFrame({"kpi": ["no_show_rate", "avg_rating"], "value": [0.1, 3.5], "delta": [-0.05, -0.2]})
    table.attrs["previous_month"] = "2025-08"
    html = kpi_tiles(table, ["no_show_rate", "avg_rating"])
    assert html.count("vs 2025-08") == 2
    assert "color:#1b5e20\">-5.0 pp vs 2025-08 (better)" in html and "color:#b71c1c\">-0.20 vs 2025-08 (worse)" in html
