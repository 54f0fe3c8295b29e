"""`radar crawl`: crawl sources from the sources file (or one Kommune21-style site) into the archive."""

from __future__ import annotations

import json
import math
from pathlib import Path
from urllib.parse import urlparse

import click

from radar.options import FiniteRange, RunFailed, check_reachable, db_option, validate_start_url


def summarise(stats: dict, db_path: str) -> str:
    """One line a person can read after a crawl."""
    errors = {k[len("radar/errors/") :]: v for k, v in stats.items() if k.startswith("radar/errors/")}
    unchanged = stats.get("radar/unchanged", 0) + stats.get("radar/checked", 0)
    line = (
        f"{stats.get('response_received_count', 0)} pages fetched: "
        f"{stats.get('radar/new', 0)} new, {stats.get('radar/updated', 0)} updated, "
        f"{unchanged} unchanged"
    )
    if stats.get("radar/duplicates"):
        line += f" ({stats['radar/duplicates']} near-duplicates linked)"
    line += f", {sum(errors.values())} errors"
    if errors:
        line += " (" + ", ".join(f"{k} {v}" for k, v in sorted(errors.items())) + ")"
    if stats.get("radar/undated"):
        line += f", {stats['radar/undated']} undated"
    if stats.get("radar/quarantined"):
        line += f", {stats['radar/quarantined']} quarantined"
    return f"{line} → {db_path}"


def parse_setting(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, object]:
    """`-s NAME=VALUE` (as for `scrapy crawl`); values are read as JSON when they parse, else text.
    A value for one of Scrapy's own number or yes/no settings must be one (checked here: Scrapy
    would fail mid-start with a traceback, or take `nan` as a delay)."""
    out: dict[str, object] = {}
    for raw in values:
        name, sep, value = raw.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{raw!r} is not NAME=VALUE")
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value
        if isinstance(parsed, float) and not math.isfinite(parsed):  # also for RADAR_* settings
            raise click.BadParameter(f"{raw!r}: {value} is not a finite number")
        out[name.strip()] = _check_setting(name.strip(), parsed)
    return out


def _check_setting(name: str, value: object) -> object:
    from scrapy.settings import default_settings

    default = getattr(default_settings, name, None)
    if isinstance(default, bool):
        if value in (True, False, 0, 1) or str(value).lower() in ("true", "false"):
            return value
        raise click.BadParameter(f"{name}: {value!r} is not true or false")
    if isinstance(default, (int, float)):
        fractional = isinstance(default, float) or "DELAY" in name or "TIMEOUT" in name
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if number is None or not math.isfinite(number) or (number < 0 and not name.endswith("PRIORITY")):
            raise click.BadParameter(f"{name}: {value!r} is not a {'number' if fractional else 'whole number'} ≥ 0")
        if not fractional and number != int(number):
            raise click.BadParameter(f"{name}: {value!r} is not a whole number")
    return value


