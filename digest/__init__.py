"""Weekly digest e-mails: subscribers, selection, summary, rendering, sending (docs/digest.md)."""
