"""Build the German copies of Datasette's own templates (publish/plugin/templates/datasette_de/…).

Datasette (Apache-2.0, © Simon Willison) draws the table, row, query, database and error pages
in English, datasette-dashboards (Apache-2.0, © Romain Clement) its dashboards. This script copies each of its templates and replaces its English text with German;
every replacement must match, so a Datasette upgrade that changes a template fails loudly here.
Run after upgrading Datasette: `python -m publish.tools.translate_templates`.
"""

from __future__ import annotations

from pathlib import Path

import datasette
import datasette_dashboards

SOURCE = Path(datasette.__file__).parent / "templates"
DASHBOARDS = Path(datasette_dashboards.__file__).parent / "templates"
TARGET = Path(__file__).resolve().parent.parent / "plugin" / "templates"
JS_HEADER = ("/* German translation of Datasette's static/table.js (Apache-2.0, https://github.com/simonw/datasette), "
             "built by publish/tools/translate_templates.py. */\n")
HEADER = ("{# German translation of Datasette's %s (Apache-2.0, https://github.com/simonw/datasette), "
          "built by publish/tools/translate_templates.py: edit that script, not this file. #}\n")

FOOTER = [
    ("Powered by <a", "Betrieben mit <a"),
    ("&middot; Queries took {{ query_ms|round(3) }}ms", "&middot; Abfragen: {{ query_ms|round(1)|string|replace('.', ',') }} ms"),
    ("&middot; Data license:", "&middot; Lizenz der Daten:"),
    ("Data source: {%", "Datenquelle: {%"),
    ("About: {%", "Über: {%"),
]
TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "base.html": [
        ("<html>", '<html lang="de">'),
        ('<title id="nav-menu-svg-title">Menu</title>', '<title id="nav-menu-svg-title">Menü</title>'),
        ("Log out</button>", "Abmelden</button>"),
    ],
    "_footer.html": FOOTER,
    "_crumbs.html": [('<a href="{{ item.href }}">{{ item.label }}</a>',
                      '<a href="{{ item.href }}">{{ "Start" if item.label == "home" else radar_table_title(item.label) }}</a>')],
    "_description_source_license.html": [
        ("%}Data license:", "%}Lizenz der Daten:"),
        ("Data source: {%", "Datenquelle: {%"),
        ("About: {%", "Über: {%"),
    ],
    "_suggested_facets.html": [("Suggested facets:", "Vorgeschlagene Facetten:")],
    "_facet_results.html": [
        ('{% if facet_info.type != "column" %} ({{ facet_info.type }}){% endif %}', ""),
        ("<strong>{{ facet_info.name }}", "<strong>{{ radar_facet_titles.get(facet_info.name, facet_info.name) if radar_facet_titles else facet_info.name }}"),
        ('{{ "{:,}".format(facet_value.count) }} <a', '{{ facet_value.count|zahl }} <a'),
        ('</a> {{ "{:,}".format(facet_value.count) }}</li>', '</a> {{ facet_value.count|zahl }}</li>'),
    ],
    "table.html": [
        ('{% block title %}{{ database }}: {{ table }}: {% if filtered_table_rows_count or filtered_table_rows_count == 0 %}{{ "{:,}".format(filtered_table_rows_count) }} row{% if filtered_table_rows_count == 1 %}{% else %}s{% endif %}{% endif %}{% if human_description_en %} {{ human_description_en }}{% endif %}{% endblock %}',
         '{% block title %}{{ metadata.title or table }}: {% if filtered_table_rows_count or filtered_table_rows_count == 0 %}{{ filtered_table_rows_count|zahl }} Zeile{% if filtered_table_rows_count != 1 %}n{% endif %}{% endif %}{% if radar_description %} {{ radar_description }}{% endif %}{% endblock %}'),
        ("{% if is_view %} (view){% endif %}", ""),
        ("<script src=\"{{ urls.static('table.js') }}\" defer></script>",
         "<script src=\"{{ urls.static_plugins('policy-radar', 'table_de.js') }}\" defer></script>"),
        ('<title id="actions-menu-links-title">Table actions</title>', '<title id="actions-menu-links-title">Aktionen</title>'),
        ('<h3>{% if filtered_table_rows_count or filtered_table_rows_count == 0 %}{{ "{:,}".format(filtered_table_rows_count) }} row{% if filtered_table_rows_count == 1 %}{% else %}s{% endif %}{% endif %}\n        {% if human_description_en %}{{ human_description_en }}{% endif %}',
         '<h3>{% if filtered_table_rows_count or filtered_table_rows_count == 0 %}{{ filtered_table_rows_count|zahl }} Zeile{% if filtered_table_rows_count != 1 %}n{% endif %}{% endif %}\n        {% if radar_description %}{{ radar_description }}{% endif %}'),
        ('{% if filtered_table_rows_count or human_description_en %}', '{% if filtered_table_rows_count or filtered_table_rows_count == 0 or radar_description %}'),
        ('<label for="_search">Search:</label>', '<label for="_search">Suche:</label>'),
        ('<option value="">- remove filter -</option>', '<option value="">– Filter entfernen –</option>'),
        ('<option value="">- column -</option>', '<option value="">– Spalte –</option>'),
        ('{{ key }}{% if no_argument %}__1{% endif %}"{% if key == lookup %} selected{% endif %}>{{ display }}</option>',
         '{{ key }}{% if no_argument %}__1{% endif %}"{% if key == lookup %} selected{% endif %}>{{ radar_lookups.get(key, display) if radar_lookups else display }}</option>'),
        ('<option value="">Sort...</option>', '<option value="">Sortieren …</option>'),
        (">Sort by {{ column.name }}</option>", ">Sortieren nach {{ column.name }}</option>"),
        ("> descending</label>", "> absteigend</label>"),
        ('<input type="submit" value="Apply">', '<input type="submit" value="Anwenden">'),
        ("extra where clause{% if extra_wheres_for_ui|length != 1 %}s{% endif %}", "zusätzliche Bedingung{% if extra_wheres_for_ui|length != 1 %}en{% endif %}"),
        ('[<a href="{{ extra_where.remove_url }}">remove</a>]', '[<a href="{{ extra_where.remove_url }}">entfernen</a>]'),
        ('<span class="underlined">View and edit SQL</span>', '<span class="underlined">SQL ansehen und bearbeiten</span>'),
        ('This data as {% for', 'Diese Daten als {% for'),
        ('<a href="{{ url_csv }}">CSV</a> (<a href="#export">advanced</a>)', '<a href="{{ url_csv }}">CSV</a> (<a href="#export">weitere Formate</a>)'),
        ("These facets timed out:", "Diese Facetten brauchten zu lange:"),
        ('<a href="{{ next_url }}">Next page</a>', '<a href="{{ next_url }}">Nächste Seite</a>'),
        ("<h3>Advanced export</h3>", "<h3>Weitere Formate</h3>"),
        ("<p>JSON shape:", "<p>JSON-Form:"),
        (">default</a>,", ">Standard</a>,"),
        (">array</a>,", ">Liste</a>,"),
        (">newline-delimited</a>", ">eine Zeile je Datensatz</a>"),
        (">object</a>", ">Objekt</a>"),
        ("CSV options:", "CSV-Optionen:"),
        ('name="_dl"> download file</label>', 'name="_dl"> als Datei herunterladen</label>'),
        ('checked> expand labels</label>', 'checked> Bezeichnungen statt Schlüsseln</label>'),
        ('name="_stream"> stream all rows</label>', 'name="_stream"> alle Zeilen</label>'),
        ('<input type="submit" value="Export CSV">', '<input type="submit" value="CSV exportieren">'),
        ('{% block description_source_license %}{% include "_description_source_license.html" %}{% endblock %}',
         '{% block description_source_license %}{% include "_description_source_license.html" %}{% include "_radar_table_notes.html" %}{% endblock %}'),
    ],
    "row.html": [
        ('This data as {% for', 'Diese Daten als {% for'),
        ("<h2>Links from other tables</h2>", "<h2>Verweise aus anderen Tabellen</h2>"),
        ('{{ "{:,}".format(other.count) }} row{% if other.count == 1 %}{% else %}s{% endif %}</a>',
         '{{ other.count|zahl }} Zeile{% if other.count != 1 %}n{% endif %}</a>'),
        ("from {{ other.other_column }} in {{ other.other_table }}", "über {{ other.other_column }} in {{ other.other_table }}"),
    ],
    "query.html": [
        ("{% block title %}{{ database }}{% if query and query.sql %}: {{ query.sql }}{% endif %}{% endblock %}",
         "{% block title %}{% if metadata.title %}{{ metadata.title }}{% else %}{{ database }}: SQL{% endif %}{% endblock %}"),
        ("This query cannot be executed because the database is immutable.", "Diese Abfrage kann nicht ausgeführt werden: die Datenbank ist schreibgeschützt."),
        ('<h3>Custom SQL query{% if display_rows %} returning {% if truncated %}more than {% endif %}{{ "{:,}".format(display_rows|length) }} row{% if display_rows|length == 1 %}{% else %}s{% endif %}{% endif %}',
         '<h3>{% if canned_query %}Abfrage{% else %}Eigene SQL-Abfrage{% endif %}{% if display_rows %} mit {% if truncated %}mehr als {% endif %}{{ display_rows|length|zahl }} Zeile{% if display_rows|length != 1 %}n{% endif %}{% endif %}'),
        ('<a href="{{ show_hide_link }}">{{ show_hide_text }}</a>', '<a href="{{ show_hide_link }}">{{ "SQL zeigen" if show_hide_text == "show" else "SQL ausblenden" }}</a>'),
        ("{% else %}select * from {{ tables[0].name|escape_sqlite }}{% endif %}</textarea>", "{% else %}{{ radar_default_sql or 'select * from articles limit 20' }}{% endif %}</textarea>"),
        ('value="{% if query and query.sql %}{{ query.sql }}{% else %}select * from {{ tables[0].name|escape_sqlite }}{% endif %}"',
         'value="{% if query and query.sql %}{{ query.sql }}{% else %}{{ radar_default_sql or \'select * from articles limit 20\' }}{% endif %}"'),
        ("<h3>Query parameters</h3>", "<h3>Angaben</h3>"),
        ('<label for="qp{{ loop.index }}">{{ name }}</label>', '<label for="qp{{ loop.index }}">{{ radar_param_titles.get(name, name) if radar_param_titles else name }}</label>'),
        ('type="button" hidden>Format SQL</button>', 'type="button" hidden>SQL formatieren</button>'),
        ('<input type="submit" value="Run SQL"', '<input type="submit" value="{% if canned_query %}Abfragen{% else %}SQL ausführen{% endif %}"'),
        ('class="canned-query-edit-sql">Edit SQL</a>', 'class="canned-query-edit-sql">SQL bearbeiten</a>'),
        ('This data as {% for', 'Diese Daten als {% for'),
        ('<p class="zero-results">0 results</p>', '<p class="zero-results">Keine Ergebnisse</p>'),
        ('{% block description_source_license %}{% include "_description_source_license.html" %}{% endblock %}',
         '{% block description_source_license %}{% include "_description_source_license.html" %}{% include "_radar_query_notes.html" %}{% endblock %}'),
    ],
    "database.html": [
        ('<title id="actions-menu-links-title">Table actions</title>', '<title id="actions-menu-links-title">Aktionen</title>'),
        ("<h3>Custom SQL query</h3>", "<h3>Eigene SQL-Abfrage</h3>"),
        ("{% if tables %}select * from {{ tables[0].name|escape_sqlite }}{% else %}select sqlite_version(){% endif %}</textarea>",
         "{{ radar_default_sql or 'select * from articles limit 20' }}</textarea>"),
        ('type="button" hidden>Format SQL</button>', 'type="button" hidden>SQL formatieren</button>'),
        ('<input type="submit" value="Run SQL">', '<input type="submit" value="SQL ausführen">'),
        ("The following databases are attached to this connection, and can be used for cross-database joins:",
         "Diese Datenbanken sind angebunden und lassen sich in Abfragen verknüpfen:"),
        ("'table'\">tables</a>", "'table'\">Tabellen</a>"),
        ('<h2 id="queries">Queries</h2>', '<h2 id="queries">Fertige Abfragen</h2>'),
        ('<h2 id="tables">Tables</h2>', '<h2 id="tables">Tabellen</h2>'),
        ("{% if table.hidden %}<em> (hidden)</em>{% endif %}", "{% if table.hidden %}<em> (intern)</em>{% endif %}"),
        ('">{{ table.name }}</a>', '">{{ radar_table_title(table.name) }}</a> <code>{{ table.name }}</code>'),
        ('">{{ view.name }}</a>', '">{{ radar_table_title(view.name) }}</a> <code>{{ view.name }}</code>'),
        ('{% if table.count is none %}Many rows{% else %}{{ "{:,}".format(table.count) }} row{% if table.count == 1 %}{% else %}s{% endif %}{% endif %}',
         '{% if table.count is none %}Viele Zeilen{% else %}{{ table.count|zahl }} Zeile{% if table.count != 1 %}n{% endif %}{% endif %}'),
        ('<p>... and <a href="{{ urls.database(database) }}?_show_hidden=1">{{ "{:,}".format(hidden_count) }} hidden table{% if hidden_count == 1 %}{% else %}s{% endif %}</a></p>',
         '<p>… und <a href="{{ urls.database(database) }}?_show_hidden=1">{{ hidden_count|zahl }} interne Tabelle{% if hidden_count != 1 %}n{% endif %}</a></p>'),
        ('<h2 id="views">Views</h2>', '<h2 id="views">Sichten</h2>'),
        ("Download SQLite DB:", "SQLite-Datei herunterladen:"),
    ],
    "error.html": [
        ("{% else %}Error {{ status }}{% endif %}{% endblock %}", "{% else %}Fehler {{ status }}{% endif %}{% endblock %}"),
        ("{% else %}Error {{ status }}{% endif %}</h1>", "{% else %}Fehler {{ status }}{% endif %}</h1>"),
    ],
}


