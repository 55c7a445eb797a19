"""Charts for the reports: each function takes tables and returns a titled Figure.

Figures are plain :class:`matplotlib.figure.Figure` objects, never registered with
pyplot: no global figure state, so a chart drawn inside an ipywidgets callback
renders every time (pyplot figures there come back blank). They are shown as
embedded SVG images (:func:`show`, :func:`grid`): text stays text, so a chart is sharp at any zoom and in
print, about a quarter of the size of a PNG sharp enough for a laptop screen (160 dpi), and written in about a
third of the time once laid out (no rasterising, no PNG encoding).

The report's charts are drawn with matplotlib alone, in the look of seaborn's ``whitegrid`` theme
(:data:`THEME`): seaborn would import SciPy into every notebook kernel, which took longer than drawing
all of a report's charts (see the README's Performance section). seaborn draws the exploratory
notebook's distribution chart (:func:`rating_spread`), imported only when it is drawn.

Every chart records what it says (:func:`describe`): alt text that states the finding
with its n ("Average rating 3.57 in September 2025, n = 53 rated sessions") and the
table it was drawn from, which a report run writes beside the page as CSV and links as
"data (CSV)" (:mod:`mentortrack.reports.takeaway`).

Charts never show learner names or e-mails; colours for levels and sentiment are
fixed here so every report reads the same way. Bars carry their values; count axes
have whole-number ticks; long titles and category labels are wrapped, never clipped.
"""

from __future__ import annotations

import base64
import io
import re
import textwrap
import warnings
import weakref
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter

from mentortrack.analytics.early_warnings import LEVEL_COLOURS, LEVELS
from mentortrack.analytics.kpis import KPI_LABELS
from mentortrack.analytics.sentiment import NO_FEEDBACK
from mentortrack.contract.schema import PREP_LEVELS, STATUSES
from mentortrack.reports import takeaway
from mentortrack.reports.escape import LITERAL_TEXT, html_text
from mentortrack.reports.tables import HIGHER_IS_BETTER, label, side_by_side
from mentortrack.wording import partial_suffix, percent, plural, verb

SENTIMENT_COLOURS = {"Positive": "#2e7d32", "Neutral": "#90a4ae", "Negative": "#c62828", NO_FEEDBACK: "#e0e0e0"}
STATUS_COLOURS = {"Completed": "#2e7d32", "No-show": "#ef6c00", "Cancelled": "#c62828", "Rescheduled": "#5c6bc0"}
VALUE_SIZE = 10
"""Font size (points) of the values on bars and points: about 12 px on a laptop screen."""
TITLE_SHARE = 0.94
"""A title is wrapped when wider than this share of the room it has, centred over its axes."""
SHORT_TITLE = 0.45
"""A title at most this share of the figure wide fits over any axes whose centre lies in the middle half of
the figure (every chart's does), so it is kept without measuring the room its axes leave it."""
BAR_WIDTH = 0.8
"""Width of a bar, as a share of the space one category has."""
PALETTE = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974",
           "#64b5cd"]
"""Colours of lines and points that have no fixed colour (one per mentor in a health trend)."""
THEME = {
    "figure.dpi": 100, "figure.facecolor": "white", "axes.facecolor": "white", "axes.edgecolor": ".8",
    "axes.grid": True, "axes.axisbelow": True, "axes.labelcolor": ".15", "axes.linewidth": 1.25,
    "axes.titleweight": "bold", "axes.prop_cycle": matplotlib.cycler(color=PALETTE), "grid.color": ".8",
    "grid.linestyle": "-", "grid.linewidth": 1.0, "text.color": ".15", "xtick.color": ".15", "ytick.color": ".15",
    "xtick.bottom": False, "ytick.left": False, "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 12.0, "axes.labelsize": 12.0, "axes.titlesize": 12.0, "xtick.labelsize": 11.0,
    "ytick.labelsize": 11.0, "legend.fontsize": 11.0, "legend.title_fontsize": 12.0, "lines.linewidth": 1.5,
    "lines.solid_capstyle": "round", "lines.markersize": 6.0, "patch.edgecolor": "w", "patch.force_edgecolor": True,
    "patch.linewidth": 1.0,
}
"""The suite's chart style: seaborn's ``whitegrid`` theme in its ``notebook`` context, titles in bold."""


@dataclass(frozen=True)
class About:
    """What a chart says: ``alt`` (the finding with its n) and ``data`` (the table it was drawn from)."""

    alt: str
    data: pd.DataFrame | None


_ABOUT: weakref.WeakKeyDictionary[Figure, About] = weakref.WeakKeyDictionary()


def describe(fig: Figure, alt: str, data: pd.DataFrame | None = None) -> Figure:
    """Record the finding ``alt`` and the ``data`` behind ``fig``; returns ``fig``."""
    _ABOUT[fig] = About(alt, data)
    return fig


def about(fig: Figure) -> About:
    """The alt text and data of a chart (its title(s) and no data when it recorded none)."""
    found = _ABOUT.get(fig)
    return found if found is not None else About(_titles(fig), None)


def _titles(fig: Figure) -> str:
    return " / ".join(ax.get_title().replace("\n", " ") for ax in fig.axes if ax.get_title()) or "chart"


def _lay_out(fig: Figure) -> None:
    """Lay ``fig`` out once (its constrained layout) and fix that layout, so saving draws it once instead of
    drawing it twice (once to lay it out); titles that would not fit are wrapped first, centred over their
    axes as laid out (measured with the Agg renderer, the same font metrics), so none is cut at the edge."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    titled = [ax for ax in fig.axes if ax.get_title() and "\n" not in ax.get_title()]
    wrapped = False
    for ax in titled:
        width = ax.title.get_window_extent(renderer).width
        if width <= SHORT_TITLE * fig.bbox.width:
            continue
        ax.apply_aspect()
        box = ax.get_window_extent(renderer)
        centre = (box.x0 + box.x1) / 2
        room = 2 * min(centre, fig.bbox.width - centre) * TITLE_SHARE
        if width > room:
            title = ax.get_title()
            ax.set_title(textwrap.fill(title, max(16, int(len(title) * room / width) - 1)))
            wrapped = True
    if engine is not None and wrapped:
        engine.execute(fig)
    fig.set_layout_engine(None)


IDENTIFIER = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def _category(value: object) -> str:
    """A category as people read it: code names (``actual_duration_mins``) get their human label."""
    text = str(value)
    return label(text) if IDENTIFIER.match(text) else text


def _wrapped(labels: list[str], width: int = 14) -> list[str]:
    """Category labels wrapped at ``width`` characters so neighbours do not overlap."""
    return [textwrap.fill(str(label), width) for label in labels]


def _share(n: float, total: float) -> str:
    return percent(n / total) if total else "–"


def use_theme() -> None:
    """The suite's chart style (:data:`THEME`; call once per notebook)."""
    matplotlib.rcParams.update({**THEME, **LITERAL_TEXT})


