"""Seaborn charts for the reports: each function takes tables and returns a titled Figure.

Figures are plain :class:`matplotlib.figure.Figure` objects, never registered with
pyplot: no global figure state, so a chart drawn inside an ipywidgets callback
renders every time (pyplot figures there come back blank). They are shown as
embedded PNG images whose alt text is the title (:func:`show`, :func:`grid`).

Charts never show learner names or e-mails; colours for levels and sentiment are
fixed here so every report reads the same way. Bars carry their values.
"""

from __future__ import annotations

import base64
import html
import io

import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from mentortrack.analytics.early_warnings import LEVEL_COLOURS, LEVELS
from mentortrack.analytics.kpis import KPI_LABELS
from mentortrack.contract.schema import PREP_LEVELS, STATUSES
from mentortrack.reports.tables import HIGHER_IS_BETTER, side_by_side

SENTIMENT_COLOURS = {"Positive": "#2e7d32", "Neutral": "#90a4ae", "Negative": "#c62828", "No feedback": "#e0e0e0"}
STATUS_COLOURS = {"Completed": "#2e7d32", "No-show": "#ef6c00", "Cancelled": "#c62828", "Rescheduled": "#5c6bc0"}


def use_theme() -> None:
    """The suite's seaborn theme (call once per notebook)."""
    sns.set_theme(style="whitegrid", context="notebook", rc={"figure.dpi": 100, "axes.titleweight": "bold"})