def translate(name: str, replacements: list[tuple[str, str]], source: Path = SOURCE) -> str:
    text = (source / name).read_text(encoding="utf-8")
    for old, new in replacements:
        if old not in text:
            raise SystemExit(f"{name}: {old[:70]!r} not found — did Datasette change this template?")
        text = text.replace(old, new)
    return HEADER % name + text


CRUMBS = [('<a href="{{ urls.instance() }}">home</a>', '<a href="{{ urls.instance() }}">Start</a>')]
DASHBOARD_LINK = ("<a href=\"{{ urls.path('-/dashboards') }}\">dashboards</a>",
                  "<a href=\"{{ urls.path('-/dashboards') }}\">Übersichten</a>")
TOO_MANY = ('title="SQL query returning more than {{ row_limit }} rows"',
            'title="Die Abfrage liefert mehr als {{ row_limit }} Zeilen"')
DASHBOARD_TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "dashboard_view.html": CRUMBS + [
        DASHBOARD_LINK, TOO_MANY,
        ('onclick="toggleFullscreen()">Fullscreen</button>', 'onclick="toggleFullscreen()">Vollbild</button>'),
        ('<option value="{{ option }}">{{ option }}</option>', '<option value="{{ option }}">{{ radar_label(key, option) }}</option>'),
        ("selected{% endif %}>{{ option }}</option>", "selected{% endif %}>{{ radar_label(key, option) }}</option>"),
        ('<input type="submit" value="Apply">', '<input type="submit" value="Anwenden">'),
    ],
    "dashboard_list.html": CRUMBS + [
        ("{% block title %}Dashboards{% endblock %}", "{% block title %}Übersichten{% endblock %}"),
        ("<h1>Dashboards</h1>", "<h1>Übersichten</h1>"),
        ("<p>No dashboards found</p>", "<p>Keine Übersichten vorhanden.</p>"),
    ],
    "dashboard_chart.html": CRUMBS + [
        DASHBOARD_LINK, TOO_MANY,
        ('<span class="underlined">View and edit SQL</span>', '<span class="underlined">SQL ansehen und bearbeiten</span>'),
    ],
}