SVG = {"svg.fonttype": "none", "svg.hashsalt": "mentortrack"}
"""How charts are written: text as ``<text>`` in the theme's fonts (Arial, else DejaVu Sans, ...; laid out with the
widest of them found here), and the same element ids on every run (the same chart gives the same bytes)."""


def image_html(fig: Figure | str, width: str = "auto") -> str:
    """A figure as an ``<img>`` with an embedded SVG (:data:`SVG`) whose alt text states the finding
    (:func:`describe`); in a report run, with a "data (CSV)" link to the data behind it
    (:func:`mentortrack.reports.takeaway.link`). A sentence that a chart with nothing to compare gave instead
    of a figure is a paragraph (escaped: it quotes the data).

    The image is as wide as the figure at 100 pixels per inch (``width="auto"``) or ``width`` (a CSS length),
    never wider than its column. Text in the SVG is escaped by matplotlib, and an ``<img>`` runs no script.
    """
    if isinstance(fig, str):
        return f'<p class="mt-chart-note">{html_text(fig)}</p>'
    _lay_out(fig)
    buffer = io.BytesIO()
    with matplotlib.rc_context(SVG):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    said = about(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    size = fig.get_size_inches() * 100
    style = f"width:{width};max-width:100%;height:auto" if width != "auto" else f"width:{size[0]:.0f}px;max-width:100%;height:auto"
    image = f'<img class="mt-chart" alt="{html_text(said.alt)}" style="{style}" src="data:image/svg+xml;base64,{data}">'
    link = takeaway.link(said.data, _titles(fig)) if said.data is not None else ""
    if not link:
        return image
    return f'<figure class="mt-figure">{image}<figcaption class="mt-datalink">{link}</figcaption></figure>'


def show(fig: Figure | str) -> None:
    """Display a figure in a notebook as an embedded SVG whose alt text is its title(s) (a sentence as a
    paragraph, :func:`image_html`)."""
    from IPython.display import HTML, display

    display(HTML(image_html(fig)))


def grid(figures: list[Figure | str], columns: int = 2) -> str:
    """Figures side by side in a responsive grid (one column on narrow screens and in print)."""
    return side_by_side([image_html(fig, "100%") for fig in figures], columns)


def show_grid(figures: list[Figure | str], columns: int = 2) -> None:
    """Display :func:`grid` in a notebook."""
    from IPython.display import HTML, display

    display(HTML(grid(figures, columns)))


def _figure(width: float = 7, height: float = 3.6) -> tuple[Figure, Axes]:
    matplotlib.rcParams.update(LITERAL_TEXT)  # every label drawn as its characters: a name like "$_$" is text
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _bars(ax: Axes, labels: list[str], values: object, colours: object, horizontal: bool = False) -> None:
    """Bars of ``values`` per category ``labels``, first category on the left (or, ``horizontal``, at the top);
    ``colours`` one colour or one per bar. The grid runs across the value axis only."""
    positions = np.arange(len(labels))
    if horizontal:
        ax.barh(positions, values, height=BAR_WIDTH, color=colours)
        ax.set_yticks(positions, labels)
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.yaxis.grid(False)
    else:
        ax.bar(positions, values, width=BAR_WIDTH, color=colours)
        ax.set_xticks(positions, labels)
        ax.set_xlim(-0.5, len(labels) - 0.5)
        top = float(np.nanmax(values)) if len(labels) else 0.0
        ax.set_ylim(0, top * 1.12 if top > 0 else 1)  # room above the tallest bar for its value label
        ax.xaxis.grid(False)


def _heatmap(ax: Axes, matrix: pd.DataFrame, fmt: str, cmap: str, vmin: float, vmax: float, colourbar: bool,
             fontsize: int) -> None:
    """``matrix`` as coloured cells with their values written in (white on dark cells), rows and columns labelled."""
    values = matrix.to_numpy(dtype=float)
    image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, aspect="equal")
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns], rotation=45, ha="right",
                  rotation_mode="anchor")
    ax.set_yticks(range(matrix.shape[0]), [str(i) for i in matrix.index])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    norm, colours = image.norm, image.cmap
    for (i, j), value in np.ndenumerate(values):
        if np.isnan(value):
            continue
        red, green, blue, _ = colours(norm(value))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        ax.text(j, i, format(int(value) if fmt == "d" else value, fmt), ha="center", va="center",
                fontsize=fontsize, color="white" if dark else ".15")
    if colourbar:
        ax.figure.colorbar(image, ax=ax, shrink=0.7)


def _no_data(ax: Axes, title: str) -> None:
    ax.text(0.5, 0.5, "no data for this selection", ha="center", va="center", color="#777")
    ax.set_title(title)
    ax.set_axis_off()


def counts_bar(counts: pd.Series, title: str, xlabel: str, colour: str = "#f9a825") -> Figure:
    """Horizontal labelled bars of a count per category (index = category)."""
    fig, ax = _figure(7, 0.45 * len(counts) + 1.2)
    _bars(ax, _wrapped([_category(c) for c in counts.index], 30), counts.to_numpy(dtype=float), colour, horizontal=True)
    ax.bar_label(ax.containers[0], fontsize=VALUE_SIZE, padding=3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max(float(counts.max()) * 1.15, 1) if len(counts) else 1)
    ax.set(title=title, xlabel=xlabel, ylabel="")
    top = ", ".join(f"{_category(k)} {int(v):,}" for k, v in counts.sort_values(ascending=False).head(3).items())
    return describe(fig, f"{title}: {top}; n = {int(counts.sum()):,} {xlabel.lower()}",
                    counts.rename(xlabel).rename_axis("category").reset_index())


def status_mix(sessions: pd.DataFrame, title: str = "Sessions by status") -> Figure:
    """Bar chart of session counts per status."""
    fig, ax = _figure()
    counts = sessions["session_status"].astype("string").value_counts().reindex(list(STATUSES), fill_value=0)
    _bars(ax, list(counts.index), counts.to_numpy(dtype=float), [STATUS_COLOURS[c] for c in counts.index])
    for container in ax.containers:
        ax.bar_label(container, fontsize=VALUE_SIZE)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(title=title, xlabel="Status", ylabel="Sessions")
    total = int(counts.sum())
    parts = ", ".join(f"{k} {int(v):,} ({_share(v, total)})" for k, v in counts.items())
    return describe(fig, f"{title}: {parts}; n = {total:,} sessions",
                    pd.DataFrame({"status": counts.index, "sessions": counts.to_numpy(dtype=int)}))


