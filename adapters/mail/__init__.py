"""Mailers: SMTP (aiosmtplib) and a log-only default."""