# Datasette's column menu (static/table.js) → publish/plugin/static/table_de.js, loaded by table.html.
TABLE_JS = [
    ('href="#">Sort ascending</a>', 'href="#">Aufsteigend sortieren</a>'),
    ('href="#">Sort descending</a>', 'href="#">Absteigend sortieren</a>'),
    ('href="#">Facet by this</a>', 'href="#">Als Facette zeigen</a>'),
    ('href="#">Hide this column</a>', 'href="#">Spalte ausblenden</a>'),
    ('href="#">Show all columns</a>', 'href="#">Alle Spalten zeigen</a>'),
    ('href="#">Show not-blank rows</a>', 'href="#">Nur Zeilen mit Wert zeigen</a>'),
    ("columnTypeP.innerText = `Type: ${", "columnTypeP.innerText = `Typ: ${"),
    ('a.setAttribute("aria-label", "Remove this filter");', 'a.setAttribute("aria-label", "Filter entfernen");'),
]

# Templates the plugin extends with its own page (row.html: the article page) get another name.
RENAMED = {"row.html": "row_de.html"}


def main() -> None:
    for name, replacements in TEMPLATES.items():
        target = TARGET / RENAMED.get(name, name)
        target.write_text(translate(name, replacements), encoding="utf-8")
        print("wrote", target)
    static = TARGET.parent / "static" / "table_de.js"
    static.write_text(translate("table.js", TABLE_JS, SOURCE.parent / "static").replace(HEADER % "table.js", JS_HEADER), encoding="utf-8")
    print("wrote", static)
    for name, replacements in DASHBOARD_TEMPLATES.items():
        target = TARGET / name
        target.write_text(translate(name, replacements, DASHBOARDS), encoding="utf-8")
        print("wrote", target)


if __name__ == "__main__":
    main()