def rating_distribution(sessions: pd.DataFrame, title: str = "Ratings of completed sessions") -> Figure:
    """Bar chart of rating counts 1–5 among completed sessions."""
    fig, ax = _figure()
    ratings = sessions.loc[sessions["session_status"] == "Completed", "post_session_rating"].dropna().astype(int)
    if ratings.empty:
        _no_data(ax, title)
        return describe(fig, f"{title}: no rated sessions")
    counts = ratings.value_counts().reindex(range(1, 6), fill_value=0)
    _bars(ax, [str(c) for c in counts.index], counts.to_numpy(dtype=float), "#5c6bc0")
    ax.bar_label(ax.containers[0], fontsize=VALUE_SIZE)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(title=title, xlabel="Rating (1–5)", ylabel="Sessions")
    mode = int(counts.idxmax())
    return describe(fig, f"{title}: average {ratings.mean():.2f}, most often {mode} ({int(counts[mode]):,} sessions); "
                         f"n = {plural(len(ratings), 'rated session')}",
                    pd.DataFrame({"rating": counts.index, "sessions": counts.to_numpy(dtype=int)}))


def duration_comparison(sessions: pd.DataFrame, title: str = "Actual vs scheduled minutes (completed)") -> Figure | str:
    """Box plot of actual minutes per scheduled length; a sentence instead when every completed session lasted
    the same minutes and was booked for the same length (a box of one value compares nothing)."""
    fig, ax = _figure()
    done = sessions[sessions["session_status"] == "Completed"].dropna(subset=["actual_duration_mins", "scheduled_duration_mins"])
    if done.empty:
        _no_data(ax, title)
        return describe(fig, f"{title}: no completed sessions with both lengths")
    actual, scheduled = done["actual_duration_mins"].unique(), done["scheduled_duration_mins"].unique()
    if len(actual) == 1 and len(scheduled) == 1:
        lasted, booked = float(actual[0]), float(scheduled[0])
        how = "as scheduled" if lasted == booked else f"booked for {booked:g} min"
        every = "the 1 completed session" if len(done) == 1 else f"all {len(done):,} completed sessions"
        return f"{title}: {every} lasted {lasted:g} min, {how}."
    booked = done["scheduled_duration_mins"].astype(int)
    data = pd.DataFrame({"scheduled": booked.astype(str) + " min booked",
                         "actual": done["actual_duration_mins"].astype(float)})
    order = [f"{m} min booked" for m in sorted(booked.unique())]
    ax.boxplot([data.loc[data["scheduled"] == o, "actual"].to_numpy() for o in order], tick_labels=order,
               widths=BAR_WIDTH, patch_artist=True, boxprops={"facecolor": "#90caf9", "edgecolor": ".25"},
               medianprops={"color": ".25"}, whiskerprops={"color": ".25"}, capprops={"color": ".25"},
               flierprops={"markerfacecolor": ".25", "markeredgecolor": ".25", "markersize": 5})
    ax.xaxis.grid(False)
    ax.set(title=title, xlabel="Booked length", ylabel="Actual minutes")
    summary = data.groupby("scheduled")["actual"].agg(sessions="size", median="median", mean="mean").reset_index()
    parts = "; ".join(f"{r.scheduled}: median {r.median:.0f} (n = {r.sessions})" for r in summary.itertuples())
    return describe(fig, f"{title}: {parts}", summary.rename(columns={"scheduled": "booked", "median": "median_actual_mins",
                                                                      "mean": "mean_actual_mins"}))


def rating_by_category(sessions: pd.DataFrame, column: str, title: str, order: list[str] | None = None) -> Figure | str:
    """Mean rating of completed sessions per category, e.g. mentor prep, with its 95 % interval on the 1–5 scale
    where one exists (:func:`mentortrack.analytics.comparisons.rating_interval`: none below its minimum of
    ratings or when they are all equal); long labels wrapped, each with its n. A sentence instead when the
    rated sessions fall in one category (one bar compares nothing)."""
    from mentortrack.analytics.comparisons import rating_interval

    fig, ax = _figure()
    done = sessions[(sessions["session_status"] == "Completed") & sessions["post_session_rating"].notna()]
    if done.empty:
        _no_data(ax, title)
        return describe(fig, f"{title}: no rated sessions")
    data = pd.DataFrame({column: done[column].astype("string"), "rating": done["post_session_rating"].astype(float)})
    summary = data.assign(square=data["rating"] ** 2).groupby(column).agg(
        sessions=("rating", "size"), avg_rating=("rating", "mean"), total=("rating", "sum"), squares=("square", "sum"))
    shown = [c for c in (order or list(summary.index)) if c in summary.index]
    summary = summary.reindex(shown)
    if len(shown) == 1:
        only, n = shown[0], int(summary["sessions"].iloc[0])
        every = "the 1 rated session" if n == 1 else f"all {n:,} rated sessions"
        return (f"{title}: {every} had {column.replace('_', ' ')} {only} (average rating "
                f"{summary['avg_rating'].iloc[0]:.2f}), so there is nothing to compare.")
    low, high = rating_interval(summary["total"], summary["squares"], summary["sessions"])
    summary = summary.assign(low=low, high=high).drop(columns=["total", "squares"])
    _bars(ax, [f"{textwrap.fill(str(c), 14)}\n(n={int(summary.loc[c, 'sessions'])})" for c in shown],
          summary["avg_rating"].to_numpy(dtype=float), "#7986cb")
    has = summary["low"].notna().to_numpy()
    if has.any():
        middle = summary["avg_rating"].to_numpy(dtype=float)[has]
        below, above = middle - summary["low"].to_numpy(dtype=float)[has], summary["high"].to_numpy(dtype=float)[has] - middle
        ax.errorbar(np.arange(len(shown))[has], middle, yerr=[below, above], fmt="none", ecolor=".26", elinewidth=2)
    ax.set(title=title, xlabel=column.replace("_", " ").capitalize(), ylabel="Average rating", ylim=(0, 5))
    if len(shown) > 5:
        ax.tick_params(axis="x", labelsize=8)
    best, worst = summary["avg_rating"].idxmax(), summary["avg_rating"].idxmin()
    alt = (f"{title}: highest {best} {summary.loc[best, 'avg_rating']:.2f} (n = {int(summary.loc[best, 'sessions'])}), "
           f"lowest {worst} {summary.loc[worst, 'avg_rating']:.2f} (n = {int(summary.loc[worst, 'sessions'])})")
    return describe(fig, alt, summary.rename_axis(column).reset_index())


