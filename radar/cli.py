"""`radar`: one click group; each command parses its options, calls one function, and turns
expected failures into a one-line `ClickException`."""

from __future__ import annotations

import click

from db.sqlite import ArchiveError
from radar.commands.actors import actors_command
from radar.commands.crawl import crawl_command
from radar.commands.demo import demo_command
from radar.commands.digest import digest_command
from radar.commands.export import export_command
from radar.commands.health import health_command
from radar.commands.ingest import ingest_command
from radar.commands.migrate import migrate_command
from radar.commands.reparse import reparse_command
from radar.commands.retag import retag_command
from radar.commands.run import run_command
from radar.commands.serve import serve_command
from radar.commands.sources import sources_command
from radar.commands.subscribers import subscribers_command


class RadarGroup(click.Group):
    """Exit codes: 0 done; 1 a run that failed (`RunFailed`); 2 bad input, said in one line: db's
    ArchiveError (no archive, not an archive, read-only, locked, old schema) and any other
    `ClickException`, as click's own usage errors."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except ArchiveError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        except click.ClickException as exc:
            if type(exc) is click.ClickException:
                exc.exit_code = 2
            raise


@click.group(cls=RadarGroup)
@click.version_option(package_name="policy-radar")
def cli() -> None:
    """Policy Radar: crawl, tag, archive and publish German e-government news."""


cli.add_command(crawl_command, "crawl")
cli.add_command(sources_command, "sources")
cli.add_command(reparse_command, "reparse")
cli.add_command(retag_command, "retag")
cli.add_command(serve_command, "serve")
cli.add_command(export_command, "export")
cli.add_command(demo_command, "demo")
cli.add_command(ingest_command, "ingest")
cli.add_command(subscribers_command, "subscribers")
cli.add_command(digest_command, "digest")
cli.add_command(migrate_command, "migrate")
cli.add_command(actors_command, "actors")
cli.add_command(run_command, "run")
cli.add_command(health_command, "health")

try:  # the tagging commands live with nlp; registered here so `radar --help` lists them
    from radar.commands.tagging import eval_command, tag_command

    cli.add_command(tag_command, "tag")
    cli.add_command(eval_command, "eval")
except ImportError:  # pragma: no cover - only while the module is being written
    pass
