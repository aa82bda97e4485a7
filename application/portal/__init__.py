"""Customer portal use cases: token links, invoice view, pay, history, saved cards."""