def rating_spread(sessions: pd.DataFrame, by: str = "mentor_name", top: int = 12, min_box: int = 5,
                  title: str = "Ratings per mentor") -> Figure:
    """Every rating of completed sessions as a dot per group ``by`` (the ``top`` groups with most ratings),
    with seaborn's box (quartiles and median) only over groups with at least ``min_box`` ratings that are
    not all equal: a box from three values, or from values without spread, would suggest a distribution
    the data does not have. Each label carries its n."""
    import seaborn as sns

    fig, ax = _figure(8, 3.8)
    done = sessions[(sessions["session_status"] == "Completed") & sessions["post_session_rating"].notna()]
    if done.empty:
        _no_data(ax, title)
        return describe(fig, f"{title}: no rated sessions")
    data = pd.DataFrame({by: done[by].astype("string"), "rating": done["post_session_rating"].astype(float)})
    stats = data.groupby(by)["rating"].agg(ratings="size", median="median", spread="nunique")
    stats = stats.sort_values(["ratings", "median"], ascending=False).head(top)
    names = [str(g) for g in stats.index]
    labels = dict(zip(names, _wrapped([f"{g} (n={int(n)})" for g, n in zip(names, stats["ratings"])])))
    data = data[data[by].isin(names)].assign(group=lambda t: t[by].map(labels))
    order = [labels[g] for g in names]
    boxed = [labels[g] for g, r in zip(names, stats.itertuples()) if r.ratings >= min_box and r.spread > 1]
    if boxed:
        with warnings.catch_warnings():  # seaborn 0.13.2 still passes matplotlib's deprecated ``vert``
            warnings.simplefilter("ignore", matplotlib.MatplotlibDeprecationWarning)
            sns.boxplot(data=data[data["group"].isin(boxed)], x="group", y="rating", order=order, ax=ax,
                        color="#c5cae9", showfliers=False, width=0.6)
    sns.stripplot(data=data, x="group", y="rating", order=order, ax=ax, color="#3949ab", size=4, jitter=0.2, alpha=0.7)
    ax.set(title=title, xlabel="", ylabel="Rating", ylim=(0.5, 5.5))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if len(order) > 5:
        ax.tick_params(axis="x", labelsize=8, rotation=30)
    summary = stats.assign(boxed=[labels[g] in boxed for g in names]).drop(columns="spread").rename_axis(by)
    alt = (f"{title}: {plural(len(data), 'rating')} of {plural(len(names), 'group')}; a box for the {len(boxed)} with at least "
           f"{min_box} ratings that differ")
    return describe(fig, alt, summary.reset_index())


def prep_vs_rating(sessions: pd.DataFrame) -> Figure | str:
    """Average rating by mentor preparation (a sentence when every rated session has the same)."""
    return rating_by_category(sessions, "mentor_prep_done", "Rating by mentor preparation", list(PREP_LEVELS))


MIN_CORRELATED = 10
"""Completed sessions below which the correlation heatmap is a sentence (a correlation of a few points is noise)."""


def correlations(sessions: pd.DataFrame, title: str = "Correlations (completed sessions)",
                 when: str = "this month") -> Figure | str:
    """Heatmap of correlations between rating, minutes, prep, follow-up, action items and the feedback's tone
    (TextBlob polarity, −1 to 1).

    A measure with one value (or none) among the completed sessions has no correlation: it is left out and the
    title names it ("constant this month: actual min, …", ``when`` saying over what). A sentence instead of the
    heatmap with fewer than :data:`MIN_CORRELATED` completed sessions, with fewer than two measures left, and
    with exactly two (their one correlation, r, said with its n)."""
    done = sessions[sessions["session_status"] == "Completed"]
    if len(done) < MIN_CORRELATED:
        return (f"{title}: {plural(len(done), 'completed session')} {when}; a correlation needs "
                f"{MIN_CORRELATED} or more to mean anything.")
    numeric = pd.DataFrame({
        "rating": done["post_session_rating"].astype(float),
        "actual min": done["actual_duration_mins"].astype(float),
        "scheduled min": done["scheduled_duration_mins"].astype(float),
        "prep (0–2)": done["mentor_prep_done"].cat.codes.replace(-1, pd.NA).astype(float),
        "follow-up": done["follow_up_scheduled"].astype(float),
        "action items": done["action_items_documented"].astype(float),
    })
    if "textblob_polarity" in done:
        numeric["feedback tone (−1–1)"] = done["textblob_polarity"].astype(float)
    constant = [c for c in numeric if numeric[c].nunique(dropna=True) < 2]
    numeric = numeric.drop(columns=constant)
    same = f"constant {when}: {', '.join(constant)}" if constant else ""
    if numeric.shape[1] < 2:
        varied = f"only {numeric.columns[0]} varies" if numeric.shape[1] else "no measure varies"
        return f"{title}: {varied} among the {len(done):,} completed sessions ({same}), so there is no correlation to show."
    if numeric.shape[1] == 2:
        a, b = numeric.columns
        both = numeric.dropna()
        r = both[a].corr(both[b])
        said = f"r = {r:.2f} over {plural(len(both), 'session')} with both" if pd.notna(r) else "no correlation"
        return (f"{title}: only {a} and {b} vary among the {len(done):,} completed sessions ({same}); "
                f"their correlation: {said}.")
    title = f"{title}; {same}" if same else title
    fig, ax = _figure(6.5, 5)
    matrix = numeric.corr()
    _heatmap(ax, matrix, ".2f", "RdBu_r", -1, 1, colourbar=True, fontsize=9)
    ax.set_title(title)
    pairs = matrix.where(~pd.DataFrame(
        [[i >= j for j in range(len(matrix))] for i in range(len(matrix))], index=matrix.index, columns=matrix.columns))
    stacked = pairs.stack().dropna()
    alt = f"{title}: n = {len(done):,} completed sessions"
    if len(stacked):
        (a, b), value = stacked.abs().idxmax(), stacked[stacked.abs().idxmax()]
        alt += f"; strongest: {a} and {b}, {value:.2f}"
    return describe(fig, alt, matrix.rename_axis("measure").reset_index())


