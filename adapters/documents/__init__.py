"""Documents for people: receipts drawn as HTML pages and PDF files."""
