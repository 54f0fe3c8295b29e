from radar.cli import cli

cli()