def sentiment_split(enriched: pd.DataFrame, column: str = "sentiment", title: str = "Feedback sentiment") -> Figure:
    """Horizontal bars of completed sessions per sentiment label (the title counts them), each label's share out of
    the completed sessions with feedback (the base of the KPI tiles' positive and negative shares, named in the
    title: "61 completed sessions, shares of the 48 with feedback"); completed sessions
    without feedback are a separate bar labelled with its own base ("12 of 49 completed", no share beside the
    others' shares of a different base). No-show, cancelled and
    rescheduled sessions cannot have feedback and are left out."""
    fig, ax = _figure(7, 2.8)
    done = enriched.loc[enriched["session_status"] == "Completed", column].astype("string")
    counts = done.value_counts()
    order = [label for label in SENTIMENT_COLOURS if label in counts.index]
    if not order:
        _no_data(ax, title)
        return describe(fig, f"{title}: no completed sessions")
    counts = counts.reindex(order)
    silent = int(counts.get(NO_FEEDBACK, 0))
    completed, with_feedback = int(counts.sum()), int(counts.sum()) - silent
    base = {label: with_feedback for label in order} | {NO_FEEDBACK: completed}
    bases = pd.Series(base).reindex(order)
    _bars(ax, order, counts.to_numpy(dtype=float), [SENTIMENT_COLOURS[c] for c in order], horizontal=True)
    ax.bar_label(ax.containers[0], labels=[f"{int(v):,} of {completed:,} completed" if c == NO_FEEDBACK
                                           else f"{int(v):,} ({_share(v, bases[c])} of {int(bases[c]):,})"
                                           for c, v in counts.items()],
                 padding=3, fontsize=VALUE_SIZE)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    title = f"{title}: {plural(completed, 'completed session')}" + (
        f", shares of the {with_feedback:,} with feedback" if silent else ", all with feedback")
    ax.set(title=title, xlabel="Completed sessions", ylabel="")
    ax.set_xlim(0, counts.max() * 1.35)
    parts = ", ".join(f"{k} {int(v):,} ({_share(v, with_feedback)})" for k, v in counts.items() if k != NO_FEEDBACK)
    alt = f"{title}: {parts or 'none'}"
    if silent:
        alt += f"; {silent:,} of {completed:,} completed sessions without feedback ({_share(silent, completed)})"
    return describe(fig, alt, pd.DataFrame({"sentiment": counts.index, "sessions": counts.to_numpy(dtype=int),
                                            "base": bases.to_numpy(dtype=int),
                                            "share": counts.to_numpy(dtype=float) / bases.to_numpy(dtype=float)}))


def method_agreement(enriched: pd.DataFrame, title: str = "TextBlob (published) vs suite label") -> Figure:
    """Heatmap of sessions with feedback by published TextBlob label (rows) and suite label (columns)."""
    with_text = enriched[enriched["learner_feedback"].notna()]
    fig, ax = _figure(5.5, 3.6)
    if with_text.empty:
        _no_data(ax, title)
        return describe(fig, f"{title}: no feedback")
    table = pd.crosstab(with_text["sentiment_published"].astype("string"), with_text["sentiment"].astype("string"))
    _heatmap(ax, table, "d", "Greys", float(table.to_numpy().min()), float(table.to_numpy().max()), colourbar=False,
             fontsize=VALUE_SIZE)
    ax.set(title=title, xlabel="Suite label", ylabel="TextBlob ±0.1")
    same = int(sum(table.loc[k, k] for k in table.index if k in table.columns))
    return describe(fig, f"{title}: the two agree on {same:,} of n = {len(with_text):,} sessions with feedback "
                         f"({_share(same, len(with_text))})", table.rename_axis("published").reset_index())


def month_label(month: str, through: pd.Timestamp | None = None) -> str:
    """A month (YYYY-MM) as a trend's axis names it: "2025-10 (to 9 Oct)" when the data, whose last day is
    ``through``, covers it only in part (ends in it before its last day), else the month itself."""
    return month + partial_suffix(month, through)


def _month_axis(ax: Axes, months: list[str], through: pd.Timestamp | None) -> None:
    """Label the months (categories 0, 1, … of the x axis, in order) with :func:`month_label`."""
    ax.set_xticks(range(len(months)), [month_label(m, through) for m in months])


def rating_trend(enriched: pd.DataFrame, until: str | None = None, title: str = "Average rating by month",
                 size: tuple[float, float] = (8, 3.4), target: float | None = None,
                 through: pd.Timestamp | None = None) -> Figure:
    """Line of the monthly average rating of completed sessions, up to ``until`` (YYYY-MM); ``size`` in inches;
    ``target`` (the satisfaction target of ``parameters/report.yaml``) as a dashed line; a month the data
    covers only in part (the data's last day ``through``) labelled so ("2025-10 (to 9 Oct)") and drawn as an open
    point joined to no other (a red ring when it is the report's month), named in the legend ("2025-10: this
    report, so far (to 9 Oct): may still move"); the legend sits under the plot."""
    fig, ax = _figure(*size)
    done = enriched[(enriched["session_status"] == "Completed") & enriched["post_session_rating"].notna()]
    if until:
        done = done[done["month"] <= until]
    if done.empty:
        _no_data(ax, title)
        return describe(fig, f"{title}: no rated sessions")
    grouped = done.groupby("month")["post_session_rating"]
    monthly, n = grouped.mean().astype(float), grouped.size()
    months = [str(m) for m in pd.period_range(monthly.index.min(), monthly.index.max(), freq="M")]
    values = monthly.reindex(months).to_numpy()  # a month without ratings: a gap
    partial = partial_suffix(months[-1], through)
    whole = months[:-1] if partial else months
    if whole:
        ax.plot(whole, values[:len(whole)], marker="o", color="#3949ab")
    so_far = f"so far{partial}: may still move"
    if partial and months[-1] != until:  # the month so far: an open point, joined to nothing, since it may still move
        ax.plot(months[-1:], values[-1:], marker="o", markersize=9, markerfacecolor="white", color="#3949ab",
                linestyle="none", label=f"{months[-1]} {so_far}")
    crowded = len(months) > 8  # neighbours' labels alternate above and below the line so they do not run together
    for i, (month, value) in enumerate(monthly.items()):
        below = (crowded and i % 2 and value > 1.6) or value > 4.6  # never under the axis, never over the frame
        lift = 11 if month == until else 7  # clear of the larger marker of the report's month
        ax.annotate(f"n={n[month]}", (month, value), textcoords="offset points",
                    xytext=(0, -(lift + 8)) if below else (0, lift), ha="center",
                    fontsize=8 if len(monthly) > 12 else 9, color="#444", zorder=4,
                    bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    if target is not None:
        ax.axhline(target, linestyle="--", linewidth=1, color="#2e7d32", label=f"target {target:.2f}")
    if until in monthly.index and partial and until == months[-1]:  # the report's month, so far: an open red ring
        ax.scatter([until], [monthly[until]], s=120, facecolors="white", edgecolors="#c62828", linewidths=2.5,
                   zorder=3, label=f"{until}: this report, {so_far}")
    elif until in monthly.index:
        ax.scatter([until], [monthly[until]], s=120, color="#c62828", zorder=3, label=f"{until}: this report")
    if target is not None or until in monthly.index or partial:
        # under the plot, which keeps the width for the months (a long "so far" label beside it took half)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.32), frameon=False, fontsize=8,
                  ncol=1 if size[0] < 7 else 2)
    ax.set(title=f"{title} (n = rated sessions)", xlabel="Month", ylabel="Average rating", ylim=(1, 5.4))
    _month_axis(ax, months, through)
    ax.tick_params(axis="x", rotation=60 if len(months) > 6 else 0, labelsize=8)
    last = until if until in monthly.index else monthly.index[-1]
    name = pd.Period(last, freq="M").strftime("%B %Y")
    alt = f"Average rating {monthly[last]:.2f} in {name}, n = {plural(n[last], 'rated session')}"
    before = [m for m in monthly.index if m < last]
    if before:
        prev = before[-1]
        alt += f" ({pd.Period(prev, freq='M').strftime('%B %Y')}: {monthly[prev]:.2f}, n = {int(n[prev]):,})"
    data = pd.DataFrame({"month": monthly.index, "avg_rating": monthly.to_numpy(), "rated_sessions": n.to_numpy()})
    return describe(fig, alt, data)


