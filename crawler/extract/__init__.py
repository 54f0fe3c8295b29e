"""Page → plain fields. Pure functions over HTML text, no Scrapy, so they are easy to test and reuse
for `radar reparse`."""