def image_html(fig: Figure, width: str = "auto", dpi: int = 160) -> str:
    """A figure as an ``<img>`` with an embedded PNG (``dpi`` 160: 1.6 pixels per displayed pixel, for
    sharp text) and its title(s) as alt text."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    title = " / ".join(ax.get_title() for ax in fig.axes if ax.get_title()) or "chart"
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    size = fig.get_size_inches() * 100
    style = f"width:{width};max-width:100%;height:auto" if width != "auto" else f"width:{size[0]:.0f}px;max-width:100%;height:auto"
    return f'<img class="mt-chart" alt="{html.escape(title)}" style="{style}" src="data:image/png;base64,{data}">'


def show(fig: Figure) -> None:
    """Display a figure in a notebook as an embedded PNG whose alt text is its title(s)."""
    from IPython.display import HTML, display

    display(HTML(image_html(fig)))


def grid(figures: list[Figure], columns: int = 2) -> str:
    """Figures side by side in a responsive grid (one column on narrow screens and in print)."""
    return side_by_side([image_html(fig, "100%") for fig in figures], columns)


def show_grid(figures: list[Figure], columns: int = 2) -> None:
    """Display :func:`grid` in a notebook."""
    from IPython.display import HTML, display

    display(HTML(grid(figures, columns)))


def _figure(width: float = 7, height: float = 3.6) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _no_data(ax: Axes, title: str) -> None:
    ax.text(0.5, 0.5, "no data for this selection", ha="center", va="center", color="#777")
    ax.set_title(title)
    ax.set_axis_off()


def counts_bar(counts: pd.Series, title: str, xlabel: str, colour: str = "#f9a825") -> Figure:
    """Horizontal labelled bars of a count per category (index = category)."""
    fig, ax = _figure(7, 0.45 * len(counts) + 1.2)
    sns.barplot(x=counts.values, y=counts.index.astype(str), color=colour, ax=ax)
    ax.bar_label(ax.containers[0])
    ax.set(title=title, xlabel=xlabel, ylabel="")
    return fig


def status_mix(sessions: pd.DataFrame, title: str = "Sessions by status") -> Figure:
    """Bar chart of session counts per status."""
    fig, ax = _figure()
    counts = sessions["session_status"].astype("string").value_counts().reindex(list(STATUSES), fill_value=0)
    sns.barplot(x=counts.index, y=counts.values, hue=counts.index, palette=STATUS_COLOURS, legend=False, ax=ax)
    for container in ax.containers:
        ax.bar_label(container)
    ax.set(title=title, xlabel="Status", ylabel="Sessions")
    return fig


def rating_distribution(sessions: pd.DataFrame, title: str = "Ratings of completed sessions") -> Figure:
    """Bar chart of rating counts 1–5 among completed sessions."""
    fig, ax = _figure()
    ratings = sessions.loc[sessions["session_status"] == "Completed", "post_session_rating"].dropna().astype(int)
    if ratings.empty:
        _no_data(ax, title)
        return fig
    counts = ratings.value_counts().reindex(range(1, 6), fill_value=0)
    sns.barplot(x=counts.index.astype(str), y=counts.values, color="#5c6bc0", ax=ax)
    ax.bar_label(ax.containers[0])
    ax.set(title=title, xlabel="Rating (1–5)", ylabel="Sessions")
    return fig


def duration_comparison(sessions: pd.DataFrame, title: str = "Actual vs scheduled minutes (completed)") -> Figure:
    """Box plot of actual minutes per scheduled length."""
    fig, ax = _figure()
    done = sessions[sessions["session_status"] == "Completed"].dropna(subset=["actual_duration_mins", "scheduled_duration_mins"])
    if done.empty:
        _no_data(ax, title)
        return fig
    data = pd.DataFrame({"scheduled": done["scheduled_duration_mins"].astype(int).astype(str) + " min booked",
                         "actual": done["actual_duration_mins"].astype(float)})
    sns.boxplot(data=data, x="scheduled", y="actual", color="#90caf9", ax=ax)
    ax.set(title=title, xlabel="Booked length", ylabel="Actual minutes")
    return fig


def rating_by_category(sessions: pd.DataFrame, column: str, title: str, order: list[str] | None = None) -> Figure:
    """Mean rating (with 95 % CI) of completed sessions per category, e.g. mentor prep."""
    fig, ax = _figure()
    done = sessions[(sessions["session_status"] == "Completed") & sessions["post_session_rating"].notna()]
    if done.empty:
        _no_data(ax, title)
        return fig
    data = pd.DataFrame({column: done[column].astype("string"), "rating": done["post_session_rating"].astype(float)})
    sns.barplot(data=data, x=column, y="rating", order=order, color="#7986cb", errorbar=("ci", 95), ax=ax)
    ax.set(title=title, xlabel=column.replace("_", " ").capitalize(), ylabel="Average rating", ylim=(0, 5))
    return fig


def prep_vs_rating(sessions: pd.DataFrame) -> Figure:
    """Average rating by mentor preparation."""
    return rating_by_category(sessions, "mentor_prep_done", "Rating by mentor preparation", list(PREP_LEVELS))


def correlations(sessions: pd.DataFrame, title: str = "Correlations (completed sessions)") -> Figure:
    """Heatmap of correlations between rating, minutes, prep, follow-up, action items and polarity."""
    done = sessions[sessions["session_status"] == "Completed"]
    numeric = pd.DataFrame({
        "rating": done["post_session_rating"].astype(float),
        "actual min": done["actual_duration_mins"].astype(float),
        "scheduled min": done["scheduled_duration_mins"].astype(float),
        "prep (0–2)": done["mentor_prep_done"].cat.codes.replace(-1, pd.NA).astype(float),
        "follow-up": done["follow_up_scheduled"].astype(float),
        "action items": done["action_items_documented"].astype(float),
    })
    if "textblob_polarity" in done:
        numeric["polarity"] = done["textblob_polarity"].astype(float)
    fig, ax = _figure(6.5, 5)
    if len(done) < 3:
        _no_data(ax, title)
        return fig
    sns.heatmap(numeric.corr(), annot=True, fmt=".2f", cmap="RdBu_r", vmin=-1, vmax=1, square=True, ax=ax,
                cbar_kws={"shrink": 0.7})
    ax.set_title(title)
    return fig


def sentiment_split(enriched: pd.DataFrame, column: str = "sentiment", title: str = "Feedback sentiment") -> Figure:
    """Horizontal bars of sessions per sentiment label, with shares."""
    fig, ax = _figure(7, 2.8)
    counts = enriched[column].astype("string").value_counts()
    order = [label for label in SENTIMENT_COLOURS if label in counts.index]
    if not order:
        _no_data(ax, title)
        return fig
    counts = counts.reindex(order)
    sns.barplot(x=counts.values, y=counts.index, hue=counts.index, palette=SENTIMENT_COLOURS, legend=False, ax=ax)
    for container in ax.containers:
        ax.bar_label(container, labels=[f"{v:,.0f} ({v / counts.sum():.0%})" for v in container.datavalues], padding=3)
    ax.set(title=title, xlabel="Sessions", ylabel="")
    ax.set_xlim(0, counts.max() * 1.3)
    return fig


def method_agreement(enriched: pd.DataFrame, title: str = "TextBlob (published) vs suite label") -> Figure:
    """Heatmap of sessions with feedback by published TextBlob label (rows) and suite label (columns)."""
    with_text = enriched[enriched["learner_feedback"].notna()]
    fig, ax = _figure(5.5, 3.6)
    if with_text.empty:
        _no_data(ax, title)
        return fig
    table = pd.crosstab(with_text["sentiment_published"].astype("string"), with_text["sentiment"].astype("string"))
    sns.heatmap(table, annot=True, fmt="d", cmap="Greys", cbar=False, ax=ax)
    ax.set(title=title, xlabel="Suite label", ylabel="TextBlob ±0.1")
    return fig


def rating_trend(enriched: pd.DataFrame, until: str | None = None, title: str = "Average rating by month",
                 target: float | None = None) -> Figure:
    """Line of the monthly average rating of completed sessions, up to ``until`` (YYYY-MM); ``target``
    (the satisfaction target of ``parameters/report.yaml``) as a dashed line."""
    fig, ax = _figure(8, 3.4)
    done = enriched[(enriched["session_status"] == "Completed") & enriched["post_session_rating"].notna()]
    if until:
        done = done[done["month"] <= until]
    if done.empty:
        _no_data(ax, title)
        return fig
    grouped = done.groupby("month")["post_session_rating"]
    monthly, n = grouped.mean().astype(float), grouped.size()
    sns.lineplot(x=monthly.index, y=monthly.values, marker="o", color="#3949ab", ax=ax)
    for month, value in monthly.items():
        ax.annotate(f"n={n[month]}", (month, value), textcoords="offset points", xytext=(0, 7), ha="center",
                    fontsize=7, color="#555")
    if target is not None:
        ax.axhline(target, linestyle="--", linewidth=1, color="#2e7d32", label=f"target {target:.2f}")
    if until in monthly.index:
        ax.scatter([until], [monthly[until]], s=120, color="#c62828", zorder=3, label=until)
    if target is not None or until in monthly.index:
        ax.legend(loc="lower left")
    ax.set(title=f"{title} (n = rated sessions)", xlabel="Month", ylabel="Average rating", ylim=(1, 5.3))
    ax.tick_params(axis="x", rotation=60, labelsize=8)
    return fig


def mentor_scatter(table: pd.DataFrame, bottom: pd.DataFrame,
                   title: str = "Mentors: rating vs follow-up (bottom mentors named)") -> Figure:
    """Each eligible mentor's average rating against follow-up rate; the bottom mentors in red, named."""
    fig, ax = _figure(7, 4.2)
    eligible = table[table["eligible"]].dropna(subset=["avg_rating", "follow_up_rate"])
    if eligible.empty:
        _no_data(ax, title)
        return fig
    is_bottom = eligible.index.isin(bottom.index)
    group = pd.Series(is_bottom, index=eligible.index).map({True: f"bottom {len(bottom)}", False: "others"})
    sns.scatterplot(x=eligible["follow_up_rate"], y=eligible["avg_rating"], hue=group, s=70,
                    palette={f"bottom {len(bottom)}": LEVEL_COLOURS["red"], "others": "#90a4ae"}, ax=ax)
    for name, r in eligible[is_bottom].iterrows():
        ax.annotate(str(name), (r["follow_up_rate"], r["avg_rating"]), textcoords="offset points", xytext=(5, 4),
                    fontsize=8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(title=title, xlabel="Follow-up rate (completed sessions)", ylabel="Average rating")
    ax.legend(title="", loc="lower right")
    return fig


def warnings_per_mentor(enriched: pd.DataFrame, top: int = 15, title: str = "Warnings per mentor") -> Figure:
    """Stacked bars of amber and red sessions for the ``top`` mentors with the most red sessions."""
    counts = pd.crosstab(enriched["mentor_name"], enriched["level"].astype("string")).reindex(columns=list(LEVELS),
                                                                                            fill_value=0)
    counts = counts.sort_values(["red", "amber"], ascending=False).head(top)
    fig, ax = _figure(8, max(2.5, 0.3 * len(counts) + 1))
    if counts[["amber", "red"]].to_numpy().sum() == 0:
        _no_data(ax, title)
        return fig
    red = ax.barh(counts.index, counts["red"], color=LEVEL_COLOURS["red"], label="red")
    amber = ax.barh(counts.index, counts["amber"], left=counts["red"], color=LEVEL_COLOURS["amber"], label="amber")
    ax.bar_label(red, labels=[str(v) if v else "" for v in counts["red"]], label_type="center", color="white",
                 fontsize=8)
    ax.bar_label(amber, labels=[str(v) if v else "" for v in counts["amber"]], label_type="center", fontsize=8)
    ax.invert_yaxis()
    ax.set(title=title, xlabel="Sessions", ylabel="")
    ax.legend(loc="lower right")
    return fig


def health_trend(trend: pd.DataFrame, threshold: float, title: str = "Mentor health by month") -> Figure:
    """One line per mentor (rows of :func:`mentortrack.analytics.health.health_trend`), with the at-risk line."""
    fig, ax = _figure(8, 3.6)
    shown = trend.dropna(how="all")
    if shown.empty:
        _no_data(ax, title)
        return fig
    for name, row in shown.iterrows():
        ax.plot(list(row.index), row.to_numpy(dtype=float), marker="o", label=str(name))
    ax.axhline(threshold, color=LEVEL_COLOURS["red"], linestyle="--", linewidth=1)
    ax.annotate(f"at risk below {threshold:g}", (0, threshold), textcoords="offset points", xytext=(2, -12),
                fontsize=8, color=LEVEL_COLOURS["red"])
    ax.set(title=title, xlabel="Month", ylabel="Health score (0–100)", ylim=(0, 100))
    ax.legend(loc="center left", bbox_to_anchor=(1, 0.5), fontsize=8, frameon=False)
    return fig


def kpi_intervals(table: pd.DataFrame, kpi: str, title: str, min_n: int = 5, top: int = 12) -> Figure:
    """Each group's value of ``kpi`` with its 95 % interval, and the program's value as a dashed line.

    ``table`` is :func:`mentortrack.analytics.comparisons.compare` output (its first column names the
    groups); groups whose interval lies wholly above or below the program are coloured. Only groups
    with ``min_n`` or more sessions in the KPI's denominator are drawn, the ``top`` largest of them.
    """
    eligible = table[(table["kpi"] == kpi) & (table["n"] >= min_n)]
    rows = eligible.nlargest(top, "n").sort_values("value")
    if len(eligible) < len(table[(table["kpi"] == kpi) & (table["n"] > 0)]):
        title = f"{title} (n ≥ {min_n}" + (f", largest {top})" if len(eligible) > top else ")")
    fig, ax = _figure(7, max(2.5, 0.35 * len(rows) + 1.2))
    if rows.empty:
        _no_data(ax, title)
        return fig
    names = rows.iloc[:, 0].astype(str).to_numpy()
    good, bad = ("below", "above") if HIGHER_IS_BETTER.get(kpi) is False else ("above", "below")
    colours = rows["verdict"].map({good: LEVEL_COLOURS["green"], bad: LEVEL_COLOURS["red"]}).fillna("#78909c")
    for y, (_, r) in enumerate(rows.iterrows()):
        ax.plot([r["low"], r["high"]], [y, y], color=colours.iloc[y], linewidth=2)
        ax.scatter([r["value"]], [y], color=colours.iloc[y], zorder=3)
        ax.annotate(f"n={r['n']}", (r["high"], y), textcoords="offset points", xytext=(4, -3), fontsize=7, color="#555")
    program = float(rows["overall"].iloc[0])
    is_rate = kpi != "avg_rating"
    ax.axvline(program, color="#37474f", linestyle="--", linewidth=1,
               label=f"program {program:.1%}" if is_rate else f"program {program:.2f}")
    ax.set_yticks(range(len(rows)), names)
    if is_rate:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(loc="lower right", fontsize=8)
    ax.set(title=title, xlabel=f"{KPI_LABELS.get(kpi, kpi)}, 95 % interval", ylabel="")
    return fig


def kpi_by_group(table: pd.DataFrame, kpi: str, title: str) -> Figure:
    """Bars of one KPI across groups (rows of a :func:`mentortrack.analytics.kpis.kpis_by` table)."""
    fig, ax = _figure(7, max(2.5, 0.35 * len(table) + 1))
    values = table[kpi].astype(float).dropna().sort_values()
    if values.empty:
        _no_data(ax, title)
        return fig
    sns.barplot(x=values.values, y=values.index.astype(str), color="#5c6bc0", ax=ax)
    is_rate = kpi.endswith(("_rate", "_coverage"))
    ax.bar_label(ax.containers[0], labels=[f"{v:.1%}" if is_rate else f"{v:.2f}" for v in values.values], padding=3,
                 fontsize=8)
    if is_rate:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(0, max(values.max() * 1.2, 0.05 if is_rate else 1))
    ax.set(title=title, xlabel=KPI_LABELS.get(kpi, kpi.replace("_", " ")), ylabel="")
    return fig


def talk_share(speakers: pd.DataFrame, title: str = "Talk time per transcript") -> Figure:
    """Stacked horizontal bars of each speaker's talk share (0–1) per transcript.

    ``speakers`` has columns transcript, role (mentor/learner/other) and talk_share.
    """
    table = speakers.pivot_table(index="transcript", columns="role", values="talk_share", aggfunc="sum", fill_value=0)
    fig, ax = _figure(8, 0.5 * len(table) + 1.5)
    if table.empty:
        _no_data(ax, title)
        return fig
    left = pd.Series(0.0, index=table.index)
    colours = {"mentor": "#5c6bc0", "learner": "#26a69a", "other": "#bdbdbd"}
    for role in [r for r in colours if r in table]:
        ax.barh(table.index, table[role], left=left, color=colours[role], label=role)
        left += table[role]
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(title=title, xlabel="Share of talk time", ylabel="")
    ax.legend(loc="lower right")
    return fig