NAME_ALL_UP_TO = 5
"""The mentor scatter names every mentor when it has this many points or fewer (else only the bottom ones)."""
LABEL_GAP = 0.07
"""Least vertical distance between two point names, as a share of the axes' height (a 9-pt line and room)."""


def _name_points(ax: Axes, points: list[tuple[str, float, float]]) -> None:
    """Write each name to the right of its point (name, x, y in data units), in the points' top-to-bottom
    order and at least :data:`LABEL_GAP` apart, so names of close points never overlap or trade places; a name
    moved off its point's height is joined to it by a thin line. Call once the axes' limits are set."""
    placed = sorted(((name, *ax.transLimits.transform((x, y))) for name, x, y in points), key=lambda p: -p[2])
    heights: list[float] = []
    for _, _, y in placed:
        heights.append(min(y, heights[-1] - LABEL_GAP) if heights else y)
    lift = max(0.0, 0.04 - heights[-1]) if heights else 0.0  # the lowest name stays inside the frame
    for (name, x, y), height in zip(placed, heights):
        height += lift
        moved = abs(height - y) > LABEL_GAP / 3
        ax.annotate(name, (x, y), xycoords="axes fraction", xytext=(x + 0.03, height), textcoords="axes fraction",
                    va="center", fontsize=9, zorder=5,
                    arrowprops={"arrowstyle": "-", "color": "#90a4ae", "linewidth": 0.7} if moved else None)


def mentor_scatter(table: pd.DataFrame, bottom: pd.DataFrame,
                   title: str = "Mentors: red sessions vs rating (bottom mentors named)") -> Figure:
    """Each eligible mentor's share of sessions red (x) against average rating (y): the ranking's two criteria
    (rank 1 has the lowest red share, then the highest rating), so no dot lies to the right of the bottom
    mentors, drawn in red and named (every mentor is named when there are at most :data:`NAME_ALL_UP_TO`).
    The legend says what the grey dots are: "other
    ranked mentors" beside a bottom, "ranked mentors" without one (the title says no bottom is named); the axes
    leave room around the dots, so two mentors are not drawn on the frame's corners."""
    fig, ax = _figure(7, 4.2)
    eligible = table[table["eligible"]].dropna(subset=["avg_rating", "red_rate"])
    if eligible.empty:
        _no_data(ax, title)
        return describe(fig, f"{title}: no mentor with enough sessions")
    is_bottom = eligible.index.isin(bottom.index)
    worst = f"bottom {len(bottom)} (highest share of sessions red)"
    others = "other ranked mentors" if is_bottom.any() else "ranked mentors"
    group = pd.Series(is_bottom, index=eligible.index).map({True: worst, False: others})
    looks = {worst: (LEVEL_COLOURS["red"], "X"), others: ("#78909c", "o")}
    for name, (colour, marker) in looks.items():
        members = eligible[(group == name).to_numpy()]
        if len(members):
            ax.scatter(members["red_rate"], members["avg_rating"], s=70, color=colour, marker=marker,
                       label=name, edgecolors="white", linewidths=0.75)
    ax.margins(0.2)
    low, high = ax.get_xlim()
    ax.set_xlim(max(low, -0.05), min(high, 1.05))  # a rate's axis stays on 0–100 %, a rating's on 1–5
    low, high = ax.get_ylim()
    ax.set_ylim(max(low, 0.9), min(high, 5.1))
    named = eligible if len(eligible) <= NAME_ALL_UP_TO else eligible[is_bottom]
    _name_points(ax, [(str(name), r["red_rate"], r["avg_rating"]) for name, r in named.iterrows()])
    ax.xaxis.set_major_locator(FixedLocator([round(t, 6) for t in MaxNLocator(6).tick_values(*ax.get_xlim())
                                             if 0 <= round(t, 6) <= 1]))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    spots = eligible.groupby([eligible["red_rate"].round(4), eligible["avg_rating"].round(4)]).size()
    shared = spots[spots > 1]
    note = "; ".join(f"{plural(dots, 'dot')} {verb(dots, 'stands', 'each stand')} for {mentors} mentors"
                     for mentors, dots in shared.value_counts().sort_index().items())
    note = f"\n{note} at the same point" if note else ""
    ax.set(title=title, xlabel=f"Sessions red (share of the mentor's sessions){note}", ylabel="Average rating")
    ax.legend(loc="best", frameon=True, fontsize=8)  # inside: outside, its text took the plot's width
    names = ", ".join(f"{m} ({eligible.loc[m, 'avg_rating']:.2f}, {eligible.loc[m, 'red_rate']:.0%})"
                      for m in eligible.index[is_bottom])
    data = eligible[["sessions", "avg_rating", "red_rate"]].assign(bottom=is_bottom).rename_axis(
        "mentor_name").reset_index() if "sessions" in eligible else eligible[["avg_rating", "red_rate"]].assign(
        bottom=is_bottom).rename_axis("mentor_name").reset_index()
    return describe(fig, f"{title}: n = {len(eligible)} mentors; bottom: {names or 'none'}", data)