def parse_since(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Any typed date (01.06.2025, 2025-06-01, KW 23/2025; db/dates.py) → ISO."""
    from db.dates import DateError
    from db.dates import parse_since as first_day

    if value is None:
        return None
    try:
        return first_day(value).isoformat()
    except DateError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.option("--source", "source_ids", multiple=True, metavar="NAME",
              help="Crawl this source of the sources file (repeatable). With --start-url: the source id to store.")
@click.option("--all", "all_sources", is_flag=True, help="Crawl every source of the sources file.")
@click.option("--sources", "sources_file", default=None, type=click.Path(dir_okay=False),
              help="Sources file (default: crawler/sources.toml).")
@click.option("--base", default=None, callback=validate_start_url,
              help="Base URL substituted for {base} in the sources file (the sample site's address).")
@click.option("--start-url", default=None, callback=validate_start_url,
              help="Crawl one Kommune21-style site from this list page instead of the sources file.")
@db_option
@click.option("--since", default=None, callback=parse_since, metavar="DATE",
              help="Only articles published on or after DATE; stop paging at older list pages.")
@click.option("--full", is_flag=True, help="Walk every list page even where the archive knows the articles.")
@click.option("--jobdir", default=None, type=click.Path(file_okay=False), help="Scrapy JOBDIR to pause and resume.")
@click.option("--timeout", default=None, type=FiniteRange(0.1, 600),
              help="Seconds (0.1 to 600) before a download is abandoned (retried).")
@click.option("--time-limit", default=None, type=FiniteRange(1, 7 * 24 * 3600),
              help="Stop the whole run after this many seconds (counted as `time_limit`; what was fetched is stored).")
@click.option("--max-list-pages", default=None, type=click.IntRange(min=1), metavar="N",
              help="At most N list pages per source in this run (caps the sources file's `max_list_pages`).")
@click.option("--max-depth", default=None, type=click.IntRange(min=1), metavar="N",
              help="Articles at most N links from a list page (1: only listed ones; caps `max_depth`).")
@click.option("--max-articles", default=None, type=click.IntRange(min=1), metavar="N",
              help="At most N article pages per source in this run (caps `max_articles`).")
@click.option("--spider", default=None, help="Spider to run (default: kommune21 with --start-url, else configured).")
@click.option("-s", "--set", "overrides", multiple=True, callback=parse_setting, metavar="NAME=VALUE",
              help="Override a Scrapy setting, e.g. -s CONCURRENT_REQUESTS=64 (repeatable).")
@click.option("--stats", "stats_file", default=None, type=click.Path(dir_okay=False),
              help="Write Scrapy's final stats (counts, errors, timings) to this JSON file.")
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.option("--allow-empty", is_flag=True,
              help="Succeed even when a source's list pages, feeds or sitemaps yield no article at all.")
@click.option("--redis", "redis_url", default=None, metavar="URL",
              help="Be one worker of a distributed crawl through this Redis (docs/deploy.md): items go to "
                   "Redis for `radar ingest`, not to --db.")
@click.option("--crawl-id", default=None, metavar="ID",
              help="With --redis: the shared crawl's name (default: from the spider and sources).")
def crawl_command(source_ids: tuple[str, ...], all_sources: bool, sources_file: str | None, base: str | None,
                  start_url: str | None, db_path: str, since: str | None, full: bool, jobdir: str | None,
                  timeout: float | None, spider: str | None, overrides: dict[str, object], log_level: str,
                  redis_url: str | None = None, crawl_id: str | None = None, stats_file: str | None = None,
                  time_limit: float | None = None, max_list_pages: int | None = None, max_depth: int | None = None,
                  max_articles: int | None = None, allow_empty: bool = False) -> None:
    """Crawl sources, tag every article and store it; faults are counted, never fatal.

    Examples:

      radar crawl --all --db data/radar.db

      radar crawl --sources crawler/sample_sources.toml --base http://127.0.0.1:8000 --source verband

      radar crawl --start-url https://www.kommune21.de/ --since 2025-06-01 --jobdir data/job

      radar crawl --all --time-limit 3600 --max-list-pages 50 --timeout 20
    """
    if start_url and all_sources:
        raise click.UsageError("give either --start-url or --all, not both")
    if not start_url and not source_ids and not all_sources:
        raise click.UsageError("say what to crawl: --source NAME, --all, or --start-url URL")
    if start_url and len(source_ids) > 1:
        raise click.UsageError("with --start-url, --source names the one source id to store")
    _prestart_store_worker(overrides, log_level, redis_url)

    from crawler.runner import project_settings, run_crawl, source_settings
    from crawler.sources import SourcesError, kommune21_source, load_sources
    if sources_file and not Path(sources_file).is_file():
        raise click.ClickException(f"no sources file at {sources_file}")
    try:
        loaded = load_sources(sources_file, base) if (sources_file or not start_url) else None
        if loaded is not None and not base and "{base}" in loaded.path.read_text(encoding="utf-8"):
            raise click.ClickException(f"{loaded.path} uses {{base}}: give --base URL (e.g. the sample site's address)")
        if start_url:
            known = loaded.sources.get(source_ids[0]) if (loaded and source_ids) else None
            sources = [known] if known else [kommune21_source(start_url, source_ids[0] if source_ids else "kommune21")]
            start_urls = [start_url]
        else:
            assert loaded is not None
            sources = list(loaded.sources.values()) if all_sources else loaded.select(list(source_ids))
            start_urls = [u for s in sources for u in s.start_urls]
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from None

    # A broken or foreign archive: one line, nothing fetched (an empty file becomes a new archive).
    if not redis_url and Path(db_path).exists() and not (Path(db_path).is_file() and Path(db_path).stat().st_size == 0):
        from db.connect import check_existing_archive

        check_existing_archive(db_path)

    hosts = {}
    for url in start_urls:
        parsed = urlparse(url)
        hosts.setdefault((parsed.hostname, parsed.port, parsed.scheme), url)
    problems = []
    for url in hosts.values():
        try:
            check_reachable(url)
        except click.ClickException as exc:
            problems.append(exc.message)
    if problems and len(problems) == len(hosts):
        raise RunFailed(problems[0] if len(problems) == 1 else "; ".join(problems))
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)

    if not redis_url:  # a corrupt, foreign or read-only archive: one line before anything is fetched
        from db.connect import connect_writer

        connect_writer(db_path).close()  # also brings its schema up to date

    user_agent = loaded.user_agent_string() if loaded else None
    settings = project_settings(
        RADAR_DB=db_path,
        JOBDIR=jobdir,
        LOG_LEVEL=log_level.upper(),
        DOWNLOAD_TIMEOUT=timeout,
        CLOSESPIDER_TIMEOUT=time_limit,
        RADAR_LIMIT_CAPS={k: v for k, v in (("max_list_pages", max_list_pages), ("max_depth", max_depth),
                                            ("max_articles", max_articles)) if v is not None} or None,
        **source_settings(sources, user_agent),
    )
    settings.update(overrides, priority="cmdline")
    args: dict[str, object] = {"since": since, "full": full}
    if sources_file:
        args["sources_file"] = sources_file
    if base:
        args["base"] = base
    if start_url:
        args["start_url"] = start_url
        if source_ids:
            args["source"] = source_ids[0]
        spider = spider or "kommune21"
    else:
        args["sources"] = ",".join(s.id for s in sources)
        spider = spider or "configured"
    if redis_url:  # one worker of a distributed crawl: crawler/distributed/
        from crawler import distributed

        if jobdir:
            raise click.UsageError("--jobdir and --redis exclude each other: a distributed crawl's state is in Redis")
        crawl_id = crawl_id or distributed.default_crawl_id(spider, args)
        try:
            settings.update(distributed.worker_settings(redis_url, crawl_id, settings), priority="cmdline")
        except distributed.DistributedError as exc:  # Redis unreachable: the run failed
            raise RunFailed(str(exc)) from None
    try:
        stats = run_crawl(spider, settings, **{k: v for k, v in args.items() if v not in (None, False)})
    except KeyError:
        raise click.ClickException(f"no spider {spider!r} (known: configured, kommune21)") from None
    if stats_file:
        Path(stats_file).write_text(json.dumps(stats, default=str, indent=1, sort_keys=True) + "\n")
    if redis_url:  # a worker may find nothing left to fetch: other workers took it all
        click.echo(distributed.summarise_worker(stats, redis_url, crawl_id))
        return
    if not stats.get("response_received_count"):
        raise RunFailed(f"no page could be fetched from {', '.join(start_urls)}")
    click.echo(summarise(stats, db_path))
    empty = [s.id for s in sources if not stats.get(f"radar/listed/{s.id}")]
    if empty and not allow_empty:
        raise RunFailed(empty_sources_message(empty, sources, stats))


def empty_sources_message(empty: list[str], sources: list, stats: dict) -> str:
    """One line, starting `no article found` (ops/crawls.py reads it as the source's reason): which
    sources found none and where they looked (a dead source must be noticed)."""
    by_id = {s.id: s for s in sources}
    parts = []
    for source_id in empty:
        source = by_id[source_id]
        where = "list pages" if source.type == "rules" else f"{source.type}s"
        rule = f", list rule item={source.rules.item!r}" if source.rules else ""
        parts.append(f"{source_id} (its {where}{rule}, nor any link matching article_urls)")
    return (f"no article found for {'; '.join(parts)} — the source's markup or address may have changed; "
            "--allow-empty accepts this")


def _prestart_store_worker(overrides: dict[str, object], log_level: str, redis_url: str | None) -> None:
    """Start the store worker before Scrapy is even imported: its tagger loads while this process
    starts up (bench/crawl: the first batch is stored ~2.5 s sooner). Not for a distributed
    worker (it stores nothing) nor `RADAR_STORE_WORKER = "inline"`; never taken, it ends with us."""
    from crawler import settings as defaults

    if redis_url or str(overrides.get("RADAR_STORE_WORKER", defaults.RADAR_STORE_WORKER)) != "process":
        return
    from crawler.storeworker import prestart_worker

    taxonomy = overrides.get("RADAR_TAXONOMY", getattr(defaults, "RADAR_TAXONOMY", None))
    queue_size = overrides.get("RADAR_STORE_QUEUE", defaults.RADAR_STORE_QUEUE)
    prestart_worker(str(taxonomy) if taxonomy else None, log_level.upper(),
                    queue_size if isinstance(queue_size, int) and queue_size > 0 else defaults.RADAR_STORE_QUEUE)
