"""The page „Trends“: `/<db>/-/trends` (chart), `/<db>/-/trends.csv` and `.json` (the same data).

Arguments: `kind` = topic | actor | state; the period as `weeks` (12, 26, 52, 104 weeks up to the
newest article) or `since`/`until` (von/bis, any form db/dates.py accepts); `value` (repeatable)
to chart chosen ids instead of the biggest ones.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import date, timedelta
from urllib.parse import urlencode

from datasette.utils import sqlite_timelimit
from datasette.utils.asgi import NotFound, Response

from db.dates import DateError, format_date_de, parse_since, parse_until, week_label_de
from nlp.vocabulary import KIND_NAMES
from publish import trends
from publish.archive import is_archive
from publish.chart import colour, line_chart
from publish.export import write_csv

PERIODS = (12, 26, 52, 104)
DEFAULT_WEEKS = 26
FILTER_NAME = {"topic": "topic", "actor": "actor", "state": "state"}


def _period(args, latest: date | None, notes: list[str]) -> tuple[date, date, int | None]:
    end = latest or date.today()
    try:
        weeks = int(args.get("weeks") or DEFAULT_WEEKS)
    except ValueError:
        weeks = DEFAULT_WEEKS
    weeks = weeks if weeks in PERIODS else DEFAULT_WEEKS
    since, until = args.get("since"), args.get("until")
    if since or until:
        try:
            end = parse_until(until) if until else end
            start = parse_since(since) if since else end - timedelta(weeks=weeks) + timedelta(days=1)
            if start > end:
                start, end = end, start
            if (end - start).days > 7 * 520:
                notes.append("Der Zeitraum wurde auf die letzten zehn Jahre begrenzt.")
                start = end - timedelta(weeks=520)
            return start, end, None
        except DateError:
            notes.append("Ein Datum war nicht lesbar (TT.MM.JJJJ, JJJJ-MM-TT oder KW 39/2025); "
                         f"gezeigt werden die letzten {weeks} Wochen.")
    return end - timedelta(weeks=weeks) + timedelta(days=1), end, weeks


async def trends_page(request, datasette):
    database = request.url_vars["database"]
    if not is_archive(datasette, database):
        raise NotFound("Kein Archiv: " + database)
    await datasette.ensure_permissions(
        request.actor, [("view-table", (database, "articles")), ("view-database", database), "view-instance"])
    fmt = request.url_vars.get("format") or "html"
    kind = request.args.get("kind") if request.args.get("kind") in trends.KINDS else "topic"
    chosen = [v for v in request.args.getlist("value") if v][: len(trends.KINDS) * 4]
    notes: list[str] = []
    limit_ms = datasette.setting("sql_time_limit_ms")

    def run(conn):
        with sqlite_timelimit(conn, limit_ms):
            latest = trends.latest_day(conn)
            start, end, weeks = _period(request.args, latest, notes)
            week_list = trends.weeks_between(start, end)
            counts = trends.weekly_counts(conn, kind, start, end)
            return start, end, weeks, week_list, trends.series(counts, week_list, kind, chosen), trends.rising(conn, kind, end)

    try:
        start, end, weeks, week_list, all_series, rising = await datasette.get_database(database).execute_fn(run)
    except sqlite3.OperationalError as exc:
        if "interrupt" not in str(exc):
            raise
        return Response.html("Die Auswertung hat zu lange gedauert; bitte einen kürzeren Zeitraum wählen.", status=503)
    data_rows = trends.rows(week_list, all_series)
    if fmt == "json":
        return Response.json({"kind": kind, "since": start.isoformat(), "until": end.isoformat(), "weeks": week_list,
                              "series": [{"value": s.value, "label": s.label, "counts": s.counts} for s in all_series],
                              "rising": [{"value": r.value, "label": r.label, "recent": r.recent, "before": r.before,
                                          "change_per_week": round(r.change, 2)} for r in rising],
                              "rows": data_rows})
    if fmt == "csv":
        out = io.StringIO(newline="")
        columns = ["week", "week_start", "value", "label", "articles"]
        write_csv(out, columns, iter([tuple(row[c] for c in columns) for row in data_rows]))
        return Response(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="policy-radar-trends-{kind}-{start}-{end}.csv"'})
    base = datasette.urls.path(f"/{database}/-/trends")
    search = datasette.urls.path(f"/{database}/-/search")
    args = {"kind": kind, **({"weeks": str(weeks)} if weeks else {"since": start.isoformat(), "until": end.isoformat()})}
    plural = KIND_NAMES[kind][1]
    description = f"{plural}: Meldungen pro Kalenderwoche, {format_date_de(start)} bis {format_date_de(end)}"
    chart = line_chart([trends.week_tick(w) for w in week_list], [week_label_de(w) for w in week_list],
                       [(s.label, s.counts) for s in all_series], "Meldungen pro Woche", "Kalenderwoche", description)
    recent_start = end - timedelta(days=end.weekday()) - timedelta(weeks=trends.RECENT_WEEKS - 1)
    context = {
        "database": database, "kind": kind, "kinds": trends.KINDS, "plural": plural, "notes": notes,
        "chart": chart, "description": description, "has_data": any(s.total for s in all_series),
        "legend": [{"label": s.label, "colour": colour(i), "total": s.total,
                    "url": f"{search}?{urlencode({FILTER_NAME[kind]: s.value, 'since': start.isoformat(), 'until': end.isoformat()})}"}
                   for i, s in enumerate(all_series)],
        "rising": [{"label": r.label, "recent": r.recent, "before": r.before, "change": r.change,
                    "url": f"{search}?{urlencode({FILTER_NAME[kind]: r.value, 'since': recent_start.isoformat()})}"} for r in rising],
        "kind_urls": {k: f"{base}?{urlencode({**args, 'kind': k})}" for k in trends.KINDS},
        "period_urls": [(p, f"{base}?{urlencode({'kind': kind, 'weeks': p})}") for p in PERIODS],
        "weeks": weeks, "since_text": format_date_de(start), "until_text": format_date_de(end),
        "csv_url": f"{base}.csv?{urlencode(args)}", "json_url": f"{base}.json?{urlencode(args)}",
        "week_count": len(week_list), "zero_weeks": sum(1 for i in range(len(week_list)) if all(s.counts[i] == 0 for s in all_series)),
    }
    return Response.html(await datasette.render_template("radar_trends.html", context, request=request))