def warnings_per_mentor(enriched: pd.DataFrame, top: int = 15, title: str = "Warnings per mentor") -> Figure | str:
    """Stacked bars of amber and red sessions for the ``top`` mentors with the most red sessions (then amber),
    among the mentors with at least one warning (the title says how many); mentors cut off with the same counts
    as the last one shown are counted under the chart, never dropped silently. A sentence when no session is
    amber or red."""
    counts = pd.crosstab(enriched["mentor_name"], enriched["level"].astype("string")).reindex(columns=list(LEVELS),
                                                                                            fill_value=0)
    warned = counts[counts[["red", "amber"]].sum(axis=1) > 0]
    if warned.empty:
        return f"{title}: no mentor has an amber or red session ({len(enriched):,} sessions)."
    ordered = warned.sort_values(["red", "amber"], ascending=False)
    counts = ordered.head(top)
    cut = ordered.iloc[top:]
    tied = int(((cut["red"] == counts["red"].iloc[-1]) & (cut["amber"] == counts["amber"].iloc[-1])).sum()) \
        if len(cut) else 0
    mentors = f"{plural(len(ordered), 'mentor')} with a warning"
    title = f"{title}: the {top} with most red, then amber, of {mentors}" if len(cut) else f"{title}: {mentors}"
    fig, ax = _figure(8, max(2.5, 0.3 * len(counts) + 1))
    red = ax.barh(counts.index, counts["red"], color=LEVEL_COLOURS["red"], label="red")
    amber = ax.barh(counts.index, counts["amber"], left=counts["red"], color=LEVEL_COLOURS["amber"], label="amber",
                    hatch="//", edgecolor="white")
    ax.bar_label(red, labels=[str(v) if v else "" for v in counts["red"]], label_type="center", color="white",
                 fontsize=VALUE_SIZE, fontweight="bold")
    ax.bar_label(amber, labels=[str(v) if v else "" for v in counts["amber"]], label_type="center",
                 fontsize=VALUE_SIZE, fontweight="bold")
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, 1.35 * counts[["red", "amber"]].sum(axis=1).max())  # room for the legend beside the bars
    ax.legend(loc="lower right", frameon=True)  # by the shortest bars, sorted last (outside it was cut off)
    more = ""
    if len(cut):
        last = counts.iloc[-1]
        more = (f"{plural(len(cut), 'more mentor')} with warnings not shown"
                + (f", {tied} tied with the last shown ({int(last['red'])} red, {int(last['amber'])} amber)"
                   if tied else ""))
    ax.set(title=title, xlabel="Sessions" + (f"\n{textwrap.fill(more, 60)}" if more else ""), ylabel="")
    level = "red" if counts["red"].sum() else "amber"
    most_sessions = int(counts[level].iloc[0])
    leaders = list(ordered.index[ordered[level] == most_sessions])
    worst = leaders[0]
    prefix = "" if level == "red" else "no red session; "
    if len(leaders) > 1:  # a tie is said as one, not as the first name of the sort
        most = (f"{prefix}most {level} sessions ({most_sessions} each): {plural(len(leaders), 'mentor')}, "
                + ", ".join(map(str, leaders[:6])) + (" …" if len(leaders) > 6 else ""))
    else:
        most = (f"{prefix}most {level} {worst} ({int(counts.loc[worst, 'red'])} red, "
                f"{int(counts.loc[worst, 'amber'])} amber)")
    alt = (f"{title}: {most}; n = {len(enriched):,} sessions, "
           f"{int(counts['red'].sum()):,} red and {int(counts['amber'].sum()):,} amber among the {len(counts)} shown"
           + (f"; {more}" if more else ""))
    return describe(fig, alt, counts.rename_axis("mentor_name").reset_index())


def health_trend(trend: pd.DataFrame, threshold: float, title: str = "Mentor health by month",
                 size: tuple[float, float] = (8, 3.6), through: pd.Timestamp | None = None) -> Figure:
    """One line per mentor (rows of :func:`mentortrack.analytics.health.health_trend`), with the at-risk line;
    ``size`` in inches; a month the data covers only in part (its last day ``through``) labelled so
    (:func:`month_label`)."""
    fig, ax = _figure(*size)
    shown = trend.dropna(how="all")
    if shown.empty:
        _no_data(ax, title)
        return describe(fig, f"{title}: no scores")
    for name, row in shown.iterrows():
        ax.plot(list(row.index), row.to_numpy(dtype=float), marker="o", label=str(name))
    if len(shown) == 1:  # one mentor (their page): each month's score on its point
        for month, value in shown.iloc[0].dropna().items():
            ax.annotate(f"{value:.0f}", (month, value), textcoords="offset points", xytext=(0, 7), ha="center",
                        fontsize=VALUE_SIZE, color="#333")
    ax.axhline(threshold, color=LEVEL_COLOURS["red"], linestyle="--", linewidth=1)
    ax.annotate(f"at risk below {threshold:g}", (0, threshold), textcoords="offset points", xytext=(2, -12),
                fontsize=9, color=LEVEL_COLOURS["red"])
    ax.set(title=title, xlabel="Month", ylabel="Health score (0–100)", ylim=(0, 100))
    _month_axis(ax, [str(m) for m in shown.columns], through)
    ax.tick_params(axis="x", rotation=45 if len(shown.columns) > 6 else 0, labelsize=9)
    if len(shown) > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=9, frameon=False)
    last = shown.columns[-1]
    latest = shown[last].dropna()
    below = latest[latest < threshold]
    if len(shown) == 1:
        name = shown.index[0]
        earlier = [f"{v:.0f} in {m}" for m, v in shown.iloc[0].drop(last).dropna().items()]
        alt = (f"{title}: {name} scored {latest.iloc[0]:.0f} in {last}" + (f", below {threshold:g}" if len(below) else "")
               if len(latest) else f"{title}: {name} has no score in {last}") + \
            (f" (before: {', '.join(earlier)})" if earlier else "")
    else:
        alt = (f"{title}: {plural(len(shown), 'mentor')} drawn; in {last}, {len(below)} of the {len(latest)} "
               f"with a score below {threshold:g}" + (f" (lowest {latest.idxmin()} {latest.min():.0f})" if len(latest) else ""))
    return describe(fig, alt, shown.rename_axis("mentor_name").reset_index())


def kpi_intervals(table: pd.DataFrame, kpi: str, title: str, min_n: int = 5, top: int = 12) -> Figure | str:
    """Each group's value of ``kpi`` with its 95 % interval, and the program's value as a dashed line.

    ``table`` is :func:`mentortrack.analytics.comparisons.compare` output (its first column names the
    groups); groups whose interval lies wholly above or below the program are coloured and marked
    (▲ above, ▼ below) so colour is not the only carrier. Only groups with ``min_n`` or more sessions in
    the KPI's denominator are drawn, the ``top`` largest of them, and the title says how many of how many
    ("Follow-up rate by mentor: 6 of 15 (n ≥ 5)"); a sentence when none has that many.
    """
    rows_of_kpi = table[(table["kpi"] == kpi) & (table["n"] > 0)]
    eligible = rows_of_kpi[rows_of_kpi["n"] >= min_n]
    rows = eligible.nlargest(top, "n").sort_values("value")
    if rows.empty:
        group = str(table.columns[0]).replace("_", " ")
        most = f" (the most is {int(rows_of_kpi['n'].max())})" if len(rows_of_kpi) else ""
        return f"{title}: no {group} has {min_n} or more sessions counted in {KPI_LABELS.get(kpi, kpi).lower()}{most}."
    if len(rows) < len(rows_of_kpi):
        which = f"the {top} largest of {len(eligible)} with n ≥ {min_n}" if len(eligible) > top else f"n ≥ {min_n}"
        title = f"{title}: {len(rows)} of {len(rows_of_kpi)} ({which})"
    fig, ax = _figure(7, max(2.5, 0.35 * len(rows) + 1.2))
    good, bad = ("below", "above") if HIGHER_IS_BETTER.get(kpi) is False else ("above", "below")
    colours = rows["verdict"].map({good: LEVEL_COLOURS["green"], bad: LEVEL_COLOURS["red"]}).fillna("#78909c")
    marks = rows["verdict"].map({"above": " ▲", "below": " ▼"}).fillna("")
    names = [f"{name}{mark}" for name, mark in zip(rows.iloc[:, 0].astype(str), marks)]
    for y, (_, r) in enumerate(rows.iterrows()):
        ax.plot([r["low"], r["high"]], [y, y], color=colours.iloc[y], linewidth=2)
        ax.scatter([r["value"]], [y], color=colours.iloc[y], zorder=3)
        ax.annotate(f"n={r['n']}", (r["high"], y), textcoords="offset points", xytext=(4, -3), fontsize=9, color="#444")
    program = float(rows["overall"].iloc[0])
    is_rate = kpi != "avg_rating"
    ax.axvline(program, color="#37474f", linestyle="--", linewidth=1,
               label=f"program {program:.1%}" if is_rate else f"program {program:.2f}")
    ax.set_yticks(range(len(rows)), names)
    ends = pd.concat([rows["low"], rows["high"], rows["value"]]).astype(float).dropna()  # no interval: no spread
    low, high = min(float(ends.min()), program), max(float(ends.max()), program)
    span = (high - low) or 0.1
    ax.set_xlim(low - 0.04 * span, high + 0.16 * span)  # room right of the widest interval for its "n=" label
    if is_rate:  # ticks only on the rate's own scale, 0–100 %
        ax.xaxis.set_major_locator(FixedLocator([round(t, 6) for t in MaxNLocator(6).tick_values(*ax.get_xlim())
                                                 if 0 <= round(t, 6) <= 1]))
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=9, frameon=False)
    ax.set(title=title, xlabel=f"{KPI_LABELS.get(kpi, kpi)}, 95 % interval", ylabel="")
    shown = (lambda v: f"{v:.1%}") if is_rate else (lambda v: f"{v:.2f}")
    differ = [f"{r.iloc[0]} {r['verdict']} ({shown(r['value'])}, n = {r['n']})" for _, r in rows.iterrows()
              if r["verdict"] in ("above", "below")]
    alt = (f"{title}: program {shown(program)}; {plural(len(rows), 'group')}; "
           + ("; ".join(differ) if differ else "none differs from the program at 95 %"))
    return describe(fig, alt, rows.reset_index(drop=True))


def kpi_by_group(table: pd.DataFrame, kpi: str, title: str, base: str | None = None) -> Figure:
    """Bars of one KPI across groups (rows of a :func:`mentortrack.analytics.kpis.kpis_by` table), each
    labelled with its value and, with ``base`` (the table's column counting the KPI's denominator, e.g.
    ``completed_sessions``), what it is of ("100.0% of 3"); a rate's axis is ticked 0–100 % only."""
    fig, ax = _figure(7, max(2.5, 0.35 * len(table) + 1))
    values = table[kpi].astype(float).dropna().sort_values()
    if values.empty:
        _no_data(ax, title)
        return describe(fig, f"{title}: no values")
    _bars(ax, [_category(c) for c in values.index], values.to_numpy(dtype=float), "#5c6bc0", horizontal=True)
    is_rate = kpi.endswith(("_rate", "_coverage"))
    shown = (lambda v: f"{v:.1%}") if is_rate else (lambda v: f"{v:.2f}")
    of = (lambda g: f" of {int(table.loc[g, base]):,}") if base is not None else (lambda g: "")
    for text in ax.bar_label(ax.containers[0], labels=[shown(v) + of(g) for g, v in values.items()], padding=3,
                             fontsize=VALUE_SIZE):
        text.set_bbox({"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"})  # over gridlines
    ax.set_xlim(0, max(values.max() * (1.4 if base else 1.25), 0.05 if is_rate else 1))
    if is_rate:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xticks([t for t in (0, 0.25, 0.5, 0.75, 1.0) if t <= ax.get_xlim()[1]])
    ax.set(title=title, xlabel=KPI_LABELS.get(kpi, kpi.replace("_", " ")), ylabel="")
    alt = (f"{title}: highest {values.index[-1]} {shown(values.iloc[-1])}{of(values.index[-1])}, lowest "
           f"{values.index[0]} {shown(values.iloc[0])}{of(values.index[0])}; {plural(len(values), 'group')}")
    data = table.rename_axis(table.index.name or "group").reset_index()
    return describe(fig, alt, data)


def talk_share(speakers: pd.DataFrame, title: str = "Talk time per transcript") -> Figure:
    """Stacked horizontal bars of each speaker's talk share (0–1) per transcript.

    ``speakers`` has columns transcript, role (mentor/learner/other) and talk_share.
    """
    table = speakers.pivot_table(index="transcript", columns="role", values="talk_share", aggfunc="sum", fill_value=0)
    fig, ax = _figure(8, 0.5 * len(table) + 1.5)
    if table.empty:
        _no_data(ax, title)
        return describe(fig, f"{title}: no transcripts")
    left = pd.Series(0.0, index=table.index)
    colours = {"mentor": "#5c6bc0", "learner": "#26a69a", "other": "#bdbdbd"}
    for role in [r for r in colours if r in table]:
        ax.barh(table.index, table[role], left=left, color=colours[role], label=role)
        left += table[role]
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(title=title, xlabel="Share of talk time", ylabel="")
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1), frameon=False)
    mentor = table["mentor"].mean() if "mentor" in table else float("nan")
    alt = f"{title}: n = {len(table)} transcripts" + (f", mentors talk {mentor:.0%} of the time on average"
                                                       if pd.notna(mentor) else "")
    return describe(fig, alt, table.rename_axis("transcript").reset_index())
